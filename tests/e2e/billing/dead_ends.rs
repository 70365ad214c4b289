//! Billing without dead ends: a member closed for non-payment sends its admins to what is due
//! (excl. and incl. BTW), how to pay it (NZK's account from the configuration with the invoice
//! number as reference, or "Nu betalen" online) and whom to ask; its care workers read a plain
//! message without codes; the operators' member page shows the subscription.

use super::{admin_of, checkout_body, day, manual_plan, online_app};
use crate::support::*;
use zk_billing::service;
use zk_kernel::config::BillingPayee;
use zk_test_support::peers::StripePeer;

/// The closed door as a care worker reads it, for the member named `Zorg {slug}`.
fn closed_message(slug: &str) -> String {
    format!(
        "Het leerplatform van Zorg {slug} is tijdelijk niet beschikbaar. Neem contact op met uw opleidingsadviseur of leidinggevende."
    )
}

/// NZK's account and contact as a deployment configures them.
fn payee() -> BillingPayee {
    BillingPayee {
        iban: "NL91 ABNA 0417 1643 00".into(),
        beneficiary: "Stichting NZK Test".into(),
        contact_email: "geld@nzk.test".into(),
        contact_phone: "+31 30 765 43 21".into(),
    }
}

/// The member `slug`'s closed portal, suspended by the billing job a grace period after its
/// payment fell due.
async fn suspend_for_non_payment(app: &TestApp, m: &Member) {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "UPDATE billing.accounts SET state = 'past_due', past_due_since = now() - interval '15 days'
         WHERE tenant_id = $1",
    )
    .bind(m.id.0)
    .execute(&mut owner)
    .await
    .unwrap();
    assert_eq!(service::run_clock(&app.platform).await.unwrap(), 1);
    assert!(m.tenant().await.suspended_by_billing);
}

#[tokio::test]
async fn a_suspended_manual_member_shows_its_admin_what_is_due_and_its_staff_a_plain_message() {
    let app = app_with(|c| c.billing_payee = payee()).await;
    let op = app.operator("op@nzk.test").await;
    let (m, admin) = admin_of(&app, "noord", 120).await;
    let (learner, teacher, author) = (m.learner().await, m.teacher().await, m.author().await);
    manual_plan(&op, "noord", 120, &day(-20))
        .await
        .assert_status(StatusCode::OK);
    assert!(m.tenant().await.suspended_by_billing);

    // The admin is led from every closed page to what is due and how to pay it.
    let session = admin.login().await;
    for path in ["/", "/beheer", "/leren"] {
        let res = session.get(path).expect(StatusCode::SEE_OTHER).await;
        assert_eq!(
            res.location().as_deref(),
            Some("/abonnement/betalen"),
            "{path}"
        );
    }
    let page = session.page("/abonnement/betalen").await;
    for (what, expected) in [
        ("the member", "Het leerplatform van Zorg noord is gesloten"),
        ("excl. BTW: the year of tier 50-249", "€ 1.188,00"),
        ("the BTW", "€ 249,48"),
        ("incl. BTW", "€ 1.437,48"),
        ("the configured IBAN", "NL91 ABNA 0417 1643 00"),
        ("the configured beneficiary", "Stichting NZK Test"),
        (
            "the reference of a manual plan",
            "het factuurnummer op de factuur van de Nationale Zorgklas",
        ),
        ("the configured e-mail", "href=\"mailto:geld@nzk.test\""),
        ("the configured phone", "href=\"tel:+31307654321\""),
    ] {
        assert!(page.contains(expected), "{what}: {expected}");
    }
    assert!(
        !page.contains("data-testid=\"pay-now\""),
        "billing offline: no online payment"
    );

    // Care workers, signed in or not, read a plain message: no code, no machine words.
    for user in [&learner, &teacher, &author] {
        let res = user
            .login()
            .await
            .get("/")
            .expect(StatusCode::FORBIDDEN)
            .await;
        let html = res.text();
        assert!(html.contains(&closed_message("noord")), "{html}");
        for machine in [
            "tenant_unpaid",
            "error-code",
            "(403)",
            "Referentie voor de helpdesk",
        ] {
            assert!(!html.contains(machine), "{machine} shown");
        }
        assert!(
            !html.contains("/inloggen?terug="),
            "signed in: no admin login"
        );
    }
    let html = m.visitor().get("/leren").send().await.text();
    assert!(html.contains(&closed_message("noord")));
    assert!(!html.contains("tenant_unpaid"));
    assert!(
        html.contains("/inloggen?terug=/abonnement/betalen"),
        "a visitor may be an admin who still has to log in"
    );
    // The API keeps its machine code for clients.
    let api = learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::FORBIDDEN)
        .await;
    assert_eq!(api.error_code(), "tenant_unpaid");

    // The operator sees the member's subscription on its page, with the way to its billing.
    let console = op.login().await.page("/console/leden/noord").await;
    for (what, expected) in [
        ("tier", "50-249 medewerkers"),
        ("state", "Opgeschort wegens niet-betaling"),
        ("open amount: what the admin is asked", "€ 1.437,48"),
        ("no invoice on a manual plan", "nog geen factuur"),
        ("the link", "href=\"/console/abonnementen/noord\""),
    ] {
        assert!(console.contains(expected), "{what}: {expected}");
    }

    // Paid: the admin's pages open again, and the due page says nothing is open.
    manual_plan(&op, "noord", 120, &day(300))
        .await
        .assert_status(StatusCode::OK);
    session.page("/beheer").await;
    let page = session.page("/abonnement/betalen").await;
    assert!(page.contains("data-testid=\"nothing-due\""));
    let console = op.login().await.page("/console/leden/noord").await;
    assert!(console.contains("€ 0,00") && console.contains(">Actief<"));
}

