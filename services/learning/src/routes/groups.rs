//! Groups JSON API: admins make groups and choose their learners and teachers; teachers see,
//! enrol and follow only the groups they teach.

use super::{member_site, parse_id};
use crate::{
    domain::group::{
        self, Group, GroupEnrolInput, GroupEnrolled, GroupInput, LearnerProgress, MemberInput,
        Viewer,
    },
    LearningEnrol, LearningManage,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;
use zk_kernel::{
    authz::{Require, Role},
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

pub(super) async fn viewer(p: &Platform, ctx: &RequestContext, user: uuid::Uuid) -> Viewer {
    Viewer {
        user,
        is_admin: p
            .authz
            .roles(ctx.tenant.id, user)
            .await
            .contains(&Role::Admin),
    }
}

/// Groups the caller may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct Groups {
    pub items: Vec<Group>,
}

/// The member's groups (admins) or the groups the caller teaches (teachers)
///
/// Member host. Permission learning:enrol.
#[utoipa::path(get, path = "/api/v1/learning/groups", tag = "learning", operation_id = "list_groups",
    responses((status = 200, description = "Groups", body = Groups),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
) -> AppResult<Json<Groups>> {
    member_site(&ctx)?;
    let v = viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(Groups {
        items: group::list(&p, ctx.tenant.id, v).await?,
    }))
}

/// Make a group
///
/// Member host. Permission learning:manage (admins). A name of 1–200 characters, unique within
/// the member (409 `duplicate_name`).
#[utoipa::path(post, path = "/api/v1/learning/groups", tag = "learning", operation_id = "create_group",
    request_body = GroupInput,
    responses((status = 201, description = "Made", body = Group),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    ApiJson(input): ApiJson<GroupInput>,
) -> AppResult<(StatusCode, Json<Group>)> {
    member_site(&ctx)?;
    let g = group::create(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

/// Put one of the member's users in a group as learner or teacher
///
/// Member host. Permission learning:manage (admins). Another member's user is `unknown_user`.
#[utoipa::path(put, path = "/api/v1/learning/groups/{id}/members/{user}", tag = "learning", operation_id = "set_group_member",
    params(("id" = uuid::Uuid, Path, description = "Group"), ("user" = uuid::Uuid, Path, description = "User")),
    request_body = MemberInput,
    responses((status = 204, description = "Set"),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn set_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    Path((id, user)): Path<(String, String)>,
    ApiJson(input): ApiJson<MemberInput>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    group::set_member(&p, ctx.tenant.id, parse_id(&id)?, parse_id(&user)?, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a user out of a group
///
/// Member host. Permission learning:manage (admins). Enrolments made through the group stay.
#[utoipa::path(delete, path = "/api/v1/learning/groups/{id}/members/{user}", tag = "learning", operation_id = "remove_group_member",
    params(("id" = uuid::Uuid, Path, description = "Group"), ("user" = uuid::Uuid, Path, description = "User")),
    responses((status = 204, description = "Removed"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn remove_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    Path((id, user)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    group::remove_member(&p, ctx.tenant.id, parse_id(&id)?, parse_id(&user)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enrol every learner of a group in a module
///
/// Member host. Permission learning:enrol: admins, or a teacher of this group (another group is
/// 404 to them). One transaction; learners enrolled already keep their enrolment.
#[utoipa::path(post, path = "/api/v1/learning/groups/{id}/enrolments", tag = "learning", operation_id = "enrol_group",
    params(("id" = uuid::Uuid, Path, description = "Group")),
    request_body = GroupEnrolInput,
    responses((status = 200, description = "Enrolled", body = GroupEnrolled),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn enrol(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<GroupEnrolInput>,
) -> AppResult<Json<GroupEnrolled>> {
    member_site(&ctx)?;
    let v = viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(
        group::enrol(&p, ctx.tenant.id, v, parse_id(&id)?, &input).await?,
    ))
}

/// A group's learners with their progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupProgress {
    pub learners: Vec<LearnerProgress>,
}

/// A group's learners with their enrolments and progress
///
/// Member host. Permission learning:enrol: admins, or a teacher of this group (another group is
/// 404 to them).
#[utoipa::path(get, path = "/api/v1/learning/groups/{id}/progress", tag = "learning", operation_id = "group_progress",
    params(("id" = uuid::Uuid, Path, description = "Group")),
    responses((status = 200, description = "Progress", body = GroupProgress),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn progress(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
) -> AppResult<Json<GroupProgress>> {
    member_site(&ctx)?;
    let v = viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(GroupProgress {
        learners: group::progress(&p, ctx.tenant.id, v, parse_id(&id)?).await?,
    }))
}
