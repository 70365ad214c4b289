//! Mail over SMTP (lettre) to a real SMTP server (`aiosmtpd`), when `ZK_SMTP_URL` is set.

use crate::support::App;
use std::time::{Duration, Instant};
use zk_test_support::peers::{peers_python, SmtpPeer};

#[tokio::test]
async fn invitations_are_delivered_over_smtp_and_marked_sent() {
    if peers_python().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install aiosmtpd in .venv-peers"
        );
        eprintln!("skipped: aiosmtpd not installed");
        return;
    }
    let smtp = SmtpPeer::start().await.unwrap();
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let app = App::with_config(|c| c.smtp_url = Some(zk_kernel::config::Secret::new(url))).await;
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
    if peers_python().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install aiosmtpd in .venv-peers"
        );
        eprintln!("skipped: aiosmtpd not installed");
        return;
    }
    let smtp = SmtpPeer::start().await.unwrap();
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    // A poison row first in the queue (an address lettre refuses), then a real invitation.
    let app = App::with_config(|c| c.smtp_url = Some(zk_kernel::config::Secret::new(url))).await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "INSERT INTO tenant.outbox (tenant_id, id, recipient, subject, body, created_at)
         VALUES (tenant.platform_tenant(), gen_random_uuid(), 'geen adres', 'Kapot', 'x', now() - interval '1 hour')",
    )
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
    let (attempts, error): (i32, Option<String>) = sqlx::query_as(
        "SELECT attempts, last_error FROM tenant.outbox WHERE recipient = 'geen adres'",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert!(
        attempts >= 1 && error.is_some(),
        "attempts {attempts}, error {error:?}"
    );
    let unsent_good: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenant.outbox WHERE recipient <> 'geen adres' AND sent_at IS NULL",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(unsent_good, 0);
}
