//! Billing service (slot): Stripe customers, checkout, webhooks and subscription state arrive
//! with the billing issue. Now: the membership tiers (pure pricing logic) and the member's
//! current plan, derived from its employee count; billing runs offline (manual plan).

pub mod tiers;

use axum::{routing::get, Json, Router};
use serde_json::{json, Value};
use zk_kernel::{authz::Require, http::RequestContext, AppError, AppResult, Platform};

/// The OpenAPI paths of this service (merged by the gateway).
pub const OPENAPI: &str = include_str!("openapi.json");

zk_kernel::permission! {
    /// Admins: see the membership plan.
    BillingRead = "billing", "read";
}

/// Billing routes with state applied.
pub fn router(platform: Platform) -> Router {
    Router::new()
        .route("/api/v1/billing/plan", get(get_plan))
        .with_state(platform)
}

/// `GET /api/v1/billing/plan`: the member's tier and yearly price.
async fn get_plan(ctx: RequestContext, _: Require<BillingRead>) -> AppResult<Json<Value>> {
    if ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    let tier = tiers::tier_for(ctx.tenant.employee_count.max(0) as u32);
    Ok(Json(json!({
        "tier": tier.name,
        "employee_count": ctx.tenant.employee_count,
        "monthly_excl_vat_cents": tier.monthly_cents,
        "yearly_excl_vat_cents": tier.yearly_cents(),
        "yearly_incl_vat_cents": tier.yearly_incl_vat_cents(),
        "billing_mode": "manual",
    })))
}
