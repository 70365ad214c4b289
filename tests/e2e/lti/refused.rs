//! Launches from the tests' own platform (`tests/peers/lti_platform.py`) that must be refused:
//! a forged signature (another key, `alg: none`, HS256 over the platform's public key, a `kid`
//! that stays unknown), another audience or issuer, an expired token, a replayed nonce or state,
//! a state from another browser, an unregistered deployment, a login of one member posted to
//! another's host, a message type we do not serve. Each is refused with its message, and none
//! makes an account, a session, an enrolment, a launch or an LMS link.

use super::{assert_refused, launch_claims, query_value, register, registration};
use crate::support::*;
use std::time::{Duration, Instant};
use zk_test_support::{lti::LtiPlatform, TestResponse};

const CLIENT: &str = "client-a";
const DEPLOYMENT: &str = "dep-a";
const LEARNER: &str = "u-ada";

/// Member A with the platform registered by its admin (client `client-a`, deployment `dep-a`)
/// and a published module the launches target.
struct Lms {
    app: TestApp,
    a: Member,
    platform: LtiPlatform,
    module: Module,
    /// The launches' `target_link_uri`: the module on A's portal.
    target: String,
}

async fn lms() -> Lms {
    let app = app().await;
    let a = app.member("lti-a").await;
    let platform = LtiPlatform::start().await.expect("the tests' LTI platform");
    let admin = a.admin().await;
    register(
        &admin,
        registration(
            &platform.issuer,
            CLIENT,
            DEPLOYMENT,
            &platform.auth_url(),
            &platform.jwks_url(),
        ),
    )
    .await;
    let module = a
        .author()
        .await
        .publish_module(text_module(
            "Tillen zonder blessures",
            &["Buig door je knieën."],
        ))
        .await;
    let target = format!(
        "{}/leren/modules/{}",
        app.platform.config.tenant_url("lti-a"),
        module.id
    );
    Lms {
        app,
        a,
        platform,
        module,
        target,
    }
}

/// A login started in one browser: the state and nonce the tool sent to the platform, and the
/// browser's state cookie (`zk_lti_…=state`).
struct Login {
    state: String,
    nonce: String,
    cookie: String,
}

impl Lms {
    /// The platform's login initiation for `client_id`, in `browser` (on its host).
    async fn login(&self, browser: &Visitor, client_id: &str) -> Login {
        let res = browser
            .get(&self.login_path(client_id, None))
            .expect(StatusCode::SEE_OTHER)
            .await;
        let auth = res.location().unwrap();
        assert!(auth.starts_with(&self.platform.auth_url()), "{auth}");
        let cookie = res
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("zk_lti_"))
            .and_then(|c| c.split(';').next())
            .expect("a state cookie")
            .to_owned();
        let login = Login {
            state: query_value(&auth, "state").expect("a state"),
            nonce: query_value(&auth, "nonce").expect("a nonce"),
            cookie,
        };
        assert!(login.cookie.ends_with(&format!("={}", login.state)));
        login
    }

    fn login_path(&self, client_id: &str, deployment: Option<&str>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("iss", &self.platform.issuer)
            .append_pair("login_hint", LEARNER)
            .append_pair("client_id", client_id)
            .append_pair("target_link_uri", &self.target);
        if let Some(d) = deployment {
            q.append_pair("lti_deployment_id", d);
        }
        format!("/lti/login?{}", q.finish())
    }

    /// The good claims for `login`'s nonce.
    fn claims(&self, login: &Login) -> Value {
        launch_claims(
            &self.platform.issuer,
            CLIENT,
            DEPLOYMENT,
            &login.nonce,
            &self.target,
            LEARNER,
        )
    }

    /// A fresh login on A, the good claims as `change` leaves them signed as `variant`, posted
    /// back with the login's state from the browser that has its cookie.
    async fn attempt(&self, change: impl FnOnce(&mut Value), variant: &str) -> TestResponse {
        let browser = self.a.visitor();
        let login = self.login(&browser, CLIENT).await;
        let mut claims = self.claims(&login);
        change(&mut claims);
        let token = self.platform.sign(&claims, variant).await;
        post(&browser, &login, &token).await
    }
}

