//! `/leren/modules/{id}/inschrijvingen`: admins and teachers enrol one person (by e-mail
//! address), a group (teachers: their own) or, admins, a department in the module, with an
//! optional deadline; admins move open enrolments on an older version to the current one. The
//! forms post, go through `domain::learning` / `domain::group` (the same checks as the API) and
//! come back with a message.

use super::{groups_viewer, member_site, parse_id, refused};
use crate::{
    domain::{
        catalog,
        editor::Fields,
        group::{self, GroupEnrolInput},
        learning::{self, DepartmentEnrolInput},
    },
    LearningEnrol, LearningManage,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::json;
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    http::{see_other, CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

type Form = CsrfForm<Vec<(String, String)>>;

/// The message after a form: what was done, and how many.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    #[serde(default)]
    klaar: Option<String>,
    #[serde(default)]
    aantal: Option<usize>,
    #[serde(default)]
    al: Option<usize>,
}

async fn page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    module: Uuid,
    done: &Done,
    error: Option<(&str, &AppError)>,
) -> AppResult<Response> {
    let m = catalog::published(p, ctx.tenant.id, module).await?;
    let counts = learning::module_counts(p, ctx.tenant.id, module).await?;
    let v = groups_viewer(p, ctx, user).await;
    let groups = group::list(p, ctx.tenant.id, v).await?;
    let departments = if v.is_admin {
        learning::departments(p, ctx.tenant.id).await?
    } else {
        vec![]
    };
    let flash = match done.klaar.as_deref() {
        Some("persoon") => Some(json!({"key": "enrol.flash_person"})),
        Some("groep" | "afdeling") => Some(json!({
            "key": "enrol.flash_many", "count": done.aantal.unwrap_or(0), "already": done.al.unwrap_or(0),
        })),
        Some("verplaatst") => {
            Some(json!({"key": "enrol.flash_moved", "count": done.aantal.unwrap_or(0)}))
        }
        _ => None,
    };
    let data = json!({
        "module": {"id": module, "title": m.doc.title, "version": m.version},
        "counts": counts,
        "groups": groups,
        "departments": departments,
        "is_admin": v.is_admin,
        "flash": flash,
        "error": error.map(|(form, e)| json!({"form": form, "body": e.body()})),
    });
    let mut res = p.theme.render("module_enrol", ctx, data)?.into_response();
    if let Some((_, e)) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// `GET /leren/modules/{id}/inschrijvingen`
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    page(
        &p,
        &ctx,
        auth.principal.user_id,
        parse_id(&id)?,
        &done,
        None,
    )
    .await
}

/// `POST /leren/modules/{id}/inschrijvingen`: `wie` = `persoon` (`email`), `groep` (`group`) or
/// `afdeling` (`department`, admins), with `deadline`.
pub async fn enrol(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let module = parse_id(&id)?;
    let user = auth.principal.user_id;
    let f = Fields(&pairs);
    let deadline = Some(f.get("deadline")).filter(|d| !d.trim().is_empty());
    let who = f.get("wie");
    let result = match who.as_str() {
        "persoon" => {
            learning::enrol_by_email(&p, ctx.tenant.id, user, module, &f.get("email"), deadline)
                .await
                .map(|_| "klaar=persoon".to_owned())
        }
        "groep" => match f.get("group").parse::<Uuid>() {
            Ok(g) => {
                let v = groups_viewer(&p, &ctx, user).await;
                let input = GroupEnrolInput {
                    module_id: module,
                    deadline,
                };
                group::enrol(&p, ctx.tenant.id, v, g, &input)
                    .await
                    .map(|r| format!("klaar=groep&aantal={}&al={}", r.enrolled, r.already))
            }
            Err(_) => Err(AppError::validation(
                "group",
                "unknown_group",
                "Kies een groep uit de lijst.",
            )),
        },
        "afdeling" => {
            let roles = p.authz.roles(ctx.tenant.id, user).await;
            if !roles.contains(&zk_kernel::authz::Role::Admin) {
                return Err(AppError::forbidden());
            }
            let input = DepartmentEnrolInput {
                department: f.get("department"),
                module_id: module,
                deadline,
            };
            learning::enrol_department(&p, ctx.tenant.id, user, &input)
                .await
                .map(|r| format!("klaar=afdeling&aantal={}&al={}", r.enrolled, r.already))
        }
        _ => Err(AppError::validation(
            "wie",
            "invalid_field",
            "Kies wie u wilt inschrijven.",
        )),
    };
    match result {
        Ok(query) => Ok(see_other(&format!(
            "/leren/modules/{module}/inschrijvingen?{query}"
        ))),
        Err(e) if refused(&e) => {
            page(&p, &ctx, user, module, &Done::default(), Some((&who, &e))).await
        }
        Err(e) => Err(e),
    }
}

/// `POST /leren/modules/{id}/inschrijvingen/verplaatsen` (admins): open enrolments on an older
/// version to the version the member shows now.
pub async fn move_enrolments(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    Path(id): Path<String>,
    CsrfForm(_): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let module = parse_id(&id)?;
    let moved = learning::move_enrolments(&p, ctx.tenant.id, module).await?;
    Ok(see_other(&format!(
        "/leren/modules/{module}/inschrijvingen?klaar=verplaatst&aantal={}",
        moved.moved
    )))
}
