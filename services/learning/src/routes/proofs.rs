//! Proofs of participation: the learner's own (HTML and PDF), the public verification page at
//! `/bewijs/{code}`, and the JSON API (the caller's proofs; revoking for admins).

use super::{member_site, parse_id, query_error};
use crate::{
    domain::proof::{self, ProofPage, ProofView, RevokeInput},
    LearningLearn, LearningManage,
};
use axum::{
    extract::{rejection::QueryRejection, Path, Query, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use zk_kernel::{
    authz::Require,
    cpu,
    error::ErrorEnvelope,
    http::{see_other, url_encode, ApiJson, CsrfForm, RequestContext},
    paging::Paging,
    AppResult, Platform,
};

/// The learner's name on a page, or "naam niet opgegeven" in the page's language.
fn learner(p: &Platform, ctx: &RequestContext, name: &Option<String>) -> String {
    name.clone()
        .unwrap_or_else(|| p.theme.t(ctx.lang, "proof.no_name"))
}

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
            "learner_name": learner(&p, &ctx, &proof.learner_name), "module_title": proof.module_title,
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
            "proof": proof, "learner_name": learner(&p, &ctx, &proof.learner_name),
            "date": proof::dutch_long_date(&proof.issued_on), "verify_url": url,
        }),
    )
}

/// `GET /leren/bewijzen/{id}/pdf`: the learner's own proof as a PDF in the member's colour (made
/// on the CPU pool).
pub async fn pdf(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let proof = proof::own(&p, ctx.tenant.id, auth.principal.user_id, parse_id(&id)?).await?;
    let url = verify_url(&p, &ctx, &proof.code);
    let file_name = format!("bewijs-van-deelname-{}.pdf", proof.code);
    let colour = ctx.tenant.branding.primary_color.clone();
    let bytes = cpu::run(move || proof::pdf(&proof, &colour, &url)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
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

/// What to look for in the member's proofs.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ProofQuery {
    /// Part of the learner's name or the module's title, or a verification code.
    #[serde(default)]
    pub q: Option<String>,
    /// From 1 to 100000; a page past the last one is empty.
    #[serde(default)]
    pub page: Option<String>,
    /// 1 to 200; 50 when left out.
    #[serde(default)]
    pub per_page: Option<String>,
    /// After a form: `ingetrokken`.
    #[serde(default)]
    #[param(ignore)]
    pub klaar: Option<String>,
}

impl ProofQuery {
    /// The page asked for (a wrong `page` or `per_page` is a 422 naming it).
    fn paging(&self) -> AppResult<Paging> {
        Paging::parse(
            self.page.as_deref(),
            self.per_page.as_deref(),
            proof::PER_PAGE,
        )
    }
}

/// The member's proofs of participation
///
/// Member host. Permission learning:manage (admins). Newest first, 50 a page unless `per_page`
/// says otherwise, with the total; `q` finds part of a learner's name or a module's title, or a
/// verification code. A wrong `page` or `per_page` is 422 with its name in `field`.
#[utoipa::path(get, path = "/api/v1/learning/proofs", tag = "learning", operation_id = "list_proofs",
    params(ProofQuery),
    responses((status = 200, description = "Proofs", body = ProofPage),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope),
        (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    query: Result<Query<ProofQuery>, QueryRejection>,
) -> AppResult<Json<ProofPage>> {
    member_site(&ctx)?;
    let Query(q) = query.map_err(query_error)?;
    let paging = q.paging()?;
    Ok(Json(
        proof::list(&p, ctx.tenant.id, q.q.as_deref(), paging).await?,
    ))
}

async fn admin_page(
    p: &Platform,
    ctx: &RequestContext,
    q: &ProofQuery,
    error: Option<(uuid::Uuid, zk_kernel::AppError)>,
) -> AppResult<Response> {
    let paging = q.paging()?;
    let page = proof::list(p, ctx.tenant.id, q.q.as_deref(), paging).await?;
    let pages = paging.pages(page.total);
    let query = q.q.as_deref().unwrap_or("");
    let per_page = match paging.per_page() {
        n if n == proof::PER_PAGE.default => String::new(),
        n => format!("&per_page={n}"),
    };
    let link = |n: u32| format!("/leren/bewijzen?q={}{per_page}&page={n}", url_encode(query));
    let items: Vec<serde_json::Value> = page
        .items
        .iter()
        .map(|listed| {
            let pr = &listed.proof;
            let failed = error.as_ref().filter(|(id, _)| *id == pr.id);
            // Admins know their staff: a proof without a name is listed by the address.
            let name = pr
                .learner_name
                .clone()
                .or_else(|| listed.learner_email.clone());
            json!({
                "id": pr.id, "code": pr.code, "learner_name": learner(p, ctx, &name),
                "module_title": pr.module_title, "date": proof::dutch_long_date(&pr.issued_on),
                "revoked": pr.revoked, "revoked_reason": pr.revoked_reason,
                "error": failed.map(|(_, e)| e.body()),
            })
        })
        .collect();
    let data = json!({
        "items": items, "total": page.total, "q": query,
        "prev": (page.page > 1).then(|| link(page.page - 1)),
        "next": (page.page < pages).then(|| link(page.page + 1)),
        "page": page.page, "pages": pages,
        "flash": (q.klaar.as_deref() == Some("ingetrokken")).then_some("proofs.flash_revoked"),
    });
    let mut res = p.theme.render("proofs_admin", ctx, data)?.into_response();
    if let Some((_, e)) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// `GET /leren/bewijzen`: the member's proofs (admins), searchable, with revoking. A `page` or
/// `per_page` that is no page is the error page (422) saying so.
pub async fn admin_list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    query: Result<Query<ProofQuery>, QueryRejection>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let Query(q) = query.map_err(query_error)?;
    admin_page(&p, &ctx, &q, None).await
}

/// `POST /leren/bewijzen/{id}/intrekken` (`reason`): revokes after the confirmation.
pub async fn revoke_form(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let id = parse_id(&id)?;
    let reason = pairs
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let input = RevokeInput { reason };
    match proof::revoke(&p, ctx.tenant.id, auth.principal.user_id, id, &input).await {
        Ok(()) => Ok(see_other("/leren/bewijzen?klaar=ingetrokken")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            admin_page(&p, &ctx, &ProofQuery::default(), Some((id, e))).await
        }
        Err(e) => Err(e),
    }
}
