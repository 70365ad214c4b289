//! Billing offline: a manual plan an operator records drives access (past due, suspended, back),
//! the clock moves it, operators see every member in the console, only a member's own admins
//! reach its billing, and bad input is refused by field.

use super::{admin_of, checkout_body, day, manual_plan, state};
use crate::support::*;
use zk_billing::service;

#[tokio::test]
async fn a_manual_plan_drives_access_past_due_suspended_and_back() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let m = app.member("noord").await;
    let admin = m.admin().await;
    let learner = m.learner().await;

    // No plan yet: state none, billing offline, the portal open.
    let s = state(&admin).await;
    assert_eq!(s["state"], "none");
    assert_eq!(s["offline"], true);

    let res = manual_plan(&op, "noord", 120, &day(200)).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["state"], "active");
    assert_eq!(res.json()["plan"]["tier"], "50-249");
    assert_eq!(res.json()["plan"]["yearly_excl_vat_cents"], 118_800);
    assert_eq!(res.json()["paid_until"], day(200), "a day as YYYY-MM-DD");

    // Paid until yesterday: past due; learners keep learning, admins see the banner.
    manual_plan(&op, "noord", 120, &day(-1))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(state(&admin).await["state"], "past_due");
    let learner_session = learner.login().await;
    let home = learner_session.page("/").await;
    assert!(!home.contains("billing-banner"));
    let home = admin.login().await.page("/").await;
    assert!(
        home.contains("data-testid=\"billing-banner\""),
        "admins see the banner"
    );
    learner.get("/api/v1/me").expect(StatusCode::OK).await;

    // Beyond the 14 days of grace: suspended. Learners are out; admins can still log in and pay.
    manual_plan(&op, "noord", 120, &day(-20))
        .await
        .assert_status(StatusCode::OK);
    let res = learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::FORBIDDEN)
        .await;
    assert_eq!(res.error_code(), "tenant_unpaid");
    let page = learner_session.get("/").expect(StatusCode::FORBIDDEN).await;
    assert!(page
        .text()
        .contains("Het leerplatform van Zorg noord is tijdelijk niet beschikbaar"));
    let admin_session = admin.login().await;
    let page = admin_session.page("/abonnement").await;
    assert!(page.contains("Opgeschort wegens niet-betaling"));
    let res = admin_session
        .get("/beheer")
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(
        res.location().as_deref(),
        Some("/abonnement/betalen"),
        "the admin is led to what is due, not to a closed door"
    );
    // A learner can't reach billing even while it stays open.
    learner
        .get("/api/v1/billing/subscription")
        .expect(StatusCode::FORBIDDEN)
        .await;

    // Paid: active again at once.
    manual_plan(&op, "noord", 120, &day(365))
        .await
        .assert_status(StatusCode::OK);
    learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await;
    let s = state(&admin).await;
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
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let m = app.member("west").await;
    manual_plan(&op, "west", 10, &day(0))
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
    assert!(m.tenant().await.is_active(), "open during the grace period");
    assert_eq!(m.tenant().await.billing_state, "past_due");
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
    assert!(!m.tenant().await.is_active());
    assert!(m.tenant().await.suspended_by_billing);

    // An operator's suspension stays when the member pays.
    op.post("/api/v1/tenants/west/suspend")
        .expect(StatusCode::OK)
        .await;
    manual_plan(&op, "west", 10, &day(100))
        .await
        .assert_status(StatusCode::OK);
    let t = m.tenant().await;
    assert!(!t.is_active(), "the operator's suspension is kept");
    assert!(!t.suspended_by_billing);
}

