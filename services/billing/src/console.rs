//! The operators' billing pages in the console (NZK host): every member's billing with MRR, ARR,
//! failed payments and renewals, filtered by state, with a CSV; and per member its history and
//! the manual plan (billing offline).

use crate::{
    domain::{money, state::State as BillingState, validate},
    repo,
    routes::{self, platform_site},
    service, BillingOperate,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{json, Value};
use time::Date;
use zk_kernel::text::dutch_date as date_nl;
use zk_kernel::{
    authz::Require,
    http::{CsrfForm, RequestContext},
    AppError, AppResult, Platform, TenantId,
};

const STATES: [&str; 5] = ["none", "active", "past_due", "suspended", "canceled"];

/// The filter.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    staat: String,
}

/// `GET /console/abonnementen`
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingOperate>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let o = routes::load_overview(&p).await?;
    let filter = STATES.iter().find(|s| **s == q.staat).copied();
    let members: Vec<Value> = o
        .members
        .iter()
        .filter(|m| filter.is_none_or(|f| m.billing.state == f))
        .map(|m| {
            json!({
                "slug": m.billing.slug,
                "name": m.billing.name,
                "state_key": format!("billing.state.{}", m.billing.state),
                "mode_key": format!("billing.mode.{}", m.billing.mode),
                "tier": m.tier_name,
                "yearly": m.yearly_excl_vat_cents.map(money::euro_nl),
                "paid_until": m.billing.paid_until.map(date_nl),
                "failed": m.billing.failed_invoices,
                "renews_soon": m.renews_soon,
            })
        })
        .collect();
    let states: Vec<Value> = STATES
        .iter()
        .map(|s| {
            json!({
                "value": s,
                "key": format!("billing.state.{s}"),
                "count": o.by_state.get(*s).copied().unwrap_or(0),
                "selected": filter == Some(*s),
            })
        })
        .collect();
    let data = json!({
        "members": members,
        "states": states,
        "filtered": filter.is_some(),
        "mrr": money::euro_nl(o.mrr_cents),
        "arr": money::euro_nl(o.arr_cents),
        "failed": o.failed_payments,
        "renewals": o.renewals_next_30_days,
        "offline": p.config.stripe.is_none(),
    });
    Ok(p.theme
        .render("console_billing", &ctx, data)?
        .into_response())
}

async fn member_page(
    p: &Platform,
    ctx: &RequestContext,
    slug: &str,
    form: Value,
    error: Option<&AppError>,
    saved: bool,
) -> AppResult<Response> {
    let id = {
        let mut conn = p.db.app.acquire().await?;
        repo::member_by_slug(&mut conn, slug)
            .await?
            .ok_or_else(AppError::not_found)?
    };
    let tenant = p
        .directory
        .load(TenantId(id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let s = routes::summary(p, tenant.id, tenant.employee_count).await?;
    let data = json!({
        "member": {"slug": tenant.slug, "name": tenant.name},
        "state_key": format!("billing.state.{}", s.state.as_str()),
        "closed": !s.state.portal_open(),
        "tier": s.plan.tier,
        "employee_count": s.plan.employee_count,
        "yearly": money::euro_nl(s.plan.yearly_excl_vat_cents),
        "yearly_incl": money::euro_nl(s.plan.yearly_incl_vat_cents),
        "paid_until": s.paid_until.map(date_nl),
        "online_member": !s.offline,
        "history": s.history.iter().map(|h| json!({
            "when": date_nl(h.created_at.date()),
            "from_key": format!("billing.state.{}", h.from_state),
            "to_key": format!("billing.state.{}", h.to_state),
            "source": h.source,
            "reason": h.reason,
        })).collect::<Vec<_>>(),
        "invoices": s.invoices.len(),
        "form": form,
        "error": error.map(|e| json!({"field": e.field, "message": e.message})),
        "saved": saved,
        "active": s.state == BillingState::Active,
    });
    let mut res = p
        .theme
        .render("console_billing_member", ctx, data)?
        .into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// After a save.
#[derive(Debug, Default, Deserialize)]
pub struct MemberQuery {
    opgeslagen: Option<String>,
}

/// `GET /console/abonnementen/{slug}`
pub async fn show_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingOperate>,
    Path(slug): Path<String>,
    Query(q): Query<MemberQuery>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    member_page(&p, &ctx, &slug, json!({}), None, q.opgeslagen.is_some()).await
}

/// The manual plan form.
#[derive(Debug, Deserialize)]
pub struct ManualPlanForm {
    #[serde(default)]
    employee_count: String,
    #[serde(default)]
    paid_until: String,
    #[serde(default)]
    reason: String,
}

/// `POST /console/abonnementen/{slug}`: records a manual plan (every field error at once).
pub async fn set_manual_plan(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingOperate>,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<ManualPlanForm>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let form =
        json!({"employee_count": f.employee_count, "paid_until": f.paid_until, "reason": f.reason});
    let result = async {
        let employees = validate::employee_count_text(&f.employee_count)?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let paid_until = Date::parse(f.paid_until.trim(), &format).map_err(|_| {
            AppError::validation(
                "paid_until",
                "invalid_date",
                "Kies de datum tot en met wanneer betaald is.",
            )
        })?;
        let reason = validate::required("reason", "een reden", &f.reason, 500)?;
        let id = {
            let mut conn = p.db.app.acquire().await?;
            repo::member_by_slug(&mut conn, &slug)
                .await?
                .ok_or_else(AppError::not_found)?
        };
        service::set_manual_plan(
            &p,
            TenantId(id),
            employees,
            paid_until,
            &auth.principal.user_id.to_string(),
            &reason,
        )
        .await
    }
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/console/abonnementen/{slug}?opgeslagen=1")).into_response())
        }
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND => {
            member_page(&p, &ctx, &slug, form, Some(&e), false).await
        }
        Err(e) => Err(e),
    }
}
