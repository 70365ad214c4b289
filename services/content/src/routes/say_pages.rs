//! Pages for quality and say: portfolio proposals and votes, contributions under review, and the
//! operators' editorial page (reports to resolve, proposal decisions, contributions to publish).
//! Each form posts to a handler that calls the same domain function as the JSON API.

use super::{api::query_error, parse_id, refused};
use crate::{
    domain::{
        contribution::{self, CommentInput, Reader, ReviewInput, SubmitInput},
        editor::Fields,
        module::BlockBody,
        quality::{self, ProposalInput, ResolveInput, StatusInput},
    },
    CandidatesReview, CatalogRead, CatalogWrite, PortfolioModerate, ProposalsWrite, VotesWrite,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use zk_kernel::{
    authz::{Require, Role},
    http::{see_other, CsrfForm, RequestContext},
    text::{amsterdam, dutch_date},
    web::markdown_to_safe_html,
    AppError, AppResult, Platform,
};

type Form = CsrfForm<Vec<(String, String)>>;

/// The caller's roles on this host (from memory).
async fn roles(p: &Platform, ctx: &RequestContext) -> Vec<Role> {
    match &ctx.principal {
        Some(principal) => p.authz.roles(ctx.tenant.id, principal.user_id).await,
        None => vec![],
    }
}

/// A message carried by the redirect after a form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    #[serde(default)]
    klaar: Option<String>,
}

fn flash_text(flash: &Flash) -> Option<&'static str> {
    match flash.klaar.as_deref() {
        Some("stem") => Some("say.flash_voted"),
        Some("ingetrokken") => Some("say.flash_unvoted"),
        Some("voorstel") => Some("say.flash_proposed"),
        Some("opmerking") => Some("say.flash_commented"),
        Some("besluit") => Some("say.flash_decided"),
        Some("gepubliceerd") => Some("say.flash_published"),
        Some("opgelost") => Some("say.flash_resolved"),
        Some("status") => Some("say.flash_status"),
        Some("ingediend") => Some("say.flash_submitted"),
        _ => None,
    }
}

/// Renders `template`; a refused form comes back with its message and status.
fn render(
    p: &Platform,
    ctx: &RequestContext,
    template: &str,
    mut data: Value,
    error: Option<&AppError>,
) -> AppResult<Response> {
    data["error"] = json!(error.map(|e| e.body()));
    let mut res = p.theme.render(template, ctx, data)?.into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// `GET /leren/voorstellen`: every proposal with its votes and who cast them.
pub async fn proposals(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    flash: Result<Query<Flash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(flash) = flash.map_err(query_error)?;
    proposals_page(&p, &ctx, flash_text(&flash), None).await
}

async fn proposals_page(
    p: &Platform,
    ctx: &RequestContext,
    flash: Option<&str>,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let roles = roles(p, ctx).await;
    let rows = quality::proposals(p, ctx.tenant.id).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "member": r.member, "title": r.title, "description": r.description,
                "status": r.status, "open": r.status == "open", "status_reason": r.status_reason,
                "votes": r.votes, "voters": r.voters, "voted": r.voted,
            })
        })
        .collect();
    let data = json!({
        "items": items,
        "flash": flash,
        "can_vote": !ctx.tenant.is_platform && roles.contains(&Role::Admin),
        "can_propose": !ctx.tenant.is_platform && roles.iter().any(|r| matches!(r, Role::Admin | Role::Author)),
        "can_decide": ctx.tenant.is_platform,
        "is_admin": roles.contains(&Role::Admin),
    });
    render(p, ctx, "proposals", data, error)
}

