//! JSON API of contributions: submit an own module, review candidates, publish them. Typed
//! responses; described by utoipa (`ContentApi`).

use super::{
    api::ts,
    api_quality::{Created, StatusChanged},
    member_site, parse_id,
};
use crate::{
    domain::{
        contribution::{self, CommentInput, Reader, ReviewInput, SubmitInput},
        module::ModuleDoc,
    },
    repo::candidates::CandidateRow,
    CandidatesReview, CatalogRead, CatalogWrite, PortfolioModerate,
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
    AppError, AppResult, Platform,
};

/// A contribution as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Candidate {
    pub id: Uuid,
    pub member_id: Uuid,
    /// The contributing member.
    pub member: String,
    pub source_module: Uuid,
    pub source_version: i32,
    pub title: String,
    /// `CC-BY-4.0` or `CC-BY-SA-4.0`.
    pub licence: String,
    pub note: String,
    /// `submitted`, `changes_requested`, `approved` or `published`.
    pub status: String,
    #[schema(format = DateTime)]
    pub submitted_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub shared_module_id: Option<Uuid>,
}

/// Contributions of every member.
#[derive(Debug, Serialize, ToSchema)]
pub struct Candidates {
    pub items: Vec<Candidate>,
}

/// A reviewer's comment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Comment {
    pub member: String,
    pub block_id: Option<Uuid>,
    pub body: String,
    pub author: Uuid,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A step in a contribution's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    pub member: String,
    pub actor: Uuid,
    /// `submitted`, `resubmitted`, `commented`, `approved`, `changes_requested` or `published`.
    pub action: String,
    pub note: String,
    #[schema(format = DateTime)]
    pub at: String,
}

/// A contribution with the submitted module, comments and history.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateDetail {
    #[serde(flatten)]
    pub candidate: Candidate,
    /// The submitted version. Quiz answers (`correct`, `feedback`) only while the review is
    /// open, for the submitting member's authors and other members' reviewers; otherwise every
    /// option reads as not correct, without feedback.
    pub module: ModuleDoc,
    /// Whether `module` holds the quiz answers.
    pub answers_shown: bool,
    pub comments: Vec<Comment>,
    pub events: Vec<Event>,
}

/// A contribution now in the portfolio.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    pub id: Uuid,
    pub status: String,
    pub shared_module_id: Uuid,
    pub version: i32,
}

fn candidate_of(c: &CandidateRow) -> Candidate {
    Candidate {
        id: c.id,
        member_id: c.source_tenant,
        member: c.member.clone(),
        source_module: c.source_module,
        source_version: c.source_version,
        title: c.doc.0.title.clone(),
        licence: c.licence.clone(),
        note: c.note.clone(),
        status: c.status.clone(),
        submitted_at: ts(c.submitted_at),
        updated_at: ts(c.updated_at),
        shared_module_id: c.shared_module_id,
    }
}

/// Submit an own published module for the NZK portfolio
///
/// Member host. Permission catalog:write (authors, admins). The latest published version is
/// copied to the shared side as a candidate; an open candidate of the same module is replaced
/// (resubmitted). The author gets a mail at every step.
#[utoipa::path(post, path = "/api/v1/content/modules/{id}/contribute", tag = "contributions", operation_id = "contribute_module",
    params(("id" = Uuid, Path, description = "Own module")),
    request_body = SubmitInput,
    responses((status = 201, description = "Submitted", body = Created),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn submit(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SubmitInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    member_site(&ctx)?;
    let id = contribution::submit(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        &input,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            status: "submitted".into(),
        }),
    ))
}

/// Filter of the candidate list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateQuery {
    /// `submitted`, `changes_requested`, `approved` or `published`.
    #[serde(default)]
    status: Option<String>,
}

