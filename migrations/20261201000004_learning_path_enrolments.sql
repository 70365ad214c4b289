-- Paths as enrolments. Enrolling a learner in a learning path enrols them in every module the
-- path shows (the member's accents included, with the same deadline; modules they follow
-- already stay as they are) and keeps the path enrolment here. A path's progress and its
-- completion (every module that is not optional completed; the date of the last one) are read
-- from the module enrolments, so they are never out of step with them.
CREATE TABLE content.path_enrolments (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    path_id uuid NOT NULL,
    -- The version of the path shown when the learner was enrolled.
    version integer NOT NULL,
    deadline date,
    enrolled_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT path_enrolments_user_path_key UNIQUE (tenant_id, user_id, path_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id)
);
ALTER TABLE content.path_enrolments ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.path_enrolments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.path_enrolments
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.path_enrolments TO zorgklas_app;
