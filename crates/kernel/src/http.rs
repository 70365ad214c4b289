//! HTTP plumbing shared by every service: the request context (tenant from `Host`, principal from
//! cookie or bearer token, language, CSRF token), the global layers, error pages, extractors and
//! `serve`.

use crate::{
    auth::{Principal, SESSION_COOKIE},
    crypto,
    error::{AppError, ErrorBody},
    platform::Platform,
    tenancy::{Tenant, TenantStatus},
    web::Lang,
};
use axum::{
    body::Body,
    extract::{
        rejection::JsonRejection, ConnectInfo, FromRequest, FromRequestParts, MatchedPath, Request,
        State,
    },
    http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    Router,
};
use serde::de::DeserializeOwned;
use std::{future::Future, net::SocketAddr, sync::Arc, time::Instant};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use tracing::{field::Empty, Span};

/// Name of the CSRF cookie (double-submit: forms carry the same value in `csrf`).
pub const CSRF_COOKIE: &str = "zk_csrf";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "zk_lang";

/// What a handler knows about the request beyond its own parameters.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub tenant: Arc<Tenant>,
    pub principal: Option<Principal>,
    pub lang: Lang,
    pub csrf: String,
    pub path: String,
    pub request_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("request context missing")))
    }
}

/// Paths that work without a tenant (probes and metrics).
fn is_infrastructure(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// True for JSON API paths (errors as JSON, never as pages).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

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
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, $platform.config.request_timeout))
        // Every body extractor (JSON, forms, bytes, multipart) stops reading at this limit (413).
        .layer(axum::extract::DefaultBodyLimit::max($platform.config.body_limit))
        // axum middleware last: its inner service must answer with axum's own response type.
        .layer(middleware::from_fn_with_state($platform.clone(), record_metrics))
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

/// Content-Security-Policy of every response: our own scripts and styles only, no framing.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

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

/// Resolves tenant, principal, language and CSRF token; renders errors of page requests as
/// pages; refuses unknown hosts and suspended members.
async fn context(State(platform): State<Platform>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if is_infrastructure(&path) {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let lang = cookie(&headers, LANG_COOKIE)
        .map(Lang::parse)
        .unwrap_or(Lang::Nl);
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or_default()
        .to_owned();

    let tenant = match platform.directory.resolve(&host).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            let err = AppError::new(
                StatusCode::NOT_FOUND,
                "unknown_host",
                "Dit adres hoort niet bij een portaal van de Nationale Zorgklas.",
            );
            return error_page(&platform, None, &path, lang, err.into_response());
        }
        Err(e) => return error_page(&platform, None, &path, lang, e.into_response()),
    };
    let span = Span::current();
    span.record("tenant.id", tracing::field::display(tenant.id));
    if tenant.status == TenantStatus::Suspended {
        let ctx = RequestContext {
            tenant,
            principal: None,
            lang,
            csrf: String::new(),
            path: path.clone(),
            request_id,
        };
        return error_page(
            &platform,
            Some(&ctx),
            &path,
            lang,
            AppError::tenant_suspended().into_response(),
        );
    }

    // Bearer tokens for API clients, the session cookie for browsers. Both are looked up in the
    // host's tenant only, so a credential of another tenant is simply not found.
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let principal = match bearer {
        Some(token) => match platform.sessions.bearer(tenant.id, token).await {
            Ok(Some(p)) => Some(p),
            Ok(None) => {
                let err = AppError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "Dit token is ongeldig voor dit adres.",
                );
                return err.into_response();
            }
            Err(e) => return e.into_response(),
        },
        None => match cookie(&headers, SESSION_COOKIE) {
            Some(token) => match platform.sessions.session(tenant.id, token).await {
                Ok(p) => p,
                Err(e) => return e.into_response(),
            },
            None => None,
        },
    };
    if let Some(p) = &principal {
        span.record("user.id", tracing::field::display(p.user_id));
    }

    let (csrf, new_csrf) = match cookie(&headers, CSRF_COOKIE) {
        Some(c) if c.len() >= 32 => (c.to_owned(), false),
        _ => (crypto::random_token(), true),
    };
    // A browser session calling a mutating API route must prove it read the CSRF cookie
    // (forms are checked by `CsrfForm`; bearer tokens are not sent by browsers on their own).
    let via_session = principal
        .as_ref()
        .is_some_and(|p| p.credential == crate::auth::Credential::Session);
    if via_session && is_api(&path) && is_mutating(req.method()) {
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if new_csrf || !crypto::constant_time_eq(sent, &csrf) {
            return AppError::csrf().into_response();
        }
    }
    let ctx = RequestContext {
        tenant,
        principal,
        lang,
        csrf: csrf.clone(),
        path: path.clone(),
        request_id,
    };
    req.extensions_mut().insert(ctx.clone());
    req.extensions_mut().insert(platform.authz.clone());

    let mut res = next.run(req).await;
    if new_csrf {
        let cookie = set_cookie(CSRF_COOKIE, &csrf, None, platform.config.secure_cookies());
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    error_page(&platform, Some(&ctx), &path, lang, res)
}

