//! Learning JSON API, first part: enrol, the caller's enrolments with progress, a block done,
//! and quiz attempts scored on the server.

use super::{member_site, parse_id};
use crate::{
    domain::{
        group::GroupEnrolled,
        learning::{
            self, AttemptInput, AttemptResult, DepartmentEnrolInput, EnrolInput, Moved, Progress,
        },
        path_enrolment::{self, PathEnrolInput, PathProgress},
        progress_writer,
        quiz_pages::{self, SaveAnswersInput, SavedAnswers},
    },
    LearningEnrol, LearningLearn, LearningManage,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

/// A new enrolment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    pub id: Uuid,
    pub user_id: Uuid,
    pub module_id: Uuid,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
}

/// Enrol a user of the member in a module
///
/// Member host. Permission learning:enrol (admins, teachers). The module must be in the member's
/// catalogue (`unknown_module`), the user one of the member's (`unknown_user`); a second
/// enrolment in the same module is 409 `already_enrolled`.
#[utoipa::path(post, path = "/api/v1/learning/enrolments", tag = "learning", operation_id = "enrol",
    request_body = EnrolInput,
    responses((status = 201, description = "Enrolled", body = Enrolment),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn enrol(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    ApiJson(input): ApiJson<EnrolInput>,
) -> AppResult<(StatusCode, Json<Enrolment>)> {
    member_site(&ctx)?;
    let row = learning::enrol(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(Enrolment {
            id: row.id,
            user_id: row.user_id,
            module_id: row.module_id,
            deadline: row.deadline.map(|d| d.to_string()),
        }),
    ))
}

/// The caller's enrolments.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyEnrolments {
    pub items: Vec<Progress>,
}

/// The caller's own enrolments with progress
///
/// Member host. Permission learning:learn (every member role).
#[utoipa::path(get, path = "/api/v1/learning/enrolments/mine", tag = "learning", operation_id = "my_enrolments",
    responses((status = 200, description = "Enrolments", body = MyEnrolments),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn mine(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
) -> AppResult<Json<MyEnrolments>> {
    member_site(&ctx)?;
    let items = learning::mine(&p, ctx.tenant.id, auth.principal.user_id).await?;
    Ok(Json(MyEnrolments { items }))
}

/// Mark a block of the caller's enrolment done
///
/// Member host. Permission learning:learn. Another user's enrolment or an unknown block is 404;
/// a quiz is done by passing it (`quiz_block`). Completes the enrolment when every block is done.
#[utoipa::path(post, path = "/api/v1/learning/enrolments/{id}/blocks/{block}/done", tag = "learning", operation_id = "block_done",
    params(("id" = Uuid, Path, description = "Enrolment"), ("block" = Uuid, Path, description = "Block")),
    responses((status = 200, description = "Progress", body = Progress),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn block_done(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block)): Path<(String, String)>,
) -> AppResult<Json<Progress>> {
    member_site(&ctx)?;
    let progress = progress_writer::mark_done(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        parse_id(&block)?,
    )
    .await?;
    Ok(Json(progress))
}

/// Answer a quiz of the caller's enrolment
///
/// Member host. Permission learning:learn. Scored on the server: a question is right when
/// exactly its right answers are chosen; the attempt passes at or above the pass mark the member
/// shows. Answers that don't belong to the quiz are refused by field (`unknown_question`,
/// `unknown_option`, `single_choice`). Every attempt is kept, numbered per quiz.
#[utoipa::path(post, path = "/api/v1/learning/enrolments/{id}/attempts", tag = "learning", operation_id = "quiz_attempt",
    params(("id" = Uuid, Path, description = "Enrolment")),
    request_body = AttemptInput,
    responses((status = 201, description = "Scored", body = AttemptResult),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn attempt(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AttemptInput>,
) -> AppResult<(StatusCode, Json<AttemptResult>)> {
    member_site(&ctx)?;
    let result = learning::attempt(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        &input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(result)))
}

/// The answers saved so far in a quiz of the caller's enrolment
///
/// Member host. Permission learning:learn. What the quiz's pages saved (or `PUT` did), per
/// question, still valid for the version the enrolment follows; with how many questions are
/// answered, of how many, on how many pages. Not the caller's enrolment, or no quiz of it: 404.
#[utoipa::path(get, path = "/api/v1/learning/enrolments/{id}/quizzes/{block}/answers", tag = "learning", operation_id = "saved_answers",
    params(("id" = Uuid, Path, description = "Enrolment"), ("block" = Uuid, Path, description = "Quiz block")),
    responses((status = 200, description = "Saved so far", body = SavedAnswers),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn saved_answers(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block)): Path<(String, String)>,
) -> AppResult<Json<SavedAnswers>> {
    member_site(&ctx)?;
    let (id, block) = (parse_id(&id)?, parse_id(&block)?);
    let user = auth.principal.user_id;
    Ok(Json(
        quiz_pages::saved(&p, ctx.tenant.id, user, id, block).await?,
    ))
}

