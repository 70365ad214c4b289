//! `GET /`: the learner's home on a member's host, task first: what is to do, most urgent on top
//! (late ones named as late, in words), one button to go on with the first; then learning paths
//! and what is completed; the member's welcome after the tasks. On the bare domain the NZK
//! landing page (the tenant service's).

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
    // The learner's enrolments change with their own progress and with the member's content;
    // what is late changes with the date.
    let today = zk_kernel::text::amsterdam_today();
    let key = format!(
        "{}|{roles:?}|{}|{}|{today}",
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
        let tasks = tasks(&enrolments, today);
        let item = |t: &Task| {
            let e = t.progress;
            let late = t.days_late.map(|days| {
                p.theme.t_with(
                    ctx.lang,
                    if days == 1 {
                        "people.late_one"
                    } else {
                        "people.late_days"
                    },
                    &[("n", &days.to_string())],
                )
            });
            json!({
                "module_id": e.module_id, "title": e.title, "done": e.done, "total": e.blocks,
                "next": e.next_block, "deadline": t.deadline.map(zk_kernel::text::dutch_date),
                "started": e.done > 0, "late": late,
            })
        };
        let completed: Vec<_> = enrolments
            .iter()
            .filter(|e| e.completed_at.is_some())
            .map(|e| json!({"module_id": e.module_id, "title": e.title}))
            .collect();
        json!({
            "me": { "display_name": principal.display_name },
            "next": tasks.first().map(item),
            "open": tasks.iter().map(item).collect::<Vec<_>>(),
            "completed": completed,
            "paths": paths.iter().map(|pr| json!({
                "path_id": pr.path_id, "title": pr.title, "done": pr.done, "required": pr.required,
                "completed": pr.completed_at.is_some(),
                "deadline": pr.deadline.as_deref().map(zk_kernel::text::dutch_date_iso),
            })).collect::<Vec<_>>(),
        })
    })?;
    Ok(page.into_response())
}

/// An open enrolment as a task on the home page.
struct Task<'a> {
    progress: &'a learning::Progress,
    deadline: Option<time::Date>,
    /// Days past the deadline (late ones only).
    days_late: Option<i64>,
}

/// The open enrolments as tasks, most urgent first: late ones (longest late first), then by
/// deadline, then those without one.
fn tasks(enrolments: &[learning::Progress], today: time::Date) -> Vec<Task<'_>> {
    let mut tasks: Vec<Task> = enrolments
        .iter()
        .filter(|e| e.completed_at.is_none())
        .map(|e| {
            let deadline = e
                .deadline
                .as_deref()
                .and_then(zk_kernel::text::parse_iso_date);
            Task {
                progress: e,
                deadline,
                days_late: crate::domain::people::days_overdue(deadline, today),
            }
        })
        .collect();
    tasks.sort_by_key(|t| (t.deadline.is_none(), t.deadline, t.progress.title.clone()));
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(title: &str, deadline: Option<&str>) -> learning::Progress {
        learning::Progress {
            title: title.into(),
            deadline: deadline.map(str::to_owned),
            ..learning::Progress::default()
        }
    }

    #[test]
    fn late_work_comes_first_then_by_deadline_then_without_one() {
        let today = time::macros::date!(2026 - 12 - 07);
        let all = [
            progress("Geen datum", None),
            progress("Maart", Some("2027-03-01")),
            progress("Twee dagen te laat", Some("2026-12-05")),
            progress("Tien dagen te laat", Some("2026-11-27")),
            progress("Vandaag", Some("2026-12-07")),
        ];
        let order: Vec<(&str, Option<i64>)> = tasks(&all, today)
            .iter()
            .map(|t| (t.progress.title.as_str(), t.days_late))
            .collect();
        assert_eq!(
            order,
            [
                ("Tien dagen te laat", Some(10)),
                ("Twee dagen te laat", Some(2)),
                ("Vandaag", None),
                ("Maart", None),
                ("Geen datum", None),
            ]
        );
    }
}
