-- Learning, first part: enrolments of a member's users in modules of its catalogue, the blocks a
-- learner has done, and quiz attempts scored on the server. Member tables: `tenant_id` first in
-- every key, forced RLS. Every row names the module version it was made on; the rule for new
-- versions is in docs/learning.md.
CREATE TABLE content.enrolments (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    module_id uuid NOT NULL,
    -- The version the learner follows: the one shown at enrolment, until the member's admin
    -- moves the enrolments of the module to a newer one.
    version integer NOT NULL,
    deadline date,
    enrolled_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    completed_version integer,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT enrolments_user_module_key UNIQUE (tenant_id, user_id, module_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id)
);
CREATE TABLE content.block_progress (
    tenant_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    block_id uuid NOT NULL,
    version integer NOT NULL,
    done_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, enrolment_id, block_id),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id) ON DELETE CASCADE
);
CREATE TABLE content.quiz_attempts (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    block_id uuid NOT NULL,
    number integer NOT NULL,
    version integer NOT NULL,
    answers jsonb NOT NULL,
    correct integer NOT NULL,
    questions integer NOT NULL,
    pass_mark smallint NOT NULL,
    passed boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT quiz_attempts_number_key UNIQUE (tenant_id, enrolment_id, block_id, number),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT quiz_attempts_number_check CHECK (number >= 1),
    CONSTRAINT quiz_attempts_counts_check CHECK (correct >= 0 AND correct <= questions)
);

ALTER TABLE content.enrolments ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.enrolments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.enrolments
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.enrolments TO zorgklas_app;
ALTER TABLE content.block_progress ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.block_progress FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.block_progress
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, DELETE ON content.block_progress TO zorgklas_app;
ALTER TABLE content.quiz_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.quiz_attempts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.quiz_attempts
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.quiz_attempts TO zorgklas_app;

-- Admins and teachers enrol; admins move enrolments to a new version; every member role learns
-- (its own enrolments only).
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'admin', '*', 'learning', 'manage', '', ''),
    ('p', 'admin', '*', 'learning', 'enrol', '', ''),
    ('p', 'teacher', '*', 'learning', 'enrol', '', ''),
    ('p', 'admin', '*', 'learning', 'learn', '', ''),
    ('p', 'author', '*', 'learning', 'learn', '', ''),
    ('p', 'teacher', '*', 'learning', 'learn', '', ''),
    ('p', 'reviewer', '*', 'learning', 'learn', '', ''),
    ('p', 'learner', '*', 'learning', 'learn', '', '');
