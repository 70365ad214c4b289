//! Billing: the manual plan (offline) and the Stripe path against localstripe — catalogue,
//! customers with their BTW number, subscriptions of every tier by both collection methods,
//! signed webhooks, and access that follows payment; isolation and bad input.

use crate::support::{App, LegacyMember as Member, PASSWORD};
use http::{Method, StatusCode};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};
use zk_billing::{domain::signature, service};
use zk_kernel::{authz::Role, config::Secret, config::StripeConfig};
use zk_test_support::peers::StripePeer;

const WEBHOOK_SECRET: &str = "whsec_zk_test";

fn day(offset: i64) -> String {
    (OffsetDateTime::now_utc() + Duration::days(offset))
        .date()
        .to_string()
}

async fn manual_plan(
    app: &App,
    op: &str,
    slug: &str,
    employees: i64,
    paid_until: &str,
) -> zk_test_support::TestResponse {
    app.client
        .put("", &format!("/api/v1/billing/members/{slug}/manual-plan"))
        .bearer(op)
        .json(&json!({"employee_count": employees, "paid_until": paid_until, "reason": "test"}))
        .send()
        .await
}

async fn state(app: &App, host: &str, admin: &str) -> Value {
    let res = app
        .client
        .get(host, "/api/v1/billing/subscription")
        .bearer(admin)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    res.json()
}

