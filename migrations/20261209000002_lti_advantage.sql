-- Issue 23, LTI Advantage: dynamic registration links, deep linking, grades (AGS) through a
-- durable queue, and rosters (NRPS) into a member's group.

-- A one-time link an admin pastes into the LMS for LTI Dynamic Registration (only the SHA-256
-- of its token is stored).
CREATE TABLE lti.registration_links (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    token_hash bytea NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    registration_id uuid,
    PRIMARY KEY (tenant_id, token_hash)
);

-- What the platform sends in a deep-linking request.
ALTER TABLE lti.launches
    ADD COLUMN deep_link_return_url text,
    ADD COLUMN accept_types text[] NOT NULL DEFAULT '{}',
    ADD COLUMN accept_multiple boolean NOT NULL DEFAULT false,
    ADD COLUMN deep_link_data text,
    ADD COLUMN lineitems_url text,
    -- A launch in the LMS's frame whose state the platform's postMessage storage confirmed
    -- opens in a window of its own through a one-time hand-off (only its hash is kept).
    ADD COLUMN handoff_hash bytea,
    ADD COLUMN handoff_until timestamptz;
ALTER TABLE lti.launches DROP CONSTRAINT launches_status_check;
ALTER TABLE lti.launches ADD CONSTRAINT launches_status_check
    CHECK (status IN ('pending', 'done', 'discarded', 'linked'));

-- Where a learner's result in a module goes: the line item of the LMS link they launched (or
-- the one we create in the LMS's line items), and the last result queued for it.
CREATE TABLE lti.grade_links (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    registration_id uuid NOT NULL,
    user_id uuid NOT NULL,
    subject text NOT NULL,
    module_id uuid NOT NULL,
    resource_link_id text NOT NULL,
    lineitem_url text,
    lineitems_url text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_completed_at timestamptz,
    last_score smallint,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT grade_links_key UNIQUE (tenant_id, registration_id, subject, resource_link_id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES lti.registrations (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id)
);

-- Scores on their way to the LMS: sent in order per link, retried with backoff, kept with the
-- platform's last answer.
CREATE TABLE lti.grade_queue (
    tenant_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    link_id uuid NOT NULL,
    score_given smallint NOT NULL,
    completed_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    next_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    last_status integer,
    last_error text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, link_id) REFERENCES lti.grade_links (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX grade_queue_due ON lti.grade_queue (next_at) WHERE sent_at IS NULL;
CREATE INDEX grade_queue_link ON lti.grade_queue (tenant_id, link_id, id);

-- An LMS course's roster mirrored into a group of the member: who came through NRPS, and who
-- left (marked, never deleted).
CREATE TABLE lti.rosters (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    registration_id uuid NOT NULL,
    context_id text NOT NULL,
    context_title text NOT NULL DEFAULT '',
    memberships_url text NOT NULL,
    group_id uuid,
    daily boolean NOT NULL DEFAULT false,
    synced_at timestamptz,
    last_error text,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT rosters_context_key UNIQUE (tenant_id, registration_id, context_id),
    FOREIGN KEY (tenant_id, registration_id) REFERENCES lti.registrations (tenant_id, id) ON DELETE CASCADE
);
CREATE TABLE lti.roster_members (
    tenant_id uuid NOT NULL,
    roster_id uuid NOT NULL,
    subject text NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    left_at timestamptz,
    PRIMARY KEY (tenant_id, roster_id, subject),
    FOREIGN KEY (tenant_id, roster_id) REFERENCES lti.rosters (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT roster_members_role_check CHECK (role IN ('learner', 'teacher'))
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['registration_links', 'grade_links', 'grade_queue', 'rosters', 'roster_members'] LOOP
        EXECUTE format('ALTER TABLE lti.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE lti.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON lti.%I USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON lti.%I TO zorgklas_app', t);
    END LOOP;
END
$$;

-- The grade job, across members: queues a score for every linked learner whose module result
-- (completion time or score) changed since the last one queued; returns how many.
CREATE FUNCTION lti.queue_grades() RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, lti, content, tenant
    AS $$
    WITH cur AS (
        SELECT g.tenant_id, g.id, e.completed_at, coalesce(e.completed_score, 100)::smallint AS score
        FROM lti.grade_links g
        JOIN content.enrolments e
          ON e.tenant_id = g.tenant_id AND e.user_id = g.user_id AND e.module_id = g.module_id
        JOIN lti.registrations r ON r.tenant_id = g.tenant_id AND r.id = g.registration_id
        WHERE e.completed_at IS NOT NULL AND r.disabled_at IS NULL
          AND (g.last_completed_at IS DISTINCT FROM e.completed_at
               OR g.last_score IS DISTINCT FROM coalesce(e.completed_score, 100))
    ), mark AS (
        UPDATE lti.grade_links g SET last_completed_at = cur.completed_at, last_score = cur.score
        FROM cur WHERE g.tenant_id = cur.tenant_id AND g.id = cur.id
        RETURNING g.tenant_id
    ), queued AS (
        INSERT INTO lti.grade_queue (tenant_id, link_id, score_given, completed_at)
        SELECT tenant_id, id, score, completed_at FROM cur
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM queued)::integer + 0 * (SELECT count(*) FROM mark)::integer
    $$;
REVOKE ALL ON FUNCTION lti.queue_grades() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lti.queue_grades() TO zorgklas_app;

-- The scores due now across members, the oldest unsent of each link only (order per user and
-- line item), with what sending needs; ids only beyond the LTI user id.
CREATE FUNCTION lti.due_grades(max_rows integer)
    RETURNS TABLE (tenant_id uuid, id bigint, link_id uuid, registration_id uuid, subject text,
                   lineitem_url text, lineitems_url text, resource_link_id text, module_id uuid,
                   score_given smallint, completed_at timestamptz, attempts integer,
                   client_id text, token_url text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, lti
    AS $$
    SELECT q.tenant_id, q.id, q.link_id, g.registration_id, g.subject, g.lineitem_url,
           g.lineitems_url, g.resource_link_id, g.module_id, q.score_given, q.completed_at,
           q.attempts, r.client_id, r.token_url
    FROM lti.grade_queue q
    JOIN lti.grade_links g ON g.tenant_id = q.tenant_id AND g.id = q.link_id
    JOIN lti.registrations r ON r.tenant_id = g.tenant_id AND r.id = g.registration_id
    WHERE q.sent_at IS NULL AND q.next_at <= now() AND r.disabled_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM lti.grade_queue p
                      WHERE p.tenant_id = q.tenant_id AND p.link_id = q.link_id
                        AND p.sent_at IS NULL AND p.id < q.id)
    ORDER BY q.next_at, q.id
    LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION lti.due_grades(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lti.due_grades(integer) TO zorgklas_app;

-- The rosters that asked for a daily sync and had none for a day, across members.
CREATE FUNCTION lti.due_rosters(max_rows integer)
    RETURNS TABLE (tenant_id uuid, id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, lti
    AS $$
    SELECT r.tenant_id, r.id FROM lti.rosters r
    WHERE r.daily AND (r.synced_at IS NULL OR r.synced_at < now() - interval '1 day')
    ORDER BY r.synced_at NULLS FIRST LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION lti.due_rosters(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lti.due_rosters(integer) TO zorgklas_app;
