-- Issue 22, mails that tell people. The reminder job now sends, each once per event:
--   enrolled    when someone else enrolled the learner (all new enrolments of one person in one
--               mail), within two days of the enrolment; the cycle is the enrolment's cycle;
--   deadline    7 days before the deadline (not when the enrolment came later than that);
--   deadline_1  1 day before (or on the day), not when the enrolment came later than that;
--   overdue     once, the first 30 days after a missed deadline;
--   expiry      a passport entry within 60 days of its end: a refresher is due (as before);
--   digest      Monday's overview of who is late, for teachers and admins who asked for it
--               (`tenant.users.weekly_digest`); the subject is the user, the cycle the ISO week.
-- Only active accounts get them (not invited, not blocked); "today" is the Netherlands' date.
ALTER TABLE content.reminders_sent DROP CONSTRAINT reminders_sent_kind_check;
ALTER TABLE content.reminders_sent ADD CONSTRAINT reminders_sent_kind_check
    CHECK (kind IN ('enrolled', 'deadline', 'deadline_1', 'overdue', 'expiry', 'digest'));

-- A teacher's or admin's choice: a weekly mail on Monday with who is late (off by default).
ALTER TABLE tenant.users ADD COLUMN weekly_digest boolean NOT NULL DEFAULT false;

-- The open enrolments with a deadline, for the reminder job's scan.
CREATE INDEX enrolments_open_by_deadline ON content.enrolments (deadline)
    WHERE completed_at IS NULL AND deadline IS NOT NULL;
CREATE INDEX enrolments_recent ON content.enrolments (created_at)
    WHERE completed_at IS NULL;

DROP FUNCTION content.due_reminders(integer);
CREATE FUNCTION content.due_reminders(max_rows integer)
    RETURNS TABLE (tenant_id uuid, slug text, member_name text, kind text, subject_id uuid,
                   cycle text, user_id uuid, module_id uuid, title text, due date)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, content, tenant
    AS $$
    WITH today AS (SELECT (now() AT TIME ZONE 'Europe/Amsterdam')::date AS d),
    open AS (
        SELECT e.*, coalesce(sv.title, ov.title) AS title
        FROM content.enrolments e
        LEFT JOIN content.shared_module_versions sv ON sv.module_id = e.module_id AND sv.version = e.version
        LEFT JOIN content.module_versions ov
               ON ov.tenant_id = e.tenant_id AND ov.module_id = e.module_id AND ov.version = e.version
        WHERE e.completed_at IS NULL
    ),
    due (tenant_id, kind, subject_id, cycle, user_id, module_id, title, due) AS (
        SELECT o.tenant_id, 'enrolled'::text, o.id, o.cycle::text, o.user_id, o.module_id, o.title, o.deadline
        FROM open o
        WHERE o.created_at > now() - interval '2 days' AND o.enrolled_by <> o.user_id AND o.cycle = 1
        UNION ALL
        SELECT o.tenant_id, 'deadline', o.id, o.deadline::text, o.user_id, o.module_id, o.title, o.deadline
        FROM open o, today
        WHERE o.deadline BETWEEN today.d + 2 AND today.d + 7
          AND (o.created_at AT TIME ZONE 'Europe/Amsterdam')::date < o.deadline - 7
        UNION ALL
        SELECT o.tenant_id, 'deadline_1', o.id, o.deadline::text, o.user_id, o.module_id, o.title, o.deadline
        FROM open o, today
        WHERE o.deadline BETWEEN today.d AND today.d + 1
          AND (o.created_at AT TIME ZONE 'Europe/Amsterdam')::date < o.deadline - 1
        UNION ALL
        SELECT o.tenant_id, 'overdue', o.id, o.deadline::text, o.user_id, o.module_id, o.title, o.deadline
        FROM open o, today
        WHERE o.deadline < today.d AND o.deadline >= today.d - 30
        UNION ALL
        SELECT x.tenant_id, 'expiry', x.id, x.completed_at::date::text, x.user_id, x.module_id,
               x.title, x.valid_until
        FROM (SELECT e.tenant_id, e.id, e.completed_at, e.user_id, e.module_id,
                     coalesce(sv.title, ov.title) AS title,
                     (e.completed_at + make_interval(
                         months => (coalesce(sv.doc, ov.doc)->>'validity_months')::integer))::date AS valid_until
              FROM content.enrolments e
              LEFT JOIN content.shared_module_versions sv
                     ON sv.module_id = e.module_id AND sv.version = e.completed_version
              LEFT JOIN content.module_versions ov
                     ON ov.tenant_id = e.tenant_id AND ov.module_id = e.module_id
                    AND ov.version = e.completed_version
              WHERE e.completed_at IS NOT NULL AND coalesce(sv.doc, ov.doc) ? 'validity_months') x,
             today
        WHERE x.valid_until BETWEEN today.d AND today.d + 60
    )
    SELECT due.tenant_id, t.slug, t.name, due.kind, due.subject_id, due.cycle, due.user_id,
           due.module_id, due.title, due.due
    FROM due
    JOIN tenant.tenants t ON t.id = due.tenant_id AND t.status = 'active'
    JOIN tenant.users u ON u.tenant_id = due.tenant_id AND u.id = due.user_id AND u.status = 'active'
    WHERE NOT EXISTS (SELECT 1 FROM content.reminders_sent r
                      WHERE r.tenant_id = due.tenant_id AND r.kind = due.kind
                        AND r.subject_id = due.subject_id AND r.cycle = due.cycle)
    ORDER BY due.due NULLS FIRST
    LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION content.due_reminders(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.due_reminders(integer) TO zorgklas_app;

-- Who asked for Monday's overview and has not had this week's: active teachers and admins (the
-- job checks the role) of active members, across members, for the reminder job.
CREATE FUNCTION content.due_digests(week text, max_rows integer)
    RETURNS TABLE (tenant_id uuid, slug text, member_name text, user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, content, tenant
    AS $$
    SELECT u.tenant_id, t.slug, t.name, u.id
    FROM tenant.users u
    JOIN tenant.tenants t ON t.id = u.tenant_id AND t.status = 'active' AND t.kind = 'member'
    WHERE u.weekly_digest AND u.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM content.reminders_sent r
                      WHERE r.tenant_id = u.tenant_id AND r.kind = 'digest'
                        AND r.subject_id = u.id AND r.cycle = week)
    ORDER BY u.tenant_id, u.id
    LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION content.due_digests(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.due_digests(text, integer) TO zorgklas_app;
