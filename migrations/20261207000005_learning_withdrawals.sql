-- Issue 22, a person's learning record: an admin (or the learner's teacher) un-enrols someone
-- from an open module. The enrolment, its blocks done and its quiz attempts go; what the person
-- had done stays in this history (shown on the record), written in the same transaction.
-- Completed enrolments and refreshers (cycle > 1) are not un-enrolled: their completions belong
-- to the passport and the proofs.
CREATE TABLE content.withdrawn_enrolments (
    tenant_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    user_id uuid NOT NULL,
    module_id uuid NOT NULL,
    version integer NOT NULL,
    title text NOT NULL,
    deadline date,
    enrolled_at timestamptz NOT NULL,
    done_count integer NOT NULL,
    blocks integer NOT NULL,
    attempts integer NOT NULL,
    last_activity_at timestamptz,
    withdrawn_at timestamptz NOT NULL DEFAULT now(),
    withdrawn_by uuid NOT NULL,
    PRIMARY KEY (tenant_id, enrolment_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id)
);
CREATE INDEX withdrawn_enrolments_user ON content.withdrawn_enrolments (tenant_id, user_id);
ALTER TABLE content.withdrawn_enrolments ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.withdrawn_enrolments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.withdrawn_enrolments
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.withdrawn_enrolments TO zorgklas_app;
