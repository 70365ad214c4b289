//! WCAG 2.1 AA by axe-core on the pages members, operators and visitors reach first, at phone
//! and desktop widths, with full-page screenshots in `test-artifacts/pages/` (the before-and-after
//! record of the look).

use super::*;

#[tokio::test]
async fn pages_meet_wcag_aa_according_to_axe() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("toegankelijk").await;
    m.user("admin@toegankelijk.test", Role::Admin).await;
    app.operator("op@nzk.test").await;
    let port = app.serve().await;
    let browser = Browser::start().await.unwrap();
    let mut failures = Vec::new();

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
    check_axe(&browser, &axe, "/inloggen", &mut failures).await;
    browser.log_in(&member, "admin@toegankelijk.test").await;
    for path in [
        "/",
        "/beheer",
        "/beheer/huisstijl",
        "/beheer/lms",
        "/abonnement",
        "/wachtwoord-vergeten",
    ] {
        browser.goto(&format!("{member}{path}")).await.unwrap();
        browser.find("main h1").await.unwrap();
        check_axe(&browser, &axe, path, &mut failures).await;
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
    let contrast = browser.text_of("#preview-contrast").await;
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
    check_axe(&browser, &axe, "landing", &mut failures).await;
    // A care worker finds their employer's portal by name.
    browser.fill("#zoek", "toegank").await;
    browser.click("form[role=search] button").await;
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
    check_axe(&browser, &axe, "landing with results", &mut failures).await;
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
    check_axe(&browser, &axe, "unknown host", &mut failures).await;
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/unknown-host-360.png"))
        .await
        .unwrap();
    browser.log_in(&nzk, "op@nzk.test").await;
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
        check_axe(&browser, &axe, path, &mut failures).await;
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

/// Every page a member's admin, a learner, an operator and a visitor reach first, at 360 and
/// 1280 px: axe-clean, no sideways scrolling, and a full-page screenshot in
/// `test-artifacts/pages/{page}-{width}.png` (the before-and-after record of the look).
#[tokio::test]
async fn every_main_page_at_360_and_1280_px_is_axe_clean_fits_and_is_saved_as_a_screenshot() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("zorg-schermen").await;
    let admin = m.user("admin@zorg-schermen.test", Role::Admin).await;
    // The learner, with an API key (the fixture's) listed on their account page.
    let learner = m.learner().await;
    app.operator("op@nzk.test").await;
    // An exam of eight questions, answered page by page (the quiz's first page).
    let questions: Vec<Value> = (1..=8)
        .map(|i| {
            json!({"prompt": format!("Vraag {i}: wat doet u eerst na een val?"), "options": [
                {"text": "De cliënt geruststellen en hulp halen", "correct": true},
                {"text": "De cliënt meteen overeind helpen"}]})
        })
        .collect();
    let exam = m
        .author()
        .await
        .publish_module(json!({"title": "Examen valpreventie", "minutes": 20,
            "blocks": [{"type": "quiz", "pass_mark": 70, "questions": questions}]}))
        .await;
    let exam_page = format!(
        "/leren/inschrijvingen/{}/toetsen/{}/pagina/1",
        admin.enrol(&learner, &exam.id).await.id,
        exam.block(0)
    );
    // The member's own picture on its login page and home.
    zk_tenant::domain::branding::upload_illustration(
        &app.platform,
        &m.tenant().await,
        include_bytes!("../../../tenants/demo/media/veilige-kamer.png")
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
        let id = m
            .user(&format!("mw{i}@zorg-schermen.test"), Role::Learner)
            .await
            .id;
        // Names and departments as a staff file sets them, written straight into the table.
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
    let port = app.serve().await;
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
                ("quiz-page", format!("{member}{exam_page}")),
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
                ("admin-lms", format!("{member}/beheer/lms")),
                ("admin-billing", format!("{member}/abonnement")),
                ("content-dashboard", format!("{member}/leren/beheer")),
                ("learning-overview", format!("{member}/leren/overzicht")),
                ("person-record", format!("{member}/leren/mensen/{someone}")),
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
                browser.log_in(base, email).await;
            }
            for (name, url) in pages {
                browser.goto(url).await.unwrap();
                browser.find("main h1").await.unwrap();
                if !browser.fits_the_window().await {
                    failures.push(format!("{name} at {width}: sideways scrolling"));
                }
                check_axe(&browser, &axe, &format!("{name} at {width}"), &mut failures).await;
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
