//! The module page (`/leren/modules/{id}`): a published module as the member shows it — from
//! the portfolio (content) — with the caller's progress, quizzes as forms, the outcome of an
//! attempt, self-enrolment and the proof once completed.

use super::{member_site, parse_id, query_error};
use crate::domain::{learning, proof, quiz_pages};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_content::{
    domain::{catalog, module, module::BlockBody, quality, TOPIC},
    view, CatalogRead,
};
use zk_kernel::{
    authz::{Require, Role},
    http::RequestContext,
    web::markdown_to_safe_html,
    AppError, AppResult, Platform,
};

/// `GET /leren/modules/{id}`: a published module, blocks in order.
pub async fn show_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogRead>,
    Path(id): Path<String>,
    flash: Result<Query<ModuleFlash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let Query(flash) = flash.map_err(query_error)?;
    let id = parse_id(&id)?;
    let user = auth.principal.user_id;
    // After answering a quiz: the attempt, scored again from its kept answers.
    let outcome = match (flash.toets.as_deref(), flash.poging) {
        (Some(block), Some(number)) => {
            let block = parse_id(block)?;
            let state = learning::page_state(&p, ctx.tenant.id, user, id)
                .await?
                .ok_or_else(AppError::not_found)?;
            let scored = learning::attempt_result(
                &p,
                ctx.tenant.id,
                user,
                state.enrolment_id,
                block,
                number,
            )
            .await?;
            Some(QuizOutcome {
                block,
                number: Some(number),
                scored: Some(scored),
                error: None,
            })
        }
        _ => None,
    };
    let flash = match flash.klaar.as_deref() {
        Some("waardering") => Some("module.flash_rated"),
        Some("melding") => Some("module.flash_reported"),
        Some("zelf-open") => Some("module.flash_self_open"),
        Some("zelf-dicht") => Some("module.flash_self_closed"),
        _ => None,
    };
    module_page(&p, &ctx, user, id, flash, outcome).await
}

/// What the module page shows after a quiz was answered: the scored attempt, or why it was
/// refused (shown at the quiz, nothing kept).
pub(super) struct QuizOutcome {
    pub block: Uuid,
    pub number: Option<i32>,
    pub scored: Option<learning::Scored>,
    pub error: Option<AppError>,
}

