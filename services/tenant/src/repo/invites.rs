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

/// A link's state when it is presented.
pub struct InviteRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
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

/// Finds a link by token, locking it for the rest of the transaction.
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    token: &str,
    purpose: Purpose,
) -> AppResult<Option<InviteRow>> {
    let row: Option<(Uuid, Uuid, OffsetDateTime, Option<OffsetDateTime>)> = sqlx::query_as(
        "SELECT id, user_id, expires_at, used_at FROM tenant.invites
         WHERE tenant_id = $1 AND token_hash = $2 AND purpose = $3 FOR UPDATE",
    )
    .bind(tenant)
    .bind(crypto::token_hash(token))
    .bind(purpose.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, user_id, expires_at, used_at)| InviteRow {
        id,
        user_id,
        expires_at,
        used_at,
    }))
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
