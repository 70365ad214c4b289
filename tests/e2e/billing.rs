//! The billing service: the manual plan (offline) and the Stripe path against localstripe —
//! catalogue, customers with their BTW number, subscriptions of every tier by both collection
//! methods, signed webhooks, headcount changes, and access that follows payment; isolation and
//! bad input.

mod checkout;
mod dead_ends;
mod manual_plans;
mod payments;

use crate::support::*;
use time::{Duration, OffsetDateTime};
use zk_kernel::config::{Secret, StripeConfig};
use zk_test_support::peers::StripePeer;

/// The webhook signing secret the online app is configured with.
const WEBHOOK_SECRET: &str = "whsec_zk_test";

/// The day `offset` days from today, as `yyyy-mm-dd`.
fn day(offset: i64) -> String {
    (OffsetDateTime::now_utc() + Duration::days(offset))
        .date()
        .to_string()
}

/// Records a manual plan for the member `slug` as the operator `op`.
async fn manual_plan(
    op: &User,
    slug: &str,
    employees: i64,
    paid_until: &str,
) -> zk_test_support::TestResponse {
    op.put(&format!("/api/v1/billing/members/{slug}/manual-plan"))
        .json(&json!({"employee_count": employees, "paid_until": paid_until, "reason": "test"}))
        .send()
        .await
}

/// The member's subscription as its admin sees it.
async fn state(admin: &User) -> Value {
    admin
        .get("/api/v1/billing/subscription")
        .expect(StatusCode::OK)
        .await
        .json()
}

/// A checkout form's body for `employees` paying by `collection` (`invoice` or `automatic`).
fn checkout_body(employees: i64, collection: &str) -> Value {
    json!({
        "employee_count": employees, "billing_name": "Zorggroep BV", "billing_email": "facturen@zorggroep.test",
        "address_line": "Zorgstraat 1", "postal_code": "3511ab", "city": "Utrecht",
        "kvk_number": "12345678", "vat_number": "NL823456789B01", "collection": collection,
    })
}

/// The platform with billing online against `peer`.
async fn online_app(peer: &StripePeer) -> TestApp {
    let url = peer.url();
    app_with(|c| {
        c.stripe = Some(StripeConfig {
            secret_key: Secret::new("sk_test_zk"),
            publishable_key: "pk_test_zk".into(),
            api_base: Some(url.clone()),
            js_url: format!("{url}/js.stripe.com/v3/"),
            webhook_secret: Some(Secret::new(WEBHOOK_SECRET)),
        });
    })
    .await
}

/// A member `slug` of `employees` people and its admin `beheer@{slug}.test`.
async fn admin_of(app: &TestApp, slug: &str, employees: i64) -> (Member, User) {
    let m = app.member(slug).employees(employees).await;
    let admin = m.admin().await;
    (m, admin)
}

/// The member's customer id at Stripe.
async fn customer_of(app: &TestApp, m: &Member) -> String {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query_scalar("SELECT stripe_customer_id FROM billing.accounts WHERE tenant_id = $1")
        .bind(m.id.0)
        .fetch_one(&mut owner)
        .await
        .unwrap()
}

/// The subscriptions `customer` has at Stripe.
async fn subscriptions_at_stripe(peer: &StripePeer, customer: &str) -> Vec<Value> {
    let subs = peer
        .call(
            Method::GET,
            &format!("/v1/subscriptions?customer={customer}"),
            &[],
        )
        .await
        .unwrap();
    subs["data"].as_array().unwrap().clone()
}
