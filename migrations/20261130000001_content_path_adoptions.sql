-- 80/20 for learning paths: a member adopts a shared path and adds its own accents (its own
-- modules before or after named modules of the path, an introduction, optional modules left
-- out). Like module adoptions, not a copy: the row holds the accents against module ids and which
-- shared version the member shows (follow = 'auto': the latest; 'review': `pinned_version`).
CREATE TABLE content.path_adoptions (
    tenant_id uuid NOT NULL,
    path_id uuid NOT NULL REFERENCES content.shared_paths (id),
    follow text NOT NULL DEFAULT 'auto',
    pinned_version integer NOT NULL,
    overlay jsonb NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, path_id),
    CONSTRAINT path_adoptions_follow_check CHECK (follow IN ('auto', 'review')),
    CONSTRAINT path_adoptions_pinned_version_check CHECK (pinned_version >= 1)
);
CREATE TRIGGER path_adoptions_updated_at BEFORE UPDATE ON content.path_adoptions
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();
ALTER TABLE content.path_adoptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.path_adoptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.path_adoptions
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.path_adoptions TO zorgklas_app;

-- Cached path pages and catalogues of the member are rebuilt when its accents change.
CREATE TRIGGER path_adoptions_notify AFTER INSERT OR UPDATE OR DELETE ON content.path_adoptions
    FOR EACH ROW EXECUTE FUNCTION content.notify_changed();
