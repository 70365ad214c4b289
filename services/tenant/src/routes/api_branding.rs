//! Member API: branding and logo. Typed responses; described by utoipa (`TenantApi`).

use super::member_site;
use crate::{domain::branding, perm};
use axum::{body::Bytes, extract::State, http::StatusCode, Json};
use serde::Serialize;
use utoipa::ToSchema;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

/// A member portal's branding.
#[derive(Debug, Serialize, ToSchema)]
pub struct Branding {
    pub name: String,
    pub primary_color: String,
    pub accent_color: String,
    pub welcome_markdown: String,
    /// The welcome text rendered (sanitised).
    pub welcome_html: String,
    pub support_email: Option<String>,
    /// Where the logo is served; absent without a logo.
    pub logo_url: Option<String>,
}

fn branding_of(p: &Platform, ctx: &RequestContext, tenant: &zk_kernel::Tenant) -> Branding {
    let b = &tenant.branding;
    Branding {
        name: tenant.name.clone(),
        primary_color: b.primary_color.clone(),
        accent_color: b.accent_color.clone(),
        welcome_markdown: b.welcome_markdown.clone(),
        welcome_html: b.welcome_html.clone(),
        support_email: b.support_email.clone(),
        logo_url: b.logo_key.as_ref().map(|_| {
            format!(
                "{}/logo?v={}",
                p.config.tenant_url(&ctx.tenant.slug),
                b.version
            )
        }),
    }
}

/// The portal's branding
///
/// Member host. Permission branding:read (admins).
#[utoipa::path(get, path = "/api/v1/branding", tag = "branding", operation_id = "get_branding",
    responses((status = 200, description = "Branding", body = Branding),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn get_branding(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingRead>,
) -> AppResult<Json<Branding>> {
    member_site(&ctx)?;
    Ok(Json(branding_of(&p, &ctx, &ctx.tenant)))
}

/// Change name, colours, welcome text and support address
///
/// Member host. Permission branding:write (admins). Both colours need at least 4.5:1 contrast
/// with white (WCAG AA); refused otherwise with the field named.
#[utoipa::path(put, path = "/api/v1/branding", tag = "branding", operation_id = "update_branding",
    request_body = branding::BrandingInput,
    responses((status = 200, description = "Branding", body = Branding),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn update_branding(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    ApiJson(input): ApiJson<branding::BrandingInput>,
) -> AppResult<Json<Branding>> {
    member_site(&ctx)?;
    branding::update(&p, &ctx.tenant, &input).await?;
    let fresh = p
        .directory
        .load(ctx.tenant.id)
        .await?
        .ok_or_else(zk_kernel::AppError::not_found)?;
    Ok(Json(branding_of(&p, &ctx, &fresh)))
}

/// Upload the logo (the body is the PNG, JPEG or WebP image)
///
/// Member host. Permission branding:write. At most 512 KB; the type is checked by content
/// (an SVG is refused).
#[utoipa::path(put, path = "/api/v1/branding/logo", tag = "branding", operation_id = "upload_logo",
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204, description = "Saved"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn upload_logo(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    body: Bytes,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    branding::upload_logo(&p, &ctx.tenant, body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The description of an uploaded illustration.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IllustrationQuery {
    /// What the image shows, for who can't see it (required, up to 300 characters).
    #[serde(default)]
    alt: String,
}

/// Upload the member's illustration or photo (the body is the PNG, JPEG or WebP image)
///
/// Member host. Permission branding:write. At most 2 MB, checked by content; `alt` describes it
/// (shown to screen readers on the login page and the learners' home). Replaces the previous one.
#[utoipa::path(put, path = "/api/v1/branding/illustration", tag = "branding", operation_id = "upload_illustration",
    params(IllustrationQuery),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204, description = "Saved"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn upload_illustration(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    axum::extract::Query(q): axum::extract::Query<IllustrationQuery>,
    body: Bytes,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    branding::upload_illustration(&p, &ctx.tenant, body, &q.alt).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove the member's illustration
///
/// Member host. Permission branding:write.
#[utoipa::path(delete, path = "/api/v1/branding/illustration", tag = "branding", operation_id = "remove_illustration",
    responses((status = 204, description = "Removed"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn remove_illustration(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    branding::remove_illustration(&p, &ctx.tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}
