//! Content service (slot): the shared catalog, modules, versions, 80/20 overlays, contributions,
//! reviews, votes, media, enrolments, progress and the LTI tool arrive with the content/learning
//! issue. For now it exposes its router with the catalog endpoint guarded by its permission, so
//! routing, split mode and the role matrix already include it.

use axum::{routing::get, Json, Router};
use serde_json::{json, Value};
use zk_kernel::{authz::Require, http::RequestContext, AppResult, Platform};

/// The OpenAPI paths of this service (merged by the gateway).
pub const OPENAPI: &str = include_str!("openapi.json");

zk_kernel::permission! {
    /// Every member role: browse the catalog.
    CatalogRead = "catalog", "read";
}

/// Content routes with state applied.
pub fn router(platform: Platform) -> Router {
    Router::new()
        .route("/api/v1/catalog", get(list_catalog))
        .with_state(platform)
}

/// `GET /api/v1/catalog`: the modules visible to this member. The catalog tables come with the
/// content issue; until then the list is empty for every member.
async fn list_catalog(ctx: RequestContext, _: Require<CatalogRead>) -> AppResult<Json<Value>> {
    if ctx.tenant.is_platform {
        return Err(zk_kernel::AppError::not_found());
    }
    Ok(Json(json!({ "items": [] })))
}
