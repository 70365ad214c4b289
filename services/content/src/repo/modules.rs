//! Modules and their versions, on both sides: the NZK portfolio (`content.shared_*`, no
//! tenant_id, written only in a platform-tenant transaction) and a member's own modules
//! (`content.modules*`, tenant_id first, RLS). All SQL of the content service's modules is here.

use crate::domain::module::ModuleDoc;
use sqlx::{types::Json, FromRow, PgConnection};
use std::collections::HashSet;
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// Whose modules a statement works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The NZK portfolio (operators).
    Shared,
    /// A member's own modules.
    Member(TenantId),
}

impl Owner {
    fn modules(self) -> &'static str {
        match self {
            Self::Shared => "content.shared_modules",
            Self::Member(_) => "content.modules",
        }
    }
    fn versions(self) -> &'static str {
        match self {
            Self::Shared => "content.shared_module_versions",
            Self::Member(_) => "content.module_versions",
        }
    }
    /// The tenant condition on a member table (`$1` is the tenant); none on a shared table,
    /// where `$1` is bound (typed, as NULL) but unused, so both keep one numbering.
    fn scope(self) -> &'static str {
        match self {
            Self::Shared => "TRUE",
            Self::Member(_) => "tenant_id = $1",
        }
    }
    fn tenant(self) -> Option<Uuid> {
        match self {
            Self::Shared => None,
            Self::Member(t) => Some(t.0),
        }
    }
}

/// A module's draft with its bookkeeping.
#[derive(Debug, FromRow)]
pub struct DraftRow {
    pub id: Uuid,
    pub draft: Json<ModuleDoc>,
    pub latest_version: i32,
    pub updated_at: OffsetDateTime,
}

/// Creates a module with its first draft.
pub async fn insert(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
    draft: &ModuleDoc,
    created_by: Uuid,
) -> AppResult<()> {
    let sql = match owner {
        Owner::Shared => {
            "INSERT INTO content.shared_modules (id, draft, created_by) VALUES ($2, $3, $4)"
        }
        Owner::Member(_) => {
            "INSERT INTO content.modules (tenant_id, id, draft, created_by) VALUES ($1, $2, $3, $4)"
        }
    };
    sqlx::query(sql)
        .bind(owner.tenant())
        .bind(id)
        .bind(Json(draft))
        .bind(created_by)
        .execute(conn)
        .await?;
    Ok(())
}

