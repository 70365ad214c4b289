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
        browser
            .find("#email")
            .await
            .unwrap()
            .send_keys(&format!("leerling@{slug}.test"))
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
