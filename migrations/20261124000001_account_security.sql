-- Account security (issue 10).
--
-- 1. One-time links can be revoked (blocking an account, an admin withdrawing an invitation).
-- 2. Throttling counts an attempt atomically *before* the password hash runs: a counter row per
--    key, taken under a row lock, so parallel attempts beyond the limit are refused without
--    hashing. It replaces `login_throttle` (a row per failure, counted in one transaction and
--    written in another, which parallel requests raced past).
-- 3. The platform tables without RLS (`tenants`, `casbin_rule`, the throttle) are written only
--    through narrow SECURITY DEFINER functions: the app role holds no direct write on them, so a
--    wrong WHERE clause in application code cannot cross members there. The functions take the
--    tenant from `app.tenant_id` (set per transaction), never from an argument, except where only
--    the platform tenant (operators) may act.

ALTER TABLE tenant.invites ADD COLUMN revoked_at timestamptz;

-- Throttle counters: one row per key (SHA-256 of e.g. 'login:acct-ip:{tenant}:{email}:{ip}').
-- `account_hash` ties account-scoped keys to their account so a successful login or password
-- reset can clear them all. No personal data: only hashes.
CREATE TABLE tenant.throttle (
    key_hash bytea PRIMARY KEY,
    account_hash bytea,
    window_start timestamptz NOT NULL DEFAULT now(),
    hits integer NOT NULL DEFAULT 0
);
CREATE INDEX throttle_account ON tenant.throttle (account_hash) WHERE account_hash IS NOT NULL;
CREATE INDEX throttle_window ON tenant.throttle (window_start);
REVOKE ALL ON tenant.throttle FROM zorgklas_app;

DROP TABLE tenant.login_throttle;

-- Takes one attempt under every key at once. When any key has reached its limit within the
-- window, nothing is counted and the result is false. Rows are created and locked in key order,
-- so parallel callers queue behind each other instead of deadlocking or racing.
CREATE FUNCTION tenant.throttle_take(keys bytea[], accounts bytea[], limits integer[], window_secs integer)
    RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
DECLARE
    win interval := make_interval(secs => window_secs);
    refused boolean;
BEGIN
    IF random() < 0.01 THEN
        DELETE FROM tenant.throttle WHERE window_start < now() - interval '1 day';
    END IF;
    INSERT INTO tenant.throttle (key_hash, account_hash)
        SELECT k, a FROM unnest(keys, accounts) AS u(k, a) ORDER BY k
        ON CONFLICT (key_hash) DO NOTHING;
    PERFORM 1 FROM tenant.throttle WHERE key_hash = ANY (keys) ORDER BY key_hash FOR UPDATE;
    SELECT bool_or(CASE WHEN t.window_start > now() - win THEN t.hits ELSE 0 END >= l.lim)
        INTO refused
        FROM unnest(keys, limits) AS l(k, lim) JOIN tenant.throttle t ON t.key_hash = l.k;
    IF refused THEN
        RETURN false;
    END IF;
    UPDATE tenant.throttle
        SET hits = CASE WHEN window_start > now() - win THEN hits + 1 ELSE 1 END,
            window_start = CASE WHEN window_start > now() - win THEN window_start ELSE now() END
        WHERE key_hash = ANY (keys);
    RETURN true;
END
$$;