#[tokio::test]
async fn bad_billing_input_is_refused_by_field_and_writes_nothing() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    app.member("zuid").await;
    for (employees, paid_until, field) in [
        (-1, day(10), "employee_count"),
        (5_000_000, day(10), "employee_count"),
        (10, "31-12-2027".to_owned(), "paid_until"),
    ] {
        let res = manual_plan(&op, "zuid", employees, &paid_until).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.error_field(), field);
        assert!(!res.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let res = op
        .put("/api/v1/billing/tiers/9")
        .json(&json!({"monthly_cents": 5000}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(res.error_code(), "unknown_tier");
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("bestaat niet"));
    let res = op
        .put("/api/v1/billing/tiers/1")
        .json(&json!({"monthly_cents": -5}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "monthly_cents");
    // Offline: a checkout is refused with a clear reason.
    let admin = app.member("oost").await.admin().await;
    let res = admin
        .post("/api/v1/billing/checkout")
        .json(&checkout_body(10, "invoice"))
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "billing_offline");
    assert_eq!(app.count("billing.accounts").await, 0);
    assert_eq!(app.count("billing.state_changes").await, 0);
    // Tiers are data: an operator's price change gives the tier a new plan version.
    let res = op
        .put("/api/v1/billing/tiers/2")
        .json(&json!({"monthly_cents": 10_900}))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(res.json()["price_version"], 2);
    let tiers = app
        .visitor("")
        .get("/api/v1/billing/tiers")
        .send()
        .await
        .json();
    assert_eq!(tiers[1]["plan_id"], "zk-tier-2-yearly-v2");
    assert_eq!(tiers[1]["yearly_excl_vat_cents"], 130_800);
}

#[tokio::test]
async fn only_a_members_own_admins_reach_its_billing() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let a = app.member("huis-a").await;
    let b = app.member("huis-b").await;
    let admin_a = a.admin().await;
    let admin_b = b.admin().await;
    manual_plan(&op, "huis-b", 300, &day(30))
        .await
        .assert_status(StatusCode::OK);
    for (role, email) in [
        (Role::Learner, "l@huis-a.test"),
        (Role::Teacher, "t@huis-a.test"),
        (Role::Author, "au@huis-a.test"),
    ] {
        let user = a.user(email, role).await;
        for path in ["/api/v1/billing/subscription", "/api/v1/billing/plan"] {
            user.get(path).expect(StatusCode::FORBIDDEN).await;
        }
        user.login()
            .await
            .get("/abonnement")
            .expect(StatusCode::FORBIDDEN)
            .await;
    }
    // A's admin on B's host: the token is not B's.
    b.visitor()
        .get("/api/v1/billing/subscription")
        .bearer(admin_a.token())
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    // A's admin can't use the operators' routes (on either host), nor see B's plan on its own.
    for host in ["huis-a", ""] {
        let visitor = app.visitor(host);
        let res = visitor
            .put("/api/v1/billing/members/huis-b/manual-plan")
            .bearer(admin_a.token())
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
        let res = visitor
            .get("/api/v1/billing/members")
            .bearer(admin_a.token())
            .send()
            .await;
        assert!(matches!(
            res.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED
        ));
    }
    let s = state(&admin_a).await;
    assert_eq!(s["state"], "none");
    assert_eq!(s["invoices"], json!([]));
    let b_state = state(&admin_b).await;
    assert_eq!(b_state["state"], "active", "B unchanged");
    assert_eq!(b_state["plan"]["tier"], "250-499");
    // Operators see every member, with MRR and ARR.
    let o = op
        .get("/api/v1/billing/members")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(o["mrr_cents"], 26_000);
    assert_eq!(o["arr_cents"], 312_000);
    assert_eq!(o["renewals_next_30_days"], 1);
    let csv = op
        .get("/api/v1/billing/members.csv")
        .expect(StatusCode::OK)
        .await;
    assert!(csv.text().contains("huis-b;active;manual;250-499"));
}

#[tokio::test]
async fn operators_see_billing_in_the_console_and_record_a_manual_plan() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    app.member("een").await;
    app.member("twee").await;
    manual_plan(&op, "een", 600, &day(10))
        .await
        .assert_status(StatusCode::OK);
    let s = op.login().await;
    let html = s.page("/console/abonnementen").await;
    assert!(
        html.contains("€ 390,00"),
        "MRR: {}",
        &html[html.find("<main").unwrap_or(0)..][..800]
    );
    assert!(html.contains("€ 4.680,00"), "ARR");
    assert!(html.contains("Zorg een") && html.contains("Zorg twee"));
    let filtered = s
        .get("/console/abonnementen?staat=active")
        .send()
        .await
        .text();
    assert!(filtered.contains("Zorg een") && !filtered.contains("Zorg twee"));

    // A bad form is shown again with the field marked, and nothing is written.
    let res = s
        .post("/console/abonnementen/twee")
        .form(&[
            ("employee_count", "veel"),
            ("paid_until", ""),
            ("reason", ""),
        ])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("aria-invalid=\"true\""));
    assert_eq!(
        app.count("billing.accounts").await,
        1,
        "only the first member's plan"
    );
    s.post("/console/abonnementen/twee")
        .form(&[
            ("employee_count", "45"),
            ("paid_until", &day(-3)),
            ("reason", "Factuur 2026-0042"),
        ])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let page = s
        .get("/console/abonnementen/twee?opgeslagen=1")
        .send()
        .await
        .text();
    assert!(page.contains("Betaling achterstallig"));
    assert!(
        page.contains("Factuur 2026-0042"),
        "the reason is kept in the history"
    );
    // Members' hosts have no console.
    admin_of(&app, "drie", 120)
        .await
        .1
        .login()
        .await
        .get("/console/abonnementen")
        .expect(StatusCode::FORBIDDEN)
        .await;
}
