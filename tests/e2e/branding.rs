//! Branding through the admin page and the API, the learner home showing it, and cache
//! invalidation across processes (LISTEN/NOTIFY) for branding and roles.

use crate::support::{App, TestClient};
use http::StatusCode;
use std::time::{Duration, Instant};
use zk_kernel::authz::Role;

#[tokio::test]
async fn admin_saves_branding_and_learners_see_it() {
    let app = App::new().await;
    let m = app.member("merk").await;
    app.user(&m, "admin@merk.test", Role::Admin).await;
    app.user(&m, "leerling@merk.test", Role::Learner).await;
    let admin = app.login("merk", "admin@merk.test").await;
    let c = &app.client;

    let page = c
        .get("merk", "/beheer/huisstijl")
        .session(&admin)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    assert!(
        page.text().contains("/static/branding.js"),
        "live preview script"
    );

    let bad = c
        .post("merk", "/beheer/huisstijl")
        .cookie(&format!("zk_session={admin}"))
        .form(&[
            ("name", "Merk Zorg"),
            ("primary_color", "#ffee00"),
            ("accent_color", "#8a3b12"),
            ("welcome_markdown", ""),
        ])
        .send()
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("te weinig contrast"));

    let res = c
        .post("merk", "/beheer/huisstijl")
        .cookie(&format!("zk_session={admin}"))
        .form(&[
            ("name", "Merk Zorg"),
            ("primary_color", "#2E7D32"),
            ("accent_color", "#6a1b6e"),
            (
                "welcome_markdown",
                "**Welkom** bij Merk <script>alert(1)</script>",
            ),
            ("support_email", "help@merk.test"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);

    let learner = app.login("merk", "leerling@merk.test").await;
    let home = c.get("merk", "/").session(&learner).send().await.text();
    assert!(home.contains("Merk Zorg"));
    assert!(home.contains("<strong>Welkom</strong>"));
    assert!(!home.contains("<script>alert"), "welcome text is sanitised");
    assert!(home.contains("help@merk.test"));
    assert!(c
        .get("merk", "/theme.css")
        .send()
        .await
        .text()
        .contains("--zk-primary: #2e7d32"));

    let png = b"\x89PNG\r\n\x1a\nlogo".to_vec();
    let token = app.token(&m, "admin@merk.test").await;
    c.put("merk", "/api/v1/branding/logo")
        .bearer(&token)
        .body("image/png", png.clone())
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let b = c
        .get("merk", "/api/v1/branding")
        .bearer(&token)
        .send()
        .await
        .json();
    assert!(b["logo_url"]
        .as_str()
        .unwrap()
        .starts_with("http://merk.localhost:8080/logo?v="));
    let logo = c.get("merk", "/logo").send().await;
    assert_eq!(logo.body, png);
    assert_eq!(logo.headers["content-type"], "image/png");
    assert!(c
        .get("merk", "/")
        .session(&learner)
        .send()
        .await
        .text()
        .contains("/logo?v="));
}

#[tokio::test]
async fn a_second_process_sees_branding_and_role_changes_without_restart() {
    let app = App::new().await;
    let m = app.member("twee").await;
    let user = app.user(&m, "leerling@twee.test", Role::Learner).await;
    let token = app.token(&m, "leerling@twee.test").await;
    // A second platform instance on the same database: another process in production.
    let other = app.db.platform().await.unwrap();
    let other_client = TestClient::new(zorgklas::app(&other, None).unwrap());
    assert!(
        other_client
            .get("twee", "/theme.css")
            .send()
            .await
            .text()
            .contains("#1d4f91"),
        "cached now"
    );
    other_client
        .get("twee", "/api/v1/users")
        .bearer(&token)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);

    let t = app.tenant(m.id).await;
    let input = zk_tenant::domain::branding::BrandingInput {
        name: "Twee".into(),
        primary_color: "#004d40".into(),
        accent_color: "#8a3b12".into(),
        welcome_markdown: String::new(),
        support_email: None,
    };
    zk_tenant::domain::branding::update(&app.platform, &t, &input)
        .await
        .unwrap();
    zk_tenant::domain::accounts::set_roles(
        &app.platform,
        &t,
        uuid::Uuid::nil(),
        user,
        &["teacher".into()],
    )
    .await
    .unwrap();

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let css = other_client.get("twee", "/theme.css").send().await.text();
        let users = other_client
            .get("twee", "/api/v1/users")
            .bearer(&token)
            .send()
            .await
            .status;
        if css.contains("#004d40") && users == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "second process did not pick up the change: {css} {users}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_cached_learner_home_follows_branding_roles_and_csrf_tokens() {
    let app = App::new().await;
    let m = app.member("cache").await;
    let learner = app.user(&m, "leerling@cache.test", Role::Learner).await;
    let session = app.login("cache", "leerling@cache.test").await;
    let home = |session: String| {
        app.client
            .get("cache", "/")
            .cookie(&format!("zk_session={session}"))
            .send()
    };
    let first = home(session.clone()).await.text();
    // A learner's menu has no groups; a teacher's has.
    assert!(first.contains("Zorg cache") && !first.contains("href=\"/leren/groepen\""));
    let token = zk_test_support::csrf_for_session(&session);
    assert!(first.contains(&format!("value=\"{token}\"")));
    // Same page from the cache (same user), with the other session's own token.
    let other = app.login("cache", "leerling@cache.test").await;
    let second = home(other.clone()).await.text();
    let other_token = zk_test_support::csrf_for_session(&other);
    assert!(second.contains(&format!("value=\"{other_token}\"")));
    assert!(!second.contains(&token));

    let t = app.tenant(m.id).await;
    let input = zk_tenant::domain::branding::BrandingInput {
        name: "Nieuwe Naam Zorg".into(),
        primary_color: "#1d4f91".into(),
        accent_color: "#8a3b12".into(),
        welcome_markdown: "Vernieuwd welkom".into(),
        support_email: None,
    };
    zk_tenant::domain::branding::update(&app.platform, &t, &input)
        .await
        .unwrap();
    let after = home(session.clone()).await.text();
    assert!(
        after.contains("Nieuwe Naam Zorg") && after.contains("Vernieuwd welkom"),
        "{after}"
    );

    let t = app.tenant(m.id).await;
    zk_tenant::domain::accounts::set_roles(
        &app.platform,
        &t,
        uuid::Uuid::nil(),
        learner,
        &["teacher".into()],
    )
    .await
    .unwrap();
    let after = home(session.clone()).await.text();
    assert!(after.contains("href=\"/leren/groepen\""), "{after}");
}

