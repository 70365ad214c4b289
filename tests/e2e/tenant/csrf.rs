//! Forms and cookies against forgery: CSRF cookies planted by a sibling subdomain, empty or
//! doubled values, tokens that change at login and logout, `__Host-` cookies over HTTPS and a
//! welcome text that cannot carry the token out. Regression tests of the account-security
//! review (issue 10). The requests here are written out by hand on purpose: they are what a
//! forger's browser would send.

use crate::support::*;
use zk_test_support::{csrf_field, csrf_for_anonymous, csrf_for_session, CSRF_COOKIE_VALUE};

/// A form post as a browser would send it, with every cookie and header given.
async fn raw_form(
    app: &TestApp,
    host: &str,
    path: &str,
    cookies: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> zk_test_support::TestResponse {
    let mut req = app
        .client
        .post(host, path)
        .body("application/x-www-form-urlencoded", body.to_owned());
    if !cookies.is_empty() {
        req = req.cookie(cookies);
    }
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await
}

#[tokio::test]
async fn a_csrf_cookie_planted_by_a_sibling_subdomain_forges_nothing() {
    let app = app().await;
    let m = app.member("doelwit").await;
    let admin = m
        .user("admin@doelwit.test", Role::Admin)
        .await
        .login()
        .await;
    let session = &admin.cookie;
    let planted = "geplant-door-een-zustersite-0123456789abcdef";
    let invite = "email=kaper%40evil.test&roles=admin";
    let users_before = app.count("tenant.users").await;

    // The script on evil.localhost set `zk_csrf` for the whole base domain and posts the same
    // value in the form; the victim's browser adds its own session cookie.
    for token in [
        planted.to_owned(),
        // The token the server gives that cookie on a page without a session.
        csrf_for_anonymous(planted),
    ] {
        raw_form(
            &app,
            "doelwit",
            "/beheer",
            &format!("zk_csrf={planted}; zk_session={session}"),
            &format!("csrf={token}&{invite}"),
            &[],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    }
    // Even with the right token, a post that the browser marks as coming from a sibling
    // subdomain or another origin is refused.
    let token = csrf_for_session(session);
    for headers in [
        vec![("sec-fetch-site", "same-site")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "http://evil.localhost:8080")],
        vec![("origin", "null")],
    ] {
        raw_form(
            &app,
            "doelwit",
            "/beheer",
            &format!("zk_session={session}"),
            &format!("csrf={token}&{invite}"),
            &headers,
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("tenant.users").await, users_before);
    // The real form from the portal itself works.
    raw_form(
        &app,
        "doelwit",
        "/beheer",
        &format!("zk_session={session}"),
        &format!("csrf={token}&email=echt%40doelwit.test&roles=learner"),
        &[
            ("origin", "http://doelwit.localhost:8080"),
            ("sec-fetch-site", "same-origin"),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.count("tenant.users").await, users_before + 1);
}

#[tokio::test]
async fn a_planted_cookie_cannot_reach_the_operators_console_either() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await.login().await;
    let planted = "geplant-door-een-zustersite-0123456789abcdef";
    raw_form(
        &app,
        "",
        "/console",
        &format!("zk_csrf={planted}; zk_session={}", op.cookie),
        &format!("csrf={planted}&slug=gekaapt&name=Gekaapt&admin_email=kaper%40evil.test"),
        &[],
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("tenant.tenants").await,
        1,
        "no member was created"
    );
}

#[tokio::test]
async fn empty_short_and_duplicated_csrf_values_are_refused() {
    let app = app().await;
    let m = app.member("leeg").await;
    m.learner().await;
    let login = "email=leerling%40leeg.test&password=Test-wachtwoord-1";
    let anonymous = CSRF_COOKIE_VALUE;
    let good = csrf_for_anonymous(anonymous);
    for (cookies, token) in [
        ("zk_csrf=".to_owned(), String::new()),
        (format!("zk_csrf={anonymous}"), String::new()),
        ("zk_csrf=kort".to_owned(), "kort".to_owned()),
        ("zk_csrf=kort".to_owned(), csrf_for_anonymous("kort")),
        // Two cookies of one name (one planted for the base domain): ambiguous, so neither counts.
        (
            format!("zk_csrf=geplant-door-een-zustersite-0123456789abcdef; zk_csrf={anonymous}"),
            good.clone(),
        ),
    ] {
        let res = raw_form(
            &app,
            "leeg",
            "/inloggen",
            &cookies,
            &format!("csrf={token}&{login}"),
            &[],
        )
        .await;
        res.assert_status(StatusCode::FORBIDDEN);
        assert!(res.set_cookie("zk_session").is_none());
    }
    raw_form(
        &app,
        "leeg",
        "/inloggen",
        &format!("zk_csrf={anonymous}"),
        &format!("csrf={good}&{login}"),
        &[],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_csrf_token_changes_at_login_and_logout() {
    let app = app().await;
    let m = app.member("wissel").await;
    m.learner().await;
    let form_token = |html: &str| csrf_field(html).unwrap();
    let page = m.visitor().get("/inloggen").send().await;
    let anonymous = page.set_cookie("zk_csrf").unwrap();
    let before = form_token(&page.text());
    let res = raw_form(
        &app,
        "wissel",
        "/inloggen",
        &format!("zk_csrf={anonymous}"),
        &format!("csrf={before}&email=leerling%40wissel.test&password=Test-wachtwoord-1"),
        &[],
    )
    .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = res.set_cookie("zk_session").unwrap();
    let fresh_anonymous = res.set_cookie("zk_csrf").unwrap();
    assert_ne!(
        fresh_anonymous, anonymous,
        "a new anonymous cookie at login"
    );
    let home = m
        .visitor()
        .get("/")
        .cookie(&format!("zk_csrf={fresh_anonymous}; zk_session={session}"))
        .send()
        .await;
    let during = form_token(&home.text());
    assert_ne!(during, before);
    // The token from before the login does not work with the session.
    raw_form(
        &app,
        "wissel",
        "/uitloggen",
        &format!("zk_csrf={anonymous}; zk_session={session}"),
        &format!("csrf={before}"),
        &[],
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    let out = raw_form(
        &app,
        "wissel",
        "/uitloggen",
        &format!("zk_csrf={fresh_anonymous}; zk_session={session}"),
        &format!("csrf={during}"),
        &[],
    )
    .await;
    out.assert_status(StatusCode::SEE_OTHER);
    let after_anonymous = out.set_cookie("zk_csrf").unwrap();
    assert_ne!(
        after_anonymous, fresh_anonymous,
        "a new anonymous cookie at logout"
    );
    let page = m
        .visitor()
        .get("/inloggen")
        .cookie(&format!("zk_csrf={after_anonymous}"))
        .send()
        .await;
    let after = form_token(&page.text());
    assert!(after != during && after != before);
}

#[tokio::test]
async fn over_https_cookies_are_host_prefixed_and_secure_and_hsts_is_sent() {
    let app = app_with(|c| c.public_scheme = "https".into()).await;
    let m = app.member("veilig").await;
    m.learner().await;
    let page = m.visitor().get("/inloggen").send().await;
    assert_eq!(
        page.headers["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
    let set: Vec<String> = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        set.iter().any(|c| c.starts_with("__Host-zk_csrf=")
            && c.contains("; Path=/")
            && c.contains("; Secure")
            && !c.contains("Domain")),
        "{set:?}"
    );
    let anonymous = page.set_cookie("__Host-zk_csrf").unwrap();
    let token = csrf_for_anonymous(&anonymous);
    let res = raw_form(
        &app,
        "veilig",
        "/inloggen",
        &format!("__Host-zk_csrf={anonymous}"),
        &format!("csrf={token}&email=leerling%40veilig.test&password=Test-wachtwoord-1"),
        &[],
    )
    .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = res
        .set_cookie("__Host-zk_session")
        .expect("host-prefixed session");
    assert!(res.headers.get_all("set-cookie").iter().any(|c| c
        .to_str()
        .unwrap()
        .starts_with("__Host-zk_session=")
        && c.to_str().unwrap().contains("; Secure")));
    // The session works under its prefixed name; a plain `zk_session` (which a sibling could
    // set) is not read at all.
    m.visitor()
        .get("/api/v1/me")
        .cookie(&format!("__Host-zk_session={session}"))
        .expect(StatusCode::OK)
        .await;
    m.visitor()
        .get("/api/v1/me")
        .cookie(&format!("zk_session={session}"))
        .expect(StatusCode::UNAUTHORIZED)
        .await;
}

#[tokio::test]
async fn a_welcome_text_cannot_carry_a_visitors_token_out() {
    let app = app().await;
    let m = app.member("welkom").await;
    let learner = m.learner().await;
    m.brand(&BrandingInput {
        name: "Zorg welkom".into(),
        primary_color: "#1d4f91".into(),
        accent_color: "#8a3b12".into(),
        welcome_markdown:
            "[Klik hier](https://evil.example/?t=__zk_csrf_token__) __zk_csrf_token__ {{csrf}}"
                .into(),
        support_email: None,
    })
    .await;
    let session = learner.login().await.cookie;
    let token = csrf_for_session(&session);
    for _ in 0..2 {
        // Rendered, then from the page cache.
        let page = m
            .visitor()
            .get("/")
            .cookie(&format!("zk_session={session}"))
            .send()
            .await
            .text();
        assert!(
            page.contains("https://evil.example/?t=__zk_csrf_token__"),
            "{page}"
        );
        let fields = page.matches(&format!("value=\"{token}\"")).count()
            + page.matches(&format!("content=\"{token}\"")).count();
        assert!(fields >= 2, "the logout form and the meta tag carry it");
        assert_eq!(
            page.matches(&token).count(),
            fields,
            "the token appears nowhere but in its fields"
        );
    }
}
