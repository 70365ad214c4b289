//! JSON API of contributions: submit an own module, review candidates, publish them.

use super::{api::ts, member_site, parse_id};
use crate::{
    domain::contribution::{self, CommentInput, ReviewInput, SubmitInput},
    repo::candidates::CandidateRow,
    CandidatesReview, CatalogRead, CatalogWrite, PortfolioModerate,
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

fn candidate_json(c: &CandidateRow, with_doc: bool) -> Value {
    let mut v = json!({
        "id": c.id, "member_id": c.source_tenant, "member": c.member, "source_module": c.source_module,
        "source_version": c.source_version, "title": c.doc.0.title, "licence": c.licence,
        "note": c.note, "status": c.status, "submitted_at": ts(c.submitted_at),
        "updated_at": ts(c.updated_at), "shared_module_id": c.shared_module_id,
    });
    if with_doc {
        v["module"] = json!(c.doc.0);
    }
    v
}

/// `POST /api/v1/content/modules/{id}/contribute`: submit the latest published version.
pub async fn submit(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SubmitInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
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
        Json(json!({"id": id, "status": "submitted"})),
    ))
}

/// Filter of the candidate list.
#[derive(Debug, Default, Deserialize)]
pub struct CandidateQuery {
    #[serde(default)]
    status: Option<String>,
}

/// `GET /api/v1/content/candidates`: every member's submissions.
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    query: Result<Query<CandidateQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Value>> {
    let Query(q) = query.map_err(super::api::query_error)?;
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    let rows = contribution::list(&p, ctx.tenant.id, status).await?;
    Ok(Json(
        json!({"items": rows.iter().map(|c| candidate_json(c, false)).collect::<Vec<_>>()}),
    ))
}

/// `GET /api/v1/content/candidates/{id}`: the submitted module, comments and history.
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    reviewer: Result<Require<CandidatesReview>, AppError>,
    Path(id): Path<String>,
) -> AppResult<Json<Value>> {
    let d = contribution::get(&p, ctx.tenant.id, parse_id(&id)?, reviewer.is_ok()).await?;
    let mut v = candidate_json(&d.candidate, true);
    v["comments"] = d
        .comments
        .iter()
        .map(|c| json!({"member": c.member, "block_id": c.block_id, "body": c.body, "author": c.author, "created_at": ts(c.created_at)}))
        .collect();
    v["events"] = d
        .events
        .iter()
        .map(|e| json!({"member": e.member, "actor": e.actor, "action": e.action, "note": e.note, "at": ts(e.at)}))
        .collect();
    Ok(Json(v))
}

/// `POST /api/v1/content/candidates/{id}/comments`
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

/// `POST /api/v1/content/candidates/{id}/review`
pub async fn review(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CandidatesReview>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> AppResult<Json<Value>> {
    let id = parse_id(&id)?;
    let status =
        contribution::review(&p, ctx.tenant.id, auth.principal.user_id, id, &input).await?;
    Ok(Json(json!({"id": id, "status": status})))
}

/// `POST /api/v1/content/candidates/{id}/publish` (operators).
pub async fn publish(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<Value>)> {
    if !ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    let id = parse_id(&id)?;
    let module = contribution::publish(&p, auth.principal.user_id, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "status": "published", "shared_module_id": module, "version": 1})),
    ))
}
