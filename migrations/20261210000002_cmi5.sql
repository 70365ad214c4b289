-- Issue 24, part 3: cmi5 courses are played and tracked. Opening an assignable unit (AU) from
-- the player is a cmi5 launch: a session id, the registration of the learner's enrolment in the
-- package, a fetch URL that hands out its auth token once, and the launch data the LMS writes.
-- The AU then talks to our small xAPI 1.0.3 endpoint with that token: statements (checked
-- against cmi5's rules), its activity state and the learner's agent profile documents.
CREATE TABLE content.cmi5_launches (
    tenant_id uuid NOT NULL,
    -- The cmi5 session id.
    id uuid NOT NULL,
    session_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    user_id uuid NOT NULL,
    cycle integer NOT NULL,
    block_id uuid NOT NULL,
    media_id uuid NOT NULL,
    unit text NOT NULL,
    registration uuid NOT NULL,
    launch_mode text NOT NULL CHECK (launch_mode IN ('Normal', 'Browse', 'Review')),
    fetch_hash bytea NOT NULL,
    fetched_at timestamptz,
    auth_hash bytea,
    initialized boolean NOT NULL DEFAULT false,
    judged boolean NOT NULL DEFAULT false,
    terminated boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (fetch_hash),
    UNIQUE (auth_hash),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE content.xapi_statements (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    launch_id uuid NOT NULL,
    user_id uuid NOT NULL,
    registration uuid NOT NULL,
    verb text NOT NULL,
    statement jsonb NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, launch_id) REFERENCES content.cmi5_launches (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX xapi_statements_registration ON content.xapi_statements (tenant_id, registration, stored_at);

-- Activity state (kind 'state': activity, registration, state id) and agent profile (kind
-- 'profile': profile id) documents of a learner.
CREATE TABLE content.xapi_documents (
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('state', 'profile')),
    activity_id text NOT NULL DEFAULT '',
    registration uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    doc_id text NOT NULL,
    content bytea NOT NULL,
    content_type text NOT NULL,
    etag text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, kind, activity_id, registration, doc_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cmi5_launches', 'xapi_statements', 'xapi_documents'] LOOP
        EXECUTE format('ALTER TABLE content.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE content.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON content.%I USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON content.%I TO zorgklas_app', t);
    END LOOP;
END $$;
