//! The LMS-facing routes: OIDC login initiation, the launch, its continuation in the browser
//! that started it, and the member's JWKS.

use crate::domain::{
    launch::{self, LoginParams},
    registration,
};
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    Form, Json,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use zk_kernel::{
    crypto,
    http::{cookie, see_other, CsrfForm, RequestContext},
    AppResult, Platform,
};

/// The state cookie of one login: named after the state's hash, so two launches in one browser
/// (two links on one course page) do not overwrite each other.
fn state_cookie_name(state_hash: &[u8]) -> String {
    format!(
        "zk_lti_{}",
        hex::encode(&state_hash[..state_hash.len().min(6)])
    )
}

fn state_cookie(p: &Platform, state: &str) -> HeaderValue {
    let name = state_cookie_name(&crypto::token_hash(state));
    // Over https the cookie may come along in the LMS's frame (SameSite=None needs Secure).
    let same_site = if p.config.secure_cookies() {
        "None; Secure"
    } else {
        "Lax"
    };
    HeaderValue::from_str(&format!(
        "{name}={state}; Path=/lti/; Max-Age=600; HttpOnly; SameSite={same_site}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("zk_lti=; Path=/lti/; Max-Age=0"))
}

/// True when the browser says this request loads a frame (the LMS shows the tool inside its
/// own page).
fn in_frame(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-dest")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|d| d == "iframe" || d == "frame")
}

/// `GET /lti/login`: the OIDC login initiation as a query.
pub async fn login_get(
    State(p): State<Platform>,
    ctx: RequestContext,
    headers: HeaderMap,
    Query(params): Query<LoginParams>,
) -> AppResult<Response> {
    login(&p, &ctx, &headers, params).await
}

/// `POST /lti/login`: the OIDC login initiation as a form.
pub async fn login_post(
    State(p): State<Platform>,
    ctx: RequestContext,
    headers: HeaderMap,
    Form(params): Form<LoginParams>,
) -> AppResult<Response> {
    login(&p, &ctx, &headers, params).await
}

async fn login(
    p: &Platform,
    ctx: &RequestContext,
    headers: &HeaderMap,
    params: LoginParams,
) -> AppResult<Response> {
    let start = launch::login(p, &ctx.tenant, &params).await?;
    if in_frame(headers) && start.storage_target.is_some() {
        // The platform keeps the state for us (postMessage storage): our page puts it there,
        // then goes on to the platform inside the frame. Cookies may come along or not.
        let frame_origins = launch::frame_origins(p, &ctx.tenant, &params.iss).await?;
        let mut res = p
            .theme
            .render(
                "lti_storage_login",
                ctx,
                json!({
                    "auth_url": start.auth_url,
                    "state": start.state,
                    "nonce": start.nonce,
                    "target": start.storage_target,
                    "platform_origin": start.platform_origin,
                }),
            )?
            .into_response();
        res.headers_mut()
            .append(header::SET_COOKIE, state_cookie(p, &start.state));
        allow_framing(p, &mut res, &frame_origins);
        return Ok(res);
    }
    if in_frame(headers) {
        // Inside the LMS's frame our cookies are third-party: browsers that block them would
        // lose the login. The person opens it in a window of its own, where the same login
        // starts again (first-party).
        let again = format!(
            "/lti/login?{}",
            serde_urlencoded::to_string([
                ("iss", params.iss.as_str()),
                ("login_hint", params.login_hint.as_str()),
                ("target_link_uri", params.target_link_uri.as_str()),
                (
                    "lti_message_hint",
                    params.lti_message_hint.as_deref().unwrap_or_default()
                ),
                ("client_id", params.client_id.as_deref().unwrap_or_default()),
                (
                    "lti_deployment_id",
                    params.lti_deployment_id.as_deref().unwrap_or_default()
                ),
            ])
            .unwrap_or_default()
        );
        let frame_origins = launch::frame_origins(p, &ctx.tenant, &params.iss).await?;
        let mut res = p
            .theme
            .render("lti_new_window", ctx, json!({ "open_url": again }))?
            .into_response();
        allow_framing(p, &mut res, &frame_origins);
        return Ok(res);
    }
    let mut res = see_other(&start.auth_url);
    res.headers_mut()
        .append(header::SET_COOKIE, state_cookie(p, &start.state));
    Ok(res)
}

/// The Content-Security-Policy of a page the LMS may frame: ours, with `frame-ancestors` the
/// platform's origins instead of `'none'`.
fn allow_framing(p: &Platform, res: &mut Response, origins: &[String]) {
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        zk_kernel::http::csp_allowing(&p.config, origins, &[]),
    );
}

/// The launch form the platform posts.
#[derive(Debug, Default, Deserialize)]
pub struct LaunchForm {
    #[serde(default)]
    pub id_token: String,
    #[serde(default)]
    pub state: String,
}

/// `POST /lti/launch`: the platform's id_token. Checked in full; then opened at once when the
/// browser brought its state cookie, else through one more step on our own origin.
pub async fn launch_post(
    State(p): State<Platform>,
    ctx: RequestContext,
    headers: HeaderMap,
    Form(form): Form<LaunchForm>,
) -> AppResult<Response> {
    let verified = launch::verify(&p, &ctx.tenant, &form.id_token, &form.state).await?;
    let name = state_cookie_name(&crypto::token_hash(&form.state));
    if cookie(&headers, &name) == Some(form.state.as_str()) {
        return open(&p, &ctx, verified.id, &form.state, &name).await;
    }
    // A cross-site post carries no Lax cookie; a page of ours that moves on to our own origin
    // does (the same browser, now first-party). When the platform keeps our state in its
    // postMessage storage, the page asks it first (inside the LMS's frame no cookie comes).
    let next = format!("/lti/launch/{}", verified.id);
    let mut data = json!({ "next_url": next });
    if let Some(target) = &verified.storage_target {
        data["storage"] = json!({
            "target": target,
            "platform_origin": verified.platform_origin,
            "state": form.state,
            "check_url": format!("/lti/launch/{}/opslag", verified.id),
        });
    }
    let mut res = p.theme.render("lti_continue", &ctx, data)?.into_response();
    allow_framing(&p, &mut res, &verified.frame_origins);
    Ok(res)
}

/// The state our page read from the platform's storage.
#[derive(Debug, Default, Deserialize)]
pub struct StorageForm {
    #[serde(default)]
    pub state: String,
}

/// `POST /lti/launch/{id}/opslag`: the state from the platform's storage proves the browser in
/// the frame; the answer is the one-time URL that opens the launch in a window of its own.
pub async fn launch_storage(
    State(p): State<Platform>,
    ctx: RequestContext,
    Path(id): Path<Uuid>,
    Form(form): Form<StorageForm>,
) -> AppResult<Json<serde_json::Value>> {
    let url = launch::handoff(&p, &ctx.tenant, id, &form.state).await?;
    Ok(Json(json!({ "url": url })))
}

/// `GET /lti/verder/{token}`: whom the hand-off opens as, to confirm.
pub async fn handoff_page(
    State(p): State<Platform>,
    ctx: RequestContext,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let name = launch::handoff_name(&p, &ctx.tenant, &token).await?;
    Ok(p.theme
        .render("lti_handoff", &ctx, json!({ "name": name, "token": token }))?
        .into_response())
}

/// `POST /lti/verder/{token}`: opens the launch in this window.
pub async fn handoff_open(
    State(p): State<Platform>,
    ctx: RequestContext,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let opened = launch::complete_handoff(&p, &ctx.tenant, &token).await?;
    Ok(zk_tenant::redirect_with_session(
        &p,
        &opened.session,
        &opened.target_path,
    ))
}

/// `GET /lti/launch/{id}`: opens a verified launch for the browser with its login's state.
pub async fn launch_continue(
    State(p): State<Platform>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    // The state is in one of our LTI cookies; the launch knows which (its state's hash). A
    // browser with several logins in flight has several: each is tried, the newest (last)
    // first, ten at most.
    let found: Vec<(String, String)> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(k, _)| k.starts_with("zk_lti_"))
        .filter(|(k, v)| *k == state_cookie_name(&crypto::token_hash(v)))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for (name, state) in found.iter().rev().take(10) {
        match open(&p, &ctx, id, state, name).await {
            Err(e) if e.code == "lti_browser_mismatch" => continue,
            done => return done,
        }
    }
    Err(launch::refused("lti_browser_mismatch"))
}

async fn open(
    p: &Platform,
    ctx: &RequestContext,
    id: Uuid,
    state: &str,
    cookie_name: &str,
) -> AppResult<Response> {
    let opened = launch::complete(p, &ctx.tenant, id, state).await?;
    let mut res = zk_tenant::redirect_with_session(p, &opened.session, &opened.target_path);
    if let Ok(v) = HeaderValue::from_str(&format!("{cookie_name}=; Path=/lti/; Max-Age=0")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `GET /lti/jwks`: the member's tool keys (JWKS), for its LMSs to check what we sign.
pub async fn jwks(State(p): State<Platform>, ctx: RequestContext) -> AppResult<Response> {
    let doc = registration::jwks(&p, &ctx.tenant).await?;
    Ok(([(header::CACHE_CONTROL, "public, max-age=300")], Json(doc)).into_response())
}
