//! Mailed links (invitations and password resets): dead after blocking, withdrawn, replaced by a
//! newer link or used once, and cheap to guess at. Regression tests of the account-security
//! review (issue 10) and of the second security review (issue 20, finding 1).

use crate::support::*;
use zk_tenant::domain::{accounts, invite_reminders, throttle};

const NEW_PASSWORD: &str = "Nieuw-Wachtwoord-7";
const ATTACKER_PASSWORD: &str = "Overgenomen-Wachtwoord-9";

/// The status and password hash of the account `email`.
async fn status_of(app: &TestApp, email: &str) -> (String, Option<String>) {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query_as("SELECT status, password_hash FROM tenant.users WHERE email = $1")
        .bind(email)
        .fetch_one(&mut owner)
        .await
        .unwrap()
}

/// Whether `password` logs `email` in through `visitor`'s login form.
async fn logs_in(visitor: &Visitor, email: &str, password: &str) -> bool {
    visitor.login_form(email, password).await.status == StatusCode::SEE_OTHER
}

/// Every link token mailed to `recipient` for `path`, oldest first.
async fn mailed_tokens(app: &TestApp, recipient: &str, path: &str) -> Vec<String> {
    app.mails_to(recipient)
        .await
        .iter()
        .filter_map(|m| link_token(&m.body, path))
        .collect()
}

