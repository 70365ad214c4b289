//! Adopted learning paths: the JSON API, adopting from the path page, the accents editor (own
//! introduction, own modules before or after each module of the path, optional modules left out,
//! added modules whose anchor is gone), and accepting a new NZK version.

use super::{member_site, pages::is_admin, parse_id, refused};
use crate::{
    domain::{
        adoption::Follow,
        catalog::{self, CatalogQuery},
        editor::Fields,
        overlay::Position,
        path::PathDoc,
        path_adoption::{self, PathAccent, PathAdoptionInput, PathAdoptionState, PathOverlay},
    },
    CatalogWrite,
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

/// An adopted path as the admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathAdoption {
    pub path_id: Uuid,
    pub title: String,
    pub follow: Follow,
    /// The NZK version learners see now.
    pub shown_version: i32,
    pub latest_version: i32,
    /// A newer NZK version waits for the admin (review mode).
    pub update_waiting: bool,
    /// Added modules whose anchor is gone from the shown version (shown at the end).
    pub orphaned: usize,
    pub overlay: PathOverlay,
}

fn view(a: PathAdoptionState) -> PathAdoption {
    PathAdoption {
        update_waiting: a.update_waiting(),
        path_id: a.path_id,
        title: a.title,
        follow: a.follow,
        shown_version: a.shown_version,
        latest_version: a.latest_version,
        orphaned: a.orphaned,
        overlay: a.overlay,
    }
}

/// The member's adopted paths.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathAdoptions {
    pub items: Vec<PathAdoption>,
}

/// The member's adopted NZK learning paths
///
/// Member host. Permission catalog:write (authors, admins).
#[utoipa::path(get, path = "/api/v1/content/path-adoptions", tag = "adoptions", operation_id = "list_path_adoptions",
    responses((status = 200, description = "Adopted paths", body = PathAdoptions),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
) -> AppResult<Json<PathAdoptions>> {
    member_site(&ctx)?;
    let items = path_adoption::list(&p, ctx.tenant.id)
        .await?
        .into_iter()
        .map(|(a, _)| view(a))
        .collect();
    Ok(Json(PathAdoptions { items }))
}

/// Adopt a shared learning path or replace its accents
///
/// Member host. Permission catalog:write. Not a copy: accents are modules (the member's own
/// published ones or shared ones) anchored before or after modules of the path; hidden modules
/// must be marked optional by NZK (`not_optional`); a module already in the path can't be added
/// (`duplicate_module`); another member's module is `unknown_module`. `follow` works as for
/// modules. An own or unknown path is 404.
#[utoipa::path(put, path = "/api/v1/content/path-adoptions/{id}", tag = "adoptions", operation_id = "save_path_adoption",
    params(("id" = Uuid, Path, description = "The shared path's id")),
    request_body = PathAdoptionInput,
    responses((status = 200, description = "Saved", body = PathAdoption),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn save(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<PathAdoptionInput>,
) -> AppResult<Json<PathAdoption>> {
    member_site(&ctx)?;
    let state = path_adoption::save(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        input,
    )
    .await?;
    Ok(Json(view(state)))
}

/// The version an adopted path shows now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PathAccepted {
    pub path_id: Uuid,
    pub shown_version: i32,
}

