//! The competence passport: the learner's own (page, CSV, PDF, JSON) and the "verloopt
//! binnenkort" list for teachers and admins.

use super::{groups_viewer, member_site};
use crate::{
    domain::passport::{self, Entry, Status},
    LearningEnrol, LearningLearn,
};
use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use zk_kernel::{authz::Require, error::ErrorEnvelope, http::RequestContext, AppResult, Platform};

/// Passport entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct Entries {
    pub items: Vec<Entry>,
}

/// The caller's competence passport
///
/// Member host. Permission learning:learn. Every completed module with its competences, the
/// date, the version and, for modules with a validity, until when (`status`: valid, expiring
/// within 60 days, expired).
#[utoipa::path(get, path = "/api/v1/learning/passport", tag = "learning", operation_id = "my_passport",
    responses((status = 200, description = "Passport", body = Entries),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn mine(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
) -> AppResult<Json<Entries>> {
    member_site(&ctx)?;
    Ok(Json(Entries {
        items: passport::of_learner(&p, ctx.tenant.id, auth.principal.user_id).await?,
    }))
}

/// Passport entries that expire within 60 days or have expired
///
/// Member host. Permission learning:enrol: the member's for admins, those of the learners in
/// their groups for teachers; soonest first.
#[utoipa::path(get, path = "/api/v1/learning/expiring", tag = "learning", operation_id = "expiring_entries",
    responses((status = 200, description = "Entries", body = Entries),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn expiring(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
) -> AppResult<Json<Entries>> {
    member_site(&ctx)?;
    let v = groups_viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(Entries {
        items: passport::expiring(&p, ctx.tenant.id, v).await?,
    }))
}

/// `GET /leren/paspoort`
pub async fn page(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let entries = passport::of_learner(&p, ctx.tenant.id, auth.principal.user_id).await?;
    let items: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "module_id": e.module_id, "title": e.title, "competences": e.competences,
                "completed_on": crate::domain::proof::dutch_long_date(&e.completed_on),
                "version": e.version,
                "valid_until": e.valid_until.as_deref().map(crate::domain::proof::dutch_long_date),
                "status": match e.status { Status::Valid => "valid", Status::Expiring => "expiring", Status::Expired => "expired" },
            })
        })
        .collect();
    p.theme
        .render("passport", &ctx, json!({ "entries": items }))
}

/// `GET /leren/paspoort.csv`
pub async fn csv(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let entries = passport::of_learner(&p, ctx.tenant.id, auth.principal.user_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"bekwaamheidspaspoort.csv\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        passport::csv(&entries),
    )
        .into_response())
}

/// `GET /leren/paspoort.pdf`
pub async fn pdf(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let entries = passport::of_learner(&p, ctx.tenant.id, auth.principal.user_id).await?;
    let learner = if auth.principal.display_name.is_empty() {
        "Deelnemer".to_owned()
    } else {
        auth.principal.display_name.clone()
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"bekwaamheidspaspoort.pdf\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        passport::pdf(&learner, &ctx.tenant.name, &entries),
    )
        .into_response())
}
