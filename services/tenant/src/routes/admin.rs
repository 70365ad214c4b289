//! Member admin pages: branding (with live preview and logo upload). The users pages are in
//! `admin_users`.

use super::{form_error, member_site};
use crate::{domain::branding, perm};
use axum::{
    extract::{Multipart, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use zk_kernel::{
    authz::Require,
    http::{csrf_matches, see_other_with_flash, CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

fn branding_data(ctx: &RequestContext) -> Value {
    let b = &ctx.tenant.branding;
    json!({ "form": {
        "name": ctx.tenant.name,
        "primary_color": b.primary_color,
        "accent_color": b.accent_color,
        "welcome_markdown": b.welcome_markdown,
        "support_email": b.support_email,
    }, "welcome_html": b.welcome_html })
}

/// `GET /beheer/huisstijl`
pub async fn show_branding(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingRead>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    Ok(p.theme
        .render("admin_branding", &ctx, branding_data(&ctx))?
        .into_response())
}

/// `POST /beheer/huisstijl`
pub async fn update_branding(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    CsrfForm(form): CsrfForm<branding::BrandingInput>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    match branding::update(&p, &ctx.tenant, &form).await {
        Ok(()) => Ok(saved(&p, &ctx, "admin.branding.saved")),
        Err(e) => {
            let data = json!({
                "form": form_value(&form),
                "welcome_html": zk_kernel::web::markdown_to_safe_html(&form.welcome_markdown),
            });
            form_error(&p, &ctx, "admin_branding", data, e)
        }
    }
}

fn form_value(f: &branding::BrandingInput) -> Value {
    json!({
        "name": f.name, "primary_color": f.primary_color, "accent_color": f.accent_color,
        "welcome_markdown": f.welcome_markdown, "support_email": f.support_email,
    })
}

/// `POST /beheer/huisstijl/logo` (multipart: `csrf`, `logo`)
pub async fn upload_logo(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let bad_form = || {
        AppError::validation(
            "logo",
            "bad_upload",
            "Het formulier kon niet worden gelezen. Probeer het opnieuw.",
        )
    };
    let (mut csrf, mut logo) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(|_| bad_form())? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|_| bad_form())?),
            Some("logo") => logo = Some(field.bytes().await.map_err(|_| bad_form())?),
            _ => {}
        }
    }
    if !csrf.is_some_and(|c| csrf_matches(&ctx.csrf, &c)) {
        return Err(AppError::csrf());
    }
    match branding::upload_logo(&p, &ctx.tenant, logo.unwrap_or_default()).await {
        Ok(()) => Ok(saved(&p, &ctx, "admin.branding.logo_saved")),
        Err(e) => form_error(&p, &ctx, "admin_branding", branding_data(&ctx), e),
    }
}

/// Back to the branding page, with a message that it was saved.
fn saved(p: &Platform, ctx: &RequestContext, key: &str) -> Response {
    see_other_with_flash(p, ctx, "/beheer/huisstijl", &p.theme.t(ctx.lang, key))
}

/// `POST /beheer/huisstijl/afbeelding` (multipart: `csrf`, `illustration`, `alt`)
pub async fn upload_illustration(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let bad_form = || {
        AppError::validation(
            "illustration",
            "bad_upload",
            "Het formulier kon niet worden gelezen. Probeer het opnieuw.",
        )
    };
    let (mut csrf, mut image, mut alt) = (None, None, String::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| bad_form())? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|_| bad_form())?),
            Some("illustration") => image = Some(field.bytes().await.map_err(|_| bad_form())?),
            Some("alt") => alt = field.text().await.map_err(|_| bad_form())?,
            _ => {}
        }
    }
    if !csrf.is_some_and(|c| csrf_matches(&ctx.csrf, &c)) {
        return Err(AppError::csrf());
    }
    match branding::upload_illustration(&p, &ctx.tenant, image.unwrap_or_default(), &alt).await {
        Ok(()) => Ok(saved(&p, &ctx, "admin.branding.illustration_saved")),
        Err(e) => {
            let mut data = branding_data(&ctx);
            data["illustration_form"] = json!({ "alt": alt });
            form_error(&p, &ctx, "admin_branding", data, e)
        }
    }
}

/// `POST /beheer/huisstijl/afbeelding/verwijderen`
pub async fn remove_illustration(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::BrandingWrite>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    branding::remove_illustration(&p, &ctx.tenant).await?;
    Ok(saved(&p, &ctx, "admin.branding.illustration_removed"))
}
