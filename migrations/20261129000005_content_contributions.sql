-- Contribution back: a member submits one of its own published modules for the portfolio.
-- The submitted version is copied to the shared side as a candidate; reviewers of other members
-- and operators read the candidate (never the member's own tables), comment per block and
-- approve or ask for changes; an operator publishes it into the portfolio with attribution.
-- Every step is an event with who and when.

CREATE TABLE content.candidates (
    id uuid PRIMARY KEY,
    source_tenant uuid NOT NULL,
    source_module uuid NOT NULL,
    source_version integer NOT NULL,
    doc jsonb NOT NULL,
    licence text NOT NULL,
    note text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'submitted',
    submitted_by uuid NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    shared_module_id uuid REFERENCES content.shared_modules (id),
    CONSTRAINT candidates_licence_check CHECK (licence IN ('CC-BY-4.0', 'CC-BY-SA-4.0')),
    CONSTRAINT candidates_status_check CHECK (status IN ('submitted', 'changes_requested', 'approved', 'published'))
);
-- At most one open candidate per member module.
CREATE UNIQUE INDEX candidates_open_per_module ON content.candidates (source_tenant, source_module)
    WHERE status IN ('submitted', 'changes_requested', 'approved');
CREATE TRIGGER candidates_updated_at BEFORE UPDATE ON content.candidates
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();
ALTER TABLE content.candidates ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.candidates FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_every_tenant ON content.candidates FOR SELECT
    USING (tenant.current_tenant() IS NOT NULL);
CREATE POLICY published_by_operators ON content.candidates FOR UPDATE
    USING (tenant.current_tenant() = tenant.platform_tenant())
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
-- Members write candidates only through the functions below.
GRANT SELECT, UPDATE ON content.candidates TO zorgklas_app;

CREATE TABLE content.candidate_events (
    id uuid PRIMARY KEY,
    candidate_id uuid NOT NULL REFERENCES content.candidates (id),
    tenant_id uuid NOT NULL,
    actor uuid NOT NULL,
    action text NOT NULL,
    note text NOT NULL DEFAULT '',
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT candidate_events_action_check CHECK (action IN ('submitted', 'resubmitted', 'commented', 'approved', 'changes_requested', 'published'))
);
CREATE INDEX candidate_events_candidate ON content.candidate_events (candidate_id, at);
SELECT content.shared_readable('content.candidate_events');
GRANT SELECT, INSERT ON content.candidate_events TO zorgklas_app;

CREATE TABLE content.candidate_comments (
    id uuid PRIMARY KEY,
    candidate_id uuid NOT NULL REFERENCES content.candidates (id),
    tenant_id uuid NOT NULL,
    block_id uuid,
    body text NOT NULL,
    author uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT candidate_comments_body_check CHECK (length(body) BETWEEN 1 AND 4000)
);
CREATE INDEX candidate_comments_candidate ON content.candidate_comments (candidate_id, created_at);
SELECT content.shared_readable('content.candidate_comments');
GRANT SELECT, INSERT ON content.candidate_comments TO zorgklas_app;

-- Submits the latest published version of one of the calling member's own modules (the member
-- is the transaction's tenant; nothing else is taken from the caller but ids and the licence).
-- An open candidate of the same module is replaced by the new version ('resubmitted').
-- Returns the candidate id, or NULL when the member has no published module with that id.
CREATE FUNCTION content.submit_candidate(p_module uuid, p_licence text, p_note text, p_by uuid)
    RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, content, tenant
    AS $$
DECLARE
    t uuid := tenant.current_tenant();
    v record;
    cid uuid;
BEGIN
    IF t IS NULL OR t = tenant.platform_tenant() THEN
        RAISE EXCEPTION 'only members submit candidates' USING ERRCODE = '42501';
    END IF;
    SELECT version, doc INTO v FROM content.module_versions
    WHERE tenant_id = t AND module_id = p_module ORDER BY version DESC LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT id INTO cid FROM content.candidates
    WHERE source_tenant = t AND source_module = p_module AND status IN ('submitted', 'changes_requested', 'approved')
    FOR UPDATE;
    IF FOUND THEN
        UPDATE content.candidates
        SET source_version = v.version, doc = v.doc, licence = p_licence, note = p_note,
            status = 'submitted', submitted_by = p_by
        WHERE id = cid;
        INSERT INTO content.candidate_events (id, candidate_id, tenant_id, actor, action, note)
        VALUES (gen_random_uuid(), cid, t, p_by, 'resubmitted', p_note);
    ELSE
        cid := gen_random_uuid();
        INSERT INTO content.candidates (id, source_tenant, source_module, source_version, doc, licence, note, submitted_by)
        VALUES (cid, t, p_module, v.version, v.doc, p_licence, p_note, p_by);
        INSERT INTO content.candidate_events (id, candidate_id, tenant_id, actor, action, note)
        VALUES (gen_random_uuid(), cid, t, p_by, 'submitted', p_note);
    END IF;
    RETURN cid;
END
$$;
REVOKE ALL ON FUNCTION content.submit_candidate(uuid, text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.submit_candidate(uuid, text, text, uuid) TO zorgklas_app;

-- A reviewer's decision on a submitted candidate: 'approved' or 'changes_requested'. Refused for
-- the submitting member itself and for candidates that are not waiting for review.
-- Returns the candidate's source tenant (to tell its author), NULL when there is no such
-- candidate waiting.
CREATE FUNCTION content.review_candidate(p_id uuid, p_decision text, p_note text, p_by uuid)
    RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, content, tenant
    AS $$
DECLARE
    t uuid := tenant.current_tenant();
    c record;
BEGIN
    IF t IS NULL OR p_decision NOT IN ('approved', 'changes_requested') THEN
        RAISE EXCEPTION 'invalid review' USING ERRCODE = '42501';
    END IF;
    SELECT source_tenant INTO c FROM content.candidates WHERE id = p_id AND status = 'submitted' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF c.source_tenant = t THEN
        RAISE EXCEPTION 'a member does not review its own candidate' USING ERRCODE = '42501';
    END IF;
    UPDATE content.candidates SET status = p_decision WHERE id = p_id;
    INSERT INTO content.candidate_events (id, candidate_id, tenant_id, actor, action, note)
    VALUES (gen_random_uuid(), p_id, t, p_by, p_decision, p_note);
    RETURN c.source_tenant;
END
$$;
REVOKE ALL ON FUNCTION content.review_candidate(uuid, text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.review_candidate(uuid, text, text, uuid) TO zorgklas_app;

INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'reviewer', '*', 'candidates', 'review', '', ''),
    ('p', 'operator', 'platform', 'candidates', 'review', '', '');
