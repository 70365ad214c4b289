//! Bad input: each case gets its status, machine code and a Dutch message, and leaves no rows.

use crate::support::*;

/// Members, users, invitations and mails: what a failed request must leave as it was.
async fn counts(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.count("tenant.tenants").await,
        app.count("tenant.users").await,
        app.count("tenant.invites").await,
        app.count("tenant.outbox").await,
    )
}

#[tokio::test]
async fn member_creation_rejects_bad_slugs_and_duplicates_without_partial_rows() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    app.member("bestaand").await;
    let before = counts(&app).await;
    let cases = [
        (
            "Hoofdletters",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_slug",
            "slug",
        ),
        (
            "a",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_slug",
            "slug",
        ),
        (
            "-streep",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_slug",
            "slug",
        ),
        (
            "beheer",
            StatusCode::UNPROCESSABLE_ENTITY,
            "reserved_slug",
            "slug",
        ),
        (
            "www",
            StatusCode::UNPROCESSABLE_ENTITY,
            "reserved_slug",
            "slug",
        ),
        ("bestaand", StatusCode::CONFLICT, "slug_taken", "slug"),
    ];
    for (slug, status, code, field) in cases {
        let res = op
            .post("/api/v1/tenants")
            .json(&json!({ "slug": slug, "name": "Zorg", "admin_email": "beheer@zorg.test", "employee_count": 10 }))
            .expect(status)
            .await;
        let body = res.json();
        assert_eq!(body["error"]["code"], code, "{slug}");
        assert_eq!(body["error"]["field"], field, "{slug}");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("webadres"),
            "the Dutch message names the web address: {msg}"
        );
    }
    let res = op
        .post("/api/v1/tenants")
        .json(&json!({ "slug": "goed-lid", "name": "Zorg", "admin_email": "geen-mail", "employee_count": 10 }))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "admin_email");
    assert_eq!(
        res.json()["error"]["message"],
        "Vul een geldig e-mailadres in."
    );
    assert_eq!(
        counts(&app).await,
        before,
        "no partial rows after failed creations"
    );
}

#[tokio::test]
async fn a_failure_late_in_member_creation_rolls_everything_back() {
    // Member creation writes tenant, branding, admin, role grant, invite and mail in one
    // transaction. Make the last write fail (a constraint the owner adds for this test only)
    // and check that none of the earlier writes survive.
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("ALTER TABLE tenant.outbox ADD CONSTRAINT test_refuse CHECK (recipient <> 'weigeren@zorg.test')")
        .execute(&mut owner)
        .await
        .unwrap();
    let before = (
        counts(&app).await,
        app.count("tenant.branding").await,
        app.count("tenant.casbin_rule").await,
    );
    let res = op
        .post("/api/v1/tenants")
        .json(&json!({ "slug": "half-af", "name": "Half Af", "admin_email": "weigeren@zorg.test" }))
        .send()
        .await;
    assert!(res.status.is_client_error(), "{}", res.text());
    assert!(
        !res.text().contains("test_refuse"),
        "database text must not leak: {}",
        res.text()
    );
    let after = (
        counts(&app).await,
        app.count("tenant.branding").await,
        app.count("tenant.casbin_rule").await,
    );
    assert_eq!(after, before, "no partial rows");
    op.get("/api/v1/tenants/half-af")
        .expect(StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test]
async fn failed_invitations_leave_no_rows() {
    let app = app().await;
    let m = app.member("eerste").await;
    let admin = m.user("admin@eerste.test", Role::Admin).await;
    let before = counts(&app).await;
    let res = admin
        .post("/api/v1/users")
        .json(&json!({ "email": "admin@eerste.test", "roles": ["learner"] }))
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "email_taken");
    assert_eq!(res.error_field(), "email");
    let res = admin
        .post("/api/v1/users")
        .json(&json!({ "email": "nieuw@eerste.test", "roles": ["learner", "koning"] }))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "invalid_role");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn malformed_requests_get_the_envelope() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let before = counts(&app).await;

    let res = op
        .post("/api/v1/tenants")
        .body("text/plain", "slug=x")
        .expect(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .await;
    assert_eq!(res.error_code(), "unsupported_media_type");

    let res = op
        .post("/api/v1/tenants")
        .body("application/json", "{\"slug\": ")
        .expect(StatusCode::BAD_REQUEST)
        .await;
    assert_eq!(res.error_code(), "malformed_json");
    assert!(res.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("JSON"));

    let res = op
        .post("/api/v1/tenants")
        .json(&json!({ "slug": "zonder-naam" }))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "invalid_field");
    assert_eq!(res.error_field(), "name");

    let huge = "x".repeat(3 * 1024 * 1024);
    let res = op
        .post("/api/v1/tenants")
        .body("application/json", format!("{{\"slug\":\"{huge}\"}}"))
        .expect(StatusCode::PAYLOAD_TOO_LARGE)
        .await;
    assert_eq!(res.error_code(), "payload_too_large");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn bad_colours_are_refused_with_the_field_named() {
    let app = app().await;
    let m = app.member("kleur").await;
    let admin = m.user("admin@kleur.test", Role::Admin).await;
    for (primary, accent, code, field) in [
        ("oranje", "#8a3b12", "invalid_colour", "primary_color"),
        (
            "#1d4f91",
            "#ffff00",
            "insufficient_contrast",
            "accent_color",
        ),
        (
            "#dddddd",
            "#8a3b12",
            "insufficient_contrast",
            "primary_color",
        ),
    ] {
        let res = admin
            .put("/api/v1/branding")
            .json(&json!({ "name": "Kleur", "primary_color": primary, "accent_color": accent }))
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(res.error_code(), code);
        assert_eq!(res.error_field(), field);
    }
    let t = m.tenant().await;
    assert_eq!(t.branding.primary_color, "#1d4f91", "nothing saved");
    let res = admin
        .put("/api/v1/branding/logo")
        .body("image/svg+xml", "<svg onload=alert(1)>")
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "logo_type");
}

