//! The request context: tenant from `Host`, principal from cookie or bearer token, language and
//! CSRF token; unknown hosts and suspended members refused; errors of page requests rendered as
//! pages.

use super::{cookie, is_mutating, set_cookie, url_encode};
use crate::{
    auth::Principal,
    config::Config,
    crypto,
    error::{AppError, ErrorBody},
    platform::Platform,
    tenancy::{Tenant, TenantStatus},
    web::Lang,
};
use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use std::sync::Arc;
use tower_http::request_id::RequestId;
use tracing::Span;

/// Name of the language cookie.
pub const LANG_COOKIE: &str = "zk_lang";

/// What a handler knows about the request beyond its own parameters.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub tenant: Arc<Tenant>,
    pub principal: Option<Principal>,
    pub lang: Lang,
    /// The CSRF token forms and session API calls must carry (see [`csrf_token`]).
    pub csrf: String,
    pub path: String,
    pub request_id: String,
    /// A message from the previous request (see [`super::see_other_with_flash`]), shown once.
    pub flash: Option<String>,
    /// The principal's roles on this host's tenant (from memory; empty for visitors): every
    /// page's menu shows what they can use.
    pub roles: Vec<crate::authz::Role>,
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

/// Operational paths that need no tenant: `/healthz` on every host; `/readyz` and `/metrics`
/// only on the bare base domain or an address literal (probes and scrapers inside the
/// deployment), never on a member's portal. `None` for every other path.
fn infrastructure(path: &str, host: &str, config: &Config) -> Option<bool> {
    match path {
        // The theme's files are the same on every host: error pages of unknown hosts use them.
        "/healthz" => Some(true),
        p if p.starts_with("/static/") => Some(true),
        "/readyz" | "/metrics" => {
            let host = crate::tenancy::normalise_host(host);
            Some(host == config.base_domain || host.parse::<std::net::IpAddr>().is_ok())
        }
        _ => None,
    }
}

/// Paths that other sites post to by design and that carry their own proof instead of our CSRF
/// token: LTI's login initiation and launch (a member's LMS posts them; the one-time state and
/// nonce and the platform's signature protect them).
pub fn cross_site_by_design(path: &str) -> bool {
    matches!(path, "/lti/login" | "/lti/launch")
}

/// What a request on a member's package host (`{slug}.{package_domain}`) knows: the member,
/// and nothing about who asks (no principal, no cookies). Only package files answer there.
#[derive(Clone, Debug)]
pub struct PackageSandbox {
    pub tenant: Arc<Tenant>,
}

impl<S: Send + Sync> FromRequestParts<S> for PackageSandbox {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<PackageSandbox>()
            .cloned()
            .ok_or_else(AppError::not_found)
    }
}

/// What answers on a package host: the package files (`/pakket/…`, GET and HEAD) and the
/// player with its run-time (`/speler/…`: GET and HEAD, and POST for a play session's commits,
/// which carry the session's token, never a cookie; PUT and DELETE on the xAPI endpoint of
/// cmi5 packages, `/speler/xapi/…`, which carry a launch's auth token).
fn sandbox_allows(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    match *method {
        Method::GET | Method::HEAD => path.starts_with("/pakket/") || path.starts_with("/speler/"),
        Method::POST => path.starts_with("/speler/"),
        // The xAPI endpoint of cmi5 packages writes and deletes documents.
        Method::PUT | Method::DELETE => path.starts_with("/speler/xapi/"),
        _ => false,
    }
}