/// Invites `email` as a learner through the users API; returns the new user's id.
async fn invite(admin: &User, email: &str, role: &str) -> String {
    let res = admin
        .post("/api/v1/users")
        .json(&json!({ "email": email, "roles": [role] }))
        .expect(StatusCode::CREATED)
        .await;
    res.json()["user"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_invitation_accepted_after_blocking_is_refused() {
    let app = app().await;
    let m = app.member("blok-uitn").await;
    let admin = m.user("admin@blok-uitn.test", Role::Admin).await;
    let id = invite(&admin, "verkeerd@blok-uitn.test", "admin").await;
    let link = format!(
        "/uitnodiging/{}",
        app.mailed_token("verkeerd@blok-uitn.test", "uitnodiging")
            .await
    );
    admin
        .post(&format!("/api/v1/users/{id}/block"))
        .expect(StatusCode::OK)
        .await;

    let visitor = m.visitor();
    let page = visitor.get(&link).expect(StatusCode::GONE).await;
    assert!(page.text().contains("ingetrokken"), "{}", page.text());
    let res = visitor.choose_password(&link, NEW_PASSWORD).await;
    res.assert_status(StatusCode::GONE);
    assert!(res.set_cookie("zk_session").is_none());
    assert_eq!(
        status_of(&app, "verkeerd@blok-uitn.test").await,
        ("disabled".to_owned(), None)
    );

    // Unblocking does not revive the old link: the admin has to invite again.
    admin
        .post(&format!("/api/v1/users/{id}/unblock"))
        .expect(StatusCode::OK)
        .await;
    visitor
        .choose_password(&link, NEW_PASSWORD)
        .await
        .assert_status(StatusCode::GONE);
    assert_eq!(
        status_of(&app, "verkeerd@blok-uitn.test").await.0,
        "invited"
    );
}

#[tokio::test]
async fn a_reset_after_blocking_is_refused() {
    let app = app().await;
    let m = app.member("blok-herstel").await;
    let admin = m.user("admin@blok-herstel.test", Role::Admin).await;
    let learner = m.learner().await;
    let visitor = m.visitor();
    visitor
        .post("/wachtwoord-vergeten")
        .form(&[("email", "leerling@blok-herstel.test")])
        .expect(StatusCode::OK)
        .await;
    let token = app
        .mailed_token("leerling@blok-herstel.test", "wachtwoord-herstellen")
        .await;
    let (_, hash_before) = status_of(&app, "leerling@blok-herstel.test").await;

    admin
        .post(&format!("/api/v1/users/{}/block", learner.id))
        .expect(StatusCode::OK)
        .await;
    visitor
        .choose_password(&format!("/wachtwoord-herstellen/{token}"), NEW_PASSWORD)
        .await
        .assert_status(StatusCode::GONE);
    assert_eq!(
        status_of(&app, "leerling@blok-herstel.test").await,
        ("disabled".to_owned(), hash_before)
    );
    visitor
        .login_form("leerling@blok-herstel.test", NEW_PASSWORD)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_link_activates_a_blocked_account_even_if_it_was_not_revoked() {
    // Defence in depth: a link that somehow stayed open still cannot reactivate the account.
    let app = app().await;
    let m = app.member("diep").await;
    let admin = m.user("admin@diep.test", Role::Admin).await;
    invite(&admin, "nieuw@diep.test", "learner").await;
    let token = app.mailed_token("nieuw@diep.test", "uitnodiging").await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.users SET status = 'disabled' WHERE email = 'nieuw@diep.test'")
        .execute(&mut owner)
        .await
        .unwrap();
    m.visitor()
        .choose_password(&format!("/uitnodiging/{token}"), NEW_PASSWORD)
        .await
        .assert_status(StatusCode::GONE);
    assert_eq!(status_of(&app, "nieuw@diep.test").await.0, "disabled");
}

#[tokio::test]
async fn an_admin_withdraws_a_pending_invitation() {
    let app = app().await;
    let m = app.member("intrek").await;
    let other = app.member("intrek-ander").await;
    let admin = m.user("admin@intrek.test", Role::Admin).await;
    let active = m.user("actief@intrek.test", Role::Learner).await;
    let session = admin.login().await;
    session
        .post("/beheer")
        .form(&[("email", "per-ongeluk@intrek.test"), ("roles", "admin")])
        .expect(StatusCode::SEE_OTHER)
        .await;
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
    let page = session.page(&format!("/beheer/gebruikers/{id}")).await;
    let action = format!("/beheer/gebruikers/{id}/uitnodiging-intrekken");
    assert!(
        page.contains(&action),
        "the pending user's page offers to withdraw"
    );
    let page = session
        .page(&format!("/beheer/gebruikers/{}", active.id))
        .await;
    assert!(!page.contains("uitnodiging-intrekken"));

    // Another member's admin cannot withdraw it.
    other
        .user("admin@intrek-ander.test", Role::Admin)
        .await
        .delete(&format!("/api/v1/users/{id}/invitation"))
        .expect(StatusCode::NOT_FOUND)
        .await;

    let res = session.post(&action).form(&[]).send().await;
    let (_, flash) = session.follow(&res).await;
    assert!(flash
        .unwrap()
        .contains("De uitnodiging van per-ongeluk@intrek.test is ingetrokken"));
    m.visitor()
        .choose_password(&format!("/uitnodiging/{token}"), NEW_PASSWORD)
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
    invite(&admin, "per-ongeluk@intrek.test", "learner").await;
    let res = admin
        .delete(&format!("/api/v1/users/{}/invitation", active.id))
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "not_pending");
    active.login().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bogus_link_tokens_costs_no_hashing() {
    let app = app_with(|c| c.trusted_proxy_hops = 1).await;
    let m = app.member("vloed").await;
    m.learner().await;
    let before = app.platform.metrics.password_hashes();
    let stranger = m.visitor().from("203.0.113.50");
    let statuses: Vec<StatusCode> = at_once(40, |i| {
        let path = if i % 2 == 0 {
            format!("/uitnodiging/bogus-token-{i}")
        } else {
            format!("/wachtwoord-herstellen/bogus-token-{i}")
        };
        stranger.post(&path).form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
    })
    .await
    .iter()
    .map(|r| r.status)
    .collect();
    assert_eq!(
        app.platform.metrics.password_hashes(),
        before,
        "no bogus token was hashed for"
    );
    let limit = throttle::LINK_FORMS_PER_ADDRESS as usize;
    let count = |code| statuses.iter().filter(|s| **s == code).count();
    assert_eq!(
        (
            count(StatusCode::NOT_FOUND),
            count(StatusCode::TOO_MANY_REQUESTS)
        ),
        (limit, 40 - limit),
        "{statuses:?}"
    );
    // Logins go on as usual.
    m.visitor()
        .from("198.51.100.8")
        .login_form("leerling@vloed.test", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_link_posted_many_times_at_once_is_used_once_and_hashed_boundedly() {
    let app = app_with(|c| c.trusted_proxy_hops = 1).await;
    let m = app.member("dubbel").await;
    let admin = m.user("admin@dubbel.test", Role::Admin).await;
    invite(&admin, "nieuw@dubbel.test", "learner").await;
    let token = app.mailed_token("nieuw@dubbel.test", "uitnodiging").await;
    let before = app.platform.metrics.password_hashes();
    let path = format!("/uitnodiging/{token}");
    let visitor = m.visitor().from("203.0.113.77");
    let responses = at_once(30, |_| {
        visitor.post(&path).form(&[
            ("password", NEW_PASSWORD),
            ("password_confirm", NEW_PASSWORD),
        ])
    })
    .await;
    let statuses: Vec<StatusCode> = responses.iter().map(|r| r.status).collect();
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(accepted, 1, "{statuses:?}");
    let hashed = app.platform.metrics.password_hashes() - before;
    assert!(
        hashed <= throttle::LINK_FORMS_PER_ADDRESS as u64,
        "{hashed} hashes for one link"
    );
}

#[tokio::test]
async fn the_first_invitation_link_cannot_take_over_the_account_after_the_reminder_was_used() {
    let app = app().await;
    let m = app.member("herinner").await;
    let admin = m.user("admin@herinner.test", Role::Admin).await;
    invite(&admin, "nieuw@herinner.test", "learner").await;
    // Three days later the reminder job mails a second link.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "UPDATE tenant.invites SET created_at = now() - interval '4 days'
         WHERE user_id = (SELECT id FROM tenant.users WHERE email = 'nieuw@herinner.test')",
    )
    .execute(&mut owner)
    .await
    .unwrap();
    assert_eq!(invite_reminders::run_once(&app.platform).await.unwrap(), 1);
    let links = mailed_tokens(&app, "nieuw@herinner.test", "uitnodiging").await;
    assert_eq!(links.len(), 2, "the invitation and its reminder");
    let (first, reminder) = (
        format!("/uitnodiging/{}", links[0]),
        format!("/uitnodiging/{}", links[1]),
    );

    // The first link was replaced by the reminder's: it says so before anyone uses it.
    let visitor = m.visitor();
    let page = visitor.get(&first).expect(StatusCode::GONE).await;
    assert!(page.text().contains("nieuwere"), "{}", page.text());

    // The invitee accepts the reminder and works in the portal.
    let res = visitor.choose_password(&reminder, NEW_PASSWORD).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = Session::new(&app, "herinner", &res.set_cookie("zk_session").unwrap());

    // Whoever finds the first mail cannot set a password, and the invitee stays logged in.
    let res = visitor.choose_password(&first, ATTACKER_PASSWORD).await;
    res.assert_status(StatusCode::GONE);
    assert!(res.set_cookie("zk_session").is_none());
    assert!(!logs_in(&visitor, "nieuw@herinner.test", ATTACKER_PASSWORD).await);
    assert!(logs_in(&visitor, "nieuw@herinner.test", NEW_PASSWORD).await);
    session.get("/api/v1/me").expect(StatusCode::OK).await;
}

#[tokio::test]
async fn an_open_invitation_link_never_sets_the_password_of_an_active_account() {
    // Defence in depth: even a link that stayed open (here reopened by hand) cannot overwrite
    // the password of an account in use.
    let app = app().await;
    let m = app.member("open-link").await;
    let first = format!(
        "/uitnodiging/{}",
        app.mailed_token("beheer@open-link.test", "uitnodiging")
            .await
    );
    let visitor = m.visitor();
    let res = visitor.choose_password(&first, NEW_PASSWORD).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = Session::new(&app, "open-link", &res.set_cookie("zk_session").unwrap());
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.invites SET used_at = NULL, revoked_at = NULL")
        .execute(&mut owner)
        .await
        .unwrap();
    let res = visitor.choose_password(&first, ATTACKER_PASSWORD).await;
    res.assert_status(StatusCode::GONE);
    assert!(res.text().contains("al in gebruik"), "{}", res.text());
    assert!(logs_in(&visitor, "beheer@open-link.test", NEW_PASSWORD).await);
    session.get("/api/v1/me").expect(StatusCode::OK).await;
}

#[tokio::test]
async fn a_password_set_on_the_command_line_ends_the_printed_invitation() {
    let app = app().await;
    let m = app.member("cli-pw").await;
    let printed = app.mailed_token("beheer@cli-pw.test", "uitnodiging").await;
    // Support sets the admin's password (`zorgklas user create --password`).
    accounts::ensure_user(
        &app.platform,
        &m.tenant().await,
        "beheer@cli-pw.test",
        Role::Admin,
        Some(PASSWORD),
    )
    .await
    .unwrap();
    let visitor = m.visitor();
    let session = visitor.login_as("beheer@cli-pw.test", PASSWORD).await;
    visitor
        .choose_password(&format!("/uitnodiging/{printed}"), ATTACKER_PASSWORD)
        .await
        .assert_status(StatusCode::GONE);
    assert!(!logs_in(&visitor, "beheer@cli-pw.test", ATTACKER_PASSWORD).await);
    assert!(logs_in(&visitor, "beheer@cli-pw.test", PASSWORD).await);
    session.get("/api/v1/me").expect(StatusCode::OK).await;
}

#[tokio::test]
async fn the_older_of_two_reset_links_dies_when_the_newer_is_used() {
    let app = app().await;
    let m = app.member("twee-mails").await;
    let user = m.user("zorg@twee-mails.test", Role::Learner).await;
    let visitor = m.visitor();
    for _ in 0..2 {
        visitor
            .post("/wachtwoord-vergeten")
            .form(&[("email", "zorg@twee-mails.test")])
            .expect(StatusCode::OK)
            .await;
    }
    let links = mailed_tokens(&app, "zorg@twee-mails.test", "wachtwoord-herstellen").await;
    assert_eq!(links.len(), 2);
    visitor
        .choose_password(
            &format!("/wachtwoord-herstellen/{}", links[1]),
            NEW_PASSWORD,
        )
        .await
        .assert_status(StatusCode::OK);
    visitor
        .choose_password(
            &format!("/wachtwoord-herstellen/{}", links[0]),
            ATTACKER_PASSWORD,
        )
        .await
        .assert_status(StatusCode::GONE);
    assert!(logs_in(&visitor, "zorg@twee-mails.test", NEW_PASSWORD).await);
    assert!(!logs_in(&visitor, "zorg@twee-mails.test", ATTACKER_PASSWORD).await);
    // The reset ended the API token too (finding 7).
    user.get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
}
