//! Member API: branding and logo.

use super::member_site;
use crate::{domain::branding, perm};
use axum::{body::Bytes, extract::State, http::StatusCode, Json};
use serde_json::{json, Value};
use zk_kernel::{
    authz::Require,
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

fn branding_json(p: &Platform, ctx: &RequestContext, tenant: &zk_kernel::Tenant) -> Value {
    let b = &tenant.branding;
    json!({
        "name": tenant.name,
        "primary_color": b.primary_color,
        "accent_color": b.accent_color,
        "welcome_markdown": b.welcome_markdown,
        "welcome_html": b.welcome_html,
        "support_email": b.support_email,
        "logo_url": b.logo_key.as_ref().map(|_| format!("{}/logo?v={}", p.config.tenant_url(&ctx.tenant.slug), b.version)),
    })
}

/// `GET /api/v1/branding`
pub async fn get_branding(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingRead>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    Ok(Json(branding_json(&p, &ctx, &ctx.tenant)))
}

/// `PUT /api/v1/branding`
pub async fn update_branding(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    ApiJson(input): ApiJson<branding::BrandingInput>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    branding::update(&p, &ctx.tenant, &input).await?;
    let fresh = p
        .directory
        .load(ctx.tenant.id)
        .await?
        .ok_or_else(zk_kernel::AppError::not_found)?;
    Ok(Json(branding_json(&p, &ctx, &fresh)))
}

/// `PUT /api/v1/branding/logo` (body: the PNG, JPEG or WebP image)
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
