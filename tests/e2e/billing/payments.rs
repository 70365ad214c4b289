//! Paying against localstripe: a card checkout, signed webhooks (forged, stale and repeated ones
//! refused or applied once), access that follows payment through past due and suspension, a
//! headcount up now with proration and down at renewal, a new payment method, and the end of a
//! subscription.

use super::{
    admin_of, checkout_body, customer_of, online_app, state, subscriptions_at_stripe,
    WEBHOOK_SECRET,
};
use crate::support::*;
use time::OffsetDateTime;
use zk_billing::{domain::signature, service};
use zk_test_support::peers::StripePeer;

/// A `Stripe-Signature` header for `body` signed with `secret` at `at`.
fn signed(body: &str, secret: &str, at: i64) -> String {
    format!("t={at},v1={}", signature::sign(secret, at, body.as_bytes()))
}

/// Delivers a webhook with the signature header `header` (if any).
async fn deliver(
    app: &TestApp,
    body: &str,
    header: Option<String>,
) -> zk_test_support::TestResponse {
    let req = app
        .visitor("")
        .post("/api/v1/billing/webhooks/stripe")
        .body("application/json", body.as_bytes().to_vec());
    match header {
        Some(h) => req.header("stripe-signature", &h).send().await,
        None => req.send().await,
    }
}

/// Delivers a webhook signed with the app's secret at `now`.
async fn deliver_signed(app: &TestApp, body: &str, now: i64) -> zk_test_support::TestResponse {
    deliver(app, body, Some(signed(body, WEBHOOK_SECRET, now))).await
}

/// A webhook event about `object_id` of `customer`.
fn event(id: &str, kind: &str, object: &str, object_id: &str, customer: &str) -> String {
    json!({"id": id, "type": kind, "object": "event", "data": {"object": {"id": object_id, "object": object, "customer": customer}}}).to_string()
}

/// The member's subscription id, read as the owner.
async fn subscription_of(app: &TestApp, m: &Member) -> String {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query_scalar("SELECT stripe_subscription_id FROM billing.accounts WHERE tenant_id = $1")
        .bind(m.id.0)
        .fetch_one(&mut owner)
        .await
        .unwrap()
}