-- Gives back one attempt under each key (the attempt succeeded, so it was no failure).
CREATE FUNCTION tenant.throttle_release(keys bytea[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$ UPDATE tenant.throttle SET hits = greatest(hits - 1, 0) WHERE key_hash = ANY (keys) $$;

-- Forgets every counter of one account (after a successful login or a password reset).
CREATE FUNCTION tenant.throttle_clear_account(account bytea) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$ DELETE FROM tenant.throttle WHERE account_hash = account $$;

-- The member registry: reads stay direct, writes go through these functions.
REVOKE INSERT, UPDATE, DELETE ON tenant.tenants FROM zorgklas_app;

CREATE FUNCTION tenant.require_platform() RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, tenant
    AS $$
BEGIN
    IF tenant.current_tenant() IS DISTINCT FROM tenant.platform_tenant() THEN
        RAISE EXCEPTION 'only the platform tenant may do this' USING ERRCODE = '42501';
    END IF;
END
$$;

-- Operators create members (the caller's transaction runs as the platform tenant).
CREATE FUNCTION tenant.create_member(new_id uuid, new_slug text, new_name text, employees integer)
    RETURNS SETOF tenant.tenants
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
BEGIN
    PERFORM tenant.require_platform();
    RETURN QUERY INSERT INTO tenant.tenants (id, kind, slug, name, employee_count)
        VALUES (new_id, 'member', new_slug, new_name, employees) RETURNING *;
END
$$;

-- Operators suspend and resume members; the platform tenant itself is never touched.
CREATE FUNCTION tenant.set_member_status(member_slug text, new_status text)
    RETURNS SETOF tenant.tenants
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
BEGIN
    PERFORM tenant.require_platform();
    RETURN QUERY UPDATE tenant.tenants SET status = new_status
        WHERE kind = 'member' AND slug = member_slug RETURNING *;
END
$$;

-- A tenant renames itself (admins on the branding page): only the tenant of the transaction.
CREATE FUNCTION tenant.rename_current_tenant(new_name text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$ UPDATE tenant.tenants SET name = new_name WHERE id = tenant.current_tenant() $$;

-- Role grants: the domain is the transaction's tenant ('platform' for the platform tenant), the
-- user must be one of its users, and `operator` exists only on the platform, member roles only
-- on members. Policies (`p` rows) are never written by the application.
REVOKE INSERT, UPDATE, DELETE ON tenant.casbin_rule FROM zorgklas_app;
REVOKE USAGE ON SEQUENCE tenant.casbin_rule_id_seq FROM zorgklas_app;

CREATE FUNCTION tenant.authz_domain() RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, tenant
    AS $$
    SELECT CASE WHEN tenant.current_tenant() = tenant.platform_tenant() THEN 'platform'
                ELSE tenant.current_tenant()::text END
$$;

CREATE FUNCTION tenant.grant_role(member uuid, role text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
DECLARE
    on_platform boolean := tenant.current_tenant() = tenant.platform_tenant();
BEGIN
    IF tenant.current_tenant() IS NULL THEN
        RAISE EXCEPTION 'no tenant set' USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM tenant.users WHERE tenant_id = tenant.current_tenant() AND id = member) THEN
        RAISE EXCEPTION 'not a user of this tenant' USING ERRCODE = '42501';
    END IF;
    IF (on_platform AND role <> 'operator')
       OR (NOT on_platform AND role NOT IN ('admin', 'author', 'teacher', 'reviewer', 'learner')) THEN
        RAISE EXCEPTION 'role % does not exist here', role USING ERRCODE = '42501';
    END IF;
    INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
        VALUES ('g', member::text, role, tenant.authz_domain(), '', '', '')
        ON CONFLICT ON CONSTRAINT unique_key_sqlx_adapter DO NOTHING;
END
$$;

CREATE FUNCTION tenant.revoke_roles(member uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
    DELETE FROM tenant.casbin_rule WHERE ptype = 'g' AND v0 = member::text AND v2 = tenant.authz_domain()
$$;

DO $$
DECLARE f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'tenant.throttle_take(bytea[], bytea[], integer[], integer)',
        'tenant.throttle_release(bytea[])',
        'tenant.throttle_clear_account(bytea)',
        'tenant.create_member(uuid, text, text, integer)',
        'tenant.set_member_status(text, text)',
        'tenant.rename_current_tenant(text)',
        'tenant.grant_role(uuid, text)',
        'tenant.revoke_roles(uuid)'
    ] LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO zorgklas_app', f);
    END LOOP;
END
$$;

-- 4. Mail bodies hold one-time links. With a mail server they are cleared once delivered (see
--    kernel mail.rs); clear those of mails delivered before this change as well.
UPDATE tenant.outbox SET body = '' WHERE sent_at IS NOT NULL;
