//! Gateway: what sits in front of the services. The theme's static files,
//! the language switch, the merged OpenAPI document, and — in split mode — forwarding each
//! request to the process that owns its path.

mod proxy;

pub use proxy::{proxy_router, service_for_path, Upstream, Upstreams};

use axum::{
    extract::{Path, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde_json::Value;
use zk_kernel::{
    http::{local_path, see_other, set_cookie, LANG_COOKIE},
    web::Lang,
    AppError, Platform,
};

/// State of the gateway's own routes.
#[derive(Clone)]
pub struct GatewayState {
    pub platform: Platform,
    /// The merged OpenAPI document.
    pub openapi: std::sync::Arc<Value>,
}

/// The gateway's own routes; `fragments` are the services' OpenAPI documents.
pub fn router(platform: Platform, fragments: &[&str]) -> Router {
    let state = GatewayState {
        platform,
        openapi: std::sync::Arc::new(merge_openapi(fragments)),
    };
    Router::new()
        .route("/static/{file}", get(static_file))
        .route("/taal/{lang}", get(switch_language))
        .route("/api/v1/openapi.json", get(openapi))
        .with_state(state)
}

/// The gateway's own route, described like the services' (merged first).
#[derive(utoipa::OpenApi)]
#[openapi(paths(openapi))]
pub struct GatewayApi;

/// The OpenAPI 3.1 document: the gateway's frame (`openapi.json`: info, servers, security
/// schemes) with its own and the services' generated paths and schemas.
pub fn merge_openapi(fragments: &[&str]) -> Value {
    let own = <GatewayApi as utoipa::OpenApi>::openapi()
        .to_json()
        .unwrap_or_default();
    let fragments: Vec<&str> = std::iter::once(own.as_str())
        .chain(fragments.iter().copied())
        .collect();
    merge_frame(&fragments)
}

fn merge_frame(fragments: &[&str]) -> Value {
    let mut doc: Value = serde_json::from_str(include_str!("openapi.json")).unwrap_or(Value::Null);
    for fragment in fragments {
        let Ok(Value::Object(part)) = serde_json::from_str::<Value>(fragment) else {
            continue;
        };
        for section in ["paths", "components"] {
            if let (Some(Value::Object(src)), Some(Value::Object(dst))) =
                (part.get(section), doc.get_mut(section))
            {
                for (k, v) in src {
                    match (dst.get_mut(k), v) {
                        (Some(Value::Object(d)), Value::Object(s)) => d.extend(s.clone()),
                        _ => {
                            dst.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
        }
    }
    doc
}

/// `GET /static/{file}`: CSS and scripts of the theme.
async fn static_file(
    State(s): State<GatewayState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let (content_type, body) = s
        .platform
        .theme
        .static_file(&file)
        .ok_or_else(AppError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body.to_owned(),
    )
        .into_response())
}

/// `GET /taal/{nl|en}`: remembers the language and goes back to where the user was.
async fn switch_language(
    State(s): State<GatewayState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::parse(&lang);
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .and_then(local_path)
        .filter(|p| !p.starts_with("/taal/"))
        .unwrap_or("/")
        .to_owned();
    let mut res = see_other(&back);
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            Some(365 * 24 * 3600),
            s.platform.config.secure_cookies(),
        ),
    );
    res
}

/// This document
///
/// The OpenAPI 3.1 description of the whole platform: the gateway's frame and every service's
/// part, each generated from its handlers and their types. Public.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "platform", operation_id = "get_openapi",
    security(()),
    responses((status = 200, description = "OpenAPI document", content_type = "application/json")))]
async fn openapi(State(s): State<GatewayState>) -> Json<Value> {
    Json((*s.openapi).clone())
}
