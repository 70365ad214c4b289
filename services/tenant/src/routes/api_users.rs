//! Member API: the caller, users and their roles.

use super::member_site;
use crate::repo::users::UserRow;
use crate::{
    domain::{accounts, user_list},
    perm,
};
use axum::{
    extract::{Path, Query, State},
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

/// The member's users with their roles: searched, filtered, sorted and paged
///
/// Member host. Permission users:read (admins, teachers). `total` counts the matches on all
/// pages. A wrong parameter is 422 with its name in `field`.
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", operation_id = "list_users",
    params(user_list::UserQueryInput),
    responses((status = 200, description = "One page of users", body = user_list::UserPage),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_users(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
    Query(q): Query<user_list::UserQueryInput>,
) -> AppResult<Json<user_list::UserPage>> {
    member_site(&ctx)?;
    Ok(Json(user_list::list(&p, &ctx.tenant, &q.parse()?).await?))
}

/// An action on a selection of users.
#[derive(Deserialize, ToSchema)]
pub struct BulkRequest {
    /// The users (at most 1000), all of this member.
    ids: Vec<Uuid>,
    /// `grant_role`, `revoke_role`, `block`, `unblock` or `resend_invitation`.
    action: String,
    /// The role, for `grant_role` and `revoke_role`.
    role: Option<String>,
}

/// The selected users after the action.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub items: Vec<UserRow>,
}

/// Do one action to a selection of users, all or nothing
///
/// Member host. Permission users:write (admins). One transaction: when any id is not one of
/// this member's users (404 `unknown_users`), or the action can't be done to one of them (422:
/// blocking or taking the admin role from yourself, a new invitation to someone already
/// active), nothing changes for any of them.
#[utoipa::path(post, path = "/api/v1/users/bulk", tag = "accounts", operation_id = "bulk_users",
    request_body = BulkRequest,
    responses((status = 200, description = "Done for every user", body = BulkResult),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn bulk_users(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    ApiJson(req): ApiJson<BulkRequest>,
) -> AppResult<Json<BulkResult>> {
    member_site(&ctx)?;
    let action = user_list::BulkAction::parse(&req.action, req.role.as_deref())?;
    let items = user_list::bulk(&p, &ctx.tenant, auth.principal.user_id, &req.ids, action).await?;
    Ok(Json(BulkResult { items }))
}

/// Whom to invite, with which roles.
#[derive(Deserialize, ToSchema)]
pub struct InviteRequest {
    email: String,
    /// The person's name (optional).
    #[serde(default)]
    display_name: String,
    /// Their department (optional, up to 100 characters).
    #[serde(default)]
    department: String,
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
    let invited = accounts::invite(
        &p,
        &ctx.tenant,
        &req.email,
        &req.display_name,
        &req.department,
        &req.roles,
    )
    .await?;
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
