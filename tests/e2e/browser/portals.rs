//! Members' own portals on a phone: two members each show their own name and colour after the
//! login, and an admin edits the branding with a live preview that suggests a darker colour.

use super::*;

#[tokio::test]
async fn learners_of_two_members_see_their_own_portal_on_a_phone() {
    if !browser() {
        return;
    }
    let app = app().await;
    let members = [
        ("noord", "Zorggroep Noord", "#1d4f91"),
        ("zuid", "Thuiszorg Zuid", "#6a1b6e"),
    ];
    for (slug, name, colour) in members {
        let m = app.member(slug).await;
        m.brand(&BrandingInput {
            name: name.into(),
            primary_color: colour.into(),
            accent_color: "#0b6152".into(),
            welcome_markdown: format!("Welkom bij **{name}**"),
            support_email: None,
        })
        .await;
        m.learner().await;
    }
    let port = app.serve().await;
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
        assert_eq!(browser.text_of("[data-testid=tenant-name]").await, name);
        browser
            .screenshot(&dir.join(format!("{slug}-login.png")))
            .await
            .unwrap();
        browser.submit_login(&format!("leerling@{slug}.test")).await;
        let welcome = browser.find("[data-testid=welcome]").await.unwrap();
        assert!(welcome.text().await.unwrap().contains(name));
        assert_eq!(browser.text_of("[data-testid=tenant-name]").await, name);
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

#[tokio::test]
async fn branding_on_a_phone_previews_while_editing_suggests_a_darker_colour_and_confirms_saving() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("huisstijl").await;
    m.user("admin@huisstijl.test", Role::Admin).await;
    let port = app.serve().await;
    let base = format!("http://huisstijl.localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (width, height) in [(360, 740), (1280, 800)] {
        let browser = Browser::start_with_size(width, height).await.unwrap();
        browser.log_in(&base, "admin@huisstijl.test").await;
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
        let alert = browser
            .wait_for_text("#preview-contrast [role=alert]", "te weinig")
            .await;
        assert!(alert.contains("1,2:1"), "Dutch decimal comma: {alert}");
        // The preview shows the too-light colour on purpose; the rest of the page must pass.
        check_axe_except(
            &browser,
            &axe,
            "#preview",
            &format!("branding with alert at {width}"),
            &mut failures,
        )
        .await;
        browser
            .screenshot(&dir.join(format!("branding-alert-{width}.png")))
            .await
            .unwrap();
        browser.click("[data-use-colour=primary_color]").await;
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
        browser.click("[data-md=bold]").await;
        let markdown = browser
            .execute(
                "return document.getElementById('welcome_markdown').value;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(markdown, "**Welkom** bij ons");
        let strong = browser.text_of("#preview-welcome strong").await;
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
        assert!(browser.fits_the_window().await);
        check_axe(
            &browser,
            &axe,
            &format!("branding at {width}"),
            &mut failures,
        )
        .await;
        browser
            .screenshot(&dir.join(format!("branding-{width}.png")))
            .await
            .unwrap();

        browser.click("#branding-form button[type=submit]").await;
        browser
            .wait_for_text("[data-testid=flash]", "De huisstijl is opgeslagen")
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
