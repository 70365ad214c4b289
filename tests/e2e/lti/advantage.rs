//! LTI Advantage against the tests' own platform (`tests/peers/lti_platform.py`, jwcrypto):
//! dynamic registration end to end, deep linking (the answer's signature checks against our
//! JWKS, the items are the ones picked), grades (a score after completion; the token endpoint's
//! checks; sent once through failures and a restart; in order) and rosters over two pages.
//! The platform calls us back, so the app is served on the port its links carry.

use super::{launch_claims, query_value, register, registration};
use crate::support::*;
use zk_test_support::{lti::LtiPlatform, TestResponse};

/// The app served on a real port (its links carry that port), a member `slug` with an admin,
/// and the platform.
async fn setup(slug: &str) -> (TestApp, Member, User, LtiPlatform, String) {
    let port = zk_test_support::free_port();
    let app = app_with(|c| c.public_port = Some(port)).await;
    app.serve_on(port).await;
    let member = app.member(slug).await;
    let admin = member.admin().await;
    let platform = LtiPlatform::start().await.expect("the tests' LTI platform");
    let origin = app.platform.config.tenant_url(slug);
    (app, member, admin, platform, origin)
}

/// Registers the platform by hand as client `client` with deployment `dep`.
async fn register_by_hand(admin: &User, platform: &LtiPlatform, client: &str, dep: &str) -> Value {
    let mut input = registration(
        &platform.issuer,
        client,
        dep,
        &platform.auth_url(),
        &platform.jwks_url(),
    );
    input["token_url"] = json!(platform.token_url());
    register(admin, input).await
}

/// A launch with `claims` (made from the login's nonce by `make`), posted with the state
/// cookie: the response (303 with a session on success).
async fn launch(
    member: &Member,
    platform: &LtiPlatform,
    client: &str,
    make: impl FnOnce(&str) -> Value,
) -> TestResponse {
    let visitor = member.visitor();
    let login = visitor
        .get(&format!(
            "/lti/login?iss={}&login_hint=hint-1&client_id={client}",
            zk_kernel::http::url_encode(&platform.issuer)
        ))
        .expect(StatusCode::SEE_OTHER)
        .await;
    let auth = login.location().unwrap();
    let state = query_value(&auth, "state").unwrap();
    let nonce = query_value(&auth, "nonce").unwrap();
    let cookie = login
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("zk_lti_"))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let token = platform.sign(&make(&nonce), "rs256").await;
    visitor
        .post("/lti/launch")
        .cookie(&cookie)
        .form(&[("id_token", token.as_str()), ("state", state.as_str())])
        .send()
        .await
}

/// The session a successful launch opened.
fn session_of(app: &TestApp, member: &Member, res: &TestResponse) -> Session {
    res.assert_status(StatusCode::SEE_OTHER);
    Session::new(
        app,
        member.host(),
        &res.set_cookie("zk_session").expect("a session"),
    )
}

/// Does every block of `module` as the learner in a browser: passes the quizzes, marks the rest.
async fn complete(learner: &Session, enrolment: &str, module: &Module) {
    let blocks = module.doc["blocks"].as_array().unwrap().len();
    for i in 0..blocks {
        if module.doc["blocks"][i]["type"] == "quiz" {
            learner
                .post(&format!("/api/v1/learning/enrolments/{enrolment}/attempts"))
                .json(&json!({"block_id": module.block(i), "answers": module.right_answers(i)}))
                .expect(StatusCode::CREATED)
                .await;
        } else {
            learner
                .post(&format!(
                    "/api/v1/learning/enrolments/{enrolment}/blocks/{}/done",
                    module.block(i)
                ))
                .expect(StatusCode::OK)
                .await;
        }
    }
}

