//! The learner's forms on the module page: a block done, a quiz answered. Each posts, changes
//! the learner's own enrolment through `domain::learning` (the same checks as the API) and
//! sends the learner back to the module page; a refused answer shows the page again with the
//! message at the quiz and keeps nothing.

use super::{member_site, module_page as pages, parse_id, refused};
use crate::{
    domain::{
        learning::{self, Answers, AttemptInput},
        progress_writer, quiz_pages,
    },
    LearningLearn, LearningManage,
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde_json::json;
use zk_kernel::{
    authz::Require,
    http::{see_other, CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

type Form = CsrfForm<Vec<(String, String)>>;

/// `POST /leren/inschrijvingen/{id}/blokken/{block}/klaar`: back to the page, at the next block
/// still to do (or this one).
pub async fn block_done(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block)): Path<(String, String)>,
    CsrfForm(_): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let block = parse_id(&block)?;
    let progress = progress_writer::mark_done(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        block,
    )
    .await?;
    Ok(see_other(&format!(
        "/leren/modules/{}#blok-{block}",
        progress.module_id
    )))
}

/// The answers of the quiz form: `q_{question id}` = chosen option id (once per chosen option).
fn answers_from(pairs: &[(String, String)]) -> AppResult<Answers> {
    let mut answers = Answers::new();
    for (k, v) in pairs {
        let Some(q) = k.strip_prefix("q_") else {
            continue;
        };
        let refuse = || {
            AppError::validation(
                k.clone(),
                "unknown_option",
                "Kies een antwoord van deze vraag.",
            )
        };
        let q = q.parse().map_err(|_| refuse())?;
        let o = v.parse().map_err(|_| refuse())?;
        answers.entry(q).or_default().push(o);
    }
    Ok(answers)
}

/// `POST /leren/inschrijvingen/{id}/toetsen/{block}`: scored on the server; the page then shows
/// the attempt (a plain GET, so reloading it doesn't answer again).
pub async fn quiz(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block)): Path<(String, String)>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let (id, block) = (parse_id(&id)?, parse_id(&block)?);
    let user = auth.principal.user_id;
    let result = match answers_from(&pairs) {
        Ok(answers) => {
            let input = AttemptInput {
                block_id: block,
                answers,
            };
            learning::attempt(&p, ctx.tenant.id, user, id, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Ok(see_other(&format!(
            "/leren/modules/{}?toets={block}&poging={}#blok-{block}",
            r.module_id, r.number
        ))),
        Err(e) if refused(&e) => {
            let module = learning::enrolment_module(&p, ctx.tenant.id, user, id).await?;
            let outcome = pages::QuizOutcome {
                block,
                number: None,
                scored: None,
                error: Some(e),
            };
            pages::module_page(&p, &ctx, user, module, None, Some(outcome)).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /leren/modules/{id}/inschrijven`: the learner enrols themselves (when the member
/// opened the module for it) and goes to the module.
pub async fn enrol_self(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path(id): Path<String>,
    CsrfForm(_): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let module = parse_id(&id)?;
    learning::enrol_self(&p, ctx.tenant.id, auth.principal.user_id, module).await?;
    Ok(see_other(&format!("/leren/modules/{module}")))
}

/// `POST /leren/modules/{id}/zelf-inschrijven` (admins): `open` = `ja` opens the module for
/// self-enrolment, anything else closes it; back to the module page with a message.
pub async fn set_self_enrolment(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let module = parse_id(&id)?;
    let open = pairs.iter().any(|(k, v)| k == "open" && v == "ja");
    learning::set_self_enrolment(&p, ctx.tenant.id, auth.principal.user_id, module, open).await?;
    let done = if open { "zelf-open" } else { "zelf-dicht" };
    Ok(see_other(&format!("/leren/modules/{module}?klaar={done}")))
}

/// `GET /leren/inschrijvingen/{id}/toetsen/{block}/pagina/{n}`: one page of a long quiz, with
/// the answers saved so far ticked (one query: the enrolment with the saved answers).
pub async fn quiz_page(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block, page)): Path<(String, String, String)>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let page = page.parse().map_err(|_| AppError::not_found())?;
    let shown = quiz_pages::page(
        &p,
        ctx.tenant.id,
        auth.principal.user_id,
        parse_id(&id)?,
        parse_id(&block)?,
        page,
    )
    .await?;
    render_quiz_page(&p, &ctx, &shown, None)
}

/// The page's data for `quiz_page.hbs`; a refusal shows at the top with its status.
fn render_quiz_page(
    p: &Platform,
    ctx: &RequestContext,
    s: &quiz_pages::QuizPage,
    error: Option<AppError>,
) -> AppResult<Response> {
    let answered = s.answered();
    let questions: Vec<_> = s
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let chosen = q.id.and_then(|id| s.saved.get(&id));
            json!({
                "id": q.id, "prompt": q.prompt, "multiple": q.multiple, "number": s.first_number + i,
                "options": q.options.iter().map(|o| json!({
                    "id": o.id, "text": o.text,
                    "chosen": chosen.is_some_and(|c| o.id.is_some_and(|id| c.contains(&id))),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let data = json!({
        "module_id": s.module.id, "module_title": s.module.doc.title,
        "enrolment": s.enrolment, "block": s.block, "page": s.page, "pages": s.pages,
        "previous": s.page > 1, "last": s.page == s.pages,
        "questions": questions, "answered": answered, "total": s.total,
        "unanswered": s.total.saturating_sub(answered), "done": s.done, "attempts": s.attempts,
        "error": error.as_ref().map(AppError::body),
    });
    let mut res = p.theme.render("quiz_page", ctx, data)?.into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// `POST /leren/inschrijvingen/{id}/toetsen/{block}/pagina/{n}`: saves the page's answers
/// (`shown` = the page's question ids, so a question left empty is saved empty), then
/// `actie` = `volgende` or `vorige` goes to that page, `inleveren` hands the quiz in and shows
/// the result on the module page (`pogingen`, the attempts when the page was shown, makes a
/// second hand-in of the same page show the first attempt instead of making another). A refused answer shows the page again and keeps nothing.
pub async fn quiz_page_save(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block, page)): Path<(String, String, String)>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let (id, block) = (parse_id(&id)?, parse_id(&block)?);
    let page: usize = page.parse().map_err(|_| AppError::not_found())?;
    let (tenant, user) = (ctx.tenant.id, auth.principal.user_id);
    let action = pairs
        .iter()
        .find(|(k, _)| k == "actie")
        .map_or("volgende", |(_, v)| v.as_str());
    let result = match answers_from(&pairs) {
        Ok(mut answers) => {
            for (k, v) in &pairs {
                if let (true, Ok(q)) = (k == "shown", v.parse()) {
                    answers.entry(q).or_default();
                }
            }
            if action == "inleveren" {
                let seen = pairs
                    .iter()
                    .find(|(k, _)| k == "pogingen")
                    .and_then(|(_, v)| v.parse().ok());
                quiz_pages::hand_in(&p, tenant, user, id, block, answers, seen)
                    .await
                    .map(Some)
            } else {
                quiz_pages::save(&p, tenant, user, id, block, answers)
                    .await
                    .map(|()| None)
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(Some(r)) => Ok(see_other(&format!(
            "/leren/modules/{}?toets={block}&poging={}#blok-{block}",
            r.module_id, r.number
        ))),
        Ok(None) => {
            let to = if action == "vorige" {
                page.saturating_sub(1).max(1)
            } else {
                page + 1
            };
            Ok(see_other(&format!(
                "/leren/inschrijvingen/{id}/toetsen/{block}/pagina/{to}"
            )))
        }
        Err(e) if refused(&e) => {
            let shown = quiz_pages::page(&p, tenant, user, id, block, page).await?;
            render_quiz_page(&p, &ctx, &shown, Some(e))
        }
        Err(e) => Err(e),
    }
}
