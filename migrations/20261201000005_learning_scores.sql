-- A completion keeps its score: per quiz of the module the best passed attempt of the cycle
-- (right answers in whole percent), averaged over the quizzes; none for a module without a
-- quiz. Set in the same statement that records the completion; kept in the history too.
ALTER TABLE content.enrolments
    ADD COLUMN completed_score smallint,
    ADD CONSTRAINT enrolments_score_check CHECK (completed_score BETWEEN 0 AND 100);
ALTER TABLE content.past_completions
    ADD COLUMN score smallint,
    ADD CONSTRAINT past_completions_score_check CHECK (score BETWEEN 0 AND 100);