/// Contributions of every member
///
/// Permission catalog:read.
#[utoipa::path(get, path = "/api/v1/content/candidates", tag = "contributions", operation_id = "list_candidates",
    params(CandidateQuery),
    responses((status = 200, description = "Candidates", body = Candidates),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    query: Result<Query<CandidateQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Candidates>> {
    let Query(q) = query.map_err(super::api::query_error)?;
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let rows = contribution::list(&p, ctx.tenant.id, status).await?;
    Ok(Json(Candidates {
        items: rows.iter().map(candidate_of).collect(),
    }))
}

/// How many contributions wait for a review.
#[derive(Debug, Serialize, ToSchema)]
pub struct Waiting {
    /// Submitted contributions of other members, not yet decided.
    pub waiting: i64,
}

/// How many contributions wait for this member's reviewers
///
/// Member host. Permission candidates:review (the number in the reviewer's menu). Other
/// members' submitted contributions only: a member doesn't review its own.
#[utoipa::path(get, path = "/api/v1/content/candidates/waiting", tag = "contributions", operation_id = "waiting_candidates",
    responses((status = 200, description = "The number", body = Waiting),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn waiting(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CandidatesReview>,
) -> AppResult<Json<Waiting>> {
    member_site(&ctx)?;
    Ok(Json(Waiting {
        waiting: contribution::waiting(&p, ctx.tenant.id).await?,
    }))
}

/// A candidate with the submitted module, comments and history
///
/// Permission catalog:read. Quiz answers are included only while the review is open (not
/// published), for the submitting member's authors (catalog:write) and for reviewers
/// (candidates:review) of other members and operators; `answers_shown` says which.
#[utoipa::path(get, path = "/api/v1/content/candidates/{id}", tag = "contributions", operation_id = "show_candidate",
    params(("id" = Uuid, Path, description = "Candidate")),
    responses((status = 200, description = "Candidate", body = CandidateDetail),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    author: Result<Require<CatalogWrite>, AppError>,
    reviewer: Result<Require<CandidatesReview>, AppError>,
    Path(id): Path<String>,
) -> AppResult<Json<CandidateDetail>> {
    let reader = Reader {
        member: ctx.tenant.id,
        author: author.is_ok(),
        reviewer: reviewer.is_ok(),
    };
    let d = contribution::get(&p, ctx.tenant.id, parse_id(&id)?, reader).await?;
    Ok(Json(CandidateDetail {
        candidate: candidate_of(&d.candidate),
        module: d.candidate.doc.0.clone(),
        answers_shown: d.answers_shown,
        comments: d
            .comments
            .into_iter()
            .map(|c| Comment {
                member: c.member,
                block_id: c.block_id,
                body: c.body,
                author: c.author,
                created_at: ts(c.created_at),
            })
            .collect(),
        events: d
            .events
            .into_iter()
            .map(|e| Event {
                member: e.member,
                actor: e.actor,
                action: e.action,
                note: e.note,
                at: ts(e.at),
            })
            .collect(),
    }))
}

/// Comment on a candidate, optionally on one block
///
/// Permission candidates:review (reviewers, operators).
#[utoipa::path(post, path = "/api/v1/content/candidates/{id}/comments", tag = "contributions", operation_id = "comment_candidate",
    params(("id" = Uuid, Path, description = "Candidate")),
    request_body = CommentInput,
    responses((status = 201, description = "Added"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn comment(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CandidatesReview>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CommentInput>,
) -> AppResult<StatusCode> {
    contribution::comment(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        &input,
    )
    .await?;
    Ok(StatusCode::CREATED)
}

/// Approve a submitted candidate or ask for changes
///
/// Permission candidates:review: reviewers of another member (403 `own_candidate` for the
/// submitting member) and operators. `request_changes` needs a note. 409 `not_waiting` when the
/// candidate is not submitted.
#[utoipa::path(post, path = "/api/v1/content/candidates/{id}/review", tag = "contributions", operation_id = "review_candidate",
    params(("id" = Uuid, Path, description = "Candidate")),
    request_body = ReviewInput,
    responses((status = 200, description = "Decided", body = StatusChanged),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn review(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CandidatesReview>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> AppResult<Json<StatusChanged>> {
    let id = parse_id(&id)?;
    let status =
        contribution::review(&p, ctx.tenant.id, auth.principal.user_id, id, &input).await?;
    Ok(Json(StatusChanged { id, status }))
}

/// Publish an approved candidate as a shared module with attribution
///
/// Operators on the base domain (permission portfolio:moderate). 409 `not_approved` unless
/// approved.
#[utoipa::path(post, path = "/api/v1/content/candidates/{id}/publish", tag = "contributions", operation_id = "publish_candidate",
    params(("id" = Uuid, Path, description = "Candidate")),
    responses((status = 201, description = "Published", body = Published),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn publish(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<Published>)> {
    if !ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    let id = parse_id(&id)?;
    let module = contribution::publish(&p, auth.principal.user_id, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(Published {
            id,
            status: "published".into(),
            shared_module_id: module,
            version: 1,
        }),
    ))
}