/// A multipart form as a browser posts the illustration form.
fn illustration_form(csrf: &str, image: &[u8], alt: &str) -> (String, Vec<u8>) {
    let boundary = "zkafbeelding";
    let mut body = Vec::new();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n")
            .as_bytes(),
    );
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"illustration\"; filename=\"foto.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(image);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_member_shows_its_own_photo_with_a_description_on_login_and_home() {
    let app = App::new().await;
    let m = app.member("foto").await;
    let other = app.member("foto-b").await;
    app.user(&m, "admin@foto.test", Role::Admin).await;
    app.user(&m, "leerling@foto.test", Role::Learner).await;
    app.user(&other, "admin@foto-b.test", Role::Admin).await;
    let admin = app.login("foto", "admin@foto.test").await;
    let learner = app.login("foto", "leerling@foto.test").await;
    let c = &app.client;
    let csrf = zk_test_support::csrf_for_session(&admin);
    let png = b"\x89PNG\r\n\x1a\nfoto-van-de-linde".to_vec();

    // No description and an SVG: both fields named at once, nothing stored.
    let (ct, body) = illustration_form(&csrf, b"<svg onload=alert(1)>", "");
    let res = c
        .post("foto", "/beheer/huisstijl/afbeelding")
        .cookie(&format!("zk_session={admin}"))
        .body(&ct, body)
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.text().matches("aria-invalid=\"true\"").count(),
        2,
        "{}",
        res.text()
    );
    assert!(app.tenant(m.id).await.branding.illustration_key.is_none());

    let alt = "Twee verzorgenden in de tuin van De Linde";
    let (ct, body) = illustration_form(&csrf, &png, alt);
    let res = c
        .post("foto", "/beheer/huisstijl/afbeelding")
        .cookie(&format!("zk_session={admin}"))
        .body(&ct, body)
        .send()
        .await;
    let (_, flash) = app.follow("foto", &res, &admin).await;
    assert_eq!(flash.as_deref(), Some("De afbeelding is opgeslagen."));
    let image = c.get("foto", "/afbeelding").send().await;
    image.assert_status(StatusCode::OK);
    assert_eq!(image.body, png);
    assert_eq!(image.headers["content-type"], "image/png");
    let expected = format!("alt=\"{alt}\"");
    let login = c.get("foto", "/inloggen").send().await.text();
    assert!(
        login.contains("data-testid=\"illustration\"") && login.contains(&expected),
        "{login}"
    );
    let home = c.get("foto", "/").session(&learner).send().await.text();
    assert!(
        home.contains(&expected),
        "the cached home follows the new branding version"
    );

    // Another member has none, and its admin can't touch this one's.
    c.get("foto-b", "/afbeelding")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!c
        .get("foto-b", "/inloggen")
        .send()
        .await
        .text()
        .contains("data-testid=\"illustration\""));
    let b_token = app.token(&other, "admin@foto-b.test").await;
    c.request(
        http::Method::DELETE,
        "foto",
        "/api/v1/branding/illustration",
    )
    .bearer(&b_token)
    .send()
    .await
    .assert_status(StatusCode::UNAUTHORIZED);

    // Through the API: replaced (the old object removed), then removed.
    let token = app.token(&m, "admin@foto.test").await;
    let old_key = app.tenant(m.id).await.branding.illustration_key.unwrap();
    let jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
    c.put(
        "foto",
        "/api/v1/branding/illustration?alt=Het%20team%20van%20Het%20Anker",
    )
    .bearer(&token)
    .body("image/jpeg", jpeg.clone())
    .send()
    .await
    .assert_status(StatusCode::NO_CONTENT);
    assert_eq!(c.get("foto", "/afbeelding").send().await.body, jpeg);
    assert!(app.platform.objects.get(&old_key).await.unwrap().is_none());
    let res = c
        .put("foto", "/api/v1/branding/illustration")
        .bearer(&token)
        .body("image/jpeg", jpeg.clone())
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "alt");
    c.request(
        http::Method::DELETE,
        "foto",
        "/api/v1/branding/illustration",
    )
    .bearer(&token)
    .send()
    .await
    .assert_status(StatusCode::NO_CONTENT);
    c.get("foto", "/afbeelding")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!c
        .get("foto", "/inloggen")
        .send()
        .await
        .text()
        .contains("data-testid=\"illustration\""));
}
