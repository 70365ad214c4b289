//! Staff imports and their rows (`tenant.staff_imports`, `tenant.staff_import_rows`; RLS).

use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// An import with its counts.
#[derive(Clone, Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct ImportRow {
    pub id: Uuid,
    pub file_name: String,
    /// How the file was read: `utf-8`, `utf-16` or `windows-1252`.
    pub encoding: String,
    /// `preview` (checked, nothing written), `queued` (running) or `done`.
    pub status: String,
    /// Staff rows in the file.
    pub total: i32,
    /// Rows the import has handled so far.
    pub processed: i64,
    /// Rows the preview found a problem in (they are skipped).
    pub problems: i64,
    /// Rows the preview warns about (they are imported all the same).
    pub warnings: i64,
    /// Rows for a new account, and for an existing one (preview).
    pub new_accounts: i64,
    pub existing_accounts: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
}

const IMPORT: &str = "
    SELECT i.id, i.file_name, i.encoding, i.status, i.total, i.created_at, i.finished_at,
           count(r.outcome) AS processed,
           count(*) FILTER (WHERE r.plan = 'error') AS problems,
           count(r.warning_code) AS warnings,
           count(*) FILTER (WHERE r.plan = 'new') AS new_accounts,
           count(*) FILTER (WHERE r.plan = 'existing') AS existing_accounts,
           count(*) FILTER (WHERE r.outcome = 'created') AS created,
           count(*) FILTER (WHERE r.outcome = 'updated') AS updated,
           count(*) FILTER (WHERE r.outcome = 'unchanged') AS unchanged,
           count(*) FILTER (WHERE r.outcome IN ('failed', 'skipped')) AS failed
    FROM tenant.staff_imports i
    LEFT JOIN tenant.staff_import_rows r ON r.tenant_id = i.tenant_id AND r.import_id = i.id";

