//! cmi5 launches, xAPI statements and documents (`content.cmi5_launches`,
//! `content.xapi_statements`, `content.xapi_documents`; RLS).

use sqlx::{types::Json, FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// How long a launch's fetch URL and auth token work.
pub const LAUNCH_HOURS: i32 = 8;

/// A cmi5 launch of an AU.
#[derive(Clone, Debug, FromRow)]
pub struct LaunchRow {
    /// The cmi5 session id.
    pub id: Uuid,
    pub session_id: Uuid,
    pub enrolment_id: Uuid,
    pub user_id: Uuid,
    pub cycle: i32,
    pub block_id: Uuid,
    pub media_id: Uuid,
    pub unit: String,
    pub registration: Uuid,
    pub launch_mode: String,
    pub initialized: bool,
    pub judged: bool,
    pub terminated: bool,
}

const LAUNCH: &str =
    "SELECT id, session_id, enrolment_id, user_id, cycle, block_id, media_id, unit,
        registration, launch_mode, initialized, judged, terminated
    FROM content.cmi5_launches";

/// Keeps a new launch with its fetch token's hash.
pub async fn insert_launch(
    conn: &mut PgConnection,
    tenant: TenantId,
    l: &LaunchRow,
    fetch_hash: &[u8],
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.cmi5_launches
             (tenant_id, id, session_id, enrolment_id, user_id, cycle, block_id, media_id, unit,
              registration, launch_mode, fetch_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                 now() + make_interval(hours => $13))",
    )
    .bind(tenant.0)
    .bind(l.id)
    .bind(l.session_id)
    .bind(l.enrolment_id)
    .bind(l.user_id)
    .bind(l.cycle)
    .bind(l.block_id)
    .bind(l.media_id)
    .bind(&l.unit)
    .bind(l.registration)
    .bind(&l.launch_mode)
    .bind(fetch_hash)
    .bind(LAUNCH_HOURS)
    .execute(conn)
    .await?;
    Ok(())
}

/// Hands out the auth token of a launch once: the fetch token's launch, when not fetched before
/// and not expired, gets `auth_hash`. `false` when there is no such launch.
pub async fn fetch_once(
    conn: &mut PgConnection,
    tenant: TenantId,
    fetch_hash: &[u8],
    auth_hash: &[u8],
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE content.cmi5_launches SET fetched_at = now(), auth_hash = $3
         WHERE tenant_id = $1 AND fetch_hash = $2 AND fetched_at IS NULL AND expires_at > now()",
    )
    .bind(tenant.0)
    .bind(fetch_hash)
    .bind(auth_hash)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The live launch of an auth token, locked when `lock` is set.
pub async fn launch_by_auth(
    conn: &mut PgConnection,
    tenant: TenantId,
    auth_hash: &[u8],
    lock: bool,
) -> AppResult<Option<LaunchRow>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    Ok(sqlx::query_as(&format!(
        "{LAUNCH} WHERE tenant_id = $1 AND auth_hash = $2 AND expires_at > now(){lock}"
    ))
    .bind(tenant.0)
    .bind(auth_hash)
    .fetch_optional(conn)
    .await?)
}

/// Records a launch's session flags after an accepted statement.
pub async fn set_flags(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    initialized: bool,
    judged: bool,
    terminated: bool,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE content.cmi5_launches SET initialized = $3, judged = $4, terminated = $5
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(initialized)
    .bind(judged)
    .bind(terminated)
    .execute(conn)
    .await?;
    Ok(())
}

/// A stored statement.
#[derive(Debug, FromRow)]
pub struct StatementRow {
    pub user_id: Uuid,
    pub statement: Json<serde_json::Value>,
}

