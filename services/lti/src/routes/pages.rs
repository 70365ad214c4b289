//! The admin page "LMS koppelen": our URLs and what to paste where per LMS family, the member's
//! registrations with their last launch, disabling and enabling one, and registering one by
//! hand.

use crate::{
    domain::{
        launch,
        registration::{self, RegistrationInput},
    },
    repo::RegistrationRow,
    LtiManage,
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    http::{form_error, see_other_with_flash, CsrfForm, RequestContext},
    text::dutch_datetime,
    AppResult, Platform,
};

const PAGE: &str = "/beheer/lms";

/// Our tool's URLs on the member's portal, as an LMS asks for them.
fn tool_urls(p: &Platform, ctx: &RequestContext) -> Value {
    let base = p.config.tenant_url(&ctx.tenant.slug);
    json!({
        "base": base,
        "login": format!("{base}/lti/login"),
        "launch": launch::launch_url(p, &ctx.tenant),
        "jwks": format!("{base}/lti/jwks"),
    })
}

fn registration_view(r: &RegistrationRow) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "family_key": format!("lti.family.{}", r.family),
        "issuer": r.issuer,
        "client_id": r.client_id,
        "deployments": r.deployments.join(", "),
        "disabled": r.disabled_at.is_some(),
        "last_launch": r.last_launch_at.map(dutch_datetime),
        "created": dutch_datetime(r.created_at),
    })
}

async fn page_data(p: &Platform, ctx: &RequestContext) -> AppResult<Value> {
    let regs = registration::list(p, &ctx.tenant).await?;
    let rosters = crate::domain::roster::list(p, &ctx.tenant).await?;
    let grades = crate::domain::grades::list(p, &ctx.tenant).await?;
    let sent = grades.iter().filter(|g| g.state == "sent").count();
    let problems: Vec<Value> = grades
        .iter()
        .filter(|g| g.state != "sent" && g.attempts > 0)
        .map(|g| {
            json!({
                "score": g.score_given,
                "attempts": g.attempts,
                "error": g.last_error.clone().unwrap_or_default(),
                "created": dutch_datetime(g.created_at),
            })
        })
        .collect();
    Ok(json!({
        "urls": tool_urls(p, ctx),
        "registrations": regs.iter().map(registration_view).collect::<Vec<_>>(),
        "rosters": rosters.iter().map(|r| json!({
            "id": r.id,
            "title": if r.context_title.is_empty() { r.context_id.clone() } else { r.context_title.clone() },
            "synced": r.synced_at.map(dutch_datetime),
            "error": r.last_error,
            "daily": r.daily,
        })).collect::<Vec<_>>(),
        "grades_sent": sent,
        "grade_problems": problems,
        "form": { "family": "moodle" },
    }))
}

/// `GET /beheer/lms`
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
) -> AppResult<Response> {
    let data = page_data(&p, &ctx).await?;
    Ok(p.theme.render("lti_admin", &ctx, data)?.into_response())
}

/// `POST /beheer/lms`: a registration by hand.
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LtiManage>,
    CsrfForm(form): CsrfForm<RegistrationInput>,
) -> AppResult<Response> {
    let by = Some(auth.principal.user_id);
    match registration::create(&p, &ctx.tenant, by, &form, "manual").await {
        Ok(_) => Ok(back(&p, &ctx, "lti.admin.created")),
        Err(e) => {
            let mut data = page_data(&p, &ctx).await?;
            data["form"] = json!({
                "name": form.name, "family": form.family, "issuer": form.issuer,
                "client_id": form.client_id, "deployment_ids": form.deployment_ids,
                "auth_url": form.auth_url, "jwks_url": form.jwks_url, "token_url": form.token_url,
            });
            form_error(&p, &ctx, "lti_admin", data, e)
        }
    }
}

/// Back to the page with the message `key`.
fn back(p: &Platform, ctx: &RequestContext, key: &str) -> Response {
    see_other_with_flash(p, ctx, PAGE, &p.theme.t(ctx.lang, key))
}

/// `POST /beheer/lms/{id}/uitschakelen`
pub async fn disable(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    registration::set_disabled(&p, &ctx.tenant, id, true).await?;
    Ok(back(&p, &ctx, "lti.admin.disabled"))
}

/// `POST /beheer/lms/{id}/inschakelen`
pub async fn enable(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    registration::set_disabled(&p, &ctx.tenant, id, false).await?;
    Ok(back(&p, &ctx, "lti.admin.enabled"))
}

/// `POST /beheer/lms/registratielink`: a one-time dynamic-registration link, shown once.
pub async fn new_link(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LtiManage>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (url, expires) =
        crate::domain::dynamic::new_link(&p, &ctx.tenant, auth.principal.user_id).await?;
    let mut data = page_data(&p, &ctx).await?;
    data["new_link"] = json!({ "url": url, "expires": dutch_datetime(expires) });
    Ok(p.theme.render("lti_admin", &ctx, data)?.into_response())
}

/// `POST /beheer/lms/cursussen/{id}/synchroniseren`: the course's roster into its group.
pub async fn sync_roster(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LtiManage>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let report =
        crate::domain::roster::sync(&p, &ctx.tenant, id, Some(auth.principal.user_id)).await?;
    let (learners, teachers, left) = (
        report.learners.to_string(),
        report.teachers.to_string(),
        report.left.to_string(),
    );
    let message = zk_kernel::messages::format(
        &p.theme.t(ctx.lang, "lti.admin.synced"),
        &[
            ("learners", learners.as_str()),
            ("teachers", teachers.as_str()),
            ("left", left.as_str()),
        ],
    );
    Ok(see_other_with_flash(&p, &ctx, PAGE, &message))
}
