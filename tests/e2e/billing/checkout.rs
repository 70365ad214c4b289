//! Checkout against localstripe: the catalogue synced once, a customer with its BTW number and
//! one subscription per member for every tier, "op factuur" and automatic (card or SEPA), through
//! the API and the member's billing page; bad input leaves no customer behind.

use super::{admin_of, checkout_body, customer_of, online_app, subscriptions_at_stripe};
use crate::support::*;
use time::{Duration, OffsetDateTime};
use zk_test_support::peers::StripePeer;

#[tokio::test]
async fn catalogue_customers_and_subscriptions_of_every_tier_against_localstripe() {
    let peer = StripePeer::start()
        .await
        .expect("localstripe (scripts/test.sh installs it)");
    let app = online_app(&peer).await;
    let op = app.operator("op@nzk.test").await;

    // The catalogue, twice: one product and one yearly plan per tier, under stable ids.
    let first = op
        .post("/api/v1/billing/catalogue/sync")
        .expect(StatusCode::OK)
        .await;
    assert_eq!(first.json()["created"], 8);
    let again = op.post("/api/v1/billing/catalogue/sync").send().await;
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
        let res = admin
            .post("/api/v1/billing/checkout")
            .json(&checkout_body(employees, "invoice"))
            .expect(StatusCode::OK)
            .await;
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
        let res = admin
            .post("/api/v1/billing/checkout")
            .json(&checkout_body(employees, "invoice"))
            .expect(StatusCode::CONFLICT)
            .await;
        assert_eq!(res.error_code(), "already_subscribed");
        assert_eq!(subscriptions_at_stripe(&peer, &customer).await.len(), 1);
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
        let res = admin
            .post("/api/v1/billing/checkout")
            .json(&checkout_body(employees, "automatic"))
            .expect(StatusCode::OK)
            .await;
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
        let s = admin
            .post("/api/v1/billing/checkout/complete")
            .json(&json!({"setup_intent": seti}))
            .expect(StatusCode::OK)
            .await
            .json();
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
        let res = admin
            .post("/api/v1/billing/checkout")
            .json(&b)
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(res.error_field(), field);
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

#[tokio::test]
async fn the_billing_page_subscribes_op_factuur_and_names_the_wrong_field() {
    let peer = StripePeer::start().await.expect("localstripe");
    let app = online_app(&peer).await;
    let (_, admin) = admin_of(&app, "factuur", 300).await;
    let session = admin.login().await;
    let page = session.page("/abonnement").await;
    assert!(page.contains("Abonnement afsluiten"));
    assert!(
        page.contains("250-499 medewerkers"),
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
    let html = session
        .post("/abonnement")
        .form(&fields("NL12"))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await
        .text();
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

    let res = session
        .post("/abonnement")
        .form(&fields(""))
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(res.location().as_deref(), Some("/abonnement?gestart=1"));
    let html = session.get("/abonnement?gestart=1").send().await.text();
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
