//! A member's adoptions of shared modules with their overlays (`content.adoptions`, RLS).

use crate::domain::{module::ModuleDoc, overlay::Overlay};
use sqlx::{types::Json, FromRow, PgConnection};
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// One adoption.
#[derive(Debug, FromRow)]
pub struct AdoptionRow {
    pub module_id: Uuid,
    pub follow: String,
    pub pinned_version: i32,
    pub overlay: Json<Overlay>,
}

/// The member's adoption of `module`, locked for the transaction when `lock` is set.
pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
    lock: bool,
) -> AppResult<Option<AdoptionRow>> {
    let sql = if lock {
        "SELECT module_id, follow, pinned_version, overlay FROM content.adoptions WHERE tenant_id = $1 AND module_id = $2 FOR UPDATE"
    } else {
        "SELECT module_id, follow, pinned_version, overlay FROM content.adoptions WHERE tenant_id = $1 AND module_id = $2"
    };
    Ok(sqlx::query_as(sql)
        .bind(tenant.0)
        .bind(module)
        .fetch_optional(conn)
        .await?)
}

/// Creates or replaces the adoption.
pub async fn upsert(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
    follow: &str,
    pinned_version: i32,
    overlay: &Overlay,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.adoptions (tenant_id, module_id, follow, pinned_version, overlay, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, module_id) DO UPDATE
         SET follow = EXCLUDED.follow, pinned_version = EXCLUDED.pinned_version, overlay = EXCLUDED.overlay",
    )
    .bind(tenant.0)
    .bind(module)
    .bind(follow)
    .bind(pinned_version)
    .bind(Json(overlay))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the adoption to `version` (the admin accepted it).
pub async fn set_pinned(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
    version: i32,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE content.adoptions SET pinned_version = $3 WHERE tenant_id = $1 AND module_id = $2",
    )
    .bind(tenant.0)
    .bind(module)
    .bind(version)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Ends the adoption (the shared module stays in the catalogue, without the accents).
pub async fn delete(conn: &mut PgConnection, tenant: TenantId, module: Uuid) -> AppResult<u64> {
    Ok(
        sqlx::query("DELETE FROM content.adoptions WHERE tenant_id = $1 AND module_id = $2")
            .bind(tenant.0)
            .bind(module)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// An adoption with the shared versions it concerns.
#[derive(Debug, FromRow)]
pub struct AdoptionOverview {
    pub module_id: Uuid,
    pub follow: String,
    pub overlay: Json<Overlay>,
    pub title: String,
    pub latest_version: i32,
    pub shown_version: i32,
    pub shown_doc: Json<ModuleDoc>,
}

/// Every adoption of the member with the latest shared version and the one it shows.
pub async fn overview(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> AppResult<Vec<AdoptionOverview>> {
    Ok(sqlx::query_as(
        "SELECT a.module_id, a.follow, a.overlay, latest.title, latest.version AS latest_version,
                shown.version AS shown_version, shown.doc AS shown_doc
         FROM content.adoptions a
         CROSS JOIN LATERAL (SELECT version, title FROM content.shared_module_versions v
                             WHERE v.module_id = a.module_id ORDER BY version DESC LIMIT 1) latest
         CROSS JOIN LATERAL (SELECT version, doc FROM content.shared_module_versions v
                             WHERE v.module_id = a.module_id
                               AND (a.follow = 'auto' OR v.version <= a.pinned_version)
                             ORDER BY version DESC LIMIT 1) shown
         WHERE a.tenant_id = $1
         ORDER BY lower(latest.title)",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?)
}

/// What the member's catalogue holds, for its admin's dashboard.
#[derive(Debug, FromRow)]
pub struct CatalogShare {
    /// Shared modules in the portfolio (every member sees them).
    pub shared: i64,
    /// Of those, adopted with the member's accents.
    pub adopted: i64,
    /// The member's own published modules.
    pub own: i64,
    /// The member's own modules not yet published.
    pub drafts: i64,
    /// Own blocks added to adopted modules.
    pub accents: i64,
}

/// Counts for the dashboard, in one statement.
pub async fn share(conn: &mut PgConnection, tenant: TenantId) -> AppResult<CatalogShare> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(DISTINCT module_id) FROM content.shared_module_versions) AS shared,
                (SELECT count(*) FROM content.adoptions WHERE tenant_id = $1) AS adopted,
                (SELECT count(*) FROM content.modules WHERE tenant_id = $1 AND latest_version > 0) AS own,
                (SELECT count(*) FROM content.modules WHERE tenant_id = $1 AND latest_version = 0) AS drafts,
                (SELECT coalesce(sum(jsonb_array_length(overlay->'accents')), 0)
                 FROM content.adoptions WHERE tenant_id = $1)::bigint AS accents",
    )
    .bind(tenant.0)
    .fetch_one(conn)
    .await?)
}
