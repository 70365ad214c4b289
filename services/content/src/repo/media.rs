//! Media rows (`content.media`): which objects exist, whose they are, and whether their upload
//! was confirmed. A member sees its own and the portfolio's (RLS); the sweeper goes through two
//! SECURITY DEFINER functions.

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
}

const COLUMNS: &str =
    "tenant_id, id, kind, object_key, filename, content_type, size, status, upload_id";

/// Records an upload that is about to start.
pub async fn insert(conn: &mut PgConnection, row: &MediaRow, by: Uuid) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.media (tenant_id, id, kind, object_key, filename, content_type, size, upload_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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

/// Marks an upload confirmed.
pub async fn mark_ready(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<()> {
    sqlx::query(
        "UPDATE content.media SET status = 'ready', upload_id = NULL, confirmed_at = now() WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
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
    pub upload_id: Option<String>,
}

/// Uploads still pending after `older_than_secs`, every member's (SECURITY DEFINER).
pub async fn abandoned(
    conn: &mut PgConnection,
    older_than_secs: i64,
    max: i32,
) -> AppResult<Vec<Abandoned>> {
    Ok(sqlx::query_as(
        "SELECT tenant_id, id, object_key, upload_id FROM content.abandoned_media(make_interval(secs => $1), $2)",
    )
    .bind(older_than_secs as f64)
    .bind(max)
    .fetch_all(conn)
    .await?)
}

/// Drops an abandoned upload's row once its object is gone (SECURITY DEFINER).
pub async fn forget(conn: &mut PgConnection, tenant: Uuid, id: Uuid) -> AppResult<()> {
    sqlx::query("SELECT content.forget_media($1, $2)")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The candidate member's confirmed files among `ids` (operators publishing a contribution).
pub async fn of_candidate(
    conn: &mut PgConnection,
    candidate: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<MediaRow>> {
    Ok(sqlx::query_as(
        "SELECT tenant.platform_tenant() AS tenant_id, id, kind, object_key, filename, content_type, size,
                'ready'::text AS status, NULL::text AS upload_id
         FROM content.candidate_media($1, $2)",
    )
    .bind(candidate)
    .bind(ids)
    .fetch_all(conn)
    .await?)
}
