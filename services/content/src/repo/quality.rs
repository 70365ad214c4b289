//! Ratings, block reports, proposals and votes (`content.ratings`, `content.block_reports`,
//! `content.proposals`, `content.votes`): readable by every member, each row written by its own
//! member, moderation by operators (RLS and a trigger keep those apart).

use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// Saves the member's rating of a module (one per member: the key).
pub async fn upsert_rating(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
    stars: i16,
    comment: &str,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.ratings (module_id, tenant_id, stars, comment, rated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (module_id, tenant_id) DO UPDATE
         SET stars = EXCLUDED.stars, comment = EXCLUDED.comment, rated_by = EXCLUDED.rated_by, rated_at = now()",
    )
    .bind(module)
    .bind(tenant.0)
    .bind(stars)
    .bind(comment)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A member's rating as every member sees it.
#[derive(Debug, FromRow)]
pub struct RatingRow {
    pub tenant_id: Uuid,
    pub member: String,
    pub stars: i16,
    pub comment: String,
    pub rated_at: OffsetDateTime,
}

/// Every member's rating of a module, newest first.
pub async fn ratings(conn: &mut PgConnection, module: Uuid) -> AppResult<Vec<RatingRow>> {
    Ok(sqlx::query_as(
        "SELECT r.tenant_id, t.name AS member, r.stars, r.comment, r.rated_at
         FROM content.ratings r JOIN tenant.tenants t ON t.id = r.tenant_id
         WHERE r.module_id = $1 ORDER BY r.rated_at DESC",
    )
    .bind(module)
    .fetch_all(conn)
    .await?)
}

/// Files an error report on a block.
#[allow(clippy::too_many_arguments)]
pub async fn insert_report(
    conn: &mut PgConnection,
    id: Uuid,
    tenant: TenantId,
    module: Uuid,
    version: i32,
    block: Uuid,
    message: &str,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.block_reports (id, tenant_id, module_id, version, block_id, message, reported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(tenant.0)
    .bind(module)
    .bind(version)
    .bind(block)
    .bind(message)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A report as members and operators see it.
#[derive(Debug, FromRow)]
pub struct ReportRow {
    pub id: Uuid,
    pub member: String,
    pub module_id: Uuid,
    pub module_title: String,
    pub version: i32,
    pub block_id: Uuid,
    pub message: String,
    pub reported_at: OffsetDateTime,
    pub status: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<OffsetDateTime>,
}

/// Reports, open first then newest; `status` filters.
pub async fn reports(
    conn: &mut PgConnection,
    status: Option<&str>,
    module: Option<Uuid>,
) -> AppResult<Vec<ReportRow>> {
    Ok(sqlx::query_as(
        "SELECT r.id, t.name AS member, r.module_id, v.title AS module_title, r.version, r.block_id,
                r.message, r.reported_at, r.status, r.resolution, r.resolved_at
         FROM content.block_reports r
         JOIN tenant.tenants t ON t.id = r.tenant_id
         JOIN content.shared_module_versions v ON v.module_id = r.module_id AND v.version = r.version
         WHERE ($1::text IS NULL OR r.status = $1) AND ($2::uuid IS NULL OR r.module_id = $2)
         ORDER BY r.status = 'open' DESC, r.reported_at DESC
         LIMIT 500",
    )
    .bind(status)
    .bind(module)
    .fetch_all(conn)
    .await?)
}

/// Marks an open report resolved (operators; RLS refuses anyone else).
pub async fn resolve_report(
    conn: &mut PgConnection,
    id: Uuid,
    resolution: &str,
    by: Uuid,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE content.block_reports SET status = 'resolved', resolution = $2, resolved_by = $3, resolved_at = now()
         WHERE id = $1 AND status = 'open'",
    )
    .bind(id)
    .bind(resolution)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Files a proposal.
pub async fn insert_proposal(
    conn: &mut PgConnection,
    id: Uuid,
    tenant: TenantId,
    title: &str,
    description: &str,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.proposals (id, tenant_id, title, description, created_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(tenant.0)
    .bind(title)
    .bind(description)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A proposal with its votes (the voting members' names, in voting order).
#[derive(Debug, FromRow)]
pub struct ProposalRow {
    pub id: Uuid,
    pub member: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub votes: i64,
    pub voters: Vec<String>,
    pub voted: bool,
}

/// Every proposal, most votes first; `voted` says whether `tenant` voted for it.
pub async fn proposals(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Option<Uuid>,
) -> AppResult<Vec<ProposalRow>> {
    Ok(sqlx::query_as(
        "SELECT p.id, t.name AS member, p.title, p.description, p.status, p.status_reason, p.created_at,
                count(v.tenant_id) AS votes,
                coalesce(array_agg(vt.name ORDER BY v.voted_at) FILTER (WHERE v.tenant_id IS NOT NULL), '{}') AS voters,
                coalesce(bool_or(v.tenant_id = $1), false) AS voted
         FROM content.proposals p
         JOIN tenant.tenants t ON t.id = p.tenant_id
         LEFT JOIN content.votes v ON v.proposal_id = p.id
         LEFT JOIN tenant.tenants vt ON vt.id = v.tenant_id
         WHERE $2::uuid IS NULL OR p.id = $2
         GROUP BY p.id, t.name
         ORDER BY p.status IN ('done', 'declined'), count(v.tenant_id) DESC, p.created_at DESC
         LIMIT 500",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Records the member's vote; false when it had voted already (one vote: the key).
pub async fn vote(
    conn: &mut PgConnection,
    proposal: Uuid,
    tenant: TenantId,
    by: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO content.votes (proposal_id, tenant_id, voted_by) VALUES ($1, $2, $3)
         ON CONFLICT (proposal_id, tenant_id) DO NOTHING",
    )
    .bind(proposal)
    .bind(tenant.0)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Withdraws the member's vote.
pub async fn unvote(conn: &mut PgConnection, proposal: Uuid, tenant: TenantId) -> AppResult<u64> {
    Ok(
        sqlx::query("DELETE FROM content.votes WHERE proposal_id = $1 AND tenant_id = $2")
            .bind(proposal)
            .bind(tenant.0)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Sets a proposal's status (operators; RLS refuses anyone else).
pub async fn set_proposal_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
    reason: &str,
    by: Uuid,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE content.proposals SET status = $2, status_reason = $3, status_set_by = $4, status_set_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(reason)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected())
}
