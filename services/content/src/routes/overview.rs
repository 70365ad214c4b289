//! Learning overviews: the member's for its admins (JSON, page with a chart, CSV) and NZK's for
//! operators (JSON, page and CSV; counts per member and module, no people).

use super::member_site;
use crate::{
    domain::overview::{self, MemberOverview, PlatformRow},
    LearningManage, LearningReport,
};
use axum::{
    extract::State,
    http::header,
    response::{Html, IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use zk_kernel::{
    authz::Require, error::ErrorEnvelope, http::RequestContext, AppError, AppResult, Platform,
};

/// The member's learning overview
///
/// Member host. Permission learning:manage (admins). Per module: enrolled, completed,
/// completion rate, overdue, attempts and pass rate; completions per month.
#[utoipa::path(get, path = "/api/v1/learning/overview", tag = "learning", operation_id = "learning_overview",
    responses((status = 200, description = "Overview", body = MemberOverview),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
) -> AppResult<Json<MemberOverview>> {
    member_site(&ctx)?;
    Ok(Json(overview::member(&p, ctx.tenant.id).await?))
}

/// `GET /leren/overzicht`: the admin's overview with a bar chart of completions per month.
pub async fn page(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let o = overview::member(&p, ctx.tenant.id).await?;
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
            let h = m.completed * 46 / top;
            json!({"x": i * 10 + 1, "y": 48 - h, "height": h, "month": m.month, "count": m.completed})
        })
        .collect();
    let mut data = json!(o);
    data["bars"] = json!(bars);
    p.theme.render("learning_overview", &ctx, data)
}

/// `GET /leren/overzicht.csv`
pub async fn csv(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LearningManage>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let o = overview::member(&p, ctx.tenant.id).await?;
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
