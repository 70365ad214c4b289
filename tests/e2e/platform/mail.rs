//! Mail over SMTP (lettre) to a real SMTP server (`aiosmtpd`), when `ZK_SMTP_URL` is set.

use crate::support::*;
use std::time::{Duration, Instant};
use zk_test_support::peers::{peers_python, SmtpPeer};

/// A real SMTP server and its URL; `None` (the test is skipped) only outside CI without aiosmtpd.
async fn smtp_peer() -> Option<(SmtpPeer, String)> {
    if peers_python().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install aiosmtpd in .venv-peers"
        );
        eprintln!("skipped: aiosmtpd not installed");
        return None;
    }
    let smtp = SmtpPeer::start().await.unwrap();
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    Some((smtp, url))
}

#[tokio::test]
async fn invitations_are_delivered_over_smtp_and_marked_sent() {
    let Some((smtp, url)) = smtp_peer().await else {
        return;
    };
    let app = app_with(|c| c.smtp_url = Some(zk_kernel::config::Secret::new(url))).await;
    app.member("post").await;

    let deadline = Instant::now() + Duration::from_secs(15);
    let message = loop {
        if let Some(m) = smtp.messages().into_iter().next() {
            break m;
        }
        assert!(Instant::now() < deadline, "no mail arrived over SMTP");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(message.contains("To: beheer@post.test"), "{message}");
    // In the member's name, from the platform's address.
    assert!(
        message.contains("From: \"Zorg post via Nationale Zorgklas\" <noreply@zorgklas.localhost>"),
        "{message}"
    );
    assert!(message.contains("/uitnodiging/"), "{message}");
    assert!(message.contains("Subject: "));
    // The outbox row is marked sent, so it is not sent twice.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut owner = app.db.owner().await.unwrap();
        let unsent: i64 =
            sqlx::query_scalar("SELECT count(*) FROM tenant.outbox WHERE sent_at IS NULL")
                .fetch_one(&mut owner)
                .await
                .unwrap();
        if unsent == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "outbox row not marked sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(smtp.messages().len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn an_undeliverable_mail_neither_blocks_the_queue_nor_resends_the_others() {
    let Some((smtp, url)) = smtp_peer().await else {
        return;
    };
    // A poison row first in the queue (an address lettre refuses) on its last attempt, then a
    // real invitation.
    let app = app_with(|c| c.smtp_url = Some(zk_kernel::config::Secret::new(url))).await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "INSERT INTO tenant.outbox (tenant_id, id, recipient, subject, body, created_at, attempts)
         VALUES (tenant.platform_tenant(), gen_random_uuid(), 'geen adres', 'Kapot',
                 'http://localhost:8080/uitnodiging/geheim', now() - interval '1 hour', $1 - 1)",
    )
    .bind(zk_kernel::mail::MAX_ATTEMPTS)
    .execute(&mut owner)
    .await
    .unwrap();
    app.member("wachtrij").await;

    let deadline = Instant::now() + Duration::from_secs(15);
    while smtp.messages().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the good mail is stuck behind the bad one"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Several polls later: still exactly one delivery, and the bad row records why it failed.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        smtp.messages().len(),
        1,
        "a mail already sent must not be sent again"
    );
    let (attempts, error, body): (i32, Option<String>, String) = sqlx::query_as(
        "SELECT attempts, last_error, body FROM tenant.outbox WHERE recipient = 'geen adres'",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert!(
        attempts == zk_kernel::mail::MAX_ATTEMPTS && error.is_some(),
        "attempts {attempts}, error {error:?}"
    );
    assert_eq!(body, "", "a mail given up keeps no link");
    let unsent_good: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenant.outbox WHERE recipient <> 'geen adres' AND sent_at IS NULL",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(unsent_good, 0);
}

#[tokio::test]
async fn with_a_mail_server_operators_never_see_a_live_link() {
    let Some((smtp, url)) = smtp_peer().await else {
        return;
    };
    let app = app_with(|c| c.smtp_url = Some(zk_kernel::config::Secret::new(url))).await;
    let op = app.operator("op@nzk.test").await;
    let op_session = op.login().await;

    // Creating a member gives the operator no link to the admin's account.
    let res = op
        .post("/api/v1/tenants")
        .json(&json!({ "slug": "geen-kaping", "name": "Geen Kaping", "admin_email": "beheer@geen-kaping.test" }))
        .expect(StatusCode::CREATED)
        .await;
    assert!(res.json()["invite_url"].is_null(), "{}", res.text());
    // The operator asks for a reset of an active admin's password…
    let m = app.existing_member("geen-kaping").await;
    m.user("directeur@geen-kaping.test", Role::Admin).await;
    m.visitor()
        .post("/wachtwoord-vergeten")
        .form(&[("email", "directeur@geen-kaping.test")])
        .expect(StatusCode::OK)
        .await;
    // …and reads the outbox, before and after delivery: recipient, subject and status, no link.
    let readings = |label: &'static str| {
        let op = op.clone();
        let op_session = op_session.clone();
        async move {
            let api = op.get("/api/v1/outbox").send().await;
            let json = api.json();
            assert_eq!(json["mode"], "smtp");
            assert!(json["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m.get("body").is_none() && m["status"].is_string()));
            let page = op_session.get("/console/outbox").send().await.text();
            assert!(page.contains("Wachtwoord opnieuw instellen"), "{page}");
            assert!(!page.contains("outbox-demo-banner"));
            for text in [api.text(), page] {
                assert!(
                    !text.contains("/wachtwoord-herstellen/") && !text.contains("/uitnodiging/"),
                    "{label}: a link is visible"
                );
            }
        }
    };
    readings("queued").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let reset = loop {
        if let Some(m) = smtp
            .messages()
            .into_iter()
            .find(|m| m.contains("/wachtwoord-herstellen/"))
        {
            break m;
        }
        assert!(Instant::now() < deadline, "the reset mail did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Delivered: the stored bodies are gone, so no backup keeps a usable token.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut owner = app.db.owner().await.unwrap();
        let with_body: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM tenant.outbox WHERE body <> '' OR sent_at IS NULL",
        )
        .fetch_one(&mut owner)
        .await
        .unwrap();
        if with_body == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "bodies kept after delivery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    readings("sent").await;
    // The admin, who got the mail, can still use the link (quoted-printable soft breaks undone).
    let reset = reset.replace("=\r\n", "").replace("=\n", "");
    let token = link_token(&reset, "wachtwoord-herstellen").unwrap();
    m.visitor()
        .choose_password(
            &format!("/wachtwoord-herstellen/{token}"),
            "Nieuw-Wachtwoord-7",
        )
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn without_a_mail_server_the_console_shows_full_mails_under_a_demo_banner() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await.login().await;
    app.member("demo-post").await;
    let page = op.get("/console/outbox").send().await.text();
    assert!(page.contains("outbox-demo-banner") && page.contains("Demo- en ontwikkelmodus"));
    assert!(page.contains("/uitnodiging/") && page.contains("alleen bewaard"));
}
