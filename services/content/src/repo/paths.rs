//! Learning paths and their versions, on both sides (`content.shared_paths*`, `content.paths*`).

use super::modules::Owner;
use crate::model::{PathDoc, PathOverlay};
use sqlx::{types::Json, FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

fn tables(owner: Owner) -> (&'static str, &'static str, &'static str) {
    match owner {
        Owner::Shared => (
            "content.shared_paths",
            "content.shared_path_versions",
            "TRUE",
        ),
        Owner::Member(_) => ("content.paths", "content.path_versions", "tenant_id = $1"),
    }
}

fn tenant(owner: Owner) -> Option<Uuid> {
    match owner {
        Owner::Shared => None,
        Owner::Member(t) => Some(t.0),
    }
}

/// A path's draft.
#[derive(Debug, FromRow)]
pub struct PathDraft {
    pub id: Uuid,
    pub draft: Json<PathDoc>,
    pub latest_version: i32,
    pub updated_at: OffsetDateTime,
}

/// Creates a path with its first draft.
pub async fn insert(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
    doc: &PathDoc,
    by: Uuid,
) -> AppResult<()> {
    let sql = match owner {
        Owner::Shared => {
            "INSERT INTO content.shared_paths (id, draft, created_by) VALUES ($2, $3, $4)"
        }
        Owner::Member(_) => {
            "INSERT INTO content.paths (tenant_id, id, draft, created_by) VALUES ($1, $2, $3, $4)"
        }
    };
    sqlx::query(sql)
        .bind(tenant(owner))
        .bind(id)
        .bind(Json(doc))
        .bind(by)
        .execute(conn)
        .await?;
    Ok(())
}

/// A path's draft, locked when `lock` is set.
pub async fn draft(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
    lock: bool,
) -> AppResult<Option<PathDraft>> {
    let (paths, _, scope) = tables(owner);
    let sql = format!(
        "SELECT id, draft, latest_version, updated_at FROM {paths} WHERE {scope} AND id = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(sqlx::query_as(&sql)
        .bind(tenant(owner))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The owner's path drafts.
pub async fn list(conn: &mut PgConnection, owner: Owner) -> AppResult<Vec<PathDraft>> {
    let (paths, _, scope) = tables(owner);
    let sql = format!("SELECT id, draft, latest_version, updated_at FROM {paths} WHERE {scope} ORDER BY updated_at DESC LIMIT 500");
    Ok(sqlx::query_as(&sql)
        .bind(tenant(owner))
        .fetch_all(conn)
        .await?)
}

/// Replaces the draft.
pub async fn save(conn: &mut PgConnection, owner: Owner, id: Uuid, doc: &PathDoc) -> AppResult<()> {
    let (paths, _, scope) = tables(owner);
    sqlx::query(&format!(
        "UPDATE {paths} SET draft = $3 WHERE {scope} AND id = $2"
    ))
    .bind(tenant(owner))
    .bind(id)
    .bind(Json(doc))
    .execute(conn)
    .await?;
    Ok(())
}

/// Freezes `doc` as `version` (the caller holds the draft's lock).
#[allow(clippy::too_many_arguments)]
pub async fn insert_version(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
    version: i32,
    doc: &PathDoc,
    note: &str,
    by: Uuid,
) -> AppResult<()> {
    let (paths, versions, scope) = tables(owner);
    let (tc, tv) = match owner {
        Owner::Shared => ("", ""),
        Owner::Member(_) => ("tenant_id, ", "$1, "),
    };
    sqlx::query(&format!(
        "INSERT INTO {versions} ({tc}path_id, version, title, doc, change_note, published_by) VALUES ({tv}$2, $3, $4, $5, $6, $7)"
    ))
    .bind(tenant(owner))
    .bind(id)
    .bind(version)
    .bind(&doc.title)
    .bind(Json(doc))
    .bind(note)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "UPDATE {paths} SET latest_version = $3 WHERE {scope} AND id = $2"
    ))
    .bind(tenant(owner))
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// A published path as the catalogue lists it: `nzk`, `adopted` (with the member's accents and,
/// in review mode, the version its admin accepted) or `own`.
#[derive(Debug, FromRow)]
pub struct PublishedPath {
    pub source: String,
    pub path_id: Uuid,
    pub version: i32,
    pub doc: Json<PathDoc>,
    pub overlay: Option<Json<PathOverlay>>,
}

/// The version of every shared path the member shows and the latest of its own paths.
pub async fn published_list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> AppResult<Vec<PublishedPath>> {
    Ok(sqlx::query_as(
        "(SELECT DISTINCT ON (v.path_id) CASE WHEN a.path_id IS NULL THEN 'nzk' ELSE 'adopted' END AS source,
                 v.path_id, v.version, v.doc, a.overlay
          FROM content.shared_path_versions v
          LEFT JOIN content.path_adoptions a ON a.tenant_id = $1 AND a.path_id = v.path_id
          WHERE a.path_id IS NULL OR a.follow = 'auto' OR v.version <= a.pinned_version
          ORDER BY v.path_id, v.version DESC)
         UNION ALL
         (SELECT DISTINCT ON (path_id) 'own'::text, path_id, version, doc, NULL::jsonb
          FROM content.path_versions WHERE tenant_id = $1 ORDER BY path_id, version DESC)",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?)
}

/// The version of one path the member shows, with its accents if adopted.
pub async fn published(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<PublishedPath>> {
    Ok(sqlx::query_as(
        "(SELECT CASE WHEN a.path_id IS NULL THEN 'nzk' ELSE 'adopted' END AS source,
                 v.path_id, v.version, v.doc, a.overlay
          FROM content.shared_path_versions v
          LEFT JOIN content.path_adoptions a ON a.tenant_id = $1 AND a.path_id = v.path_id
          WHERE v.path_id = $2 AND (a.path_id IS NULL OR a.follow = 'auto' OR v.version <= a.pinned_version)
          ORDER BY v.version DESC LIMIT 1)
         UNION ALL
         (SELECT 'own'::text, path_id, version, doc, NULL::jsonb FROM content.path_versions
          WHERE tenant_id = $1 AND path_id = $2 ORDER BY version DESC LIMIT 1)
         LIMIT 1",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// The latest version of a shared path.
pub async fn latest_shared(
    conn: &mut PgConnection,
    id: Uuid,
) -> AppResult<Option<(i32, Json<PathDoc>)>> {
    Ok(sqlx::query_as(
        "SELECT version, doc FROM content.shared_path_versions WHERE path_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// One published version of a shared path.
pub async fn shared_version(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
) -> AppResult<Option<Json<PathDoc>>> {
    Ok(sqlx::query_scalar(
        "SELECT doc FROM content.shared_path_versions WHERE path_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .fetch_optional(conn)
    .await?)
}

/// Title and minutes of the latest version of each module in `ids` that `owner` may put in a
/// path: shared modules always, the member's own modules for a member's path.
pub async fn modules(
    conn: &mut PgConnection,
    owner: Owner,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, String, i32, String)>> {
    let sql = match owner {
        Owner::Shared => "SELECT DISTINCT ON (module_id) module_id, title, minutes, 'nzk'::text FROM content.shared_module_versions
                          WHERE module_id = ANY($2) ORDER BY module_id, version DESC",
        Owner::Member(_) => "(SELECT DISTINCT ON (module_id) module_id, title, minutes, 'nzk'::text FROM content.shared_module_versions
                              WHERE module_id = ANY($2) ORDER BY module_id, version DESC)
                             UNION ALL
                             (SELECT DISTINCT ON (module_id) module_id, title, minutes, 'own'::text FROM content.module_versions
                              WHERE tenant_id = $1 AND module_id = ANY($2) ORDER BY module_id, version DESC)",
    };
    Ok(sqlx::query_as(sql)
        .bind(tenant(owner))
        .bind(ids)
        .fetch_all(conn)
        .await?)
}
