//! The user's own account page (`/mijn-account`, any logged-in user on any host): who they are
//! and their API tokens, which they can revoke. Admins see and revoke a user's tokens on the
//! user's page (`admin_users`).

use crate::domain::{accounts, tokens};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::{Authenticated, Role},
    http::{see_other_with_flash, CsrfForm, RequestContext},
    text::dutch_datetime,
    AppResult, Platform,
};

/// The tokens as the pages show them (Dutch dates, expired ones marked).
pub(crate) fn tokens_json(list: &[tokens::TokenView]) -> Value {
    json!(list
        .iter()
        .map(|t| json!({
            "id": t.id,
            "label": t.label,
            "created": dutch_datetime(t.created_at),
            "last_used": t.last_used_at.map(dutch_datetime),
            "expires": dutch_datetime(t.expires_at),
            "expired": t.expired,
        }))
        .collect::<Vec<_>>())
}

/// `GET /mijn-account`: the caller's account and API tokens.
pub async fn show_account(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
) -> AppResult<Response> {
    let user = accounts::get_user(&p, &ctx.tenant, me.user_id).await?;
    let list = tokens::list(&p, &ctx.tenant, me.user_id).await?;
    let follows_people = user
        .roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Teacher));
    let mails = (!ctx.tenant.is_platform).then(|| {
        json!({
            "digest_offered": follows_people,
            "admin": user.roles.contains(&Role::Admin),
        })
    });
    let mut data = json!({
        "me": {
            "email": user.user.email,
            "display_name": user.user.display_name,
            "roles": user.roles.iter().map(|r| p.theme.t(ctx.lang, &format!("role.{}", r.as_str()))).collect::<Vec<_>>().join(", "),
        },
        "tokens": tokens_json(&list),
        "mails": mails,
    });
    if follows_people && !ctx.tenant.is_platform {
        data["mails"]["weekly_digest"] =
            json!(accounts::weekly_digest(&p, &ctx.tenant, me.user_id).await?);
    }
    Ok(p.theme.render("account", &ctx, data)?.into_response())
}

/// `POST /mijn-account/mails`: Monday's overview of who is late on (`weekly_digest=on`) or off.
pub async fn save_mails(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let on = form.iter().any(|(k, v)| k == "weekly_digest" && v == "on");
    accounts::set_weekly_digest(&p, &ctx.tenant, me.user_id, on).await?;
    let key = if on {
        "account.digest_on"
    } else {
        "account.digest_off"
    };
    let text = p.theme.t(ctx.lang, key);
    Ok(see_other_with_flash(&p, &ctx, "/mijn-account#mails", &text))
}

/// `POST /mijn-account/sleutels/{id}/intrekken`: revokes one of the caller's tokens.
pub async fn revoke_token(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    tokens::revoke(&p, &ctx.tenant, me.user_id, id).await?;
    let text = p.theme.t(ctx.lang, "account.token_revoked");
    Ok(see_other_with_flash(&p, &ctx, "/mijn-account", &text))
}
