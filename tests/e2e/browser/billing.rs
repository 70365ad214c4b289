//! Paying in the member's own portal on a phone: a card through localstripe's Stripe.js, then a
//! SEPA mandate instead, with localstripe's signed webhooks applied; and a member closed for
//! non-payment, whose admin reads what is due and how to pay it on a phone.

use super::*;

/// The label/value pairs of the page's fact lists (`dl.facts`) whose text runs out of its box
/// or into its neighbour: each as `label: value` with the overlap found.
async fn crowded_facts(browser: &Browser) -> Vec<String> {
    let found = browser
        .execute(
            r#"
            const out = [];
            for (const dl of document.querySelectorAll('dl.facts')) {
              for (const dt of dl.querySelectorAll(':scope > dt')) {
                const dd = dt.nextElementSibling;
                if (!dd || dd.tagName !== 'DD') continue;
                const name = dt.textContent.trim() + ': ' + dd.textContent.trim();
                for (const el of [dt, dd]) {
                  if (el.scrollWidth > el.clientWidth + 1) out.push(name + ' (runs out of its box)');
                }
                const a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
                const apart = a.right <= b.left + 1 || b.right <= a.left + 1
                  || a.bottom <= b.top + 1 || b.bottom <= a.top + 1;
                if (!apart) out.push(name + ' (label and value overlap)');
              }
            }
            return out;
            "#,
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_suspended_members_admin_reads_what_is_due_and_the_payment_method_on_a_phone() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let m = app.member("dicht").await;
    m.user("admin@dicht.test", Role::Admin).await;
    // Paid until 20 days ago on a manual plan "op factuur": beyond the grace period, closed.
    let paid_until = (time::OffsetDateTime::now_utc() - time::Duration::days(20)).date();
    op.put("/api/v1/billing/members/dicht/manual-plan")
        .json(
            &json!({"employee_count": 120, "paid_until": paid_until.to_string(), "reason": "test"}),
        )
        .expect(StatusCode::OK)
        .await;
    let port = app.serve().await;
    let base = format!("http://dicht.localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("browser");
    std::fs::create_dir_all(&dir).unwrap();

    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let mut failures = Vec::new();
    // Logging in leads the admin to what is due, not to a closed door.
    browser.log_in(&base, "admin@dicht.test").await;
    browser
        .wait_for_url_contains("/abonnement/betalen", Duration::from_secs(10))
        .await
        .unwrap();
    let due = browser.text_of("[data-testid=due-incl]").await;
    assert_eq!(due, "€ 1.437,48");
    let iban = browser.text_of("[data-testid=iban]").await;
    assert_eq!(iban, "NL00 BANK 0123 4567 89");
    browser
        .screenshot(&dir.join("billing-due-360.png"))
        .await
        .unwrap();
    assert!(browser.fits_the_window().await, "/abonnement/betalen fits");
    assert_eq!(crowded_facts(&browser).await, Vec::<String>::new());
    check_axe(&browser, &axe, "/abonnement/betalen", &mut failures).await;

    // The billing page: "Betaalwijze: Op factuur, binnen 30 dagen" fits beside its label.
    browser.goto(&format!("{base}/abonnement")).await.unwrap();
    let state = browser.text_of("[data-testid=billing-state]").await;
    assert!(state.contains("Opgeschort wegens niet-betaling"), "{state}");
    browser
        .screenshot(&dir.join("billing-method-360.png"))
        .await
        .unwrap();
    assert!(browser.fits_the_window().await, "/abonnement fits");
    assert_eq!(crowded_facts(&browser).await, Vec::<String>::new());
    check_axe(&browser, &axe, "/abonnement (suspended)", &mut failures).await;
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn an_admin_pays_by_card_in_the_members_own_portal_on_a_phone() {
    use zk_kernel::config::{Secret, StripeConfig};
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let peer = zk_test_support::peers::StripePeer::start()
        .await
        .expect("localstripe (scripts/test.sh installs it)");
    let url = peer.url();
    let app = app_with(|c| {
        c.stripe = Some(StripeConfig {
            secret_key: Secret::new("sk_test_zk"),
            publishable_key: "pk_test_zk".into(),
            api_base: Some(url.clone()),
            js_url: format!("{url}/js.stripe.com/v3/"),
            webhook_secret: Some(Secret::new("whsec_browser")),
        });
    })
    .await;
    let m = app.member("betaalt").await;
    m.user("admin@betaalt.test", Role::Admin).await;
    let port = app.serve().await;
    // localstripe signs and delivers its own events to our endpoint, as Stripe would.
    peer.register_webhook(
        &format!("http://localhost:{port}/api/v1/billing/webhooks/stripe"),
        "whsec_browser",
    )
    .await
    .unwrap();

    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://betaalt.localhost:{port}");
    browser.log_in(&base, "admin@betaalt.test").await;
    browser.goto(&format!("{base}/abonnement")).await.unwrap();
    browser.find("[data-testid=checkout-submit]").await.unwrap();
    let mut failures: Vec<String> = axe_violations(&browser, &axe)
        .await
        .into_iter()
        .map(|v| format!("/abonnement: {v}"))
        .collect();
    let dir = zk_test_support::artifacts_dir().join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    browser
        .screenshot(&dir.join("billing-checkout-360.png"))
        .await
        .unwrap();

    let count = browser.find("#employee_count").await.unwrap();
    count.clear().await.unwrap();
    count.send_keys("120").await.unwrap();
    for (field, value) in [
        ("#billing_name", "Betaalt Zorg BV"),
        ("#billing_email", "facturen@betaalt.test"),
        ("#address_line", "Zorgplein 2"),
        ("#postal_code", "3511 AB"),
        ("#city", "Utrecht"),
        ("#vat_number", "NL823456789B01"),
    ] {
        browser.fill(field, value).await;
    }
    browser
        .click("input[name=collection][value=automatic]")
        .await;
    browser.click("[data-testid=checkout-submit]").await;

    // The payment step: our page, localstripe's fake Stripe.js card element inside it.
    browser
        .find("#kaart input[placeholder=number]")
        .await
        .unwrap();
    check_axe_except(&browser, &axe, "#kaart", "payment step", &mut failures).await;
    assert!(browser.fits_the_window().await, "the payment step fits");
    for (placeholder, value) in [
        ("number", "4242424242424242"),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "3511AB"),
    ] {
        browser
            .fill(&format!("#kaart input[placeholder={placeholder}]"), value)
            .await;
    }
    browser
        .screenshot(&dir.join("billing-pay-360.png"))
        .await
        .unwrap();
    browser.click("[data-testid=pay-submit]").await;
    browser
        .wait_for_url_contains("/abonnement?betaald=1", Duration::from_secs(15))
        .await
        .unwrap();
    let state = browser.text_of("[data-testid=billing-state]").await;
    assert!(
        state.contains("Actief"),
        "the portal shows the member active: {state}"
    );
    let tier = browser.text_of("[data-testid=billing-tier]").await;
    assert!(tier.contains("50-249"));
    let invoices = browser.text_of("[data-testid=invoices]").await;
    assert!(invoices.contains("€ 1.437,48"), "{invoices}");
    assert!(invoices.contains("Betaald"), "{invoices}");
    browser
        .screenshot(&dir.join("billing-active-360.png"))
        .await
        .unwrap();
    check_axe(&browser, &axe, "/abonnement (active)", &mut failures).await;

    // The admin replaces the card by a SEPA direct debit mandate: the IBAN goes to Stripe.
    browser.click("[data-testid=replace-method]").await;
    browser.click("[data-testid=choose-sepa]").await;
    check_axe_except(
        &browser,
        &axe,
        "#kaart",
        "payment step (SEPA)",
        &mut failures,
    )
    .await;
    browser.fill("#iban", "NL12 GEEN").await;
    browser.click("[data-testid=pay-submit]").await;
    let message = browser.text_of("#betaal-fout").await;
    assert!(message.contains("geldig IBAN"), "{message}");
    browser.find("#iban").await.unwrap().clear().await.unwrap();
    browser.fill("#iban", "NL91 ABNA 0417 1643 00").await;
    browser
        .screenshot(&dir.join("billing-sepa-360.png"))
        .await
        .unwrap();
    browser.click("[data-testid=pay-submit]").await;
    browser
        .wait_for_url_contains("/abonnement?betaald=1", Duration::from_secs(15))
        .await
        .unwrap();
    let mut owner = app.db.owner().await.unwrap();
    let customer: String = sqlx::query_scalar("SELECT stripe_customer_id FROM billing.accounts")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    let c = peer
        .call(
            reqwest::Method::GET,
            &format!("/v1/customers/{customer}"),
            &[],
        )
        .await
        .unwrap();
    let pm = c["invoice_settings"]["default_payment_method"]
        .as_str()
        .unwrap()
        .to_owned();
    let pm = peer
        .call(
            reqwest::Method::GET,
            &format!("/v1/payment_methods/{pm}"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(pm["type"], "sepa_debit", "{pm}");
    browser.quit().await.unwrap();

    // localstripe's own signed deliveries reach us and are applied (or recognised as replays).
    let mut delivered = 0;
    for _ in 0..50 {
        delivered = app.count("billing.webhook_events").await;
        if delivered > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(delivered > 0, "localstripe's webhooks verified and applied");
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}
