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

/// Logs out through the menu (opened first where the phone layout hides it behind a button).
async fn logout(browser: &Browser) {
    let button = browser.find(".menu-button").await.unwrap();
    if button.css_value("display").await.unwrap() != "none" {
        button.click().await.unwrap();
        assert_eq!(
            button.attr("aria-expanded").await.unwrap().as_deref(),
            Some("true")
        );
    }
    browser
        .find("form[action='/uitloggen'] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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
        // On a phone the header is one row: the name (always visible) and a menu button.
        let height = browser
            .execute(
                "return document.querySelector('.site-header').getBoundingClientRect().height;",
                vec![],
            )
            .await
            .unwrap();
        assert!(height.as_f64().unwrap() < 80.0, "one-row header: {height}");
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
        logout(&browser).await;
        browser
            .wait_for_url_contains("/inloggen", Duration::from_secs(5))
            .await
            .unwrap();
    }
    browser.quit().await.unwrap();
}

/// axe-core's source when Chromium and axe-core are installed; `None` (the test is skipped)
/// outside CI without them. In CI both must be there.
fn browser_and_axe() -> Option<String> {
    if browser_available() {
        if let Some(axe) = axe_source() {
            return Some(axe);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install chromium, chromium-driver and axe-core"
    );
    eprintln!("skipped: chromium or axe-core not installed");
    None
}

/// axe-core (npm), installed by `scripts/test.sh` under `.test-peers/`.
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".test-peers/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(path).ok()
}

/// Runs axe-core's WCAG 2.0/2.1 A and AA rules on the current page; returns the violations.
async fn axe_violations(browser: &Browser, axe: &str) -> Vec<String> {
    axe_run(browser, axe, None).await
}

/// axe-core on the current page, leaving out the element `exclude` (a third party's widget).
async fn axe_violations_except(browser: &Browser, axe: &str, exclude: &str) -> Vec<String> {
    axe_run(browser, axe, Some(exclude)).await
}

