//! Accounts end to end: invitation, accepting it, login, logout, password reset, suspension,
//! blocking and roles.

use crate::support::*;

#[tokio::test]
async fn operator_creates_member_admin_accepts_invite_and_logs_in() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let res = op
        .post("/api/v1/tenants")
        .json(&json!({ "slug": "zorg-oost", "name": "Zorg Oost", "admin_email": "Beheer@Zorg-Oost.test", "employee_count": 260 }))
        .expect(StatusCode::CREATED)
        .await;
    assert_eq!(res.json()["tenant"]["slug"], "zorg-oost");

    // The invitation is in the outbox (embedded mail mode), readable by operators.
    let outbox = op
        .get("/api/v1/outbox?recipient=beheer@zorg-oost.test")
        .send()
        .await
        .json();
    let mail = &outbox["items"][0];
    assert_eq!(mail["tenant_slug"], "zorg-oost");
    let body = mail["body"].as_str().unwrap();
    let token = link_token(body, "uitnodiging").unwrap();
    assert!(body.contains("http://zorg-oost.localhost:8080/uitnodiging/"));

    let visitor = app.visitor("zorg-oost");
    let link = format!("/uitnodiging/{token}");
    let page = visitor.get(&link).expect(StatusCode::OK).await;
    assert!(page.text().contains("beheer@zorg-oost.test"));
    let mismatch = visitor
        .post(&link)
        .form(&[
            ("password", "Zorg-Oost-2026!"),
            ("password_confirm", "iets-anders-1"),
        ])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(mismatch.text().contains("niet gelijk"));
    let res = visitor
        .post(&link)
        .form(&[
            ("password", "Zorg-Oost-2026!"),
            ("password_confirm", "Zorg-Oost-2026!"),
            ("display_name", "Fatima"),
        ])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let first = Session::new(&app, "zorg-oost", &res.set_cookie("zk_session").unwrap());
    let me = first.get("/api/v1/me").send().await.json();
    assert_eq!(me["user"]["email"], "beheer@zorg-oost.test");
    assert_eq!(me["user"]["display_name"], "Fatima");
    assert_eq!(me["user"]["roles"], json!(["admin"]));

    // The link is single-use.
    visitor.get(&link).expect(StatusCode::GONE).await;

    // Login with the new password; logout ends the session everywhere.
    let second = visitor
        .login_as("beheer@zorg-oost.test", "Zorg-Oost-2026!")
        .await;
    let home = second.page("/").await;
    assert!(home.contains("Welkom, Fatima"));
    visitor
        .post("/uitloggen")
        .cookie(&format!("zk_session={}", second.cookie))
        .form(&[])
        .expect(StatusCode::SEE_OTHER)
        .await;
    second
        .get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    first.get("/api/v1/me").expect(StatusCode::OK).await;
}

#[tokio::test]
async fn same_email_at_two_members_is_two_separate_accounts() {
    let app = app().await;
    let a = app.member("twee-a").await;
    let b = app.member("twee-b").await;
    let at_a = a.user("sam@zorg.test", Role::Learner).await;
    let at_b = b.user("sam@zorg.test", Role::Admin).await;
    assert_ne!(at_a.id, at_b.id);
    let session = at_a.login().await;
    let me = session.get("/api/v1/me").send().await.json();
    assert_eq!(me["user"]["roles"], json!(["learner"]));
    session
        .get("/api/v1/users")
        .expect(StatusCode::FORBIDDEN)
        .await;
}

