//! JSON API of ratings, block reports, proposals and votes. Typed responses; the OpenAPI
//! description of these routes is generated from them (`ContentApi`).

use super::{api::ts, member_site, parse_id};
use crate::{
    domain::quality::{self, ProposalInput, RatingInput, ReportInput, ResolveInput, StatusInput},
    repo::quality::{ProposalRow, ReportRow},
    CatalogRead, PortfolioModerate, ProposalsWrite, QualityWrite, ReportsWrite, VotesWrite,
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

/// The NZK side only (moderation).
fn platform_site(ctx: &RequestContext) -> AppResult<()> {
    if ctx.tenant.is_platform {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// A rating as saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingSaved {
    pub module_id: Uuid,
    pub stars: i16,
    pub comment: String,
}

/// One member's rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingItem {
    pub member_id: Uuid,
    /// The member's name (ratings are not anonymous).
    pub member: String,
    pub stars: i16,
    pub comment: String,
    #[schema(format = DateTime)]
    pub rated_at: String,
}

/// Every member's rating of a module.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ratings {
    /// Average stars; absent without ratings.
    pub average: Option<f64>,
    pub count: usize,
    pub items: Vec<RatingItem>,
}

/// A new report or proposal.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
    pub status: String,
}

/// An error report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: Uuid,
    pub member: String,
    pub module_id: Uuid,
    pub module_title: String,
    pub version: i32,
    pub block_id: Uuid,
    pub message: String,
    #[schema(format = DateTime)]
    pub reported_at: String,
    /// `open` or `resolved`.
    pub status: String,
    pub resolution: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
}

/// A list of reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reports {
    pub items: Vec<Report>,
}

/// A portfolio proposal with its votes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposal {
    pub id: Uuid,
    /// The member that filed it.
    pub member: String,
    pub title: String,
    pub description: String,
    /// `open`, `planned`, `in_progress`, `done` or `declined`.
    pub status: String,
    pub status_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub votes: i64,
    /// The voting members, in voting order (votes are not anonymous).
    pub voters: Vec<String>,
    /// Whether the caller's member voted for it.
    pub voted: bool,
}

/// A list of proposals.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposals {
    pub items: Vec<Proposal>,
}

/// A changed status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChanged {
    pub id: Uuid,
    pub status: String,
}

/// The member's rating (one per member, changeable)
///
/// Member host. Permission quality:write (admins, reviewers). Only published shared modules.
#[utoipa::path(put, path = "/api/v1/content/ratings/{id}", tag = "quality", operation_id = "rate_module",
    params(("id" = Uuid, Path, description = "Shared module")),
    request_body = RatingInput,
    responses((status = 200, description = "Saved", body = RatingSaved),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn rate(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<QualityWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RatingInput>,
) -> AppResult<Json<RatingSaved>> {
    member_site(&ctx)?;
    let module = parse_id(&id)?;
    quality::rate(&p, ctx.tenant.id, auth.principal.user_id, module, &input).await?;
    Ok(Json(RatingSaved {
        module_id: module,
        stars: input.stars,
        comment: input.comment.trim().to_owned(),
    }))
}

/// Every member's rating of a shared module, with the average
///
/// Permission catalog:read. Not anonymous: each rating names its member.
#[utoipa::path(get, path = "/api/v1/content/ratings/{id}", tag = "quality", operation_id = "list_ratings",
    params(("id" = Uuid, Path, description = "Shared module")),
    responses((status = 200, description = "Ratings", body = Ratings),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn ratings(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    Path(id): Path<String>,
) -> AppResult<Json<Ratings>> {
    let rows = quality::ratings(&p, ctx.tenant.id, parse_id(&id)?).await?;
    let count = rows.len();
    let average =
        (count > 0).then(|| rows.iter().map(|r| f64::from(r.stars)).sum::<f64>() / count as f64);
    let items = rows
        .into_iter()
        .map(|r| RatingItem {
            member_id: r.tenant_id,
            member: r.member,
            stars: r.stars,
            comment: r.comment,
            rated_at: ts(r.rated_at),
        })
        .collect();
    Ok(Json(Ratings {
        average,
        count,
        items,
    }))
}

fn report_of(r: ReportRow) -> Report {
    Report {
        id: r.id,
        member: r.member,
        module_id: r.module_id,
        module_title: r.module_title,
        version: r.version,
        block_id: r.block_id,
        message: r.message,
        reported_at: ts(r.reported_at),
        status: r.status,
        resolution: r.resolution,
        resolved_at: r.resolved_at.map(ts),
    }
}

/// Report an error on a block of a shared module
///
/// Member host. Permission reports:write (every member role). The block must be in the latest
/// version.
#[utoipa::path(post, path = "/api/v1/content/reports", tag = "quality", operation_id = "report_error",
    request_body = ReportInput,
    responses((status = 201, description = "Filed", body = Created),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn report(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<ReportsWrite>,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    member_site(&ctx)?;
    let id = quality::report(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            status: "open".into(),
        }),
    ))
}

