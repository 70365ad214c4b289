//! HTTP handlers of the tenant service: extract → parse → one domain call → response.

pub mod account;
pub mod admin;
pub mod admin_users;
pub mod api_branding;
pub mod api_members;
pub mod api_tokens;
pub mod api_users;
pub mod auth;
pub mod console;
pub mod pages;

use axum::{http::header, response::Response};
use zk_kernel::{
    crypto,
    http::{anonymous_csrf_cookie, see_other, set_cookie, RequestContext},
    AppError, AppResult, Platform,
};

pub(crate) use zk_kernel::http::form_error;

/// Redirects after a successful login, setting the session cookie (and with it a new CSRF
/// token) and a new anonymous CSRF cookie.
pub fn redirect_with_session(platform: &Platform, token: &str, to: &str) -> Response {
    let mut res = see_other(to);
    let config = &platform.config;
    let max_age = platform.sessions.ttl().as_secs();
    let headers = res.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(
            config.session_cookie(),
            token,
            Some(max_age),
            config.secure_cookies(),
        ),
    );
    headers.append(
        header::SET_COOKIE,
        anonymous_csrf_cookie(config, &crypto::random_token()),
    );
    res
}

/// 404 unless the request came in on a member's host.
pub(crate) fn member_site(ctx: &RequestContext) -> AppResult<()> {
    if ctx.tenant.is_platform {
        Err(AppError::not_found())
    } else {
        Ok(())
    }
}

/// 404 unless the request came in on the bare base domain.
pub(crate) fn platform_site(ctx: &RequestContext) -> AppResult<()> {
    if ctx.tenant.is_platform {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}
