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
pub mod imports;
pub mod pages;

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use zk_kernel::{
    crypto,
    http::{anonymous_csrf_cookie, see_other, set_cookie, RequestContext},
    AppError, AppResult, Platform,
};

/// Re-renders a form with the error of a failed submission (4xx), keeping what the user typed;
/// server errors go on to the error page.
pub(crate) fn form_error(
    platform: &Platform,
    ctx: &RequestContext,
    template: &str,
    mut data: Value,
    err: AppError,
) -> AppResult<Response> {
    if !err.status.is_client_error() {
        return Err(err);
    }
    if let Value::Object(m) = &mut data {
        let body = err.body();
        // Every invalid field, for `aria-invalid` on each (`invalid.<field>`).
        let mut invalid = serde_json::Map::new();
        for field in body
            .errors
            .iter()
            .map(|e| e.field.clone())
            .chain(body.field.clone())
        {
            invalid.insert(field, Value::Bool(true));
        }
        m.insert("invalid".into(), Value::Object(invalid));
        m.insert("error".into(), json!(body));
    }
    let page = platform.theme.render(template, ctx, data)?;
    Ok((err.status, page).into_response())
}

/// Redirects after a successful login, setting the session cookie (and with it a new CSRF
/// token) and a new anonymous CSRF cookie.
pub(crate) fn redirect_with_session(platform: &Platform, token: &str, to: &str) -> Response {
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
