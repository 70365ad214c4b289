//! JSON API: catalogue (every member role), authoring (authors on a member host, operators on
//! the NZK side for the shared portfolio) and adoptions. Typed responses; described by utoipa
//! (`ContentApi`).

use super::{member_site, parse_id};
use crate::{
    domain::{
        adoption::{self, AdoptionInput, Follow},
        authoring::{self, PublishInput},
        catalog::{self, CatalogQuery},
        module::{Attribution, ModuleDoc},
        overlay::{Overlay, ShownBlock},
    },
    repo::modules::{DraftRow, VersionRow},
    CatalogRead, CatalogWrite,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    AppError, AppResult, Platform,
};

pub(super) fn ts(t: time::OffsetDateTime) -> String {
    crate::domain::rfc3339(t)
}

/// A query string that can't be read (a parameter given twice as a list, say): 400.
pub(super) fn query_error(e: axum::extract::rejection::QueryRejection) -> AppError {
    tracing::debug!(error = %e, "query rejected");
    AppError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "De zoekopdracht is ongeldig.",
    )
}

/// A module in the catalogue (its latest published version, or the one the member shows).
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogItem {
    pub id: Uuid,
    /// `nzk`, `adopted` or `own`.
    pub source: String,
    pub version: i32,
    pub title: String,
    pub summary: String,
    pub mbo_level: Option<i16>,
    pub minutes: i32,
    pub tags: Vec<String>,
    #[schema(format = DateTime)]
    pub published_at: String,
    /// Average stars of the members' ratings.
    pub rating: Option<f64>,
    pub ratings: i64,
}

/// One page of catalogue results.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogPage {
    pub items: Vec<CatalogItem>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Catalogue: the NZK portfolio and the member's own published modules
///
/// Member host. Permission catalog:read (every member role). Full-text search in Dutch
/// (stemming; title weighs most, then summary and tags, then block text), best match first.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalogue", operation_id = "list_catalog",
    params(CatalogQuery),
    responses((status = 200, description = "Catalogue page", body = CatalogPage),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_catalog(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    query: Result<Query<CatalogQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<CatalogPage>> {
    member_site(&ctx)?;
    let Query(query) = query.map_err(query_error)?;
    let page = catalog::search(&p, ctx.tenant.id, &query).await?;
    let items = page
        .items
        .into_iter()
        .map(|r| CatalogItem {
            id: r.module_id,
            source: r.source,
            version: r.version,
            title: r.title,
            summary: r.summary,
            mbo_level: r.mbo_level,
            minutes: r.minutes,
            tags: r.tags,
            published_at: ts(r.published_at),
            rating: r.rating,
            ratings: r.ratings,
        })
        .collect();
    Ok(Json(CatalogPage {
        items,
        total: page.total,
        page: page.paging.page(),
        per_page: page.paging.per_page(),
    }))
}

/// A module as a learner gets it: the member's overlay applied, no quiz answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShownModule {
    pub title: String,
    pub summary: String,
    pub target_group: String,
    pub mbo_level: Option<i16>,
    pub minutes: i32,
    pub tags: Vec<String>,
    pub language: String,
    pub attribution: Option<Attribution>,
    /// In order; each says whether it is NZK's or the member's own, and whether it lost its
    /// anchor.
    pub blocks: Vec<ShownBlock>,
}

/// The published version a member shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedModule {
    pub id: Uuid,
    /// `nzk`, `adopted` or `own`.
    pub source: String,
    pub version: i32,
    pub change_note: String,
    #[schema(format = DateTime)]
    pub published_at: String,
    /// The member's own introduction of an adopted module.
    pub intro_markdown: String,
    pub module: ShownModule,
}

/// The latest published version of a module (shared or own), as a learner sees it
///
/// Member host. Permission catalog:read. An adopted module comes with the member's overlay
/// applied. Quiz answers and feedback are left out. Another member's module is 404.
#[utoipa::path(get, path = "/api/v1/catalog/{id}", tag = "catalogue", operation_id = "show_published",
    params(("id" = Uuid, Path, description = "Module")),
    responses((status = 200, description = "Published module", body = PublishedModule),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn show_published(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    Path(id): Path<String>,
) -> AppResult<Json<PublishedModule>> {
    member_site(&ctx)?;
    let m = catalog::published(&p, ctx.tenant.id, parse_id(&id)?).await?;
    let d = m.doc;
    Ok(Json(PublishedModule {
        id: m.id,
        source: m.source,
        version: m.version,
        change_note: m.change_note,
        published_at: ts(m.published_at),
        intro_markdown: m.intro_markdown,
        module: ShownModule {
            title: d.title,
            summary: d.summary,
            target_group: d.target_group,
            mbo_level: d.mbo_level,
            minutes: d.minutes,
            tags: d.tags,
            language: d.language,
            attribution: d.attribution,
            blocks: m.blocks,
        },
    }))
}

/// A published version in a module's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    pub version: i32,
    pub change_note: String,
    #[schema(format = DateTime)]
    pub published_at: String,
    pub published_by: Uuid,
}

