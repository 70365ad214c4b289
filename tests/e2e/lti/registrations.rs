//! A member's LMS registrations: registered by hand through the API and the admin page, every
//! wrong field named, one tool key each in the member's JWKS and rotated with overlap, disabled
//! and enabled; invisible to and unusable by another member, through every route and at SQL
//! level; the private half of a key unreadable by the app role.

use super::{assert_refused, register, registration};
use crate::support::*;
use sqlx::Connection;

fn input(n: u32) -> Value {
    registration(
        &format!("https://lms{n}.example"),
        &format!("client-{n}"),
        "dep-1\ndep-2",
        &format!("https://lms{n}.example/auth"),
        &format!("https://lms{n}.example/jwks"),
    )
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_register_an_lms_with_its_own_key_and_rotate_it_with_overlap() {
    let app = app().await;
    let a = app.member("lms-a").await;
    let admin = a.admin().await;
    let reg = register(&admin, input(1)).await;
    assert_eq!(reg["deployments"], json!(["dep-1", "dep-2"]));
    assert_eq!(reg["source"], "manual");
    assert!(reg["last_launch_at"].is_null());

    // Its key is in the member's JWKS: RSA, RS256, 2048 bits, no private part.
    let jwks = a
        .visitor()
        .get("/lti/jwks")
        .expect(StatusCode::OK)
        .await
        .json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(keys[0].get("d").is_none() && keys[0].get("p").is_none());
    use base64::Engine;
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(keys[0]["n"].as_str().unwrap())
        .unwrap();
    assert!(n.len() * 8 >= 2048);
    let first = kids(&jwks);

    // Rotation: a new key signs, the old one is still served (its tokens may be in flight).
    let rotated = admin
        .post(&format!(
            "/api/v1/lti/registrations/{}/rotate-key",
            reg["id"].as_str().unwrap()
        ))
        .expect(StatusCode::OK)
        .await
        .json();
    let jwks = a
        .visitor()
        .get("/lti/jwks")
        .expect(StatusCode::OK)
        .await
        .json();
    let now = kids(&jwks);
    assert_eq!(now.len(), 2);
    assert!(now.contains(&first[0]) && now.contains(&rotated["kid"].as_str().unwrap().to_owned()));
    // The current signing key is the new one (read as the app role through the definer function).
    let mut conn = app.db.app().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(a.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    let (kid, pem): (String, String) =
        sqlx::query_as("SELECT kid, private_pem FROM lti.signing_key($1)")
            .bind(uuid::Uuid::parse_str(reg["id"].as_str().unwrap()).unwrap())
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert_eq!(kid, rotated["kid"]);
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    // …but never by an ordinary query.
    let denied = sqlx::query("SELECT private_pem FROM lti.tool_keys")
        .fetch_all(&mut *tx)
        .await;
    match denied {
        Err(sqlx::Error::Database(e)) => assert_eq!(e.code().as_deref(), Some("42501")),
        other => panic!("the private key was readable: {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_registration_names_every_field_and_a_second_one_is_a_conflict() {
    let app = app().await;
    let a = app.member("lms-a").await;
    let admin = a.admin().await;
    let res = admin
        .post("/api/v1/lti/registrations")
        .json(&json!({"issuer": "http://lms.example", "auth_url": "ftp://x", "jwks_url": ""}))
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = res.json()["error"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "issuer",
            "client_id",
            "deployment_ids",
            "auth_url",
            "jwks_url"
        ]
    );
    assert_eq!(app.count("lti.registrations").await, 0);
    register(&admin, input(1)).await;
    let again = admin
        .post("/api/v1/lti/registrations")
        .json(&input(1))
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "registration_exists");
    assert_eq!(app.count("lti.registrations").await, 1);
    assert_eq!(
        app.count("lti.tool_keys").await,
        1,
        "no key without its registration"
    );
    // Learners and teachers do not manage the LMS.
    let learner = a.learner().await;
    learner
        .get("/api/v1/lti/registrations")
        .expect(StatusCode::FORBIDDEN)
        .await;
    learner
        .post("/api/v1/lti/registrations")
        .json(&input(2))
        .expect(StatusCode::FORBIDDEN)
        .await;
}

#[tokio::test]
async fn another_members_registrations_and_keys_are_invisible_and_unusable() {
    let app = app().await;
    let a = app.member("lms-a").await;
    let b = app.member("lms-b").await;
    let a_admin = a.admin().await;
    let b_admin = b.admin().await;
    let reg = register(&a_admin, input(1)).await;
    let id = reg["id"].as_str().unwrap();
    a_admin
        .post("/api/v1/lti/registration-links")
        .expect(StatusCode::CREATED)
        .await;

    // Through every route of B's host.
    let list = b_admin
        .get("/api/v1/lti/registrations")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(list["items"], json!([]));
    for (method, path) in [
        (Method::GET, format!("/api/v1/lti/registrations/{id}")),
        (
            Method::POST,
            format!("/api/v1/lti/registrations/{id}/disable"),
        ),
        (
            Method::POST,
            format!("/api/v1/lti/registrations/{id}/enable"),
        ),
        (
            Method::POST,
            format!("/api/v1/lti/registrations/{id}/rotate-key"),
        ),
    ] {
        let res = b_admin.request(method.clone(), &path).send().await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let b_launches = b_admin
        .get("/api/v1/lti/launches")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(b_launches["items"], json!([]));
    // A's token on B's host is no credential there.
    a_admin
        .get("/api/v1/lti/registrations")
        .expect(StatusCode::OK)
        .await;
    let res = b
        .visitor()
        .get("/api/v1/lti/registrations")
        .bearer(a_admin.token())
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("lti.registration_links").await, 1);
    // B's JWKS has none of A's keys; B's login initiation does not know A's LMS.
    let b_jwks = b
        .visitor()
        .get("/lti/jwks")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(b_jwks["keys"], json!([]));
    let login = b
        .visitor()
        .get("/lti/login?iss=https%3A%2F%2Flms1.example&login_hint=u1&client_id=client-1")
        .send()
        .await;
    assert_refused(&login, "lti_unknown_platform");
    assert_eq!(app.count("lti.logins").await, 0);
    // Nothing on the NZK side.
    app.visitor("")
        .get("/lti/jwks")
        .expect(StatusCode::NOT_FOUND)
        .await;

    // At SQL level, as the app role with B set: A's rows are neither visible nor writable.
    let mut conn = app.db.app().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(b.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    for table in [
        "lti.registrations",
        "lti.deployments",
        "lti.tool_keys",
        "lti.logins",
        "lti.launches",
        "lti.accounts",
        "lti.registration_links",
        "lti.grade_links",
        "lti.grade_queue",
        "lti.rosters",
        "lti.roster_members",
    ] {
        let col = if table == "lti.tool_keys" {
            "kid"
        } else {
            "tenant_id"
        };
        let n: i64 = sqlx::query_scalar(&format!("SELECT count({col}) FROM {table}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let a_reg = uuid::Uuid::parse_str(id).unwrap();
    let key: Option<(String, String)> =
        sqlx::query_as("SELECT kid, private_pem FROM lti.signing_key($1)")
            .bind(a_reg)
            .fetch_optional(&mut *tx)
            .await
            .unwrap();
    assert!(
        key.is_none(),
        "A's key is not handed out in B's transaction"
    );
    let updated = sqlx::query("UPDATE lti.registrations SET disabled_at = now() WHERE id = $1")
        .bind(a_reg)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    let forged = sqlx::query(
        "INSERT INTO lti.deployments (tenant_id, registration_id, deployment_id) VALUES ($1, $2, 'x')",
    )
    .bind(a.id.0)
    .bind(a_reg)
    .execute(&mut *tx)
    .await;
    assert!(forged.is_err(), "writing A's rows from B is refused");
}

#[tokio::test]
async fn the_admin_page_shows_what_to_paste_and_registers_and_disables() {
    let app = app().await;
    let a = app.member("lms-a").await;
    let admin = a.admin().await.login().await;
    let page = admin.page("/beheer/lms").await;
    let origin = app.platform.config.tenant_url("lms-a");
    assert!(page.contains(&format!("{origin}/lti/login")));
    assert!(page.contains(&format!("{origin}/lti/launch")));
    assert!(page.contains(&format!("{origin}/lti/jwks")));
    for family in ["Moodle", "Canvas", "Brightspace"] {
        assert!(
            page.contains(&format!("<summary>{family}</summary>")),
            "{family}"
        );
    }
    assert!(page.contains("data-testid=\"lti-none\""));

    // A form with a wrong field comes back with it named and the rest kept.
    let csrf = zk_test_support::csrf_for_session(&admin.cookie);
    let res = admin
        .post("/beheer/lms")
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Moodle"),
            ("family", "moodle"),
            ("issuer", "https://moodle.example"),
            ("client_id", ""),
            ("deployment_ids", "7"),
            ("auth_url", "https://moodle.example/mod/lti/auth.php"),
            ("jwks_url", "https://moodle.example/mod/lti/certs.php"),
            ("token_url", ""),
        ])
        .send()
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text();
    assert!(
        html.contains(
            "id=\"client_id\" name=\"client_id\" required value=\"\" aria-invalid=\"true\""
        ),
        "{html}"
    );
    assert!(html.contains("value=\"https://moodle.example\""));
    let res = admin
        .post("/beheer/lms")
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Moodle"),
            ("family", "moodle"),
            ("issuer", "https://moodle.example"),
            ("client_id", "abc123"),
            ("deployment_ids", "7"),
            ("auth_url", "https://moodle.example/mod/lti/auth.php"),
            ("jwks_url", "https://moodle.example/mod/lti/certs.php"),
            ("token_url", "https://moodle.example/mod/lti/token.php"),
        ])
        .send()
        .await;
    let (html, flash) = admin.follow(&res).await;
    assert!(flash.unwrap().contains("gekoppeld"));
    assert!(html.contains("data-testid=\"lti-registration\""));
    assert!(html.contains("abc123"));
    let id = admin
        .get("/api/v1/lti/registrations")
        .expect(StatusCode::OK)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Disabled: the LMS's logins are refused, nothing is deleted; enabled again, they work.
    let res = admin
        .post(&format!("/beheer/lms/{id}/uitschakelen"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await;
    let (html, _) = admin.follow(&res).await;
    assert!(html.contains("uitgeschakeld"));
    let login = "/lti/login?iss=https%3A%2F%2Fmoodle.example&login_hint=u1&client_id=abc123";
    let refused = a.visitor().get(login).send().await;
    assert_refused(&refused, "lti_unknown_platform");
    let res = admin
        .post(&format!("/beheer/lms/{id}/inschakelen"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await;
    admin.follow(&res).await;
    let ok = a.visitor().get(login).expect(StatusCode::SEE_OTHER).await;
    assert!(ok
        .location()
        .unwrap()
        .starts_with("https://moodle.example/mod/lti/auth.php?"));
    // Inside the LMS's frame the login offers a window of its own instead.
    let framed = a
        .visitor()
        .get(login)
        .header("sec-fetch-dest", "iframe")
        .expect(StatusCode::OK)
        .await;
    let csp = framed
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("frame-ancestors https://moodle.example"),
        "{csp}"
    );
    assert!(framed.text().contains("target=\"_blank\""));
    // Every other page keeps refusing frames.
    let other = admin.get("/beheer/lms").expect(StatusCode::OK).await;
    let csp = other
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
}
