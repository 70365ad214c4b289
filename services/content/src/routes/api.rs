//! JSON API: catalogue (every member role) and authoring (authors on a member host, operators on
//! the NZK side for the shared portfolio).

use super::{member_site, parse_id};
use crate::{
    domain::{
        adoption,
        authoring::{self, PublishInput},
        catalog::{self, CatalogQuery},
        module::ModuleDoc,
    },
    repo::modules::{DraftRow, VersionRow},
    CatalogRead, CatalogWrite,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use zk_kernel::{
    authz::Require,
    http::{ApiJson, RequestContext},
    AppError, AppResult, Platform,
};

pub(super) fn ts(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
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

/// `GET /api/v1/catalog`: shared and own published modules, searched and filtered.
pub async fn list_catalog(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    query: Result<Query<CatalogQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    let Query(query) = query.map_err(query_error)?;
    let page = catalog::search(&p, ctx.tenant.id, &query).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|r| {
            json!({
                "id": r.module_id, "source": r.source, "version": r.version, "title": r.title,
                "summary": r.summary, "mbo_level": r.mbo_level, "minutes": r.minutes,
                "tags": r.tags, "published_at": ts(r.published_at),
                "rating": r.rating, "ratings": r.ratings,
            })
        })
        .collect();
    Ok(Json(json!({
        "items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
    })))
}

/// `GET /api/v1/catalog/{id}`: the latest published version, as a learner sees it.
pub async fn show_published(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    let m = catalog::published(&p, ctx.tenant.id, parse_id(&id)?).await?;
    let mut module = json!(m.doc);
    module["blocks"] = json!(m.blocks);
    Ok(Json(json!({
        "id": m.id, "source": m.source, "version": m.version, "change_note": m.change_note,
        "published_at": ts(m.published_at), "intro_markdown": m.intro_markdown, "module": module,
    })))
}

fn draft_json(d: &DraftRow, versions: Option<&[VersionRow]>) -> Value {
    let mut v = json!({
        "id": d.id, "latest_version": d.latest_version, "updated_at": ts(d.updated_at),
        "draft": d.draft.0,
    });
    if let Some(versions) = versions {
        v["versions"] = versions
            .iter()
            .map(|r| json!({"version": r.version, "change_note": r.change_note, "published_at": ts(r.published_at), "published_by": r.published_by}))
            .collect();
    }
    v
}

/// `GET /api/v1/content/modules`: the drafts this author may edit (the member's own modules; on
/// the NZK side the shared portfolio).
pub async fn list_modules(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
) -> AppResult<Json<Value>> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let rows = authoring::list(&p, ctx.tenant.id, owner).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|d| json!({"id": d.id, "title": d.draft.0.title, "latest_version": d.latest_version, "updated_at": ts(d.updated_at)}))
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `POST /api/v1/content/modules`: a new module with its first draft.
pub async fn create_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    ApiJson(doc): ApiJson<ModuleDoc>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let row = authoring::create(&p, ctx.tenant.id, owner, auth.principal.user_id, doc).await?;
    Ok((StatusCode::CREATED, Json(draft_json(&row, Some(&[])))))
}

/// `GET /api/v1/content/modules/{id}`: the draft (with quiz answers) and the versions.
pub async fn show_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let (draft, versions) = authoring::get(&p, ctx.tenant.id, owner, parse_id(&id)?).await?;
    Ok(Json(draft_json(&draft, Some(&versions))))
}

/// `PUT /api/v1/content/modules/{id}`: replaces the draft.
pub async fn save_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(doc): ApiJson<ModuleDoc>,
) -> AppResult<Json<Value>> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let row = authoring::save(&p, ctx.tenant.id, owner, parse_id(&id)?, doc).await?;
    Ok(Json(draft_json(&row, None)))
}

/// `POST /api/v1/content/modules/{id}/publish`: freezes the draft as the next version.
pub async fn publish_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PublishInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let owner = authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let version = authoring::publish(
        &p,
        ctx.tenant.id,
        owner,
        parse_id(&id)?,
        auth.principal.user_id,
        &input,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "version": version })),
    ))
}

fn adoption_json(a: &adoption::AdoptionState) -> Value {
    json!({
        "module_id": a.module_id, "title": a.title, "follow": a.follow,
        "shown_version": a.shown_version, "latest_version": a.latest_version,
        "update_waiting": a.update_waiting(), "orphaned": a.orphaned, "overlay": a.overlay,
    })
}

/// `GET /api/v1/content/adoptions`: the member's adopted modules, with orphaned accents and
/// NZK versions waiting for review.
pub async fn list_adoptions(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    let items: Vec<Value> = adoption::list(&p, ctx.tenant.id)
        .await?
        .iter()
        .map(adoption_json)
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// `PUT /api/v1/content/adoptions/{module_id}`: adopts a shared module or replaces its accents.
pub async fn save_adoption(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<adoption::AdoptionInput>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    let state = adoption::save(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        input,
    )
    .await?;
    Ok(Json(adoption_json(&state)))
}

/// `POST /api/v1/content/adoptions/{module_id}/accept`: show the latest NZK version.
pub async fn accept_adoption(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    let version = adoption::accept_latest(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok(Json(json!({ "module_id": id, "shown_version": version })))
}

/// `DELETE /api/v1/content/adoptions/{module_id}`: ends the adoption; its accents go with it.
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