/// Gives error responses the JSON envelope (API) or an error page (browser), whatever produced
/// them (handler, extractor, router fallback, body limit, timeout).
fn error_page(
    platform: &Platform,
    ctx: Option<&RequestContext>,
    path: &str,
    lang: Lang,
    res: Response,
) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // Already a page (a form shown again with its error): leave it as the handler made it.
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && res.extensions().get::<ErrorBody>().is_none() {
        return res;
    }
    let body = match res.extensions().get::<ErrorBody>() {
        Some(b) => b.clone(),
        None => {
            let err = match status {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    AppError::new(status, "payload_too_large", "Het verzoek is te groot.")
                }
                StatusCode::REQUEST_TIMEOUT => {
                    AppError::new(status, "timeout", "Het verzoek duurde te lang.")
                }
                StatusCode::METHOD_NOT_ALLOWED => AppError::new(
                    status,
                    "method_not_allowed",
                    "Deze methode is hier niet toegestaan.",
                ),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::new(
                    status,
                    "unsupported_media_type",
                    "Dit type inhoud wordt niet ondersteund.",
                ),
                StatusCode::NOT_FOUND => AppError::not_found(),
                s if s.is_server_error() => {
                    AppError::internal(anyhow::anyhow!("status {s} without error body"))
                }
                s => AppError::new(s, "bad_request", "Het verzoek is ongeldig."),
            };
            if is_api(path) {
                return err.into_response();
            }
            err.body()
        }
    };
    if is_api(path) {
        return res;
    }
    // A page that needs a login sends the browser to the login page.
    if status == StatusCode::UNAUTHORIZED {
        let target = format!("/inloggen?terug={}", url_encode(path));
        return Redirect::to(&target).into_response();
    }
    let fallback;
    let ctx = match ctx {
        Some(c) => c,
        None => {
            fallback = RequestContext {
                tenant: Arc::new(platform.fallback_tenant()),
                principal: None,
                lang,
                csrf: String::new(),
                path: path.to_owned(),
                request_id: String::new(),
            };
            &fallback
        }
    };
    let title_key = format!("error.{}", body.code);
    let title = platform.theme.t(lang, &title_key);
    let data = serde_json::json!({
        "status": status.as_u16(),
        "code": body.code,
        "title": if title == title_key { platform.theme.t(lang, "error.generic") } else { title },
        "message": if lang == Lang::Nl { body.message.clone() } else { platform.theme.t(lang, &format!("error.{}.message", body.code)) },
        "field": body.field,
    });
    let mut page = match platform.theme.render("error", ctx, data) {
        Ok(html) => (status, html).into_response(),
        Err(_) => (status, body.message).into_response(),
    };
    for cookie in res.headers().get_all(header::SET_COOKIE) {
        page.headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    page
}

/// Percent-encodes a path for a query value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of a cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: host-only, `HttpOnly; SameSite=Lax; Path=/`, `Secure` outside plain http.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<u64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// JSON body extractor whose rejections use the platform's error envelope.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Stuur de gegevens als JSON (Content-Type: application/json).",
        ),
        JsonRejection::JsonSyntaxError(_) => AppError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "De JSON in het verzoek is niet geldig.",
        ),
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let field = text.split('`').nth(1).map(str::to_owned).or_else(|| {
                text.split(": ")
                    .next()
                    .and_then(|p| p.rsplit('.').next())
                    .map(str::to_owned)
            });
            let mut err = AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "Een veld in het verzoek ontbreekt of heeft het verkeerde type.",
            );
            err.field = field.map(Into::into);
            err
        }
        JsonRejection::BytesRejection(_) => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Het verzoek is te groot.",
        ),
        _ => AppError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Het verzoek is ongeldig.",
        ),
    }
}

/// A URL-encoded form whose `csrf` field must match the CSRF cookie.
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = cookie(req.headers(), CSRF_COOKIE).map(str::to_owned);
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Dit type inhoud wordt niet ondersteund.",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "Het verzoek is te groot.",
                )
            })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Het formulier is ongeldig.",
            )
        })?;
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        match (expected, sent) {
            (Some(e), Some(s)) if crypto::constant_time_eq(&e, s) => {}
            _ => return Err(AppError::csrf()),
        }
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "Een veld van het formulier ontbreekt of is ongeldig.",
            )
        })?;
        Ok(Self(value))
    }
}

/// The client's address (from the connection, or `X-Forwarded-For` when trusted).
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl FromRequestParts<Platform> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        platform: &Platform,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, platform.config.trust_forwarded)))
    }
}

/// The client's address, as [`ClientIp`] does it, for any state.
pub fn client_ip(parts: &Parts, trust_forwarded: bool) -> String {
    if trust_forwarded {
        if let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return ip.trim().to_owned();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// True for requests that change state.
pub fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Serves `router` on `listener` until `shutdown` resolves (shared by `main` and tests).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// An empty body response with a status (used by redirects-after-POST helpers).
pub fn see_other(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .unwrap_or_default()
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
        p.metrics.render(),
    )
        .into_response()
}
