-- Issue 24, part 2: e-learning packages are played and tracked. A learner opens a package block
-- from the module page; the portal makes a play session with a short-lived token and sends the
-- frame to the member's package host, where the SCORM run-time commits with that token only
-- (no cookie reaches the package host). What each unit (SCO) of the package wrote is kept per
-- attempt: one attempt per enrolment, cycle, block, package and unit, so a learner resumes on
-- any device, a refresher (a new cycle) starts afresh and a new package in a new version too.
CREATE TABLE content.package_sessions (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    -- SHA-256 of the token; the token itself is only in the player's address.
    token_hash bytea NOT NULL,
    enrolment_id uuid NOT NULL,
    user_id uuid NOT NULL,
    block_id uuid NOT NULL,
    media_id uuid NOT NULL,
    cycle integer NOT NULL,
    version integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (token_hash),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX package_sessions_expiry ON content.package_sessions (expires_at);

CREATE TABLE content.package_attempts (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    user_id uuid NOT NULL,
    cycle integer NOT NULL,
    block_id uuid NOT NULL,
    media_id uuid NOT NULL,
    -- The SCO's item identifier (SCORM) or the AU's id (cmi5).
    unit text NOT NULL,
    -- 'scorm12' or 'scorm2004' (cmi5 keeps its statements elsewhere).
    standard text NOT NULL CHECK (standard IN ('scorm12', 'scorm2004', 'cmi5')),
    -- The SCO's data model as of its last commit: element -> value.
    data jsonb NOT NULL DEFAULT '{}',
    completed boolean NOT NULL DEFAULT false,
    passed boolean,
    score real,
    location text,
    -- Time of finished sessions, and the session that is open now (a session is one page load
    -- of the player, so a retried commit never counts twice).
    closed_seconds double precision NOT NULL DEFAULT 0,
    open_session text,
    open_seconds double precision NOT NULL DEFAULT 0,
    -- The number of the open session's last commit: an older one arriving late changes nothing.
    open_seq bigint NOT NULL DEFAULT 0,
    commits integer NOT NULL DEFAULT 0,
    done_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, enrolment_id, cycle, block_id, media_id, unit),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE content.package_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.package_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.package_sessions
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.package_sessions TO zorgklas_app;

ALTER TABLE content.package_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.package_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.package_attempts
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.package_attempts TO zorgklas_app;
