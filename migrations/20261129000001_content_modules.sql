-- Content service: modules (leereenheden) with drafts and immutable, numbered versions.
--
-- Two sides (DESIGN.md, "Content and learning"):
--  * the NZK portfolio: `shared_modules` (drafts, operators only) and `shared_module_versions`
--    (published, readable by every member). No tenant_id: on Citus these are reference tables.
--    RLS lets every tenant read published versions and only the platform tenant (operators)
--    write; nothing a member sends can write a shared row.
--  * a member's own modules: `modules` and `module_versions`, tenant_id first in every key,
--    forced RLS like every tenant table.
-- A module document (metadata and an ordered list of blocks, each with a stable id) is JSONB;
-- the columns beside it are what the catalogue filters and searches on.
-- Versions are immutable: the app role may insert and read them, never update or delete.

-- Weighted Dutch full-text vector of a module document: title (A), summary, tags and target
-- group (B), block text: Markdown, quiz questions and options, captions of links and images (C).
CREATE FUNCTION content.search_vector(doc jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT setweight(to_tsvector('dutch', coalesce(doc->>'title', '')), 'A')
        || setweight(to_tsvector('dutch', coalesce(doc->>'summary', '') || ' '
               || coalesce(doc->>'target_group', '') || ' '
               || coalesce((SELECT string_agg(t, ' ') FROM jsonb_array_elements_text(doc->'tags') t), '')), 'B')
        || setweight(to_tsvector('dutch', coalesce((
               SELECT string_agg(concat_ws(' ', b->>'markdown', b->>'alt', b->>'label', b->>'title',
                   (SELECT string_agg(concat_ws(' ', q->>'prompt',
                        (SELECT string_agg(o->>'text', ' ') FROM jsonb_array_elements(q->'options') o)), ' ')
                    FROM jsonb_array_elements(coalesce(b->'questions', '[]'::jsonb)) q)), ' ')
               FROM jsonb_array_elements(doc->'blocks') b), '')), 'C')
    $$;

CREATE TABLE content.shared_modules (
    id uuid PRIMARY KEY,
    draft jsonb NOT NULL,
    latest_version integer NOT NULL DEFAULT 0,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER shared_modules_updated_at BEFORE UPDATE ON content.shared_modules
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();

CREATE TABLE content.shared_module_versions (
    module_id uuid NOT NULL REFERENCES content.shared_modules (id),
    version integer NOT NULL,
    title text NOT NULL,
    summary text NOT NULL,
    mbo_level smallint,
    minutes integer NOT NULL,
    tags text[] NOT NULL,
    language text NOT NULL,
    doc jsonb NOT NULL,
    change_note text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by uuid NOT NULL,
    search tsvector NOT NULL GENERATED ALWAYS AS (content.search_vector(doc)) STORED,
    PRIMARY KEY (module_id, version),
    CONSTRAINT shared_module_versions_version_check CHECK (version >= 1),
    CONSTRAINT shared_module_versions_level_check CHECK (mbo_level IN (2, 3, 4))
);
CREATE INDEX shared_module_versions_search ON content.shared_module_versions USING gin (search);

CREATE TABLE content.modules (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    draft jsonb NOT NULL,
    latest_version integer NOT NULL DEFAULT 0,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE TRIGGER modules_updated_at BEFORE UPDATE ON content.modules
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();

CREATE TABLE content.module_versions (
    tenant_id uuid NOT NULL,
    module_id uuid NOT NULL,
    version integer NOT NULL,
    title text NOT NULL,
    summary text NOT NULL,
    mbo_level smallint,
    minutes integer NOT NULL,
    tags text[] NOT NULL,
    language text NOT NULL,
    doc jsonb NOT NULL,
    change_note text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by uuid NOT NULL,
    search tsvector NOT NULL GENERATED ALWAYS AS (content.search_vector(doc)) STORED,
    PRIMARY KEY (tenant_id, module_id, version),
    FOREIGN KEY (tenant_id, module_id) REFERENCES content.modules (tenant_id, id),
    CONSTRAINT module_versions_version_check CHECK (version >= 1),
    CONSTRAINT module_versions_level_check CHECK (mbo_level IN (2, 3, 4))
);
CREATE INDEX module_versions_search ON content.module_versions USING gin (search);

-- Member tables: the usual isolation.
ALTER TABLE content.modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.modules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.modules
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE ON content.modules TO zorgklas_app;

ALTER TABLE content.module_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.module_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.module_versions
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.module_versions TO zorgklas_app;

-- Shared tables: drafts are the operators' alone; published versions are read by every tenant
-- and written by operators only (the platform tenant set in the transaction).
ALTER TABLE content.shared_modules ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.shared_modules FORCE ROW LEVEL SECURITY;
CREATE POLICY operators_only ON content.shared_modules
    USING (tenant.current_tenant() = tenant.platform_tenant())
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT, UPDATE ON content.shared_modules TO zorgklas_app;

ALTER TABLE content.shared_module_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.shared_module_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_every_tenant ON content.shared_module_versions FOR SELECT
    USING (tenant.current_tenant() IS NOT NULL);
CREATE POLICY written_by_operators ON content.shared_module_versions FOR INSERT
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT ON content.shared_module_versions TO zorgklas_app;

-- Operators maintain the portfolio; members read it. ('catalog', 'write') in the platform
-- domain lets the same routes write shared modules on the NZK side.
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'operator', 'platform', 'catalog', 'read', '', ''),
    ('p', 'operator', 'platform', 'catalog', 'write', '', '');