/// A module's draft, locked for the rest of the transaction when `lock` is set.
pub async fn draft(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
    lock: bool,
) -> AppResult<Option<DraftRow>> {
    let sql = format!(
        "SELECT id, draft, latest_version, updated_at FROM {} WHERE {} AND id = $2{}",
        owner.modules(),
        owner.scope(),
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(sqlx::query_as(&sql)
        .bind(owner.tenant())
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The drafts of this owner, newest change first.
pub async fn list_drafts(conn: &mut PgConnection, owner: Owner) -> AppResult<Vec<DraftRow>> {
    let sql = format!(
        "SELECT id, draft, latest_version, updated_at FROM {} WHERE {} ORDER BY updated_at DESC LIMIT 500",
        owner.modules(),
        owner.scope()
    );
    Ok(sqlx::query_as(&sql)
        .bind(owner.tenant())
        .fetch_all(conn)
        .await?)
}

/// Every block id the module's versions have used: a draft may name these (and its own).
pub async fn version_block_ids(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
) -> AppResult<HashSet<Uuid>> {
    let sql = format!(
        "SELECT DISTINCT (b->>'id')::uuid FROM {} v, jsonb_array_elements(v.doc->'blocks') b
         WHERE {} AND v.module_id = $2",
        owner.versions(),
        owner.scope()
    );
    let ids: Vec<Uuid> = sqlx::query_scalar(&sql)
        .bind(owner.tenant())
        .bind(id)
        .fetch_all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Replaces the draft.
pub async fn save_draft(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
    draft: &ModuleDoc,
) -> AppResult<()> {
    let sql = format!(
        "UPDATE {} SET draft = $3 WHERE {} AND id = $2",
        owner.modules(),
        owner.scope()
    );
    sqlx::query(&sql)
        .bind(owner.tenant())
        .bind(id)
        .bind(Json(draft))
        .execute(conn)
        .await?;
    Ok(())
}

/// Freezes `doc` as `version` (the caller holds the draft's lock) and records it as the latest.
pub async fn insert_version(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
    version: i32,
    doc: &ModuleDoc,
    change_note: &str,
    published_by: Uuid,
) -> AppResult<()> {
    let (table, tenant_column, tenant_value) = match owner {
        Owner::Shared => ("content.shared_module_versions", "", ""),
        Owner::Member(_) => ("content.module_versions", "tenant_id, ", "$1, "),
    };
    let sql = format!(
        "INSERT INTO {table} ({tenant_column}module_id, version, title, summary, mbo_level, minutes, tags, language, doc, change_note, published_by)
         VALUES ({tenant_value}$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    );
    sqlx::query(&sql)
        .bind(owner.tenant())
        .bind(id)
        .bind(version)
        .bind(&doc.title)
        .bind(&doc.summary)
        .bind(doc.mbo_level)
        .bind(doc.minutes)
        .bind(&doc.tags)
        .bind(&doc.language)
        .bind(Json(doc))
        .bind(change_note)
        .bind(published_by)
        .execute(&mut *conn)
        .await?;
    let sql = format!(
        "UPDATE {} SET latest_version = $3 WHERE {} AND id = $2",
        owner.modules(),
        owner.scope()
    );
    sqlx::query(&sql)
        .bind(owner.tenant())
        .bind(id)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(())
}

/// One published version in a module's history.
#[derive(Debug, FromRow)]
pub struct VersionRow {
    pub version: i32,
    pub change_note: String,
    pub published_at: OffsetDateTime,
    pub published_by: Uuid,
}

/// The module's versions, newest first.
pub async fn versions(
    conn: &mut PgConnection,
    owner: Owner,
    id: Uuid,
) -> AppResult<Vec<VersionRow>> {
    let sql = format!(
        "SELECT version, change_note, published_at, published_by FROM {} WHERE {} AND module_id = $2 ORDER BY version DESC",
        owner.versions(),
        owner.scope()
    );
    Ok(sqlx::query_as(&sql)
        .bind(owner.tenant())
        .bind(id)
        .fetch_all(conn)
        .await?)
}

/// Filters of a catalogue search (all optional).
#[derive(Debug, Default)]
pub struct CatalogFilter<'a> {
    pub q: Option<&'a str>,
    pub level: Option<i16>,
    pub tag: Option<&'a str>,
    pub max_minutes: Option<i32>,
    /// `nzk`, `adopted` or `own`.
    pub source: Option<&'a str>,
    /// Shared modules rated at least this on average.
    pub min_rating: Option<f64>,
    pub limit: i64,
    pub offset: i64,
}

/// A module in the catalogue: its latest published version.
#[derive(Debug, FromRow)]
pub struct CatalogRow {
    pub source: String,
    pub module_id: Uuid,
    pub version: i32,
    pub title: String,
    pub summary: String,
    pub mbo_level: Option<i16>,
    pub minutes: i32,
    pub tags: Vec<String>,
    pub published_at: OffsetDateTime,
    /// Average stars over the members' ratings (shared modules).
    pub rating: Option<f64>,
    pub ratings: i64,
    pub total: i64,
}

/// The catalogue of `tenant`: the latest version of every shared module and of the member's own
/// modules, filtered, best match first when searching (Dutch stemming, weighted fields).
/// One statement; the member's rows come through RLS as well as the explicit tenant condition.
pub async fn catalog(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &CatalogFilter<'_>,
) -> AppResult<Vec<CatalogRow>> {
    const SQL: &str = "
        WITH q AS (SELECT CASE WHEN $2::text IS NULL THEN NULL ELSE websearch_to_tsquery('dutch', $2) END AS query),
        latest AS (
            (SELECT DISTINCT ON (v.module_id)
                    CASE WHEN a.module_id IS NULL THEN 'nzk' ELSE 'adopted' END AS source,
                    v.module_id, v.version, v.title, v.summary, v.mbo_level, v.minutes, v.tags,
                    v.published_at, v.search
             FROM content.shared_module_versions v
             LEFT JOIN content.adoptions a ON a.tenant_id = $1 AND a.module_id = v.module_id
             WHERE a.follow IS DISTINCT FROM 'review' OR v.version <= a.pinned_version
             ORDER BY v.module_id, v.version DESC)
            UNION ALL
            (SELECT DISTINCT ON (module_id) 'own'::text, module_id, version, title, summary,
                    mbo_level, minutes, tags, published_at, search
             FROM content.module_versions
             WHERE tenant_id = $1
             ORDER BY module_id, version DESC)
        )
        SELECT source, module_id, version, title, summary, mbo_level, minutes, tags, published_at,
               r.rating, coalesce(r.ratings, 0) AS ratings, count(*) OVER () AS total
        FROM latest
        CROSS JOIN q
        LEFT JOIN (SELECT module_id AS rated_id, avg(stars)::float8 AS rating, count(*) AS ratings
                   FROM content.ratings GROUP BY module_id) r ON r.rated_id = latest.module_id
        WHERE (q.query IS NULL OR search @@ q.query)
          AND ($9::float8 IS NULL OR r.rating >= $9)
          AND ($6::text IS NULL OR source = $6)
          AND ($3::smallint IS NULL OR mbo_level = $3)
          AND ($4::text IS NULL OR $4 = ANY (tags))
          AND ($5::integer IS NULL OR minutes <= $5)
        ORDER BY CASE WHEN q.query IS NULL THEN 0 ELSE ts_rank(search, q.query) END DESC, lower(title), module_id
        LIMIT $7 OFFSET $8";
    Ok(sqlx::query_as(SQL)
        .bind(tenant.0)
        .bind(f.q)
        .bind(f.level)
        .bind(f.tag)
        .bind(f.max_minutes)
        .bind(f.source)
        .bind(f.limit)
        .bind(f.offset)
        .bind(f.min_rating)
        .fetch_all(conn)
        .await?)
}

/// A published module as the catalogue shows it, with the member's overlay if it adopted it.
#[derive(Debug, FromRow)]
pub struct PublishedRow {
    pub source: String,
    pub module_id: Uuid,
    pub version: i32,
    pub doc: Json<ModuleDoc>,
    pub change_note: String,
    pub published_at: OffsetDateTime,
    pub overlay: Option<Json<crate::domain::overlay::Overlay>>,
}

/// The version of a module this tenant shows: its own module's latest, or a shared module's
/// latest (or, when its admin reviews new versions first, the one last accepted) with the
/// member's overlay. One statement: the module page's only query.
pub async fn published(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<PublishedRow>> {
    published_version(conn, tenant, id, None).await
}

/// Like [`published`], or with `version` that version of the module (with the member's overlay
/// for an adopted one): what a learner who started on it keeps seeing.
pub async fn published_version(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    version: Option<i32>,
) -> AppResult<Option<PublishedRow>> {
    const SQL: &str = "
        (SELECT CASE WHEN a.module_id IS NULL THEN 'nzk' ELSE 'adopted' END AS source,
                v.module_id, v.version, v.doc, v.change_note, v.published_at, a.overlay
         FROM content.shared_module_versions v
         LEFT JOIN content.adoptions a ON a.tenant_id = $1 AND a.module_id = v.module_id
         WHERE v.module_id = $2 AND CASE WHEN $3::integer IS NULL
               THEN a.follow IS DISTINCT FROM 'review' OR v.version <= a.pinned_version
               ELSE v.version = $3 END
         ORDER BY v.version DESC LIMIT 1)
        UNION ALL
        (SELECT 'own'::text, module_id, version, doc, change_note, published_at, NULL::jsonb
         FROM content.module_versions WHERE tenant_id = $1 AND module_id = $2
              AND ($3::integer IS NULL OR version = $3)
         ORDER BY version DESC LIMIT 1)
        LIMIT 1";
    Ok(sqlx::query_as(SQL)
        .bind(tenant.0)
        .bind(id)
        .bind(version)
        .fetch_optional(conn)
        .await?)
}

/// The latest published version of a shared module (number and document).
pub async fn latest_shared(
    conn: &mut PgConnection,
    id: Uuid,
) -> AppResult<Option<(i32, Json<ModuleDoc>)>> {
    Ok(sqlx::query_as(
        "SELECT version, doc FROM content.shared_module_versions WHERE module_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// One published version of a shared module.
pub async fn shared_version(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
) -> AppResult<Option<Json<ModuleDoc>>> {
    Ok(sqlx::query_scalar(
        "SELECT doc FROM content.shared_module_versions WHERE module_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .fetch_optional(conn)
    .await?)
}
