//! Regression tests of the second security review (issue 20), each replaying a finding through
//! HTTP: stale invitation and reset links (1), quiz answers in contributions (3), API tokens
//! that could not be seen, revoked or outlived a reset (7). The staff file (2) is in
//! `staff_import`, paging (6) in `bad_input`, the proof's name (5) in `learning`, media (4, 8)
//! in `media`.

use crate::{
    content::{module, publish, setup},
    support::{App, PASSWORD},
};
use http::StatusCode;
use serde_json::{json, Value};
use zk_kernel::authz::Role;
use zk_tenant::domain::{accounts, invite_reminders};

const NEW_PASSWORD: &str = "Nieuw-Wachtwoord-7";
const ATTACKER_PASSWORD: &str = "Overgenomen-Wachtwoord-9";

/// Posts a link form (`uitnodiging` or `wachtwoord-herstellen`) with a new password.
async fn use_link(
    app: &App,
    host: &str,
    path: &str,
    token: &str,
    password: &str,
) -> zk_test_support::TestResponse {
    app.client
        .post(host, &format!("/{path}/{token}"))
        .form(&[("password", password), ("password_confirm", password)])
        .send()
        .await
}

/// Whether `password` logs `email` in on `host`.
async fn logs_in(app: &App, host: &str, email: &str, password: &str) -> bool {
    let res = app
        .client
        .post(host, "/inloggen")
        .form(&[("email", email), ("password", password)])
        .send()
        .await;
    res.status == StatusCode::SEE_OTHER
}

/// The status of `/api/v1/me` with a session or a bearer token.
async fn me_with_session(app: &App, host: &str, session: &str) -> StatusCode {
    app.client
        .get(host, "/api/v1/me")
        .session(session)
        .send()
        .await
        .status
}

async fn me_with_token(app: &App, host: &str, token: &str) -> StatusCode {
    app.client
        .get(host, "/api/v1/me")
        .bearer(token)
        .send()
        .await
        .status
}