/// The platform's form post of `id_token` with `login`'s state, in the browser with its cookie.
async fn post(browser: &Visitor, login: &Login, id_token: &str) -> TestResponse {
    browser
        .post("/lti/launch")
        .cookie(&login.cookie)
        .form(&[("id_token", id_token), ("state", login.state.as_str())])
        .send()
        .await
}

/// The link of the page that moves a cross-site launch on to our own origin.
fn continue_url(res: &TestResponse) -> String {
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let html = res.text();
    let next = html
        .split("url=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a page that moves on")
        .to_owned();
    assert!(next.starts_with("/lti/launch/"), "{next}");
    next
}

/// What a launch makes, counted as the owner over every member.
async fn made(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "tenant.users",
        "tenant.sessions",
        "content.enrolments",
        "lti.launches",
        "lti.accounts",
    ] {
        out.push((table, app.count(table).await));
    }
    out
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const MESSAGE_TYPE: &str = "https://purl.imsglobal.org/spec/lti/claim/message_type";
const DEPLOYMENT_ID: &str = "https://purl.imsglobal.org/spec/lti/claim/deployment_id";

#[tokio::test]
async fn the_platforms_good_launch_opens_and_forged_signatures_make_nothing() {
    let s = lms().await;

    // The good path with this platform: RS256 with its published key, every claim right. It
    // makes one of each thing the refusals below must not make.
    let empty = made(&s.app).await;
    let browser = s.a.visitor();
    let login = s.login(&browser, CLIENT).await;
    let token = s.platform.sign(&s.claims(&login), "rs256").await;
    let opened = post(&browser, &login, &token).await;
    opened.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        opened.location().unwrap(),
        format!("/leren/modules/{}", s.module.id)
    );
    let session = Session::new(
        &s.app,
        s.a.host(),
        &opened.set_cookie("zk_session").expect("a session"),
    );
    let me = session
        .get("/api/v1/me")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(me["user"]["display_name"], "Ada Lovelace");
    assert_eq!(me["user"]["email"], "u-ada@lms.example");
    assert_eq!(me["user"]["roles"], json!(["learner"]));
    let before = made(&s.app).await;
    for ((table, was), (_, is)) in empty.iter().zip(&before) {
        assert_eq!(*is, was + 1, "{table}");
    }

    // Another key under the platform's kid, `alg: none`, HS256 with the public key as secret.
    for variant in ["other_key", "none", "hs256_public"] {
        let res = s.attempt(|_| {}, variant).await;
        assert_refused(&res, "lti_token_invalid");
    }
    assert_eq!(made(&s.app).await, before);

    // A kid the platform never published: the tool looks at the JWKS once more (the platform
    // may have rotated its key), not once per token.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let fetched_before = s.platform.recorded().await["jwks_fetches"]
        .as_i64()
        .unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        let res = s.attempt(|_| {}, "unknown_kid").await;
        assert_refused(&res, "lti_key_unknown");
    }
    let took = started.elapsed();
    let fetched = s.platform.recorded().await["jwks_fetches"]
        .as_i64()
        .unwrap()
        - fetched_before;
    assert!(fetched >= 1, "the JWKS was not fetched again for a new kid");
    assert!(
        fetched <= 1 + took.as_secs() as i64 / 2,
        "{fetched} fetches of the JWKS in {took:?} for three tokens with an unknown kid"
    );
    assert_eq!(made(&s.app).await, before);
}

