-- Member management in the operators' console (issue 12): operators edit a member's name and
-- employee count, and every edit, suspension, resumption and admin invitation is kept with the
-- operator who did it and the reason given.

CREATE FUNCTION tenant.update_member(member_slug text, new_name text, employees integer)
    RETURNS SETOF tenant.tenants
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
BEGIN
    PERFORM tenant.require_platform();
    RETURN QUERY UPDATE tenant.tenants SET name = new_name, employee_count = employees
        WHERE kind = 'member' AND slug = member_slug RETURNING *;
END
$$;
REVOKE ALL ON FUNCTION tenant.update_member(text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.update_member(text, text, integer) TO zorgklas_app;

-- The console's history of a member. Only the platform tenant (operators) reads or writes it:
-- a member never sees why or by whom it was suspended, except through its operator.
CREATE TABLE tenant.member_events (
    id bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    at timestamptz NOT NULL DEFAULT now(),
    actor uuid,
    kind text NOT NULL,
    reason text NOT NULL DEFAULT '',
    CONSTRAINT member_events_kind_check
        CHECK (kind IN ('edited', 'suspended', 'resumed', 'admin_invited', 'invitation_resent')),
    CONSTRAINT member_events_reason_length CHECK (length(reason) <= 500)
);
CREATE INDEX member_events_by_member ON tenant.member_events (tenant_id, at DESC);
ALTER TABLE tenant.member_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant.member_events FORCE ROW LEVEL SECURITY;
CREATE POLICY operators_only ON tenant.member_events
    USING (tenant.current_tenant() = tenant.platform_tenant())
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT ON tenant.member_events TO zorgklas_app;
GRANT USAGE ON SEQUENCE tenant.member_events_id_seq TO zorgklas_app;