/// A module's draft (with quiz answers) and, where asked, its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Draft {
    pub id: Uuid,
    /// 0 before the first publish.
    pub latest_version: i32,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub draft: ModuleDoc,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<VersionInfo>>,
}

fn draft_of(d: DraftRow, versions: Option<Vec<VersionRow>>) -> Draft {
    Draft {
        id: d.id,
        latest_version: d.latest_version,
        updated_at: ts(d.updated_at),
        draft: d.draft.0,
        versions: versions.map(|v| {
            v.into_iter()
                .map(|r| VersionInfo {
                    version: r.version,
                    change_note: r.change_note,
                    published_at: ts(r.published_at),
                    published_by: r.published_by,
                })
                .collect()
        }),
    }
}

/// A draft in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftSummary {
    pub id: Uuid,
    pub title: String,
    pub latest_version: i32,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Drafts the caller may edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftList {
    pub items: Vec<DraftSummary>,
}

/// Drafts the caller may edit
///
/// Permission catalog:write: authors and admins on a member host (the member's own modules),
/// operators on the base domain (the shared NZK portfolio).
#[utoipa::path(get, path = "/api/v1/content/modules", tag = "authoring", operation_id = "list_modules",
    responses((status = 200, description = "Drafts", body = DraftList),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_modules(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
) -> AppResult<Json<DraftList>> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let rows = authoring::list(&p, ctx.tenant.id, owner).await?;
    Ok(Json(DraftList {
        items: rows
            .into_iter()
            .map(|d| DraftSummary {
                id: d.id,
                title: d.draft.0.title,
                latest_version: d.latest_version,
                updated_at: ts(d.updated_at),
            })
            .collect(),
    }))
}

/// Create a module with its first draft
///
/// Permission catalog:write. Blocks without an id get one; ids stay stable across versions.
#[utoipa::path(post, path = "/api/v1/content/modules", tag = "authoring", operation_id = "create_module",
    request_body = ModuleDoc,
    responses((status = 201, description = "Created", body = Draft),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    ApiJson(doc): ApiJson<ModuleDoc>,
) -> AppResult<(StatusCode, Json<Draft>)> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let row = authoring::create(&p, ctx.tenant.id, owner, auth.principal.user_id, doc).await?;
    Ok((StatusCode::CREATED, Json(draft_of(row, Some(vec![])))))
}

/// A draft with its published versions
///
/// Permission catalog:write; only the caller's own side (member or NZK).
#[utoipa::path(get, path = "/api/v1/content/modules/{id}", tag = "authoring", operation_id = "show_module",
    params(("id" = Uuid, Path, description = "Module")),
    responses((status = 200, description = "Draft", body = Draft),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn show_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Json<Draft>> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let (draft, versions) = authoring::get(&p, ctx.tenant.id, owner, parse_id(&id)?).await?;
    Ok(Json(draft_of(draft, Some(versions))))
}

/// Replace the draft
///
/// Permission catalog:write. A block id must be one this module has used (reorder, edit); omit
/// the id for a new block. Refused: raw HTML or script links in Markdown (`unsafe_markdown`),
/// an image without alt text (`missing_alt`), a question without a correct answer
/// (`quiz_no_correct`), a foreign block id (`unknown_block`), a file that isn't the owner's,
/// confirmed and of the right kind (`invalid_media`, `wrong_media_kind`).
#[utoipa::path(put, path = "/api/v1/content/modules/{id}", tag = "authoring", operation_id = "save_module",
    params(("id" = Uuid, Path, description = "Module")),
    request_body = ModuleDoc,
    responses((status = 200, description = "Saved draft", body = Draft),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn save_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(doc): ApiJson<ModuleDoc>,
) -> AppResult<Json<Draft>> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let row = authoring::save(&p, ctx.tenant.id, owner, parse_id(&id)?, doc).await?;
    Ok(Json(draft_of(row, None)))
}

/// A new version.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewVersion {
    pub id: Uuid,
    pub version: i32,
}