#[tokio::test]
async fn password_reset_sets_a_new_password_and_ends_sessions() {
    let app = app().await;
    let m = app.member("herstel").await;
    let learner = m.learner().await;
    let old_session = learner.login().await;
    let visitor = m.visitor();
    let res = visitor
        .post("/wachtwoord-vergeten")
        .form(&[("email", "leerling@herstel.test")])
        .expect(StatusCode::OK)
        .await;
    assert!(res.text().contains("Kijk in uw e-mail"));
    // Unknown addresses get the same answer and no mail.
    let before = app.count("tenant.outbox").await;
    let res = visitor
        .post("/wachtwoord-vergeten")
        .form(&[("email", "onbekend@herstel.test")])
        .send()
        .await;
    assert!(res.text().contains("Kijk in uw e-mail"));
    assert_eq!(app.count("tenant.outbox").await, before);

    let mails = app.mails_to("leerling@herstel.test").await;
    let reset = mails
        .iter()
        .find(|m| m.subject.starts_with("Wachtwoord"))
        .unwrap();
    let token = link_token(&reset.body, "wachtwoord-herstellen").unwrap();
    let link = format!("/wachtwoord-herstellen/{token}");
    let res = visitor.choose_password(&link, "kort").await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("minimaal 10 tekens"));
    visitor
        .choose_password(&link, "Nieuw-Wachtwoord-7")
        .await
        .assert_status(StatusCode::OK);
    old_session
        .get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    visitor
        .login_form("leerling@herstel.test", PASSWORD)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    visitor
        .login_form("leerling@herstel.test", "Nieuw-Wachtwoord-7")
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn suspension_closes_the_portal_and_loses_nothing() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let m = app.member("pauze").await;
    let session = m.learner().await.login().await;
    let users_before = app.count("tenant.users").await;

    let res = op
        .post("/api/v1/tenants/pauze/suspend")
        .expect(StatusCode::OK)
        .await;
    assert_eq!(res.json()["status"], "suspended");

    let page = session.get("/").expect(StatusCode::FORBIDDEN).await;
    assert!(page.text().contains("opgeschort"), "{}", page.text());
    let api = session
        .get("/api/v1/me")
        .expect(StatusCode::FORBIDDEN)
        .await;
    assert_eq!(api.error_code(), "tenant_suspended");
    m.visitor()
        .login_form("leerling@pauze.test", PASSWORD)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(app.count("tenant.users").await, users_before);

    op.post("/api/v1/tenants/pauze/resume")
        .expect(StatusCode::OK)
        .await;
    session.get("/api/v1/me").expect(StatusCode::OK).await;
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let app = app().await;
    let m = app.member("verloop").await;
    let session = m.learner().await.login().await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.sessions SET expires_at = now() - interval '1 second'")
        .execute(&mut owner)
        .await
        .unwrap();
    // A second process (empty cache) must refuse it at once; this one within its cache window,
    // and immediately after a revocation notice. Use a fresh platform to see the database's word.
    let there = session.on(&app.another_process().await);
    there
        .get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    let page = there.get("/").send().await;
    assert_eq!(page.location().as_deref(), Some("/inloggen?terug=/"));
}

#[tokio::test]
async fn an_admin_cannot_remove_their_own_admin_role() {
    let app = app().await;
    let m = app.member("eigen-rol").await;
    let admin = m.user("admin@eigen-rol.test", Role::Admin).await;
    let roles = format!("/api/v1/users/{}/roles", admin.id);
    let res = admin
        .put(&roles)
        .json(&json!({ "roles": ["learner"] }))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "cannot_remove_own_admin");
    assert_eq!(
        app.platform.authz.roles(m.id, admin.id).await,
        vec![Role::Admin]
    );
    // Adding a role to oneself is fine.
    let res = admin
        .put(&roles)
        .json(&json!({ "roles": ["admin", "teacher"] }))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(res.json()["roles"], json!(["admin", "teacher"]));
}

