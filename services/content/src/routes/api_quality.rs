//! JSON API of ratings, block reports, proposals and votes.

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
use serde::Deserialize;
use serde_json::{json, Value};
use zk_kernel::{
    authz::Require,
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

/// `PUT /api/v1/content/ratings/{module_id}`: the member's rating (one per member, changeable).
pub async fn rate(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<QualityWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RatingInput>,
) -> AppResult<Json<Value>> {
    member_site(&ctx)?;
    let module = parse_id(&id)?;
    quality::rate(&p, ctx.tenant.id, auth.principal.user_id, module, &input).await?;
    Ok(Json(
        json!({"module_id": module, "stars": input.stars, "comment": input.comment.trim()}),
    ))
}

/// `GET /api/v1/content/ratings/{module_id}`: every member's rating, with the average.
pub async fn ratings(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let rows = quality::ratings(&p, ctx.tenant.id, parse_id(&id)?).await?;
    let count = rows.len();
    let average =
        (count > 0).then(|| rows.iter().map(|r| f64::from(r.stars)).sum::<f64>() / count as f64);
    let items: Vec<Value> = rows
        .iter()
        .map(|r| json!({"member_id": r.tenant_id, "member": r.member, "stars": r.stars, "comment": r.comment, "rated_at": ts(r.rated_at)}))
        .collect();
    Ok(Json(
        json!({"average": average, "count": count, "items": items}),
    ))
}

fn report_json(r: &ReportRow) -> Value {
    json!({
        "id": r.id, "member": r.member, "module_id": r.module_id, "module_title": r.module_title,
        "version": r.version, "block_id": r.block_id, "message": r.message,
        "reported_at": ts(r.reported_at), "status": r.status, "resolution": r.resolution,
        "resolved_at": r.resolved_at.map(ts),
    })
}

/// `POST /api/v1/content/reports`: an error on a block of a shared module.
pub async fn report(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<ReportsWrite>,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
    member_site(&ctx)?;
    let id = quality::report(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status": "open"})),
    ))
}

/// Filters of the report list.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    module_id: Option<String>,
}

/// `GET /api/v1/content/reports`: reports of every member (operators' queue: `?status=open`).
pub async fn reports(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(q) = query.map_err(super::api::query_error)?;
    let module = match q.module_id.as_deref().filter(|s| !s.is_empty()) {
        Some(m) => Some(m.parse().map_err(|_| {
            AppError::validation("module_id", "invalid_filter", "Geef het id van een module.")
        })?),
        None => None,
    };
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let rows = quality::reports(&p, ctx.tenant.id, status, module).await?;
    Ok(Json(
        json!({"items": rows.iter().map(report_json).collect::<Vec<_>>()}),
    ))
}

/// `POST /api/v1/content/reports/{id}/resolve` (operators).
pub async fn resolve(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ResolveInput>,
) -> AppResult<Json<Value>> {
    platform_site(&ctx)?;
    let id = parse_id(&id)?;
    quality::resolve(&p, auth.principal.user_id, id, &input).await?;
    Ok(Json(json!({"id": id, "status": "resolved"})))
}

fn proposal_json(r: &ProposalRow) -> Value {
    json!({
        "id": r.id, "member": r.member, "title": r.title, "description": r.description,
        "status": r.status, "status_reason": r.status_reason, "created_at": ts(r.created_at),
        "votes": r.votes, "voters": r.voters, "voted": r.voted,
    })
}

/// `GET /api/v1/content/proposals`: every proposal with its votes and voters.
pub async fn proposals(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
) -> AppResult<Json<Value>> {
    let rows = quality::proposals(&p, ctx.tenant.id).await?;
    Ok(Json(
        json!({"items": rows.iter().map(proposal_json).collect::<Vec<_>>()}),
    ))
}

/// `POST /api/v1/content/proposals`
pub async fn propose(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<ProposalsWrite>,
    ApiJson(input): ApiJson<ProposalInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
    member_site(&ctx)?;
    let id = quality::propose(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status": "open"})),
    ))
}

/// `POST /api/v1/content/proposals/{id}/vote`: 201 when counted, 200 when the member had voted.
pub async fn vote(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<VotesWrite>,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<Value>)> {
    member_site(&ctx)?;
    let (counted, row) =
        quality::vote(&p, ctx.tenant.id, auth.principal.user_id, parse_id(&id)?).await?;
    let status = if counted {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(proposal_json(&row))))
}

/// `DELETE /api/v1/content/proposals/{id}/vote`
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

/// `POST /api/v1/content/proposals/{id}/status` (operators).
pub async fn set_status(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> AppResult<Json<Value>> {
    platform_site(&ctx)?;
    let id = parse_id(&id)?;
    quality::set_status(&p, auth.principal.user_id, id, &input).await?;
    Ok(Json(json!({"id": id, "status": input.status})))
}