#[tokio::test]
async fn expired_invitation_and_wrong_password() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let res = op
        .post("/api/v1/tenants")
        .json(&json!({ "slug": "verlopen", "name": "Verlopen Zorg", "admin_email": "beheer@verlopen.test" }))
        .expect(StatusCode::CREATED)
        .await;
    let token = res.json()["invite_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.invites SET expires_at = now() - interval '1 minute'")
        .execute(&mut owner)
        .await
        .unwrap();

    let visitor = app.visitor("verlopen");
    let link = format!("/uitnodiging/{token}");
    let res = visitor.get(&link).expect(StatusCode::GONE).await;
    assert!(
        res.text().contains("Deze link is verlopen"),
        "Dutch page: {}",
        res.text()
    );
    let res = visitor.choose_password(&link, "Nieuw-wachtwoord-1").await;
    res.assert_status(StatusCode::GONE);
    assert!(res.set_cookie("zk_session").is_none());
    let status: String =
        sqlx::query_scalar("SELECT status FROM tenant.users WHERE email = 'beheer@verlopen.test'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(status, "invited", "expired invite changed nothing");

    let res = app
        .visitor("")
        .login_form("op@nzk.test", "fout-wachtwoord-9")
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    assert!(res
        .text()
        .contains("Het e-mailadres of het wachtwoord klopt niet."));
    assert!(res.set_cookie("zk_session").is_none());
}

#[tokio::test]
async fn logins_are_throttled_per_account() {
    let app = app().await;
    let m = app.member("rem").await;
    m.learner().await;
    let visitor = m.visitor();
    for _ in 0..5 {
        visitor
            .login_form("leerling@rem.test", "fout-fout-1")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused now, with a clear Dutch message.
    let res = visitor.login_form("leerling@rem.test", PASSWORD).await;
    res.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().contains("Te veel mislukte pogingen"));
    // Another account is not affected.
    m.user("ander@rem.test", Role::Learner).await.login().await;
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = app().await;
    let m = app.member("csrf").await;
    m.learner().await;
    let res = m
        .visitor()
        .post("/inloggen")
        .body(
            "application/x-www-form-urlencoded",
            "email=leerling%40csrf.test&password=Test-wachtwoord-1",
        )
        .cookie("zk_csrf=test-csrf-token-0123456789abcdefghijklmnopq")
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert!(res.set_cookie("zk_session").is_none());
    assert!(res.text().contains("Het formulier is verlopen"));
    // A session-authenticated API write without the X-CSRF-Token header is refused too.
    let session = m.user("admin@csrf.test", Role::Admin).await.login().await;
    let res = m
        .visitor()
        .put("/api/v1/branding")
        .cookie(&format!("zk_session={}", session.cookie))
        .json(&json!({ "name": "X", "primary_color": "#1d4f91", "accent_color": "#8a3b12" }))
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "csrf_failed");
}

#[tokio::test]
async fn logins_are_throttled_per_client_address() {
    let app = app().await;
    let m = app.member("ip-rem").await;
    m.learner().await;
    let visitor = m.visitor();
    // Failures spread over many (non-existent) accounts from one address…
    for i in 0..zk_tenant::domain::throttle::LOGIN_PER_ADDRESS {
        visitor
            .login_form(&format!("raden{i}@ip-rem.test"), "fout-fout-1")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    // …and that address is refused, even for a real account with the right password.
    visitor
        .login_form("leerling@ip-rem.test", PASSWORD)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    // One counter per key (account+address and account for each address tried, one for the
    // address): hashes only, no e-mail address stored.
    let mut owner = app.db.owner().await.unwrap();
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant.throttle WHERE hits > 0")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(
        keys,
        2 * i64::from(zk_tenant::domain::throttle::LOGIN_PER_ADDRESS) + 1
    );
    let readable: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenant.throttle WHERE position('ip-rem'::bytea in key_hash) > 0",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(readable, 0);
}