#[tokio::test]
async fn admin_invites_a_user_who_accepts_and_gets_exactly_those_roles() {
    let app = app().await;
    let m = app.member("uitnodig").await;
    let admin = m
        .user("admin@uitnodig.test", Role::Admin)
        .await
        .login()
        .await;
    let res = admin
        .post("/beheer")
        .form(&[
            ("email", "Docent@Uitnodig.test"),
            ("roles", "teacher"),
            ("roles", "reviewer"),
        ])
        .send()
        .await;
    // The page comes back with a message (once: the flash cookie is cleared).
    let (page, flash) = admin.follow(&res).await;
    assert_eq!(
        flash.as_deref(),
        Some("docent@uitnodig.test is uitgenodigd.")
    );
    assert!(page.contains("role=\"status\""));
    assert!(!admin
        .page("/beheer")
        .await
        .contains("data-testid=\"flash\""));
    let token = app
        .mailed_token("docent@uitnodig.test", "uitnodiging")
        .await;
    let res = m
        .visitor()
        .choose_password(&format!("/uitnodiging/{token}"), "Docent-Wachtwoord-3")
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = Session::new(&app, "uitnodig", &res.set_cookie("zk_session").unwrap());
    let me = session.get("/api/v1/me").send().await.json();
    assert_eq!(me["user"]["roles"], json!(["teacher", "reviewer"]));
    // The admin page lists the new user with the roles ticked.
    assert!(admin.page("/beheer").await.contains("docent@uitnodig.test"));
}

#[tokio::test]
async fn a_blocked_user_loses_access_at_once_and_can_be_restored() {
    let app = app().await;
    let m = app.member("blok").await;
    let admin = m.user("admin@blok.test", Role::Admin).await;
    let learner = m.learner().await;
    let session = learner.login().await;
    session.get("/api/v1/me").expect(StatusCode::OK).await;

    let res = admin
        .post(&format!("/api/v1/users/{}/block", learner.id))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(res.json()["status"], "disabled");
    session
        .get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    learner
        .get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    m.visitor()
        .login_form("leerling@blok.test", PASSWORD)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);

    // Nobody blocks themselves.
    let res = admin
        .post(&format!("/api/v1/users/{}/block", admin.id))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "cannot_block_self");

    // The user's page offers to restore access; doing so lets the learner in again, and the
    // page says so.
    let admin_session = admin.login().await;
    let user_page = format!("/beheer/gebruikers/{}", learner.id);
    let page = admin_session.page(&user_page).await;
    assert!(page.contains(&format!("{user_page}/deblokkeren")));
    assert!(!page.contains(&format!("{user_page}/blokkeren\"")));
    let res = admin_session
        .post(&format!("{user_page}/deblokkeren"))
        .form(&[])
        .send()
        .await;
    let (_, flash) = admin_session.follow(&res).await;
    assert_eq!(
        flash.as_deref(),
        Some("De toegang van leerling@blok.test is hersteld.")
    );
    learner.login().await;
}

#[tokio::test]
async fn blocking_a_user_of_another_member_is_not_found_and_changes_nothing() {
    let app = app().await;
    let a = app.member("blok-a").await;
    let b = app.member("blok-b").await;
    let admin = a.user("admin@blok-a.test", Role::Admin).await;
    let b_user = b.user("leerling@blok-b.test", Role::Learner).await;
    admin
        .post(&format!("/api/v1/users/{}/block", b_user.id))
        .expect(StatusCode::NOT_FOUND)
        .await;
    admin
        .login()
        .await
        .post(&format!("/beheer/gebruikers/{}/blokkeren", b_user.id))
        .form(&[])
        .expect(StatusCode::NOT_FOUND)
        .await;
    b_user.login().await;
}

#[tokio::test]
async fn an_invitation_not_accepted_gets_one_reminder_with_a_working_link() {
    use zk_tenant::domain::invite_reminders;
    let app = app().await;
    let m = app.member("herinner").await;
    let other = app.member("anders").await;
    let admin = m.user("admin@herinner.test", Role::Admin).await;
    for email in [
        "oud@herinner.test",
        "nieuw@herinner.test",
        "bijna-verlopen@herinner.test",
    ] {
        admin
            .post("/api/v1/users")
            .json(&json!({"email": email, "roles": ["learner"]}))
            .expect(StatusCode::CREATED)
            .await;
    }
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
    m.visitor()
        .choose_password(&format!("/uitnodiging/{token}"), "Herinnerd-Wachtwoord-3")
        .await
        .assert_status(StatusCode::SEE_OTHER);
}
