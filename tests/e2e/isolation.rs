//! Cross-tenant attacks over HTTP: ids, links, cookies and tokens of member B used on member A
//! (and the other way round) are refused, and B's data stays as it was.

use crate::support::App;
use http::StatusCode;
use serde_json::json;
use zk_kernel::authz::Role;

struct TwoMembers {
    app: App,
    a_admin_session: String,
    a_admin_token: String,
    b_user: uuid::Uuid,
}

async fn setup() -> TwoMembers {
    let app = App::new().await;
    let a = app.member("huis-a").await;
    let b = app.member("huis-b").await;
    app.user(&a, "admin@huis-a.test", Role::Admin).await;
    let b_user = app.user(&b, "leerling@huis-b.test", Role::Learner).await;
    let a_admin_session = app.login("huis-a", "admin@huis-a.test").await;
    let a_admin_token = app.token(&a, "admin@huis-a.test").await;
    TwoMembers {
        app,
        a_admin_session,
        a_admin_token,
        b_user,
    }
}

#[tokio::test]
async fn ids_of_another_member_are_not_found_and_nothing_changes() {
    let t = setup().await;
    let c = &t.app.client;
    let b_user = t.b_user.to_string();

    let res = c
        .get("huis-a", &format!("/api/v1/users/{b_user}"))
        .bearer(&t.a_admin_token)
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(res.error_code(), "not_found");

    let res = c
        .put("huis-a", &format!("/api/v1/users/{b_user}/roles"))
        .bearer(&t.a_admin_token)
        .json(&json!({ "roles": ["admin"] }))
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);

    let res = c
        .post("huis-a", &format!("/beheer/gebruikers/{b_user}/rollen"))
        .cookie(&format!("zk_session={}", t.a_admin_session))
        .form(&[("roles", "admin")])
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);

    // B's user still has exactly the learner role and no admin grant appeared anywhere.
    let b = t
        .app
        .tenant(
            t.app
                .platform
                .directory
                .resolve("huis-b.localhost")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await;
    assert_eq!(
        t.app.platform.authz.roles(b.id, t.b_user).await,
        vec![Role::Learner]
    );
    let mut owner = t.app.db.owner().await.unwrap();
    let grants: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenant.casbin_rule WHERE ptype = 'g' AND v0 = $1")
            .bind(&b_user)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(grants, 1);
}

#[tokio::test]
async fn a_session_cookie_of_a_is_not_accepted_on_b() {
    let t = setup().await;
    let c = &t.app.client;
    let own = c
        .get("huis-a", "/api/v1/me")
        .session(&t.a_admin_session)
        .send()
        .await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.json()["tenant"]["slug"], "huis-a");

    let res = c
        .get("huis-b", "/api/v1/me")
        .session(&t.a_admin_session)
        .send()
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    let res = c
        .get("huis-b", "/beheer")
        .session(&t.a_admin_session)
        .send()
        .await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "page sends the stranger to the login"
    );
    assert!(res.location().unwrap().starts_with("/inloggen"));
    // Nor on the NZK side.
    c.get("", "/api/v1/tenants")
        .session(&t.a_admin_session)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_bearer_token_of_a_is_refused_on_b_and_on_the_operator_api() {
    let t = setup().await;
    let c = &t.app.client;
    let res = c
        .get("huis-b", "/api/v1/users")
        .bearer(&t.a_admin_token)
        .send()
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(res.error_code(), "invalid_token");
    let res = c
        .get("", "/api/v1/tenants")
        .bearer(&t.a_admin_token)
        .send()
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    // An operator token acts on members only through the operator API on the bare domain.
    let (_, op) = t.app.operator("op@nzk.test").await;
    c.get("huis-a", "/api/v1/users")
        .bearer(&op)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    c.get("", "/api/v1/tenants")
        .bearer(&op)
        .send()
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn invitation_and_reset_links_only_work_on_their_own_member() {
    let app = App::new().await;
    let a = app.member("huis-a").await;
    let b = app.member("huis-b").await;
    let b_tenant = app.tenant(b.id).await;
    let invited = zk_tenant::domain::accounts::invite(
        &app.platform,
        &b_tenant,
        "nieuw@huis-b.test",
        "",
        "",
        &["learner".into()],
    )
    .await
    .unwrap();
    let token = invited.invite_url.rsplit('/').next().unwrap().to_owned();

    let res = app
        .client
        .get("huis-a", &format!("/uitnodiging/{token}"))
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    let res = app
        .client
        .post("huis-a", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", "Gestolen-wachtwoord-1"),
            ("password_confirm", "Gestolen-wachtwoord-1"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert!(res.set_cookie("zk_session").is_none());
    // The invitation is still usable on B.
    app.client
        .get("huis-b", &format!("/uitnodiging/{token}"))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let _ = a;

    app.user(&b, "leerling@huis-b.test", Role::Learner).await;
    app.client
        .post("huis-b", "/wachtwoord-vergeten")
        .form(&[("email", "leerling@huis-b.test")])
        .send()
        .await
        .assert_status(StatusCode::OK);
    let mut owner = app.db.owner().await.unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM tenant.outbox WHERE recipient = 'leerling@huis-b.test' ORDER BY created_at DESC LIMIT 1")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    let reset = body
        .split("/wachtwoord-herstellen/")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    app.client
        .get("huis-a", &format!("/wachtwoord-herstellen/{reset}"))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn branding_and_logo_stay_with_their_member() {
    let t = setup().await;
    let c = &t.app.client;
    let res = c
        .put("huis-a", "/api/v1/branding")
        .bearer(&t.a_admin_token)
        .json(&json!({ "name": "Huis A", "primary_color": "#004d40", "accent_color": "#8a3b12" }))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let png = b"\x89PNG\r\n\x1a\n-logo-of-a".to_vec();
    c.put("huis-a", "/api/v1/branding/logo")
        .bearer(&t.a_admin_token)
        .body("image/png", png.clone())
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);

    let css_b = c.get("huis-b", "/theme.css").send().await.text();
    assert!(!css_b.contains("#004d40"), "{css_b}");
    assert!(c
        .get("huis-a", "/theme.css")
        .send()
        .await
        .text()
        .contains("#004d40"));
    c.get("huis-b", "/logo")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(c.get("huis-a", "/logo").send().await.body, png);
}
