//! `GET /`: the learner's home on a member's host (their open and completed enrolments and
//! learning paths), or on the bare domain the NZK landing page (the tenant service's).

use crate::domain::{learning, path_enrolment};
use axum::{
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use serde_json::json;
use zk_content::domain::TOPIC;
use zk_kernel::{authz::Require, http::RequestContext, AppError, AppResult, Platform};
use zk_tenant::perm::PortalRead;

/// The landing page's portal finder.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LandingQuery {
    zoek: Option<String>,
}

/// `GET /`: on the bare domain the public landing page (with the portal finder, `?zoek=`); on a member host the learner home, which
/// needs a login (anonymous visitors are sent to the login page).
pub async fn show_home(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Result<Require<PortalRead>, AppError>,
    Query(q): Query<LandingQuery>,
) -> AppResult<Response> {
    if ctx.tenant.is_platform {
        return zk_tenant::view::landing(&p, &ctx, q.zoek.as_deref().unwrap_or_default()).await;
    }
    // The hot page: tenant, session and roles come from memory (no query), and the rendered
    // page from the theme's cache, keyed by everything it shows.
    let Require { principal, .. } = auth?;
    let roles = p.authz.roles(ctx.tenant.id, principal.user_id).await;
    // The learner's enrolments change with their own progress and with the member's content.
    let key = format!(
        "{}|{roles:?}|{}|{}",
        principal.display_name,
        p.generations.of(TOPIC, ctx.tenant.id),
        learning::progress_generation(&p, principal.user_id),
    );
    if let Some(page) = p.theme.cached("learner_home", &ctx, &key) {
        return Ok(page.into_response());
    }
    // A miss costs two statements: the enrolments with their progress, and the learning paths
    // (whose progress comes from those enrolments; one more per path to read it as shown).
    let enrolments = learning::mine(&p, ctx.tenant.id, principal.user_id).await?;
    let paths =
        path_enrolment::mine_with(&p, ctx.tenant.id, principal.user_id, &enrolments).await?;
    let page = p.theme.render_cached("learner_home", &ctx, &key, || {
        let is_admin = roles.contains(&zk_kernel::authz::Role::Admin);
        let (open, completed): (Vec<_>, Vec<_>) =
            enrolments.iter().partition(|e| e.completed_at.is_none());
        let item = |e: &learning::Progress| {
            json!({
                "module_id": e.module_id, "title": e.title, "done": e.done, "total": e.blocks,
                "next": e.next_block, "deadline": e.deadline.as_deref().map(dutch_date),
                "started": e.done > 0,
            })
        };
        let can_teach = is_admin || roles.contains(&zk_kernel::authz::Role::Teacher);
        json!({
            "me": { "display_name": principal.display_name, "roles": roles }, "is_admin": is_admin,
            "can_teach": can_teach,
            "open": open.into_iter().map(item).collect::<Vec<_>>(),
            "completed": completed.into_iter().map(item).collect::<Vec<_>>(),
            "paths": paths.iter().map(|pr| json!({
                "path_id": pr.path_id, "title": pr.title, "done": pr.done, "required": pr.required,
                "completed": pr.completed_at.is_some(), "deadline": pr.deadline.as_deref().map(dutch_date),
            })).collect::<Vec<_>>(),
        })
    })?;
    Ok(page.into_response())
}

/// `2027-03-01` as `1-3-2027`, the way Dutch dates are written.
fn dutch_date(iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d)) => format!(
            "{}-{}-{y}",
            d.trim_start_matches('0'),
            m.trim_start_matches('0')
        ),
        _ => iso.to_owned(),
    }
}
