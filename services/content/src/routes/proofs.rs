//! Proofs of participation: the learner's own (HTML and PDF), the public verification page at
//! `/bewijs/{code}`, and the JSON API (the caller's proofs; revoking for admins).

use super::{member_site, parse_id};
use crate::{
    domain::proof::{self, ProofView, RevokeInput},
    LearningLearn, LearningManage,
};
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

fn verify_url(p: &Platform, ctx: &RequestContext, code: &str) -> String {
    format!("{}/bewijs/{code}", p.config.tenant_url(&ctx.tenant.slug))
}

/// `GET /bewijs/{code}`: public. Shows only the learner's name, the module, the date and the
/// issuing member; an unknown or revoked code is 404.
pub async fn verify_page(
    State(p): State<Platform>,
    ctx: RequestContext,
    Path(code): Path<String>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let proof = proof::verify(&p, ctx.tenant.id, &code).await?;
    p.theme.render(
        "proof_verify",
        &ctx,
        json!({
            "learner_name": proof.learner_name, "module_title": proof.module_title,
            "member_name": proof.member_name, "date": proof::dutch_long_date(&proof.issued_on),
        }),
    )
}

/// `GET /leren/bewijzen/{id}`: the learner's own proof as a page, with the PDF and the
/// verification address.
pub async fn page(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let proof = proof::own(&p, ctx.tenant.id, auth.principal.user_id, parse_id(&id)?).await?;
    let url = verify_url(&p, &ctx, &proof.code);
    p.theme.render(
        "proof",
        &ctx,
        json!({
            "proof": proof, "date": proof::dutch_long_date(&proof.issued_on), "verify_url": url,
        }),
    )
}

/// `GET /leren/bewijzen/{id}/pdf`: the learner's own proof as a PDF in the member's colour.
pub async fn pdf(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let proof = proof::own(&p, ctx.tenant.id, auth.principal.user_id, parse_id(&id)?).await?;
    let url = verify_url(&p, &ctx, &proof.code);
    let bytes = proof::pdf(&proof, &ctx.tenant.branding.primary_color, &url);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"bewijs-van-deelname-{}.pdf\"",
                    proof.code
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// The caller's proofs.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyProofs {
    pub items: Vec<ProofView>,
}

/// The caller's proofs of participation
///
/// Member host. Permission learning:learn.
#[utoipa::path(get, path = "/api/v1/learning/proofs/mine", tag = "learning", operation_id = "my_proofs",
    responses((status = 200, description = "Proofs", body = MyProofs),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn mine(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
) -> AppResult<Json<MyProofs>> {
    member_site(&ctx)?;
    Ok(Json(MyProofs {
        items: proof::mine(&p, ctx.tenant.id, auth.principal.user_id).await?,
    }))
}

/// Revoke a proof of participation
///
/// Member host. Permission learning:manage (admins). A reason is required (`reason`); the proof
/// no longer verifies. Another member's proof, or one revoked already, is 404.
#[utoipa::path(post, path = "/api/v1/learning/proofs/{id}/revoke", tag = "learning", operation_id = "revoke_proof",
    params(("id" = uuid::Uuid, Path, description = "Proof")),
    request_body = RevokeInput,
    responses((status = 204, description = "Revoked"),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn revoke(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RevokeInput>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    proof::revoke(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        &input,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
