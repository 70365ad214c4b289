-- Reminders by mail (through the outbox): a deadline coming up (7 days ahead) and a passport
-- entry about to expire (60 days ahead). Each is sent at most once per event: the row here is
-- written in the same transaction as the outbox row, and its key (member, kind, subject, cycle)
-- refuses a second one, also when two processes find the same reminder at once. The cycle is
-- the deadline (a new deadline is a new reminder) or the date of the completion.
CREATE TABLE content.reminders_sent (
    tenant_id uuid NOT NULL,
    kind text NOT NULL,
    subject_id uuid NOT NULL,
    cycle text NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, subject_id, cycle),
    CONSTRAINT reminders_sent_kind_check CHECK (kind IN ('deadline', 'expiry'))
);
ALTER TABLE content.reminders_sent ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.reminders_sent FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.reminders_sent
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.reminders_sent TO zorgklas_app;

-- The reminders due now across members, for the reminder job (which then works per member,
-- under RLS). Only what a mail needs: member, learner, module title, the date.
CREATE FUNCTION content.due_reminders(max_rows integer)
    RETURNS TABLE (tenant_id uuid, slug text, kind text, subject_id uuid, cycle text,
                   user_id uuid, module_id uuid, title text, due date)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, content, tenant
    AS $$
    SELECT * FROM (
        SELECT e.tenant_id, t.slug, 'deadline'::text, e.id, e.deadline::text, e.user_id, e.module_id,
               coalesce(sv.title, ov.title), e.deadline
        FROM content.enrolments e
        JOIN tenant.tenants t ON t.id = e.tenant_id AND t.status = 'active'
        LEFT JOIN content.shared_module_versions sv ON sv.module_id = e.module_id AND sv.version = e.version
        LEFT JOIN content.module_versions ov
               ON ov.tenant_id = e.tenant_id AND ov.module_id = e.module_id AND ov.version = e.version
        WHERE e.completed_at IS NULL AND e.deadline BETWEEN current_date AND current_date + 7
        UNION ALL
        SELECT e.tenant_id, t.slug, 'expiry', e.id, e.completed_at::date::text, e.user_id, e.module_id,
               coalesce(sv.title, ov.title),
               (e.completed_at + make_interval(months => (coalesce(sv.doc, ov.doc)->>'validity_months')::integer))::date
        FROM content.enrolments e
        JOIN tenant.tenants t ON t.id = e.tenant_id AND t.status = 'active'
        LEFT JOIN content.shared_module_versions sv ON sv.module_id = e.module_id AND sv.version = e.completed_version
        LEFT JOIN content.module_versions ov
               ON ov.tenant_id = e.tenant_id AND ov.module_id = e.module_id AND ov.version = e.completed_version
        WHERE e.completed_at IS NOT NULL AND coalesce(sv.doc, ov.doc) ? 'validity_months'
    ) due (tenant_id, slug, kind, subject_id, cycle, user_id, module_id, title, due)
    WHERE (kind = 'deadline' OR due BETWEEN current_date AND current_date + 60)
      AND NOT EXISTS (SELECT 1 FROM content.reminders_sent r
                      WHERE r.tenant_id = due.tenant_id AND r.kind = due.kind
                        AND r.subject_id = due.subject_id AND r.cycle = due.cycle)
    ORDER BY due
    LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION content.due_reminders(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.due_reminders(integer) TO zorgklas_app;
