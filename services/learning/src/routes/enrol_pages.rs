//! `/leren/modules/{id}/inschrijvingen` and `/leren/trajecten/{id}/inschrijvingen`: admins and
//! teachers enrol one person (by name or e-mail address), a group (teachers: their own) or, admins, a
//! department in the module or the learning path (and each of its modules), with an optional
//! deadline; for a module admins also move open enrolments on an older version to the current
//! one. The
//! forms post, go through `domain::learning` / `domain::group` (the same checks as the API) and
//! come back with a message.

use super::{groups_viewer, member_site, parse_id, refused};
use crate::{
    domain::{
        enrol_preview::{self, Preview, Target as PreviewTarget, Whom},
        group::{self, GroupEnrolInput},
        learning::{self, DepartmentEnrolInput},
        path_enrolment::{self, PathEnrolInput},
    },
    LearningEnrol, LearningManage,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::json;
use uuid::Uuid;
use zk_content::domain::{catalog, editor::Fields, path};
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

/// What is enrolled in: a module or a learning path.
#[derive(Clone, Copy, Debug)]
enum Target {
    Module(Uuid),
    Path(Uuid),
}

impl Target {
    /// The page of the module or path (the enrolment page is `{base}/inschrijvingen`).
    fn base(self) -> String {
        match self {
            Target::Module(id) => format!("/leren/modules/{id}"),
            Target::Path(id) => format!("/leren/trajecten/{id}"),
        }
    }
}

async fn page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    target: Target,
    done: &Done,
    error: Option<(&str, &AppError)>,
) -> AppResult<Response> {
    let (title, counts) = match target {
        Target::Module(module) => {
            let m = catalog::published(p, ctx.tenant.id, module).await?;
            let counts = learning::module_counts(p, ctx.tenant.id, module).await?;
            (m.doc.title, Some(counts))
        }
        Target::Path(path) => (path::shown(p, ctx.tenant.id, path).await?.title, None),
    };
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
        "title": title, "base": target.base(), "is_path": matches!(target, Target::Path(_)),
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
        Target::Module(parse_id(&id)?),
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
    let target = Target::Module(parse_id(&id)?);
    enrol_in(&p, &ctx, auth.principal.user_id, target, &pairs).await
}

/// `GET /leren/trajecten/{id}/inschrijvingen`: the same forms for a learning path.
pub async fn show_path(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let target = Target::Path(parse_id(&id)?);
    page(&p, &ctx, auth.principal.user_id, target, &done, None).await
}

/// `POST /leren/trajecten/{id}/inschrijvingen`: enrols in the path and each of its modules.
pub async fn enrol_path(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let target = Target::Path(parse_id(&id)?);
    enrol_in(&p, &ctx, auth.principal.user_id, target, &pairs).await
}

async fn enrol_in(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    target: Target,
    pairs: &[(String, String)],
) -> AppResult<Response> {
    let tenant = ctx.tenant.id;
    let f = Fields(pairs);
    let deadline = Some(f.get("deadline")).filter(|d| !d.trim().is_empty());
    let who = f.get("wie");
    // One person: by name (the type-ahead fills in the address) or address.
    let person = Some(f.get("person"))
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| f.get("email"));
    let v = groups_viewer(p, ctx, user).await;
    let group = || {
        f.get("group").parse::<Uuid>().map_err(|_| {
            AppError::validation("group", "unknown_group", "Kies een groep uit de lijst.")
        })
    };
    if who == "afdeling" && !v.is_admin {
        return Err(AppError::forbidden());
    }
    // Many people at once: say who and how many first (unless this is the confirmation).
    if matches!(who.as_str(), "groep" | "afdeling") && f.get("bevestigd") != "ja" {
        let whom = if who == "groep" {
            group().map(Whom::Group)
        } else {
            Ok(Whom::Department(f.get("department")))
        };
        let into = match target {
            Target::Module(m) => PreviewTarget::Module(m),
            Target::Path(id) => PreviewTarget::Path(id),
        };
        let checked = match whom {
            Ok(whom) => enrol_preview::preview(p, tenant, v, into, &whom).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(preview) if preview.ask() => {
                return confirm_page(p, ctx, target, pairs, &preview).await;
            }
            Ok(_) => {}
            Err(e) if refused(&e) => {
                return page(p, ctx, user, target, &Done::default(), Some((&who, &e))).await;
            }
            Err(e) => return Err(e),
        }
    }
    let result = match (target, who.as_str()) {
        (Target::Module(module), "persoon") => {
            learning::enrol_person(p, tenant, user, module, &person, deadline)
                .await
                .map(|_| "klaar=persoon".to_owned())
        }
        (Target::Module(module), "groep") => match group() {
            Ok(g) => {
                let input = GroupEnrolInput {
                    module_id: module,
                    deadline,
                };
                group::enrol(p, tenant, v, g, &input)
                    .await
                    .map(|r| format!("klaar=groep&aantal={}&al={}", r.enrolled, r.already))
            }
            Err(e) => Err(e),
        },
        (Target::Module(module), "afdeling") => {
            let input = DepartmentEnrolInput {
                department: f.get("department"),
                module_id: module,
                deadline,
            };
            learning::enrol_department(p, tenant, user, &input)
                .await
                .map(|r| format!("klaar=afdeling&aantal={}&al={}", r.enrolled, r.already))
        }
        (Target::Path(path), "persoon" | "groep" | "afdeling") => {
            let mut input = PathEnrolInput {
                path_id: path,
                deadline,
                ..Default::default()
            };
            let picked = match who.as_str() {
                "persoon" => learning::user_by_name_or_email(p, tenant, &person)
                    .await
                    .map(|u| input.user_id = Some(u)),
                "groep" => group().map(|g| input.group_id = Some(g)),
                _ => {
                    input.department = Some(f.get("department"));
                    Ok(())
                }
            };
            match picked {
                Ok(()) => path_enrolment::enrol(p, tenant, v, &input)
                    .await
                    .map(|r| format!("klaar={who}&aantal={}&al={}", r.enrolled, r.already)),
                Err(e) => Err(e),
            }
        }
        _ => Err(AppError::validation(
            "wie",
            "invalid_field",
            "Kies wie u wilt inschrijven.",
        )),
    };
    match result {
        Ok(query) => Ok(see_other(&format!(
            "{}/inschrijvingen?{query}",
            target.base()
        ))),
        Err(e) if refused(&e) => {
            page(p, ctx, user, target, &Done::default(), Some((&who, &e))).await
        }
        Err(e) => Err(e),
    }
}

/// The question before enrolling more than `enrol_preview::ASK_ABOVE` people: who (by name)
/// and how many, with the same form to send again, confirmed.
async fn confirm_page(
    p: &Platform,
    ctx: &RequestContext,
    target: Target,
    pairs: &[(String, String)],
    preview: &Preview,
) -> AppResult<Response> {
    let title = match target {
        Target::Module(module) => {
            catalog::published(p, ctx.tenant.id, module)
                .await?
                .doc
                .title
        }
        Target::Path(path) => path::shown(p, ctx.tenant.id, path).await?.title,
    };
    let fields: Vec<_> = pairs
        .iter()
        .filter(|(k, _)| k != "csrf" && k != "bevestigd")
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    let data = json!({
        "title": title, "base": target.base(),
        "count": preview.new.len(), "already": preview.already,
        "names": preview.new, "fields": fields,
    });
    Ok(p.theme.render("enrol_confirm", ctx, data)?.into_response())
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
