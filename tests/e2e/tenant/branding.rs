//! Branding through the admin page and the API, the learner home showing it, a member's own
//! photo, and cache invalidation across processes (LISTEN/NOTIFY) for branding and roles.

use crate::support::*;
use std::time::{Duration, Instant};
use zk_tenant::domain::accounts;

/// A branding with `name`, `primary` and `welcome`, and the default accent.
fn branding(name: &str, primary: &str, welcome: &str) -> BrandingInput {
    BrandingInput {
        name: name.into(),
        primary_color: primary.into(),
        accent_color: "#8a3b12".into(),
        welcome_markdown: welcome.into(),
        support_email: None,
    }
}

/// Gives `user` of `member` exactly the role `teacher`, as an admin's roles form does.
async fn make_teacher(app: &TestApp, member: &Member, user: &User) {
    accounts::set_roles(
        &app.platform,
        &member.tenant().await,
        uuid::Uuid::nil(),
        user.id,
        &["teacher".into()],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn admin_saves_branding_and_learners_see_it() {
    let app = app().await;
    let m = app.member("merk").await;
    let admin = m.user("admin@merk.test", Role::Admin).await;
    let learner = m.learner().await;
    let page = admin.login().await;

    assert!(
        page.page("/beheer/huisstijl")
            .await
            .contains("/static/branding.js"),
        "live preview script"
    );
    let bad = page
        .post("/beheer/huisstijl")
        .form(&[
            ("name", "Merk Zorg"),
            ("primary_color", "#ffee00"),
            ("accent_color", "#8a3b12"),
            ("welcome_markdown", ""),
        ])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(bad.text().contains("te weinig contrast"));
    page.post("/beheer/huisstijl")
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
        .expect(StatusCode::SEE_OTHER)
        .await;

    let learner = learner.login().await;
    let home = learner.get("/").send().await.text();
    assert!(home.contains("Merk Zorg"));
    assert!(home.contains("<strong>Welkom</strong>"));
    assert!(!home.contains("<script>alert"), "welcome text is sanitised");
    assert!(home.contains("help@merk.test"));
    let visitor = m.visitor();
    assert!(visitor
        .get("/theme.css")
        .send()
        .await
        .text()
        .contains("--zk-primary: #2e7d32"));

    let png = b"\x89PNG\r\n\x1a\nlogo".to_vec();
    admin
        .put("/api/v1/branding/logo")
        .body("image/png", png.clone())
        .expect(StatusCode::NO_CONTENT)
        .await;
    let b = admin.get("/api/v1/branding").send().await.json();
    assert!(b["logo_url"]
        .as_str()
        .unwrap()
        .starts_with("http://merk.localhost:8080/logo?v="));
    let logo = visitor.get("/logo").send().await;
    assert_eq!(logo.body, png);
    assert_eq!(logo.headers["content-type"], "image/png");
    assert!(learner.get("/").send().await.text().contains("/logo?v="));
}

#[tokio::test]
async fn a_second_process_sees_branding_and_role_changes_without_restart() {
    let app = app().await;
    let m = app.member("twee").await;
    let learner = m.learner().await;
    // A second platform instance on the same database: another process in production.
    let other = app.another_process().await;
    let there = other.visitor("twee");
    assert!(
        there
            .get("/theme.css")
            .send()
            .await
            .text()
            .contains("#1d4f91"),
        "cached now"
    );
    there
        .get("/api/v1/users")
        .bearer(learner.token())
        .expect(StatusCode::FORBIDDEN)
        .await;

    m.brand(&branding("Twee", "#004d40", "")).await;
    make_teacher(&app, &m, &learner).await;

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let css = there.get("/theme.css").send().await.text();
        let users = there
            .get("/api/v1/users")
            .bearer(learner.token())
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
    let app = app().await;
    let m = app.member("cache").await;
    let learner = m.learner().await;
    let session = learner.login().await;
    let first = session.get("/").send().await.text();
    // A learner's menu has no groups; a teacher's has.
    assert!(first.contains("Zorg cache") && !first.contains("href=\"/leren/groepen\""));
    let token = zk_test_support::csrf_for_session(&session.cookie);
    assert!(first.contains(&format!("value=\"{token}\"")));
    // Same page from the cache (same user), with the other session's own token.
    let other = learner.login().await;
    let second = other.get("/").send().await.text();
    let other_token = zk_test_support::csrf_for_session(&other.cookie);
    assert!(second.contains(&format!("value=\"{other_token}\"")));
    assert!(!second.contains(&token));

    m.brand(&branding("Nieuwe Naam Zorg", "#1d4f91", "Vernieuwd welkom"))
        .await;
    let after = session.get("/").send().await.text();
    assert!(
        after.contains("Nieuwe Naam Zorg") && after.contains("Vernieuwd welkom"),
        "{after}"
    );

    make_teacher(&app, &m, &learner).await;
    let after = session.get("/").send().await.text();
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
    let app = app().await;
    let m = app.member("foto").await;
    let other = app.member("foto-b").await;
    let admin = m.user("admin@foto.test", Role::Admin).await;
    let learner = m.learner().await.login().await;
    let b_admin = other.user("admin@foto-b.test", Role::Admin).await;
    let page = admin.login().await;
    let csrf = zk_test_support::csrf_for_session(&page.cookie);
    let png = b"\x89PNG\r\n\x1a\nfoto-van-de-linde".to_vec();
    let visitor = m.visitor();

    // No description and an SVG: both fields named at once, nothing stored.
    let (ct, body) = illustration_form(&csrf, b"<svg onload=alert(1)>", "");
    let res = page
        .post("/beheer/huisstijl/afbeelding")
        .body(&ct, body)
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(
        res.text().matches("aria-invalid=\"true\"").count(),
        2,
        "{}",
        res.text()
    );
    assert!(m.tenant().await.branding.illustration_key.is_none());

    let alt = "Twee verzorgenden in de tuin van De Linde";
    let (ct, body) = illustration_form(&csrf, &png, alt);
    let res = page
        .post("/beheer/huisstijl/afbeelding")
        .body(&ct, body)
        .send()
        .await;
    let (_, flash) = page.follow(&res).await;
    assert_eq!(flash.as_deref(), Some("De afbeelding is opgeslagen."));
    let image = visitor.get("/afbeelding").expect(StatusCode::OK).await;
    assert_eq!(image.body, png);
    assert_eq!(image.headers["content-type"], "image/png");
    let expected = format!("alt=\"{alt}\"");
    let login = visitor.get("/inloggen").send().await.text();
    assert!(
        login.contains("data-testid=\"illustration\"") && login.contains(&expected),
        "{login}"
    );
    assert!(
        learner.get("/").send().await.text().contains(&expected),
        "the cached home follows the new branding version"
    );

    // Another member has none, and its admin can't touch this one's.
    other
        .visitor()
        .get("/afbeelding")
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert!(!other
        .visitor()
        .get("/inloggen")
        .send()
        .await
        .text()
        .contains("data-testid=\"illustration\""));
    visitor
        .delete("/api/v1/branding/illustration")
        .bearer(b_admin.token())
        .expect(StatusCode::UNAUTHORIZED)
        .await;

    // Through the API: replaced (the old object removed), then removed.
    let old_key = m.tenant().await.branding.illustration_key.unwrap();
    let jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
    admin
        .put("/api/v1/branding/illustration?alt=Het%20team%20van%20Het%20Anker")
        .body("image/jpeg", jpeg.clone())
        .expect(StatusCode::NO_CONTENT)
        .await;
    assert_eq!(visitor.get("/afbeelding").send().await.body, jpeg);
    assert!(app.platform.objects.get(&old_key).await.unwrap().is_none());
    let res = admin
        .put("/api/v1/branding/illustration")
        .body("image/jpeg", jpeg.clone())
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "alt");
    admin
        .delete("/api/v1/branding/illustration")
        .expect(StatusCode::NO_CONTENT)
        .await;
    visitor
        .get("/afbeelding")
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert!(!visitor
        .get("/inloggen")
        .send()
        .await
        .text()
        .contains("data-testid=\"illustration\""));
}