/// One import (`None` for another member's).
pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<ImportRow>> {
    Ok(sqlx::query_as(&format!(
        "{IMPORT} WHERE i.tenant_id = $1 AND i.id = $2 GROUP BY i.tenant_id, i.id"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// The member's latest imports.
pub async fn recent(conn: &mut PgConnection, tenant: TenantId) -> AppResult<Vec<ImportRow>> {
    Ok(sqlx::query_as(&format!(
        "{IMPORT} WHERE i.tenant_id = $1 GROUP BY i.tenant_id, i.id ORDER BY i.created_at DESC LIMIT 20"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// A staff row with what the preview found and what the import did.
#[derive(Clone, Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct ImportLine {
    /// Line in the file (the header is line 1).
    pub line: i32,
    pub name: String,
    pub email: String,
    pub department: String,
    pub groups: Vec<String>,
    pub modules: Vec<String>,
    /// `new` account, `existing` account, or `error`.
    pub plan: String,
    /// `created`, `updated`, `unchanged`, `failed`, `skipped`; `null` before the import ran.
    pub outcome: Option<String>,
    /// The reason of an error or failure: a stable code and a Dutch message.
    pub code: Option<String>,
    pub message: Option<String>,
    /// What the preview warns about in a row that is imported all the same (`name_mangled`),
    /// with a Dutch message.
    pub warning_code: Option<String>,
    pub warning_message: Option<String>,
}

const LINE: &str =
    "SELECT line, name, email, department, groups, modules, plan, outcome, code, message, warning_code, warning_message
     FROM tenant.staff_import_rows";

/// Rows of an import in file order; with `problems` only those with an error, a failure or a
/// warning.
pub async fn lines(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    problems: bool,
    limit: i64,
) -> AppResult<Vec<ImportLine>> {
    Ok(sqlx::query_as(&format!(
        "{LINE} WHERE tenant_id = $1 AND import_id = $2
           AND (NOT $3 OR plan = 'error' OR outcome IN ('failed', 'skipped') OR warning_code IS NOT NULL)
         ORDER BY line LIMIT $4"
    ))
    .bind(tenant)
    .bind(id)
    .bind(problems)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Inserts an import in `preview`.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    by: Uuid,
    file_name: &str,
    encoding: &str,
    total: i32,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO tenant.staff_imports (tenant_id, id, created_by, file_name, encoding, total)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(id)
    .bind(by)
    .bind(file_name)
    .bind(encoding)
    .bind(total)
    .execute(conn)
    .await?;
    Ok(())
}

/// A checked row for the preview.
pub struct NewLine<'a> {
    pub line: i32,
    pub name: &'a str,
    pub email: &'a str,
    pub department: &'a str,
    pub groups: &'a [String],
    pub modules: &'a [String],
    pub plan: &'static str,
    pub code: Option<&'static str>,
    pub message: Option<String>,
    pub warning_code: Option<&'static str>,
    pub warning_message: Option<String>,
}

/// Inserts the preview's rows, 1,000 per statement.
pub async fn insert_lines(
    conn: &mut PgConnection,
    tenant: TenantId,
    import: Uuid,
    lines: &[NewLine<'_>],
) -> AppResult<()> {
    for chunk in lines.chunks(1000) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO tenant.staff_import_rows (tenant_id, import_id, line, name, email, department, groups, modules, plan, code, message, warning_code, warning_message) ",
        );
        q.push_values(chunk, |mut b, l| {
            b.push_bind(tenant)
                .push_bind(import)
                .push_bind(l.line)
                .push_bind(l.name)
                .push_bind(l.email)
                .push_bind(l.department)
                .push_bind(l.groups)
                .push_bind(l.modules)
                .push_bind(l.plan)
                .push_bind(l.code)
                .push_bind(l.message.as_deref())
                .push_bind(l.warning_code)
                .push_bind(l.warning_message.as_deref());
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues an import that is still a preview; false when it is not (started already).
pub async fn queue(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE tenant.staff_imports SET status = 'queued', started_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'preview'",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Removes a preview (a started import stays); true when removed.
pub async fn delete_preview(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "DELETE FROM tenant.staff_imports WHERE tenant_id = $1 AND id = $2 AND status = 'preview'",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Removes previews nobody started within a day (any member; run by the job per member).
pub async fn delete_stale_previews(conn: &mut PgConnection, tenant: TenantId) -> AppResult<()> {
    sqlx::query(
        "DELETE FROM tenant.staff_imports
         WHERE tenant_id = $1 AND status = 'preview' AND created_at < now() - interval '1 day'",
    )
    .bind(tenant)
    .execute(conn)
    .await?;
    Ok(())
}

/// The queued imports of every member (for the job).
pub async fn queued(conn: &mut PgConnection) -> AppResult<Vec<(Uuid, Uuid)>> {
    Ok(
        sqlx::query_as("SELECT tenant_id, id FROM tenant.queued_imports()")
            .fetch_all(conn)
            .await?,
    )
}

/// Imports started and not done across members, and how long the oldest has waited in seconds
/// (for `/metrics`).
pub async fn queue_depth(pool: &sqlx::PgPool) -> AppResult<(i64, f64)> {
    Ok(
        sqlx::query_as("SELECT depth, oldest_seconds FROM tenant.import_queue()")
            .fetch_one(pool)
            .await?,
    )
}

/// Locks a queued import for this transaction; false when it is done or another process holds
/// it.
pub async fn lock_queued(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<bool> {
    Ok(sqlx::query_scalar::<_, i32>(
        "SELECT 1 FROM tenant.staff_imports WHERE tenant_id = $1 AND id = $2 AND status = 'queued'
         FOR UPDATE SKIP LOCKED",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// The next rows waiting, in file order.
pub async fn waiting(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    limit: i64,
) -> AppResult<Vec<ImportLine>> {
    Ok(sqlx::query_as(&format!(
        "{LINE} WHERE tenant_id = $1 AND import_id = $2 AND outcome IS NULL ORDER BY line LIMIT $3"
    ))
    .bind(tenant)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records what happened to a row.
pub async fn set_outcome(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    line: i32,
    outcome: &str,
    code: Option<&str>,
    message: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE tenant.staff_import_rows SET outcome = $4, code = coalesce($5, code), message = coalesce($6, message)
         WHERE tenant_id = $1 AND import_id = $2 AND line = $3",
    )
    .bind(tenant)
    .bind(id)
    .bind(line)
    .bind(outcome)
    .bind(code)
    .bind(message)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the import done.
pub async fn finish(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<()> {
    sqlx::query(
        "UPDATE tenant.staff_imports SET status = 'done', finished_at = now() WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Who started the import (enrolments are made in their name).
pub async fn created_by(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<Uuid> {
    Ok(sqlx::query_scalar(
        "SELECT created_by FROM tenant.staff_imports WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Opens the savepoint of one staff row.
pub async fn savepoint(conn: &mut PgConnection) -> AppResult<()> {
    sqlx::query("SAVEPOINT staff_row").execute(conn).await?;
    Ok(())
}

/// Keeps what the row wrote.
pub async fn release(conn: &mut PgConnection) -> AppResult<()> {
    sqlx::query("RELEASE SAVEPOINT staff_row")
        .execute(conn)
        .await?;
    Ok(())
}

/// Undoes everything the row wrote.
pub async fn rollback_to(conn: &mut PgConnection) -> AppResult<()> {
    sqlx::query("ROLLBACK TO SAVEPOINT staff_row")
        .execute(conn)
        .await?;
    Ok(())
}
