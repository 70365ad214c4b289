-- The admin's overview on a member of 5,000 staff with 20 enrolments each: the completions of
-- the last twelve months are found through an index instead of twelve scans of every
-- enrolment (loadtests/late_list.sh).
CREATE INDEX enrolments_completed ON content.enrolments (tenant_id, completed_at)
    WHERE completed_at IS NOT NULL;
CREATE INDEX past_completions_completed ON content.past_completions (tenant_id, completed_at);
