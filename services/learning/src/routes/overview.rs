//! Learning overviews: the member's for its admins (JSON, page with a chart, CSV) and NZK's for
//! operators (JSON, page and CSV; counts per member and module, no people).

use super::member_site;
use crate::{
    domain::{
        overview::{self, Learners, MemberOverview, PlatformRow},
        people::PeopleQuery,
    },
    LearningManage, LearningReport,
};
use axum::{
    extract::{Query, State},
    http::header,
    response::{Html, IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{url_encode, RequestContext},
    AppError, AppResult, Platform,
};

/// Whose learning an overview counts (`?group_id=` or `?department=`; pages: `?groep=`,
/// `?afdeling=`).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct Filter {
    /// Only the learners of this group.
    #[serde(default, alias = "groep")]
    pub group_id: Option<String>,
    /// Only the learners of this department (any case).
    #[serde(default, alias = "afdeling")]
    pub department: Option<String>,
}

impl Filter {
    /// The filter as the domain takes it: an empty or unknown group counts nobody else's (a
    /// group id that is not a UUID is a group nobody has).
    fn learners(&self) -> Learners {
        let group = self
            .group_id
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(|g| g.parse().unwrap_or(Uuid::nil()));
        let department = self
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        Learners { group, department }
    }

    /// The same filter as a query string for links (`?groep=…&afdeling=…`, or empty).
    fn query(&self) -> String {
        let l = self.learners();
        let mut parts = Vec::new();
        if let Some(g) = l.group {
            parts.push(format!("groep={g}"));
        }
        if let Some(d) = l.department {
            parts.push(format!("afdeling={}", url_encode(&d)));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// The member's learning overview
///
/// Member host. Permission learning:manage (admins). Per module: enrolled, completed,
/// completion rate, overdue, attempts and pass rate; completions per month. Optionally only
/// the learners of a group or a department.
#[utoipa::path(get, path = "/api/v1/learning/overview", tag = "learning", operation_id = "learning_overview",
    params(Filter),
    responses((status = 200, description = "Overview", body = MemberOverview),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    Query(f): Query<Filter>,
) -> AppResult<Json<MemberOverview>> {
    member_site(&ctx)?;
    Ok(Json(
        overview::member(&p, ctx.tenant.id, &f.learners()).await?,
    ))
}

/// `GET /leren/overzicht`: the admin's overview: first who is late or behind (the people list,
/// filtered and paged), then the figures with a chart of completions per month and the pass
/// rates per module.
pub async fn page(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningManage>,
    Query(q): Query<PeopleQuery>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let f = Filter {
        group_id: q.group.clone(),
        department: q.department.clone(),
    };
    let who = f.learners();
    let viewer = super::groups_viewer(&p, &ctx, auth.principal.user_id).await;
    let people = super::people::section(&p, &ctx, viewer, &q, "/leren/overzicht").await?;
    let o = overview::member(&p, ctx.tenant.id, &who).await?;
    let top = o
        .per_month
        .iter()
        .map(|m| m.completed)
        .max()
        .unwrap_or(0)
        .max(1);
    // The chart: 12 bars in a 120 × 50 box, each with its month and count as text alternative.
    let bars: Vec<_> = o
        .per_month
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let h = m.completed * 40 / top;
            json!({"x": i * 10 + 1, "y": 44 - h, "height": h, "month": m.month,
                   "label": month_label(&m.month), "count": m.completed, "label_x": i * 10 + 5})
        })
        .collect();
    // Pass rates of the modules with quiz attempts, as bars of 0–100 % (text alternative per bar).
    let pass_bars: Vec<_> = o
        .modules
        .iter()
        .filter(|m| m.attempts > 0)
        .take(12)
        .enumerate()
        .map(|(i, m)| json!({"y": i * 8 + 1, "width": m.pass_rate * 2, "title": m.title, "rate": m.pass_rate, "attempts": m.attempts}))
        .collect();
    let mut data = json!(o);
    data["people"] = people;
    data["bars"] = json!(bars);
    data["top"] = json!(top);
    data["pass_bars"] = json!(pass_bars);
    data["pass_height"] = json!(pass_bars.len() * 8 + 2);
    data["filtered"] = json!(who.group.is_some() || who.department.is_some());
    data["csv_link"] = json!(format!("/leren/overzicht.csv{}", f.query()));
    p.theme.render("learning_overview", &ctx, data)
}

/// `2026-03` as `mrt` (the chart's axis), the way Dutch calendars abbreviate months.
fn month_label(month: &str) -> &'static str {
    const SHORT: [&str; 12] = [
        "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ];
    month
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| SHORT.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("")
}

/// `GET /leren/overzicht.csv`
pub async fn csv(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
    Query(f): Query<Filter>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let o = overview::member(&p, ctx.tenant.id, &f.learners()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"leeroverzicht.csv\"",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        overview::csv(&o),
    )
        .into_response())
}

/// NZK's overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformOverview {
    pub items: Vec<PlatformRow>,
}

/// NZK's learning overview across members
///
/// Base domain. Permission learning:report (operators). Counts per member and module only: no
/// names or addresses of people.
#[utoipa::path(get, path = "/api/v1/learning/platform-overview", tag = "learning", operation_id = "platform_learning_overview",
    responses((status = 200, description = "Overview", body = PlatformOverview),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn platform(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningReport>,
) -> AppResult<Json<PlatformOverview>> {
    if !ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    Ok(Json(PlatformOverview {
        items: overview::platform(&p).await?,
    }))
}

/// `GET /leren/platformoverzicht`: NZK's overview for operators (base domain): totals, per
/// member and per module, counts only.
pub async fn platform_page(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningReport>,
) -> AppResult<Response> {
    if !ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    let rows = overview::platform(&p).await?;
    let data = json!({ "summary": overview::summary(&rows) });
    Ok(p.theme
        .render("platform_overview", &ctx, data)?
        .into_response())
}

/// `GET /leren/platformoverzicht.csv`: every member × module row, for Excel.
pub async fn platform_csv(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningReport>,
) -> AppResult<Response> {
    if !ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    let rows = overview::platform(&p).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"nzk-leeroverzicht.csv\"",
            ),
        ],
        overview::platform_csv(&rows),
    )
        .into_response())
}