async fn axe_run(browser: &Browser, axe: &str, exclude: Option<&str>) -> Vec<String> {
    browser.execute(axe, vec![]).await.unwrap();
    let result = browser
        .execute(
            "const context = arguments[0] ? { exclude: [[arguments[0]]] } : document;
             return axe.run(context, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
               .then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
            vec![serde_json::json!(exclude)],
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
    let Some(axe) = browser_and_axe() else {
        return;
    };
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
    // "Toon wachtwoord" shows what was typed, and says so to screen readers.
    let toggle = browser.find("[data-show-password=password]").await.unwrap();
    toggle.click().await.unwrap();
    let field = browser.find("#password").await.unwrap();
    assert_eq!(field.attr("type").await.unwrap().as_deref(), Some("text"));
    assert_eq!(
        toggle.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    toggle.click().await.unwrap();
    assert_eq!(
        field.attr("type").await.unwrap().as_deref(),
        Some("password")
    );
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("/inloggen: {v}")),
    );
    login(&browser, &member, "admin@toegankelijk.test").await;
    for path in [
        "/",
        "/beheer",
        "/beheer/huisstijl",
        "/abonnement",
        "/wachtwoord-vergeten",
    ] {
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
    // A care worker finds their employer's portal by name.
    browser
        .find("#zoek")
        .await
        .unwrap()
        .send_keys("toegank")
        .await
        .unwrap();
    browser
        .find("form[role=search] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let found = browser
        .find("[data-testid=portal-results] a")
        .await
        .unwrap();
    assert!(found
        .attr("href")
        .await
        .unwrap()
        .unwrap()
        .contains("toegankelijk.localhost"));
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("landing with results: {v}")),
    );
    // A host that is no portal: a styled page (the stylesheet loads there) that leads to NZK.
    browser
        .goto(&format!("http://bestaat-niet.localhost:{port}/ergens"))
        .await
        .unwrap();
    let header = browser.find(".site-header").await.unwrap();
    assert_eq!(
        header.css_value("background-color").await.unwrap(),
        rgb("#1d4f91"),
        "app.css is applied on an unknown host"
    );
    let way_on = browser
        .find("main a")
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(way_on.starts_with("http://localhost"), "{way_on}");
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("unknown host: {v}")),
    );
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/unknown-host-360.png"))
        .await
        .unwrap();
    login(&browser, &nzk, "op@nzk.test").await;
    for path in [
        "/console",
        "/console/leden/toegankelijk",
        "/console/outbox",
        "/leren/redactie",
        "/leren/auteur",
        "/leren/voorstellen",
        "/leren/platformoverzicht",
        "/console/abonnementen",
        "/console/abonnementen?staat=none",
        "/console/abonnementen/toegankelijk",
    ] {
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

/// Sends `body` as JSON with a bearer token and returns the response body (asserting `status`).
async fn api(
    app: &App,
    method: http::Method,
    host: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
    status: http::StatusCode,
) -> serde_json::Value {
    let res = app
        .client
        .request(method, host, path)
        .bearer(token)
        .json(&body)
        .send()
        .await;
    res.assert_status(status);
    serde_json::from_slice(&res.body).unwrap_or_default()
}

#[tokio::test]
async fn content_pages_work_on_a_phone_and_meet_wcag_aa() {
    use http::{Method, StatusCode};
    use serde_json::json;
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = App::new().await;
    let m = app.member("leeraanbod").await;
    let admin_id = app.user(&m, "admin@leeraanbod.test", Role::Admin).await;
    let admin = app.token(&m, "admin@leeraanbod.test").await;
    let (_, operator) = app.operator("redactie@nzk.test").await;
    let post = Method::POST;
    let created = StatusCode::CREATED;
    // A shared module in two versions (the second drops a block the member anchored to), adopted
    // in review mode; and an own module with a quiz.
    let v1 = api(&app, post.clone(), "", "/api/v1/content/modules", &operator, json!({
        "title": "Medicatie veilig toedienen", "summary": "De vijf juistheden.", "minutes": 30, "mbo_level": 3,
        "tags": ["medicatie"], "blocks": [
            {"type": "text", "markdown": "## De vijf juistheden\n\nControleer **elke keer** cliënt, medicijn, dosis, tijdstip en toedieningsweg."},
            {"type": "text", "markdown": "Dubbele controle bij risicovolle medicatie."},
            {"type": "link", "url": "https://www.zorgvoorbeter.nl", "label": "Zorg voor Beter"}]}), created).await;
    let shared = v1["id"].as_str().unwrap().to_owned();
    let publish = format!("/api/v1/content/modules/{shared}/publish");
    api(
        &app,
        post.clone(),
        "",
        &publish,
        &operator,
        json!({"change_note": "Eerste versie"}),
        created,
    )
    .await;
    let blocks = v1["draft"]["blocks"].clone();
    api(&app, Method::PUT, "leeraanbod", &format!("/api/v1/content/adoptions/{shared}"), &admin, json!({
        "follow": "review", "intro_markdown": "Bij ons tekent u af in het **eHealth-dossier**.",
        "accents": [{"anchor": blocks[1]["id"], "position": "after", "block": {"type": "text", "markdown": "Bel bij twijfel toestel 2100."}}]}), StatusCode::OK).await;
    let mut doc = v1["draft"].clone();
    doc["blocks"] = json!([blocks[0], blocks[2]]);
    api(
        &app,
        Method::PUT,
        "",
        &format!("/api/v1/content/modules/{shared}"),
        &operator,
        doc,
        StatusCode::OK,
    )
    .await;
    api(
        &app,
        post.clone(),
        "",
        &publish,
        &operator,
        json!({"change_note": "Korter"}),
        created,
    )
    .await;
    let own = api(&app, post.clone(), "leeraanbod", "/api/v1/content/modules", &admin, json!({
        "title": "Welkom bij Leeraanbod", "minutes": 10, "blocks": [
            {"type": "text", "markdown": "Welkom! Zo werken wij."},
            {"type": "quiz", "pass_mark": 100, "questions": [{"prompt": "Wie belt u bij twijfel?", "options": [
                {"text": "De dienstdoende verpleegkundige", "correct": true}, {"text": "Niemand"}]}]}]}), created).await;
    let own = own["id"].as_str().unwrap().to_owned();
    api(
        &app,
        post,
        "leeraanbod",
        &format!("/api/v1/content/modules/{own}/publish"),
        &admin,
        json!({"change_note": "Eerste versie"}),
        created,
    )
    .await;

    // The admin is enrolled in the own module: its page shows progress and the quiz as a form.
    api(
        &app,
        Method::POST,
        "leeraanbod",
        "/api/v1/learning/enrolments",
        &admin,
        json!({"user_id": admin_id, "module_id": own}),
        created,
    )
    .await;
    // Two shared paths: one adopted with the own module added after the shared one, one not.
    let mut paths = Vec::new();
    for title in ["Veilig werken", "Dementiezorg"] {
        let path = api(&app, Method::POST, "", "/api/v1/content/paths", &operator,
            json!({"title": title, "summary": "De basis.", "modules": [shared], "optional": [shared]}), created).await;
        let path = path["id"].as_str().unwrap().to_owned();
        let publish = format!("/api/v1/content/paths/{path}/publish");
        api(
            &app,
            Method::POST,
            "",
            &publish,
            &operator,
            json!({"change_note": "Eerste versie"}),
            created,
        )
        .await;
        paths.push(path);
    }
    let (adopted_path, other_path) = (paths[0].clone(), paths[1].clone());
    api(
        &app,
        Method::PUT,
        "leeraanbod",
        &format!("/api/v1/content/path-adoptions/{adopted_path}"),
        &admin,
        json!({
        "intro_markdown": "Begin met **onze** welkomstmodule.",
        "accents": [{"anchor": shared, "position": "before", "module": own}]}),
        StatusCode::OK,
    )
    .await;

    let port = serve(&app).await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://leeraanbod.localhost:{port}");
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    submit_login(&browser, "admin@leeraanbod.test").await;
    browser.find("main h1").await.unwrap();
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (name, path) in [
        ("catalogue", "/leren".to_owned()),
        ("search", "/leren?q=medicijnen&level=3".to_owned()),
        ("module-adopted", format!("/leren/modules/{shared}")),
        ("module-own", format!("/leren/modules/{own}")),
        (
            "module-enrol",
            format!("/leren/modules/{own}/inschrijvingen"),
        ),
        ("content-dashboard", "/leren/beheer".to_owned()),
        (
            "overlay-editor",
            format!("/leren/beheer/overnames/{shared}"),
        ),
        ("proposals", "/leren/voorstellen".to_owned()),
        ("candidates", "/leren/inzendingen".to_owned()),
        ("author-list", "/leren/auteur".to_owned()),
        ("author-editor", format!("/leren/auteur/{own}")),
        ("author-paths", "/leren/auteur/trajecten".to_owned()),
        ("path-adopted", format!("/leren/trajecten/{adopted_path}")),
        (
            "path-enrol",
            format!("/leren/trajecten/{adopted_path}/inschrijvingen"),
        ),
        ("path-to-adopt", format!("/leren/trajecten/{other_path}")),
        (
            "path-overlay-editor",
            format!("/leren/beheer/trajecten/{adopted_path}"),
        ),
        ("learning-overview", "/leren/overzicht".to_owned()),
        ("groups", "/leren/groepen".to_owned()),
        ("passport", "/leren/paspoort".to_owned()),
    ] {
        browser.goto(&format!("{base}{path}")).await.unwrap();
        browser.find("main h1").await.unwrap();
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("{path}: {v}")),
        );
        let overflow = browser
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        if overflow.as_i64().unwrap_or(0) > 0 {
            failures.push(format!("{path}: wider than the phone by {overflow} px"));
        }
        browser
            .screenshot(&dir.join(format!("{name}-360.png")))
            .await
            .unwrap();
    }
    // The search found the module, in Dutch.
    browser
        .goto(&format!("{base}/leren?q=medicijnen"))
        .await
        .unwrap();
    let results = browser
        .find("[data-testid=catalog]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(results.contains("Medicatie veilig toedienen"), "{results}");
    // The dashboard shows the split and the orphan, and accepting the waiting version works.
    browser.goto(&format!("{base}/leren/beheer")).await.unwrap();
    let share = browser
        .find("[data-testid=own-share]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(share.contains("50% eigen"), "{share}");
    browser
        .find("form[action$='/accepteren'] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = browser
        .find("[data-testid=flash]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flash.contains("Versie 2"), "{flash}");
    let orphans = browser
        .find("[data-testid=orphans]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(orphans.contains("1 eigen blokken"), "{orphans}");
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("/leren/beheer (after accepting): {v}")),
    );
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "problems:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn an_author_builds_a_module_with_an_uploaded_image_on_a_phone() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    // Small multipart threshold, so the 12 MB picture goes up in three parts and the bar moves.
    let app = App::with_config(|c| {
        c.media_multipart_threshold = 1 << 20;
        c.media_part_size = 5 << 20;
    })
    .await;
    let m = app.member("schrijvers").await;
    app.user(&m, "auteur@schrijvers.test", Role::Author).await;
    let port = serve(&app).await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://schrijvers.localhost:{port}");
    let mut failures = Vec::new();
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    submit_login(&browser, "auteur@schrijvers.test").await;
    browser.find("main h1").await.unwrap();

    browser.goto(&format!("{base}/leren/auteur")).await.unwrap();
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("/leren/auteur: {v}")),
    );
    browser
        .find("#title")
        .await
        .unwrap()
        .send_keys("Valpreventie thuis")
        .await
        .unwrap();
    browser
        .find("form[action='/leren/auteur'] button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let editor = browser
        .wait_for_url_contains("/leren/auteur/", Duration::from_secs(10))
        .await
        .unwrap();
    let open_all = "document.querySelectorAll('details').forEach(function (d) { d.open = true; });";

    // A text block.
    browser
        .find("#nieuw-tekst")
        .await
        .unwrap()
        .send_keys("Ruim **losse kleden** op.")
        .await
        .unwrap();
    browser
        .find("[data-testid=add-text] button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_url_contains("opgeslagen=1", Duration::from_secs(10))
        .await
        .unwrap();

    // An image, uploaded straight to the store with a progress bar.
    let mut picture = b"\x89PNG\r\n\x1a\n".to_vec();
    picture.resize(12 << 20, 0x55);
    let path = std::env::temp_dir().join(format!("zk-trap-{}.png", uuid::Uuid::new_v4()));
    std::fs::write(&path, &picture).unwrap();
    browser.execute(open_all, vec![]).await.unwrap();
    browser
        .execute("sessionStorage.removeItem('zkUploadLog');", vec![])
        .await
        .unwrap();
    browser
        .find("#image-file")
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    browser
        .find("#image-alt")
        .await
        .unwrap()
        .send_keys("Een trap met een leuning aan beide kanten")
        .await
        .unwrap();
    browser
        .find("[data-testid=add-image] button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut shown = false;
    for _ in 0..100 {
        if browser.find_all("img.block-image").await.unwrap().len() == 1 {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the image block appears after the upload");
    let log = browser
        .execute(
            "return JSON.parse(sessionStorage.getItem('zkUploadLog') || '[]');",
            vec![],
        )
        .await
        .unwrap();
    let seen: Vec<i64> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_i64())
        .collect();
    assert!(
        seen.iter().any(|p| *p > 0 && *p < 100),
        "the bar showed progress in between: {seen:?}"
    );
    assert_eq!(seen.last(), Some(&100), "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "it only moves forward: {seen:?}"
    );
    let _ = std::fs::remove_file(&path);

    // A quiz question.
    browser.execute(open_all, vec![]).await.unwrap();
    browser
        .find("#quiz-prompt")
        .await
        .unwrap()
        .send_keys("Wat voorkomt vallen?")
        .await
        .unwrap();
    browser
        .find("#option1")
        .await
        .unwrap()
        .send_keys("Goed licht op de trap")
        .await
        .unwrap();
    browser
        .find("#option2")
        .await
        .unwrap()
        .send_keys("Losse kleden")
        .await
        .unwrap();
    browser
        .find("[data-testid=add-quiz] input[name=correct][value='1']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find("[data-testid=add-quiz] button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The address already says "opgeslagen" (from the picture): wait for the third block itself.
    let mut blocks = 0;
    for _ in 0..100 {
        blocks = browser
            .find_all("[data-testid=editor-blocks] > li")
            .await
            .unwrap()
            .len();
        if blocks == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(blocks, 3, "text, picture and quiz");
    // Dragging the quiz to the top (HTML5 drag events, as the browser sends them) reorders.
    let quiz_id = browser
        .execute("return document.querySelectorAll('[data-testid=editor-blocks] > li')[2].dataset.block;", vec![])
        .await
        .unwrap();
    browser
        .execute(
            "var items = document.querySelectorAll('[data-testid=editor-blocks] > li');
             var dt = new DataTransfer();
             var first = items[0].getBoundingClientRect();
             items[2].dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: dt }));
             items[0].dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt, clientY: first.top + 1 }));
             items[0].dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));",
            vec![],
        )
        .await
        .unwrap();
    let mut first = serde_json::Value::Null;
    for _ in 0..100 {
        first = browser
            .execute("var li = document.querySelector('[data-testid=editor-blocks] > li'); return li && li.dataset.block;", vec![])
            .await
            .unwrap_or_default();
        if first == quiz_id {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(first, quiz_id, "the dragged quiz is first after the reload");
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("editor: {v}")),
    );
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/author-editor-360.png"))
        .await
        .unwrap();

    // Publish; the catalogue shows it and the module page has the picture.
    browser
        .find("#change-note")
        .await
        .unwrap()
        .send_keys("Eerste versie")
        .await
        .unwrap();
    browser
        .find("[data-testid=publish] button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_url_contains("gepubliceerd=1", Duration::from_secs(10))
        .await
        .unwrap();
    browser.goto(&format!("{base}/leren")).await.unwrap();
    let list = browser
        .find("[data-testid=catalog]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Valpreventie thuis"), "{list}");
    let id = editor
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    browser
        .goto(&format!("{base}/leren/modules/{id}"))
        .await
        .unwrap();
    let img = browser.find("img.block-image").await.unwrap();
    assert_eq!(
        img.attr("alt").await.unwrap().as_deref(),
        Some("Een trap met een leuning aan beide kanten")
    );
    // The picture comes from the store through the page's redirect (12 MB, as uploaded).
    let fetched = browser
        .execute(
            "return fetch(document.querySelector('img.block-image').src).then(function (r) { return r.status + ':' + r.headers.get('content-length'); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fetched, serde_json::json!(format!("200:{}", 12 << 20)));
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("module: {v}")),
    );
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "problems:\n{}", failures.join("\n"));
}

