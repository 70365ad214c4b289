-- Issue 23, LTI 1.3: a member's LMS registrations, our tool keys per registration, the logins
-- in flight (state and nonce), the launches and the LMS users linked to accounts.
-- Every table belongs to one member (row-level security like every tenant table); the private
-- half of a tool key is not readable by the app role's queries at all (column privileges): only
-- `lti.signing_key`, a SECURITY DEFINER function, hands it out, for the transaction's member.
CREATE SCHEMA lti;
GRANT USAGE ON SCHEMA lti TO zorgklas_app;

-- One LMS (platform) connected to a member: the issuer and the client id it gave our tool, and
-- where the platform's OIDC authorisation, keys and token endpoints are.
CREATE TABLE lti.registrations (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    id uuid NOT NULL,
    name text NOT NULL,
    family text NOT NULL DEFAULT 'other',
    issuer text NOT NULL,
    client_id text NOT NULL,
    auth_url text NOT NULL,
    jwks_url text NOT NULL,
    token_url text NOT NULL DEFAULT '',
    source text NOT NULL DEFAULT 'manual',
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz,
    last_launch_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT registrations_issuer_client_key UNIQUE (tenant_id, issuer, client_id),
    CONSTRAINT registrations_family_check CHECK (family IN ('moodle', 'canvas', 'brightspace', 'other')),
    CONSTRAINT registrations_source_check CHECK (source IN ('manual', 'dynamic')),
    CONSTRAINT registrations_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT registrations_lengths CHECK (length(issuer) <= 500 AND length(client_id) <= 500
        AND length(auth_url) <= 1000 AND length(jwks_url) <= 1000 AND length(token_url) <= 1000)
);

-- The deployments of a registration that may launch (LTI's `deployment_id` claim).
CREATE TABLE lti.deployments (
    tenant_id uuid NOT NULL,
    registration_id uuid NOT NULL,
    deployment_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, registration_id, deployment_id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES lti.registrations (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT deployments_length CHECK (length(deployment_id) BETWEEN 1 AND 255)
);

-- Our RSA keys, one current per registration; a rotated key is retired and still served in the
-- JWKS for an hour (longer than any token we sign lives).
CREATE TABLE lti.tool_keys (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    registration_id uuid NOT NULL,
    kid text NOT NULL,
    public_jwk jsonb NOT NULL,
    private_pem text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT tool_keys_kid_key UNIQUE (kid),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES lti.registrations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX tool_keys_registration ON lti.tool_keys (tenant_id, registration_id, created_at DESC);

-- A login in flight: made by the OIDC login initiation, used once by the launch that carries
-- its state and nonce. Only the SHA-256 of the state is stored.
CREATE TABLE lti.logins (
    tenant_id uuid NOT NULL,
    state_hash bytea NOT NULL,
    registration_id uuid NOT NULL,
    nonce text NOT NULL,
    login_hint text NOT NULL,
    message_hint text,
    target_link_uri text NOT NULL DEFAULT '',
    deployment_id text,
    storage_target text,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz,
    PRIMARY KEY (tenant_id, state_hash),
    CONSTRAINT logins_nonce_key UNIQUE (nonce),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES lti.registrations (tenant_id, id) ON DELETE CASCADE
);

-- The LMS users (issuer + subject) linked to the member's accounts.
CREATE TABLE lti.accounts (
    tenant_id uuid NOT NULL,
    issuer text NOT NULL,
    subject text NOT NULL,
    user_id uuid NOT NULL,
    registration_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_launch_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, issuer, subject),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES lti.registrations (tenant_id, id) ON DELETE CASCADE
);

-- Launches whose id_token passed every check: `pending` until the browser that started the
-- login is recognised (its state cookie, or the platform's postMessage storage), then `done`
-- with the account it opened as; `discarded` when that never happened.
CREATE TABLE lti.launches (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    registration_id uuid NOT NULL,
    state_hash bytea NOT NULL,
    deployment_id text NOT NULL,
    message_type text NOT NULL,
    subject text NOT NULL,
    name text NOT NULL DEFAULT '',
    email text,
    lti_roles text[] NOT NULL DEFAULT '{}',
    target_path text NOT NULL DEFAULT '/',
    resource_link_id text,
    context_id text,
    context_title text,
    lineitem_url text,
    ags_scopes text[] NOT NULL DEFAULT '{}',
    memberships_url text,
    status text NOT NULL DEFAULT 'pending',
    user_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT launches_status_check CHECK (status IN ('pending', 'done', 'discarded')),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES lti.registrations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX launches_recent ON lti.launches (tenant_id, registration_id, created_at DESC);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['registrations', 'deployments', 'tool_keys', 'logins', 'accounts', 'launches'] LOOP
        EXECUTE format('ALTER TABLE lti.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE lti.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON lti.%I USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant())', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON lti.registrations, lti.deployments, lti.logins,
    lti.accounts, lti.launches TO zorgklas_app;
-- The app role writes a new key whole, reads its public half and retires it; it never reads
-- the private half back (`SELECT private_pem` is "permission denied").
GRANT INSERT ON lti.tool_keys TO zorgklas_app;
GRANT SELECT (tenant_id, id, registration_id, kid, public_jwk, created_at, retired_at) ON lti.tool_keys TO zorgklas_app;
GRANT UPDATE (retired_at) ON lti.tool_keys TO zorgklas_app;

-- The current signing key of a registration of the transaction's member (none for another
-- member's registration: the member is the transaction's, not the caller's choice).
CREATE FUNCTION lti.signing_key(registration uuid) RETURNS TABLE (kid text, private_pem text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, lti, tenant
    AS $$
    SELECT k.kid, k.private_pem FROM lti.tool_keys k
    WHERE k.tenant_id = tenant.current_tenant() AND k.registration_id = registration
      AND k.retired_at IS NULL
    ORDER BY k.created_at DESC LIMIT 1
    $$;
REVOKE ALL ON FUNCTION lti.signing_key(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lti.signing_key(uuid) TO zorgklas_app;

-- Admins connect the member's LMS.
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'admin', '*', 'lti', 'manage', '', '');
