//! Operator API on the bare base domain: members and the outbox.

use super::platform_site;
use crate::{
    domain::{
        members::{self, MemberPage, NewMember, NewMemberInput},
        outbox,
    },
    perm, repo,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    paging::Paging,
    AppResult, Platform,
};

/// Search and paging of the member list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Part of the name or slug.
    q: Option<String>,
    /// From 1 to 100000; a page past the last one is empty.
    page: Option<String>,
    /// 1 to 500; 100 when left out.
    per_page: Option<String>,
}

/// A new member with its admin's invitation.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedMember {
    pub tenant: repo::tenants::MemberRow,
    pub admin_user_id: Uuid,
    /// The admin's set-password link; only without a mail server (demo and development).
    pub invite_url: Option<String>,
}

/// Members, searchable and paged
///
/// Operators only, on the bare base domain (permission members:read). Newest first, with the
/// total on all pages. A wrong `page` or `per_page` is 422 with its name in `field`.
#[utoipa::path(get, path = "/api/v1/tenants", tag = "members", operation_id = "list_members",
    params(ListQuery),
    responses((status = 200, description = "One page of members", body = MemberPage),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_members(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<MemberPage>> {
    platform_site(&ctx)?;
    let paging = Paging::parse(q.page.as_deref(), q.per_page.as_deref(), members::PER_PAGE)?;
    Ok(Json(members::list(&p, q.q.as_deref(), paging).await?))
}

/// Create a member with its admin (invited by mail)
///
/// Operators only, on the bare base domain (permission members:write). The slug becomes the
/// member's subdomain.
#[utoipa::path(post, path = "/api/v1/tenants", tag = "members", operation_id = "create_member",
    request_body = NewMemberInput,
    responses((status = 201, description = "Created", body = CreatedMember),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    ApiJson(input): ApiJson<NewMemberInput>,
) -> AppResult<(StatusCode, Json<CreatedMember>)> {
    platform_site(&ctx)?;
    let created = members::create(&p, NewMember::parse(&input)?).await?;
    // With a mail server the link reaches only the admin's mailbox, never the operator.
    let invite_url = (!p.mailer.delivers()).then_some(created.invite_url);
    Ok((
        StatusCode::CREATED,
        Json(CreatedMember {
            tenant: created.member,
            admin_user_id: created.admin_user_id,
            invite_url,
        }),
    ))
}

/// One member
///
/// Operators only, on the bare base domain (permission members:read).
#[utoipa::path(get, path = "/api/v1/tenants/{slug}", tag = "members", operation_id = "get_member",
    params(("slug" = String, Path, description = "The member's slug")),
    responses((status = 200, description = "Member", body = repo::tenants::MemberRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Path(slug): Path<String>,
) -> AppResult<Json<repo::tenants::MemberRow>> {
    platform_site(&ctx)?;
    Ok(Json(members::get(&p, &slug).await?))
}

/// Change a member's name, employee count and support address
///
/// Operators only, on the bare base domain (permission members:write). Every invalid field is
/// reported at once (`error.errors`); nothing changes then. Kept in the member's history.
#[utoipa::path(put, path = "/api/v1/tenants/{slug}", tag = "members", operation_id = "update_member",
    params(("slug" = String, Path, description = "The member's slug")),
    request_body = members::MemberEditInput,
    responses((status = 200, description = "Member", body = repo::tenants::MemberRow),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn update_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<members::MemberEditInput>,
) -> AppResult<Json<repo::tenants::MemberRow>> {
    platform_site(&ctx)?;
    Ok(Json(
        members::update(&p, Some(auth.principal.user_id), &slug, &input).await?,
    ))
}

/// A member's details, user counts, admins and history
///
/// Operators only, on the bare base domain (permission members:read).
#[utoipa::path(get, path = "/api/v1/tenants/{slug}/overview", tag = "members", operation_id = "member_overview",
    params(("slug" = String, Path, description = "The member's slug")),
    responses((status = 200, description = "Overview", body = members::MemberOverview),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn member_overview(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Path(slug): Path<String>,
) -> AppResult<Json<members::MemberOverview>> {
    platform_site(&ctx)?;
    Ok(Json(members::overview(&p, &slug).await?))
}

/// Whom to invite as a member's admin.
#[derive(Deserialize, ToSchema)]
pub struct AdminRequest {
    email: String,
    /// Withdraw the pending invitations of the member's other admins (a wrong address, say).
    #[serde(default)]
    replace: bool,
}

/// Invite an admin for a member (mailed)
///
/// Operators only, on the bare base domain (permission members:write). One transaction with
/// withdrawing the pending admins when `replace`; admins who use their account keep it.
#[utoipa::path(post, path = "/api/v1/tenants/{slug}/admins", tag = "members", operation_id = "invite_member_admin",
    params(("slug" = String, Path, description = "The member's slug")),
    request_body = AdminRequest,
    responses((status = 201, description = "Invited", body = repo::users::UserRow),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn invite_admin(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<AdminRequest>,
) -> AppResult<(StatusCode, Json<repo::users::UserRow>)> {
    platform_site(&ctx)?;
    let user = members::invite_admin(
        &p,
        Some(auth.principal.user_id),
        &slug,
        &req.email,
        req.replace,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Suspend a member: its portal closes, nothing is deleted
///
/// Operators only, on the bare base domain (permission members:write).
#[utoipa::path(post, path = "/api/v1/tenants/{slug}/suspend", tag = "members", operation_id = "suspend_member",
    params(("slug" = String, Path, description = "The member's slug")),
    responses((status = 200, description = "Member", body = repo::tenants::MemberRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn suspend_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
) -> AppResult<Json<repo::tenants::MemberRow>> {
    platform_site(&ctx)?;
    Ok(Json(members::set_active(&p, &slug, false).await?))
}

/// Resume a member
///
/// Operators only, on the bare base domain (permission members:write).
#[utoipa::path(post, path = "/api/v1/tenants/{slug}/resume", tag = "members", operation_id = "resume_member",
    params(("slug" = String, Path, description = "The member's slug")),
    responses((status = 200, description = "Member", body = repo::tenants::MemberRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn resume_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
) -> AppResult<Json<repo::tenants::MemberRow>> {
    platform_site(&ctx)?;
    Ok(Json(members::set_active(&p, &slug, true).await?))
}

/// The newest mails with their delivery status, filtered and paged
///
/// Operators only, on the bare base domain (permission outbox:read). Bodies (with their links)
/// only in the outbox-only mode, without a mail server. `total` counts the matches on all pages.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "members", operation_id = "list_outbox",
    params(outbox::OutboxQueryInput),
    responses((status = 200, description = "Mails", body = outbox::Outbox),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_outbox(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::OutboxRead>,
    Query(q): Query<outbox::OutboxQueryInput>,
) -> AppResult<Json<outbox::Outbox>> {
    platform_site(&ctx)?;
    Ok(Json(outbox::list(&p, &q).await?))
}
