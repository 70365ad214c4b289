-- Re-enrolment on expiry. When a passport entry comes within 60 days of its end, the reminder
-- job re-enrols the learner in the same transaction as the reminder mail: the completion moves
-- to `content.past_completions` (the passport keeps showing it until a newer one exists), the
-- enrolment starts a new cycle on the version the member shows now, with the end of the old
-- validity as its deadline, and its blocks done are cleared. Quiz attempts stay as history; the
-- retry policy counts those of the current cycle (`renewed_at`). A new completion gets a new
-- proof: proofs are one per enrolment and cycle, and every earlier proof keeps verifying.
ALTER TABLE content.enrolments
    ADD COLUMN cycle integer NOT NULL DEFAULT 1,
    ADD COLUMN renewed_at timestamptz,
    ADD CONSTRAINT enrolments_cycle_check CHECK (cycle >= 1);

CREATE TABLE content.past_completions (
    tenant_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    cycle integer NOT NULL,
    user_id uuid NOT NULL,
    module_id uuid NOT NULL,
    version integer NOT NULL,
    completed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, enrolment_id, cycle),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX past_completions_user ON content.past_completions (tenant_id, user_id);
ALTER TABLE content.past_completions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.past_completions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.past_completions
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.past_completions TO zorgklas_app;

ALTER TABLE content.proofs ADD COLUMN cycle integer NOT NULL DEFAULT 1;
ALTER TABLE content.proofs DROP CONSTRAINT proofs_enrolment_key;
ALTER TABLE content.proofs ADD CONSTRAINT proofs_enrolment_key UNIQUE (tenant_id, enrolment_id, cycle);
