-- A reminder for an invitation nobody accepted: three days after the invitation, while it is
-- still valid for at least a day, the invitee gets one reminder mail with a fresh link (only
-- hashes of links are stored, so the first link can't be sent again). Once per account: the
-- row here is written in the same transaction as the mail and its key refuses a second one,
-- also from a second process or after a restart. (An admin who withdraws an invitation and
-- invites again makes a new account, so a new event.)
CREATE TABLE tenant.invite_reminders (
    tenant_id uuid NOT NULL,
    user_id uuid NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES tenant.users (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE tenant.invite_reminders ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant.invite_reminders FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant.invite_reminders
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON tenant.invite_reminders TO zorgklas_app;

-- The accounts due for a reminder across members (for the job, which then works per member
-- under RLS): only ids.
CREATE FUNCTION tenant.due_invite_reminders(max_rows integer)
    RETURNS TABLE (tenant_id uuid, user_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
    SELECT DISTINCT i.tenant_id, i.user_id
    FROM tenant.invites i
    JOIN tenant.users u ON u.tenant_id = i.tenant_id AND u.id = i.user_id AND u.status = 'invited'
    JOIN tenant.tenants t ON t.id = i.tenant_id AND t.status = 'active'
    WHERE i.purpose = 'invite' AND i.used_at IS NULL AND i.revoked_at IS NULL
      AND i.created_at < now() - interval '3 days' AND i.expires_at > now() + interval '1 day'
      AND NOT EXISTS (SELECT 1 FROM tenant.invite_reminders r
                      WHERE r.tenant_id = i.tenant_id AND r.user_id = i.user_id)
    LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION tenant.due_invite_reminders(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.due_invite_reminders(integer) TO zorgklas_app;