/// A statement by id (of the tenant).
pub async fn statement(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<StatementRow>> {
    Ok(sqlx::query_as(
        "SELECT user_id, statement FROM content.xapi_statements WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Keeps a statement.
#[allow(clippy::too_many_arguments)]
pub async fn insert_statement(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    launch: Uuid,
    user: Uuid,
    registration: Uuid,
    verb: &str,
    statement: &serde_json::Value,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.xapi_statements
             (tenant_id, id, launch_id, user_id, registration, verb, statement)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(launch)
    .bind(user)
    .bind(registration)
    .bind(verb)
    .bind(Json(statement))
    .execute(conn)
    .await?;
    Ok(())
}

/// A document's key: whose, which kind, and for state its activity and registration.
#[derive(Clone, Copy, Debug)]
pub struct DocKey<'a> {
    pub user: Uuid,
    /// `state` or `profile`.
    pub kind: &'a str,
    pub activity: &'a str,
    pub registration: Uuid,
}

/// A stored document.
#[derive(Debug, FromRow)]
pub struct DocRow {
    pub content: Vec<u8>,
    pub content_type: String,
    pub etag: String,
    pub updated_at: OffsetDateTime,
}

/// One document, locked when `lock` is set.
pub async fn document(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: DocKey<'_>,
    id: &str,
    lock: bool,
) -> AppResult<Option<DocRow>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    Ok(sqlx::query_as(&format!(
        "SELECT content, content_type, etag, updated_at FROM content.xapi_documents
         WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 AND activity_id = $4
           AND registration = $5 AND doc_id = $6{lock}"
    ))
    .bind(tenant.0)
    .bind(key.user)
    .bind(key.kind)
    .bind(key.activity)
    .bind(key.registration)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// The ids of the documents under a key.
pub async fn document_ids(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: DocKey<'_>,
) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT doc_id FROM content.xapi_documents
         WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 AND activity_id = $4
           AND registration = $5 ORDER BY doc_id",
    )
    .bind(tenant.0)
    .bind(key.user)
    .bind(key.kind)
    .bind(key.activity)
    .bind(key.registration)
    .fetch_all(conn)
    .await?)
}

/// Writes a document (made or replaced).
pub async fn put_document(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: DocKey<'_>,
    id: &str,
    content: &[u8],
    content_type: &str,
    etag: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.xapi_documents
             (tenant_id, user_id, kind, activity_id, registration, doc_id, content, content_type,
              etag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, user_id, kind, activity_id, registration, doc_id) DO UPDATE
         SET content = excluded.content, content_type = excluded.content_type,
             etag = excluded.etag, updated_at = now()",
    )
    .bind(tenant.0)
    .bind(key.user)
    .bind(key.kind)
    .bind(key.activity)
    .bind(key.registration)
    .bind(id)
    .bind(content)
    .bind(content_type)
    .bind(etag)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes one document (`Some(id)`) or every document under the key.
pub async fn delete_documents(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: DocKey<'_>,
    id: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "DELETE FROM content.xapi_documents
         WHERE tenant_id = $1 AND user_id = $2 AND kind = $3 AND activity_id = $4
           AND registration = $5 AND ($6::text IS NULL OR doc_id = $6)",
    )
    .bind(tenant.0)
    .bind(key.user)
    .bind(key.kind)
    .bind(key.activity)
    .bind(key.registration)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an AU's standing in the registration (completed, passed, score, satisfied) as its
/// unit's attempt; once satisfied it stays done.
#[allow(clippy::too_many_arguments)]
pub async fn record_au(
    conn: &mut PgConnection,
    tenant: TenantId,
    l: &LaunchRow,
    completed: bool,
    passed: Option<bool>,
    score: Option<f64>,
    done: bool,
) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "INSERT INTO content.package_attempts AS a
             (tenant_id, id, enrolment_id, user_id, cycle, block_id, media_id, unit, standard,
              completed, passed, score, commits, done_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'cmi5', $9, $10, $11, 1,
                 CASE WHEN $12 THEN now() END)
         ON CONFLICT (tenant_id, enrolment_id, cycle, block_id, media_id, unit) DO UPDATE SET
             completed = a.completed OR excluded.completed,
             passed = CASE WHEN a.passed THEN true ELSE coalesce(excluded.passed, a.passed) END,
             score = coalesce(excluded.score, a.score), commits = a.commits + 1,
             updated_at = now(), done_at = coalesce(a.done_at, excluded.done_at)
         RETURNING done_at IS NOT NULL",
    )
    .bind(tenant.0)
    .bind(Uuid::new_v4())
    .bind(l.enrolment_id)
    .bind(l.user_id)
    .bind(l.cycle)
    .bind(l.block_id)
    .bind(l.media_id)
    .bind(&l.unit)
    .bind(completed)
    .bind(passed)
    .bind(score.map(|s| s as f32))
    .bind(done)
    .fetch_one(conn)
    .await?)
}

/// An AU's standing in the registration so far (its attempt in the play session's enrolment
/// cycle, block and package): (completed, passed).
pub async fn au_standing(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &super::packages::SessionRow,
    unit: &str,
) -> AppResult<(bool, bool)> {
    Ok(sqlx::query_as(
        "SELECT completed, coalesce(passed, false) FROM content.package_attempts
         WHERE tenant_id = $1 AND enrolment_id = $2 AND cycle = $3 AND block_id = $4
           AND media_id = $5 AND unit = $6",
    )
    .bind(tenant.0)
    .bind(s.enrolment_id)
    .bind(s.cycle)
    .bind(s.block_id)
    .bind(s.media_id)
    .bind(unit)
    .fetch_optional(conn)
    .await?
    .unwrap_or((false, false)))
}
