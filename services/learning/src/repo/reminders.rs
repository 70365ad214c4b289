//! Reminders due and sent (`content.due_reminders`, `content.due_digests`,
//! `content.reminders_sent`).

use sqlx::{FromRow, PgConnection};
use time::Date;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// A reminder due now.
#[derive(Debug, FromRow)]
pub struct Due {
    pub tenant_id: Uuid,
    pub slug: String,
    pub member_name: String,
    /// `enrolled`, `deadline`, `deadline_1`, `overdue` or `expiry`.
    pub kind: String,
    pub subject_id: Uuid,
    pub cycle: String,
    pub user_id: Uuid,
    pub module_id: Uuid,
    pub title: Option<String>,
    /// The deadline (the end of the validity for `expiry`); none for an enrolment without one.
    pub due: Option<Date>,
}

/// Reminders due across members (active accounts of active members), soonest first.
pub async fn due(conn: &mut PgConnection, max_rows: i32) -> AppResult<Vec<Due>> {
    Ok(sqlx::query_as("SELECT * FROM content.due_reminders($1)")
        .bind(max_rows)
        .fetch_all(conn)
        .await?)
}

/// Someone who asked for the weekly overview and has not had this week's.
#[derive(Debug, FromRow)]
pub struct DueDigest {
    pub tenant_id: Uuid,
    pub slug: String,
    pub member_name: String,
    pub user_id: Uuid,
}

/// Weekly overviews due for `week` (`2026-W50`) across members.
pub async fn due_digests(
    conn: &mut PgConnection,
    week: &str,
    max_rows: i32,
) -> AppResult<Vec<DueDigest>> {
    Ok(sqlx::query_as("SELECT * FROM content.due_digests($1, $2)")
        .bind(week)
        .bind(max_rows)
        .fetch_all(conn)
        .await?)
}

/// Records a mail as sent; false when it was (this or another process got there first).
pub async fn mark_sent(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    subject: Uuid,
    cycle: &str,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO content.reminders_sent (tenant_id, kind, subject_id, cycle) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(kind)
    .bind(subject)
    .bind(cycle)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The address of a user who can log in (active: not invited, not blocked).
pub async fn active_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT email FROM tenant.users WHERE tenant_id = $1 AND id = $2 AND status = 'active'",
    )
    .bind(tenant.0)
    .bind(user)
    .fetch_optional(conn)
    .await?)
}
