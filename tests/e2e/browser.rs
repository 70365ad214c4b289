//! In headless Chromium: log in on two member subdomains and see each one's own name and colour,
//! on a 360 px wide phone screen. Screenshots go to `test-artifacts/browser/`.

use crate::support::{App, PASSWORD};
use std::time::Duration;
use zk_kernel::authz::Role;
use zk_test_support::webdriver::{browser_available, Browser};

async fn serve(app: &App) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let router = zorgklas::app(&app.platform, None).unwrap();
    tokio::spawn(zk_kernel::http::serve(
        listener,
        router,
        std::future::pending(),
    ));
    port
}

fn rgb(hex: &str) -> String {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    format!("rgba({}, {}, {}, 1)", v >> 16, (v >> 8) & 255, v & 255)
}

/// Fills in the login form on the current page with `email` and the fixture password, and submits.
async fn submit_login(browser: &Browser, email: &str) {
    browser
        .find("#email")
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    browser
        .find("#password")
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find("form[action='/inloggen'] button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn learners_of_two_members_see_their_own_portal_on_a_phone() {
    if !browser_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and chromium-driver"
        );
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    }
    let app = App::new().await;
    let members = [
        ("noord", "Zorggroep Noord", "#1d4f91"),
        ("zuid", "Thuiszorg Zuid", "#6a1b6e"),
    ];
    for (slug, name, colour) in members {
        let m = app.member(slug).await;
        let t = app.tenant(m.id).await;
        let input = zk_tenant::domain::branding::BrandingInput {
            name: name.into(),
            primary_color: colour.into(),
            accent_color: "#0b6152".into(),
            welcome_markdown: format!("Welkom bij **{name}**"),
            support_email: None,
        };
        zk_tenant::domain::branding::update(&app.platform, &t, &input)
            .await
            .unwrap();
        app.user(&m, &format!("leerling@{slug}.test"), Role::Learner)
            .await;
    }
    let port = serve(&app).await;
    let dir = zk_test_support::artifacts_dir().join("browser");
    let browser = Browser::start().await.unwrap();
    for (slug, name, colour) in members {
        browser
            .goto(&format!("http://{slug}.localhost:{port}/"))
            .await
            .unwrap();
        browser
            .wait_for_url_contains("/inloggen", Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            browser
                .find("[data-testid=tenant-name]")
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            name
        );
        browser
            .screenshot(&dir.join(format!("{slug}-login.png")))
            .await
            .unwrap();
        submit_login(&browser, &format!("leerling@{slug}.test")).await;
        let welcome = browser.find("[data-testid=welcome]").await.unwrap();
        assert!(welcome.text().await.unwrap().contains(name));
        assert_eq!(
            browser
                .find("[data-testid=tenant-name]")
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            name
        );
        let header = browser.find(".site-header").await.unwrap();
        assert_eq!(
            header.css_value("background-color").await.unwrap(),
            rgb(colour),
            "{slug} header colour"
        );
        let width = browser
            .execute("return document.documentElement.scrollWidth", vec![])
            .await
            .unwrap();
        assert!(
            width.as_u64().unwrap() <= 360,
            "no horizontal scrolling on a 360 px phone: {width}"
        );
        browser
            .screenshot(&dir.join(format!("{slug}-home.png")))
            .await
            .unwrap();
        // Log out so the next member starts as a visitor (cookies are per host anyway).
        browser
            .find("form[action='/uitloggen'] button")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .wait_for_url_contains("/inloggen", Duration::from_secs(5))
            .await
            .unwrap();
    }
    browser.quit().await.unwrap();
}

/// axe-core (npm), installed by `scripts/test.sh` under `.test-peers/`.
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".test-peers/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

/// Runs axe-core's WCAG 2.0/2.1 A and AA rules on the current page; returns the violations.
async fn axe_violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser.execute(axe, vec![]).await.unwrap();
    let result = browser
        .execute(
            "return axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
               .then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
            vec![],
        )
        .await
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_meet_wcag_aa_according_to_axe() {
    if !browser_available() || axe_source().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium, chromium-driver and axe-core"
        );
        eprintln!("skipped: chromium or axe-core not installed");
        return;
    }
    let axe = axe_source().unwrap();
    let app = App::new().await;
    let m = app.member("toegankelijk").await;
    app.user(&m, "admin@toegankelijk.test", Role::Admin).await;
    app.operator("op@nzk.test").await;
    let port = serve(&app).await;
    let browser = Browser::start().await.unwrap();
    let mut failures = Vec::new();

    async fn login(browser: &Browser, base: &str, email: &str) {
        browser.goto(&format!("{base}/inloggen")).await.unwrap();
        submit_login(browser, email).await;
        browser.find("main h1").await.unwrap();
    }

    let member = format!("http://toegankelijk.localhost:{port}");
    browser.goto(&format!("{member}/inloggen")).await.unwrap();
    browser.find("#email").await.unwrap();
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("/inloggen: {v}")),
    );
    login(&browser, &member, "admin@toegankelijk.test").await;
    for path in ["/", "/beheer", "/beheer/huisstijl", "/wachtwoord-vergeten"] {
        browser.goto(&format!("{member}{path}")).await.unwrap();
        browser.find("main h1").await.unwrap();
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("{path}: {v}")),
        );
    }
    // The branding page's live preview follows the colour inputs and reports the contrast.
    browser
        .goto(&format!("{member}/beheer/huisstijl"))
        .await
        .unwrap();
    browser
        .execute(
            "const i = document.getElementById('primary_color'); i.value = '#ffee00';
             i.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
    let header = browser.find("#preview-header").await.unwrap();
    assert_eq!(
        header.css_value("background-color").await.unwrap(),
        "rgba(255, 238, 0, 1)"
    );
    let contrast = browser
        .find("#preview-contrast")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        contrast.contains("te weinig"),
        "preview warns about low contrast: {contrast}"
    );
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/branding-preview.png"))
        .await
        .unwrap();

    let nzk = format!("http://localhost:{port}");
    browser.goto(&nzk).await.unwrap();
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("landing: {v}")),
    );
    login(&browser, &nzk, "op@nzk.test").await;
    for path in ["/console", "/console/leden/toegankelijk", "/console/outbox"] {
        browser.goto(&format!("{nzk}{path}")).await.unwrap();
        browser.find("main h1").await.unwrap();
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("{path}: {v}")),
        );
    }
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/console.png"))
        .await
        .unwrap();
    browser.quit().await.unwrap();
    assert!(
        failures.is_empty(),
        "WCAG violations:\n{}",
        failures.join("\n")
    );
}