#[tokio::test]
async fn another_audience_issuer_time_deployment_or_message_type_makes_nothing() {
    let s = lms().await;
    let before = made(&s.app).await;
    let t = now();
    // The claims each case changes, and the refusal.
    let cases = [
        (json!({"aud": "client-b"}), "lti_wrong_audience"),
        (
            json!({"iss": "http://127.0.0.1:9/elders"}),
            "lti_wrong_issuer",
        ),
        (
            json!({"exp": t - 3600, "iat": t - 3900}),
            "lti_token_expired",
        ),
        (
            json!({DEPLOYMENT_ID: "dep-elders"}),
            "lti_deployment_unknown",
        ),
        (
            json!({MESSAGE_TYPE: "LtiSubmissionReviewRequest"}),
            "lti_message_type_unsupported",
        ),
    ];
    for (changes, code) in cases {
        let change = |c: &mut Value| {
            for (k, v) in changes.as_object().unwrap() {
                c[k] = v.clone();
            }
        };
        let res = s.attempt(change, "rs256").await;
        assert_refused(&res, code);
        assert_eq!(made(&s.app).await, before, "{changes}");
    }
    // An unregistered deployment named at the login already stops there.
    let logins = s.app.count("lti.logins").await;
    let res =
        s.a.visitor()
            .get(&s.login_path(CLIENT, Some("dep-elders")))
            .send()
            .await;
    assert_refused(&res, "lti_deployment_unknown");
    assert_eq!(s.app.count("lti.logins").await, logins);
    assert_eq!(made(&s.app).await, before);
}

#[tokio::test]
async fn a_replayed_nonce_or_state_or_a_missing_state_makes_nothing() {
    let s = lms().await;
    let browser = s.a.visitor();
    let first = s.login(&browser, CLIENT).await;
    let token = s.platform.sign(&s.claims(&first), "rs256").await;
    post(&browser, &first, &token)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let before = made(&s.app).await;

    // The used nonce in a new token, posted with a new login's state.
    let second = s.login(&browser, CLIENT).await;
    let mut claims = s.claims(&second);
    claims["nonce"] = json!(first.nonce);
    let replayed = s.platform.sign(&claims, "rs256").await;
    assert_refused(&post(&browser, &second, &replayed).await, "lti_nonce_used");

    // The used state again, with its own (good) token.
    assert_refused(&post(&browser, &first, &token).await, "lti_state_unknown");

    // No state at all, or none of ours.
    let third = s.login(&browser, CLIENT).await;
    let good = s.platform.sign(&s.claims(&third), "rs256").await;
    for state in ["", "not-a-state-we-made"] {
        let res = browser
            .post("/lti/launch")
            .cookie(&third.cookie)
            .form(&[("id_token", good.as_str()), ("state", state)])
            .send()
            .await;
        assert_refused(&res, "lti_state_unknown");
    }
    let res = browser
        .post("/lti/launch")
        .cookie(&third.cookie)
        .form(&[("id_token", good.as_str())])
        .send()
        .await;
    assert_refused(&res, "lti_state_unknown");
    assert_eq!(made(&s.app).await, before);
}

#[tokio::test]
async fn a_state_from_another_browser_opens_nothing() {
    let s = lms().await;
    let hers = s.a.visitor();
    let theirs = s.a.visitor();
    let login = s.login(&hers, CLIENT).await;
    let other = s.login(&theirs, CLIENT).await;
    let token = s.platform.sign(&s.claims(&login), "rs256").await;
    let before = made(&s.app).await;

    // Her token and state, posted from a browser with another login's cookie: it checks out, so
    // the tool moves on to its own origin, where the browser must prove the login.
    let res = theirs
        .post("/lti/launch")
        .cookie(&other.cookie)
        .form(&[
            ("id_token", token.as_str()),
            ("state", login.state.as_str()),
        ])
        .send()
        .await;
    let next = continue_url(&res);
    let her_cookie_name = login.cookie.split('=').next().unwrap();
    for cookie in [
        None,
        Some(other.cookie.clone()),
        // Her cookie's name with the other login's state.
        Some(format!("{her_cookie_name}={}", other.state)),
    ] {
        let mut req = theirs.get(&next);
        if let Some(c) = &cookie {
            req = req.cookie(c);
        }
        assert_refused(&req.send().await, "lti_browser_mismatch");
    }
    // Only the pending launch is stored; no account, session, enrolment or link.
    let mut expected = before.clone();
    for (table, n) in &mut expected {
        if *table == "lti.launches" {
            *n += 1;
        }
    }
    assert_eq!(made(&s.app).await, expected);
    let mut conn = s.app.db.owner().await.unwrap();
    let (status, user): (String, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT status, user_id FROM lti.launches ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!((status.as_str(), user), ("pending", None));

    // Her own browser, with the cookies of an older and a newer login around hers (two links
    // opened from one course page), still opens it.
    let newer = s.login(&hers, CLIENT).await;
    let opened = hers
        .get(&next)
        .cookie(&other.cookie)
        .cookie(&login.cookie)
        .cookie(&newer.cookie)
        .send()
        .await;
    opened.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        opened.location().unwrap(),
        format!("/leren/modules/{}", s.module.id)
    );
    assert!(opened.set_cookie("zk_session").is_some());
}

