//! A person's learning record: `GET /api/v1/learning/people/{id}` and the page
//! `/leren/mensen/{id}` (linked from each name in the people list and from the admin's user
//! page), with its forms — enrol them in a module (someone enrolled already is asked whether to
//! change the deadline instead), change or remove a deadline, un-enrol after a confirmation —
//! and the API's `PATCH`/`DELETE /api/v1/learning/enrolments/{id}`. Admins and the person's
//! teachers; thin handlers over `domain::record`.

use super::{groups_viewer, member_site, parse_id, people::row, refused};
use crate::{
    domain::{
        group::Viewer,
        learning::{self, EnrolInput},
        record::{self, DeadlineChanged, DeadlineInput, Record},
    },
    LearningEnrol,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_content::domain::{catalog, editor::Fields};
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{see_other_with_flash, ApiJson, CsrfForm, RequestContext},
    text::{amsterdam, dutch_date, dutch_date_iso, dutch_short_date},
    AppError, AppResult, Platform,
};

type Form = CsrfForm<Vec<(String, String)>>;

/// A person's learning record
///
/// Member host. Permission learning:enrol: admins see everyone of the member, teachers the
/// learners of the groups they teach (anyone else: 404). Their enrolments with state, progress
/// and deadline (late first), what they were un-enrolled from with what they had done, their
/// proofs and their passport.
#[utoipa::path(get, path = "/api/v1/learning/people/{id}", tag = "learning", operation_id = "person_record",
    params(("id" = Uuid, Path, description = "User")),
    responses((status = 200, description = "The record", body = Record),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn api_get(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
) -> AppResult<Json<Record>> {
    member_site(&ctx)?;
    let viewer = groups_viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(
        record::get(&p, ctx.tenant.id, viewer, parse_id(&id)?).await?,
    ))
}