/// The text of the first element matching `css` once it contains `expected` (pages are replaced
/// under the driver after a form, so an element found a moment ago may be gone): polls for 10 s.
async fn wait_text(browser: &Browser, css: &str, expected: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        if let Ok(el) = browser.find(css).await {
            if let Ok(text) = el.text().await {
                if text.contains(expected) {
                    return text;
                }
                last = text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{css}` never showed {expected:?}; last: {last:?}");
}

/// A learner on a phone: opens the module they were enrolled in, marks the text done, fails the
/// quiz once, passes it, finishes the module; every step is the server's answer on the page.
#[tokio::test]
async fn a_learner_takes_a_module_with_a_quiz_on_a_phone() {
    use http::{Method, StatusCode};
    use serde_json::json;
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = App::new().await;
    let m = app.member("leren").await;
    app.user(&m, "admin@leren.test", Role::Admin).await;
    let learner = app.user(&m, "leerling@leren.test", Role::Learner).await;
    let admin = app.token(&m, "admin@leren.test").await;
    let module = api(&app, Method::POST, "leren", "/api/v1/content/modules", &admin, json!({
        "title": "Valpreventie thuis", "minutes": 10, "blocks": [
            {"type": "text", "markdown": "Goed licht op de trap voorkomt vallen."},
            {"type": "quiz", "pass_mark": 100, "questions": [{"prompt": "Wat helpt het meest?", "options": [
                {"text": "Goed licht", "correct": true},
                {"text": "Losse kleden", "feedback": "Nee: daar struikelt u over."}]}]},
            {"type": "link", "url": "https://www.veiligheid.nl", "label": "Meer over vallen"}]}), StatusCode::CREATED).await;
    let id = module["id"].as_str().unwrap().to_owned();
    api(
        &app,
        Method::POST,
        "leren",
        &format!("/api/v1/content/modules/{id}/publish"),
        &admin,
        json!({"change_note": "Eerste versie"}),
        StatusCode::CREATED,
    )
    .await;
    api(
        &app,
        Method::POST,
        "leren",
        "/api/v1/learning/enrolments",
        &admin,
        json!({"user_id": learner, "module_id": id}),
        StatusCode::CREATED,
    )
    .await;

    let port = serve(&app).await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://leren.localhost:{port}");
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    submit_login(&browser, "leerling@leren.test").await;
    browser.find("section.welcome").await.unwrap();
    // The home lists the enrolment; the module is one tap away.
    let home_failures = axe_violations(&browser, &axe).await;
    browser
        .find("[data-testid=enrolment] h3 a")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_url_contains(&format!("/leren/modules/{id}"), Duration::from_secs(10))
        .await
        .unwrap();
    // Pages change under the driver after each form; read text once the page shows it.
    let progress =
        |expected: &'static str| wait_text(&browser, "[data-testid=progress] label", expected);
    progress("0 van 3 onderdelen klaar").await;
    let mut failures: Vec<String> = axe_violations(&browser, &axe).await;
    failures.extend(home_failures);
    // The text: done.
    browser
        .find("[data-testid=mark-done] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_url_contains("#blok-", Duration::from_secs(10))
        .await
        .unwrap();
    progress("1 van 3 onderdelen klaar").await;
    // The quiz, wrong first: the server's result with the feedback.
    let answer = |n: usize| {
        let browser = &browser;
        async move {
            browser
                .find_all("[data-testid=quiz-form] input[type=radio]")
                .await
                .unwrap()[n]
                .click()
                .await
                .unwrap();
            browser
                .find("[data-testid=quiz-form] button[type=submit]")
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
    };
    answer(1).await;
    browser
        .wait_for_url_contains("poging=1", Duration::from_secs(10))
        .await
        .unwrap();
    let result = wait_text(&browser, "[data-testid=quiz-result]", "Nog niet gehaald").await;
    assert!(result.contains("daar struikelt u over"), "{result}");
    failures.extend(axe_violations(&browser, &axe).await);
    answer(0).await;
    browser
        .wait_for_url_contains("poging=2", Duration::from_secs(10))
        .await
        .unwrap();
    wait_text(&browser, "[data-testid=quiz-result]", "Gehaald: 100% goed").await;
    progress("2 van 3 onderdelen klaar").await;
    // The link: done, and the module is complete.
    browser
        .find("[data-testid=mark-done] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.find("[data-testid=completed]").await.unwrap();
    progress("3 van 3 onderdelen klaar").await;
    let overflow = browser
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "no sideways scrolling");
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/learner-module-completed.png"))
        .await
        .unwrap();
    // The proof: its page, then the public check it points to.
    browser
        .find("[data-testid=proof-link]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let verify = wait_text(&browser, "[data-testid=verify-url]", "/bewijs/").await;
    failures.extend(axe_violations(&browser, &axe).await);
    // The PDF behind the download button, fetched as the browser would.
    let pdf = browser
        .execute(
            "const a = document.querySelector('[data-testid=proof-pdf]');
             return fetch(a.href, { credentials: 'same-origin' }).then(function (r) {
               return r.arrayBuffer().then(function (b) {
                 return [r.status, r.headers.get('content-type'), new TextDecoder().decode(b.slice(0, 5))];
               });
             });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        pdf,
        json!([200, "application/pdf", "%PDF-"]),
        "the proof downloads as a PDF"
    );
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/learner-proof.png"))
        .await
        .unwrap();
    let code = verify.rsplit('/').next().unwrap().to_owned();
    browser
        .goto(&format!("{base}/bewijs/{code}"))
        .await
        .unwrap();
    browser.find("[data-testid=proof-verified]").await.unwrap();
    failures.extend(axe_violations(&browser, &axe).await);
    // The passport lists the completed module.
    browser
        .goto(&format!("{base}/leren/paspoort"))
        .await
        .unwrap();
    wait_text(&browser, "[data-testid=passport]", "Valpreventie thuis").await;
    failures.extend(axe_violations(&browser, &axe).await);
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/learner-passport.png"))
        .await
        .unwrap();
    // The admin sees the completion in the member's overview at once.
    logout(&browser).await;
    browser
        .wait_for_url_contains("/inloggen", Duration::from_secs(10))
        .await
        .ok();
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    submit_login(&browser, "admin@leren.test").await;
    browser.find("section.welcome").await.unwrap();
    browser
        .goto(&format!("{base}/leren/overzicht"))
        .await
        .unwrap();
    wait_text(&browser, "[data-testid=totals]", "1 afgerond (100%)").await;
    wait_text(
        &browser,
        "[data-testid=overview-modules]",
        "Valpreventie thuis",
    )
    .await;
    failures.extend(axe_violations(&browser, &axe).await);
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "axe: {failures:#?}");
}

/// An admin on a phone imports 300 staff from a semicolon file: picks it, reads the check,
/// starts it, and the page follows the job (progress bar, then the result) by itself.
#[tokio::test]
async fn an_admin_imports_staff_on_a_phone_and_the_page_follows_the_job() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = App::new().await;
    let m = app.member("personeel").await;
    app.user(&m, "admin@personeel.test", Role::Admin).await;
    let port = serve(&app).await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://personeel.localhost:{port}");
    let mut failures = Vec::new();
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    submit_login(&browser, "admin@personeel.test").await;
    browser.find("main h1").await.unwrap();

    let mut file = String::from("\u{feff}Naam;E-mail;Afdeling\r\n");
    for i in 0..300 {
        file.push_str(&format!(
            "Medewerker {i};m{i}@personeel.test;Team {}\r\n",
            i % 7
        ));
    }
    file.push_str("Zonder adres;;Team 1\r\n");
    let path = std::env::temp_dir().join(format!("zk-personeel-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, file).unwrap();

    browser
        .goto(&format!("{base}/beheer/import"))
        .await
        .unwrap();
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("/beheer/import: {v}")),
    );
    browser
        .find("#file")
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    browser
        .find("form[action='/beheer/import'] button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let summary = wait_text(&browser, "[data-testid=summary]", "301 regels").await;
    assert!(summary.contains("300 nieuwe medewerkers"), "{summary}");
    assert!(summary.contains("1 met een fout"), "{summary}");
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("import preview: {v}")),
    );
    browser
        .find("[data-testid=start]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = wait_text(&browser, "[data-testid=result]", "300 aangemaakt").await;
    assert!(result.contains("1 niet geïmporteerd"), "{result}");
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("import result: {v}")),
    );
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/staff-import.png"))
        .await
        .unwrap();
    browser.quit().await.unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(app.count("tenant.users").await, 302);
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
    let app = App::with_config(|c| {
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
    app.user(&m, "admin@betaalt.test", Role::Admin).await;
    let port = serve(&app).await;
    // localstripe signs and delivers its own events to our endpoint, as Stripe would.
    peer.register_webhook(
        &format!("http://localhost:{port}/api/v1/billing/webhooks/stripe"),
        "whsec_browser",
    )
    .await
    .unwrap();

    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://betaalt.localhost:{port}");
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    submit_login(&browser, "admin@betaalt.test").await;
    browser.find("main h1").await.unwrap();
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
        browser
            .find(field)
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser
        .find("input[name=collection][value=automatic]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find("[data-testid=checkout-submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The payment step: our page, localstripe's fake Stripe.js card element inside it.
    browser
        .find("#kaart input[placeholder=number]")
        .await
        .unwrap();
    failures.extend(
        axe_violations_except(&browser, &axe, "#kaart")
            .await
            .into_iter()
            .map(|v| format!("payment step: {v}")),
    );
    for (placeholder, value) in [
        ("number", "4242424242424242"),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "3511AB"),
    ] {
        browser
            .find(&format!("#kaart input[placeholder={placeholder}]"))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser
        .screenshot(&dir.join("billing-pay-360.png"))
        .await
        .unwrap();
    browser
        .find("[data-testid=pay-submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_url_contains("/abonnement?betaald=1", Duration::from_secs(15))
        .await
        .unwrap();
    let state = browser
        .find("[data-testid=billing-state]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        state.contains("Actief"),
        "the portal shows the member active: {state}"
    );
    let tier = browser
        .find("[data-testid=billing-tier]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(tier.contains("50-249"));
    let invoices = browser
        .find("[data-testid=invoices]")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(invoices.contains("€ 1.437,48"), "{invoices}");
    assert!(invoices.contains("Betaald"), "{invoices}");
    browser
        .screenshot(&dir.join("billing-active-360.png"))
        .await
        .unwrap();
    failures.extend(
        axe_violations(&browser, &axe)
            .await
            .into_iter()
            .map(|v| format!("/abonnement (active): {v}")),
    );

    // The admin replaces the card by a SEPA direct debit mandate: the IBAN goes to Stripe.
    browser
        .find("[data-testid=replace-method]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find("[data-testid=choose-sepa]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    failures.extend(
        axe_violations_except(&browser, &axe, "#kaart")
            .await
            .into_iter()
            .map(|v| format!("payment step (SEPA): {v}")),
    );
    browser
        .find("#iban")
        .await
        .unwrap()
        .send_keys("NL12 GEEN")
        .await
        .unwrap();
    browser
        .find("[data-testid=pay-submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let message = browser
        .find("#betaal-fout")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(message.contains("geldig IBAN"), "{message}");
    browser.find("#iban").await.unwrap().clear().await.unwrap();
    browser
        .find("#iban")
        .await
        .unwrap()
        .send_keys("NL91 ABNA 0417 1643 00")
        .await
        .unwrap();
    browser
        .screenshot(&dir.join("billing-sepa-360.png"))
        .await
        .unwrap();
    browser
        .find("[data-testid=pay-submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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

/// True when the page is no wider than the window (no sideways scrolling).
async fn fits_the_window(browser: &Browser) -> bool {
    browser
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

#[tokio::test]
async fn an_admin_blocks_users_after_a_confirmation_that_names_them_on_a_phone_and_a_desktop() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = App::new().await;
    let m = app.member("blokkeren").await;
    app.user(&m, "admin@blokkeren.test", Role::Admin).await;
    let mut people = Vec::new();
    for (i, name) in [
        "Sanne de Boer",
        "Ruben Yilmaz",
        "Noor Bakker",
        "Tim Smit",
        "Fleur Bos",
        "Gijs Mulder",
    ]
    .iter()
    .enumerate()
    {
        let id = app
            .user(&m, &format!("mw{i}@blokkeren.test"), Role::Learner)
            .await;
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query("UPDATE tenant.users SET display_name = $1, department = $2 WHERE id = $3")
            .bind(name)
            .bind(if i % 2 == 0 { "Thuiszorg" } else { "De Linde" })
            .bind(id)
            .execute(&mut owner)
            .await
            .unwrap();
        people.push((id, *name));
    }
    let port = serve(&app).await;
    let base = format!("http://blokkeren.localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (round, (width, height)) in [(360, 740), (1280, 800)].into_iter().enumerate() {
        let browser = Browser::start_with_size(width, height).await.unwrap();
        browser.goto(&format!("{base}/inloggen")).await.unwrap();
        submit_login(&browser, "admin@blokkeren.test").await;
        browser.find("main h1").await.unwrap();

        // The table: names, departments, status; no sideways scrolling.
        browser.goto(&format!("{base}/beheer")).await.unwrap();
        let rows = browser.find_all("[data-testid=user-row]").await.unwrap();
        assert_eq!(
            rows.len(),
            8,
            "six staff, the admin and the first admin's invitation"
        );
        assert!(fits_the_window(&browser).await, "/beheer fits {width} px");
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("/beheer at {width}: {v}")),
        );
        browser
            .screenshot(&dir.join(format!("users-{width}.png")))
            .await
            .unwrap();

        // One user: blocking asks first, naming them; then the page says it was done.
        let (id, name) = people[round * 3];
        browser
            .find(&format!("a[href='/beheer/gebruikers/{id}']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .find("[data-testid=block] summary")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let question = browser
            .find("[data-testid=block-question]")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(question.contains(name), "{question}");
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("user page at {width}: {v}")),
        );
        browser
            .find("[data-testid=block] button.danger")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let flash = wait_text(&browser, "[data-testid=flash]", "is geblokkeerd").await;
        assert!(flash.starts_with(name), "{flash}");
        let focused = browser
            .execute(
                "return document.activeElement.dataset.testid || '';",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            focused, "flash",
            "the message gets the focus, so it is read out"
        );
        let status = browser
            .find("[data-testid=user-status]")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(status, "geblokkeerd");
        browser
            .screenshot(&dir.join(format!("user-blocked-{width}.png")))
            .await
            .unwrap();

        // Two at once from the table: a page that names both, then the message.
        browser.goto(&format!("{base}/beheer")).await.unwrap();
        for (id, _) in &people[round * 3 + 1..round * 3 + 3] {
            browser
                .find(&format!("input[name=ids][value='{id}']"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
        browser
            .execute(
                "document.getElementById('bulk-action').value = 'block';",
                vec![],
            )
            .await
            .unwrap();
        browser
            .find("#bulk button[type=submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let list = wait_text(
            &browser,
            "[data-testid=confirm-list]",
            people[round * 3 + 1].1,
        )
        .await;
        assert!(list.contains(people[round * 3 + 2].1), "{list}");
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("bulk confirmation at {width}: {v}")),
        );
        browser
            .screenshot(&dir.join(format!("users-confirm-{width}.png")))
            .await
            .unwrap();
        browser
            .find("[data-testid=confirm-submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let flash = wait_text(&browser, "[data-testid=flash]", "2 geblokkeerd").await;
        assert!(flash.contains(people[round * 3 + 1].1), "{flash}");
        assert!(fits_the_window(&browser).await);
        browser.quit().await.unwrap();
    }
    let mut owner = app.db.owner().await.unwrap();
    let blocked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenant.users WHERE status = 'disabled'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(blocked, 6);
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn branding_on_a_phone_previews_while_editing_suggests_a_darker_colour_and_confirms_saving() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = App::new().await;
    let m = app.member("huisstijl").await;
    app.user(&m, "admin@huisstijl.test", Role::Admin).await;
    let port = serve(&app).await;
    let base = format!("http://huisstijl.localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (width, height) in [(360, 740), (1280, 800)] {
        let browser = Browser::start_with_size(width, height).await.unwrap();
        browser.goto(&format!("{base}/inloggen")).await.unwrap();
        submit_login(&browser, "admin@huisstijl.test").await;
        browser.find("main h1").await.unwrap();
        browser
            .goto(&format!("{base}/beheer/huisstijl"))
            .await
            .unwrap();
        browser.find("#primary_color_hex").await.unwrap();

        // A too light colour typed as hex: the preview follows, an alert offers a darker shade.
        let hex = browser.find("#primary_color_hex").await.unwrap();
        hex.clear().await.unwrap();
        hex.send_keys("#ffee00").await.unwrap();
        let header = browser.find("#preview-header").await.unwrap();
        assert_eq!(
            header.css_value("background-color").await.unwrap(),
            rgb("#ffee00")
        );
        let alert = wait_text(&browser, "#preview-contrast [role=alert]", "te weinig").await;
        assert!(alert.contains("1,2:1"), "Dutch decimal comma: {alert}");
        // The preview shows the too-light colour on purpose; the rest of the page must pass.
        failures.extend(
            axe_violations_except(&browser, &axe, "#preview")
                .await
                .into_iter()
                .map(|v| format!("branding with alert at {width}: {v}")),
        );
        browser
            .screenshot(&dir.join(format!("branding-alert-{width}.png")))
            .await
            .unwrap();
        browser
            .find("[data-use-colour=primary_color]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let chosen = browser
            .execute(
                "return document.getElementById('primary_color').value;",
                vec![],
            )
            .await
            .unwrap();
        let chosen = chosen.as_str().unwrap().to_owned();
        assert_ne!(chosen, "#ffee00");
        assert_eq!(
            header.css_value("background-color").await.unwrap(),
            rgb(&chosen)
        );
        assert!(browser
            .find_all("#preview-contrast [role=alert]")
            .await
            .unwrap()
            .is_empty());

        // The toolbar writes Markdown; the preview shows it rendered.
        let welcome = browser.find("#welcome_markdown").await.unwrap();
        welcome.clear().await.unwrap();
        welcome.send_keys("Welkom bij ons").await.unwrap();
        browser
            .execute(
                "const t = document.getElementById('welcome_markdown'); t.setSelectionRange(0, 6);",
                vec![],
            )
            .await
            .unwrap();
        browser
            .find("[data-md=bold]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let markdown = browser
            .execute(
                "return document.getElementById('welcome_markdown').value;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(markdown, "**Welkom** bij ons");
        let strong = browser
            .find("#preview-welcome strong")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(strong, "Welkom");

        // On a phone the preview stays in view at the save button (sticky above the form).
        browser
            .execute("document.querySelector('#branding-form button[type=submit]').scrollIntoView({block: 'end'});", vec![])
            .await
            .unwrap();
        let top = browser
            .execute("return document.querySelector('[data-testid=preview-card]').getBoundingClientRect().top;", vec![])
            .await
            .unwrap();
        let top = top.as_f64().unwrap();
        assert!(
            (0.0..50.0).contains(&top),
            "the preview is in view at {width} px (top {top})"
        );
        assert!(fits_the_window(&browser).await);
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("branding at {width}: {v}")),
        );
        browser
            .screenshot(&dir.join(format!("branding-{width}.png")))
            .await
            .unwrap();

        browser
            .find("#branding-form button[type=submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(
            &browser,
            "[data-testid=flash]",
            "De huisstijl is opgeslagen",
        )
        .await;
        let saved = browser
            .execute(
                "return document.getElementById('primary_color').value;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(saved.as_str(), Some(chosen.as_str()));
        browser.quit().await.unwrap();
    }
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn an_operator_edits_a_member_and_resends_its_admins_invitation_on_a_phone_and_a_desktop() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = App::new().await;
    app.operator("op@nzk.test").await;
    app.member("console-a").await;
    app.member("console-b").await;
    let port = serve(&app).await;
    let nzk = format!("http://localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (slug, (width, height)) in [("console-a", (360, 740)), ("console-b", (1280, 800))] {
        let browser = Browser::start_with_size(width, height).await.unwrap();
        browser.goto(&format!("{nzk}/inloggen")).await.unwrap();
        submit_login(&browser, "op@nzk.test").await;
        browser.find("main h1").await.unwrap();
        browser.goto(&format!("{nzk}/console")).await.unwrap();
        assert!(fits_the_window(&browser).await, "/console fits {width} px");
        browser
            .screenshot(&dir.join(format!("console-members-{width}.png")))
            .await
            .unwrap();
        browser
            .find(&format!("a[href='/console/leden/{slug}']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser.find("[data-testid=member-users]").await.unwrap();
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("console member at {width}: {v}")),
        );
        // Edit: name and employee count.
        browser
            .find("[data-testid=edit-member] summary")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let name = browser.find("#name").await.unwrap();
        name.clear().await.unwrap();
        name.send_keys("Zorgcentrum Nieuwe Naam").await.unwrap();
        let employees = browser.find("#employee_count").await.unwrap();
        employees.clear().await.unwrap();
        employees.send_keys("260").await.unwrap();
        browser
            .find("[data-testid=edit-member] button[type=submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_text(&browser, "[data-testid=flash]", "opgeslagen").await;
        assert_eq!(
            browser.find("main h1").await.unwrap().text().await.unwrap(),
            "Zorgcentrum Nieuwe Naam"
        );
        assert_eq!(
            browser
                .find("[data-testid=member-employees]")
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "260"
        );
        // Resend the admin's invitation.
        browser
            .find("[data-testid=resend-admin]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let flash = wait_text(&browser, "[data-testid=flash]", "nieuwe uitnodiging").await;
        assert!(flash.contains(&format!("beheer@{slug}.test")), "{flash}");
        assert!(
            fits_the_window(&browser).await,
            "the member page fits {width} px"
        );
        failures.extend(
            axe_violations(&browser, &axe)
                .await
                .into_iter()
                .map(|v| format!("console member after actions at {width}: {v}")),
        );
        browser
            .screenshot(&dir.join(format!("console-member-{width}.png")))
            .await
            .unwrap();
        browser.quit().await.unwrap();
    }
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}

/// Every page a member's admin, a learner, an operator and a visitor reach first, at 360 and
/// 1280 px: axe-clean, no sideways scrolling, and a full-page screenshot in
/// `test-artifacts/pages/{page}-{width}.png` (the before-and-after record of the look).
#[tokio::test]
async fn every_main_page_at_360_and_1280_px_is_axe_clean_fits_and_is_saved_as_a_screenshot() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = App::new().await;
    let m = app.member("zorg-schermen").await;
    app.user(&m, "admin@zorg-schermen.test", Role::Admin).await;
    app.user(&m, "leerling@zorg-schermen.test", Role::Learner)
        .await;
    // An API key of the learner's, listed on their account page.
    app.token(&m, "leerling@zorg-schermen.test").await;
    app.operator("op@nzk.test").await;
    // The member's own picture on its login page and home.
    zk_tenant::domain::branding::upload_illustration(
        &app.platform,
        &app.tenant(m.id).await,
        include_bytes!("../../tenants/demo/media/veilige-kamer.png")
            .to_vec()
            .into(),
        "Tekening van een lichte kamer met een bed en een staande lamp",
    )
    .await
    .unwrap();
    let mut someone = uuid::Uuid::nil();
    for (i, name) in [
        "Anna de Vries",
        "Bram Jansen",
        "Chantal Bakker",
        "Daan Visser",
        "Esra Smit",
    ]
    .iter()
    .enumerate()
    {
        let id = app
            .user(&m, &format!("mw{i}@zorg-schermen.test"), Role::Learner)
            .await;
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query("UPDATE tenant.users SET display_name = $1, department = $2 WHERE id = $3")
            .bind(name)
            .bind(["De Linde", "Het Anker", "Thuiszorg Oost"][i % 3])
            .bind(id)
            .execute(&mut owner)
            .await
            .unwrap();
        someone = id;
    }
    let port = serve(&app).await;
    let member = format!("http://zorg-schermen.localhost:{port}");
    let nzk = format!("http://localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("pages");
    let mut failures = Vec::new();
    type Visit<'a> = (Option<(&'a str, &'a str)>, Vec<(&'a str, String)>);
    let visits: Vec<Visit> = vec![
        (
            None,
            vec![
                ("nzk-landing", format!("{nzk}/?zoek=zorg")),
                (
                    "unknown-host",
                    format!("http://bestaat-niet.localhost:{port}/"),
                ),
                ("login", format!("{member}/inloggen")),
                ("password-forgot", format!("{member}/wachtwoord-vergeten")),
            ],
        ),
        (
            Some((member.as_str(), "leerling@zorg-schermen.test")),
            vec![
                ("learner-home", format!("{member}/")),
                ("catalogue", format!("{member}/leren")),
                ("my-account", format!("{member}/mijn-account")),
            ],
        ),
        (
            Some((member.as_str(), "admin@zorg-schermen.test")),
            vec![
                ("admin-users", format!("{member}/beheer")),
                (
                    "admin-user",
                    format!("{member}/beheer/gebruikers/{someone}"),
                ),
                ("admin-branding", format!("{member}/beheer/huisstijl")),
                ("admin-import", format!("{member}/beheer/import")),
                ("admin-billing", format!("{member}/abonnement")),
                ("content-dashboard", format!("{member}/leren/beheer")),
                ("learning-overview", format!("{member}/leren/overzicht")),
            ],
        ),
        (
            Some((nzk.as_str(), "op@nzk.test")),
            vec![
                ("console", format!("{nzk}/console")),
                (
                    "console-member",
                    format!("{nzk}/console/leden/zorg-schermen"),
                ),
                ("console-outbox", format!("{nzk}/console/outbox")),
                ("console-billing", format!("{nzk}/console/abonnementen")),
            ],
        ),
    ];
    for (width, height) in [(360, 740), (1280, 800)] {
        for (login, pages) in &visits {
            let browser = Browser::start_with_size(width, height).await.unwrap();
            if let Some((base, email)) = login {
                browser.goto(&format!("{base}/inloggen")).await.unwrap();
                submit_login(&browser, email).await;
                browser.find("main h1").await.unwrap();
            }
            for (name, url) in pages {
                browser.goto(url).await.unwrap();
                browser.find("main h1").await.unwrap();
                if !fits_the_window(&browser).await {
                    failures.push(format!("{name} at {width}: sideways scrolling"));
                }
                failures.extend(
                    axe_violations(&browser, &axe)
                        .await
                        .into_iter()
                        .map(|v| format!("{name} at {width}: {v}")),
                );
                browser
                    .screenshot_full_page(&dir.join(format!("{name}-{width}.png")))
                    .await
                    .unwrap();
            }
            browser.quit().await.unwrap();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
