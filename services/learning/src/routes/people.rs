//! Who is late or behind: the people list as JSON (`/api/v1/learning/people`), as the first
//! section of the admin's overview and of a teacher's group page, and as CSV and XLSX
//! (`/leren/mensen.csv`, `/leren/mensen.xlsx`). Admins see the member, teachers the learners of
//! the groups they teach. And the type-ahead that finds one of the member's people by name
//! (`/api/v1/learning/people-search`) for the enrol forms.

use super::{groups_viewer, member_site};
use crate::{
    domain::{
        group::Viewer,
        learning::{self, FoundPerson},
        people::{self, EnrolmentState as PersonState, PeoplePage, PeopleQuery, Person},
    },
    LearningEnrol,
};
use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::RequestContext,
    text::{amsterdam, dutch_short_date},
    AppResult, Platform,
};

/// What the type-ahead sends.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct FindQuery {
    /// Part of a name or an e-mail address (at least two characters; fewer finds nobody).
    #[serde(default)]
    pub q: String,
}

/// People found by name or address.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FoundPeople {
    /// At most 10, the best matches first.
    pub items: Vec<FoundPerson>,
}

/// Find the member's people by name or address (the enrol forms' type-ahead)
///
/// Member host. Permission learning:enrol (admins and teachers, who enrol people). Blocked
/// accounts are not found.
#[utoipa::path(get, path = "/api/v1/learning/people-search", tag = "learning", operation_id = "find_people",
    params(FindQuery),
    responses((status = 200, description = "Who fits", body = FoundPeople),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn find(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningEnrol>,
    Query(q): Query<FindQuery>,
) -> AppResult<Json<FoundPeople>> {
    member_site(&ctx)?;
    Ok(Json(FoundPeople {
        items: learning::find_people(&p, ctx.tenant.id, &q.q).await?,
    }))
}

/// Who is late or behind: the member's enrolments as a list of people
///
/// Member host. Permission learning:enrol: admins see the member, teachers the learners of the
/// groups they teach. Filter by `group`, `department`, `module`, `state` (`late`,
/// `not_started`, `in_progress`, `expiring`, `completed`) and `q` (name or address); `sort` by
/// `urgency` (late first, the default), `name`, `department`, `deadline` or `activity`; paged
/// with the total. A wrong parameter is 422 naming it.
#[utoipa::path(get, path = "/api/v1/learning/people", tag = "learning", operation_id = "list_people",
    params(PeopleQuery),
    responses((status = 200, description = "One page of people", body = PeoplePage),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Json<PeoplePage>> {
    member_site(&ctx)?;
    let viewer = groups_viewer(&p, &ctx, auth.principal.user_id).await;
    Ok(Json(
        people::list(&p, ctx.tenant.id, viewer, &q.parse()?).await?,
    ))
}

async fn export(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<LearningEnrol>,
    q: &PeopleQuery,
) -> AppResult<Vec<Person>> {
    member_site(ctx)?;
    let viewer = groups_viewer(p, ctx, auth.principal.user_id).await;
    people::all(p, ctx.tenant.id, viewer, &q.parse()?).await
}

/// `GET /leren/mensen.csv`: the list as filtered, every page, for Excel.
pub async fn csv(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Response> {
    let rows = export(&p, &ctx, &auth, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"deelnemers.csv\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        people::csv(&rows),
    )
        .into_response())
}

/// `GET /leren/mensen.xlsx`: the same as an Excel workbook.
pub async fn xlsx(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningEnrol>,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Response> {
    let rows = export(&p, &ctx, &auth, &q).await?;
    let bytes = zk_kernel::cpu::run(move || people::xlsx(&rows)).await??;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"deelnemers.xlsx\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

/// The query string of `q` with `changes` (name, value; empty removes), for links that keep the
/// filters.
fn link(base: &str, q: &PeopleQuery, changes: &[(&str, String)]) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("group", &q.group),
        ("department", &q.department),
        ("module", &q.module),
        ("state", &q.state),
        ("q", &q.q),
        ("sort", &q.sort),
        ("dir", &q.dir),
        ("page", &q.page),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (k, v.to_owned()))
    })
    .collect();
    for (k, v) in changes {
        pairs.retain(|(name, _)| name != k);
        if !v.is_empty() {
            pairs.push((k, v.clone()));
        }
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if query.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{query}")
    }
}

