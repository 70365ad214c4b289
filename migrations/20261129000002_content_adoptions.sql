-- 80/20 overlays: a member adopts a shared module and adds its own accents. Not a copy: the row
-- holds the member's accents against block ids of the shared module (DESIGN.md), and which
-- shared version the member shows: the latest (follow = 'auto') or the version its admin last
-- accepted (follow = 'review', `pinned_version`).
CREATE TABLE content.adoptions (
    tenant_id uuid NOT NULL,
    module_id uuid NOT NULL REFERENCES content.shared_modules (id),
    follow text NOT NULL DEFAULT 'auto',
    pinned_version integer NOT NULL,
    overlay jsonb NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, module_id),
    CONSTRAINT adoptions_follow_check CHECK (follow IN ('auto', 'review')),
    CONSTRAINT adoptions_pinned_version_check CHECK (pinned_version >= 1)
);
CREATE TRIGGER adoptions_updated_at BEFORE UPDATE ON content.adoptions
    FOR EACH ROW EXECUTE FUNCTION tenant.set_updated_at();
ALTER TABLE content.adoptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.adoptions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.adoptions
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.adoptions TO zorgklas_app;

-- A member's admin runs the portal's catalogue too: own modules and overlays.
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'admin', '*', 'catalog', 'write', '', '');
