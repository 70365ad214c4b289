//! Billing service: membership tiers (data, changed by operators), Stripe customers with their
//! BTW number, checkout in the member's own portal (Stripe.js or "op factuur"), invoices,
//! signed webhooks, and the subscription state that drives access. Without
//! `ZK_STRIPE_SECRET_KEY` billing runs offline: operators put members on a manual plan with a
//! paid-until day, and the same access rules follow it.

pub mod console;
pub mod domain;
pub mod pages;
pub mod pay_due;
pub mod repo;
pub mod routes;
pub mod service;
pub mod stripe;

use axum::{
    routing::{get, post, put},
    Router,
};
use utoipa::OpenApi;
use zk_kernel::Platform;

/// This service's part of the API description, generated from the handlers and their types
/// (merged by the gateway into `/api/v1/openapi.json`).
#[derive(OpenApi)]
#[openapi(paths(
    routes::get_plan,
    routes::get_subscription,
    routes::start_checkout,
    routes::complete_checkout,
    routes::webhook,
    routes::list_members,
    routes::members_csv,
    routes::set_manual_plan,
    routes::list_tiers,
    routes::set_tier_price,
    routes::sync_catalogue,
    routes::preview_headcount,
    routes::change_headcount,
    routes::change_payment_method,
))]
pub struct BillingApi;

/// The generated OpenAPI fragment as JSON.
pub fn openapi() -> String {
    BillingApi::openapi().to_json().unwrap_or_default()
}

zk_kernel::permission! {
    /// Admins: see the membership, its invoices and state.
    BillingRead = "billing", "read";
    /// Admins: check out, change the headcount and the payment method.
    BillingManage = "billing", "manage";
    /// Operators: every member's billing, manual plans, tiers and the Stripe catalogue.
    BillingOperate = "billing", "operate";
}

/// Billing routes with state applied; starts the billing job (grace periods, manual plans).
pub fn router(platform: Platform) -> Router {
    service::spawn_clock(platform.clone());
    Router::new()
        .route("/api/v1/billing/plan", get(routes::get_plan))
        .route(
            "/api/v1/billing/subscription",
            get(routes::get_subscription),
        )
        .route("/api/v1/billing/checkout", post(routes::start_checkout))
        .route(
            "/api/v1/billing/checkout/complete",
            post(routes::complete_checkout),
        )
        .route("/api/v1/billing/webhooks/stripe", post(routes::webhook))
        .route("/api/v1/billing/members", get(routes::list_members))
        .route("/api/v1/billing/members.csv", get(routes::members_csv))
        .route(
            "/api/v1/billing/members/{slug}/manual-plan",
            put(routes::set_manual_plan),
        )
        .route("/api/v1/billing/tiers", get(routes::list_tiers))
        .route(
            "/api/v1/billing/tiers/{number}",
            put(routes::set_tier_price),
        )
        .route(
            "/api/v1/billing/catalogue/sync",
            post(routes::sync_catalogue),
        )
        .route(
            "/api/v1/billing/headcount-preview",
            get(routes::preview_headcount),
        )
        .route("/api/v1/billing/headcount", put(routes::change_headcount))
        .route(
            "/api/v1/billing/payment-method",
            post(routes::change_payment_method),
        )
        .route("/abonnement", get(pages::show).post(pages::start))
        .route(
            "/abonnement/medewerkers",
            get(pages::show_headcount).post(pages::change_headcount),
        )
        .route(
            "/abonnement/betaalmethode",
            post(pages::change_payment_method),
        )
        .route("/abonnement/betaald", post(pages::paid))
        .route("/abonnement/betalen", get(pay_due::show_due))
        .route("/abonnement/nu-betalen", post(pay_due::pay_now))
        .route("/console/abonnementen", get(console::list))
        .route(
            "/console/abonnementen/{slug}",
            get(console::show_member).post(console::set_manual_plan),
        )
        .with_state(platform)
}
