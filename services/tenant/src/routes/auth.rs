//! Login, logout, accepting an invitation and resetting a password (pages, both sides).

use super::{form_error, redirect_with_session};
use crate::{domain::signin, repo::invites::Purpose};
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use zk_kernel::{
    crypto,
    http::{
        anonymous_csrf_cookie, cookie, local_path, see_other, set_cookie, ClientIp, CsrfForm,
        RequestContext,
    },
    AppResult, Platform,
};

/// Where to go after login: a path on this portal only (no open redirects).
fn safe_return(terug: Option<&str>, ctx: &RequestContext) -> String {
    match terug.and_then(local_path) {
        Some(t) => t.to_owned(),
        None if ctx.tenant.is_platform => "/console".to_owned(),
        None => "/".to_owned(),
    }
}

#[derive(Deserialize)]
pub struct LoginQuery {
    terug: Option<String>,
}

/// `GET /inloggen`
pub async fn show_login(
    State(p): State<Platform>,
    ctx: RequestContext,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    Ok(p.theme
        .render("login", &ctx, json!({ "terug": q.terug }))?
        .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    terug: Option<String>,
}

/// `POST /inloggen`
pub async fn login(
    State(p): State<Platform>,
    ctx: RequestContext,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    match signin::login(&p, &ctx.tenant, &form.email, &form.password, &ip).await {
        Ok(token) => Ok(redirect_with_session(
            &p,
            &token,
            &safe_return(form.terug.as_deref(), &ctx),
        )),
        Err(e) => form_error(
            &p,
            &ctx,
            "login",
            json!({ "email": form.email, "terug": form.terug }),
            e,
        ),
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /uitloggen`
pub async fn logout(
    State(p): State<Platform>,
    ctx: RequestContext,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let config = &p.config;
    if let Some(token) = cookie(&headers, config.session_cookie()) {
        p.sessions.revoke_session(ctx.tenant.id, token).await?;
    }
    let mut res = see_other("/inloggen");
    let out = res.headers_mut();
    out.append(
        header::SET_COOKIE,
        set_cookie(
            config.session_cookie(),
            "",
            Some(0),
            config.secure_cookies(),
        ),
    );
    // A new anonymous cookie: the token of the next form differs from any before logout.
    out.append(
        header::SET_COOKIE,
        anonymous_csrf_cookie(config, &crypto::random_token()),
    );
    Ok(res)
}

/// `GET /uitnodiging/{token}`: the set-password form, or a clear error for a bad link.
pub async fn show_invite(
    State(p): State<Platform>,
    ctx: RequestContext,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let user = signin::check_link(&p, &ctx.tenant, &token, Purpose::Invite).await?;
    Ok(p.theme
        .render(
            "invite_accept",
            &ctx,
            // The name HR imported (or the admin typed) is filled in: they only check it.
            json!({ "email": user.email, "token": token, "display_name": user.display_name }),
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct AcceptForm {
    password: String,
    password_confirm: String,
    #[serde(default)]
    display_name: String,
}

/// `POST /uitnodiging/{token}`: sets the password and logs the user in.
pub async fn accept_invite(
    State(p): State<Platform>,
    ctx: RequestContext,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> AppResult<Response> {
    let data = json!({ "token": token, "display_name": form.display_name });
    if form.password != form.password_confirm {
        return form_error(&p, &ctx, "invite_accept", data, mismatch());
    }
    match signin::accept_invite(
        &p,
        &ctx.tenant,
        &token,
        &form.password,
        &form.display_name,
        &ip,
    )
    .await
    {
        Ok(session) => Ok(redirect_with_session(
            &p,
            &session,
            &safe_return(None, &ctx),
        )),
        Err(e) => form_error(&p, &ctx, "invite_accept", data, e),
    }
}

fn mismatch() -> zk_kernel::AppError {
    zk_kernel::AppError::validation(
        "password_confirm",
        "password_mismatch",
        "De twee wachtwoorden zijn niet gelijk.",
    )
}

/// `GET /wachtwoord-vergeten`
pub async fn show_forgot(State(p): State<Platform>, ctx: RequestContext) -> AppResult<Response> {
    Ok(p.theme
        .render("password_forgot", &ctx, json!({}))?
        .into_response())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// `POST /wachtwoord-vergeten`: always the same answer, whether or not the account exists.
pub async fn request_reset(
    State(p): State<Platform>,
    ctx: RequestContext,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> AppResult<Response> {
    match signin::request_reset(&p, &ctx.tenant, &form.email, &ip).await {
        Ok(()) => Ok(p
            .theme
            .render(
                "message",
                &ctx,
                json!({ "title_key": "reset.sent.title", "body_key": "reset.sent.body" }),
            )?
            .into_response()),
        Err(e) => form_error(
            &p,
            &ctx,
            "password_forgot",
            json!({ "email": form.email }),
            e,
        ),
    }
}

/// `GET /wachtwoord-herstellen/{token}`
pub async fn show_reset(
    State(p): State<Platform>,
    ctx: RequestContext,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let user = signin::check_link(&p, &ctx.tenant, &token, Purpose::Reset).await?;
    Ok(p.theme
        .render(
            "password_reset",
            &ctx,
            // The name HR imported (or the admin typed) is filled in: they only check it.
            json!({ "email": user.email, "token": token, "display_name": user.display_name }),
        )?
        .into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
    password_confirm: String,
}

/// `POST /wachtwoord-herstellen/{token}`
pub async fn reset_password(
    State(p): State<Platform>,
    ctx: RequestContext,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    let data = json!({ "token": token });
    if form.password != form.password_confirm {
        return form_error(&p, &ctx, "password_reset", data, mismatch());
    }
    match signin::reset_password(&p, &ctx.tenant, &token, &form.password, &ip).await {
        Ok(()) => Ok(p
            .theme
            .render("message", &ctx, json!({ "title_key": "reset.done.title", "body_key": "reset.done.body", "login_link": true }))?
            .into_response()),
        Err(e) => form_error(&p, &ctx, "password_reset", data, e),
    }
}
