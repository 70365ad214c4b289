//! Learning paths: JSON API (authoring and catalogue) and the authoring page where the modules
//! are chosen and ordered. (The path page, with a learner's progress, is the learning
//! service's.)

use super::{
    api::{ts, NewVersion},
    member_site,
    pages::is_admin,
    parse_id,
};
use crate::{
    domain::{
        authoring::{owner_of, PublishInput},
        catalog::{self, CatalogQuery},
        editor::Fields,
        path::{self, PathDoc},
    },
    repo::paths::PathDraft,
    CatalogRead, CatalogWrite,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{see_other, ApiJson, CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

/// A learning path's draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathDraftView {
    pub id: Uuid,
    /// 0 before the first publish.
    pub latest_version: i32,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub draft: PathDoc,
}

fn draft_of(d: PathDraft) -> PathDraftView {
    PathDraftView {
        id: d.id,
        latest_version: d.latest_version,
        updated_at: ts(d.updated_at),
        draft: d.draft.0,
    }
}

/// Learning paths the caller may edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathDrafts {
    pub items: Vec<PathDraftView>,
}

/// Learning paths the caller may edit
///
/// Permission catalog:write: a member's own paths on its host, the shared paths on the base
/// domain (operators).
#[utoipa::path(get, path = "/api/v1/content/paths", tag = "paths", operation_id = "list_paths",
    responses((status = 200, description = "Paths", body = PathDrafts),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
) -> AppResult<Json<PathDrafts>> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let rows = path::list(&p, ctx.tenant.id, owner).await?;
    Ok(Json(PathDrafts {
        items: rows.into_iter().map(draft_of).collect(),
    }))
}

/// Create a learning path
///
/// Permission catalog:write. 1–50 published modules, none twice; a shared path holds shared
/// modules only, a member's path its own and shared ones (`unknown_module` names the position).
#[utoipa::path(post, path = "/api/v1/content/paths", tag = "paths", operation_id = "create_path",
    request_body = PathDoc,
    responses((status = 201, description = "Created", body = PathDraftView),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    ApiJson(doc): ApiJson<PathDoc>,
) -> AppResult<(StatusCode, Json<PathDraftView>)> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let row = path::create(&p, ctx.tenant.id, owner, auth.principal.user_id, doc).await?;
    Ok((StatusCode::CREATED, Json(draft_of(row))))
}

/// A learning path's draft
///
/// Permission catalog:write.
#[utoipa::path(get, path = "/api/v1/content/paths/{id}", tag = "paths", operation_id = "show_path",
    params(("id" = Uuid, Path, description = "Path")),
    responses((status = 200, description = "Draft", body = PathDraftView),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Json<PathDraftView>> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    Ok(Json(draft_of(
        path::get(&p, ctx.tenant.id, owner, parse_id(&id)?).await?,
    )))
}

/// Replace a learning path's draft
///
/// Permission catalog:write.
#[utoipa::path(put, path = "/api/v1/content/paths/{id}", tag = "paths", operation_id = "save_path",
    params(("id" = Uuid, Path, description = "Path")),
    request_body = PathDoc,
    responses((status = 200, description = "Saved", body = PathDraftView),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn save(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(doc): ApiJson<PathDoc>,
) -> AppResult<Json<PathDraftView>> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    Ok(Json(draft_of(
        path::save(&p, ctx.tenant.id, owner, parse_id(&id)?, doc).await?,
    )))
}

/// Freeze the path's draft as the next numbered version
///
/// Permission catalog:write.
#[utoipa::path(post, path = "/api/v1/content/paths/{id}/publish", tag = "paths", operation_id = "publish_path",
    params(("id" = Uuid, Path, description = "Path")),
    request_body = PublishInput,
    responses((status = 201, description = "Published", body = NewVersion),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn publish(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PublishInput>,
) -> AppResult<(StatusCode, Json<NewVersion>)> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let id = parse_id(&id)?;
    let version =
        path::publish(&p, ctx.tenant.id, owner, id, auth.principal.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(NewVersion { id, version })))
}

/// A path in the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathItem {
    pub id: Uuid,
    /// `nzk` or `own`.
    pub source: String,
    pub version: i32,
    pub title: String,
    pub summary: String,
}

/// The paths of the member's catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathList {
    pub items: Vec<PathItem>,
}

