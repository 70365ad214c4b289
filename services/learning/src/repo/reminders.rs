//! Reminders due and sent (`content.due_reminders`, `content.reminders_sent`).

use sqlx::{FromRow, PgConnection};
use time::Date;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// A reminder due now.
#[derive(Debug, FromRow)]
pub struct Due {
    pub tenant_id: Uuid,
    pub slug: String,
    pub kind: String,
    pub subject_id: Uuid,
    pub cycle: String,
    pub user_id: Uuid,
    pub module_id: Uuid,
    pub title: Option<String>,
    pub due: Date,
}

/// Reminders due across members, soonest first.
pub async fn due(conn: &mut PgConnection, max_rows: i32) -> AppResult<Vec<Due>> {
    Ok(sqlx::query_as("SELECT * FROM content.due_reminders($1)")
        .bind(max_rows)
        .fetch_all(conn)
        .await?)
}

/// Records a reminder as sent; false when it was (this or another process got there first).
pub async fn mark_sent(conn: &mut PgConnection, tenant: TenantId, d: &Due) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO content.reminders_sent (tenant_id, kind, subject_id, cycle) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(&d.kind)
    .bind(d.subject_id)
    .bind(&d.cycle)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The address of a user who can still log in.
pub async fn active_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT email FROM tenant.users WHERE tenant_id = $1 AND id = $2 AND status <> 'disabled'",
    )
    .bind(tenant.0)
    .bind(user)
    .fetch_optional(conn)
    .await?)
}
