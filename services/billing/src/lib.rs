//! Billing service (slot): Stripe customers, checkout, webhooks and subscription state arrive
//! with the billing issue. Now: the membership tiers (pure pricing logic) and the member's
//! current plan, derived from its employee count; billing runs offline (manual plan).

pub mod tiers;

use axum::{routing::get, Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use zk_kernel::{authz::Require, http::RequestContext, AppError, AppResult, Platform};

/// This service's part of the API description, generated from the handlers and their types
/// (merged by the gateway into `/api/v1/openapi.json`).
#[derive(OpenApi)]
#[openapi(paths(get_plan), components(schemas(Plan, BillingMode)))]
pub struct BillingApi;

/// The generated OpenAPI fragment as JSON.
pub fn openapi() -> String {
    BillingApi::openapi().to_json().unwrap_or_default()
}

/// How a member pays.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    /// Invoiced by NZK outside the platform (billing offline).
    Manual,
    /// Through Stripe.
    Stripe,
}

/// The member's membership tier and yearly price.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    /// Tier name.
    pub tier: String,
    pub employee_count: i32,
    pub monthly_excl_vat_cents: u64,
    pub yearly_excl_vat_cents: u64,
    /// Including 21 % BTW.
    pub yearly_incl_vat_cents: u64,
    pub billing_mode: BillingMode,
}

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

/// The member's membership tier and yearly price
///
/// Member host. Permission billing:read (admin). Tier by employee count: 0-49 EUR 49, 50-249
/// EUR 99, 250-499 EUR 260, 500+ EUR 390 per month excl. 21% BTW, billed yearly.
#[utoipa::path(
    get,
    path = "/api/v1/billing/plan",
    tag = "billing",
    responses(
        (status = 200, description = "Plan", body = Plan),
        (status = 401, description = "Not logged in", body = zk_kernel::error::ErrorEnvelope),
        (status = 403, description = "Not allowed", body = zk_kernel::error::ErrorEnvelope),
    )
)]
async fn get_plan(ctx: RequestContext, _: Require<BillingRead>) -> AppResult<Json<Plan>> {
    if ctx.tenant.is_platform {
        return Err(AppError::not_found());
    }
    let tier = tiers::tier_for(ctx.tenant.employee_count.max(0) as u32);
    Ok(Json(Plan {
        tier: tier.name.to_string(),
        employee_count: ctx.tenant.employee_count,
        monthly_excl_vat_cents: tier.monthly_cents,
        yearly_excl_vat_cents: tier.yearly_cents(),
        yearly_incl_vat_cents: tier.yearly_incl_vat_cents(),
        billing_mode: BillingMode::Manual,
    }))
}
