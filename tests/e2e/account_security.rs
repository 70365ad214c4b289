//! Regression tests of the account-security review (issue 10): links after blocking, withdrawn
//! invitations, throttling that cannot be raced, forwarded addresses and unauthenticated hashing.

use crate::support::{App, PASSWORD};
use http::StatusCode;
use serde_json::json;
use zk_kernel::authz::Role;
use zk_tenant::domain::throttle;

/// An app that trusts one proxy hop, so tests can speak from several client addresses.
async fn behind_one_proxy() -> App {
    App::with_config(|c| c.trusted_proxy_hops = 1).await
}

const NEW_PASSWORD: &str = "Nieuw-Wachtwoord-7";

/// Sends `n` requests at once and returns their statuses.
async fn at_once(
    n: usize,
    make: impl Fn(usize) -> zk_test_support::http::TestRequest,
) -> Vec<StatusCode> {
    crate::support::at_once(n, make)
        .await
        .iter()
        .map(|r| r.status)
        .collect()
}

/// How many of `statuses` are `code`.
fn count(statuses: &[StatusCode], code: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == code).count()
}

async fn status_of(app: &App, email: &str) -> (String, Option<String>) {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query_as("SELECT status, password_hash FROM tenant.users WHERE email = $1")
        .bind(email)
        .fetch_one(&mut owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invitation_accepted_after_blocking_is_refused() {
    let app = App::new().await;
    let m = app.member("blok-uitn").await;
    app.user(&m, "admin@blok-uitn.test", Role::Admin).await;
    let admin = app.token(&m, "admin@blok-uitn.test").await;
    let res = app
        .client
        .post("blok-uitn", "/api/v1/users")
        .bearer(&admin)
        .json(&json!({ "email": "verkeerd@blok-uitn.test", "roles": ["admin"] }))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let id = res.json()["user"]["id"].as_str().unwrap().to_owned();
    let token = app
        .mailed_token("verkeerd@blok-uitn.test", "uitnodiging")
        .await;

    app.client
        .post("blok-uitn", &format!("/api/v1/users/{id}/block"))
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::OK);

    let page = app
        .client
        .get("blok-uitn", &format!("/uitnodiging/{token}"))
        .send()
        .await;
    page.assert_status(StatusCode::GONE);
    assert!(page.text().contains("ingetrokken"), "{}", page.text());
    let res = app
        .client
        .post("blok-uitn", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::GONE);
    assert!(res.set_cookie("zk_session").is_none());
    assert_eq!(
        status_of(&app, "verkeerd@blok-uitn.test").await,
        ("disabled".to_owned(), None)
    );

    // Unblocking does not revive the old link: the admin has to invite again.
    app.client
        .post("blok-uitn", &format!("/api/v1/users/{id}/unblock"))
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::OK);
    app.client
        .post("blok-uitn", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .assert_status(StatusCode::GONE);
    assert_eq!(
        status_of(&app, "verkeerd@blok-uitn.test").await.0,
        "invited"
    );
}

#[tokio::test]
async fn a_reset_after_blocking_is_refused() {
    let app = App::new().await;
    let m = app.member("blok-herstel").await;
    app.user(&m, "admin@blok-herstel.test", Role::Admin).await;
    let learner = app
        .user(&m, "leerling@blok-herstel.test", Role::Learner)
        .await;
    let admin = app.token(&m, "admin@blok-herstel.test").await;
    app.client
        .post("blok-herstel", "/wachtwoord-vergeten")
        .form(&[("email", "leerling@blok-herstel.test")])
        .send()
        .await
        .assert_status(StatusCode::OK);
    let token = app
        .mailed_token("leerling@blok-herstel.test", "wachtwoord-herstellen")
        .await;
    let (_, hash_before) = status_of(&app, "leerling@blok-herstel.test").await;

    app.client
        .post("blok-herstel", &format!("/api/v1/users/{learner}/block"))
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::OK);
    let res = app
        .client
        .post("blok-herstel", &format!("/wachtwoord-herstellen/{token}"))
        .form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::GONE);
    assert_eq!(
        status_of(&app, "leerling@blok-herstel.test").await,
        ("disabled".to_owned(), hash_before)
    );
    app.client
        .post("blok-herstel", "/inloggen")
        .form(&[
            ("email", "leerling@blok-herstel.test"),
            ("password", NEW_PASSWORD),
        ])
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_link_activates_a_blocked_account_even_if_it_was_not_revoked() {
    // Defence in depth: a link that somehow stayed open still cannot reactivate the account.
    let app = App::new().await;
    let m = app.member("diep").await;
    app.user(&m, "admin@diep.test", Role::Admin).await;
    let admin = app.token(&m, "admin@diep.test").await;
    app.client
        .post("diep", "/api/v1/users")
        .bearer(&admin)
        .json(&json!({ "email": "nieuw@diep.test", "roles": ["learner"] }))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let token = app.mailed_token("nieuw@diep.test", "uitnodiging").await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.users SET status = 'disabled' WHERE email = 'nieuw@diep.test'")
        .execute(&mut owner)
        .await
        .unwrap();
    app.client
        .post("diep", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .assert_status(StatusCode::GONE);
    assert_eq!(status_of(&app, "nieuw@diep.test").await.0, "disabled");
}

#[tokio::test]
async fn an_admin_withdraws_a_pending_invitation() {
    let app = App::new().await;
    let m = app.member("intrek").await;
    let other = app.member("intrek-ander").await;
    app.user(&m, "admin@intrek.test", Role::Admin).await;
    let active = app.user(&m, "actief@intrek.test", Role::Learner).await;
    let admin = app.login("intrek", "admin@intrek.test").await;
    let res = app
        .client
        .post("intrek", "/beheer")
        .cookie(&format!("zk_session={admin}"))
        .form(&[("email", "per-ongeluk@intrek.test"), ("roles", "admin")])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let token = app
        .mailed_token("per-ongeluk@intrek.test", "uitnodiging")
        .await;
    let id: uuid::Uuid = {
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query_scalar("SELECT id FROM tenant.users WHERE email = 'per-ongeluk@intrek.test'")
            .fetch_one(&mut owner)
            .await
            .unwrap()
    };
    let page = app
        .client
        .get("intrek", &format!("/beheer/gebruikers/{id}"))
        .cookie(&format!("zk_session={admin}"))
        .send()
        .await
        .text();
    let action = format!("/beheer/gebruikers/{id}/uitnodiging-intrekken");
    assert!(
        page.contains(&action),
        "the pending user's page offers to withdraw"
    );
    let page = app
        .client
        .get("intrek", &format!("/beheer/gebruikers/{active}"))
        .cookie(&format!("zk_session={admin}"))
        .send()
        .await
        .text();
    assert!(!page.contains("uitnodiging-intrekken"));

    // Another member's admin cannot withdraw it.
    app.user(&other, "admin@intrek-ander.test", Role::Admin)
        .await;
    let foreign = app.token(&other, "admin@intrek-ander.test").await;
    app.client
        .request(
            http::Method::DELETE,
            "intrek-ander",
            &format!("/api/v1/users/{id}/invitation"),
        )
        .bearer(&foreign)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let res = app
        .client
        .post("intrek", &action)
        .cookie(&format!("zk_session={admin}"))
        .form(&[])
        .send()
        .await;
    let (_, flash) = app.follow("intrek", &res, &admin).await;
    assert!(flash
        .unwrap()
        .contains("De uitnodiging van per-ongeluk@intrek.test is ingetrokken"));
    app.client
        .post("intrek", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mut owner = app.db.owner().await.unwrap();
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM tenant.users WHERE id = $1)
              + (SELECT count(*) FROM tenant.invites WHERE user_id = $1)
              + (SELECT count(*) FROM tenant.casbin_rule WHERE v0 = $1::text)",
    )
    .bind(id)
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(left, 0, "the pending account, its links and roles are gone");

    // The address can be invited again; an account in use is blocked, not withdrawn.
    let admin_token = app.token(&m, "admin@intrek.test").await;
    app.client
        .post("intrek", "/api/v1/users")
        .bearer(&admin_token)
        .json(&json!({ "email": "per-ongeluk@intrek.test", "roles": ["learner"] }))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let res = app
        .client
        .request(
            http::Method::DELETE,
            "intrek",
            &format!("/api/v1/users/{active}/invitation"),
        )
        .bearer(&admin_token)
        .send()
        .await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "not_pending");
    app.login("intrek", "actief@intrek.test").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_are_counted_before_hashing() {
    let app = behind_one_proxy().await;
    let m = app.member("race").await;
    app.user(&m, "leerling@race.test", Role::Learner).await;
    let before = app.platform.metrics.password_hashes();
    let statuses = at_once(25, |_| {
        app.client
            .post("race", "/inloggen")
            .header("x-forwarded-for", "203.0.113.66")
            .form(&[("email", "leerling@race.test"), ("password", "fout-fout-1")])
    })
    .await;
    let refused = count(&statuses, StatusCode::TOO_MANY_REQUESTS);
    let wrong = count(&statuses, StatusCode::UNAUTHORIZED);
    let limit = throttle::LOGIN_PER_ACCOUNT_AND_ADDRESS as usize;
    assert_eq!((wrong, refused), (limit, 25 - limit), "{statuses:?}");
    assert_eq!(
        app.platform.metrics.password_hashes() - before,
        limit as u64,
        "only the attempts within the limit were hashed"
    );

    // The stranger's address is locked out of this account, without hashing…
    let res = app
        .login_from("race", "leerling@race.test", PASSWORD, "203.0.113.66")
        .await;
    res.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.platform.metrics.password_hashes() - before,
        limit as u64
    );
    // …but the learner, elsewhere, logs in; that success lifts the account's counters.
    app.login_from("race", "leerling@race.test", PASSWORD, "198.51.100.4")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    app.login_from("race", "leerling@race.test", PASSWORD, "203.0.113.66")
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_locked_out_account_gets_back_in_through_a_reset_link() {
    let app = App::new().await;
    let m = app.member("slot").await;
    app.user(&m, "leerling@slot.test", Role::Learner).await;
    for _ in 0..throttle::LOGIN_PER_ACCOUNT_AND_ADDRESS {
        app.client
            .post("slot", "/inloggen")
            .form(&[("email", "leerling@slot.test"), ("password", "fout-fout-1")])
            .send()
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    app.client
        .post("slot", "/inloggen")
        .form(&[("email", "leerling@slot.test"), ("password", PASSWORD)])
        .send()
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    app.client
        .post("slot", "/wachtwoord-vergeten")
        .form(&[("email", "leerling@slot.test")])
        .send()
        .await
        .assert_status(StatusCode::OK);
    let token = app
        .mailed_token("leerling@slot.test", "wachtwoord-herstellen")
        .await;
    app.client
        .post("slot", &format!("/wachtwoord-herstellen/{token}"))
        .form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
        .send()
        .await
        .assert_status(StatusCode::OK);
    app.client
        .post("slot", "/inloggen")
        .form(&[("email", "leerling@slot.test"), ("password", NEW_PASSWORD)])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_spoofed_forwarded_address_does_not_escape_the_address_limit() {
    let app = behind_one_proxy().await;
    let m = app.member("spoof").await;
    app.user(&m, "leerling@spoof.test", Role::Learner).await;
    // The client writes a new address in front each time; the proxy appends the real one.
    for i in 0..throttle::LOGIN_PER_ADDRESS {
        let res = app
            .login_from(
                "spoof",
                &format!("raden{i}@spoof.test"),
                "fout-fout-1",
                &format!("10.66.{}.{}, 203.0.113.9", i / 250, i % 250),
            )
            .await;
        res.assert_status(StatusCode::UNAUTHORIZED);
    }
    let res = app
        .login_from(
            "spoof",
            "leerling@spoof.test",
            PASSWORD,
            "192.0.2.1, 203.0.113.9",
        )
        .await;
    res.assert_status(StatusCode::TOO_MANY_REQUESTS);
    // Another real address is not affected.
    app.login_from(
        "spoof",
        "leerling@spoof.test",
        PASSWORD,
        "203.0.113.9, 198.51.100.7",
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bogus_link_tokens_costs_no_hashing() {
    let app = behind_one_proxy().await;
    let m = app.member("vloed").await;
    app.user(&m, "leerling@vloed.test", Role::Learner).await;
    let before = app.platform.metrics.password_hashes();
    let statuses = at_once(40, |i| {
        let path = if i % 2 == 0 {
            format!("/uitnodiging/bogus-token-{i}")
        } else {
            format!("/wachtwoord-herstellen/bogus-token-{i}")
        };
        app.client
            .post("vloed", &path)
            .header("x-forwarded-for", "203.0.113.50")
            .form(&[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ])
    })
    .await;
    assert_eq!(
        app.platform.metrics.password_hashes(),
        before,
        "no bogus token was hashed for"
    );
    let limit = throttle::LINK_FORMS_PER_ADDRESS as usize;
    let not_found = count(&statuses, StatusCode::NOT_FOUND);
    let refused = count(&statuses, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((not_found, refused), (limit, 40 - limit), "{statuses:?}");
    // Logins go on as usual.
    app.login_from("vloed", "leerling@vloed.test", PASSWORD, "198.51.100.8")
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn reset_mails_are_throttled_per_account_and_per_address() {
    let app = behind_one_proxy().await;
    let m = app.member("postbus").await;
    app.user(&m, "leerling@postbus.test", Role::Learner).await;
    async fn request(app: &App, email: &str, ip: &str) -> zk_test_support::TestResponse {
        app.client
            .post("postbus", "/wachtwoord-vergeten")
            .header("x-forwarded-for", ip)
            .form(&[("email", email)])
            .send()
            .await
    }
    let mut statuses = vec![];
    for i in 0..20 {
        // From several addresses: the per-account limit holds across them.
        let ip = ["203.0.113.1", "203.0.113.2", "203.0.113.3"][i % 3];
        statuses.push(request(&app, "leerling@postbus.test", ip).await.status);
    }
    let sent = count(&statuses, StatusCode::OK);
    assert_eq!(sent, throttle::RESET_MAILS_PER_ACCOUNT as usize);
    let mut owner = app.db.owner().await.unwrap();
    let mails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenant.outbox WHERE recipient = 'leerling@postbus.test'",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(mails, throttle::RESET_MAILS_PER_ACCOUNT as i64);
    let res = request(&app, "leerling@postbus.test", "203.0.113.1").await;
    res.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().contains("Te veel verzoeken"));

    // Per address, whatever the account (existing or not: the answer never tells).
    for i in 0..throttle::RESET_MAILS_PER_ADDRESS {
        request(&app, &format!("niemand{i}@postbus.test"), "198.51.100.20")
            .await
            .assert_status(StatusCode::OK);
    }
    request(&app, "iemand-anders@postbus.test", "198.51.100.20")
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_return_address_after_login_stays_on_the_portal() {
    let app = App::new().await;
    let m = app.member("terug").await;
    app.user(&m, "leerling@terug.test", Role::Learner).await;
    let login = |terug: &'static str| {
        app.client
            .post("terug", "/inloggen")
            .form(&[
                ("email", "leerling@terug.test"),
                ("password", PASSWORD),
                ("terug", terug),
            ])
            .send()
    };
    for evil in [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%2F%2Fevil.example",
        "/%5C%5Cevil.example",
        "/%09/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/@evil.example/../..//evil.example",
    ] {
        let res = login(evil).await;
        res.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(res.location().as_deref(), Some("/"), "{evil:?}");
    }
    let res = login("/beheer?tab=2").await;
    assert_eq!(res.location().as_deref(), Some("/beheer?tab=2"));
    // The language switch goes back only to a path of this portal as well.
    let res = app
        .client
        .get("terug", "/taal/en")
        .header("referer", "http://evil.example//evil.example/")
        .send()
        .await;
    assert_eq!(res.location().as_deref(), Some("/"));
    let res = app
        .client
        .get("terug", "/taal/en")
        .header(
            "referer",
            "http://terug.localhost:8080/inloggen?terug=/beheer",
        )
        .send()
        .await;
    assert_eq!(res.location().as_deref(), Some("/inloggen?terug=/beheer"));
}

/// A form post as a browser would send it, with every cookie and header given.
async fn raw_form(
    app: &App,
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
    let app = App::new().await;
    let m = app.member("doelwit").await;
    app.user(&m, "admin@doelwit.test", Role::Admin).await;
    let admin = app.login("doelwit", "admin@doelwit.test").await;
    let planted = "geplant-door-een-zustersite-0123456789abcdef";
    let invite = "email=kaper%40evil.test&roles=admin";
    let users_before = app.count("tenant.users").await;

    // The script on evil.localhost set `zk_csrf` for the whole base domain and posts the same
    // value in the form; the victim's browser adds its own session cookie.
    for (cookies, token) in [
        (
            format!("zk_csrf={planted}; zk_session={admin}"),
            planted.to_owned(),
        ),
        (
            // The token the server gives that cookie on a page without a session.
            format!("zk_csrf={planted}; zk_session={admin}"),
            zk_test_support::csrf_for_anonymous(planted),
        ),
    ] {
        let res = raw_form(
            &app,
            "doelwit",
            "/beheer",
            &cookies,
            &format!("csrf={token}&{invite}"),
            &[],
        )
        .await;
        res.assert_status(StatusCode::FORBIDDEN);
    }
    // Even with the right token, a post that the browser marks as coming from a sibling
    // subdomain or another origin is refused.
    let token = zk_test_support::csrf_for_session(&admin);
    for headers in [
        vec![("sec-fetch-site", "same-site")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "http://evil.localhost:8080")],
        vec![("origin", "null")],
    ] {
        let res = raw_form(
            &app,
            "doelwit",
            "/beheer",
            &format!("zk_session={admin}"),
            &format!("csrf={token}&{invite}"),
            &headers,
        )
        .await;
        res.assert_status(StatusCode::FORBIDDEN);
    }
    assert_eq!(app.count("tenant.users").await, users_before);
    // The real form from the portal itself works.
    let res = raw_form(
        &app,
        "doelwit",
        "/beheer",
        &format!("zk_session={admin}"),
        &format!("csrf={token}&email=echt%40doelwit.test&roles=learner"),
        &[
            ("origin", "http://doelwit.localhost:8080"),
            ("sec-fetch-site", "same-origin"),
        ],
    )
    .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.count("tenant.users").await, users_before + 1);
}

#[tokio::test]
async fn a_planted_cookie_cannot_reach_the_operators_console_either() {
    let app = App::new().await;
    app.operator("op@nzk.test").await;
    let op = app.login("", "op@nzk.test").await;
    let planted = "geplant-door-een-zustersite-0123456789abcdef";
    let res = raw_form(
        &app,
        "",
        "/console",
        &format!("zk_csrf={planted}; zk_session={op}"),
        &format!("csrf={planted}&slug=gekaapt&name=Gekaapt&admin_email=kaper%40evil.test"),
        &[],
    )
    .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("tenant.tenants").await,
        1,
        "no member was created"
    );
}

#[tokio::test]
async fn empty_short_and_duplicated_csrf_values_are_refused() {
    let app = App::new().await;
    let m = app.member("leeg").await;
    app.user(&m, "leerling@leeg.test", Role::Learner).await;
    let login = "email=leerling%40leeg.test&password=Test-wachtwoord-1";
    let anonymous = zk_test_support::CSRF_COOKIE_VALUE;
    let good = zk_test_support::csrf_for_anonymous(anonymous);
    for (cookies, token) in [
        ("zk_csrf=".to_owned(), String::new()),
        (format!("zk_csrf={anonymous}"), String::new()),
        ("zk_csrf=kort".to_owned(), "kort".to_owned()),
        (
            "zk_csrf=kort".to_owned(),
            zk_test_support::csrf_for_anonymous("kort"),
        ),
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
    let res = raw_form(
        &app,
        "leeg",
        "/inloggen",
        &format!("zk_csrf={anonymous}"),
        &format!("csrf={good}&{login}"),
        &[],
    )
    .await;
    res.assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_csrf_token_changes_at_login_and_logout() {
    let app = App::new().await;
    let m = app.member("wissel").await;
    app.user(&m, "leerling@wissel.test", Role::Learner).await;
    let form_token = |html: &str| zk_test_support::csrf_field(html).unwrap();
    let page = app.client.get("wissel", "/inloggen").send().await;
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
    let home = app
        .client
        .get("wissel", "/")
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
    let page = app
        .client
        .get("wissel", "/inloggen")
        .cookie(&format!("zk_csrf={after_anonymous}"))
        .send()
        .await;
    let after = form_token(&page.text());
    assert!(after != during && after != before);
}

#[tokio::test]
async fn over_https_cookies_are_host_prefixed_and_secure_and_hsts_is_sent() {
    let app = App::with_config(|c| c.public_scheme = "https".into()).await;
    let m = app.member("veilig").await;
    app.user(&m, "leerling@veilig.test", Role::Learner).await;
    let page = app.client.get("veilig", "/inloggen").send().await;
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
    let token = zk_test_support::csrf_for_anonymous(&anonymous);
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
    app.client
        .get("veilig", "/api/v1/me")
        .cookie(&format!("__Host-zk_session={session}"))
        .send()
        .await
        .assert_status(StatusCode::OK);
    app.client
        .get("veilig", "/api/v1/me")
        .cookie(&format!("zk_session={session}"))
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_welcome_text_cannot_carry_a_visitors_token_out() {
    let app = App::new().await;
    let m = app.member("welkom").await;
    app.user(&m, "leerling@welkom.test", Role::Learner).await;
    let t = app.tenant(m.id).await;
    let input = zk_tenant::domain::branding::BrandingInput {
        name: "Zorg welkom".into(),
        primary_color: "#1d4f91".into(),
        accent_color: "#8a3b12".into(),
        welcome_markdown:
            "[Klik hier](https://evil.example/?t=__zk_csrf_token__) __zk_csrf_token__ {{csrf}}"
                .into(),
        support_email: None,
    };
    zk_tenant::domain::branding::update(&app.platform, &t, &input)
        .await
        .unwrap();
    let session = app.login("welkom", "leerling@welkom.test").await;
    let token = zk_test_support::csrf_for_session(&session);
    for _ in 0..2 {
        // Rendered, then from the page cache.
        let page = app
            .client
            .get("welkom", "/")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_link_posted_many_times_at_once_is_used_once_and_hashed_boundedly() {
    let app = behind_one_proxy().await;
    let m = app.member("dubbel").await;
    app.user(&m, "admin@dubbel.test", Role::Admin).await;
    let admin = app.token(&m, "admin@dubbel.test").await;
    app.client
        .post("dubbel", "/api/v1/users")
        .bearer(&admin)
        .json(&json!({ "email": "nieuw@dubbel.test", "roles": ["learner"] }))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let token = app.mailed_token("nieuw@dubbel.test", "uitnodiging").await;
    let before = app.platform.metrics.password_hashes();
    let path = format!("/uitnodiging/{token}");
    let statuses = at_once(30, |_| {
        app.client
            .post("dubbel", &path)
            .header("x-forwarded-for", "203.0.113.77")
            .form(&[
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ])
    })
    .await;
    let accepted = count(&statuses, StatusCode::SEE_OTHER);
    assert_eq!(accepted, 1, "{statuses:?}");
    let hashed = app.platform.metrics.password_hashes() - before;
    assert!(
        hashed <= throttle::LINK_FORMS_PER_ADDRESS as u64,
        "{hashed} hashes for one link"
    );
}
