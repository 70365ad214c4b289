//! Media rows (`content.media`): which objects exist, whose they are, and whether their upload
//! was confirmed. A member sees its own and the portfolio's (RLS); the sweeper finds work across
//! members through two SECURITY DEFINER functions that return ids and keys, and does it inside
//! each member's own transaction.

use sqlx::{FromRow, PgConnection};
use std::collections::HashMap;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// One media object.
#[derive(Clone, Debug, FromRow)]
pub struct MediaRow {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub object_key: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub status: String,
    pub upload_id: Option<String>,
    /// Where the browser uploads the bytes; moved to `object_key` on confirm. `None` for files
    /// stored directly and for uploads announced before staging keys.
    pub staging_key: Option<String>,
    /// For a package: what its manifest says (`domain::package::Manifest` as JSON).
    pub package: Option<serde_json::Value>,
}

const COLUMNS: &str =
    "tenant_id, id, kind, object_key, filename, content_type, size, status, upload_id, staging_key, package";

/// Records an upload that is about to start.
pub async fn insert(conn: &mut PgConnection, row: &MediaRow, by: Uuid) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.media (tenant_id, id, kind, object_key, filename, content_type, size, upload_id, created_by, staging_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.tenant_id)
    .bind(row.id)
    .bind(&row.kind)
    .bind(&row.object_key)
    .bind(&row.filename)
    .bind(&row.content_type)
    .bind(row.size)
    .bind(&row.upload_id)
    .bind(by)
    .bind(&row.staging_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a file already in place (a copy) as confirmed.
pub async fn insert_ready(conn: &mut PgConnection, row: &MediaRow, by: Uuid) -> AppResult<()> {
    insert(&mut *conn, row, by).await?;
    sqlx::query("UPDATE content.media SET status = 'ready', confirmed_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(row.tenant_id)
        .bind(row.id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The tenant's own media row, locked for the transaction.
pub async fn own_for_update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<MediaRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM content.media WHERE tenant_id = $1 AND id = $2 FOR UPDATE");
    Ok(sqlx::query_as(&sql)
        .bind(tenant.0)
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// A media row the tenant may read: its own or the portfolio's.
pub async fn visible(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM content.media WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

/// The confirmed media rows among `ids` the tenant may read (its own and the portfolio's).
pub async fn ready_of(conn: &mut PgConnection, ids: &[Uuid]) -> AppResult<Vec<MediaRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM content.media WHERE id = ANY($1) AND status = 'ready'");
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(conn).await?)
}

/// Kind and status of the given media ids, as far as the tenant may see them.
pub async fn kinds(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, (String, String, Uuid)>> {
    let rows: Vec<(Uuid, String, String, Uuid)> =
        sqlx::query_as("SELECT id, kind, status, tenant_id FROM content.media WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, status, tenant)| (id, (kind, status, tenant)))
        .collect())
}

/// The object key and manifest of a confirmed package the tenant may read: its own or the
/// portfolio's (row-level security decides).
pub async fn package(
    conn: &mut PgConnection,
    id: Uuid,
) -> AppResult<Option<(String, Option<serde_json::Value>)>> {
    Ok(sqlx::query_as(
        "SELECT object_key, package FROM content.media
         WHERE id = $1 AND kind = 'package' AND status = 'ready'",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// The manifests of the ready packages among `ids` the tenant may read (own or portfolio).
pub async fn packages(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> AppResult<Vec<(Uuid, serde_json::Value)>> {
    Ok(sqlx::query_as(
        "SELECT id, package FROM content.media
         WHERE id = ANY($1) AND kind = 'package' AND status = 'ready' AND package IS NOT NULL",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

/// Keeps what a package's manifest says with its media object.
pub async fn set_package(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    manifest: &serde_json::Value,
) -> AppResult<()> {
    sqlx::query("UPDATE content.media SET package = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id)
        .bind(manifest)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a pending upload confirmed; false when it was not pending any more.
pub async fn mark_ready(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE content.media SET status = 'ready', upload_id = NULL, confirmed_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status = 'pending'",
    )
    .bind(tenant.0)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Bytes the tenant's files take, confirmed and announced (an announced upload holds its
/// place until it is confirmed, refused or swept).
pub async fn bytes_used(conn: &mut PgConnection, tenant: TenantId) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT coalesce(sum(size), 0)::bigint FROM content.media WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .fetch_one(conn)
    .await?)
}

/// Bytes of the tenant's confirmed files.
pub async fn bytes_confirmed(conn: &mut PgConnection, tenant: TenantId) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT coalesce(sum(size), 0)::bigint FROM content.media WHERE tenant_id = $1 AND status = 'ready'",
    )
    .bind(tenant.0)
    .fetch_one(conn)
    .await?)
}

/// The storage quota of the transaction's tenant in bytes (`None`: no limit, the portfolio).
pub async fn quota(conn: &mut PgConnection) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT tenant.media_quota()")
        .fetch_one(conn)
        .await?)
}

/// Serialises the tenant's announcements and confirmations until the transaction ends, so two
/// uploads at once cannot both take the last free space.
pub async fn lock_storage(conn: &mut PgConnection, tenant: TenantId) -> AppResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('content.media:' || $1::text, 0))")
        .bind(tenant.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets the staging key of a confirmed upload once whatever was there is removed.
pub async fn clear_staging(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<()> {
    sqlx::query("UPDATE content.media SET staging_key = NULL WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the tenant's media row if its upload is still pending (the sweeper).
pub async fn delete_pending(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<u64> {
    Ok(sqlx::query(
        "DELETE FROM content.media WHERE tenant_id = $1 AND id = $2 AND status = 'pending'",
    )
    .bind(tenant.0)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Removes the tenant's media row.
pub async fn delete(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<u64> {
    Ok(
        sqlx::query("DELETE FROM content.media WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// An upload left unconfirmed.
#[derive(Debug, FromRow)]
pub struct Abandoned {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub object_key: String,
    pub staging_key: Option<String>,
    pub upload_id: Option<String>,
}

/// Uploads still pending after `older_than_secs`, every member's (SECURITY DEFINER: ids and
/// keys only; the sweeper then acts inside each member's transaction).
pub async fn abandoned(
    conn: &mut PgConnection,
    older_than_secs: i64,
    max: i32,
) -> AppResult<Vec<Abandoned>> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, id, object_key, staging_key, upload_id FROM content.abandoned_media(make_interval(secs => $1), $2)",
    )
    .bind(older_than_secs as f64)
    .bind(max)
    .fetch_all(conn)
    .await?)
}

/// A confirmed upload whose staging key a stale upload URL may have written to.
#[derive(Debug, FromRow)]
pub struct StaleStaging {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub staging_key: String,
}

/// Confirmed uploads announced more than `older_than_secs` ago that still name a staging key,
/// every member's (SECURITY DEFINER, like [`abandoned`]).
pub async fn stale_staging(
    conn: &mut PgConnection,
    older_than_secs: i64,
    max: i32,
) -> AppResult<Vec<StaleStaging>> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, id, staging_key FROM content.stale_staging(make_interval(secs => $1), $2)",
    )
    .bind(older_than_secs as f64)
    .bind(max)
    .fetch_all(conn)
    .await?)
}

/// The candidate member's confirmed files among `ids` (operators publishing a contribution).
pub async fn of_candidate(
    conn: &mut PgConnection,
    candidate: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<MediaRow>> {
    Ok(sqlx::query_as(
        "SELECT tenant.platform_tenant() AS tenant_id, id, kind, object_key, filename, content_type, size,
                'ready'::text AS status, NULL::text AS upload_id, NULL::text AS staging_key,
                NULL::jsonb AS package
         FROM content.candidate_media($1, $2)",
    )
    .bind(candidate)
    .bind(ids)
    .fetch_all(conn)
    .await?)
}
