//! The global layers (one `ServiceBuilder`), metrics recording, and the routes every process
//! serves: `/healthz`, `/readyz`, `/metrics`.

use super::context::context;
use crate::{crypto, error::AppError, platform::Platform};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    Router,
};
use std::time::Instant;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use tracing::{field::Empty, Span};

/// The edge layers as one `ServiceBuilder` (outermost first). Composed into a single layer so
/// axum boxes — and clones per request — one service per route instead of one per layer. A macro
/// because the builder's type is unnameable.
macro_rules! edge_layers {
    ($platform:expr) => {
    ServiceBuilder::new()
        .layer(CatchPanicLayer::new())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let route = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
                    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
                    tracing::info_span!(
                        "request",
                        http.method = %req.method(),
                        http.route = route.unwrap_or("unmatched"),
                        request.id = request_id,
                        tenant.id = Empty,
                        user.id = Empty,
                    )
                })
                .on_request(())
                .on_response(|res: &Response, latency: std::time::Duration, _span: &Span| {
                    tracing::info!(http.status = res.status().as_u16(), duration_ms = latency.as_millis() as u64, "request done");
                }),
        )
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp(&$platform.config)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        // The default; a route may choose a stricter one (the package player: `no-referrer`).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, $platform.config.request_timeout))
        // Every body extractor (JSON, forms, bytes, multipart) stops reading at this limit (413).
        .layer(axum::extract::DefaultBodyLimit::max($platform.config.body_limit))
        // axum middleware last: its inner service must answer with axum's own response type.
        .layer(middleware::from_fn_with_state($platform.clone(), record_metrics))
        .layer(middleware::from_fn_with_state($platform.clone(), strict_transport))
        .layer(middleware::from_fn(retry_reads))
    };
}

/// Applies the global layers once, around the whole router, like crates.io's middleware stack:
/// the request context (tenant, principal, CSRF, error pages) inside the edge layers.
pub fn apply_layers(router: Router, platform: &Platform) -> Router {
    router.layer(
        edge_layers!(platform).layer(middleware::from_fn_with_state(platform.clone(), context)),
    )
}

/// The layers without the request context: what the gateway puts around requests it forwards
/// to another process (that process resolves tenant and principal itself).
pub fn apply_edge_layers(router: Router, platform: &Platform) -> Router {
    router.layer(edge_layers!(platform))
}

/// Content-Security-Policy of every response: our own scripts and styles only, no framing of
/// our pages; frames only of our own pages and the package hosts.
/// Media (images, video, uploads) may also come from and go to the S3 endpoint, whose presigned
/// URLs the browser uses directly.
pub fn csp(config: &crate::config::Config) -> HeaderValue {
    csp_allowing(config, &[], &[])
}

/// [`csp`] for a page that another site may frame (`frame_ancestors`: origins; none keeps
/// `'none'`) or whose form posts to another site (`form_action`: origins besides `'self'`): the
/// LTI pages an LMS shows and the answer a tool posts back to it.
pub fn csp_allowing(
    config: &crate::config::Config,
    frame_ancestors: &[String],
    form_action: &[String],
) -> HeaderValue {
    let store = config
        .s3
        .as_ref()
        .and_then(|s3| url::Url::parse(&s3.endpoint).ok())
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    // E-learning packages play in frames from the members' package hosts.
    let packages = config.url_for_host(&format!("*.{}", config.package_domain));
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        frame_ancestors.join(" ")
    };
    let actions: String = form_action.iter().map(|o| format!(" {o}")).collect();
    let policy = format!(
        "default-src 'self'; img-src 'self' data:{store}; media-src 'self'{store}; \
         connect-src 'self'{store}; style-src 'self'; script-src 'self'; object-src 'none'; \
         frame-src 'self' {packages}; base-uri 'self'; form-action 'self'{actions}; \
         frame-ancestors {ancestors}"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// HSTS whenever the platform is served over https: browsers then refuse plain http for the
/// base domain and every member subdomain for two years.
async fn strict_transport(State(platform): State<Platform>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if platform.config.secure_cookies() {
        res.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

/// How long a read waits before its one retry after the database was unreachable (the pool
/// then waits up to its acquire timeout for the server to take connections again).
const READ_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

/// Reads (GET, HEAD) that failed because the database or the object store was unreachable for a
/// moment (a restart, a failover, a connection broken in flight:
/// [`AppError::database_unavailable`], [`AppError::storage_unavailable`]) are tried once more,
/// so a restart under load costs readers a pause instead of an error. Writes are never retried
/// here: they answer 503 with `Retry-After` (nothing of them was kept) and the client
/// decides. Only this process's own errors count (a response it forwarded carries no
/// [`ErrorBody`](crate::error::ErrorBody)), so a gateway doesn't retry what a service retried.
async fn retry_reads(req: Request, next: Next) -> Response {
    if !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let again = parts.clone();
    let res = next.clone().run(Request::from_parts(parts, body)).await;
    let unavailable = res
        .extensions()
        .get::<crate::error::ErrorBody>()
        .is_some_and(|b| {
            b.code == crate::error::DATABASE_UNAVAILABLE
                || b.code == crate::error::STORAGE_UNAVAILABLE
        });
    if !unavailable {
        return res;
    }
    tracing::info!("database unreachable during a read; trying it once more");
    tokio::time::sleep(READ_RETRY_PAUSE).await;
    next.run(Request::from_parts(again, axum::body::Body::empty()))
        .await
}

async fn record_metrics(State(platform): State<Platform>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let res = next.run(req).await;
    platform.metrics.observe(
        method.as_str(),
        route.as_deref().unwrap_or("unmatched"),
        res.status().as_u16(),
        started.elapsed(),
    );
    res
}

/// `/healthz`, `/readyz` and `/metrics`: every process serves these, whatever its service.
pub fn infra_routes(platform: Platform) -> Router {
    use axum::routing::get;
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(platform)
}

async fn readyz(State(p): State<Platform>) -> Response {
    match sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&p.db.app)
        .await
    {
        Ok(_) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `GET /metrics`; with `ZK_METRICS_TOKEN` set, only for `Authorization: Bearer <that token>`.
async fn metrics(State(p): State<Platform>, headers: HeaderMap) -> Response {
    if let Some(expected) = &p.config.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !crypto::constant_time_eq(sent, expected.expose()) {
            return AppError::unauthenticated().into_response();
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        p.metrics.render_with(&p.metrics.read_gauges().await),
    )
        .into_response()
}