#[tokio::test]
async fn a_manual_plan_drives_access_past_due_suspended_and_back() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    let m = app.member("noord").await;
    let host = "noord.localhost";
    app.user(&m, "beheer@noord.test", Role::Admin).await;
    app.user(&m, "leerling@noord.test", Role::Learner).await;
    let admin = app.token(&m, "beheer@noord.test").await;
    let learner = app.token(&m, "leerling@noord.test").await;

    // No plan yet: state none, billing offline, the portal open.
    let s = state(&app, host, &admin).await;
    assert_eq!(s["state"], "none");
    assert_eq!(s["offline"], true);

    let res = manual_plan(&app, &op, "noord", 120, &day(200)).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["state"], "active");
    assert_eq!(res.json()["plan"]["tier"], "50-249");
    assert_eq!(res.json()["plan"]["yearly_excl_vat_cents"], 118_800);
    assert_eq!(res.json()["paid_until"], day(200), "a day as YYYY-MM-DD");

    // Paid until yesterday: past due; learners keep learning, admins see the banner.
    manual_plan(&app, &op, "noord", 120, &day(-1))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(state(&app, host, &admin).await["state"], "past_due");
    let learner_session = app.login(host, "leerling@noord.test").await;
    let home = app
        .client
        .get(host, "/")
        .session(&learner_session)
        .send()
        .await;
    home.assert_status(StatusCode::OK);
    assert!(!home.text().contains("billing-banner"));
    let admin_session = app.login(host, "beheer@noord.test").await;
    let home = app
        .client
        .get(host, "/")
        .session(&admin_session)
        .send()
        .await;
    home.assert_status(StatusCode::OK);
    assert!(
        home.text().contains("data-testid=\"billing-banner\""),
        "admins see the banner"
    );
    app.client
        .get(host, "/api/v1/me")
        .bearer(&learner)
        .send()
        .await
        .assert_status(StatusCode::OK);

    // Beyond the 14 days of grace: suspended. Learners are out; admins can still log in and pay.
    manual_plan(&app, &op, "noord", 120, &day(-20))
        .await
        .assert_status(StatusCode::OK);
    let res = app
        .client
        .get(host, "/api/v1/learning/enrolments/mine")
        .bearer(&learner)
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "tenant_unpaid");
    let page = app
        .client
        .get(host, "/")
        .session(&learner_session)
        .send()
        .await;
    page.assert_status(StatusCode::FORBIDDEN);
    assert!(page.text().contains("/inloggen?terug=/abonnement"));
    let admin_session = app.login(host, "beheer@noord.test").await;
    let page = app
        .client
        .get(host, "/abonnement")
        .session(&admin_session)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.text().contains("Opgeschort wegens niet-betaling"));
    app.client
        .get(host, "/beheer")
        .session(&admin_session)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // A learner can't reach billing even while it stays open.
    app.client
        .get(host, "/api/v1/billing/subscription")
        .bearer(&learner)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Paid: active again at once.
    manual_plan(&app, &op, "noord", 120, &day(365))
        .await
        .assert_status(StatusCode::OK);
    app.client
        .get(host, "/api/v1/learning/enrolments/mine")
        .bearer(&learner)
        .send()
        .await
        .assert_status(StatusCode::OK);
    let s = state(&app, host, &admin).await;
    assert_eq!(s["state"], "active");
    let steps: Vec<(String, String)> = s["history"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|h| {
            (
                h["from_state"].as_str().unwrap().to_owned(),
                h["to_state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("none", "active"),
        ("active", "past_due"),
        ("past_due", "suspended"),
        ("suspended", "active"),
    ];
    assert_eq!(steps, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert!(s["history"][0]["source"]
        .as_str()
        .unwrap()
        .starts_with("operator:"));
}

#[tokio::test]
async fn the_clock_moves_a_manual_plan_and_an_operator_suspension_is_not_lifted_by_payment() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    let m = app.member("west").await;
    manual_plan(&app, &op, "west", 10, &day(0))
        .await
        .assert_status(StatusCode::OK);
    let mut owner = app.db.owner().await.unwrap();
    // The paid-until day passes: past due, the portal still open.
    sqlx::query("UPDATE billing.accounts SET paid_until = current_date - 1 WHERE tenant_id = $1")
        .bind(m.id.0)
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(service::run_clock(&app.platform).await.unwrap(), 1);
    assert!(
        app.tenant(m.id).await.is_active(),
        "open during the grace period"
    );
    assert_eq!(app.tenant(m.id).await.billing_state, "past_due");
    // Four weeks later: beyond the grace period, suspended.
    sqlx::query("UPDATE billing.accounts SET paid_until = current_date - 29, past_due_since = now() - interval '28 days' WHERE tenant_id = $1")
        .bind(m.id.0)
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(service::run_clock(&app.platform).await.unwrap(), 1);
    assert_eq!(
        service::run_clock(&app.platform).await.unwrap(),
        0,
        "nothing more to do"
    );
    assert!(!app.tenant(m.id).await.is_active());
    assert!(app.tenant(m.id).await.suspended_by_billing);

    // An operator's suspension stays when the member pays.
    app.client
        .post("", "/api/v1/tenants/west/suspend")
        .bearer(&op)
        .send()
        .await
        .assert_status(StatusCode::OK);
    manual_plan(&app, &op, "west", 10, &day(100))
        .await
        .assert_status(StatusCode::OK);
    let t = app.tenant(m.id).await;
    assert!(!t.is_active(), "the operator's suspension is kept");
    assert!(!t.suspended_by_billing);
}

#[tokio::test]
async fn bad_billing_input_is_refused_by_field_and_writes_nothing() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    app.member("zuid").await;
    for (employees, paid_until, field) in [
        (-1, day(10), "employee_count"),
        (5_000_000, day(10), "employee_count"),
        (10, "31-12-2027".to_owned(), "paid_until"),
    ] {
        let res = manual_plan(&app, &op, "zuid", employees, &paid_until).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["error"]["field"], field);
        assert!(!res.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let res = app
        .client
        .put("", "/api/v1/billing/tiers/9")
        .bearer(&op)
        .json(&json!({"monthly_cents": 5000}))
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(res.error_code(), "unknown_tier");
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("bestaat niet"));
    let res = app
        .client
        .put("", "/api/v1/billing/tiers/1")
        .bearer(&op)
        .json(&json!({"monthly_cents": -5}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "monthly_cents");
    // Offline: a checkout is refused with a clear reason.
    let m = Member {
        id: app.tenant(app.member("oost").await.id).await.id,
    };
    app.user(&m, "beheer@oost.test", Role::Admin).await;
    let admin = app.token(&m, "beheer@oost.test").await;
    let res = app
        .client
        .post("oost.localhost", "/api/v1/billing/checkout")
        .bearer(&admin)
        .json(&checkout_body(10, "invoice"))
        .send()
        .await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "billing_offline");
    assert_eq!(app.count("billing.accounts").await, 0);
    assert_eq!(app.count("billing.state_changes").await, 0);
    // Tiers are data: an operator's price change gives the tier a new plan version.
    let res = app
        .client
        .put("", "/api/v1/billing/tiers/2")
        .bearer(&op)
        .json(&json!({"monthly_cents": 10_900}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["price_version"], 2);
    let tiers = app
        .client
        .get("", "/api/v1/billing/tiers")
        .send()
        .await
        .json();
    assert_eq!(tiers[1]["plan_id"], "zk-tier-2-yearly-v2");
    assert_eq!(tiers[1]["yearly_excl_vat_cents"], 130_800);
}

#[tokio::test]
async fn only_a_members_own_admins_reach_its_billing() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    let a = app.member("huis-a").await;
    let b = app.member("huis-b").await;
    app.user(&a, "beheer@huis-a.test", Role::Admin).await;
    app.user(&b, "beheer@huis-b.test", Role::Admin).await;
    manual_plan(&app, &op, "huis-b", 300, &day(30))
        .await
        .assert_status(StatusCode::OK);
    let admin_a = app.token(&a, "beheer@huis-a.test").await;
    for (role, email) in [
        (Role::Learner, "l@huis-a.test"),
        (Role::Teacher, "t@huis-a.test"),
        (Role::Author, "au@huis-a.test"),
    ] {
        app.user(&a, email, role).await;
        let token = app.token(&a, email).await;
        for path in ["/api/v1/billing/subscription", "/api/v1/billing/plan"] {
            app.client
                .get("huis-a.localhost", path)
                .bearer(&token)
                .send()
                .await
                .assert_status(StatusCode::FORBIDDEN);
        }
        let s = app.login("huis-a.localhost", email).await;
        app.client
            .get("huis-a.localhost", "/abonnement")
            .session(&s)
            .send()
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    // A's admin on B's host: the token is not B's.
    let res = app
        .client
        .get("huis-b.localhost", "/api/v1/billing/subscription")
        .bearer(&admin_a)
        .send()
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    // A's admin can't use the operators' routes (on either host), nor see B's plan on its own.
    for host in ["huis-a.localhost", ""] {
        let res = app
            .client
            .put(host, "/api/v1/billing/members/huis-b/manual-plan")
            .bearer(&admin_a)
            .json(&json!({"employee_count": 1, "paid_until": day(-100)}))
            .send()
            .await;
        assert!(
            matches!(
                res.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED
            ),
            "{host}: {}",
            res.status
        );
        let res = app
            .client
            .get(host, "/api/v1/billing/members")
            .bearer(&admin_a)
            .send()
            .await;
        assert!(matches!(
            res.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED
        ));
    }
    let s = state(&app, "huis-a.localhost", &admin_a).await;
    assert_eq!(s["state"], "none");
    assert_eq!(s["invoices"], json!([]));
    let b_state = state(
        &app,
        "huis-b.localhost",
        &app.token(&b, "beheer@huis-b.test").await,
    )
    .await;
    assert_eq!(b_state["state"], "active", "B unchanged");
    assert_eq!(b_state["plan"]["tier"], "250-499");
    // Operators see every member, with MRR and ARR.
    let o = app
        .client
        .get("", "/api/v1/billing/members")
        .bearer(&op)
        .send()
        .await;
    o.assert_status(StatusCode::OK);
    assert_eq!(o.json()["mrr_cents"], 26_000);
    assert_eq!(o.json()["arr_cents"], 312_000);
    assert_eq!(o.json()["renewals_next_30_days"], 1);
    let csv = app
        .client
        .get("", "/api/v1/billing/members.csv")
        .bearer(&op)
        .send()
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.text().contains("huis-b;active;manual;250-499"));
}

fn checkout_body(employees: i64, collection: &str) -> Value {
    json!({
        "employee_count": employees, "billing_name": "Zorggroep BV", "billing_email": "facturen@zorggroep.test",
        "address_line": "Zorgstraat 1", "postal_code": "3511ab", "city": "Utrecht",
        "kvk_number": "12345678", "vat_number": "NL823456789B01", "collection": collection,
    })
}

async fn online_app(peer: &StripePeer) -> App {
    let url = peer.url();
    App::with_config(|c| {
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

async fn admin_of(app: &App, slug: &str, employees: i32) -> (Member, String) {
    let m = app.member(slug).await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.tenants SET employee_count = $2 WHERE id = $1")
        .bind(m.id.0)
        .bind(employees)
        .execute(&mut owner)
        .await
        .unwrap();
    app.platform.directory.invalidate(m.id);
    let email = format!("beheer@{slug}.test");
    app.user(&m, &email, Role::Admin).await;
    let token = app.token(&m, &email).await;
    (m, token)
}

async fn customer_of(app: &App, m: &Member) -> String {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query_scalar("SELECT stripe_customer_id FROM billing.accounts WHERE tenant_id = $1")
        .bind(m.id.0)
        .fetch_one(&mut owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn catalogue_customers_and_subscriptions_of_every_tier_against_localstripe() {
    let peer = StripePeer::start()
        .await
        .expect("localstripe (scripts/test.sh installs it)");
    let app = online_app(&peer).await;
    let (_, op) = app.operator("op@nzk.test").await;

    // The catalogue, twice: one product and one yearly plan per tier, under stable ids.
    let first = app
        .client
        .post("", "/api/v1/billing/catalogue/sync")
        .bearer(&op)
        .send()
        .await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.json()["created"], 8);
    let again = app
        .client
        .post("", "/api/v1/billing/catalogue/sync")
        .bearer(&op)
        .send()
        .await;
    assert_eq!(again.json()["created"], 0);
    let plans = peer
        .call(Method::GET, "/v1/plans?limit=100", &[])
        .await
        .unwrap();
    let mut ids: Vec<&str> = plans["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "zk-tier-1-yearly",
            "zk-tier-2-yearly",
            "zk-tier-3-yearly",
            "zk-tier-4-yearly"
        ]
    );

    // "Op factuur" for each tier: subscribed at once, one open invoice with 30 days to pay,
    // whose amounts are the tier's yearly price plus 21 % BTW, computed per line as we do.
    for (slug, employees, yearly) in [
        ("t-een", 10, 58_800),
        ("t-twee", 100, 118_800),
        ("t-drie", 300, 312_000),
        ("t-vier", 600, 468_000),
    ] {
        let (m, admin) = admin_of(&app, slug, employees).await;
        let host = format!("{slug}.localhost");
        let res = app
            .client
            .post(&host, "/api/v1/billing/checkout")
            .bearer(&admin)
            .json(&checkout_body(employees.into(), "invoice"))
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        let s = &res.json()["subscription"];
        assert_eq!(s["state"], "active", "{slug}");
        assert_eq!(s["collection_method"], "send_invoice");
        let invoices = s["invoices"].as_array().unwrap();
        assert_eq!(invoices.len(), 1);
        let (subtotal, tax, total) = zk_billing::domain::money::invoice_totals(&[yearly]);
        assert_eq!(invoices[0]["subtotal_cents"], subtotal);
        assert_eq!(invoices[0]["tax_cents"], tax);
        assert_eq!(invoices[0]["total_cents"], total);
        assert_eq!(invoices[0]["status"], "open");
        let due = OffsetDateTime::parse(
            invoices[0]["due_date"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(
            (due - OffsetDateTime::now_utc() - Duration::days(30)).abs() < Duration::minutes(5)
        );
        // The BTW number is the customer's EU VAT tax id.
        let customer = customer_of(&app, &m).await;
        let ids = peer
            .call(
                Method::GET,
                &format!("/v1/customers/{customer}/tax_ids"),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(ids["data"][0]["type"], "eu_vat");
        assert_eq!(ids["data"][0]["value"], "NL823456789B01");
        // A second checkout makes no second subscription.
        let res = app
            .client
            .post(&host, "/api/v1/billing/checkout")
            .bearer(&admin)
            .json(&checkout_body(employees.into(), "invoice"))
            .send()
            .await;
        res.assert_status(StatusCode::CONFLICT);
        assert_eq!(res.error_code(), "already_subscribed");
        let subs = peer
            .call(
                Method::GET,
                &format!("/v1/subscriptions?customer={customer}"),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(subs["data"].as_array().unwrap().len(), 1);
    }

    // Automatic payment for each tier: by card (tiers 1 and 2) and by SEPA direct debit (3 and
    // 4), each through a setup intent; the first invoice is charged at once.
    for (slug, employees, yearly, method) in [
        ("a-een", 10, 58_800, "card"),
        ("a-twee", 100, 118_800, "card"),
        ("a-drie", 300, 312_000, "sepa_debit"),
        ("a-vier", 600, 468_000, "sepa_debit"),
    ] {
        let (m, admin) = admin_of(&app, slug, employees).await;
        let host = format!("{slug}.localhost");
        let res = app
            .client
            .post(&host, "/api/v1/billing/checkout")
            .bearer(&admin)
            .json(&checkout_body(employees.into(), "automatic"))
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        let secret = res.json()["client_secret"].as_str().unwrap().to_owned();
        let seti = secret.split("_secret_").next().unwrap().to_owned();
        let details: Vec<(&str, &str)> = if method == "card" {
            vec![
                ("payment_method_data[type]", "card"),
                ("payment_method_data[card][number]", "4242424242424242"),
                ("payment_method_data[card][exp_month]", "12"),
                ("payment_method_data[card][exp_year]", "2031"),
                ("payment_method_data[card][cvc]", "123"),
            ]
        } else {
            vec![
                ("payment_method_data[type]", "sepa_debit"),
                (
                    "payment_method_data[sepa_debit][iban]",
                    "NL91ABNA0417164300",
                ),
                ("payment_method_data[billing_details][name]", "Zorggroep BV"),
                (
                    "payment_method_data[billing_details][email]",
                    "facturen@zorggroep.test",
                ),
            ]
        };
        let confirmed = peer
            .call(
                Method::POST,
                &format!("/v1/setup_intents/{seti}/confirm"),
                &details,
            )
            .await
            .unwrap();
        assert_eq!(confirmed["status"], "succeeded", "{slug}: {confirmed}");
        let res = app
            .client
            .post(&host, "/api/v1/billing/checkout/complete")
            .bearer(&admin)
            .json(&json!({"setup_intent": seti}))
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        let s = res.json();
        assert_eq!(s["state"], "active", "{slug}: {s}");
        assert_eq!(s["collection_method"], "charge_automatically");
        assert_eq!(s["invoices"][0]["subtotal_cents"], yearly);
        assert_eq!(s["invoices"][0]["total_cents"], yearly + yearly * 21 / 100);
        let customer = customer_of(&app, &m).await;
        let c = peer
            .call(Method::GET, &format!("/v1/customers/{customer}"), &[])
            .await
            .unwrap();
        assert_eq!(c["metadata"]["kvk"], "12345678");
        assert_eq!(c["metadata"]["zk_tenant"], m.id.to_string());
        assert_eq!(c["address"]["postal_code"], "3511 AB");
    }

    // Bad input is refused by field and leaves no customer behind.
    let (m, admin) = admin_of(&app, "t-fout", 10).await;
    for (body, field) in [
        (json!({"vat_number": "NL123"}), "vat_number"),
        (json!({"employee_count": -3}), "employee_count"),
        (json!({"employee_count": 99_999_999}), "employee_count"),
        (json!({"kvk_number": "12"}), "kvk_number"),
        (json!({"collection": "cash"}), "collection"),
        (json!({"postal_code": "abc"}), "postal_code"),
    ] {
        let mut b = checkout_body(10, "invoice");
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        let res = app
            .client
            .post("t-fout.localhost", "/api/v1/billing/checkout")
            .bearer(&admin)
            .json(&b)
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["error"]["field"], field);
    }
    let mut owner = app.db.owner().await.unwrap();
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM billing.accounts WHERE tenant_id = $1")
            .bind(m.id.0)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(rows, 0);
}

fn signed(body: &str, secret: &str, at: i64) -> String {
    format!("t={at},v1={}", signature::sign(secret, at, body.as_bytes()))
}

async fn deliver(app: &App, body: &str, header: Option<String>) -> zk_test_support::TestResponse {
    let mut req = app
        .client
        .post("", "/api/v1/billing/webhooks/stripe")
        .body("application/json", body.as_bytes().to_vec());
    if let Some(h) = header {
        req = req.header("stripe-signature", &h);
    }
    req.send().await
}

fn event(id: &str, kind: &str, object: &str, object_id: &str, customer: &str) -> String {
    json!({"id": id, "type": kind, "object": "event", "data": {"object": {"id": object_id, "object": object, "customer": customer}}}).to_string()
}

#[tokio::test]
async fn card_checkout_webhooks_and_access_that_follows_payment() {
    let peer = StripePeer::start().await.expect("localstripe");
    let app = online_app(&peer).await;
    let (m, admin) = admin_of(&app, "kaart", 100).await;
    let host = "kaart.localhost";
    app.user(&m, "leerling@kaart.test", Role::Learner).await;
    let learner = app.token(&m, "leerling@kaart.test").await;

    // Automatic payment: a setup intent that the customer confirms with a card (Stripe.js does
    // this in the page), then the subscription.
    let res = app
        .client
        .post(host, "/api/v1/billing/checkout")
        .bearer(&admin)
        .json(&checkout_body(100, "automatic"))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
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
    let res = app
        .client
        .post(host, "/api/v1/billing/checkout/complete")
        .bearer(&admin)
        .json(&json!({"setup_intent": seti}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["state"], "active");
    assert_eq!(res.json()["invoices"][0]["status"], "paid");
    assert_eq!(res.json()["invoices"][0]["total_cents"], 118_800 + 24_948);
    let customer = customer_of(&app, &m).await;
    let subscription: String = {
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query_scalar(
            "SELECT stripe_subscription_id FROM billing.accounts WHERE tenant_id = $1",
        )
        .bind(m.id.0)
        .fetch_one(&mut owner)
        .await
        .unwrap()
    };
    // Another member's admin can't finish (or learn anything about) this member's setup intent.
    let (other, other_admin) = admin_of(&app, "ander", 10).await;
    app.client
        .post("ander.localhost", "/api/v1/billing/checkout")
        .bearer(&other_admin)
        .json(&checkout_body(10, "automatic"))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let res = app
        .client
        .post("ander.localhost", "/api/v1/billing/checkout/complete")
        .bearer(&other_admin)
        .json(&json!({"setup_intent": seti}))
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(
        state(&app, "ander.localhost", &other_admin).await["state"],
        "none"
    );
    let other_customer = customer_of(&app, &other).await;
    let subs = peer
        .call(
            Method::GET,
            &format!("/v1/subscriptions?customer={other_customer}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        subs["data"].as_array().unwrap().len(),
        0,
        "no subscription from another member's card"
    );
    // And A's admin token is not valid on B's host.
    app.client
        .get("ander.localhost", "/api/v1/billing/subscription")
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);

    // The webhook of the same setup intent (the page finished first) adds nothing.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let body = json!({"id": "evt_seti", "type": "setup_intent.succeeded", "data": {"object": {"id": seti, "object": "setup_intent", "customer": customer}}}).to_string();
    deliver(&app, &body, Some(signed(&body, WEBHOOK_SECRET, now)))
        .await
        .assert_status(StatusCode::OK);
    let subs = peer
        .call(
            Method::GET,
            &format!("/v1/subscriptions?customer={customer}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(subs["data"].as_array().unwrap().len(), 1);

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
        let res = deliver(&app, &failed, Some(signed(&failed, WEBHOOK_SECRET, now))).await;
        res.assert_status(StatusCode::OK);
    }
    let s = state(&app, host, &admin).await;
    assert_eq!(s["state"], "past_due");
    let changes = s["history"].as_array().unwrap().len();
    assert_eq!(
        changes, 2,
        "none → active → past_due, once each: {}",
        s["history"]
    );
    app.client
        .get(host, "/api/v1/learning/enrolments/mine")
        .bearer(&learner)
        .send()
        .await
        .assert_status(StatusCode::OK);

    // The grace period ends: suspended; learners out, the admin still reaches billing.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE billing.accounts SET past_due_since = now() - interval '15 days' WHERE tenant_id = $1").bind(m.id.0).execute(&mut owner).await.unwrap();
    assert_eq!(service::run_clock(&app.platform).await.unwrap(), 1);
    let res = app
        .client
        .get(host, "/api/v1/learning/enrolments/mine")
        .bearer(&learner)
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "tenant_unpaid");
    assert_eq!(state(&app, host, &admin).await["state"], "suspended");

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
        let res = deliver(&app, &body, Some(signed(&body, WEBHOOK_SECRET, now))).await;
        res.assert_status(StatusCode::OK);
        assert_eq!(res.json()["result"], "applied");
    }
    app.client
        .get(host, "/api/v1/learning/enrolments/mine")
        .bearer(&learner)
        .send()
        .await
        .assert_status(StatusCode::OK);
    let s = state(&app, host, &admin).await;
    assert_eq!(s["state"], "active");
    assert!(s["history"][0]["source"]
        .as_str()
        .unwrap()
        .starts_with("webhook:evt_paid"));
    let page = app
        .client
        .get(host, "/abonnement")
        .session(&app.login(host, "beheer@kaart.test").await)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.text().contains("€ 1.437,48"),
        "the yearly price incl. BTW in Dutch notation"
    );
    let _ = PASSWORD;
}

#[tokio::test]
async fn the_billing_page_subscribes_op_factuur_and_names_the_wrong_field() {
    let peer = StripePeer::start().await.expect("localstripe");
    let app = online_app(&peer).await;
    let (_, _) = admin_of(&app, "factuur", 300).await;
    let host = "factuur.localhost";
    let session = app.login(host, "beheer@factuur.test").await;
    let page = app
        .client
        .get(host, "/abonnement")
        .session(&session)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.text().contains("Abonnement afsluiten"));
    assert!(
        page.text().contains("250-499 medewerkers"),
        "the tier of the member's headcount"
    );
    let fields = |vat: &'static str| {
        vec![
            ("employee_count", "300"),
            ("billing_name", "Factuur Zorg"),
            ("billing_email", "facturen@factuur.test"),
            ("address_line", "Laan 3"),
            ("postal_code", "1011 AB"),
            ("city", "Amsterdam"),
            ("kvk_number", ""),
            ("vat_number", vat),
            ("collection", "invoice"),
        ]
    };
    let res = app
        .client
        .post(host, "/abonnement")
        .session(&session)
        .form(&fields("NL12"))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text();
    assert!(html.contains("Dit is geen geldig btw-identificatienummer"));
    assert!(
        html.contains("id=\"vat_number\" name=\"vat_number\" value=\"NL12\" aria-invalid=\"true\""),
        "the field keeps its value and is marked"
    );
    assert!(
        html.contains("value=\"Factuur Zorg\""),
        "nothing typed is lost"
    );
    assert_eq!(app.count("billing.accounts").await, 0);

    let res = app
        .client
        .post(host, "/abonnement")
        .session(&session)
        .form(&fields(""))
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(res.location().as_deref(), Some("/abonnement?gestart=1"));
    let page = app
        .client
        .get(host, "/abonnement?gestart=1")
        .session(&session)
        .send()
        .await;
    let html = page.text();
    assert!(
        html.contains("Uw abonnement is afgesloten"),
        "{}",
        &html[html.find("<main").unwrap_or(0)..][..1500]
    );
    assert!(html.contains("Actief"));
    assert!(html.contains("Op factuur, binnen 30 dagen"));
    assert!(html.contains("€ 3.775,20"), "the invoice incl. BTW");
    assert!(!html.contains("Abonnement afsluiten"), "no second checkout");
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

async fn plan_at_stripe(app: &App, peer: &StripePeer, m: &Member) -> String {
    let mut owner = app.db.owner().await.unwrap();
    let sub: String = sqlx::query_scalar(
        "SELECT stripe_subscription_id FROM billing.accounts WHERE tenant_id = $1",
    )
    .bind(m.id.0)
    .fetch_one(&mut owner)
    .await
    .unwrap();
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
async fn headcount_up_now_with_proration_down_at_renewal_and_a_new_payment_method() {
    let peer = StripePeer::start().await.expect("localstripe");
    let app = online_app(&peer).await;
    let (_, op) = app.operator("op@nzk.test").await;
    let (m, admin) = admin_of(&app, "groei", 40).await;
    let host = "groei.localhost";
    // Before a subscription there is nothing to change.
    let res = app
        .client
        .get(host, "/api/v1/billing/headcount-preview?employee_count=300")
        .bearer(&admin)
        .send()
        .await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "not_subscribed");

    let res = app
        .client
        .post(host, "/api/v1/billing/checkout")
        .bearer(&admin)
        .json(&checkout_body(40, "automatic"))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let secret = res.json()["client_secret"].as_str().unwrap().to_owned();
    confirm_with_card(&peer, &secret, "4242424242424242").await;
    let seti = secret.split("_secret_").next().unwrap();
    let res = app
        .client
        .post(host, "/api/v1/billing/checkout/complete")
        .bearer(&admin)
        .json(&json!({"setup_intent": seti}))
        .send()
        .await;
    assert_eq!(res.json()["state"], "active");
    assert_eq!(plan_at_stripe(&app, &peer, &m).await, "zk-tier-1-yearly");

    // Up to 300 employees: shown first, then the tier changes now and the proration is invoiced.
    let preview = app
        .client
        .get(host, "/api/v1/billing/headcount-preview?employee_count=300")
        .bearer(&admin)
        .send()
        .await;
    preview.assert_status(StatusCode::OK);
    let preview = preview.json();
    assert_eq!(preview["movement"], "up");
    assert_eq!(preview["new_tier"]["name"], "250-499");
    let estimate = preview["proration_excl_vat_cents"].as_i64().unwrap();
    assert!(
        (estimate - (312_000 - 58_800)).abs() <= 1_000,
        "about a year's difference at the start of the period: {estimate}"
    );
    let page = app
        .client
        .get(host, "/abonnement/medewerkers?aantal=300")
        .session(&app.login(host, "beheer@groei.test").await)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.text().contains("hogere staffel"));
    let res = app
        .client
        .put(host, "/api/v1/billing/headcount")
        .bearer(&admin)
        .json(&json!({"employee_count": 300}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(plan_at_stripe(&app, &peer, &m).await, "zk-tier-3-yearly");
    let s = state(&app, host, &admin).await;
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
    let res = app
        .client
        .put(host, "/api/v1/billing/headcount")
        .bearer(&admin)
        .json(&json!({"employee_count": 10}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["movement"], "down");
    assert_eq!(res.json()["proration_excl_vat_cents"], 0);
    let s = state(&app, host, &admin).await;
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
    let s = state(&app, host, &admin).await;
    assert_eq!(s["plan"]["tier"], "0-49");
    assert_eq!(s["pending_tier"], Value::Null);
    assert_eq!(
        s["invoices"].as_array().unwrap().len(),
        2,
        "no proration for a move at renewal"
    );

    // An operator's new price applies at the next renewal, on a new plan.
    app.client
        .put("", "/api/v1/billing/tiers/1")
        .bearer(&op)
        .json(&json!({"monthly_cents": 5_900}))
        .send()
        .await
        .assert_status(StatusCode::OK);
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
        let res = app
            .client
            .put(host, "/api/v1/billing/headcount")
            .bearer(&admin)
            .json(&json!({"employee_count": bad}))
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["error"]["field"], "employee_count");
    }

    // A new payment method replaces the default, without a second subscription.
    let res = app
        .client
        .post(host, "/api/v1/billing/payment-method")
        .bearer(&admin)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let secret = res.json()["client_secret"].as_str().unwrap().to_owned();
    let pm = confirm_with_card(&peer, &secret, "5555555555554444").await;
    let seti = secret.split("_secret_").next().unwrap();
    app.client
        .post(host, "/api/v1/billing/checkout/complete")
        .bearer(&admin)
        .json(&json!({"setup_intent": seti}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let customer = customer_of(&app, &m).await;
    let c = peer
        .call(Method::GET, &format!("/v1/customers/{customer}"), &[])
        .await
        .unwrap();
    assert_eq!(c["invoice_settings"]["default_payment_method"], pm.as_str());
    let subs = peer
        .call(
            Method::GET,
            &format!("/v1/subscriptions?customer={customer}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(subs["data"].as_array().unwrap().len(), 1);

    // The subscription ends at Stripe: canceled, the portal closes; a new checkout reopens it.
    let sub = subs["data"][0]["id"].as_str().unwrap().to_owned();
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
    deliver(&app, &body, Some(signed(&body, WEBHOOK_SECRET, now)))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(state(&app, host, &admin).await["state"], "canceled");
    assert!(!app.tenant(m.id).await.is_active());
    let res = app
        .client
        .post(host, "/api/v1/billing/checkout")
        .bearer(&admin)
        .json(&checkout_body(10, "invoice"))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["subscription"]["state"], "active");
    assert!(app.tenant(m.id).await.is_active());
}

#[tokio::test]
async fn operators_see_billing_in_the_console_and_record_a_manual_plan() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    app.member("een").await;
    app.member("twee").await;
    manual_plan(&app, &op, "een", 600, &day(10))
        .await
        .assert_status(StatusCode::OK);
    let s = app.login("", "op@nzk.test").await;
    let page = app
        .client
        .get("", "/console/abonnementen")
        .session(&s)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("€ 390,00"),
        "MRR: {}",
        &html[html.find("<main").unwrap_or(0)..][..800]
    );
    assert!(html.contains("€ 4.680,00"), "ARR");
    assert!(html.contains("Zorg een") && html.contains("Zorg twee"));
    let filtered = app
        .client
        .get("", "/console/abonnementen?staat=active")
        .session(&s)
        .send()
        .await
        .text();
    assert!(filtered.contains("Zorg een") && !filtered.contains("Zorg twee"));

    // A bad form is shown again with the field marked, and nothing is written.
    let res = app
        .client
        .post("", "/console/abonnementen/twee")
        .session(&s)
        .form(&[
            ("employee_count", "veel"),
            ("paid_until", ""),
            ("reason", ""),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("aria-invalid=\"true\""));
    assert_eq!(
        app.count("billing.accounts").await,
        1,
        "only the first member's plan"
    );
    let res = app
        .client
        .post("", "/console/abonnementen/twee")
        .session(&s)
        .form(&[
            ("employee_count", "45"),
            ("paid_until", &day(-3)),
            ("reason", "Factuur 2026-0042"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let page = app
        .client
        .get("", "/console/abonnementen/twee?opgeslagen=1")
        .session(&s)
        .send()
        .await
        .text();
    assert!(page.contains("Betaling achterstallig"));
    assert!(
        page.contains("Factuur 2026-0042"),
        "the reason is kept in the history"
    );
    // Members' hosts have no console.
    let m = app.member("drie").await;
    app.user(&m, "beheer@drie.test", Role::Admin).await;
    let admin = app.login("drie.localhost", "beheer@drie.test").await;
    app.client
        .get("drie.localhost", "/console/abonnementen")
        .session(&admin)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