/// Waits up to `secs` for `check` to hold on the platform's record.
async fn wait_for(platform: &LtiPlatform, secs: u64, check: impl Fn(&Value) -> bool) -> Value {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let r = platform.recorded().await;
        if check(&r) {
            return r;
        }
        assert!(
            std::time::Instant::now() < until,
            "timed out; the platform saw: {r}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn dynamic_registration_registers_the_tool_with_the_platform_and_launches_work() {
    let (app, member, admin, platform, origin) = setup("dyn-a").await;
    platform
        .config(json!({"registration_token": "reg-token-7"}))
        .await;
    let link = admin
        .post("/api/v1/lti/registration-links")
        .expect(StatusCode::CREATED)
        .await
        .json();
    let url = link["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{origin}/lti/registreren/")),
        "{url}"
    );
    let path = url.strip_prefix(&origin).unwrap().to_owned();
    let config = zk_kernel::http::url_encode(&platform.openid_configuration_url());

    // A wrong registration token: the platform refuses, nothing is stored, the link still works.
    let refused = member
        .visitor()
        .get(&format!(
            "{path}?openid_configuration={config}&registration_token=wrong"
        ))
        .send()
        .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        refused.text()
    );
    assert_eq!(app.count("lti.registrations").await, 0);

    let done = member
        .visitor()
        .get(&format!(
            "{path}?openid_configuration={config}&registration_token=reg-token-7"
        ))
        .expect(StatusCode::OK)
        .await;
    assert!(
        done.text().contains("data-lti-close"),
        "tells the LMS to close its window"
    );
    let csp = done
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("frame-ancestors {}", platform.issuer)),
        "{csp}"
    );

    // What the platform received: our URLs, scopes and messages.
    let rec = platform.recorded().await;
    let sent = &rec["registrations"][0]["request"];
    assert_eq!(sent["initiate_login_uri"], format!("{origin}/lti/login"));
    assert_eq!(
        sent["redirect_uris"],
        json!([format!("{origin}/lti/launch")])
    );
    assert_eq!(sent["jwks_uri"], format!("{origin}/lti/jwks"));
    assert!(sent["client_name"].as_str().unwrap().contains("Zorgklas"));
    let scope = sent["scope"].as_str().unwrap();
    for s in [
        "lti-ags/scope/score",
        "lti-ags/scope/lineitem",
        "lti-nrps/scope/contextmembership.readonly",
    ] {
        assert!(scope.contains(s), "{s} in {scope}");
    }
    let tool = &sent["https://purl.imsglobal.org/spec/lti-tool-configuration"];
    assert!(tool["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["type"] == "LtiDeepLinkingRequest"));

    // What we stored: the client id and deployment the platform gave.
    let regs = admin
        .get("/api/v1/lti/registrations")
        .expect(StatusCode::OK)
        .await
        .json();
    let reg = &regs["items"][0];
    assert_eq!(reg["source"], "dynamic");
    assert_eq!(reg["issuer"], platform.issuer.as_str());
    let client = reg["client_id"].as_str().unwrap().to_owned();
    let deployment = reg["deployments"][0].as_str().unwrap().to_owned();
    assert!(
        client.starts_with("client-") && deployment.starts_with("deploy-"),
        "{reg}"
    );
    assert_eq!(reg["token_url"], platform.token_url());

    // The link works once.
    let again = member
        .visitor()
        .get(&format!(
            "{path}?openid_configuration={config}&registration_token=reg-token-7"
        ))
        .send()
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(app.count("lti.registrations").await, 1);

    // And a launch through the new registration opens a session.
    let issuer = platform.issuer.clone();
    let res = launch(&member, &platform, &client, |nonce| {
        launch_claims(
            &issuer,
            &client,
            &deployment,
            nonce,
            &format!("{origin}/"),
            "dyn-user-1",
        )
    })
    .await;
    session_of(&app, &member, &res);
}

#[tokio::test]
async fn deep_linking_returns_the_picked_items_signed_with_our_key() {
    let (app, member, admin, platform, origin) = setup("dl-a").await;
    let author = member.author().await;
    let tillen = author
        .publish_module(text_module(
            "Tillen zonder blessures",
            &["Buig door je knieën."],
        ))
        .await;
    let handen = author
        .publish_module(text_module("Handhygiëne", &["Was je handen."]))
        .await;
    register_by_hand(&admin, &platform, "client-dl", "dep-dl").await;
    let issuer = platform.issuer.clone();
    let return_url = format!("{}/dl-return", platform.issuer);
    let res = launch(&member, &platform, "client-dl", |nonce| {
        let mut c = launch_claims(
            &issuer,
            "client-dl",
            "dep-dl",
            nonce,
            &format!("{origin}/lti/launch"),
            "teacher-1",
        );
        c["https://purl.imsglobal.org/spec/lti/claim/message_type"] =
            json!("LtiDeepLinkingRequest");
        c["https://purl.imsglobal.org/spec/lti/claim/roles"] =
            json!(["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]);
        c.as_object_mut()
            .unwrap()
            .remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
        c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = json!({
            "deep_link_return_url": return_url,
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": true,
            "data": "echo-this-back",
        });
        c
    })
    .await;
    let picker = res.location().unwrap();
    assert!(picker.starts_with("/lti/kiezen/"), "{picker}");
    let teacher = session_of(&app, &member, &res);
    let me = teacher
        .get("/api/v1/me")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(me["user"]["roles"], json!(["teacher"]));

    // The picker lists the member's catalogue, with search.
    let page = teacher.page(&picker).await;
    assert!(page.contains("Tillen zonder blessures") && page.contains("Handhygiëne"));
    let found = teacher.page(&format!("{picker}?q=handen")).await;
    assert!(
        found.contains("Handhygiëne") && !found.contains("Tillen zonder blessures"),
        "{found}"
    );
    // Another person cannot answer this launch.
    let other = member.learner().await.login().await;
    other.get(&picker).expect(StatusCode::NOT_FOUND).await;

    let csrf = zk_test_support::csrf_for_session(&teacher.cookie);
    let answer = teacher
        .post(&picker)
        .form(&[
            ("csrf", csrf.as_str()),
            ("kies", &format!("module:{}", tillen.id)),
            ("kies", &format!("module:{}", handen.id)),
        ])
        .expect(StatusCode::OK)
        .await;
    let html = answer.text();
    assert!(html.contains(&format!("action=\"{return_url}\"")), "{html}");
    let csp = answer
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("form-action 'self' {}", platform.issuer)),
        "{csp}"
    );
    let jwt = html
        .split("name=\"JWT\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the signed answer")
        .to_owned();

    // The platform checks the answer against our JWKS (jwcrypto).
    let checked = platform.verify(&jwt, &format!("{origin}/lti/jwks")).await;
    assert_eq!(checked["valid"], true, "{checked}");
    let claims = &checked["claims"];
    assert_eq!(claims["iss"], "client-dl");
    assert_eq!(claims["aud"], platform.issuer.as_str());
    assert_eq!(
        claims["https://purl.imsglobal.org/spec/lti/claim/message_type"],
        "LtiDeepLinkingResponse"
    );
    assert_eq!(
        claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"],
        "dep-dl"
    );
    assert_eq!(
        claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"],
        "echo-this-back"
    );
    let items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 2);
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Tillen zonder blessures") && titles.contains(&"Handhygiëne"));
    for item in items {
        assert_eq!(item["type"], "ltiResourceLink");
        assert_eq!(item["lineItem"]["scoreMaximum"], 100);
        assert!(item["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{origin}/lti/launch?doel=/leren/modules/")));
    }
    // Answered once.
    teacher
        .post(&picker)
        .form(&[
            ("csrf", csrf.as_str()),
            ("kies", &format!("module:{}", tillen.id)),
        ])
        .expect(StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test]