#[tokio::test]
async fn member_as_login_and_token_open_nothing_on_member_bs_host() {
    let s = lms().await;
    let b = s.app.member("lti-b").await;
    let b_admin = b.admin().await;
    let on_b = b.visitor();
    let before = made(&s.app).await;

    // B has not registered the platform: its login is refused.
    let res = on_b.get(&s.login_path(CLIENT, None)).send().await;
    assert_refused(&res, "lti_unknown_platform");

    // B registers the same platform under its own client id; A's client id is still unknown.
    register(
        &b_admin,
        registration(
            &s.platform.issuer,
            "client-b",
            "dep-b",
            &s.platform.auth_url(),
            &s.platform.jwks_url(),
        ),
    )
    .await;
    let res = on_b.get(&s.login_path(CLIENT, None)).send().await;
    assert_refused(&res, "lti_unknown_platform");

    // A's login and its good token, posted to B's host: B knows no such state.
    let on_a = s.a.visitor();
    let login = s.login(&on_a, CLIENT).await;
    let token = s.platform.sign(&s.claims(&login), "rs256").await;
    assert_refused(&post(&on_b, &login, &token).await, "lti_state_unknown");

    // B's own login with A's claims: A's client id, then A's deployment.
    let b_login = s.login(&on_b, "client-b").await;
    let claims = s.claims(&b_login);
    let forged = s.platform.sign(&claims, "rs256").await;
    assert_refused(&post(&on_b, &b_login, &forged).await, "lti_wrong_audience");
    let b_login = s.login(&on_b, "client-b").await;
    let mut claims = s.claims(&b_login);
    claims["aud"] = json!("client-b");
    let forged = s.platform.sign(&claims, "rs256").await;
    assert_refused(
        &post(&on_b, &b_login, &forged).await,
        "lti_deployment_unknown",
    );
    assert_eq!(made(&s.app).await, before);

    // The token was good: on A's host it opens.
    let opened = post(&on_a, &login, &token).await;
    opened.assert_status(StatusCode::SEE_OTHER);
    assert!(opened.set_cookie("zk_session").is_some());
}

/// Tokens with an unknown `kid` that arrive together make one fetch of the platform's keys
/// between them, not one each (and all are refused).
#[tokio::test]
async fn unknown_kids_arriving_together_fetch_the_keys_once() {
    let s = lms().await;
    let browser = s.a.visitor();
    let mut posts = Vec::new();
    for _ in 0..6 {
        let login = s.login(&browser, CLIENT).await;
        let token = s.platform.sign(&s.claims(&login), "unknown_kid").await;
        posts.push((login, token));
    }
    let before = made(&s.app).await;
    let fetched = |r: &Value| r["jwks_fetches"].as_u64().unwrap_or_default();
    let fetched_before = fetched(&s.platform.recorded().await);
    let answers = futures_util::future::join_all(
        posts
            .iter()
            .map(|(login, token)| post(&browser, login, token)),
    )
    .await;
    for res in &answers {
        assert_refused(res, "lti_key_unknown");
    }
    let fetched_now = fetched(&s.platform.recorded().await) - fetched_before;
    assert_eq!(fetched_now, 1, "six tokens, one fetch");
    assert_eq!(made(&s.app).await, before);
}