/// Freeze the draft as the next numbered, immutable version
///
/// Permission catalog:write. Needs at least one block and captions on every video
/// (`captions_required`, WCAG 1.2.2).
#[utoipa::path(post, path = "/api/v1/content/modules/{id}/publish", tag = "authoring", operation_id = "publish_module",
    params(("id" = Uuid, Path, description = "Module")),
    request_body = PublishInput,
    responses((status = 201, description = "Published", body = NewVersion),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn publish_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PublishInput>,
) -> AppResult<(StatusCode, Json<NewVersion>)> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let id = parse_id(&id)?;
    let version =
        authoring::publish(&p, ctx.tenant.id, owner, id, auth.principal.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(NewVersion { id, version })))
}

/// An adoption as the admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Adoption {
    pub module_id: Uuid,
    pub title: String,
    pub follow: Follow,
    /// The NZK version learners see now.
    pub shown_version: i32,
    pub latest_version: i32,
    /// A newer NZK version waits for the admin (review mode).
    pub update_waiting: bool,
    /// Own blocks whose anchor is gone from the shown version (shown at the end).
    pub orphaned: usize,
    pub overlay: Overlay,
}

fn adoption_of(a: adoption::AdoptionState) -> Adoption {
    Adoption {
        update_waiting: a.update_waiting(),
        module_id: a.module_id,
        title: a.title,
        follow: a.follow,
        shown_version: a.shown_version,
        latest_version: a.latest_version,
        orphaned: a.orphaned,
        overlay: a.overlay,
    }
}

/// The member's adoptions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Adoptions {
    pub items: Vec<Adoption>,
}

/// The member's adopted NZK modules (80/20 overlays)
///
/// Member host. Permission catalog:write (authors, admins). Per adoption: the NZK version
/// learners see, the latest, whether a new version waits for review, and how many own blocks
/// lost their anchor (shown at the end, never dropped).
#[utoipa::path(get, path = "/api/v1/content/adoptions", tag = "adoptions", operation_id = "list_adoptions",
    responses((status = 200, description = "Adoptions", body = Adoptions),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_adoptions(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
) -> AppResult<Json<Adoptions>> {
    member_site(&ctx)?;
    let items = adoption::list(&p, ctx.tenant.id)
        .await?
        .into_iter()
        .map(adoption_of)
        .collect();
    Ok(Json(Adoptions { items }))
}

/// Adopt a shared module or replace its accents
///
/// Member host. Permission catalog:write. Not a copy: accents are own blocks anchored before or
/// after shared block ids; hidden blocks must be marked optional by NZK (`not_optional`); a pass
/// mark may be stricter than NZK's, not more lenient (`pass_mark_out_of_bounds`). `follow=auto`
/// shows every new NZK version at once; `follow=review` keeps the accepted version until
/// `POST …/accept`. An own or unknown module is 404.
#[utoipa::path(put, path = "/api/v1/content/adoptions/{id}", tag = "adoptions", operation_id = "save_adoption",
    params(("id" = Uuid, Path, description = "The shared module's id")),
    request_body = AdoptionInput,
    responses((status = 200, description = "Saved", body = Adoption),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn save_adoption(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AdoptionInput>,
) -> AppResult<Json<Adoption>> {
    member_site(&ctx)?;
    let state = adoption::save(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        input,
    )
    .await?;
    Ok(Json(adoption_of(state)))
}

/// The version an adoption shows now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    pub module_id: Uuid,
    pub shown_version: i32,
}

/// Show the latest NZK version (review mode)
///
/// Member host. Permission catalog:write.
#[utoipa::path(post, path = "/api/v1/content/adoptions/{id}/accept", tag = "adoptions", operation_id = "accept_adoption",
    params(("id" = Uuid, Path, description = "The shared module's id")),
    responses((status = 200, description = "Accepted", body = Accepted),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn accept_adoption(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Json<Accepted>> {
    member_site(&ctx)?;
    let module_id = parse_id(&id)?;
    let shown_version = adoption::accept_latest(&p, ctx.tenant.id, module_id).await?;
    Ok(Json(Accepted {
        module_id,
        shown_version,
    }))
}

/// End an adoption (its accents go; the shared module stays)
///
/// Member host. Permission catalog:write.
#[utoipa::path(delete, path = "/api/v1/content/adoptions/{id}", tag = "adoptions", operation_id = "delete_adoption",
    params(("id" = Uuid, Path, description = "The shared module's id")),
    responses((status = 204, description = "Ended"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn delete_adoption(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    adoption::remove(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