/// Filters of the report list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `open` or `resolved`.
    #[serde(default)]
    status: Option<String>,
    /// One module's reports.
    #[serde(default)]
    module_id: Option<String>,
}

/// Error reports on shared modules (the operators' queue with `status=open`)
///
/// Permission catalog:read; every member and the operators see all reports.
#[utoipa::path(get, path = "/api/v1/content/reports", tag = "quality", operation_id = "list_reports",
    params(ReportQuery),
    responses((status = 200, description = "Reports", body = Reports),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn reports(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Reports>> {
    let Query(q) = query.map_err(super::api::query_error)?;
    let module = match q.module_id.as_deref().filter(|s| !s.is_empty()) {
        Some(m) => Some(m.parse().map_err(|_| {
            AppError::validation("module_id", "invalid_filter", "Geef het id van een module.")
        })?),
        None => None,
    };
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let rows = quality::reports(&p, ctx.tenant.id, status, module).await?;
    Ok(Json(Reports {
        items: rows.into_iter().map(report_of).collect(),
    }))
}

/// Resolve an open report
///
/// Operators on the base domain (permission portfolio:moderate).
#[utoipa::path(post, path = "/api/v1/content/reports/{id}/resolve", tag = "quality", operation_id = "resolve_report",
    params(("id" = Uuid, Path, description = "Report")),
    request_body = ResolveInput,
    responses((status = 200, description = "Resolved", body = StatusChanged),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn resolve(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResolveInput>,
) -> AppResult<Json<StatusChanged>> {
    platform_site(&ctx)?;
    let id = parse_id(&id)?;
    quality::resolve(&p, auth.principal.user_id, id, &input).await?;
    Ok(Json(StatusChanged {
        id,
        status: "resolved".into(),
    }))
}

fn proposal_of(r: ProposalRow) -> Proposal {
    Proposal {
        id: r.id,
        member: r.member,
        title: r.title,
        description: r.description,
        status: r.status,
        status_reason: r.status_reason,
        created_at: ts(r.created_at),
        votes: r.votes,
        voters: r.voters,
        voted: r.voted,
    }
}

/// Portfolio proposals with their votes and voters
///
/// Permission catalog:read. Who voted is public (in voting order); `voted` says whether the
/// caller's member voted.
#[utoipa::path(get, path = "/api/v1/content/proposals", tag = "quality", operation_id = "list_proposals",
    responses((status = 200, description = "Proposals", body = Proposals),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn proposals(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
) -> AppResult<Json<Proposals>> {
    let rows = quality::proposals(&p, ctx.tenant.id).await?;
    Ok(Json(Proposals {
        items: rows.into_iter().map(proposal_of).collect(),
    }))
}

/// File a proposal for the portfolio
///
/// Member host. Permission proposals:write (admins, authors).
#[utoipa::path(post, path = "/api/v1/content/proposals", tag = "quality", operation_id = "file_proposal",
    request_body = ProposalInput,
    responses((status = 201, description = "Filed", body = Created),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn propose(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<ProposalsWrite>,
    ApiJson(input): ApiJson<ProposalInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    member_site(&ctx)?;
    let id = quality::propose(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            status: "open".into(),
        }),
    ))
}

/// The member's vote (one per member)
///
/// Member host. Permission votes:write (admins). 201 when counted, 200 when the member had
/// already voted; 409 `proposal_closed` once the proposal is no longer open.
#[utoipa::path(post, path = "/api/v1/content/proposals/{id}/vote", tag = "quality", operation_id = "vote_proposal",
    params(("id" = Uuid, Path, description = "Proposal")),
    responses((status = 201, description = "Counted", body = Proposal),
        (status = 200, description = "Already counted", body = Proposal),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn vote(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<VotesWrite>,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<Proposal>)> {
    member_site(&ctx)?;
    let (counted, row) =
        quality::vote(&p, ctx.tenant.id, auth.principal.user_id, parse_id(&id)?).await?;
    let status = if counted {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(proposal_of(row))))
}

/// Withdraw the member's vote
///
/// Member host. Permission votes:write.
#[utoipa::path(delete, path = "/api/v1/content/proposals/{id}/vote", tag = "quality", operation_id = "unvote_proposal",
    params(("id" = Uuid, Path, description = "Proposal")),
    responses((status = 204, description = "Withdrawn"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn unvote(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<VotesWrite>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    quality::unvote(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a proposal's status with a reason
///
/// Operators on the base domain (permission portfolio:moderate).
#[utoipa::path(post, path = "/api/v1/content/proposals/{id}/status", tag = "quality", operation_id = "set_proposal_status",
    params(("id" = Uuid, Path, description = "Proposal")),
    request_body = StatusInput,
    responses((status = 200, description = "Set", body = StatusChanged),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn set_status(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> AppResult<Json<StatusChanged>> {
    platform_site(&ctx)?;
    let id = parse_id(&id)?;
    quality::set_status(&p, auth.principal.user_id, id, &input).await?;
    Ok(Json(StatusChanged {
        id,
        status: input.status,
    }))
}
