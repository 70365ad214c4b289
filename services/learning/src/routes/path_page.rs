//! The learning-path page (`/leren/trajecten/{id}`): a published path as the member shows it,
//! from the portfolio (content), with an enrolled learner's progress per module.

use super::{member_site, parse_id};
use crate::domain::{learning, path_enrolment};
use axum::{
    extract::{Path, State},
    response::Html,
};
use serde_json::json;
use zk_content::{
    domain::{path, TOPIC},
    view, CatalogRead,
};
use zk_kernel::{
    authz::{Require, Role},
    http::RequestContext,
    web::markdown_to_safe_html,
    AppResult, Platform,
};

/// `GET /leren/trajecten/{id}`: the path page (cached like module pages).
pub async fn page(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogRead>,
    Path(id): Path<String>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let id = parse_id(&id)?;
    let user = auth.principal.user_id;
    let key = format!(
        "{}|{}|{id}",
        p.generations.of(TOPIC, ctx.tenant.id),
        learning::progress_generation(&p, user)
    );
    if let Some(page) = p.theme.cached("path", &ctx, &key) {
        return Ok(page);
    }
    let shown = path::shown(&p, ctx.tenant.id, id).await?;
    // An enrolled learner's progress, and which of the modules they completed.
    let progress = path_enrolment::mine(&p, ctx.tenant.id, user)
        .await?
        .into_iter()
        .find(|pr| pr.path_id == id);
    let source = shown.source.clone();
    let intro = markdown_to_safe_html(&shown.intro_markdown);
    let orphaned = shown.modules.iter().filter(|m| m.orphaned).count();
    let roles = p.authz.roles(ctx.tenant.id, auth.principal.user_id).await;
    let may_adopt = roles.contains(&Role::Admin) || roles.contains(&Role::Author);
    let mut path_json = view::shown_path_json(shown);
    if let (Some(pr), Some(modules)) = (&progress, path_json["modules"].as_array_mut()) {
        for m in modules {
            m["completed"] = json!(pr
                .modules
                .iter()
                .any(|s| s.completed && json!(s.module_id) == m["id"]));
        }
    }
    let mut data = json!({
        "path": path_json, "intro_html": intro, "orphaned": orphaned, "progress": progress,
        "can_enrol": roles.contains(&Role::Admin) || roles.contains(&Role::Teacher),
        "is_nzk": source != "own", "adopted": source == "adopted",
        "can_adopt": may_adopt && source == "nzk", "can_edit_overlay": may_adopt && source == "adopted",
    });
    data["is_admin"] = json!(roles.contains(&Role::Admin));
    p.theme.render_cached("path", &ctx, &key, || data)
}