/// The package sandbox: on `{slug}.{package_domain}` only the member's package files and the
/// package player answer (see [`sandbox_allows`]), with no principal and no cookie set, under a policy that lets
/// packages run their own scripts and lets only the member's portal frame them. Everything
/// else there is 404. The portal's cookies are host-only, so they never come here.
async fn package_sandbox(
    platform: &Platform,
    slug: &str,
    mut req: Request,
    next: Next,
) -> Response {
    let allowed = sandbox_allows(req.method(), req.uri().path());
    let portal_host = format!("{slug}.{}", platform.config.base_domain);
    let tenant = if allowed {
        platform
            .directory
            .resolve(&portal_host)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    let Some(tenant) = tenant.filter(|t| t.is_active() && !t.is_platform) else {
        return (StatusCode::NOT_FOUND, "Niet gevonden.").into_response();
    };
    req.extensions_mut().insert(PackageSandbox { tenant });
    let mut res = next.run(req).await;
    res.headers_mut().remove(header::SET_COOKIE);
    let policy = format!(
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'self' {}",
        platform.config.tenant_url(slug)
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&policy) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    // A play session's token is in the player's address: never sent on to anyone.
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    res
}

/// True for JSON API paths (errors as JSON, never as pages).
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Resolves tenant, principal, language and CSRF token; renders errors of page requests as
/// pages; refuses unknown hosts and suspended members.
pub(super) async fn context(
    State(platform): State<Platform>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    // Borrowed, not cloned: every use ends before the request is handed on.
    let headers = req.headers();
    let host_header = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or_default();
    let lang = cookie(headers, LANG_COOKIE)
        .map(Lang::parse)
        .unwrap_or(Lang::Nl);
    match infrastructure(&path, host_header, &platform.config) {
        Some(true) => return next.run(req).await,
        Some(false) => {
            return error_page(
                &platform,
                None,
                &path,
                lang,
                AppError::not_found().into_response(),
            )
        }
        None => {}
    }
    // A package host serves the member's package files and nothing else.
    let package_slug = platform
        .config
        .package_slug(&crate::tenancy::normalise_host(host_header))
        .map(str::to_owned);
    if let Some(slug) = package_slug {
        return package_sandbox(&platform, &slug, req, next).await;
    }
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let host = host_header.to_owned();

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
    if tenant.status == TenantStatus::Suspended
        && !(tenant.suspended_by_billing && open_while_unpaid(&path))
    {
        // Closed for non-payment: the member's admins are sent to what is due and how to pay
        // it; everyone else gets a plain message (the page knows whether they are signed in).
        let mut principal = None;
        if tenant.suspended_by_billing && !is_api(&path) {
            if let Some(token) = cookie(headers, platform.config.session_cookie()) {
                principal = platform
                    .sessions
                    .session(tenant.id, token)
                    .await
                    .ok()
                    .flatten();
            }
            if let Some(p) = &principal {
                let roles = platform.authz.roles(tenant.id, p.user_id).await;
                if roles.contains(&crate::authz::Role::Admin) {
                    return Redirect::to(UNPAID_ADMIN_PAGE).into_response();
                }
            }
        }
        let ctx = RequestContext {
            tenant,
            principal,
            lang,
            csrf: String::new(),
            path: path.clone(),
            request_id,
            flash: None,
            roles: Vec::new(),
        };
        return error_page(
            &platform,
            Some(&ctx),
            &path,
            lang,
            if ctx.tenant.suspended_by_billing {
                AppError::tenant_unpaid().into_response()
            } else {
                AppError::tenant_suspended().into_response()
            },
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
        None => match cookie(headers, platform.config.session_cookie()) {
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

    let (csrf, new_anonymous) = csrf_token(&platform.config, headers);
    if is_mutating(req.method()) && bearer.is_none() && !cross_site_by_design(&path) {
        // Browsers say where a form post comes from: another site, or a sibling subdomain (same
        // site, other origin), is refused whatever token it carries.
        if !same_origin(&platform.config, headers) {
            tracing::warn!("cross-origin form post refused");
            return AppError::csrf().into_response();
        }
        // A browser session calling a mutating API route must send the page's token in a header
        // (forms are checked by `CsrfForm`; bearer tokens are not sent by browsers on their own).
        let via_session = principal
            .as_ref()
            .is_some_and(|p| p.credential == crate::auth::Credential::Session);
        if via_session && is_api(&path) {
            let sent = headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !csrf_matches(&csrf, sent) {
                return AppError::csrf().into_response();
            }
        }
    }
    let flash = (req.method() == axum::http::Method::GET && !is_api(&path))
        .then(|| super::flash::read(&platform.config, tenant.id, headers))
        .flatten();
    let shows_flash = flash.is_some();
    let roles = match &principal {
        Some(p) if p.tenant_id == tenant.id => platform.authz.roles(tenant.id, p.user_id).await,
        _ => Vec::new(),
    };
    let ctx = RequestContext {
        tenant,
        principal,
        lang,
        csrf: csrf.clone(),
        path: path.clone(),
        request_id,
        flash,
        roles,
    };
    req.extensions_mut().insert(ctx.clone());
    req.extensions_mut().insert(platform.authz.clone());

    let mut res = next.run(req).await;
    if shows_flash {
        super::flash::clear_after(&platform.config, &mut res);
    }
    if let Some(value) = new_anonymous {
        res.headers_mut().append(
            header::SET_COOKIE,
            anonymous_csrf_cookie(&platform.config, &value),
        );
    }
    error_page(&platform, Some(&ctx), &path, lang, res)
}

/// The request's CSRF token: bound to the session cookie when the browser sends one, otherwise
/// to an anonymous random cookie (made now when missing: its value is returned to be set).
/// A login or logout changes the session cookie, and with it the token; both also set a new
/// anonymous cookie ([`anonymous_csrf_cookie`]).
fn csrf_token(config: &Config, headers: &axum::http::HeaderMap) -> (String, Option<String>) {
    let key = config.secret_key.expose().as_bytes();
    if let Some(session) = cookie(headers, config.session_cookie()).filter(|s| !s.is_empty()) {
        return (crypto::csrf_token(key, &format!("s:{session}")), None);
    }
    match cookie(headers, config.csrf_cookie()).filter(|c| c.len() >= 32) {
        Some(anonymous) => (crypto::csrf_token(key, &format!("a:{anonymous}")), None),
        None => {
            let anonymous = crypto::random_token();
            let token = crypto::csrf_token(key, &format!("a:{anonymous}"));
            (token, Some(anonymous))
        }
    }
}

/// A `Set-Cookie` for a fresh anonymous CSRF cookie.
pub fn anonymous_csrf_cookie(config: &Config, value: &str) -> axum::http::HeaderValue {
    set_cookie(config.csrf_cookie(), value, None, config.secure_cookies())
}

/// Whether a sent token is the expected one (never empty, compared in constant time).
pub fn csrf_matches(expected: &str, sent: &str) -> bool {
    !expected.is_empty() && crypto::constant_time_eq(expected, sent)
}

/// False when the browser marks the request as coming from another origin: `Sec-Fetch-Site` of
/// `cross-site` or `same-site` (a sibling subdomain is same-site), or an `Origin` other than this
/// host's (including `null`). Clients that send neither header are judged by the token alone.
fn same_origin(config: &Config, headers: &axum::http::HeaderMap) -> bool {
    let get = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
    };
    if matches!(get("sec-fetch-site"), Some("cross-site" | "same-site")) {
        return false;
    }
    match (get("origin"), get("host")) {
        (None, _) => true,
        (Some(origin), Some(host)) => {
            origin.eq_ignore_ascii_case(&format!("{}://{host}", config.public_scheme))
        }
        (Some(_), None) => false,
    }
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
                flash: None,
                roles: Vec::new(),
            };
            &fallback
        }
    };
    let theme = &platform.theme;
    let title = theme
        .t_exact(lang, &format!("error.{}", body.code))
        .unwrap_or_else(|| {
            theme
                .t_exact(lang, "error.generic")
                .unwrap_or("Er ging iets mis")
        })
        .to_owned();
    // The English text when the locale has one; otherwise the message as the error carries it.
    let message = match lang {
        Lang::Nl => body.message.clone(),
        Lang::En => theme
            .t_exact(lang, &format!("error.{}.message", body.code))
            .map_or_else(|| body.message.clone(), str::to_owned),
    };
    // On a host that is no portal, the way on is the NZK site (and its look, not a member's).
    let unknown_host = body.code == "unknown_host";
    let data = serde_json::json!({
        "status": status.as_u16(),
        "code": body.code,
        "title": title,
        "message": message,
        "field": body.field,
        "unknown_host": unknown_host,
        "home_url": if unknown_host { platform.config.platform_url() } else { "/".to_owned() },
    });
    let mut page = match platform.theme.render("error", ctx, data) {
        Ok(html) => (status, html).into_response(),
        Err(_) => (status, body.message.clone()).into_response(),
    };
    for cookie in res.headers().get_all(header::SET_COOKIE) {
        page.headers_mut()
            .append(header::SET_COOKIE, cookie.clone());
    }
    // A 503 says when to try again; the page keeps the error's body for the layers outside
    // (the read retry looks for it).
    if let Some(after) = res.headers().get(header::RETRY_AFTER) {
        page.headers_mut()
            .insert(header::RETRY_AFTER, after.clone());
    }
    page.extensions_mut().insert(body);
    page
}

/// Where the admins of a member suspended for non-payment are sent from every closed page: the
/// billing service's page of what is due and how to pay it.
const UNPAID_ADMIN_PAGE: &str = "/abonnement/betalen";

/// What a member suspended for non-payment can still reach: signing in and out, its look, and
/// billing (whose own permission check lets only its admins in), so that it can pay.
fn open_while_unpaid(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/inloggen",
        "/uitloggen",
        "/wachtwoord-vergeten",
        "/wachtwoord-herstellen/",
        "/static/",
        "/theme.css",
        "/logo",
        "/abonnement",
        "/api/v1/billing/",
        "/api/v1/me",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p))
}

#[cfg(test)]
mod unpaid_tests {
    #[test]
    fn only_sign_in_look_and_billing_stay_open() {
        for open in [
            "/inloggen",
            "/abonnement",
            "/abonnement/betalen",
            "/api/v1/billing/subscription",
            "/static/app.css",
        ] {
            assert!(super::open_while_unpaid(open), "{open}");
        }
        for closed in [
            "/",
            "/leren",
            "/beheer",
            "/api/v1/users",
            "/api/v1/learning/enrolments",
            "/console",
        ] {
            assert!(!super::open_while_unpaid(closed), "{closed}");
        }
    }
}
