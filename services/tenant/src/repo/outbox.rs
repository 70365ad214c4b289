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

/// Which mails to show.
#[derive(Clone, Debug, Default)]
pub struct OutboxFilter<'a> {
    pub recipient: Option<&'a str>,
    /// The member's slug (`platform` for NZK's own mails).
    pub member: Option<&'a str>,
    /// `kept`, `queued`, `sent` or `failed`.
    pub status: Option<&'a str>,
}

/// A page of the newest mails matching `filter`, each with the number of matches in all;
/// bodies only when `with_bodies` (outbox-only mode), and then the status of unsent mail is
/// `kept`.
pub async fn page(
    conn: &mut PgConnection,
    filter: &OutboxFilter<'_>,
    limit: i64,
    offset: i64,
    with_bodies: bool,
) -> AppResult<Vec<(OutboxRow, i64)>> {
    let rows: Vec<OutboxPageRow> = sqlx::query_as(
        "SELECT *, count(*) OVER () AS total FROM (
            SELECT o.id, t.slug AS tenant_slug, o.recipient, o.subject,
                   CASE WHEN $3 THEN o.body END AS body,
                   CASE WHEN o.sent_at IS NOT NULL THEN 'sent'
                        WHEN $3 THEN 'kept'
                        WHEN o.attempts >= $4 THEN 'failed'
                        ELSE 'queued' END AS status,
                   o.attempts, o.last_error, o.created_at, o.sent_at
            FROM tenant.outbox o JOIN tenant.tenants t ON t.id = o.tenant_id
            WHERE ($1::text IS NULL OR o.recipient = lower($1))
              AND ($5::text IS NULL OR t.slug = $5)
         ) m
         WHERE ($6::text IS NULL OR m.status = $6)
         ORDER BY m.created_at DESC, m.id LIMIT $2 OFFSET $7",
    )
    .bind(filter.recipient)
    .bind(limit)
    .bind(with_bodies)
    .bind(MAX_ATTEMPTS)
    .bind(filter.member)
    .bind(filter.status)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.mail, r.total)).collect())
}

#[derive(FromRow)]
struct OutboxPageRow {
    #[sqlx(flatten)]
    mail: OutboxRow,
    total: i64,
}
