//! Mail: every message is written to the outbox table inside the caller's transaction (so a
//! failed request sends nothing). With `ZK_SMTP_URL` set, a worker delivers unsent rows over SMTP
//! (lettre) and then clears their bodies (they hold one-time links); operators see only whether
//! and how a mail went out. Without it (demo and development), mails stay in the outbox in full
//! and operators read them in the console, which says so.

use crate::{config::Config, db::TenantTx, error::AppResult, tenancy::TenantId};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Failed SMTP attempts after which a mail is given up (it stays in the outbox, with its error,
/// and without its body).
pub const MAX_ATTEMPTS: i32 = 5;

/// Queues and delivers mail.
#[derive(Clone)]
pub struct Mailer {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: String,
    poll: Duration,
}

impl Mailer {
    /// A mailer for the configuration (SMTP only when `ZK_SMTP_URL` is set).
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let smtp = match &config.smtp_url {
            Some(url) => {
                // `smtp://host[:port]`: a plain relay (a local MTA that handles TLS onward).
                let parsed = url::Url::parse(url.expose())?;
                let host = parsed
                    .host_str()
                    .ok_or_else(|| anyhow::anyhow!("ZK_SMTP_URL has no host"))?;
                Some(
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                        .port(parsed.port().unwrap_or(25))
                        .build(),
                )
            }
            None => None,
        };
        Ok(Self {
            smtp,
            from: config.mail_from.clone(),
            poll: config.mail_poll,
        })
    }

    /// True when mail goes out over SMTP; false in the outbox-only (demo, development) mode.
    pub fn delivers(&self) -> bool {
        self.smtp.is_some()
    }

    /// Queues a mail for `tenant` inside the caller's transaction.
    pub async fn enqueue(
        tx: &mut TenantTx,
        tenant: TenantId,
        to: &str,
        subject: &str,
        body: &str,
    ) -> AppResult<()> {
        sqlx::query("INSERT INTO tenant.outbox (tenant_id, id, recipient, subject, body) VALUES ($1, $2, $3, $4, $5)")
            .bind(tenant)
            .bind(Uuid::new_v4())
            .bind(to)
            .bind(subject)
            .bind(body)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Starts the SMTP delivery worker when SMTP is configured.
    pub fn spawn_delivery(&self, pool: PgPool) {
        let Some(smtp) = self.smtp.clone() else {
            return;
        };
        let from = self.from.clone();
        let poll = self.poll;
        tokio::spawn(async move {
            loop {
                if let Err(e) = deliver_batch(&pool, &smtp, &from).await {
                    tracing::warn!(error = %e, "mail delivery failed; will retry");
                }
                tokio::time::sleep(poll).await;
            }
        });
    }

    /// Registers the outbox's gauges when mail goes out over SMTP (without SMTP nothing is ever
    /// sent, so a depth would only grow): `zk_queue_depth{queue="mail"}`, mails waiting to go
    /// out (not given up), and `zk_queue_oldest_seconds{queue="mail"}`, the age of the oldest.
    pub fn add_queue_gauges(&self, metrics: &crate::metrics::Metrics, pool: PgPool) {
        if !self.delivers() {
            return;
        }
        metrics.add_gauges("mail", move || {
            let pool = pool.clone();
            async move {
                // The platform tenant reads every outbox row (see the outbox policy); the
                // partial index `outbox_unsent` keeps this to the rows still waiting.
                let mut tx = crate::db::begin_tenant(&pool, TenantId::PLATFORM).await?;
                let (depth, oldest): (i64, f64) = sqlx::query_as(
                    "SELECT count(*),
                            coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
                     FROM tenant.outbox WHERE sent_at IS NULL AND attempts < $1",
                )
                .bind(MAX_ATTEMPTS)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<_, anyhow::Error>(crate::metrics::queue_gauges("mail", depth, oldest))
            }
        });
    }
}

async fn deliver_batch(
    pool: &PgPool,
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    from: &str,
) -> anyhow::Result<()> {
    // The platform tenant may read every outbox row (see the outbox policy).
    let mut tx = crate::db::begin_tenant(pool, TenantId::PLATFORM).await?;
    // A member's mails go out in its name ("Zorggroep Noord via Nationale Zorgklas").
    let rows: Vec<(Uuid, Uuid, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT o.tenant_id, o.id, o.recipient, o.subject, o.body,
                CASE WHEN t.kind = 'member' THEN t.name END
         FROM tenant.outbox o LEFT JOIN tenant.tenants t ON t.id = o.tenant_id
         WHERE o.sent_at IS NULL AND o.attempts < $1 ORDER BY o.created_at LIMIT 20
         FOR UPDATE OF o SKIP LOCKED",
    )
    .bind(MAX_ATTEMPTS)
    .fetch_all(&mut *tx)
    .await?;
    // Each message settles on its own: a failure is recorded on its row and the batch goes on,
    // so one bad address neither blocks the queue nor rolls back the marks of mails already sent.
    for (tenant_id, id, to, subject, body, member) in rows {
        match send_one(smtp, from, member.as_deref(), &to, subject, body).await {
            Ok(()) => {
                // The body (with its one-time link) has done its work: keep no copy of it.
                sqlx::query(
                    "UPDATE tenant.outbox SET sent_at = now(), body = '' WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Err(e) => {
                // The error text can name the address: it goes to the row, not to the log.
                tracing::warn!(outbox.id = %id, "mail not delivered (see the outbox row)");
                // A mail given up is never sent: its body goes too.
                sqlx::query(
                    "UPDATE tenant.outbox SET attempts = attempts + 1, last_error = $3,
                         body = CASE WHEN attempts + 1 >= $4 THEN '' ELSE body END
                     WHERE tenant_id = $1 AND id = $2",
                )
                .bind(tenant_id)
                .bind(id)
                .bind(e.to_string())
                .bind(MAX_ATTEMPTS)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The sender: the platform's address, named after the member when the mail is a member's.
pub fn sender(from: &str, member: Option<&str>) -> anyhow::Result<lettre::message::Mailbox> {
    let platform: lettre::message::Mailbox = from.parse()?;
    Ok(match member {
        Some(member) => {
            let via = platform.name.as_deref().unwrap_or("Zorgklas");
            lettre::message::Mailbox::new(Some(format!("{member} via {via}")), platform.email)
        }
        None => platform,
    })
}

async fn send_one(
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    from: &str,
    member: Option<&str>,
    to: &str,
    subject: String,
    body: String,
) -> anyhow::Result<()> {
    let message = Message::builder()
        .from(sender(from, member)?)
        .to(to.parse()?)
        .subject(subject)
        .body(body)?;
    smtp.send(message).await?;
    Ok(())
}
