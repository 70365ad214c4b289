//! Signing in under attack: wrong passwords counted before hashing, a lockout a reset lifts,
//! forwarded addresses that cannot be spoofed, throttled reset mails and a return address that
//! stays on the portal. Regression tests of the account-security review (issue 10).

use crate::support::*;
use zk_tenant::domain::throttle;

const NEW_PASSWORD: &str = "Nieuw-Wachtwoord-7";

/// An app that trusts one proxy hop, so tests can speak from several client addresses.
async fn behind_one_proxy() -> TestApp {
    app_with(|c| c.trusted_proxy_hops = 1).await
}

/// How many of `statuses` are `code`.
fn count(statuses: &[StatusCode], code: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == code).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_are_counted_before_hashing() {
    let app = behind_one_proxy().await;
    let m = app.member("race").await;
    m.learner().await;
    let before = app.platform.metrics.password_hashes();
    let stranger = m.visitor().from("203.0.113.66");
    let statuses: Vec<StatusCode> = at_once(25, |_| {
        stranger
            .post("/inloggen")
            .form(&[("email", "leerling@race.test"), ("password", "fout-fout-1")])
    })
    .await
    .iter()
    .map(|r| r.status)
    .collect();
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
    stranger
        .login_form("leerling@race.test", PASSWORD)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.platform.metrics.password_hashes() - before,
        limit as u64
    );
    // …but the learner, elsewhere, logs in; that success lifts the account's counters.
    m.visitor()
        .from("198.51.100.4")
        .login_form("leerling@race.test", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    stranger
        .login_form("leerling@race.test", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_locked_out_account_gets_back_in_through_a_reset_link() {
    let app = app().await;
    let m = app.member("slot").await;
    m.learner().await;
    let visitor = m.visitor();
    for _ in 0..throttle::LOGIN_PER_ACCOUNT_AND_ADDRESS {
        visitor
            .login_form("leerling@slot.test", "fout-fout-1")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    visitor
        .login_form("leerling@slot.test", PASSWORD)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    visitor
        .post("/wachtwoord-vergeten")
        .form(&[("email", "leerling@slot.test")])
        .expect(StatusCode::OK)
        .await;
    let token = app
        .mailed_token("leerling@slot.test", "wachtwoord-herstellen")
        .await;
    visitor
        .choose_password(&format!("/wachtwoord-herstellen/{token}"), NEW_PASSWORD)
        .await
        .assert_status(StatusCode::OK);
    visitor
        .login_form("leerling@slot.test", NEW_PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_spoofed_forwarded_address_does_not_escape_the_address_limit() {
    let app = behind_one_proxy().await;
    let m = app.member("spoof").await;
    m.learner().await;
    // The client writes a new address in front each time; the proxy appends the real one.
    for i in 0..throttle::LOGIN_PER_ADDRESS {
        m.visitor()
            .from(&format!("10.66.{}.{}, 203.0.113.9", i / 250, i % 250))
            .login_form(&format!("raden{i}@spoof.test"), "fout-fout-1")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    m.visitor()
        .from("192.0.2.1, 203.0.113.9")
        .login_form("leerling@spoof.test", PASSWORD)
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    // Another real address is not affected.
    m.visitor()
        .from("203.0.113.9, 198.51.100.7")
        .login_form("leerling@spoof.test", PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn reset_mails_are_throttled_per_account_and_per_address() {
    let app = behind_one_proxy().await;
    let m = app.member("postbus").await;
    m.learner().await;
    let request = |email: &str, ip: &str| {
        m.visitor()
            .from(ip)
            .post("/wachtwoord-vergeten")
            .form(&[("email", email)])
            .send()
    };
    let mut statuses = vec![];
    for i in 0..20 {
        // From several addresses: the per-account limit holds across them.
        let ip = ["203.0.113.1", "203.0.113.2", "203.0.113.3"][i % 3];
        statuses.push(request("leerling@postbus.test", ip).await.status);
    }
    let sent = count(&statuses, StatusCode::OK);
    assert_eq!(sent, throttle::RESET_MAILS_PER_ACCOUNT as usize);
    assert_eq!(
        app.mails_to("leerling@postbus.test").await.len(),
        throttle::RESET_MAILS_PER_ACCOUNT as usize
    );
    let res = request("leerling@postbus.test", "203.0.113.1").await;
    res.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().contains("Te veel verzoeken"));

    // Per address, whatever the account (existing or not: the answer never tells).
    for i in 0..throttle::RESET_MAILS_PER_ADDRESS {
        request(&format!("niemand{i}@postbus.test"), "198.51.100.20")
            .await
            .assert_status(StatusCode::OK);
    }
    request("iemand-anders@postbus.test", "198.51.100.20")
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_return_address_after_login_stays_on_the_portal() {
    let app = app().await;
    let m = app.member("terug").await;
    m.learner().await;
    let visitor = m.visitor();
    let login = |terug: &'static str| {
        visitor
            .post("/inloggen")
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
    let res = visitor
        .get("/taal/en")
        .header("referer", "http://evil.example//evil.example/")
        .send()
        .await;
    assert_eq!(res.location().as_deref(), Some("/"));
    let res = visitor
        .get("/taal/en")
        .header(
            "referer",
            "http://terug.localhost:8080/inloggen?terug=/beheer",
        )
        .send()
        .await;
    assert_eq!(res.location().as_deref(), Some("/inloggen?terug=/beheer"));
}
