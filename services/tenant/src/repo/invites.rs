//! One-time links (`tenant.invites`, RLS): invitations and password resets.

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zk_kernel::{crypto, AppResult, TenantId};

/// What a link is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Invite,
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// A link's state when it is presented, with the status of its account.
#[derive(sqlx::FromRow)]
pub struct InviteRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub user_status: String,
    /// Whether the account has a password already (an invitation is then no way in).
    pub has_password: bool,
}

/// Creates a link valid for `valid_for`; returns the token (only its hash is stored).
pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    user_id: Uuid,
    purpose: Purpose,
    valid_for: Duration,
) -> AppResult<String> {
    let token = crypto::random_token();
    sqlx::query(
        "INSERT INTO tenant.invites (tenant_id, id, user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(crypto::token_hash(&token))
    .bind(OffsetDateTime::now_utc() + valid_for)
    .execute(conn)
    .await?;
    Ok(token)
}

/// Finds a link by token, locking it and its account for the rest of the transaction (so a
/// concurrent block or revocation waits for, or is seen by, whoever uses the link).
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    token: &str,
    purpose: Purpose,
) -> AppResult<Option<InviteRow>> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.user_id, i.expires_at, i.used_at, i.revoked_at, u.status AS user_status,
                u.password_hash IS NOT NULL AS has_password
         FROM tenant.invites i JOIN tenant.users u ON u.tenant_id = i.tenant_id AND u.id = i.user_id
         WHERE i.tenant_id = $1 AND i.token_hash = $2 AND i.purpose = $3
         FOR UPDATE",
    )
    .bind(tenant)
    .bind(crypto::token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?)
}

/// Revokes every open link (invitation or reset) of a user; returns how many.
pub async fn revoke_open(
    conn: &mut PgConnection,
    tenant: TenantId,
    user_id: Uuid,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE tenant.invites SET revoked_at = now()
         WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(tenant)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Deletes every link of a user (before the never-activated account itself is removed).
pub async fn delete_for_user(
    conn: &mut PgConnection,
    tenant: TenantId,
    user_id: Uuid,
) -> AppResult<()> {
    sqlx::query("DELETE FROM tenant.invites WHERE tenant_id = $1 AND user_id = $2")
        .bind(tenant)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a link used.
pub async fn mark_used(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<()> {
    sqlx::query("UPDATE tenant.invites SET used_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Accounts whose invitation waits three days or more, across members (for the reminder job).
pub async fn due_reminders(conn: &mut PgConnection, max: i32) -> AppResult<Vec<(Uuid, Uuid)>> {
    Ok(
        sqlx::query_as("SELECT tenant_id, user_id FROM tenant.due_invite_reminders($1)")
            .bind(max)
            .fetch_all(conn)
            .await?,
    )
}

/// Records the reminder of an account; false when it was sent already.
pub async fn mark_reminded(
    conn: &mut PgConnection,
    tenant: TenantId,
    user_id: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO tenant.invite_reminders (tenant_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