/// Every link token mailed to `recipient` for `path`, oldest first.
async fn mailed_tokens(app: &App, recipient: &str, path: &str) -> Vec<String> {
    let mut conn = app.db.owner().await.unwrap();
    let bodies: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM tenant.outbox WHERE recipient = $1 ORDER BY created_at, id",
    )
    .bind(recipient)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    bodies
        .iter()
        .filter_map(|b| {
            b.split(&format!("/{path}/"))
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn the_first_invitation_link_cannot_take_over_the_account_after_the_reminder_was_used() {
    let app = App::new().await;
    let m = app.member("herinner").await;
    app.user(&m, "admin@herinner.test", Role::Admin).await;
    let admin = app.token(&m, "admin@herinner.test").await;
    app.client
        .post("herinner", "/api/v1/users")
        .bearer(&admin)
        .json(&json!({ "email": "nieuw@herinner.test", "roles": ["learner"] }))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
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
    let (first, reminder) = (&links[0], &links[1]);

    // The first link was replaced by the reminder's: it says so before anyone uses it.
    let page = app
        .client
        .get("herinner", &format!("/uitnodiging/{first}"))
        .send()
        .await;
    page.assert_status(StatusCode::GONE);
    assert!(page.text().contains("nieuwere"), "{}", page.text());

    // The invitee accepts the reminder and works in the portal.
    let res = use_link(&app, "herinner", "uitnodiging", reminder, NEW_PASSWORD).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = res.set_cookie("zk_session").expect("a session");

    // Whoever finds the first mail cannot set a password, and the invitee stays logged in.
    let res = use_link(&app, "herinner", "uitnodiging", first, ATTACKER_PASSWORD).await;
    res.assert_status(StatusCode::GONE);
    assert!(res.set_cookie("zk_session").is_none());
    assert!(!logs_in(&app, "herinner", "nieuw@herinner.test", ATTACKER_PASSWORD).await);
    assert!(logs_in(&app, "herinner", "nieuw@herinner.test", NEW_PASSWORD).await);
    assert_eq!(
        me_with_session(&app, "herinner", &session).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_open_invitation_link_never_sets_the_password_of_an_active_account() {
    // Defence in depth: even a link that stayed open (here reopened by hand) cannot overwrite
    // the password of an account in use.
    let app = App::new().await;
    let m = app.member("open-link").await;
    let first = app
        .mailed_token("beheer@open-link.test", "uitnodiging")
        .await;
    let res = use_link(&app, "open-link", "uitnodiging", &first, NEW_PASSWORD).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let session = res.set_cookie("zk_session").unwrap();
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.invites SET used_at = NULL, revoked_at = NULL")
        .execute(&mut owner)
        .await
        .unwrap();
    let res = use_link(&app, "open-link", "uitnodiging", &first, ATTACKER_PASSWORD).await;
    res.assert_status(StatusCode::GONE);
    assert!(res.text().contains("al in gebruik"), "{}", res.text());
    assert!(logs_in(&app, "open-link", "beheer@open-link.test", NEW_PASSWORD).await);
    assert_eq!(
        me_with_session(&app, "open-link", &session).await,
        StatusCode::OK
    );
    let _ = m;
}

#[tokio::test]
async fn a_password_set_on_the_command_line_ends_the_printed_invitation() {
    let app = App::new().await;
    let m = app.member("cli-pw").await;
    let printed = app.mailed_token("beheer@cli-pw.test", "uitnodiging").await;
    // Support sets the admin's password (`zorgklas user create --password`).
    let t = app.tenant(m.id).await;
    accounts::ensure_user(
        &app.platform,
        &t,
        "beheer@cli-pw.test",
        Role::Admin,
        Some(PASSWORD),
    )
    .await
    .unwrap();
    let session = app.login("cli-pw", "beheer@cli-pw.test").await;
    let res = use_link(&app, "cli-pw", "uitnodiging", &printed, ATTACKER_PASSWORD).await;
    res.assert_status(StatusCode::GONE);
    assert!(!logs_in(&app, "cli-pw", "beheer@cli-pw.test", ATTACKER_PASSWORD).await);
    assert!(logs_in(&app, "cli-pw", "beheer@cli-pw.test", PASSWORD).await);
    assert_eq!(
        me_with_session(&app, "cli-pw", &session).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_older_of_two_reset_links_dies_when_the_newer_is_used() {
    let app = App::new().await;
    let m = app.member("twee-mails").await;
    app.user(&m, "zorg@twee-mails.test", Role::Learner).await;
    let token = app.token(&m, "zorg@twee-mails.test").await;
    for _ in 0..2 {
        app.client
            .post("twee-mails", "/wachtwoord-vergeten")
            .form(&[("email", "zorg@twee-mails.test")])
            .send()
            .await
            .assert_status(StatusCode::OK);
    }
    let links = mailed_tokens(&app, "zorg@twee-mails.test", "wachtwoord-herstellen").await;
    assert_eq!(links.len(), 2);
    use_link(
        &app,
        "twee-mails",
        "wachtwoord-herstellen",
        &links[1],
        NEW_PASSWORD,
    )
    .await
    .assert_status(StatusCode::OK);
    let res = use_link(
        &app,
        "twee-mails",
        "wachtwoord-herstellen",
        &links[0],
        ATTACKER_PASSWORD,
    )
    .await;
    res.assert_status(StatusCode::GONE);
    assert!(logs_in(&app, "twee-mails", "zorg@twee-mails.test", NEW_PASSWORD).await);
    assert!(
        !logs_in(
            &app,
            "twee-mails",
            "zorg@twee-mails.test",
            ATTACKER_PASSWORD
        )
        .await
    );
    // The reset ended the API token too (finding 7).
    assert_eq!(
        me_with_token(&app, "twee-mails", &token).await,
        StatusCode::UNAUTHORIZED
    );
}

/// The answers of the contribution fixture's quiz, as they would leak.
fn has_answers(v: &Value) -> bool {
    let s = v.to_string();
    s.contains("\"correct\":true") || s.contains("eerst controleren.")
}

#[tokio::test]
async fn quiz_answers_of_a_contribution_are_for_its_authors_and_open_reviews_only() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.a, "beoordelaar@zorg-a.test", Role::Reviewer)
        .await;
    app.user(&s.b, "beoordelaar@zorg-b.test", Role::Reviewer)
        .await;
    app.user(&s.b, "leerling@zorg-b.test", Role::Learner).await;
    let a_teacher = app.token(&s.a, "docent@zorg-a.test").await;
    let a_reviewer = app.token(&s.a, "beoordelaar@zorg-a.test").await;
    let b_reviewer = app.token(&s.b, "beoordelaar@zorg-b.test").await;
    let b_learner = app.token(&s.b, "leerling@zorg-b.test").await;
    let (own, _) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Medicatie controleren", "Eerst controleren."),
    )
    .await;
    let res = c
        .post(
            "zorg-a",
            &format!("/api/v1/content/modules/{own}/contribute"),
        )
        .bearer(&s.a_author)
        .json(&json!({"licence": "CC-BY-4.0"}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/content/candidates/{id}");
    let read = |host: &'static str, token: String| {
        let path = path.clone();
        async move {
            let res = c.get(host, &path).bearer(&token).send().await;
            res.assert_status(StatusCode::OK);
            res.json()
        }
    };

    // While the review is open: the submitting member's author and another member's reviewer.
    let seen = read("zorg-a", s.a_author.clone()).await;
    assert!(
        has_answers(&seen) && seen["answers_shown"] == true,
        "{seen}"
    );
    let seen = read("zorg-b", b_reviewer.clone()).await;
    assert!(has_answers(&seen), "{seen}");
    // Nobody else: the submitting member's learners, teachers and own reviewers, nor another
    // member's learners or authors.
    for (host, token) in [
        ("zorg-a", s.a_learner.clone()),
        ("zorg-a", a_teacher.clone()),
        ("zorg-a", a_reviewer.clone()),
        ("zorg-b", b_learner.clone()),
        ("zorg-b", s.b_author.clone()),
    ] {
        let seen = read(host, token).await;
        assert!(
            !has_answers(&seen) && seen["answers_shown"] == false,
            "{host}: {seen}"
        );
    }
    // The page says the same as the API.
    let learner_session = app.login("zorg-a", "leerling@zorg-a.test").await;
    let html = c
        .get("zorg-a", &format!("/leren/inzendingen/{id}"))
        .session(&learner_session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Wat doet u eerst?") && !html.contains("eerst controleren.</li>"),
        "{html}"
    );
    assert!(!html.contains("(goed)"), "{html}");

    // Published as an NZK module every member's learners take: nobody reads the answers here.
    c.post("", &format!("{path}/review"))
        .bearer(&s.operator)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.post("", &format!("{path}/publish"))
        .bearer(&s.operator)
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    for (host, token) in [
        ("zorg-a", s.a_author.clone()),
        ("zorg-b", b_reviewer.clone()),
        ("", s.operator.clone()),
    ] {
        let seen = read(host, token).await;
        assert!(!has_answers(&seen), "{host}: {seen}");
    }
    let reviewer_session = app.login("zorg-b", "beoordelaar@zorg-b.test").await;
    let html = c
        .get("zorg-b", &format!("/leren/inzendingen/{id}"))
        .session(&reviewer_session)
        .send()
        .await
        .text();
    assert!(!html.contains("(goed)"), "{html}");
}

/// The tokens `/api/v1/me/tokens` lists for `token`'s owner.
async fn my_tokens(app: &App, host: &str, token: &str) -> Vec<Value> {
    let res = app
        .client
        .get(host, "/api/v1/me/tokens")
        .bearer(token)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    res.json()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn users_and_admins_see_and_revoke_api_tokens_which_expire() {
    let app = App::new().await;
    let a = app.member("sleutel-a").await;
    let b = app.member("sleutel-b").await;
    app.user(&a, "admin@sleutel-a.test", Role::Admin).await;
    app.user(&b, "admin@sleutel-b.test", Role::Admin).await;
    let hr = app.user(&a, "hr@sleutel-a.test", Role::Learner).await;
    let admin = app.token(&a, "admin@sleutel-a.test").await;
    let b_admin = app.token(&b, "admin@sleutel-b.test").await;
    let first = app.token(&a, "hr@sleutel-a.test").await;
    let second = app.token(&a, "hr@sleutel-a.test").await;

    // The owner sees both: name, created, last used, expiry — never the token itself.
    assert_eq!(
        me_with_token(&app, "sleutel-a", &first).await,
        StatusCode::OK
    );
    let list = my_tokens(&app, "sleutel-a", &first).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains(&first[3..]) && !text.contains(&second[3..]));
    assert!(list
        .iter()
        .all(|t| t["label"] == "test" && t["expired"] == false));
    assert!(
        list.iter().any(|t| t["last_used_at"].is_string()),
        "use is recorded: {list:?}"
    );
    let expires = time::OffsetDateTime::parse(
        list[0]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - time::OffsetDateTime::now_utc()).whole_days();
    assert!((89..=90).contains(&days), "{days}");

    // The admin sees them too; another member's admin finds no such user.
    let res = app
        .client
        .get("sleutel-a", &format!("/api/v1/users/{hr}/tokens"))
        .bearer(&admin)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 2);
    app.client
        .get("sleutel-b", &format!("/api/v1/users/{hr}/tokens"))
        .bearer(&b_admin)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // A learner doesn't see other users' tokens.
    app.client
        .get("sleutel-a", &format!("/api/v1/users/{hr}/tokens"))
        .bearer(&first)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // The owner revokes one; it stops working at once. Someone else's token id is 404.
    let id_of = |list: &[Value], used: bool| {
        list.iter()
            .find(|t| t["last_used_at"].is_string() == used)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first_id = id_of(&list, true);
    let second_id = id_of(&list, false);
    app.client
        .delete("sleutel-a", &format!("/api/v1/me/tokens/{first_id}"))
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    app.client
        .delete("sleutel-a", &format!("/api/v1/me/tokens/{first_id}"))
        .bearer(&second)
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    assert_eq!(
        me_with_token(&app, "sleutel-a", &first).await,
        StatusCode::UNAUTHORIZED
    );
    // Another member's admin can't revoke it; its own admin can.
    app.client
        .delete(
            "sleutel-b",
            &format!("/api/v1/users/{hr}/tokens/{second_id}"),
        )
        .bearer(&b_admin)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(
        me_with_token(&app, "sleutel-a", &second).await,
        StatusCode::OK
    );
    app.client
        .delete(
            "sleutel-a",
            &format!("/api/v1/users/{hr}/tokens/{second_id}"),
        )
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    assert_eq!(
        me_with_token(&app, "sleutel-a", &second).await,
        StatusCode::UNAUTHORIZED
    );

    // A token past its expiry no longer works.
    let third = app.token(&a, "hr@sleutel-a.test").await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.api_tokens SET expires_at = now() - interval '1 minute' WHERE revoked_at IS NULL AND user_id = $1")
        .bind(hr)
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(
        me_with_token(&app, "sleutel-a", &third).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn blocking_ends_api_tokens_for_good() {
    let app = App::new().await;
    let m = app.member("blok-sleutel").await;
    app.user(&m, "admin@blok-sleutel.test", Role::Admin).await;
    let hr = app
        .user(&m, "koppeling@blok-sleutel.test", Role::Learner)
        .await;
    let admin = app.token(&m, "admin@blok-sleutel.test").await;
    let token = app.token(&m, "koppeling@blok-sleutel.test").await;
    assert_eq!(
        me_with_token(&app, "blok-sleutel", &token).await,
        StatusCode::OK
    );
    for action in ["block", "unblock"] {
        app.client
            .post("blok-sleutel", &format!("/api/v1/users/{hr}/{action}"))
            .bearer(&admin)
            .send()
            .await
            .assert_status(StatusCode::OK);
    }
    // Unblocked, the account is back, but the token it had before the block is not.
    assert_eq!(
        me_with_token(&app, "blok-sleutel", &token).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        logs_in(
            &app,
            "blok-sleutel",
            "koppeling@blok-sleutel.test",
            PASSWORD
        )
        .await
    );
}

#[tokio::test]
async fn the_account_page_lists_tokens_and_revokes_them_and_admins_see_them_per_user() {
    let app = App::new().await;
    let m = app.member("sleutelpagina").await;
    app.user(&m, "admin@sleutelpagina.test", Role::Admin).await;
    let hr = app.user(&m, "hr@sleutelpagina.test", Role::Learner).await;
    let token = app.token(&m, "hr@sleutelpagina.test").await;
    let session = app.login("sleutelpagina", "hr@sleutelpagina.test").await;
    let page = app
        .client
        .get("sleutelpagina", "/mijn-account")
        .session(&session)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("API-sleutels") && html.contains("data-testid=\"token\""),
        "{html}"
    );
    let id = my_tokens(&app, "sleutelpagina", &token).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin_session = app.login("sleutelpagina", "admin@sleutelpagina.test").await;
    let html = app
        .client
        .get("sleutelpagina", &format!("/beheer/gebruikers/{hr}"))
        .session(&admin_session)
        .send()
        .await
        .text();
    assert!(
        html.contains(&format!("/beheer/gebruikers/{hr}/sleutels/{id}/intrekken")),
        "{html}"
    );
    let res = app
        .client
        .post(
            "sleutelpagina",
            &format!("/mijn-account/sleutels/{id}/intrekken"),
        )
        .session(&session)
        .form(&[])
        .send()
        .await;
    let (html, flash) = app.follow("sleutelpagina", &res, &session).await;
    assert_eq!(
        flash.as_deref(),
        Some("De sleutel is ingetrokken en werkt niet meer.")
    );
    assert!(html.contains("data-testid=\"no-tokens\""), "{html}");
    assert_eq!(
        me_with_token(&app, "sleutelpagina", &token).await,
        StatusCode::UNAUTHORIZED
    );
}