/// `POST /leren/voorstellen`: a new proposal.
pub async fn propose(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<ProposalsWrite>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let f = Fields(&pairs);
    let input = ProposalInput {
        title: f.get("title"),
        description: f.get("description"),
    };
    match quality::propose(&p, ctx.tenant.id, auth.principal.user_id, &input).await {
        Ok(_) => Ok(see_other("/leren/voorstellen?klaar=voorstel")),
        Err(e) if refused(&e) => proposals_page(&p, &ctx, None, Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /leren/voorstellen/{id}/stem`: the member's vote, or (`intrekken=1`) its withdrawal.
pub async fn vote(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<VotesWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let withdraw = !Fields(&pairs).get("intrekken").is_empty();
    let result = if withdraw {
        quality::unvote(&p, ctx.tenant.id, id)
            .await
            .map(|_| "ingetrokken")
    } else {
        quality::vote(&p, ctx.tenant.id, auth.principal.user_id, id)
            .await
            .map(|_| "stem")
    };
    match result {
        Ok(done) => Ok(see_other(&format!("/leren/voorstellen?klaar={done}"))),
        Err(e) if refused(&e) => proposals_page(&p, &ctx, None, Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /leren/voorstellen/{id}/status` (operators): status with a reason.
pub async fn decide(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let f = Fields(&pairs);
    let input = StatusInput {
        status: f.get("status"),
        reason: f.get("reason"),
    };
    match quality::set_status(&p, auth.principal.user_id, parse_id(&id)?, &input).await {
        Ok(()) => Ok(see_other("/leren/voorstellen?klaar=status")),
        Err(e) if refused(&e) => proposals_page(&p, &ctx, None, Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `GET /leren/inzendingen`: contributions of every member.
pub async fn candidates(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    flash: Result<Query<Flash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(flash) = flash.map_err(query_error)?;
    let roles = roles(&p, &ctx).await;
    let rows = contribution::list(&p, ctx.tenant.id, None).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "title": c.doc.0.title, "member": c.member, "licence": c.licence,
                "status": c.status, "version": c.source_version,
            })
        })
        .collect();
    let data = json!({
        "items": items,
        "flash": flash_text(&flash),
        "is_admin": roles.contains(&Role::Admin),
    });
    render(&p, &ctx, "candidates", data, None)
}

/// `GET /leren/inzendingen/{id}`: the submitted module, comments, history and decisions.
pub async fn candidate(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    author: Result<Require<CatalogWrite>, AppError>,
    reviewer: Result<Require<CandidatesReview>, AppError>,
    Path(id): Path<String>,
    flash: Result<Query<Flash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(flash) = flash.map_err(query_error)?;
    let reader = Reader {
        member: ctx.tenant.id,
        author: author.is_ok(),
        reviewer: reviewer.is_ok(),
    };
    candidate_page(&p, &ctx, reader, parse_id(&id)?, flash_text(&flash), None).await
}

/// The reader of a page after a reviewer's or operator's form.
fn reviewing(ctx: &RequestContext) -> Reader {
    Reader {
        member: ctx.tenant.id,
        author: false,
        reviewer: true,
    }
}

async fn candidate_page(
    p: &Platform,
    ctx: &RequestContext,
    reader: Reader,
    id: uuid::Uuid,
    flash: Option<&str>,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let may_review = reader.reviewer;
    let d = contribution::get(p, ctx.tenant.id, id, reader).await?;
    let c = &d.candidate;
    let own = c.source_tenant == ctx.tenant.id.0;
    let number_of = |block: Option<uuid::Uuid>| {
        block.and_then(|b| {
            c.doc
                .0
                .blocks
                .iter()
                .position(|x| x.id == Some(b))
                .map(|i| i + 1)
        })
    };
    let blocks: Vec<Value> = c
        .doc
        .0
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut v = match &b.body {
                BlockBody::Text { markdown } => json!({"html": markdown_to_safe_html(markdown)}),
                BlockBody::Quiz { questions, pass_mark } => json!({
                    "pass_mark": pass_mark,
                    "questions": questions.iter().map(|q| json!({"prompt": q.prompt, "options": q.options.iter().map(|o| json!({"text": o.text, "correct": o.correct, "feedback": o.feedback})).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                }),
                BlockBody::Link { url, label } => json!({"url": url, "label": label}),
                BlockBody::Image { alt, .. } => json!({"alt": alt}),
                BlockBody::Video { title, captions, .. } => json!({"title": title, "captions": captions.is_some()}),
                BlockBody::Document { title, .. } | BlockBody::Package { title, .. } => json!({"title": title}),
            };
            v["id"] = json!(b.id);
            v["number"] = json!(i + 1);
            v["kind"] = json!(b.body.kind());
            v
        })
        .collect();
    let data = json!({
        "candidate": {
            "id": c.id, "title": c.doc.0.title, "summary": c.doc.0.summary, "member": c.member,
            "licence": c.licence, "note": c.note, "status": c.status, "version": c.source_version,
            "shared_module_id": c.shared_module_id,
        },
        "blocks": blocks,
        "comments": d.comments.iter().map(|m| json!({"member": m.member, "body": m.body, "block": number_of(m.block_id)})).collect::<Vec<_>>(),
        "events": d.events.iter().map(|e| json!({"member": e.member, "action": e.action, "note": e.note, "at": dutch_date(amsterdam(e.at).date())})).collect::<Vec<_>>(),
        "may_comment": may_review,
        "may_decide": may_review && !own && c.status == "submitted",
        "may_publish": ctx.tenant.is_platform && c.status == "approved",
        "own": own,
        "flash": flash,
    });
    render(p, ctx, "candidate", data, error)
}

/// `POST /leren/inzendingen/{id}/opmerking`
pub async fn comment(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CandidatesReview>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let f = Fields(&pairs);
    let block = match f.get("block_id").as_str() {
        "" => None,
        b => Some(parse_id(b)?),
    };
    let input = CommentInput {
        block_id: block,
        body: f.get("body"),
    };
    match contribution::comment(&p, ctx.tenant.id, auth.principal.user_id, id, &input).await {
        Ok(()) => Ok(see_other(&format!(
            "/leren/inzendingen/{id}?klaar=opmerking"
        ))),
        Err(e) if refused(&e) => {
            candidate_page(&p, &ctx, reviewing(&ctx), id, None, Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /leren/inzendingen/{id}/besluit`: approve or ask for changes.
pub async fn review(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CandidatesReview>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let f = Fields(&pairs);
    let input = ReviewInput {
        decision: f.get("decision"),
        note: f.get("note"),
    };
    match contribution::review(&p, ctx.tenant.id, auth.principal.user_id, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/leren/inzendingen/{id}?klaar=besluit"))),
        Err(e) if refused(&e) => {
            candidate_page(&p, &ctx, reviewing(&ctx), id, None, Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /leren/inzendingen/{id}/publiceren` (operators).
pub async fn publish(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
    CsrfForm(_): Form,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    match contribution::publish(&p, auth.principal.user_id, id).await {
        Ok(_) => Ok(see_other(&format!(
            "/leren/inzendingen/{id}?klaar=gepubliceerd"
        ))),
        Err(e) if refused(&e) => {
            candidate_page(&p, &ctx, reviewing(&ctx), id, None, Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /leren/auteur/{id}/indienen`: submit the module's latest version to the portfolio.
pub async fn submit(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    super::member_site(&ctx)?;
    let f = Fields(&pairs);
    let input = SubmitInput {
        licence: f.get("licence"),
        note: f.get("note"),
    };
    let candidate = contribution::submit(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        &input,
    )
    .await?;
    Ok(see_other(&format!(
        "/leren/inzendingen/{candidate}?klaar=ingediend"
    )))
}

/// `GET /leren/redactie` (operators): open error reports to resolve.
pub async fn editorial(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<PortfolioModerate>,
    flash: Result<Query<Flash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(flash) = flash.map_err(query_error)?;
    editorial_page(&p, &ctx, flash_text(&flash), None).await
}

async fn editorial_page(
    p: &Platform,
    ctx: &RequestContext,
    flash: Option<&str>,
    error: Option<&AppError>,
) -> AppResult<Response> {
    if !ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    let reports = quality::reports(p, ctx.tenant.id, Some("open"), None).await?;
    let waiting = contribution::list(p, ctx.tenant.id, Some("approved")).await?;
    let data = json!({
        "reports": reports.iter().map(|r| json!({"id": r.id, "member": r.member, "module_id": r.module_id, "module_title": r.module_title, "version": r.version, "message": r.message, "at": dutch_date(amsterdam(r.reported_at).date())})).collect::<Vec<_>>(),
        "approved": waiting.iter().map(|c| json!({"id": c.id, "title": c.doc.0.title, "member": c.member})).collect::<Vec<_>>(),
        "flash": flash,
    });
    render(p, ctx, "editorial", data, error)
}

/// `POST /leren/redactie/meldingen/{id}/oplossen` (operators).
pub async fn resolve(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<PortfolioModerate>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let input = ResolveInput {
        resolution: Fields(&pairs).get("resolution"),
    };
    match quality::resolve(&p, auth.principal.user_id, parse_id(&id)?, &input).await {
        Ok(()) => Ok(see_other("/leren/redactie?klaar=opgelost")),
        Err(e) if refused(&e) => editorial_page(&p, &ctx, None, Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /leren/modules/{id}/waardering`: the member's rating of a shared module.
pub async fn rate(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<crate::QualityWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    super::member_site(&ctx)?;
    let module = parse_id(&id)?;
    let f = Fields(&pairs);
    let input = quality::RatingInput {
        stars: f.get("stars").parse().unwrap_or(0),
        comment: f.get("comment"),
    };
    quality::rate(&p, ctx.tenant.id, auth.principal.user_id, module, &input).await?;
    Ok(see_other(&format!(
        "/leren/modules/{module}?klaar=waardering"
    )))
}

/// `POST /leren/modules/{id}/melding`: an error report on one of its blocks.
pub async fn report(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<crate::ReportsWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    super::member_site(&ctx)?;
    let module = parse_id(&id)?;
    let f = Fields(&pairs);
    let input = quality::ReportInput {
        module_id: module,
        block_id: parse_id(&f.get("block_id")).map_err(|_| {
            AppError::validation(
                "block_id",
                "unknown_block",
                "Kies het blok waar de fout in staat.",
            )
        })?,
        message: f.get("message"),
    };
    quality::report(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok(see_other(&format!("/leren/modules/{module}?klaar=melding")))
}
