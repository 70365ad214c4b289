-- Tenant service schema: the member registry, identities, sessions, tokens, invites, branding,
-- the mail outbox and the casbin policy table.
--
-- Isolation rules (see docs/tenancy.md):
--  * every tenant-owned table has `tenant_id` first in its primary key and an RLS policy against
--    `tenant.current_tenant()`, with FORCE ROW LEVEL SECURITY and a WITH CHECK;
--  * the NZK side is itself a tenant row of kind 'platform' (fixed id below): operators are the
--    users of that tenant, so their sessions, invites and tokens get the same isolation;
--  * `tenants` (the registry) and `login_throttle` are platform tables without RLS.

CREATE SCHEMA tenant;
GRANT USAGE ON SCHEMA tenant TO zorgklas_app;

-- Reads the tenant set by `SET LOCAL app.tenant_id` (NULL when unset or reset to '').
CREATE FUNCTION tenant.current_tenant() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

-- The fixed id of the platform (NZK) tenant.
CREATE FUNCTION tenant.platform_tenant() RETURNS uuid
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT '00000000-0000-0000-0000-000000000001'::uuid $$;

-- Sets the tenant for the current transaction; the statement of its own that every request runs.
CREATE FUNCTION tenant.set_tenant(t uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$ BEGIN EXECUTE format('SET LOCAL app.tenant_id = %L', t::text); END $$;

CREATE FUNCTION tenant.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;

-- Every change of a tenant or its branding takes a new value from this sequence. Caches key
-- rendered pages by it: unlike a timestamp, two changes can never share a value.
CREATE SEQUENCE tenant.snapshot_version_seq;
GRANT USAGE ON SEQUENCE tenant.snapshot_version_seq TO zorgklas_app;
CREATE FUNCTION tenant.bump_version() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.version = nextval('tenant.snapshot_version_seq'); RETURN NEW; END $$;

-- Caches of tenants (host -> tenant snapshot with branding) in every process listen on this
-- channel; the payload is the tenant id.
CREATE FUNCTION tenant.notify_tenant_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        PERFORM pg_notify('zk_tenant_changed', COALESCE(NEW.id, OLD.id)::text);
    ELSE
        PERFORM pg_notify('zk_tenant_changed', COALESCE(NEW.tenant_id, OLD.tenant_id)::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TABLE tenant.tenants (
    id uuid PRIMARY KEY,
    kind text NOT NULL DEFAULT 'member',
    slug text NOT NULL,
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active',
    employee_count integer NOT NULL DEFAULT 0,
    version bigint NOT NULL DEFAULT nextval('tenant.snapshot_version_seq'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    CONSTRAINT tenants_kind_check CHECK (kind IN ('platform', 'member')),
    CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended')),
    CONSTRAINT tenants_employee_count_check CHECK (employee_count >= 0),
    CONSTRAINT tenants_name_check CHECK (length(name) BETWEEN 1 AND 200)
);
CREATE INDEX tenants_name_search ON tenant.tenants (lower(name));
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenant.tenants
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();
CREATE TRIGGER tenants_version BEFORE UPDATE ON tenant.tenants
    FOR EACH ROW EXECUTE FUNCTION tenant.bump_version();
CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON tenant.tenants
    FOR EACH ROW EXECUTE FUNCTION tenant.notify_tenant_changed();
GRANT SELECT, INSERT, UPDATE ON tenant.tenants TO zorgklas_app;

INSERT INTO tenant.tenants (id, kind, slug, name)
VALUES (tenant.platform_tenant(), 'platform', 'platform', 'Nationale Zorgklas');

-- Custom domains of a tenant. Tenant-owned; host resolution goes through the narrow
-- SECURITY DEFINER function below, which returns only a tenant id for a verified domain.
CREATE TABLE tenant.tenant_domains (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    domain text NOT NULL,
    verified_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, domain),
    CONSTRAINT tenant_domains_domain_format CHECK (domain ~ '^[a-z0-9.-]+$')
);
CREATE UNIQUE INDEX tenant_domains_domain_key ON tenant.tenant_domains (domain);
CREATE TRIGGER tenant_domains_notify AFTER INSERT OR UPDATE OR DELETE ON tenant.tenant_domains
    FOR EACH ROW EXECUTE FUNCTION tenant.notify_tenant_changed();

CREATE FUNCTION tenant.resolve_domain(host text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$ SELECT tenant_id FROM tenant.tenant_domains WHERE domain = host AND verified_at IS NOT NULL $$;
REVOKE ALL ON FUNCTION tenant.resolve_domain(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.resolve_domain(text) TO zorgklas_app;

CREATE TABLE tenant.branding (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    primary_color text NOT NULL DEFAULT '#1d4f91',
    accent_color text NOT NULL DEFAULT '#8a3b12',
    logo_key text,
    logo_content_type text,
    welcome_markdown text NOT NULL DEFAULT '',
    support_email text,
    version bigint NOT NULL DEFAULT nextval('tenant.snapshot_version_seq'),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id),
    CONSTRAINT branding_primary_color_format CHECK (primary_color ~ '^#[0-9a-f]{6}$'),
    CONSTRAINT branding_accent_color_format CHECK (accent_color ~ '^#[0-9a-f]{6}$'),
    CONSTRAINT branding_welcome_length CHECK (length(welcome_markdown) <= 5000)
);
CREATE TRIGGER branding_updated_at BEFORE UPDATE ON tenant.branding
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();
CREATE TRIGGER branding_version BEFORE UPDATE ON tenant.branding
    FOR EACH ROW EXECUTE FUNCTION tenant.bump_version();
CREATE TRIGGER branding_notify AFTER INSERT OR UPDATE OR DELETE ON tenant.branding
    FOR EACH ROW EXECUTE FUNCTION tenant.notify_tenant_changed();
INSERT INTO tenant.branding (tenant_id) VALUES (tenant.platform_tenant());

CREATE TABLE tenant.users (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    id uuid NOT NULL,
    email text NOT NULL,
    display_name text NOT NULL DEFAULT '',
    password_hash text,
    status text NOT NULL DEFAULT 'invited',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_email_key UNIQUE (tenant_id, email),
    CONSTRAINT users_status_check CHECK (status IN ('invited', 'active', 'disabled')),
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON tenant.users
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();

-- One-time links: invitations and password resets. Only the SHA-256 of the token is stored.
CREATE TABLE tenant.invites (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    purpose text NOT NULL,
    token_hash bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id),
    CONSTRAINT invites_token_key UNIQUE (tenant_id, token_hash),
    CONSTRAINT invites_purpose_check CHECK (purpose IN ('invite', 'reset'))
);

CREATE TABLE tenant.sessions (
    tenant_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id)
);
CREATE INDEX sessions_expires ON tenant.sessions (expires_at);

CREATE TABLE tenant.api_tokens (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    token_hash bytea NOT NULL,
    label text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id),
    CONSTRAINT api_tokens_token_key UNIQUE (tenant_id, token_hash)
);

-- Outgoing mail. Rows of a member are visible to that member; the platform tenant (operators)
-- reads every row, which is how the embedded mail mode is inspected.
CREATE TABLE tenant.outbox (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    id uuid NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    -- Failed SMTP attempts; after MAX_ATTEMPTS (mail.rs) a row stays for operators to read.
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_created ON tenant.outbox (created_at DESC);

-- Failed logins, per account and per client address (keys are SHA-256 hashes, no personal data).
CREATE TABLE tenant.login_throttle (
    key_hash bytea NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_throttle_key ON tenant.login_throttle (key_hash, failed_at);
GRANT SELECT, INSERT, DELETE ON tenant.login_throttle TO zorgklas_app;

-- Row-level security on every tenant-owned table.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenant_domains', 'branding', 'users', 'invites', 'sessions', 'api_tokens'] LOOP
        EXECUTE format('ALTER TABLE tenant.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE tenant.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON tenant.%I USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON tenant.%I TO zorgklas_app', t);
    END LOOP;
END
$$;
ALTER TABLE tenant.outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant.outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant.outbox
    USING (tenant_id = tenant.current_tenant() OR tenant.current_tenant() = tenant.platform_tenant())
    WITH CHECK (tenant_id = tenant.current_tenant() OR tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT, UPDATE ON tenant.outbox TO zorgklas_app;

-- casbin policies (RBAC with domains), loaded by casbin's sqlx adapter. Role grants (`g` rows)
-- are written by the app inside the same transaction as the user they belong to, and every
-- change notifies `zk_authz` so each process reloads its enforcer.
CREATE TABLE tenant.casbin_rule (
    id serial PRIMARY KEY,
    ptype varchar NOT NULL,
    v0 varchar NOT NULL,
    v1 varchar NOT NULL,
    v2 varchar NOT NULL,
    v3 varchar NOT NULL,
    v4 varchar NOT NULL,
    v5 varchar NOT NULL,
    CONSTRAINT unique_key_sqlx_adapter UNIQUE (ptype, v0, v1, v2, v3, v4, v5)
);
GRANT SELECT, INSERT, DELETE ON tenant.casbin_rule TO zorgklas_app;
GRANT USAGE ON SEQUENCE tenant.casbin_rule_id_seq TO zorgklas_app;
CREATE FUNCTION tenant.notify_authz_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_notify('zk_authz', ''); RETURN NULL; END $$;
CREATE TRIGGER casbin_rule_notify AFTER INSERT OR UPDATE OR DELETE ON tenant.casbin_rule
    FOR EACH STATEMENT EXECUTE FUNCTION tenant.notify_authz_changed();

-- What each role may do: (role, domain, object, action). Domain '*' = every member tenant.
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'operator', 'platform', 'members', 'read', '', ''),
    ('p', 'operator', 'platform', 'members', 'write', '', ''),
    ('p', 'operator', 'platform', 'outbox', 'read', '', ''),
    ('p', 'admin', '*', 'portal', 'read', '', ''),
    ('p', 'admin', '*', 'users', 'read', '', ''),
    ('p', 'admin', '*', 'users', 'write', '', ''),
    ('p', 'admin', '*', 'branding', 'read', '', ''),
    ('p', 'admin', '*', 'branding', 'write', '', ''),
    ('p', 'admin', '*', 'catalog', 'read', '', ''),
    ('p', 'admin', '*', 'billing', 'read', '', ''),
    ('p', 'author', '*', 'portal', 'read', '', ''),
    ('p', 'author', '*', 'catalog', 'read', '', ''),
    ('p', 'author', '*', 'catalog', 'write', '', ''),
    ('p', 'teacher', '*', 'portal', 'read', '', ''),
    ('p', 'teacher', '*', 'catalog', 'read', '', ''),
    ('p', 'teacher', '*', 'users', 'read', '', ''),
    ('p', 'reviewer', '*', 'portal', 'read', '', ''),
    ('p', 'reviewer', '*', 'catalog', 'read', '', ''),
    ('p', 'learner', '*', 'portal', 'read', '', ''),
    ('p', 'learner', '*', 'catalog', 'read', '', '');
