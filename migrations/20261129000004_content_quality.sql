-- Quality and say: ratings of shared modules, error reports on their blocks, portfolio
-- proposals and votes. Democratic, not anonymous: every member reads all of it, including who
-- rated and voted what. Each row still belongs to the member that wrote it (tenant_id), and a
-- member writes only its own rows; operators resolve reports and set a proposal's status.
-- On Citus these small, shared-readable tables are reference tables, like the portfolio.

-- Read by every tenant; written by the tenant that owns the row.
CREATE FUNCTION content.shared_readable(t regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY read_by_every_tenant ON %s FOR SELECT USING (tenant.current_tenant() IS NOT NULL)', t);
    EXECUTE format('CREATE POLICY written_by_owner ON %s USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant())', t);
END
$$;

-- One rating per member and shared module (the key), changeable.
CREATE TABLE content.ratings (
    module_id uuid NOT NULL REFERENCES content.shared_modules (id),
    tenant_id uuid NOT NULL,
    stars smallint NOT NULL,
    comment text NOT NULL DEFAULT '',
    rated_by uuid NOT NULL,
    rated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module_id, tenant_id),
    CONSTRAINT ratings_stars_check CHECK (stars BETWEEN 1 AND 5),
    CONSTRAINT ratings_comment_check CHECK (length(comment) <= 2000)
);
SELECT content.shared_readable('content.ratings');
GRANT SELECT, INSERT, UPDATE, DELETE ON content.ratings TO zorgklas_app;

-- Error reports on a block of a shared module; operators work through the open ones.
CREATE TABLE content.block_reports (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    module_id uuid NOT NULL REFERENCES content.shared_modules (id),
    version integer NOT NULL,
    block_id uuid NOT NULL,
    message text NOT NULL,
    reported_by uuid NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'open',
    resolution text,
    resolved_by uuid,
    resolved_at timestamptz,
    CONSTRAINT block_reports_status_check CHECK (status IN ('open', 'resolved')),
    CONSTRAINT block_reports_message_check CHECK (length(message) BETWEEN 1 AND 2000)
);
CREATE INDEX block_reports_open ON content.block_reports (reported_at) WHERE status = 'open';
SELECT content.shared_readable('content.block_reports');
CREATE POLICY resolved_by_operators ON content.block_reports FOR UPDATE
    USING (tenant.current_tenant() = tenant.platform_tenant())
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT, UPDATE ON content.block_reports TO zorgklas_app;

-- Proposals for the portfolio and the members' votes on them.
CREATE TABLE content.proposals (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    title text NOT NULL,
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open',
    status_reason text,
    status_set_by uuid,
    status_set_at timestamptz,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT proposals_status_check CHECK (status IN ('open', 'planned', 'in_progress', 'done', 'declined')),
    CONSTRAINT proposals_title_check CHECK (length(title) BETWEEN 1 AND 200),
    CONSTRAINT proposals_description_check CHECK (length(description) <= 5000)
);
SELECT content.shared_readable('content.proposals');
CREATE POLICY moderated_by_operators ON content.proposals FOR UPDATE
    USING (tenant.current_tenant() = tenant.platform_tenant())
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT, UPDATE ON content.proposals TO zorgklas_app;

-- A member may edit its own report or proposal text, but status fields are the operators'.
CREATE FUNCTION content.guard_moderation() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF tenant.current_tenant() IS DISTINCT FROM tenant.platform_tenant()
       AND (to_jsonb(NEW) - ARRAY['title', 'description', 'message'])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['title', 'description', 'message']) THEN
        RAISE EXCEPTION 'only operators moderate' USING ERRCODE = '42501';
    END IF;
    IF tenant.current_tenant() = tenant.platform_tenant()
       AND (to_jsonb(NEW) - ARRAY['status', 'status_reason', 'status_set_by', 'status_set_at', 'resolution', 'resolved_by', 'resolved_at'])
           IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['status', 'status_reason', 'status_set_by', 'status_set_at', 'resolution', 'resolved_by', 'resolved_at']) THEN
        RAISE EXCEPTION 'operators only moderate' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER proposals_guard BEFORE UPDATE ON content.proposals
    FOR EACH ROW EXECUTE FUNCTION content.guard_moderation();
CREATE TRIGGER block_reports_guard BEFORE UPDATE ON content.block_reports
    FOR EACH ROW EXECUTE FUNCTION content.guard_moderation();

-- One vote per member and proposal (the key), cast by the member's admin.
CREATE TABLE content.votes (
    proposal_id uuid NOT NULL REFERENCES content.proposals (id),
    tenant_id uuid NOT NULL,
    voted_by uuid NOT NULL,
    voted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (proposal_id, tenant_id)
);
SELECT content.shared_readable('content.votes');
GRANT SELECT, INSERT, DELETE ON content.votes TO zorgklas_app;

-- Ratings change the catalogue every member sees (its rating figures).
CREATE OR REPLACE FUNCTION content.notify_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_TABLE_NAME IN ('shared_module_versions', 'ratings') THEN
        PERFORM pg_notify('zk_changed', 'content:*');
    ELSE
        PERFORM pg_notify('zk_changed', 'content:' || COALESCE(NEW.tenant_id, OLD.tenant_id)::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER ratings_notify AFTER INSERT OR UPDATE OR DELETE ON content.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION content.notify_changed();

INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'admin', '*', 'quality', 'write', '', ''),
    ('p', 'reviewer', '*', 'quality', 'write', '', ''),
    ('p', 'admin', '*', 'proposals', 'write', '', ''),
    ('p', 'author', '*', 'proposals', 'write', '', ''),
    ('p', 'admin', '*', 'votes', 'write', '', ''),
    ('p', 'admin', '*', 'reports', 'write', '', ''),
    ('p', 'author', '*', 'reports', 'write', '', ''),
    ('p', 'teacher', '*', 'reports', 'write', '', ''),
    ('p', 'reviewer', '*', 'reports', 'write', '', ''),
    ('p', 'learner', '*', 'reports', 'write', '', ''),
    ('p', 'operator', 'platform', 'portfolio', 'moderate', '', '');
