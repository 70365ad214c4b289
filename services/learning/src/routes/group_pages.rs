//! Group pages: `/leren/groepen` (admins: every group, and a form for a new one; teachers: the
//! groups they teach) and `/leren/groepen/{id}` (the learners with their progress; enrol the
//! group in a module; admins add and remove members). Forms post, go through `domain::group`
//! (the same checks as the API) and come back with a message.

use super::{groups_viewer, member_site, parse_id, refused};
use crate::{
    domain::{
        group::{self, GroupEnrolInput, GroupInput, MemberInput, MemberRole},
        people::PeopleQuery,
    },
    LearningEnrol, LearningManage,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_content::domain::{
    catalog::{self, CatalogQuery},
    editor::Fields,
};
use zk_kernel::{
    authz::Require,
    http::{see_other, CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

type Form = CsrfForm<Vec<(String, String)>>;

/// The message after a form (`?klaar=…`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    #[serde(default)]
    klaar: Option<String>,
}

fn flash(done: &Done) -> Option<&'static str> {
    match done.klaar.as_deref() {
        Some("groep") => Some("groups.flash_created"),
        Some("lid") => Some("groups.flash_member"),
        Some("weg") => Some("groups.flash_removed"),
        Some("ingeschreven") => Some("groups.flash_enrolled"),
        _ => None,
    }
}

/// `GET /leren/groepen`
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    list_page(&p, &ctx, auth.principal.user_id, flash(&done), None).await
}

async fn list_page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    flash: Option<&str>,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let v = groups_viewer(p, ctx, user).await;
    let groups = group::list(p, ctx.tenant.id, v).await?;
    let data = json!({
        "groups": groups, "can_manage": v.is_admin, "is_admin": v.is_admin,
        "flash": flash, "error": error.map(|e| e.body()),
    });
    let mut res = p.theme.render("groups", ctx, data)?.into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// `POST /leren/groepen`: a new group (admins).
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let input = GroupInput {
        name: Fields(&pairs).get("name"),
    };
    match group::create(&p, ctx.tenant.id, auth.principal.user_id, &input).await {
        Ok(g) => Ok(see_other(&format!("/leren/groepen/{}?klaar=groep", g.id))),
        Err(e) if refused(&e) => list_page(&p, &ctx, auth.principal.user_id, None, Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `GET /leren/groepen/{id}`
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
    Query(people): Query<PeopleQuery>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    detail_page(
        &p,
        &ctx,
        auth.principal.user_id,
        parse_id(&id)?,
        flash(&done),
        None,
        &people,
    )
    .await
}

async fn detail_page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    id: Uuid,
    flash: Option<&str>,
    error: Option<&AppError>,
    people_query: &PeopleQuery,
) -> AppResult<Response> {
    let v = groups_viewer(p, ctx, user).await;
    let (name, learners) = group::detail(p, ctx.tenant.id, v, id).await?;
    let query = CatalogQuery {
        per_page: Some("100".into()),
        ..Default::default()
    };
    let modules: Vec<Value> = catalog::search(p, ctx.tenant.id, &query)
        .await?
        .items
        .iter()
        .map(|m| json!({"id": m.module_id, "title": m.title}))
        .collect();
    let today = zk_kernel::text::amsterdam_today().to_string();
    let per_module = group::per_module(&learners, &today);
    let learners: Vec<Value> = learners
        .iter()
        .map(|l| {
            json!({
                "user_id": l.user_id, "name": l.name,
                "enrolments": l.enrolments.iter().map(|e| json!({
                    "title": e.title, "done": e.done, "total": e.blocks,
                    "completed": e.completed_at.is_some(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let people_query = PeopleQuery {
        group: Some(id.to_string()),
        ..people_query.clone()
    };
    let people =
        super::people::section(p, ctx, v, &people_query, &format!("/leren/groepen/{id}")).await?;
    let data = json!({
        "people": people,
        "group": {"id": id, "name": name}, "learners": learners, "modules": modules,
        "per_module": per_module,
        "can_manage": v.is_admin, "is_admin": v.is_admin,
        "flash": flash, "error": error.map(|e| e.body()),
    });
    let mut res = p.theme.render("group", ctx, data)?.into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// `POST /leren/groepen/{id}/leden`: a member by address, as learner or teacher (admins).
pub async fn add_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let id = parse_id(&id)?;
    let f = Fields(&pairs);
    let role = if f.get("role") == "teacher" {
        MemberRole::Teacher
    } else {
        MemberRole::Learner
    };
    let result = group::set_member_by_email(
        &p,
        ctx.tenant.id,
        id,
        &f.get("email"),
        &MemberInput { role },
    )
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/leren/groepen/{id}?klaar=lid"))),
        Err(e) if refused(&e) => {
            detail_page(
                &p,
                &ctx,
                auth.principal.user_id,
                id,
                None,
                Some(&e),
                &PeopleQuery::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// `POST /leren/groepen/{id}/leden/{user}/verwijderen` (admins).
pub async fn remove_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    Path((id, user)): Path<(String, String)>,
    CsrfForm(_): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let id = parse_id(&id)?;
    group::remove_member(&p, ctx.tenant.id, id, parse_id(&user)?).await?;
    Ok(see_other(&format!("/leren/groepen/{id}?klaar=weg")))
}

/// `POST /leren/groepen/{id}/inschrijven`: the group in a module (admins, its teachers).
pub async fn enrol(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let id = parse_id(&id)?;
    let f = Fields(&pairs);
    let v = groups_viewer(&p, &ctx, auth.principal.user_id).await;
    let result = match f.get("module_id").parse::<Uuid>() {
        Ok(module_id) => {
            let input = GroupEnrolInput {
                module_id,
                deadline: Some(f.get("deadline")),
            };
            group::enrol(&p, ctx.tenant.id, v, id, &input)
                .await
                .map(|_| ())
        }
        Err(_) => Err(AppError::validation(
            "module_id",
            "unknown_module",
            "Kies een module uit de lijst.",
        )),
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/leren/groepen/{id}?klaar=ingeschreven"
        ))),
        Err(e) if refused(&e) => {
            detail_page(
                &p,
                &ctx,
                auth.principal.user_id,
                id,
                None,
                Some(&e),
                &PeopleQuery::default(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
