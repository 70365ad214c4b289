-- Issue 25, item 9 (observability): the depths of the durable queues, read at every scrape of
-- /metrics (zk_queue_depth, zk_queue_oldest_seconds). One cheap query each, on partial indexes
-- that hold only the rows still waiting; across members, so through SECURITY DEFINER functions
-- that return counts only (no row leaves them). Expand-only: new index and functions.

-- Mails not sent yet (the delivery worker's queue); small when SMTP delivers.
CREATE INDEX outbox_unsent ON tenant.outbox (created_at) WHERE sent_at IS NULL;

-- Staff imports started and not done (waiting for the job or being applied).
CREATE FUNCTION tenant.import_queue() RETURNS TABLE (depth bigint, oldest_seconds float8)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
    SELECT count(*), coalesce(extract(epoch FROM now() - min(coalesce(started_at, created_at))), 0)::float8
    FROM tenant.staff_imports WHERE status = 'queued'
    $$;
REVOKE ALL ON FUNCTION tenant.import_queue() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.import_queue() TO zorgklas_app;

-- Scores not yet accepted by the LMS, of registrations still enabled (a disabled registration's
-- scores wait on purpose and are not sent).
CREATE FUNCTION lti.grade_queue_depth() RETURNS TABLE (depth bigint, oldest_seconds float8)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, lti
    AS $$
    SELECT count(*), coalesce(extract(epoch FROM now() - min(q.created_at)), 0)::float8
    FROM lti.grade_queue q
    JOIN lti.grade_links g ON g.tenant_id = q.tenant_id AND g.id = q.link_id
    JOIN lti.registrations r ON r.tenant_id = g.tenant_id AND r.id = g.registration_id
    WHERE q.sent_at IS NULL AND r.disabled_at IS NULL
    $$;
REVOKE ALL ON FUNCTION lti.grade_queue_depth() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lti.grade_queue_depth() TO zorgklas_app;
