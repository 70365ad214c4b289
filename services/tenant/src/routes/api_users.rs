//! Member API: the caller, users and their roles.

use super::member_site;
use crate::repo::users::UserRow;
use crate::{domain::accounts, perm};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{
    authz::{Authenticated, Require, Role},
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

/// The host's tenant as the caller sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantInfo {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// True on the NZK side.
    pub is_platform: bool,
}

/// The caller and the tenant of the host.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: accounts::UserView,
    pub tenant: TenantInfo,
}

/// The member's users.
#[derive(Debug, Serialize, ToSchema)]
pub struct Users {
    pub items: Vec<accounts::UserView>,
}

/// An invited user.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedUser {
    pub user: UserRow,
    pub roles: Vec<Role>,
    /// The set-password link; only without a mail server (demo and development), else `null`.
    pub invite_url: Option<String>,
}

/// The caller and the tenant of the host
///
/// Any logged-in user, on any host (member or NZK side).
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", operation_id = "get_me",
    responses((status = 200, description = "The caller", body = Me), (status = 401, body = ErrorEnvelope)))]
pub async fn get_me(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
) -> AppResult<Json<Me>> {
    let user = accounts::get_user(&p, &ctx.tenant, me.user_id).await?;
    Ok(Json(Me {
        user,
        tenant: TenantInfo {
            id: ctx.tenant.id.0,
            slug: ctx.tenant.slug.clone(),
            name: ctx.tenant.name.clone(),
            is_platform: ctx.tenant.is_platform,
        },
    }))
}

/// The member's users with their roles
///
/// Member host. Permission users:read (admins, teachers).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", operation_id = "list_users",
    responses((status = 200, description = "Users", body = Users),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_users(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
) -> AppResult<Json<Users>> {
    member_site(&ctx)?;
    Ok(Json(Users {
        items: accounts::list_users(&p, &ctx.tenant).await?,
    }))
}

/// Whom to invite, with which roles.
#[derive(Deserialize, ToSchema)]
pub struct InviteRequest {
    email: String,
    /// `admin`, `author`, `teacher`, `reviewer` or `learner`.
    roles: Vec<String>,
}

/// Invite a user with roles (the link is mailed)
///
/// Member host. Permission users:write (admins). The invitation link is in the answer only
/// without a mail server (demo and development).
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", operation_id = "invite_user",
    request_body = InviteRequest,
    responses((status = 201, description = "Invited", body = InvitedUser),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn invite_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    ApiJson(req): ApiJson<InviteRequest>,
) -> AppResult<(StatusCode, Json<InvitedUser>)> {
    member_site(&ctx)?;
    let invited = accounts::invite(&p, &ctx.tenant, &req.email, &req.roles).await?;
    // With a mail server the link reaches only the invitee's mailbox: nobody else can accept it.
    let invite_url = (!p.mailer.delivers()).then_some(invited.invite_url);
    Ok((
        StatusCode::CREATED,
        Json(InvitedUser {
            user: invited.user,
            roles: invited.roles,
            invite_url,
        }),
    ))
}

/// One of the member's users
///
/// Member host. Permission users:read. Another member's user is 404.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts", operation_id = "get_user",
    params(("id" = Uuid, Path, description = "User")),
    responses((status = 200, description = "User", body = accounts::UserView),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<accounts::UserView>> {
    member_site(&ctx)?;
    Ok(Json(accounts::get_user(&p, &ctx.tenant, id).await?))
}

/// The roles a user gets.
#[derive(Deserialize, ToSchema)]
pub struct RolesRequest {
    roles: Vec<String>,
}

/// Replace a user's roles
///
/// Member host. Permission users:write. An admin can't take the admin role from themself.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "accounts", operation_id = "set_roles",
    params(("id" = Uuid, Path, description = "User")),
    request_body = RolesRequest,
    responses((status = 200, description = "User", body = accounts::UserView),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
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

/// Block a user: sessions and tokens end, open links are revoked
///
/// Member host. Permission users:write. Not yourself (422).
#[utoipa::path(post, path = "/api/v1/users/{id}/block", tag = "accounts", operation_id = "block_user",
    params(("id" = Uuid, Path, description = "User")),
    responses((status = 200, description = "User", body = accounts::UserView),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
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

/// Unblock a user (revoked links stay revoked)
///
/// Member host. Permission users:write.
#[utoipa::path(post, path = "/api/v1/users/{id}/unblock", tag = "accounts", operation_id = "unblock_user",
    params(("id" = Uuid, Path, description = "User")),
    responses((status = 200, description = "User", body = accounts::UserView),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
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

/// Withdraw a pending invitation
///
/// Member host. Permission users:write. The account, never activated, is removed with its links
/// and roles, so the address can be invited again; 409 `not_pending` for an account in use.
#[utoipa::path(delete, path = "/api/v1/users/{id}/invitation", tag = "accounts", operation_id = "revoke_invitation",
    params(("id" = Uuid, Path, description = "User")),
    responses((status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
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