/// Change or remove an enrolment's deadline
///
/// Member host. Permission learning:enrol (admins; teachers for their groups' learners).
/// `deadline`: `YYYY-MM-DD`, today or later (422 `deadline_in_past`), or `null` to remove it.
/// A completed enrolment is 409 `enrolment_completed`.
#[utoipa::path(patch, path = "/api/v1/learning/enrolments/{id}", tag = "learning", operation_id = "change_deadline",
    params(("id" = Uuid, Path, description = "Enrolment")),
    request_body = DeadlineInput,
    responses((status = 200, description = "Changed", body = DeadlineChanged),
        (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
pub async fn api_set_deadline(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DeadlineInput>,
) -> AppResult<Json<DeadlineChanged>> {
    member_site(&ctx)?;
    let viewer = groups_viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(
        record::set_deadline(&p, ctx.tenant.id, viewer, parse_id(&id)?, &input).await?,
    ))
}

/// Un-enrol someone
///
/// Member host. Permission learning:enrol (admins; teachers for their groups' learners). The
/// enrolment, its blocks done and quiz attempts go; what was done stays in the person's record.
/// Completed enrolments (409 `enrolment_completed`) and refreshers (409 `enrolment_refresher`)
/// stay.
#[utoipa::path(delete, path = "/api/v1/learning/enrolments/{id}", tag = "learning", operation_id = "withdraw_enrolment",
    params(("id" = Uuid, Path, description = "Enrolment")),
    responses((status = 204, description = "Un-enrolled"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn api_withdraw(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    let viewer = groups_viewer(&p, &ctx, auth.principal.user_id).await;
    record::withdraw(&p, ctx.tenant.id, viewer, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the page shows besides the record: a refused form, or the question whether to change
/// the deadline of someone enrolled already.
#[derive(Default)]
struct Extra<'a> {
    error: Option<(&'a str, &'a AppError)>,
    again: Option<Value>,
}

impl<'a> Extra<'a> {
    /// The form `form` was refused with `e`.
    fn refused(form: &'a str, e: &'a AppError) -> Self {
        Self {
            error: Some((form, e)),
            again: None,
        }
    }
}

async fn page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    person: Uuid,
    extra: Extra<'_>,
) -> AppResult<Response> {
    let viewer = groups_viewer(p, ctx, user).await;
    let r = record::get(p, ctx.tenant.id, viewer, person).await?;
    let enrolled: Vec<Uuid> = r.enrolments.iter().map(|e| e.module_id).collect();
    let modules: Vec<Value> = catalog::index(p, ctx.tenant.id)
        .await?
        .into_iter()
        .filter(|(id, _, _)| !enrolled.contains(id))
        .map(|(id, _, title)| json!({"id": id, "title": title}))
        .collect();
    let moment = |t: time::OffsetDateTime| dutch_short_date(amsterdam(t).date());
    let data = json!({
        "person": r.person,
        "is_admin": viewer.is_admin,
        "enrolments": r.enrolments.iter().map(|e| row(p, ctx, e)).collect::<Vec<_>>(),
        "withdrawn": r.withdrawn.iter().map(|w| json!({
            "title": w.title, "done": w.done, "blocks": w.blocks, "attempts": w.attempts,
            "enrolled": moment(w.enrolled_at), "withdrawn": moment(w.withdrawn_at),
        })).collect::<Vec<_>>(),
        "proofs": r.proofs.iter().map(|proof| json!({
            "code": proof.code, "title": proof.module_title,
            "issued": dutch_date_iso(&proof.issued_on), "revoked": proof.revoked,
        })).collect::<Vec<_>>(),
        "passport": r.passport.iter().map(|e| json!({
            "title": e.title, "completed": dutch_date_iso(&e.completed_on),
            "valid_until": e.valid_until.as_deref().map(dutch_date_iso),
            "status": serde_json::to_value(e.status).unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "modules": modules,
        "today": zk_kernel::text::amsterdam_today().to_string(),
        "error": extra.error.map(|(form, e)| json!({"form": form, "body": e.body()})),
        "again": extra.again,
    });
    let mut res = p.theme.render("person_record", ctx, data)?.into_response();
    if let Some((_, e)) = extra.error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// After a change: the person's record, with `message` shown once.
fn back_to_record(p: &Platform, ctx: &RequestContext, person: Uuid, message: &str) -> Response {
    see_other_with_flash(p, ctx, &format!("/leren/mensen/{person}"), message)
}

/// A form about one enrolment (`{form}-{enrolment}` on the page) refused with `e`: the person's
/// record again, with the reason at that form.
async fn refused_at(
    p: &Platform,
    ctx: &RequestContext,
    me: Uuid,
    viewer: Viewer,
    enrolment: Uuid,
    form: &str,
    e: &AppError,
) -> AppResult<Response> {
    let (person, _, _) = record::withdrawal_preview(p, ctx.tenant.id, viewer, enrolment).await?;
    let form = format!("{form}-{enrolment}");
    page(p, ctx, me, person, Extra::refused(&form, e)).await
}

/// `GET /leren/mensen/{id}`
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    page(
        &p,
        &ctx,
        auth.principal.user_id,
        parse_id(&id)?,
        Extra::default(),
    )
    .await
}

/// `POST /leren/mensen/{id}/inschrijven`: `module`, `deadline`. Enrolled already: the page asks
/// whether to change the deadline to the one given.
pub async fn enrol(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let person = parse_id(&id)?;
    let me = auth.principal.user_id;
    let viewer = groups_viewer(&p, &ctx, me).await;
    // Only people the caller may see (the record's rule), before anything is written.
    let current = record::get(&p, ctx.tenant.id, viewer, person).await?;
    let f = Fields(&pairs);
    let deadline = Some(f.get("deadline")).filter(|d| !d.trim().is_empty());
    let module = match f.get("module").parse::<Uuid>() {
        Ok(m) => m,
        Err(_) => {
            let e =
                AppError::validation("module", "unknown_module", "Kies een module uit de lijst.");
            let extra = Extra::refused("inschrijven", &e);
            return page(&p, &ctx, me, person, extra).await;
        }
    };
    if let Some(e) = current.enrolments.iter().find(|e| e.module_id == module) {
        let new = match learning::parse_deadline(deadline.as_deref()) {
            Ok(d) => d,
            Err(err) => {
                let extra = Extra::refused("inschrijven", &err);
                return page(&p, &ctx, me, person, extra).await;
            }
        };
        let again = json!({
            "enrolment_id": e.enrolment_id, "title": e.title,
            "old": e.deadline.map(dutch_date), "new": new.map(dutch_date),
            "new_iso": new.map(|d| d.to_string()).unwrap_or_default(),
            "completed": !matches!(e.state, crate::domain::people::EnrolmentState::NotStarted
                | crate::domain::people::EnrolmentState::InProgress
                | crate::domain::people::EnrolmentState::Late),
        });
        let extra = Extra {
            error: None,
            again: Some(again),
        };
        let mut res = page(&p, &ctx, me, person, extra).await?;
        *res.status_mut() = StatusCode::CONFLICT;
        return Ok(res);
    }
    let input = EnrolInput {
        user_id: person,
        module_id: module,
        deadline,
    };
    match learning::enrol(&p, ctx.tenant.id, me, &input).await {
        Ok(_) => {
            let text = p.theme.t(ctx.lang, "record.flash_enrolled");
            Ok(back_to_record(&p, &ctx, person, &text))
        }
        Err(e) if refused(&e) => {
            let extra = Extra::refused("inschrijven", &e);
            page(&p, &ctx, me, person, extra).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /leren/inschrijvingen/{id}/uiterste-datum`: `deadline` (empty: none).
pub async fn set_deadline(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let me = auth.principal.user_id;
    let viewer = groups_viewer(&p, &ctx, me).await;
    let enrolment = parse_id(&id)?;
    let raw = Fields(&pairs).get("deadline");
    let input = DeadlineInput {
        deadline: Some(raw).filter(|d| !d.trim().is_empty()),
    };
    match record::set_deadline(&p, ctx.tenant.id, viewer, enrolment, &input).await {
        Ok(changed) => {
            let text = match changed.deadline {
                Some(d) => p.theme.t_with(
                    ctx.lang,
                    "record.flash_deadline",
                    &[("date", &dutch_date(d))],
                ),
                None => p.theme.t(ctx.lang, "record.flash_no_deadline"),
            };
            Ok(back_to_record(&p, &ctx, changed.user_id, &text))
        }
        Err(e) if refused(&e) => refused_at(&p, &ctx, me, viewer, enrolment, "datum", &e).await,
        Err(e) => Err(e),
    }
}

/// `GET /leren/inschrijvingen/{id}/uitschrijven`: what un-enrolling does, and the button.
pub async fn confirm_withdraw(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let viewer = groups_viewer(&p, &ctx, auth.principal.user_id).await;
    let enrolment = parse_id(&id)?;
    let (person, title, done) =
        record::withdrawal_preview(&p, ctx.tenant.id, viewer, enrolment).await?;
    let who = record::get(&p, ctx.tenant.id, viewer, person).await?.person;
    let data = json!({
        "enrolment_id": enrolment, "title": title, "done": done, "person": who,
    });
    Ok(p.theme
        .render("withdraw_confirm", &ctx, data)?
        .into_response())
}

/// `POST /leren/inschrijvingen/{id}/uitschrijven`
pub async fn withdraw(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    CsrfForm(_): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let me = auth.principal.user_id;
    let viewer = groups_viewer(&p, &ctx, me).await;
    let enrolment = parse_id(&id)?;
    match record::withdraw(&p, ctx.tenant.id, viewer, enrolment).await {
        Ok(person) => {
            let text = p.theme.t(ctx.lang, "record.flash_withdrawn");
            Ok(back_to_record(&p, &ctx, person, &text))
        }
        Err(e) if refused(&e) => refused_at(&p, &ctx, me, viewer, enrolment, "uit", &e).await,
        Err(e) => Err(e),
    }
}
