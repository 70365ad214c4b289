//! The learner's forms on the module page: a block done, a quiz answered. Each posts, changes
//! the learner's own enrolment through `domain::learning` (the same checks as the API) and
//! sends the learner back to the module page; a refused answer shows the page again with the
//! message at the quiz and keeps nothing.

use super::{member_site, module_page as pages, parse_id, refused};
use crate::{
    domain::{
        learning::{self, Answers, AttemptInput},
        progress_writer,
    },
    LearningLearn, LearningManage,
};
use axum::{
    extract::{Path, State},
    response::Response,
};
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