/// Published learning paths of the member's catalogue (shared and own)
///
/// Member host. Permission catalog:read.
#[utoipa::path(get, path = "/api/v1/catalog/paths", tag = "paths", operation_id = "list_catalog_paths",
    responses((status = 200, description = "Paths", body = PathList),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn catalogue(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
) -> AppResult<Json<PathList>> {
    member_site(&ctx)?;
    let rows = path::catalogue(&p, ctx.tenant.id).await?;
    Ok(Json(PathList {
        items: rows
            .into_iter()
            .map(|r| PathItem {
                id: r.id,
                source: r.source,
                version: r.version,
                title: r.title,
                summary: r.summary,
            })
            .collect(),
    }))
}

/// A published learning path with its modules in order
///
/// Member host. Permission catalog:read. Another member's path is 404.
#[utoipa::path(get, path = "/api/v1/catalog/paths/{id}", tag = "paths", operation_id = "show_catalog_path",
    params(("id" = Uuid, Path, description = "Path")),
    responses((status = 200, description = "Path", body = crate::view::ShownPathView),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn catalogue_item(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    Path(id): Path<String>,
) -> AppResult<Json<crate::view::ShownPathView>> {
    member_site(&ctx)?;
    Ok(Json(crate::view::shown_of(
        path::shown(&p, ctx.tenant.id, parse_id(&id)?).await?,
    )))
}

/// `GET /leren/auteur/trajecten`: the author's paths and a form for a new one.
pub async fn author_list(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
) -> AppResult<Response> {
    editor_page(&p, &ctx, &auth, None, None).await
}

/// `GET /leren/auteur/trajecten/{id}`
pub async fn author_edit(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    editor_page(&p, &ctx, &auth, Some(parse_id(&id)?), None).await
}

/// One page for both: the list of paths, and (with an id) the path's form with every module
/// it may hold, each with its place.
async fn editor_page(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<CatalogWrite>,
    id: Option<uuid::Uuid>,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let paths = path::list(p, ctx.tenant.id, owner).await?;
    let current = match id {
        Some(id) => Some(path::get(p, ctx.tenant.id, owner, id).await?),
        None => None,
    };
    // The modules a path may hold: the catalogue's (shared, plus own for a member).
    let query = CatalogQuery {
        per_page: Some("100".into()),
        source: ctx.tenant.is_platform.then(|| "nzk".into()),
        ..Default::default()
    };
    let available = if ctx.tenant.is_platform {
        shared_modules(p).await?
    } else {
        catalog::search(p, ctx.tenant.id, &query)
            .await?
            .items
            .iter()
            .map(|m| (m.module_id, m.title.clone()))
            .collect()
    };
    let (places, optional) = current
        .as_ref()
        .map(|c| (c.draft.0.modules.clone(), c.draft.0.optional.clone()))
        .unwrap_or_default();
    let modules: Vec<Value> = available
        .iter()
        .map(|(mid, title)| json!({"id": mid, "title": title, "place": places.iter().position(|x| x == mid).map(|i| i + 1), "optional": optional.contains(mid)}))
        .collect();
    let data = json!({
        "paths": paths.iter().map(|d| json!({"id": d.id, "title": d.draft.0.title, "version": d.latest_version, "count": d.draft.0.modules.len()})).collect::<Vec<_>>(),
        "current": current.as_ref().map(|c| json!({"id": c.id, "title": c.draft.0.title, "summary": c.draft.0.summary, "version": c.latest_version})),
        "modules": modules,
        "error": error.map(|e| e.body()),
        "shared": ctx.tenant.is_platform,
        "is_admin": is_admin(p, ctx, auth).await,
    });
    let mut res = p.theme.render("author_paths", ctx, data)?.into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

async fn shared_modules(p: &Platform) -> AppResult<Vec<(uuid::Uuid, String)>> {
    let mut tx = p.db.begin_tenant(zk_kernel::TenantId::PLATFORM).await?;
    let rows: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT DISTINCT ON (module_id) module_id, title FROM content.shared_module_versions ORDER BY module_id, version DESC",
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut rows = rows;
    rows.sort_by_key(|r| r.1.to_lowercase());
    Ok(rows)
}

/// The path from the form: title, summary and the modules given a place, in that order.
fn doc_from(f: &Fields) -> PathDoc {
    let mut placed: Vec<(u32, uuid::Uuid)> =
        f.0.iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix("place_")?.parse().ok()?;
                let place = v.trim().parse().ok()?;
                Some((place, id))
            })
            .collect();
    placed.sort();
    let modules: Vec<uuid::Uuid> = placed.into_iter().map(|(_, id)| id).collect();
    let optional = modules
        .iter()
        .copied()
        .filter(|id| !f.get(&format!("optional_{id}")).is_empty())
        .collect();
    PathDoc {
        title: f.get("title"),
        summary: f.get("summary"),
        modules,
        optional,
    }
}

/// `POST /leren/auteur/trajecten` (new) and `POST /leren/auteur/trajecten/{id}` (save).
pub async fn author_save(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    id: Option<Path<String>>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let doc = doc_from(&Fields(&pairs));
    let id = match id {
        Some(Path(id)) => Some(parse_id(&id)?),
        None => None,
    };
    let result = match id {
        Some(id) => path::save(&p, ctx.tenant.id, owner, id, doc).await,
        None => path::create(&p, ctx.tenant.id, owner, auth.principal.user_id, doc).await,
    };
    match result {
        Ok(row) => Ok(see_other(&format!("/leren/auteur/trajecten/{}", row.id))),
        Err(e) if super::refused(&e) => editor_page(&p, &ctx, &auth, id, Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /leren/auteur/trajecten/{id}/publiceren`
pub async fn author_publish(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let owner = owner_of(ctx.tenant.id, ctx.tenant.is_platform);
    let id = parse_id(&id)?;
    let input = PublishInput {
        change_note: Fields(&pairs).get("change_note"),
    };
    match path::publish(&p, ctx.tenant.id, owner, id, auth.principal.user_id, &input).await {
        Ok(_) => Ok(see_other(&format!("/leren/auteur/trajecten/{id}"))),
        Err(e) if super::refused(&e) => editor_page(&p, &ctx, &auth, Some(id), Some(&e)).await,
        Err(e) => Err(e),
    }
}