/// Confirms a setup intent with a test card, as Stripe.js does in the page; returns the
/// payment method.
async fn confirm_with_card(peer: &StripePeer, client_secret: &str, number: &str) -> String {
    let seti = client_secret.split("_secret_").next().unwrap();
    let confirmed = peer
        .call(
            Method::POST,
            &format!("/v1/setup_intents/{seti}/confirm"),
            &[
                ("payment_method_data[type]", "card"),
                ("payment_method_data[card][number]", number),
                ("payment_method_data[card][exp_month]", "12"),
                ("payment_method_data[card][exp_year]", "2031"),
                ("payment_method_data[card][cvc]", "123"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
    confirmed["payment_method"].as_str().unwrap().to_owned()
}

/// The plan of the member's subscription at Stripe.
async fn plan_at_stripe(app: &TestApp, peer: &StripePeer, m: &Member) -> String {
    let sub = subscription_of(app, m).await;
    let s = peer
        .call(Method::GET, &format!("/v1/subscriptions/{sub}"), &[])
        .await
        .unwrap();
    s["items"]["data"][0]["plan"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn card_checkout_webhooks_and_access_that_follows_payment() {
    let peer = StripePeer::start().await.expect("localstripe");
    let app = online_app(&peer).await;
    let (m, admin) = admin_of(&app, "kaart", 100).await;
    let learner = m.learner().await;

    // Automatic payment: a setup intent that the customer confirms with a card (Stripe.js does
    // this in the page), then the subscription.
    let res = admin
        .post("/api/v1/billing/checkout")
        .json(&checkout_body(100, "automatic"))
        .expect(StatusCode::OK)
        .await;
    let secret = res.json()["client_secret"].as_str().unwrap().to_owned();
    let seti = secret.split("_secret_").next().unwrap().to_owned();
    assert_eq!(res.json()["subscription"]["state"], "none");
    let confirmed = peer
        .call(
            Method::POST,
            &format!("/v1/setup_intents/{seti}/confirm"),
            &[
                ("payment_method_data[type]", "card"),
                ("payment_method_data[card][number]", "4242424242424242"),
                ("payment_method_data[card][exp_month]", "12"),
                ("payment_method_data[card][exp_year]", "2030"),
                ("payment_method_data[card][cvc]", "123"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
    let res = admin
        .post("/api/v1/billing/checkout/complete")
        .json(&json!({"setup_intent": seti}))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(res.json()["state"], "active");
    assert_eq!(res.json()["invoices"][0]["status"], "paid");
    assert_eq!(res.json()["invoices"][0]["total_cents"], 118_800 + 24_948);
    let customer = customer_of(&app, &m).await;
    let subscription = subscription_of(&app, &m).await;
    // Another member's admin can't finish (or learn anything about) this member's setup intent.
    let (other, other_admin) = admin_of(&app, "ander", 10).await;
    other_admin
        .post("/api/v1/billing/checkout")
        .json(&checkout_body(10, "automatic"))
        .expect(StatusCode::OK)
        .await;
    other_admin
        .post("/api/v1/billing/checkout/complete")
        .json(&json!({"setup_intent": seti}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(state(&other_admin).await["state"], "none");
    let other_customer = customer_of(&app, &other).await;
    assert_eq!(
        subscriptions_at_stripe(&peer, &other_customer).await.len(),
        0,
        "no subscription from another member's card"
    );
    // And A's admin token is not valid on B's host.
    other
        .visitor()
        .get("/api/v1/billing/subscription")
        .bearer(admin.token())
        .expect(StatusCode::UNAUTHORIZED)
        .await;

    // The webhook of the same setup intent (the page finished first) adds nothing.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let body = json!({"id": "evt_seti", "type": "setup_intent.succeeded", "data": {"object": {"id": seti, "object": "setup_intent", "customer": customer}}}).to_string();
    deliver_signed(&app, &body, now)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(subscriptions_at_stripe(&peer, &customer).await.len(), 1);

    // Signatures: forged, wrong secret, stale, missing and malformed are refused with 400.
    let body = event("evt_sig", "invoice.paid", "invoice", "in_x", &customer);
    for (header, code) in [
        (
            Some(format!("t={now},v1={}", "0".repeat(64))),
            "signature_mismatch",
        ),
        (
            Some(signed(&body, "whsec_other", now)),
            "signature_mismatch",
        ),
        (
            Some(signed(&body, WEBHOOK_SECRET, now - 301)),
            "signature_stale",
        ),
        (None, "signature_missing"),
        (Some("v1=abc".to_owned()), "signature_malformed"),
    ] {
        let res = deliver(&app, &body, header).await;
        res.assert_status(StatusCode::BAD_REQUEST);
        assert_eq!(res.error_code(), code);
    }
    assert_eq!(
        app.count("billing.webhook_events").await,
        1,
        "only the setup intent's event"
    );

    // Payment fails at the renewal: past due, learners still in.
    let pm = peer
        .call(
            Method::POST,
            "/v1/payment_methods",
            &[
                ("type", "card"),
                ("card[number]", "4000000000000341"),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
            ],
        )
        .await
        .unwrap();
    let pm = pm["id"].as_str().unwrap();
    peer.call(
        Method::POST,
        &format!("/v1/payment_methods/{pm}/attach"),
        &[("customer", &customer)],
    )
    .await
    .unwrap();
    peer.call(
        Method::POST,
        &format!("/v1/customers/{customer}"),
        &[("invoice_settings[default_payment_method]", pm)],
    )
    .await
    .unwrap();
    let renewal = peer
        .call(
            Method::POST,
            "/v1/invoices",
            &[("customer", &customer), ("subscription", &subscription)],
        )
        .await
        .unwrap();
    let renewal_id = renewal["id"].as_str().unwrap().to_owned();
    peer.call(Method::POST, &format!("/v1/invoices/{renewal_id}/pay"), &[])
        .await
        .unwrap();
    let failed = event(
        "evt_failed",
        "invoice.payment_failed",
        "invoice",
        &renewal_id,
        &customer,
    );
    for _ in 0..10 {
        deliver_signed(&app, &failed, now)
            .await
            .assert_status(StatusCode::OK);
    }
    let s = state(&admin).await;
    assert_eq!(s["state"], "past_due");
    let changes = s["history"].as_array().unwrap().len();
    assert_eq!(
        changes, 2,
        "none → active → past_due, once each: {}",
        s["history"]
    );
    learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await;

    // The grace period ends: suspended; learners out, the admin still reaches billing.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE billing.accounts SET past_due_since = now() - interval '15 days' WHERE tenant_id = $1").bind(m.id.0).execute(&mut owner).await.unwrap();
    assert_eq!(service::run_clock(&app.platform).await.unwrap(), 1);
    let res = learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::FORBIDDEN)
        .await;
    assert_eq!(res.error_code(), "tenant_unpaid");
    assert_eq!(state(&admin).await["state"], "suspended");

    // The invoice is paid: active again at once. The paid event arrives before the
    // subscription's own (older) events: the state is still right.
    peer.call(
        Method::POST,
        &format!("/v1/customers/{customer}"),
        &[(
            "invoice_settings[default_payment_method]",
            confirmed["payment_method"].as_str().unwrap(),
        )],
    )
    .await
    .unwrap();
    let paid = peer
        .call(Method::POST, &format!("/v1/invoices/{renewal_id}/pay"), &[])
        .await
        .unwrap();
    assert_eq!(paid["status"], "paid", "{paid}");
    for (id, kind, object, object_id) in [
        ("evt_paid", "invoice.paid", "invoice", renewal_id.as_str()),
        (
            "evt_updated",
            "customer.subscription.updated",
            "subscription",
            subscription.as_str(),
        ),
        (
            "evt_created",
            "customer.subscription.created",
            "subscription",
            subscription.as_str(),
        ),
    ] {
        let body = event(id, kind, object, object_id, &customer);
        let res = deliver_signed(&app, &body, now).await;
        res.assert_status(StatusCode::OK);
        assert_eq!(res.json()["result"], "applied");
    }
    learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await;
    let s = state(&admin).await;
    assert_eq!(s["state"], "active");
    assert!(s["history"][0]["source"]
        .as_str()
        .unwrap()
        .starts_with("webhook:evt_paid"));
    let page = admin.login().await.page("/abonnement").await;
    assert!(
        page.contains("€ 1.437,48"),
        "the yearly price incl. BTW in Dutch notation"
    );
}

#[tokio::test]
async fn headcount_up_now_with_proration_down_at_renewal_and_a_new_payment_method() {
    let peer = StripePeer::start().await.expect("localstripe");
    let app = online_app(&peer).await;
    let op = app.operator("op@nzk.test").await;
    let (m, admin) = admin_of(&app, "groei", 40).await;
    // Before a subscription there is nothing to change.
    let res = admin
        .get("/api/v1/billing/headcount-preview?employee_count=300")
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "not_subscribed");

    let res = admin
        .post("/api/v1/billing/checkout")
        .json(&checkout_body(40, "automatic"))
        .expect(StatusCode::OK)
        .await;
    let secret = res.json()["client_secret"].as_str().unwrap().to_owned();
    confirm_with_card(&peer, &secret, "4242424242424242").await;
    let seti = secret.split("_secret_").next().unwrap();
    let res = admin
        .post("/api/v1/billing/checkout/complete")
        .json(&json!({"setup_intent": seti}))
        .send()
        .await;
    assert_eq!(res.json()["state"], "active");
    assert_eq!(plan_at_stripe(&app, &peer, &m).await, "zk-tier-1-yearly");

    // Up to 300 employees: shown first, then the tier changes now and the proration is invoiced.
    let preview = admin
        .get("/api/v1/billing/headcount-preview?employee_count=300")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(preview["movement"], "up");
    assert_eq!(preview["new_tier"]["name"], "250-499");
    let estimate = preview["proration_excl_vat_cents"].as_i64().unwrap();
    assert!(
        (estimate - (312_000 - 58_800)).abs() <= 1_000,
        "about a year's difference at the start of the period: {estimate}"
    );
    let page = admin
        .login()
        .await
        .page("/abonnement/medewerkers?aantal=300")
        .await;
    assert!(page.contains("hogere staffel"));
    let headcount = |employees: i64| {
        admin
            .put("/api/v1/billing/headcount")
            .json(&json!({"employee_count": employees}))
    };
    headcount(300).expect(StatusCode::OK).await;
    assert_eq!(plan_at_stripe(&app, &peer, &m).await, "zk-tier-3-yearly");
    let s = state(&admin).await;
    assert_eq!(s["plan"]["tier"], "250-499");
    assert_eq!(s["state"], "active");
    let invoices = s["invoices"].as_array().unwrap();
    assert_eq!(
        invoices.len(),
        2,
        "the first year and the proration: {invoices:?}"
    );
    let proration = invoices
        .iter()
        .find(|i| i["subtotal_cents"] != 58_800)
        .unwrap();
    assert_eq!(proration["status"], "paid");
    // localstripe prorates a whole period; at the start of one, so does Stripe.
    assert!((proration["subtotal_cents"].as_i64().unwrap() - estimate).abs() <= 1_000);
    let (_, tax, _) = zk_billing::domain::money::invoice_totals(&[-58_800, 312_000]);
    assert_eq!(
        proration["tax_cents"], tax,
        "BTW per line, as Stripe rounds it"
    );

    // Down to 10: nothing changes until the renewal, then the lower plan without proration.
    let res = headcount(10).expect(StatusCode::OK).await;
    assert_eq!(res.json()["movement"], "down");
    assert_eq!(res.json()["proration_excl_vat_cents"], 0);
    let s = state(&admin).await;
    assert_eq!(s["plan"]["tier"], "250-499");
    assert_eq!(s["pending_tier"], 1);
    assert_eq!(plan_at_stripe(&app, &peer, &m).await, "zk-tier-3-yearly");
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE billing.accounts SET paid_until = current_date WHERE tenant_id = $1")
        .bind(m.id.0)
        .execute(&mut owner)
        .await
        .unwrap();
    service::run_clock(&app.platform).await.unwrap();
    assert_eq!(plan_at_stripe(&app, &peer, &m).await, "zk-tier-1-yearly");
    let s = state(&admin).await;
    assert_eq!(s["plan"]["tier"], "0-49");
    assert_eq!(s["pending_tier"], Value::Null);
    assert_eq!(
        s["invoices"].as_array().unwrap().len(),
        2,
        "no proration for a move at renewal"
    );

    // An operator's new price applies at the next renewal, on a new plan.
    op.put("/api/v1/billing/tiers/1")
        .json(&json!({"monthly_cents": 5_900}))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(
        plan_at_stripe(&app, &peer, &m).await,
        "zk-tier-1-yearly",
        "not before the renewal"
    );
    sqlx::query("UPDATE billing.accounts SET paid_until = current_date WHERE tenant_id = $1")
        .bind(m.id.0)
        .execute(&mut owner)
        .await
        .unwrap();
    service::run_clock(&app.platform).await.unwrap();
    assert_eq!(plan_at_stripe(&app, &peer, &m).await, "zk-tier-1-yearly-v2");

    // Bad headcounts are refused by field.
    for bad in [-5, 2_000_000] {
        let res = headcount(bad)
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(res.error_field(), "employee_count");
    }

    // A new payment method replaces the default, without a second subscription.
    let res = admin
        .post("/api/v1/billing/payment-method")
        .expect(StatusCode::OK)
        .await;
    let secret = res.json()["client_secret"].as_str().unwrap().to_owned();
    let pm = confirm_with_card(&peer, &secret, "5555555555554444").await;
    let seti = secret.split("_secret_").next().unwrap();
    admin
        .post("/api/v1/billing/checkout/complete")
        .json(&json!({"setup_intent": seti}))
        .expect(StatusCode::OK)
        .await;
    let customer = customer_of(&app, &m).await;
    let c = peer
        .call(Method::GET, &format!("/v1/customers/{customer}"), &[])
        .await
        .unwrap();
    assert_eq!(c["invoice_settings"]["default_payment_method"], pm.as_str());
    let subs = subscriptions_at_stripe(&peer, &customer).await;
    assert_eq!(subs.len(), 1);

    // The subscription ends at Stripe: canceled, the portal closes; a new checkout reopens it.
    let sub = subs[0]["id"].as_str().unwrap().to_owned();
    peer.call(Method::DELETE, &format!("/v1/subscriptions/{sub}"), &[])
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let body = event(
        "evt_deleted",
        "customer.subscription.deleted",
        "subscription",
        &sub,
        &customer,
    );
    deliver_signed(&app, &body, now)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(state(&admin).await["state"], "canceled");
    assert!(!m.tenant().await.is_active());
    let res = admin
        .post("/api/v1/billing/checkout")
        .json(&checkout_body(10, "invoice"))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(res.json()["subscription"]["state"], "active");
    assert!(m.tenant().await.is_active());
}