/// The module page: the version the member shows (or, for a learner enrolled on an older one,
/// that version), with the caller's progress when enrolled. Cached per member, user, content
/// and progress generation; a page with a quiz outcome is not cached.
pub(super) async fn module_page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    id: Uuid,
    flash: Option<&'static str>,
    outcome: Option<QuizOutcome>,
) -> AppResult<Response> {
    let key = format!(
        "{}|{}|{id}|{}",
        p.generations.of(TOPIC, ctx.tenant.id),
        learning::progress_generation(p, user),
        flash.unwrap_or_default()
    );
    if outcome.is_none() {
        if let Some(page) = p.theme.cached("module", ctx, &key) {
            return Ok(page.into_response());
        }
    }
    let mut m = catalog::published(p, ctx.tenant.id, id).await?;
    let state = learning::page_state(p, ctx.tenant.id, user, id).await?;
    if let Some(s) = state.as_ref().filter(|s| s.version != m.version) {
        m = catalog::published_at(p, ctx.tenant.id, id, s.version, false).await?;
    }
    let shared = m.source != "own";
    let ratings = if shared {
        quality::ratings(p, ctx.tenant.id, id).await?
    } else {
        vec![]
    };
    let roles = p.authz.roles(ctx.tenant.id, user).await;
    let has = |r: Role| roles.contains(&r);
    let average = (!ratings.is_empty()).then(|| {
        let avg = ratings.iter().map(|r| f64::from(r.stars)).sum::<f64>() / ratings.len() as f64;
        format!("{avg:.1}").replace('.', ",")
    });
    let mine = ratings.iter().find(|r| r.tenant_id == ctx.tenant.id.0);
    // Not enrolled: may the learner enrol themselves? (Admins see, and switch, whether it is open.)
    let open = if state.is_none() || has(Role::Admin) {
        learning::self_enrolment_open(p, ctx.tenant.id, id).await?
    } else {
        false
    };
    let self_enrol = state.is_none() && open;
    let proof_id = match &state {
        Some(s) if s.completed => proof::mine(p, ctx.tenant.id, user)
            .await?
            .into_iter()
            .find(|pr| pr.module_id == id && !pr.revoked)
            .map(|pr| pr.id),
        _ => None,
    };
    // A shuffled module: the enrolled learner sees each quiz in the order of this attempt.
    if let Some(s) = state.as_ref().filter(|_| m.doc.shuffle) {
        for b in &mut m.blocks {
            let Some(block_id) = b.block.id else { continue };
            if let BlockBody::Quiz { questions, .. } = &mut b.block.body {
                let seed = module::shuffle_seed(s.enrolment_id, block_id, s.attempts);
                module::shuffled(questions, |q| q.id, &seed);
                for q in questions.iter_mut() {
                    module::shuffled(&mut q.options, |o| o.id, &seed);
                }
            }
        }
    }
    let mut blocks = view::blocks_json(&m.blocks, m.source == "adopted");
    // Long quizzes go page by page, with each page's answers saved (`quiz_pages`).
    for (b, shown) in blocks.iter_mut().zip(&m.blocks) {
        if let BlockBody::Quiz { questions, .. } = &shown.block.body {
            if quiz_pages::is_paged(questions.len()) {
                b["paged"] = json!(true);
                b["pages"] = json!(quiz_pages::pages(questions.len()));
                b["question_count"] = json!(questions.len());
            }
        }
    }
    let learning_json = state.as_ref().map(|s| {
        let ids: Vec<Uuid> = m.blocks.iter().filter_map(|b| b.block.id).collect();
        let done = ids.iter().filter(|b| s.done.contains(b)).count();
        let next = ids.iter().find(|b| !s.done.contains(b));
        for (b, id) in blocks.iter_mut().zip(m.blocks.iter().map(|b| b.block.id)) {
            b["done"] = json!(id.is_some_and(|id| s.done.contains(&id)));
        }
        json!({
            "enrolment": s.enrolment_id, "done": done, "total": ids.len(),
            "completed": s.completed, "next": next, "proof": proof_id,
            "refresher_until": s.refresher_until.map(zk_kernel::text::dutch_date),
        })
    });
    if let Some(o) = &outcome {
        if let Some(b) = blocks.iter_mut().find(|b| b["id"] == json!(o.block)) {
            b["result"] = o.scored.as_ref().map_or(Value::Null, |r| {
                json!({
                    "number": o.number, "percent": r.percent, "passed": r.passed,
                    "pass_mark": r.pass_mark, "correct": r.correct, "questions": r.questions,
                    "feedback": r.results.iter().enumerate().map(|(i, q)| json!({
                        "number": i + 1, "correct": q.correct, "feedback": q.feedback,
                    })).collect::<Vec<_>>(),
                })
            });
            b["quiz_error"] = o.error.as_ref().map_or(Value::Null, |e| json!(e.body()));
        }
    }
    let data = json!({
        "module": {
            "title": m.doc.title, "summary": m.doc.summary, "target_group": m.doc.target_group,
            "mbo_level": m.doc.mbo_level, "minutes": m.doc.minutes, "tags": m.doc.tags,
            "version": m.version, "is_nzk": m.source != "own", "adopted": m.source == "adopted",
            "lang": m.doc.language,
            "attribution": m.doc.attribution,
        },
        "intro_html": (!m.intro_markdown.trim().is_empty()).then(|| markdown_to_safe_html(&m.intro_markdown)),
        "blocks": blocks,
        "learning": learning_json,
        "is_admin": has(Role::Admin),
        "can_enrol": has(Role::Admin) || has(Role::Teacher),
        "shared": shared,
        "ratings": ratings.iter().map(|r| json!({"member": r.member, "stars": r.stars, "comment": r.comment})).collect::<Vec<_>>(),
        "average": average,
        "rating_count": ratings.len(),
        "my_stars": mine.map(|r| r.stars.to_string()),
        "my_comment": mine.map(|r| r.comment.clone()),
        "can_rate": shared && (has(Role::Admin) || has(Role::Reviewer)),
        "can_adopt": m.source == "nzk" && (has(Role::Admin) || has(Role::Author)),
        "can_edit_overlay": m.source == "adopted" && (has(Role::Admin) || has(Role::Author)),
        "flash": flash,
        "module_id": id,
        "self_enrol": self_enrol,
        "self_enrol_open": open,
    });
    match outcome {
        None => Ok(p
            .theme
            .render_cached("module", ctx, &key, || data)?
            .into_response()),
        Some(o) => {
            let mut res = p.theme.render("module", ctx, data)?.into_response();
            if let Some(e) = o.error {
                *res.status_mut() = e.status;
            }
            Ok(res)
        }
    }
}

/// The message after a form on the module page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ModuleFlash {
    #[serde(default)]
    klaar: Option<String>,
    /// After answering a quiz: its block and the attempt's number.
    #[serde(default)]
    toets: Option<String>,
    #[serde(default)]
    poging: Option<i32>,
}