/// Save answers in a quiz of the caller's enrolment, to hand in later
///
/// Member host. Permission learning:learn. Keeps the given questions' answers (an empty list
/// saves a question without an answer), replacing what was saved for them; answered after the
/// commit (saves arriving together share one transaction). Hand the quiz in with
/// `POST …/attempts`, which also clears what was saved. An option or question that isn't the
/// quiz's is refused by field (`unknown_question`, `unknown_option`, `single_choice`) and nothing
/// is kept.
#[utoipa::path(put, path = "/api/v1/learning/enrolments/{id}/quizzes/{block}/answers", tag = "learning", operation_id = "save_answers",
    params(("id" = Uuid, Path, description = "Enrolment"), ("block" = Uuid, Path, description = "Quiz block")),
    request_body = SaveAnswersInput,
    responses((status = 200, description = "Saved; everything saved so far", body = SavedAnswers),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn save_answers(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block)): Path<(String, String)>,
    ApiJson(input): ApiJson<SaveAnswersInput>,
) -> AppResult<Json<SavedAnswers>> {
    member_site(&ctx)?;
    let (id, block) = (parse_id(&id)?, parse_id(&block)?);
    let (tenant, user) = (ctx.tenant.id, auth.principal.user_id);
    quiz_pages::save(&p, tenant, user, id, block, input.answers).await?;
    Ok(Json(quiz_pages::saved(&p, tenant, user, id, block).await?))
}

/// Move the open enrolments in a module to the version the member shows now
///
/// Member host. Permission learning:manage (admins). A block done stays done only when it is in
/// the new version unchanged; a changed quiz must be passed again (earlier attempts stay as
/// history). Completed enrolments keep their version. An unknown module is 404.
#[utoipa::path(post, path = "/api/v1/learning/modules/{id}/move-enrolments", tag = "learning", operation_id = "move_enrolments",
    params(("id" = Uuid, Path, description = "Module")),
    responses((status = 200, description = "Moved", body = Moved),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn move_enrolments(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    Path(id): Path<String>,
) -> AppResult<Json<Moved>> {
    member_site(&ctx)?;
    Ok(Json(
        learning::move_enrolments(&p, ctx.tenant.id, parse_id(&id)?).await?,
    ))
}

/// Whether a module is open for self-enrolment.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfEnrolmentInput {
    pub open: bool,
}

/// Open or close a module for self-enrolment
///
/// Member host. Permission learning:manage (admins). The module must be in the member's
/// catalogue (404 otherwise).
#[utoipa::path(put, path = "/api/v1/learning/modules/{id}/self-enrolment", tag = "learning", operation_id = "set_self_enrolment",
    params(("id" = Uuid, Path, description = "Module")),
    request_body = SelfEnrolmentInput,
    responses((status = 204, description = "Set"),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn set_self_enrolment(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SelfEnrolmentInput>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    learning::set_self_enrolment(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        input.open,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The member's departments.
#[derive(Debug, Serialize, ToSchema)]
pub struct Departments {
    pub items: Vec<learning::Department>,
}

/// The member's departments with their number of users
///
/// Member host. Permission learning:enrol (admins, teachers). Departments come from the staff
/// import (`POST /api/v1/imports`).
#[utoipa::path(get, path = "/api/v1/learning/departments", tag = "learning", operation_id = "list_departments",
    responses((status = 200, description = "Departments", body = Departments),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn departments(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningEnrol>,
) -> AppResult<Json<Departments>> {
    member_site(&ctx)?;
    Ok(Json(Departments {
        items: learning::departments(&p, ctx.tenant.id).await?,
    }))
}

/// Enrol everyone of a department in a module
///
/// Member host. Permission learning:manage (admins). Blocked accounts are left out; who is
/// enrolled already keeps their enrolment. An unknown department is `unknown_department`.
#[utoipa::path(post, path = "/api/v1/learning/departments/enrolments", tag = "learning", operation_id = "enrol_department",
    request_body = DepartmentEnrolInput,
    responses((status = 200, description = "Enrolled", body = GroupEnrolled),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn enrol_department(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    ApiJson(input): ApiJson<DepartmentEnrolInput>,
) -> AppResult<Json<GroupEnrolled>> {
    member_site(&ctx)?;
    Ok(Json(
        learning::enrol_department(&p, ctx.tenant.id, auth.principal.user_id, &input).await?,
    ))
}

/// Enrol one learner, a group or a department in a learning path
///
/// Member host. Permission learning:enrol (admins, teachers; teachers only their own groups, a
/// department only admins). Exactly one of `user_id`, `group_id`, `department`
/// (`choose_one`). The learners are enrolled in every module the path shows, with the deadline;
/// modules they follow already stay as they are.
#[utoipa::path(post, path = "/api/v1/learning/path-enrolments", tag = "learning", operation_id = "enrol_path",
    request_body = PathEnrolInput,
    responses((status = 200, description = "Enrolled", body = GroupEnrolled),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn enrol_path(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    ApiJson(input): ApiJson<PathEnrolInput>,
) -> AppResult<Json<GroupEnrolled>> {
    member_site(&ctx)?;
    let viewer = super::groups_viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(
        path_enrolment::enrol(&p, ctx.tenant.id, viewer, &input).await?,
    ))
}

/// The caller's learning paths.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyPaths {
    pub items: Vec<PathProgress>,
}

/// The caller's learning paths with their progress
///
/// Member host. Permission learning:learn. Per path its modules as the member shows them, how
/// many required modules are completed, and when the path was completed.
#[utoipa::path(get, path = "/api/v1/learning/path-enrolments/mine", tag = "learning", operation_id = "my_paths",
    responses((status = 200, description = "Paths", body = MyPaths),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn my_paths(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
) -> AppResult<Json<MyPaths>> {
    member_site(&ctx)?;
    Ok(Json(MyPaths {
        items: path_enrolment::mine(&p, ctx.tenant.id, auth.principal.user_id).await?,
    }))
}
