//! Member admin pages: users (invite, roles) and branding (with live preview and logo upload).

use super::{form_error, member_site};
use crate::{
    domain::{accounts, branding},
    perm,
};
use axum::{
    extract::{Multipart, Path, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::{Require, Role},
    http::{csrf_matches, see_other, CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

/// Role names with a selected flag, for checkbox lists.
fn role_options(selected: &[Role]) -> Value {
    Value::Array(
        Role::MEMBER_ROLES
            .iter()
            .map(|r| json!({ "name": r.as_str(), "checked": selected.contains(r) }))
            .collect(),
    )
}

async fn users_page(p: &Platform, ctx: &RequestContext, extra: Value) -> AppResult<Value> {
    let users = accounts::list_users(p, &ctx.tenant).await?;
    let rows: Vec<Value> = users
        .iter()
        .map(|u| json!({ "id": u.user.id, "email": u.user.email, "display_name": u.user.display_name, "department": u.user.department, "status": u.user.status, "roles": role_options(&u.roles) }))
        .collect();
    let mut data = json!({ "users": rows, "invite_roles": role_options(&[Role::Learner]) });
    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    Ok(data)
}

/// `GET /beheer`
pub async fn show_users(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let data = users_page(&p, &ctx, json!({})).await?;
    Ok(p.theme.render("admin_users", &ctx, data)?.into_response())
}

/// A form with a repeated `roles` field.
fn roles_from_pairs(pairs: &[(String, String)]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| v.clone())
        .collect()
}

/// `POST /beheer`: invites a user.
pub async fn invite_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let email = pairs
        .iter()
        .find(|(k, _)| k == "email")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    match accounts::invite(&p, &ctx.tenant, &email, &roles_from_pairs(&pairs)).await {
        Ok(invited) => {
            let data = users_page(&p, &ctx, json!({ "invited": invited.user.email })).await?;
            Ok(p.theme.render("admin_users", &ctx, data)?.into_response())
        }
        Err(e) => {
            let data = users_page(&p, &ctx, json!({ "email": email })).await?;
            form_error(&p, &ctx, "admin_users", data, e)
        }
    }
}

/// `POST /beheer/gebruikers/{id}/rollen`
pub async fn update_roles(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    match accounts::set_roles(
        &p,
        &ctx.tenant,
        auth.principal.user_id,
        id,
        &roles_from_pairs(&pairs),
    )
    .await
    {
        Ok(_) => Ok(see_other("/beheer")),
        Err(e) => {
            let data = users_page(&p, &ctx, json!({})).await?;
            form_error(&p, &ctx, "admin_users", data, e)
        }
    }
}

fn branding_data(ctx: &RequestContext) -> Value {
    let b = &ctx.tenant.branding;
    json!({ "form": {
        "name": ctx.tenant.name,
        "primary_color": b.primary_color,
        "accent_color": b.accent_color,
        "welcome_markdown": b.welcome_markdown,
        "support_email": b.support_email,
    }})
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
        Ok(()) => Ok(see_other("/beheer/huisstijl?opgeslagen=1")),
        Err(e) => {
            let data = json!({ "form": form_value(&form) });
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
        Ok(()) => Ok(see_other("/beheer/huisstijl?opgeslagen=1")),
        Err(e) => form_error(&p, &ctx, "admin_branding", branding_data(&ctx), e),
    }
}

/// `POST /beheer/gebruikers/{id}/blokkeren`
pub async fn block_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    set_blocked(&p, &ctx, auth.principal.user_id, id, true).await
}

/// `POST /beheer/gebruikers/{id}/deblokkeren`
pub async fn unblock_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    set_blocked(&p, &ctx, auth.principal.user_id, id, false).await
}

async fn set_blocked(
    p: &Platform,
    ctx: &RequestContext,
    actor: Uuid,
    id: Uuid,
    blocked: bool,
) -> AppResult<Response> {
    member_site(ctx)?;
    match accounts::set_blocked(p, &ctx.tenant, actor, id, blocked).await {
        Ok(_) => Ok(see_other("/beheer")),
        Err(e) => {
            let data = users_page(p, ctx, json!({})).await?;
            form_error(p, ctx, "admin_users", data, e)
        }
    }
}

/// `POST /beheer/gebruikers/{id}/uitnodiging-intrekken`
pub async fn revoke_invitation(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    match accounts::revoke_invitation(&p, &ctx.tenant, id).await {
        Ok(user) => {
            let data = users_page(&p, &ctx, json!({ "revoked": user.email })).await?;
            Ok(p.theme.render("admin_users", &ctx, data)?.into_response())
        }
        Err(e) => {
            let data = users_page(&p, &ctx, json!({})).await?;
            form_error(&p, &ctx, "admin_users", data, e)
        }
    }
}
