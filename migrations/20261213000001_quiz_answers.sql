-- Answers a learner saved page by page in a long quiz, before handing it in. One row per
-- question (the options chosen, as a JSON array of option ids); saving a page again replaces
-- that page's rows. Handing the quiz in turns the rows into an attempt (content.quiz_attempts,
-- answers kept there) and deletes them in the same transaction.
CREATE TABLE content.quiz_answers (
    tenant_id uuid NOT NULL,
    enrolment_id uuid NOT NULL,
    block_id uuid NOT NULL,
    question_id uuid NOT NULL,
    options jsonb NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, enrolment_id, block_id, question_id),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT quiz_answers_options_check CHECK (jsonb_typeof(options) = 'array')
);
ALTER TABLE content.quiz_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.quiz_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.quiz_answers
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.quiz_answers TO zorgklas_app;
