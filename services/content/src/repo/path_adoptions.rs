//! A member's adoptions of shared learning paths with their accents (`content.path_adoptions`,
//! RLS).

use crate::model::{PathDoc, PathOverlay};
use sqlx::{types::Json, FromRow, PgConnection};
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// One adoption.
#[derive(Debug, FromRow)]
pub struct PathAdoptionRow {
    pub path_id: Uuid,
    pub follow: String,
    pub pinned_version: i32,
    pub overlay: Json<PathOverlay>,
}

/// The member's adoption of `path`, locked for the transaction when `lock` is set.
pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    path: Uuid,
    lock: bool,
) -> AppResult<Option<PathAdoptionRow>> {
    let sql = if lock {
        "SELECT path_id, follow, pinned_version, overlay FROM content.path_adoptions WHERE tenant_id = $1 AND path_id = $2 FOR UPDATE"
    } else {
        "SELECT path_id, follow, pinned_version, overlay FROM content.path_adoptions WHERE tenant_id = $1 AND path_id = $2"
    };
    Ok(sqlx::query_as(sql)
        .bind(tenant.0)
        .bind(path)
        .fetch_optional(conn)
        .await?)
}

/// Creates or replaces the adoption.
pub async fn upsert(
    conn: &mut PgConnection,
    tenant: TenantId,
    path: Uuid,
    follow: &str,
    pinned_version: i32,
    overlay: &PathOverlay,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.path_adoptions (tenant_id, path_id, follow, pinned_version, overlay, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, path_id) DO UPDATE
         SET follow = EXCLUDED.follow, pinned_version = EXCLUDED.pinned_version, overlay = EXCLUDED.overlay",
    )
    .bind(tenant.0)
    .bind(path)
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
    path: Uuid,
    version: i32,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE content.path_adoptions SET pinned_version = $3 WHERE tenant_id = $1 AND path_id = $2",
    )
    .bind(tenant.0)
    .bind(path)
    .bind(version)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Ends the adoption.
pub async fn delete(conn: &mut PgConnection, tenant: TenantId, path: Uuid) -> AppResult<u64> {
    Ok(
        sqlx::query("DELETE FROM content.path_adoptions WHERE tenant_id = $1 AND path_id = $2")
            .bind(tenant.0)
            .bind(path)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// An adoption with the shared versions it concerns.
#[derive(Debug, FromRow)]
pub struct PathAdoptionOverview {
    pub path_id: Uuid,
    pub follow: String,
    pub overlay: Json<PathOverlay>,
    pub title: String,
    pub latest_version: i32,
    pub shown_version: i32,
    pub shown_doc: Json<PathDoc>,
}

/// Every adopted path of the member with the latest shared version and the one it shows.
pub async fn overview(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> AppResult<Vec<PathAdoptionOverview>> {
    Ok(sqlx::query_as(
        "SELECT a.path_id, a.follow, a.overlay, latest.title, latest.version AS latest_version,
                shown.version AS shown_version, shown.doc AS shown_doc
         FROM content.path_adoptions a
         CROSS JOIN LATERAL (SELECT version, title FROM content.shared_path_versions v
                             WHERE v.path_id = a.path_id ORDER BY version DESC LIMIT 1) latest
         CROSS JOIN LATERAL (SELECT version, doc FROM content.shared_path_versions v
                             WHERE v.path_id = a.path_id
                               AND (a.follow = 'auto' OR v.version <= a.pinned_version)
                             ORDER BY version DESC LIMIT 1) shown
         WHERE a.tenant_id = $1
         ORDER BY lower(latest.title)",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?)
}