#[tokio::test]
async fn an_admin_pays_the_open_invoice_now_and_the_portal_opens_again() {
    let peer = StripePeer::start().await.expect("localstripe");
    let app = online_app(&peer).await;
    let op = app.operator("op@nzk.test").await;
    let (m, admin) = admin_of(&app, "zuid", 120).await;
    let learner = m.learner().await;
    admin
        .post("/api/v1/billing/checkout")
        .json(&checkout_body(120, "invoice"))
        .expect(StatusCode::OK)
        .await;
    let invoice: String = {
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query_scalar("SELECT stripe_invoice_id FROM billing.invoices WHERE tenant_id = $1")
            .bind(m.id.0)
            .fetch_one(&mut owner)
            .await
            .unwrap()
    };
    suspend_for_non_payment(&app, &m).await;

    // The open invoice: its amounts, its number as the payment reference, and "Nu betalen".
    let session = admin.login().await;
    let page = session.page("/abonnement/betalen").await;
    for (what, expected) in [
        ("excl. BTW", "€ 1.188,00"),
        ("incl. BTW", "€ 1.437,48"),
        ("the demo IBAN by default", "NL00 BANK 0123 4567 89"),
        ("the demo beneficiary", "Stichting Nationale Zorgklas"),
        (
            "the reference",
            &format!("data-testid=\"reference\">{invoice}<"),
        ),
        ("pay now", "action=\"/abonnement/nu-betalen\""),
        ("contact", "facturatie@zorgklas.localhost"),
    ] {
        assert!(page.contains(expected), "{what}: {expected}");
    }
    let billing = session.page("/abonnement").await;
    assert!(billing.contains("href=\"/abonnement/betalen\""));

    // The operator sees the suspension, the open amount and the last invoice with its date.
    let console = op.login().await.page("/console/leden/zuid").await;
    let today = zk_kernel::text::dutch_date(zk_kernel::text::amsterdam_today());
    for expected in [
        "50-249 medewerkers",
        "Opgeschort wegens niet-betaling",
        "€ 1.437,48",
        "1 openstaande factuur",
        &format!("{invoice} · {today} · € 1.437,48 · Openstaand"),
        "href=\"/console/abonnementen/zuid\"",
    ] {
        assert!(console.contains(expected), "{expected}");
    }

    // "Nu betalen": the payment step, a card confirmed by Stripe.js, and the invoice paid.
    let step = session
        .post("/abonnement/nu-betalen")
        .form(&[])
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(step.contains("name=\"openstaand\" value=\"1\""));
    let secret = step
        .split("data-client-secret=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let seti = secret.split("_secret_").next().unwrap().to_owned();
    let confirmed = peer
        .call(
            Method::POST,
            &format!("/v1/setup_intents/{seti}/confirm"),
            &[
                ("payment_method_data[type]", "card"),
                ("payment_method_data[card][number]", "4242424242424242"),
                ("payment_method_data[card][exp_month]", "12"),
                ("payment_method_data[card][exp_year]", "2031"),
                ("payment_method_data[card][cvc]", "123"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
    let res = session
        .post("/abonnement/betaald")
        .form(&[("setup_intent", &seti), ("openstaand", "1")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(res.location().as_deref(), Some("/abonnement?betaald=1"));
    let paid = peer
        .call(Method::GET, &format!("/v1/invoices/{invoice}"), &[])
        .await
        .unwrap();
    assert_eq!(paid["status"], "paid", "{paid}");
    assert!(m.tenant().await.is_active(), "open again at once");
    learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await;
    let console = op.login().await.page("/console/leden/zuid").await;
    assert!(console.contains("€ 0,00"), "nothing open any more");
    assert!(console.contains(&format!("{invoice} · {today} · € 1.437,48 · Betaald")));
}
