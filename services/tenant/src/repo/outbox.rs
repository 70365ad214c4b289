//! Reading the mail outbox (operators see every tenant's rows through the platform tenant).

use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{mail::MAX_ATTEMPTS, AppResult};

/// A queued, sent or failed mail. `body` is only read in the outbox-only (demo) mode: with a mail
/// server, bodies hold live links until delivery and are cleared after it.
#[derive(Clone, Debug, Serialize, FromRow, utoipa::ToSchema)]
#[schema(as = Mail)]
pub struct OutboxRow {
    pub id: Uuid,
    pub tenant_slug: String,
    pub recipient: String,
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `kept` (outbox-only mode), `queued`, `sent` or `failed` (given up after the attempts).
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<OffsetDateTime>,
}

/// The newest mails, optionally to one recipient; bodies only when `with_bodies` (outbox-only
/// mode), and then the status of unsent mail is `kept`.
pub async fn latest(
    conn: &mut PgConnection,
    recipient: Option<&str>,
    limit: i64,
    with_bodies: bool,
) -> AppResult<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT o.id, t.slug AS tenant_slug, o.recipient, o.subject,
                CASE WHEN $3 THEN o.body END AS body,
                CASE WHEN o.sent_at IS NOT NULL THEN 'sent'
                     WHEN $3 THEN 'kept'
                     WHEN o.attempts >= $4 THEN 'failed'
                     ELSE 'queued' END AS status,
                o.attempts, o.last_error, o.created_at, o.sent_at
         FROM tenant.outbox o JOIN tenant.tenants t ON t.id = o.tenant_id
         WHERE ($1::text IS NULL OR o.recipient = lower($1))
         ORDER BY o.created_at DESC LIMIT $2",
    )
    .bind(recipient)
    .bind(limit)
    .bind(with_bodies)
    .bind(MAX_ATTEMPTS)
    .fetch_all(conn)
    .await?)
}
