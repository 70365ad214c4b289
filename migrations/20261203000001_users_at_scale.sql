-- Users at the size of a real member (issue 12): the last login per account, indexes for the
-- users table's sorting and filters, and taking one role from a user (bulk actions).

ALTER TABLE tenant.users ADD COLUMN last_login_at timestamptz;
CREATE INDEX users_by_name ON tenant.users (tenant_id, lower(display_name), email);
CREATE INDEX users_by_status ON tenant.users (tenant_id, status);

-- One role taken from a user in the transaction's tenant (the counterpart of grant_role).
CREATE FUNCTION tenant.revoke_role(member uuid, role text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
    DELETE FROM tenant.casbin_rule
    WHERE ptype = 'g' AND v0 = member::text AND v1 = role AND v2 = tenant.authz_domain()
$$;
REVOKE ALL ON FUNCTION tenant.revoke_role(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.revoke_role(uuid, text) TO zorgklas_app;