/// Show the latest NZK version of an adopted path (review mode)
///
/// Member host. Permission catalog:write.
#[utoipa::path(post, path = "/api/v1/content/path-adoptions/{id}/accept", tag = "adoptions", operation_id = "accept_path_adoption",
    params(("id" = Uuid, Path, description = "The shared path's id")),
    responses((status = 200, description = "Accepted", body = PathAccepted),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn accept(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Json<PathAccepted>> {
    member_site(&ctx)?;
    let path_id = parse_id(&id)?;
    let shown_version = path_adoption::accept_latest(&p, ctx.tenant.id, path_id).await?;
    Ok(Json(PathAccepted {
        path_id,
        shown_version,
    }))
}

/// End a path's adoption (its accents go; the shared path stays)
///
/// Member host. Permission catalog:write.
#[utoipa::path(delete, path = "/api/v1/content/path-adoptions/{id}", tag = "adoptions", operation_id = "delete_path_adoption",
    params(("id" = Uuid, Path, description = "The shared path's id")),
    responses((status = 204, description = "Ended"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn remove(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    path_adoption::remove(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

type Form = CsrfForm<Vec<(String, String)>>;

fn follow_from(f: &Fields) -> Follow {
    if f.get("follow") == "review" {
        Follow::Review
    } else {
        Follow::Auto
    }
}

/// `POST /leren/trajecten/{id}/overnemen`: adopt a shared path (no accents yet).
pub async fn adopt(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let path = parse_id(&id)?;
    let input = PathAdoptionInput {
        follow: follow_from(&Fields(&pairs)),
        overlay: PathOverlay::default(),
    };
    path_adoption::save(&p, ctx.tenant.id, auth.principal.user_id, path, input).await?;
    Ok(see_other(&format!("/leren/beheer/trajecten/{path}")))
}

/// The first added module at `anchor`/`position`: the one the editor's choice shows.
fn first_at(overlay: &PathOverlay, anchor: Uuid, position: Position) -> Option<&PathAccent> {
    overlay
        .accents
        .iter()
        .find(|a| a.anchor == anchor && a.position == position)
}

/// `GET /leren/beheer/trajecten/{id}`
pub async fn edit(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    page(&p, &ctx, &auth, parse_id(&id)?, None).await
}

async fn page(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<CatalogWrite>,
    path: Uuid,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let (state, doc) = path_adoption::get(p, ctx.tenant.id, path).await?;
    // Every module the member may add: its catalogue (own and shared), up to 100.
    let query = CatalogQuery {
        per_page: Some("100".into()),
        ..Default::default()
    };
    let catalogue = catalog::search(p, ctx.tenant.id, &query).await?.items;
    let title_of = |id: &Uuid| {
        catalogue
            .iter()
            .find(|m| m.module_id == *id)
            .map(|m| m.title.clone())
    };
    let o = &state.overlay;
    let choices = |chosen: Option<Uuid>| -> Vec<Value> {
        catalogue
            .iter()
            .filter(|m| !doc.modules.contains(&m.module_id))
            .map(|m| json!({"id": m.module_id, "title": m.title, "own": m.source == "own", "selected": Some(m.module_id) == chosen}))
            .collect()
    };
    let modules: Vec<Value> = doc
        .modules
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let at = |pos| first_at(o, *id, pos).map(|a| a.module);
            json!({
                "id": id, "number": i + 1,
                "title": title_of(id).unwrap_or_else(|| id.to_string()),
                "optional": doc.optional.contains(id), "hidden": o.hidden.contains(id),
                "before": choices(at(Position::Before)), "after": choices(at(Position::After)),
            })
        })
        .collect();
    let orphans: Vec<Value> = path_adoption::orphans(o, &doc)
        .into_iter()
        .map(|a| json!({"id": a.module, "title": title_of(&a.module).unwrap_or_else(|| a.module.to_string())}))
        .collect();
    let data = json!({
        "path": {"id": path, "title": state.title, "shown_version": state.shown_version,
                 "latest_version": state.latest_version, "review": state.follow == Follow::Review},
        "intro": o.intro_markdown,
        "modules": modules,
        "orphans": orphans,
        "error": error.map(|e| e.body()),
        "is_admin": is_admin(p, ctx, auth).await,
    });
    let mut res = p
        .theme
        .render("path_overlay_edit", ctx, data)?
        .into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// Builds the overlay from the editor's form, keeping what the form doesn't show (further
/// modules at one place).
fn overlay_from(f: &Fields, current: &PathOverlay, doc: &PathDoc) -> AppResult<PathOverlay> {
    let mut out = PathOverlay {
        intro_markdown: f.get("intro"),
        ..PathOverlay::default()
    };
    let chosen = |name: String| -> AppResult<Option<Uuid>> {
        let raw = f.get(&name);
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse().map(Some).map_err(|_| {
            AppError::validation(name, "unknown_module", "Kies een module uit de lijst.")
        })
    };
    for id in &doc.modules {
        if doc.optional.contains(id) && !f.get(&format!("hide_{id}")).is_empty() {
            out.hidden.push(*id);
        }
        for (position, name) in [(Position::Before, "before"), (Position::After, "after")] {
            let first = first_at(current, *id, position);
            if let Some(module) = chosen(format!("{name}_{id}"))? {
                out.accents.push(PathAccent {
                    anchor: *id,
                    position,
                    module,
                });
            }
            out.accents.extend(
                current
                    .accents
                    .iter()
                    .filter(|a| a.anchor == *id && a.position == position && Some(*a) != first)
                    .cloned(),
            );
        }
    }
    // Added modules without a place: keep at the end, put after a chosen module, or remove.
    for a in path_adoption::orphans(current, doc) {
        match f.get(&format!("orphan_{}", a.module)).as_str() {
            "" => out.accents.push(a.clone()),
            "remove" => {}
            target => {
                let anchor = target
                    .parse()
                    .ok()
                    .filter(|t| doc.modules.contains(t))
                    .ok_or_else(|| {
                        AppError::validation(
                            format!("orphan_{}", a.module),
                            "unknown_module",
                            "Kies een module van deze versie.",
                        )
                    })?;
                out.accents.push(PathAccent {
                    anchor,
                    position: Position::After,
                    module: a.module,
                });
            }
        }
    }
    Ok(out)
}

/// `POST /leren/beheer/trajecten/{id}`
pub async fn save_form(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let path = parse_id(&id)?;
    let (state, doc) = path_adoption::get(&p, ctx.tenant.id, path).await?;
    let f = Fields(&pairs);
    let result = match overlay_from(&f, &state.overlay, &doc) {
        Ok(overlay) => {
            let input = PathAdoptionInput {
                follow: follow_from(&f),
                overlay,
            };
            path_adoption::save(&p, ctx.tenant.id, auth.principal.user_id, path, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/leren/trajecten/{path}"))),
        Err(e) if refused(&e) => page(&p, &ctx, &auth, path, Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /leren/beheer/trajecten/{id}/accepteren`: show the latest NZK version (review mode).
pub async fn accept_form(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(_): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let version = path_adoption::accept_latest(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok(see_other(&format!("/leren/beheer?geaccepteerd={version}")))
}
