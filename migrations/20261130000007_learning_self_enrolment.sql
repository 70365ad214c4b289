-- Self-enrolment: a member's admin may open a module of its catalogue for its users to enrol
-- themselves (one row per module that is open).
CREATE TABLE content.self_enrolment (
    tenant_id uuid NOT NULL,
    module_id uuid NOT NULL,
    opened_by uuid NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, module_id)
);
ALTER TABLE content.self_enrolment ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.self_enrolment FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.self_enrolment
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, DELETE ON content.self_enrolment TO zorgklas_app;
