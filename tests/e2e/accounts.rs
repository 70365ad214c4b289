//! Accounts end to end: invitation, accepting it, login, logout, password reset, suspension.

use crate::support::{App, PASSWORD};
use http::StatusCode;
use serde_json::json;
use zk_kernel::authz::Role;

fn link_from_mail(body: &str, path: &str) -> String {
    body.split(&format!("/{path}/"))
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn operator_creates_member_admin_accepts_invite_and_logs_in() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    let res = app
        .client
        .post("", "/api/v1/tenants")
        .bearer(&op)
        .json(&json!({ "slug": "zorg-oost", "name": "Zorg Oost", "admin_email": "Beheer@Zorg-Oost.test", "employee_count": 260 }))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["tenant"]["slug"], "zorg-oost");

    // The invitation is in the outbox (embedded mail mode), readable by operators.
    let outbox = app
        .client
        .get("", "/api/v1/outbox?recipient=beheer@zorg-oost.test")
        .bearer(&op)
        .send()
        .await
        .json();
    let mail = &outbox["items"][0];
    assert_eq!(mail["tenant_slug"], "zorg-oost");
    let token = link_from_mail(mail["body"].as_str().unwrap(), "uitnodiging");
    assert!(mail["body"]
        .as_str()
        .unwrap()
        .contains("http://zorg-oost.localhost:8080/uitnodiging/"));

    let page = app
        .client
        .get("zorg-oost", &format!("/uitnodiging/{token}"))
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.text().contains("beheer@zorg-oost.test"));
    let mismatch = app
        .client
        .post("zorg-oost", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", "Zorg-Oost-2026!"),
            ("password_confirm", "iets-anders-1"),
        ])
        .send()
        .await;
    mismatch.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().contains("niet gelijk"));
    let res = app
        .client
        .post("zorg-oost", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", "Zorg-Oost-2026!"),
            ("password_confirm", "Zorg-Oost-2026!"),
            ("display_name", "Fatima"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = res.set_cookie("zk_session").unwrap();
    let me = app
        .client
        .get("zorg-oost", "/api/v1/me")
        .session(&session)
        .send()
        .await
        .json();
    assert_eq!(me["user"]["email"], "beheer@zorg-oost.test");
    assert_eq!(me["user"]["display_name"], "Fatima");
    assert_eq!(me["user"]["roles"], json!(["admin"]));

    // The link is single-use.
    let again = app
        .client
        .get("zorg-oost", &format!("/uitnodiging/{token}"))
        .send()
        .await;
    again.assert_status(StatusCode::GONE);

    // Login with the new password; logout ends the session everywhere.
    let res = app
        .client
        .post("zorg-oost", "/inloggen")
        .form(&[
            ("email", "beheer@zorg-oost.test"),
            ("password", "Zorg-Oost-2026!"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let second = res.set_cookie("zk_session").unwrap();
    let home = app
        .client
        .get("zorg-oost", "/")
        .session(&second)
        .send()
        .await;
    home.assert_status(StatusCode::OK);
    assert!(home.text().contains("Welkom, Fatima"));
    let out = app
        .client
        .post("zorg-oost", "/uitloggen")
        .cookie(&format!("zk_session={second}"))
        .form(&[])
        .send()
        .await;
    out.assert_status(StatusCode::SEE_OTHER);
    app.client
        .get("zorg-oost", "/api/v1/me")
        .session(&second)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    app.client
        .get("zorg-oost", "/api/v1/me")
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn same_email_at_two_members_is_two_separate_accounts() {
    let app = App::new().await;
    let a = app.member("twee-a").await;
    let b = app.member("twee-b").await;
    let ua = app.user(&a, "sam@zorg.test", Role::Learner).await;
    let ub = app.user(&b, "sam@zorg.test", Role::Admin).await;
    assert_ne!(ua, ub);
    let sa = app.login("twee-a", "sam@zorg.test").await;
    let me = app
        .client
        .get("twee-a", "/api/v1/me")
        .session(&sa)
        .send()
        .await
        .json();
    assert_eq!(me["user"]["roles"], json!(["learner"]));
    app.client
        .get("twee-a", "/api/v1/users")
        .session(&sa)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn password_reset_sets_a_new_password_and_ends_sessions() {
    let app = App::new().await;
    let m = app.member("herstel").await;
    app.user(&m, "leerling@herstel.test", Role::Learner).await;
    let old_session = app.login("herstel", "leerling@herstel.test").await;
    let res = app
        .client
        .post("herstel", "/wachtwoord-vergeten")
        .form(&[("email", "leerling@herstel.test")])
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert!(res.text().contains("Kijk in uw e-mail"));
    // Unknown addresses get the same answer and no mail.
    let before = app.count("tenant.outbox").await;
    let res = app
        .client
        .post("herstel", "/wachtwoord-vergeten")
        .form(&[("email", "onbekend@herstel.test")])
        .send()
        .await;
    assert!(res.text().contains("Kijk in uw e-mail"));
    assert_eq!(app.count("tenant.outbox").await, before);

    let mut owner = app.db.owner().await.unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM tenant.outbox WHERE recipient = 'leerling@herstel.test' AND subject LIKE 'Wachtwoord%'")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    let token = link_from_mail(&body, "wachtwoord-herstellen");
    let res = app
        .client
        .post("herstel", &format!("/wachtwoord-herstellen/{token}"))
        .form(&[("password", "kort"), ("password_confirm", "kort")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("minimaal 10 tekens"));
    let res = app
        .client
        .post("herstel", &format!("/wachtwoord-herstellen/{token}"))
        .form(&[
            ("password", "Nieuw-Wachtwoord-7"),
            ("password_confirm", "Nieuw-Wachtwoord-7"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    app.client
        .get("herstel", "/api/v1/me")
        .session(&old_session)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let res = app
        .client
        .post("herstel", "/inloggen")
        .form(&[("email", "leerling@herstel.test"), ("password", PASSWORD)])
        .send()
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    let res = app
        .client
        .post("herstel", "/inloggen")
        .form(&[
            ("email", "leerling@herstel.test"),
            ("password", "Nieuw-Wachtwoord-7"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn suspension_closes_the_portal_and_loses_nothing() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    let m = app.member("pauze").await;
    app.user(&m, "leerling@pauze.test", Role::Learner).await;
    let session = app.login("pauze", "leerling@pauze.test").await;
    let users_before = app.count("tenant.users").await;

    let res = app
        .client
        .post("", "/api/v1/tenants/pauze/suspend")
        .bearer(&op)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["status"], "suspended");

    let page = app.client.get("pauze", "/").session(&session).send().await;
    page.assert_status(StatusCode::FORBIDDEN);
    assert!(page.text().contains("opgeschort"), "{}", page.text());
    let api = app
        .client
        .get("pauze", "/api/v1/me")
        .session(&session)
        .send()
        .await;
    api.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(api.error_code(), "tenant_suspended");
    let login = app
        .client
        .post("pauze", "/inloggen")
        .form(&[("email", "leerling@pauze.test"), ("password", PASSWORD)])
        .send()
        .await;
    login.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.count("tenant.users").await, users_before);

    app.client
        .post("", "/api/v1/tenants/pauze/resume")
        .bearer(&op)
        .send()
        .await
        .assert_status(StatusCode::OK);
    app.client
        .get("pauze", "/api/v1/me")
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let app = App::new().await;
    let m = app.member("verloop").await;
    app.user(&m, "leerling@verloop.test", Role::Learner).await;
    let session = app.login("verloop", "leerling@verloop.test").await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.sessions SET expires_at = now() - interval '1 second'")
        .execute(&mut owner)
        .await
        .unwrap();
    // A second process (empty cache) must refuse it at once; this one within its cache window,
    // and immediately after a revocation notice. Use a fresh platform to see the database's word.
    let other = app.db.platform().await.unwrap();
    let client = crate::support::TestClient::new(zorgklas::app(&other, None).unwrap());
    client
        .get("verloop", "/api/v1/me")
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let page = client.get("verloop", "/").session(&session).send().await;
    assert_eq!(page.location().as_deref(), Some("/inloggen?terug=/"));
}

#[tokio::test]
async fn an_admin_cannot_remove_their_own_admin_role() {
    let app = App::new().await;
    let m = app.member("eigen-rol").await;
    let me = app.user(&m, "admin@eigen-rol.test", Role::Admin).await;
    let token = app.token(&m, "admin@eigen-rol.test").await;
    let res = app
        .client
        .put("eigen-rol", &format!("/api/v1/users/{me}/roles"))
        .bearer(&token)
        .json(&json!({ "roles": ["learner"] }))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "cannot_remove_own_admin");
    assert_eq!(app.platform.authz.roles(m.id, me).await, vec![Role::Admin]);
    // Adding a role to oneself is fine.
    let res = app
        .client
        .put("eigen-rol", &format!("/api/v1/users/{me}/roles"))
        .bearer(&token)
        .json(&json!({ "roles": ["admin", "teacher"] }))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["roles"], json!(["admin", "teacher"]));
}

#[tokio::test]
async fn admin_invites_a_user_who_accepts_and_gets_exactly_those_roles() {
    let app = App::new().await;
    let m = app.member("uitnodig").await;
    app.user(&m, "admin@uitnodig.test", Role::Admin).await;
    let admin = app.login("uitnodig", "admin@uitnodig.test").await;
    let res = app
        .client
        .post("uitnodig", "/beheer")
        .cookie(&format!("zk_session={admin}"))
        .form(&[
            ("email", "Docent@Uitnodig.test"),
            ("roles", "teacher"),
            ("roles", "reviewer"),
        ])
        .send()
        .await;
    // The page comes back with a message (once: the flash cookie is cleared).
    let (page, flash) = app.follow("uitnodig", &res, &admin).await;
    assert_eq!(
        flash.as_deref(),
        Some("docent@uitnodig.test is uitgenodigd.")
    );
    assert!(page.contains("role=\"status\""));
    let again = app
        .client
        .get("uitnodig", "/beheer")
        .session(&admin)
        .send()
        .await;
    assert!(!again.text().contains("data-testid=\"flash\""));
    let mut owner = app.db.owner().await.unwrap();
    let body: String = sqlx::query_scalar(
        "SELECT body FROM tenant.outbox WHERE recipient = 'docent@uitnodig.test'",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    let token = link_from_mail(&body, "uitnodiging");
    let res = app
        .client
        .post("uitnodig", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", "Docent-Wachtwoord-3"),
            ("password_confirm", "Docent-Wachtwoord-3"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = res.set_cookie("zk_session").unwrap();
    let me = app
        .client
        .get("uitnodig", "/api/v1/me")
        .session(&session)
        .send()
        .await
        .json();
    assert_eq!(me["user"]["roles"], json!(["teacher", "reviewer"]));
    // The admin page lists the new user with the roles ticked.
    let page = app
        .client
        .get("uitnodig", "/beheer")
        .session(&admin)
        .send()
        .await
        .text();
    assert!(page.contains("docent@uitnodig.test"));
}

#[tokio::test]
async fn a_blocked_user_loses_access_at_once_and_can_be_restored() {
    let app = App::new().await;
    let m = app.member("blok").await;
    let admin = app.user(&m, "admin@blok.test", Role::Admin).await;
    let learner = app.user(&m, "leerling@blok.test", Role::Learner).await;
    let admin_token = app.token(&m, "admin@blok.test").await;
    let session = app.login("blok", "leerling@blok.test").await;
    let learner_token = app.token(&m, "leerling@blok.test").await;
    app.client
        .get("blok", "/api/v1/me")
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::OK);

    let res = app
        .client
        .post("blok", &format!("/api/v1/users/{learner}/block"))
        .bearer(&admin_token)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["status"], "disabled");
    app.client
        .get("blok", "/api/v1/me")
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    app.client
        .get("blok", "/api/v1/me")
        .bearer(&learner_token)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let res = app
        .client
        .post("blok", "/inloggen")
        .form(&[("email", "leerling@blok.test"), ("password", PASSWORD)])
        .send()
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);

    // Nobody blocks themselves.
    let res = app
        .client
        .post("blok", &format!("/api/v1/users/{admin}/block"))
        .bearer(&admin_token)
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "cannot_block_self");

    // The user's page offers to restore access; doing so lets the learner in again, and the
    // page says so.
    let admin_session = app.login("blok", "admin@blok.test").await;
    let page = app
        .client
        .get("blok", &format!("/beheer/gebruikers/{learner}"))
        .session(&admin_session)
        .send()
        .await
        .text();
    assert!(page.contains(&format!("/beheer/gebruikers/{learner}/deblokkeren")));
    assert!(!page.contains(&format!("/beheer/gebruikers/{learner}/blokkeren\"")));
    let res = app
        .client
        .post("blok", &format!("/beheer/gebruikers/{learner}/deblokkeren"))
        .cookie(&format!("zk_session={admin_session}"))
        .form(&[])
        .send()
        .await;
    let (_, flash) = app.follow("blok", &res, &admin_session).await;
    assert_eq!(
        flash.as_deref(),
        Some("De toegang van leerling@blok.test is hersteld.")
    );
    app.login("blok", "leerling@blok.test").await;
}

#[tokio::test]
async fn blocking_a_user_of_another_member_is_not_found_and_changes_nothing() {
    let app = App::new().await;
    let a = app.member("blok-a").await;
    let b = app.member("blok-b").await;
    app.user(&a, "admin@blok-a.test", Role::Admin).await;
    let b_user = app.user(&b, "leerling@blok-b.test", Role::Learner).await;
    let token = app.token(&a, "admin@blok-a.test").await;
    let res = app
        .client
        .post("blok-a", &format!("/api/v1/users/{b_user}/block"))
        .bearer(&token)
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    let session = app.login("blok-a", "admin@blok-a.test").await;
    let res = app
        .client
        .post("blok-a", &format!("/beheer/gebruikers/{b_user}/blokkeren"))
        .cookie(&format!("zk_session={session}"))
        .form(&[])
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    app.login("blok-b", "leerling@blok-b.test").await;
}

#[tokio::test]
async fn an_invitation_not_accepted_gets_one_reminder_with_a_working_link() {
    use zk_tenant::domain::invite_reminders;
    let app = App::new().await;
    let m = app.member("herinner").await;
    let other = app.member("anders").await;
    app.user(&m, "admin@herinner.test", Role::Admin).await;
    let admin_token = app.token(&m, "admin@herinner.test").await;
    let invite = |email: &'static str| {
        let token = admin_token.clone();
        let app = &app;
        async move {
            app.client
                .post("herinner", "/api/v1/users")
                .bearer(&token)
                .json(&json!({"email": email, "roles": ["learner"]}))
                .send()
                .await
                .assert_status(StatusCode::CREATED);
        }
    };
    invite("oud@herinner.test").await;
    invite("nieuw@herinner.test").await;
    invite("bijna-verlopen@herinner.test").await;
    // Four days old; one of them expires within a day. The member admins' own invitations
    // (made with the members) are aged too, but `anders` is suspended: no mail there.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.invites SET created_at = now() - interval '4 days' WHERE user_id IN (SELECT id FROM tenant.users WHERE email IN ('oud@herinner.test', 'bijna-verlopen@herinner.test', 'beheer@anders.test'))")
        .execute(&mut owner)
        .await
        .unwrap();
    sqlx::query("UPDATE tenant.invites SET expires_at = now() + interval '12 hours' WHERE user_id IN (SELECT id FROM tenant.users WHERE email = 'bijna-verlopen@herinner.test')")
        .execute(&mut owner)
        .await
        .unwrap();
    sqlx::query("UPDATE tenant.tenants SET status = 'suspended' WHERE id = $1")
        .bind(other.id.0)
        .execute(&mut owner)
        .await
        .unwrap();

    // Two processes at once: one mail. Again, and after a "restart": none.
    let (a, b) = tokio::join!(
        invite_reminders::run_once(&app.platform),
        invite_reminders::run_once(&app.platform)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(invite_reminders::run_once(&app.platform).await.unwrap(), 0);
    let subjects: Vec<(String, String)> = sqlx::query_as(
        "SELECT recipient, subject FROM tenant.outbox WHERE subject LIKE 'Herinnering%'",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert_eq!(
        subjects,
        vec![(
            "oud@herinner.test".to_owned(),
            "Herinnering: uw uitnodiging voor Zorg herinner".to_owned()
        )]
    );
    // The fresh link in the reminder works.
    let token = app.mailed_token("oud@herinner.test", "uitnodiging").await;
    let res = app
        .client
        .post("herinner", &format!("/uitnodiging/{token}"))
        .form(&[
            ("password", "Herinnerd-Wachtwoord-3"),
            ("password_confirm", "Herinnerd-Wachtwoord-3"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
}
