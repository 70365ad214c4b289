//! Reading the mail outbox (operators see every tenant's rows through the platform tenant).

use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::AppResult;

/// A queued or sent mail.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub tenant_slug: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

/// The newest mails, optionally to one recipient.
pub async fn latest(
    conn: &mut PgConnection,
    recipient: Option<&str>,
    limit: i64,
) -> AppResult<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT o.id, t.slug AS tenant_slug, o.recipient, o.subject, o.body, o.created_at, o.sent_at
         FROM tenant.outbox o JOIN tenant.tenants t ON t.id = o.tenant_id
         WHERE ($1::text IS NULL OR o.recipient = lower($1))
         ORDER BY o.created_at DESC LIMIT $2",
    )
    .bind(recipient)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
