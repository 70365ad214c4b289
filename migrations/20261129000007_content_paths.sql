-- Learning paths (leertrajecten): an ordered list of published modules, drafted and published
-- in numbered, immutable versions like modules. Shared paths (operators; only shared modules)
-- and a member's own paths (its own and shared modules), laid out like the module tables.
CREATE TABLE content.shared_paths (
    id uuid PRIMARY KEY,
    draft jsonb NOT NULL,
    latest_version integer NOT NULL DEFAULT 0,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER shared_paths_updated_at BEFORE UPDATE ON content.shared_paths
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();
CREATE TABLE content.shared_path_versions (
    path_id uuid NOT NULL REFERENCES content.shared_paths (id),
    version integer NOT NULL,
    title text NOT NULL,
    doc jsonb NOT NULL,
    change_note text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by uuid NOT NULL,
    PRIMARY KEY (path_id, version),
    CONSTRAINT shared_path_versions_version_check CHECK (version >= 1)
);
CREATE TABLE content.paths (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    draft jsonb NOT NULL,
    latest_version integer NOT NULL DEFAULT 0,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE TRIGGER paths_updated_at BEFORE UPDATE ON content.paths
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();
CREATE TABLE content.path_versions (
    tenant_id uuid NOT NULL,
    path_id uuid NOT NULL,
    version integer NOT NULL,
    title text NOT NULL,
    doc jsonb NOT NULL,
    change_note text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by uuid NOT NULL,
    PRIMARY KEY (tenant_id, path_id, version),
    FOREIGN KEY (tenant_id, path_id) REFERENCES content.paths (tenant_id, id),
    CONSTRAINT path_versions_version_check CHECK (version >= 1)
);

ALTER TABLE content.paths ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.paths FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.paths
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE ON content.paths TO zorgklas_app;
ALTER TABLE content.path_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.path_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.path_versions
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.path_versions TO zorgklas_app;

ALTER TABLE content.shared_paths ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.shared_paths FORCE ROW LEVEL SECURITY;
CREATE POLICY operators_only ON content.shared_paths
    USING (tenant.current_tenant() = tenant.platform_tenant())
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT, UPDATE ON content.shared_paths TO zorgklas_app;
ALTER TABLE content.shared_path_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.shared_path_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_every_tenant ON content.shared_path_versions FOR SELECT
    USING (tenant.current_tenant() IS NOT NULL);
CREATE POLICY written_by_operators ON content.shared_path_versions FOR INSERT
    WITH CHECK (tenant.current_tenant() = tenant.platform_tenant());
GRANT SELECT, INSERT ON content.shared_path_versions TO zorgklas_app;

CREATE TRIGGER shared_path_versions_notify AFTER INSERT ON content.shared_path_versions
    FOR EACH STATEMENT EXECUTE FUNCTION content.notify_changed();
CREATE TRIGGER path_versions_notify AFTER INSERT ON content.path_versions
    FOR EACH ROW EXECUTE FUNCTION content.notify_changed();
CREATE OR REPLACE FUNCTION content.notify_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_TABLE_NAME IN ('shared_module_versions', 'ratings', 'shared_path_versions') THEN
        PERFORM pg_notify('zk_changed', 'content:*');
    ELSE
        PERFORM pg_notify('zk_changed', 'content:' || COALESCE(NEW.tenant_id, OLD.tenant_id)::text);
    END IF;
    RETURN NULL;
END
$$;