async fn a_platform_that_takes_one_item_gets_one() {
    let (app, member, admin, platform, origin) = setup("dl-b").await;
    let author = member.author().await;
    let a = author.publish_module(text_module("Module A", &["a"])).await;
    let b = author.publish_module(text_module("Module B", &["b"])).await;
    register_by_hand(&admin, &platform, "client-one", "dep-1").await;
    let issuer = platform.issuer.clone();
    let res = launch(&member, &platform, "client-one", |nonce| {
        let mut c = launch_claims(
            &issuer,
            "client-one",
            "dep-1",
            nonce,
            &format!("{origin}/lti/launch"),
            "t-2",
        );
        c["https://purl.imsglobal.org/spec/lti/claim/message_type"] =
            json!("LtiDeepLinkingRequest");
        c["https://purl.imsglobal.org/spec/lti/claim/roles"] =
            json!(["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]);
        c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = json!({
            "deep_link_return_url": format!("{issuer}/dl-return"),
            "accept_types": ["ltiResourceLink"],
            "accept_multiple": false,
        });
        c
    })
    .await;
    let picker = res.location().unwrap();
    let teacher = session_of(&app, &member, &res);
    let page = teacher.page(&picker).await;
    assert!(page.contains("type=\"radio\""), "one choice only");
    let csrf = zk_test_support::csrf_for_session(&teacher.cookie);
    let two = teacher
        .post(&picker)
        .form(&[
            ("csrf", csrf.as_str()),
            ("kies", &format!("module:{}", a.id)),
            ("kies", &format!("module:{}", b.id)),
        ])
        .send()
        .await;
    assert_eq!(two.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(two.text().contains("maar één"));
    let one = teacher
        .post(&picker)
        .form(&[
            ("csrf", csrf.as_str()),
            ("kies", &format!("module:{}", b.id)),
        ])
        .expect(StatusCode::OK)
        .await
        .text();
    let jwt = one
        .split("name=\"JWT\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let checked = platform.verify(jwt, &format!("{origin}/lti/jwks")).await;
    let items =
        checked["claims"]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["title"], "Module B");
    assert!(checked["claims"]
        .get("https://purl.imsglobal.org/spec/lti-dl/claim/data")
        .is_none());
}

#[tokio::test]
async fn a_completion_reaches_the_gradebook_once_through_the_token_endpoint() {
    let (app, member, admin, platform, origin) = setup("ags-a").await;
    let author = member.author().await;
    let module = author.publish_module(quiz_module("Valpreventie")).await;
    register_by_hand(&admin, &platform, "client-ags", "dep-ags").await;
    platform
        .config(json!({"tool_jwks_url": format!("{origin}/lti/jwks")}))
        .await;
    let issuer = platform.issuer.clone();
    let target = format!("{origin}/lti/launch?doel=/leren/modules/{}", module.id);
    // The link has no line item yet: we make one in the platform's line items.
    let res = launch(&member, &platform, "client-ags", |nonce| {
        let mut c = launch_claims(
            &issuer,
            "client-ags",
            "dep-ags",
            nonce,
            &target,
            "learner-7",
        );
        c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]
            .as_object_mut()
            .unwrap()
            .remove("lineitem");
        c
    })
    .await;
    let learner = session_of(&app, &member, &res);
    // Nothing is sent before the module is done.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(platform.recorded().await["scores"], json!([]));

    // The learner passes the quiz: the module is complete with its score.
    let mine = learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await
        .json();
    let enrolment = mine["items"][0]["enrolment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    complete(&learner, &enrolment, &module).await;

    let rec = wait_for(&platform, 20, |r| {
        r["scores"].as_array().is_some_and(|s| !s.is_empty())
    })
    .await;
    let made = &rec["lineitems"][0]["lineitem"];
    assert_eq!(made["label"], "Valpreventie", "{rec}");
    assert_eq!(made["scoreMaximum"], 100);
    assert_eq!(made["resourceLinkId"], "rl-1");
    assert_eq!(rec["scores"][0]["lineitem"], made["id"]);
    let score = &rec["scores"][0]["score"];
    assert_eq!(score["userId"], "learner-7");
    assert_eq!(score["scoreMaximum"], 100);
    assert_eq!(score["scoreGiven"], 100);
    assert_eq!(score["activityProgress"], "Completed");
    assert_eq!(score["gradingProgress"], "FullyGraded");
    assert!(score["timestamp"].as_str().is_some());
    // Through a token the platform issued after checking our client assertion.
    let tokens = rec["token_requests"].as_array().unwrap();
    assert!(
        tokens
            .iter()
            .any(|t| t["accepted"] == true && t["client_id"] == "client-ags"),
        "{tokens:?}"
    );
    // Once: a while later there is still one.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(
        platform.recorded().await["scores"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let grades = admin
        .get("/api/v1/lti/grades")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(grades["items"][0]["state"], "sent");
    // Another member sees none of it.
    let other = app.member("ags-b").await.admin().await;
    let none = other
        .get("/api/v1/lti/grades")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(none["items"], json!([]));
}

/// The app with its LTI job off (the test runs the job's rounds itself, as one process or
/// another), a member with a quiz module, the platform registered by hand, and a learner who
/// launched the module and completed it.
async fn completed_launch(slug: &str) -> (TestApp, LtiPlatform, User) {
    let port = zk_test_support::free_port();
    let app = app_with(|c| {
        c.public_port = Some(port);
        c.jobs = false;
    })
    .await;
    app.serve_on(port).await;
    let member = app.member(slug).await;
    let admin = member.admin().await;
    let platform = LtiPlatform::start().await.expect("the tests' LTI platform");
    let origin = app.platform.config.tenant_url(slug);
    let module = member
        .author()
        .await
        .publish_module(quiz_module("Valpreventie"))
        .await;
    register_by_hand(&admin, &platform, "client-q", "dep-q").await;
    platform
        .config(json!({
            "tool_jwks_url": format!("{origin}/lti/jwks"),
            "lineitems": {"ctx-1": [{"label": "Valpreventie", "scoreMaximum": 100}]},
        }))
        .await;
    let issuer = platform.issuer.clone();
    let target = format!("{origin}/lti/launch?doel=/leren/modules/{}", module.id);
    let res = launch(&member, &platform, "client-q", |nonce| {
        launch_claims(&issuer, "client-q", "dep-q", nonce, &target, "learner-9")
    })
    .await;
    let learner = session_of(&app, &member, &res);
    let mine = learner
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await
        .json();
    let enrolment = mine["items"][0]["enrolment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    complete(&learner, &enrolment, &module).await;
    (app, platform, admin)
}

fn scores(rec: &Value, list: &str) -> Vec<i64> {
    rec[list]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| list == "scores" || s["status"] == 500)
        .map(|s| s["score"]["scoreGiven"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_score_is_sent_exactly_once_through_two_failures_and_a_restart_and_in_order() {
    let (app, platform, admin) = completed_launch("ags-r").await;
    platform.config(json!({"fail_scores": 2})).await;
    let round =
        |p: zk_kernel::Platform| async move { zk_lti::domain::grades::run_once(&p).await.unwrap() };

    // First process: queued, and the platform answers 500.
    assert_eq!(round(app.platform.clone()).await, 0);
    let rec = platform.recorded().await;
    assert_eq!(scores(&rec, "failed_scores"), [100]);
    assert_eq!(scores(&rec, "scores"), Vec::<i64>::new());
    let waiting = admin
        .get("/api/v1/lti/grades")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(waiting["items"][0]["state"], "waiting");
    // Operators see it waiting on /metrics.
    assert_eq!(grades_waiting(&app).await, 1.0);
    assert!(
        waiting["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("500"),
        "{waiting}"
    );
    // Not again before its time.
    assert_eq!(round(app.platform.clone()).await, 0);
    assert_eq!(
        platform.recorded().await["failed_scores"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The process restarts (a new platform on the same database): the queue is still there.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let second = app.db.platform().await.unwrap();
    assert_eq!(
        round(second.clone()).await,
        0,
        "the platform answers 500 a second time"
    );
    tokio::time::sleep(std::time::Duration::from_millis(4100)).await;
    let third = app.db.platform().await.unwrap();
    assert_eq!(round(third.clone()).await, 1);
    for _ in 0..3 {
        assert_eq!(round(third.clone()).await, 0);
    }
    let rec = platform.recorded().await;
    assert_eq!(scores(&rec, "scores"), [100], "accepted exactly once");
    assert_eq!(scores(&rec, "failed_scores"), [100, 100]);

    // Two new results for the same learner and line item keep their order, even when the first
    // must wait.
    platform.config(json!({"fail_scores": 1})).await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET completed_score = 80")
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(
        round(third.clone()).await,
        0,
        "80 is queued and refused once"
    );
    sqlx::query("UPDATE content.enrolments SET completed_score = 60")
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(round(third.clone()).await, 0, "60 waits behind 80");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(round(third.clone()).await, 1);
    assert_eq!(round(third.clone()).await, 1);
    assert_eq!(scores(&platform.recorded().await, "scores"), [100, 80, 60]);
    assert_eq!(grades_waiting(&app).await, 0.0);
}

/// `zk_queue_depth{queue="grades"}` as `/metrics` shows it.
async fn grades_waiting(app: &TestApp) -> f64 {
    let scrape = app.visitor("").get("/metrics").send().await.text();
    scrape
        .lines()
        .find_map(|l| l.strip_prefix("zk_queue_depth{queue=\"grades\"} "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no grade queue in:\n{scrape}"))
}

#[tokio::test]
async fn a_course_roster_over_two_pages_fills_a_group_and_leavers_are_marked() {
    let (app, member, admin, platform, origin) = setup("nrps-a").await;
    register_by_hand(&admin, &platform, "client-r", "dep-r").await;
    platform
        .config(json!({
            "tool_jwks_url": format!("{origin}/lti/jwks"),
            "page_size": 2,
            "context_title": "Zorg basis",
            "members": [
                {"user_id": "s-1", "name": "Sanne de Vries", "email": "sanne@example.com",
                 "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], "status": "Active"},
                {"user_id": "s-2", "given_name": "Mo", "family_name": "Amrani",
                 "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]},
                {"user_id": "t-1", "name": "Docent Dijk", "email": "dijk@example.com",
                 "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]},
            ],
        }))
        .await;
    let issuer = platform.issuer.clone();
    let res = launch(&member, &platform, "client-r", |nonce| {
        let mut c = launch_claims(
            &issuer,
            "client-r",
            "dep-r",
            nonce,
            &format!("{origin}/"),
            "s-1",
        );
        c["https://purl.imsglobal.org/spec/lti/claim/context"] =
            json!({"id": "course-1", "title": "Zorg basis"});
        c["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] = json!({
            "context_memberships_url": format!("{issuer}/memberships/course-1"),
            "service_versions": ["2.0"],
        });
        c
    })
    .await;
    session_of(&app, &member, &res);
    let rosters = admin
        .get("/api/v1/lti/rosters")
        .expect(StatusCode::OK)
        .await
        .json();
    let roster = rosters["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(rosters["items"][0]["context_title"], "Zorg basis");

    let report = admin
        .post(&format!("/api/v1/lti/rosters/{roster}/sync"))
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(report["pages"], 2, "{report}");
    assert_eq!(report["learners"], 2);
    assert_eq!(report["teachers"], 1);
    assert_eq!(
        report["created"], 2,
        "s-1 launched already; s-2 and t-1 are new"
    );
    let group = report["group_id"].as_str().unwrap().to_owned();
    let rec = platform.recorded().await;
    assert_eq!(rec["membership_requests"].as_array().unwrap().len(), 2);
    let detail = admin
        .get(&format!("/api/v1/learning/groups/{group}/progress"))
        .send()
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text());
    let groups = admin
        .get("/api/v1/learning/groups")
        .expect(StatusCode::OK)
        .await
        .json();
    let g = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == group.as_str())
        .unwrap()
        .clone();
    assert_eq!(g["name"], "Zorg basis (LMS)");
    assert_eq!(g["learners"], 2);
    assert_eq!(g["teachers"], 1);

    // s-2 leaves the course: marked as left, nothing deleted.
    platform
        .config(json!({"members": [
            {"user_id": "s-1", "name": "Sanne de Vries",
             "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]},
            {"user_id": "t-1", "name": "Docent Dijk",
             "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]},
        ]}))
        .await;
    let users_before = app.count("tenant.users").await;
    let report = admin
        .post(&format!("/api/v1/lti/rosters/{roster}/sync"))
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(report["left"], 1);
    assert_eq!(report["pages"], 1);
    let members = admin
        .get(&format!("/api/v1/lti/rosters/{roster}/members"))
        .expect(StatusCode::OK)
        .await
        .json();
    let left: Vec<&Value> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["left_at"].is_string())
        .collect();
    assert_eq!(left.len(), 1);
    assert_eq!(members["items"].as_array().unwrap().len(), 3);
    assert_eq!(app.count("tenant.users").await, users_before);

    // Another member neither sees nor syncs it.
    let b = app.member("nrps-b").await.admin().await;
    assert_eq!(
        b.get("/api/v1/lti/rosters")
            .expect(StatusCode::OK)
            .await
            .json()["items"],
        json!([])
    );
    b.post(&format!("/api/v1/lti/rosters/{roster}/sync"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    b.get(&format!("/api/v1/lti/rosters/{roster}/members"))
        .expect(StatusCode::NOT_FOUND)
        .await;
}
