//! Member API: the caller, users and their roles.

use super::member_site;
use crate::{domain::accounts, perm};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::{Authenticated, Require},
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

/// `GET /api/v1/me`: any logged-in user of this host.
pub async fn get_me(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
) -> AppResult<Json<Value>> {
    let user = accounts::get_user(&p, &ctx.tenant, me.user_id).await?;
    Ok(Json(json!({
        "user": user,
        "tenant": { "id": ctx.tenant.id, "slug": ctx.tenant.slug, "name": ctx.tenant.name, "is_platform": ctx.tenant.is_platform },
    })))
}

/// `GET /api/v1/users`
pub async fn list_users(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    Ok(Json(
        json!({ "items": accounts::list_users(&p, &ctx.tenant).await? }),
    ))
}

#[derive(Deserialize)]
pub struct InviteRequest {
    email: String,
    roles: Vec<String>,
}

/// `POST /api/v1/users`: invites a user with roles.
pub async fn invite_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    ApiJson(req): ApiJson<InviteRequest>,
) -> AppResult<(StatusCode, Json<Value>)> {
    member_site(&ctx)?;
    let invited = accounts::invite(&p, &ctx.tenant, &req.email, &req.roles).await?;
    // With a mail server the link reaches only the invitee's mailbox: nobody else can accept it.
    let invite_url = (!p.mailer.delivers()).then_some(invited.invite_url);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "user": invited.user, "roles": invited.roles, "invite_url": invite_url })),
    ))
}

/// `GET /api/v1/users/{id}`
pub async fn get_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<accounts::UserView>> {
    member_site(&ctx)?;
    Ok(Json(accounts::get_user(&p, &ctx.tenant, id).await?))
}

#[derive(Deserialize)]
pub struct RolesRequest {
    roles: Vec<String>,
}

/// `PUT /api/v1/users/{id}/roles`
pub async fn set_roles(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    ApiJson(req): ApiJson<RolesRequest>,
) -> AppResult<Json<accounts::UserView>> {
    member_site(&ctx)?;
    Ok(Json(
        accounts::set_roles(&p, &ctx.tenant, auth.principal.user_id, id, &req.roles).await?,
    ))
}

/// `POST /api/v1/users/{id}/block`
pub async fn block_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<accounts::UserView>> {
    member_site(&ctx)?;
    Ok(Json(
        accounts::set_blocked(&p, &ctx.tenant, auth.principal.user_id, id, true).await?,
    ))
}

/// `POST /api/v1/users/{id}/unblock`
pub async fn unblock_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<accounts::UserView>> {
    member_site(&ctx)?;
    Ok(Json(
        accounts::set_blocked(&p, &ctx.tenant, auth.principal.user_id, id, false).await?,
    ))
}

/// `DELETE /api/v1/users/{id}/invitation`: withdraws a pending invitation (204); the account,
/// never activated, is removed. 409 `not_pending` for an account in use.
pub async fn revoke_invitation(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    accounts::revoke_invitation(&p, &ctx.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
