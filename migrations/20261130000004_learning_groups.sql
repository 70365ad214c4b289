-- Groups of a member's users with their teachers: a group belongs to one member; a teacher sees
-- and enrols only the groups they teach (admins see all of the member's groups).
CREATE TABLE content.groups (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT groups_name_key UNIQUE (tenant_id, name),
    CONSTRAINT groups_name_check CHECK (length(name) BETWEEN 1 AND 200)
);
CREATE TABLE content.group_members (
    tenant_id uuid NOT NULL,
    group_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES content.groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id),
    CONSTRAINT group_members_role_check CHECK (role IN ('learner', 'teacher'))
);
ALTER TABLE content.groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.groups
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.groups TO zorgklas_app;
ALTER TABLE content.group_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.group_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.group_members
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.group_members TO zorgklas_app;