/// One enrolment as the pages show it: the state in words ("3 dagen te laat"), dates as
/// dd-mm-jjjj.
pub(super) fn row(p: &Platform, ctx: &RequestContext, r: &Person) -> Value {
    let state = match (r.state, r.days_overdue) {
        (PersonState::Late, Some(days)) => p.theme.t_with(
            ctx.lang,
            if days == 1 {
                "people.late_one"
            } else {
                "people.late_days"
            },
            &[("n", &days.to_string())],
        ),
        (s, _) => p.theme.t(ctx.lang, &format!("people.state.{}", s.as_str())),
    };
    json!({
        "user_id": r.user_id, "name": r.name, "department": r.department,
        "groups": r.groups.join(", "), "module_id": r.module_id, "title": r.title,
        "enrolment_id": r.enrolment_id,
        "state": r.state.as_str(), "state_text": state, "late": r.state == PersonState::Late,
        "open": !matches!(r.state, PersonState::Completed | PersonState::Expiring),
        "percent": r.percent, "done": r.done, "blocks": r.blocks,
        "deadline": r.deadline.map(dutch_short_date),
        "deadline_iso": r.deadline.map(|d| d.to_string()),
        "activity": r.last_activity_at.map(|t| dutch_short_date(amsterdam(t).date())),
    })
}

/// The people list as a page section shows it: the rows, the filters with what is chosen, sort
/// links, paging and the export links. `base` is the page it is on (its links keep the filters).
pub(super) async fn section(
    p: &Platform,
    ctx: &RequestContext,
    viewer: Viewer,
    q: &PeopleQuery,
    base: &str,
) -> AppResult<Value> {
    let parsed = q.parse()?;
    let page = people::list(p, ctx.tenant.id, viewer, &parsed).await?;
    let t = |key: &str| p.theme.t(ctx.lang, key);
    let rows: Vec<Value> = page.items.iter().map(|r| row(p, ctx, r)).collect();
    let groups = crate::domain::group::list(p, ctx.tenant.id, viewer).await?;
    let departments = learning::departments(p, ctx.tenant.id).await?;
    let chosen = |v: &Option<String>, x: &str| v.as_deref().map(str::trim) == Some(x);
    let states: Vec<Value> = PersonState::ALL
        .iter()
        .map(|s| json!({"value": s.as_str(), "label": t(&format!("people.state.{}", s.as_str())), "selected": chosen(&q.state, s.as_str())}))
        .collect();
    let sort = |key: &str| {
        let current = q.sort.as_deref().unwrap_or("urgency") == key;
        let desc = current && q.dir.as_deref() != Some("desc");
        json!({
            "url": link(base, q, &[("sort", key.to_owned()), ("dir", if desc { "desc".into() } else { String::new() }), ("page", String::new())]),
            "aria": if current { if q.dir.as_deref() == Some("desc") { "descending" } else { "ascending" } } else { "none" },
        })
    };
    let (current, pages) = (page.page, page.pages);
    let filtered = [&q.group, &q.department, &q.module, &q.state, &q.q]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
    let exports = |ext: &str| {
        link(
            &format!("/leren/mensen.{ext}"),
            q,
            &[("page", String::new())],
        )
    };
    Ok(json!({
        "rows": rows,
        "total": page.total,
        "total_text": zk_kernel::text::dutch_number(page.total),
        "base": base,
        "q": q.q, "group_options": groups.iter().map(|g| json!({"id": g.id, "name": g.name, "selected": chosen(&q.group, &g.id.to_string())})).collect::<Vec<_>>(),
        "department_options": departments.iter().map(|d| json!({"name": d.name, "selected": q.department.as_deref().is_some_and(|x| x.trim().eq_ignore_ascii_case(&d.name))})).collect::<Vec<_>>(),
        "state_options": states,
        "filtered": filtered,
        "sort": {"name": sort("name"), "department": sort("department"), "deadline": sort("deadline"), "activity": sort("activity")},
        "prev": (current > 1).then(|| link(base, q, &[("page", (current - 1).to_string())])),
        "next": (current < pages).then(|| link(base, q, &[("page", (current + 1).to_string())])),
        "page": current, "pages": pages.max(1),
        "csv": exports("csv"), "xlsx": exports("xlsx"),
        "module": q.module,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_change_one() {
        let q = PeopleQuery {
            state: Some("late".into()),
            department: Some("De Linde".into()),
            page: Some("3".into()),
            ..Default::default()
        };
        assert_eq!(
            link("/leren/overzicht", &q, &[("page", String::new())]),
            "/leren/overzicht?department=De+Linde&state=late"
        );
        assert_eq!(
            link("/x", &q, &[("sort", "name".into())]),
            "/x?department=De+Linde&state=late&page=3&sort=name"
        );
        assert_eq!(link("/x", &PeopleQuery::default(), &[]), "/x");
    }
}
