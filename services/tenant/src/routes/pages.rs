//! The tenant's images and colours: logo, illustration and theme CSS. (`/` is the learning
//! service's: the learner home, or on the bare domain the landing page from `crate::view`.)

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use zk_kernel::{http::RequestContext, AppError, AppResult, Platform};

/// `GET /logo`: the tenant's logo from the object store (public: the login page shows it).
pub async fn show_logo(State(p): State<Platform>, ctx: RequestContext) -> AppResult<Response> {
    image(&p, ctx.tenant.branding.logo_key.as_deref()).await
}

/// `GET /afbeelding`: the member's illustration or photo (login page and home).
pub async fn show_illustration(
    State(p): State<Platform>,
    ctx: RequestContext,
) -> AppResult<Response> {
    image(&p, ctx.tenant.branding.illustration_key.as_deref()).await
}

/// A branding image from the object store (404 when the member has none).
async fn image(p: &Platform, key: Option<&str>) -> AppResult<Response> {
    let key = key.ok_or_else(AppError::not_found)?;
    let object = p.objects.get(key).await?.ok_or_else(AppError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, object.content_type),
            (header::CACHE_CONTROL, "public, max-age=300".to_owned()),
        ],
        object.bytes,
    )
        .into_response())
}

/// `GET /theme.css`: the tenant's colours as CSS custom properties (the stylesheet in
/// `tenants/default/static/app.css` uses them; no inline styles, so the CSP stays strict).
pub async fn show_theme_css(ctx: RequestContext) -> Response {
    let b = &ctx.tenant.branding;
    let css = format!(
        ":root {{ --zk-primary: {}; --zk-accent: {}; }}\n",
        b.primary_color, b.accent_color
    );
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        css,
    )
        .into_response()
}