#[tokio::test]
async fn an_empty_login_form_asks_for_the_missing_field_and_the_reset_pages_lead_back() {
    let app = app().await;
    let m = app.member("leeg").await;
    m.user("iemand@leeg.test", Role::Learner).await;
    let visitor = app.visitor("leeg.localhost");
    let res = visitor.login_form("", "").await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text();
    assert!(
        html.contains("Vul uw e-mailadres in."),
        "not 'wrong e-mail or password'"
    );
    assert!(html.contains("id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"\" aria-invalid=\"true\""));
    let res = visitor.login_form("iemand@leeg.test", "").await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text();
    assert!(html.contains("Vul uw wachtwoord in."));
    assert!(
        !html
            .contains("autocomplete=\"username\" required value=\"iemand@leeg.test\" aria-invalid"),
        "the e-mail is not the field at fault"
    );
    // The empty forms counted no attempt: the right password still works at once.
    visitor
        .login_form("iemand@leeg.test", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let forgot = visitor.get("/wachtwoord-vergeten").send().await.text();
    assert!(
        forgot.contains("href=\"/inloggen\""),
        "a way back to the login"
    );
}

/// Who walks a paged route: an operator on the NZK side, or a member's admin on its host.
#[derive(Clone, Copy, Debug)]
enum Who {
    Operator,
    Admin,
}

/// A JSON list (422 with the parameter in `field`) or a page (an error shown in Dutch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Api,
    Page,
}

/// Every route that takes `page` and `per_page`. A new paged route is one more line here.
const PAGED_ROUTES: &[(Who, &str, Kind)] = &[
    (Who::Operator, "/api/v1/tenants", Kind::Api),
    (Who::Operator, "/api/v1/outbox", Kind::Api),
    (Who::Admin, "/api/v1/users", Kind::Api),
    (Who::Admin, "/api/v1/catalog", Kind::Api),
    (Who::Admin, "/api/v1/learning/proofs", Kind::Api),
    (Who::Operator, "/console", Kind::Page),
    (Who::Operator, "/console/outbox", Kind::Page),
    (Who::Admin, "/beheer", Kind::Page),
    (Who::Admin, "/leren", Kind::Page),
    (Who::Admin, "/leren/bewijzen", Kind::Page),
];

/// Paging values that are not a page: too big for any integer type, negative, zero, not a
/// number, a NUL byte.
const BAD_PAGING: &[&str] = &[
    "9223372036854775807",
    "99999999999999999999",
    "-1",
    "0",
    "abc",
    "%00",
];

#[tokio::test]
async fn every_paged_route_refuses_paging_that_is_no_page_and_a_page_past_the_end_is_empty() {
    let app = app().await;
    let operator = app.operator("op@nzk.test").await;
    let op_session = operator.login().await;
    let admin = app
        .member("blader")
        .await
        .user("admin@blader.test", Role::Admin)
        .await;
    let admin_session = admin.login().await;
    let send = |who: Who, kind: Kind, uri: String| {
        let (user, session) = match who {
            Who::Operator => (&operator, &op_session),
            Who::Admin => (&admin, &admin_session),
        };
        match kind {
            Kind::Api => user.get(&uri).send(),
            Kind::Page => session.get(&uri).send(),
        }
    };
    for &(who, path, kind) in PAGED_ROUTES {
        for param in ["page", "per_page"] {
            for value in BAD_PAGING {
                let uri = format!("{path}?{param}={value}");
                let res = send(who, kind, uri.clone()).await;
                assert!(
                    !res.status.is_server_error(),
                    "{uri}: {} {}",
                    res.status,
                    res.text()
                );
                assert_eq!(
                    res.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{uri}: {}",
                    res.text()
                );
                match kind {
                    Kind::Api => {
                        let error = &res.json()["error"];
                        assert_eq!(error["field"], param, "{uri}: {error}");
                        assert_eq!(error["code"], "invalid_number", "{uri}: {error}");
                    }
                    Kind::Page => {
                        let html = res.text();
                        let message = match param {
                            "page" => "Geef een paginanummer van 1 tot en met 100.000.",
                            _ => "Geef een aantal per pagina van 1 tot en met ",
                        };
                        assert!(
                            html.contains("role=\"alert\"") && html.contains(message),
                            "{uri}: the Dutch message as an alert: {html}"
                        );
                    }
                }
            }
        }
        // The last page there can be is a page like any other: past the end, so empty.
        let uri = format!("{path}?page={}", zk_kernel::paging::MAX_PAGE);
        let res = send(who, kind, uri.clone()).await;
        res.assert_status(StatusCode::OK);
        if kind == Kind::Api {
            assert_eq!(res.json()["items"], json!([]), "{uri}");
        }
    }
}
