//! Contribution candidates, their comments and events (`content.candidates*`). Members create
//! and review candidates only through the SECURITY DEFINER functions `content.submit_candidate`
//! and `content.review_candidate`; operators publish them (their own UPDATE policy).

use crate::domain::module::ModuleDoc;
use sqlx::{types::Json, FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// Submits the latest version of the transaction tenant's own module; `None` when it has none.
pub async fn submit(
    conn: &mut PgConnection,
    module: Uuid,
    licence: &str,
    note: &str,
    by: Uuid,
) -> AppResult<Option<Uuid>> {
    Ok(
        sqlx::query_scalar("SELECT content.submit_candidate($1, $2, $3, $4)")
            .bind(module)
            .bind(licence)
            .bind(note)
            .bind(by)
            .fetch_one(conn)
            .await?,
    )
}

/// Records a reviewer's decision; returns the candidate's member, `None` when nothing waits.
pub async fn review(
    conn: &mut PgConnection,
    id: Uuid,
    decision: &str,
    note: &str,
    by: Uuid,
) -> AppResult<Option<Uuid>> {
    Ok(
        sqlx::query_scalar("SELECT content.review_candidate($1, $2, $3, $4)")
            .bind(id)
            .bind(decision)
            .bind(note)
            .bind(by)
            .fetch_one(conn)
            .await?,
    )
}

/// A candidate as reviewers see it.
#[derive(Debug, FromRow)]
pub struct CandidateRow {
    pub id: Uuid,
    pub source_tenant: Uuid,
    pub member: String,
    pub source_module: Uuid,
    pub source_version: i32,
    pub doc: Json<ModuleDoc>,
    pub licence: String,
    pub note: String,
    pub status: String,
    pub submitted_by: Uuid,
    pub submitted_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub shared_module_id: Option<Uuid>,
}

const CANDIDATE: &str = "SELECT c.id, c.source_tenant, t.name AS member, c.source_module, c.source_version, c.doc,
        c.licence, c.note, c.status, c.submitted_by, c.submitted_at, c.updated_at, c.shared_module_id
     FROM content.candidates c JOIN tenant.tenants t ON t.id = c.source_tenant";

/// One candidate, locked for the transaction when `lock` is set.
pub async fn get(conn: &mut PgConnection, id: Uuid, lock: bool) -> AppResult<Option<CandidateRow>> {
    let sql = format!(
        "{CANDIDATE} WHERE c.id = $1{}",
        if lock { " FOR UPDATE OF c" } else { "" }
    );
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// Candidates, waiting ones first, newest first.
pub async fn list(conn: &mut PgConnection, status: Option<&str>) -> AppResult<Vec<CandidateRow>> {
    let sql = format!(
        "{CANDIDATE} WHERE $1::text IS NULL OR c.status = $1
         ORDER BY c.status = 'submitted' DESC, c.updated_at DESC LIMIT 500"
    );
    Ok(sqlx::query_as(&sql).bind(status).fetch_all(conn).await?)
}

/// How many contributions of other members than `tenant` wait for a review.
pub async fn waiting(conn: &mut PgConnection, tenant: TenantId) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM content.candidates WHERE status = 'submitted' AND source_tenant <> $1",
    )
    .bind(tenant.0)
    .fetch_one(conn)
    .await?)
}

/// A step in a candidate's history.
#[derive(Debug, FromRow)]
pub struct EventRow {
    pub member: String,
    pub actor: Uuid,
    pub action: String,
    pub note: String,
    pub at: OffsetDateTime,
}

/// A candidate's history, oldest first.
pub async fn events(conn: &mut PgConnection, id: Uuid) -> AppResult<Vec<EventRow>> {
    Ok(sqlx::query_as(
        "SELECT t.name AS member, e.actor, e.action, e.note, e.at
         FROM content.candidate_events e JOIN tenant.tenants t ON t.id = e.tenant_id
         WHERE e.candidate_id = $1 ORDER BY e.at, e.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Records a step (the acting tenant's own row).
pub async fn add_event(
    conn: &mut PgConnection,
    id: Uuid,
    tenant: TenantId,
    actor: Uuid,
    action: &str,
    note: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.candidate_events (id, candidate_id, tenant_id, actor, action, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::new_v4())
    .bind(id)
    .bind(tenant.0)
    .bind(actor)
    .bind(action)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

/// A reviewer's comment, optionally on one block.
#[derive(Debug, FromRow)]
pub struct CommentRow {
    pub member: String,
    pub block_id: Option<Uuid>,
    pub body: String,
    pub author: Uuid,
    pub created_at: OffsetDateTime,
}

/// The comments on a candidate, oldest first.
pub async fn comments(conn: &mut PgConnection, id: Uuid) -> AppResult<Vec<CommentRow>> {
    Ok(sqlx::query_as(
        "SELECT t.name AS member, m.block_id, m.body, m.author, m.created_at
         FROM content.candidate_comments m JOIN tenant.tenants t ON t.id = m.tenant_id
         WHERE m.candidate_id = $1 ORDER BY m.created_at, m.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Adds a comment (the commenting tenant's own row).
pub async fn add_comment(
    conn: &mut PgConnection,
    id: Uuid,
    tenant: TenantId,
    block: Option<Uuid>,
    body: &str,
    author: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.candidate_comments (id, candidate_id, tenant_id, block_id, body, author) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::new_v4())
    .bind(id)
    .bind(tenant.0)
    .bind(block)
    .bind(body)
    .bind(author)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks an approved candidate published as `shared_module` (operators).
pub async fn mark_published(
    conn: &mut PgConnection,
    id: Uuid,
    shared_module: Uuid,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE content.candidates SET status = 'published', shared_module_id = $2 WHERE id = $1 AND status = 'approved'",
    )
    .bind(id)
    .bind(shared_module)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The e-mail address of a member's user, read in a transaction of that member (to tell the
/// author of a candidate what happened to it). The one read of the tenant service's table here.
pub async fn user_email(
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
