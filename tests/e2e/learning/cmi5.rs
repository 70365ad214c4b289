//! cmi5 courses played and tracked (issue 24): the player launches an AU with cmi5's launch
//! parameters, the fetch URL hands out its auth token once, and the AU's statements go to our
//! xAPI endpoint on the package host, checked against cmi5's rules; moveOn decides when the AU,
//! the block and the module are done. Activity state and agent profile documents keep their
//! ETags.

use crate::support::*;
use zk_test_support::{http::TestRequest, TestResponse};

const AU: &str = "https://zorgklas.nl/demo/cmi5/valpreventie/au1";
const CMI5_CATEGORY: &str = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
const MOVEON_CATEGORY: &str = "https://w3id.org/xapi/cmi5/context/categories/moveon";
const SESSION_EXT: &str = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";

/// What an AU gets from its launch address and the launch data.
struct Launch {
    host: String,
    endpoint: String,
    fetch: String,
    actor: Value,
    registration: String,
    activity: String,
    token: String,
}

impl Launch {
    fn auth(&self) -> String {
        format!("Basic {}", self.token)
    }

    /// A cmi5 defined statement of this launch with `verb` and `result`.
    fn statement(&self, session: &str, verb: &str, result: Value) -> Value {
        let mut categories = vec![json!({"id": CMI5_CATEGORY})];
        if result.get("success").is_some() || result.get("completion").is_some() {
            categories.push(json!({"id": MOVEON_CATEGORY}));
        }
        let mut s = json!({
            "id": uuid::Uuid::new_v4(),
            "actor": self.actor,
            "verb": {"id": format!("http://adlnet.gov/expapi/verbs/{verb}"), "display": {"en-US": verb}},
            "object": {"id": self.activity, "objectType": "Activity"},
            "context": {
                "registration": self.registration,
                "contextActivities": {"category": categories},
                "extensions": {SESSION_EXT: session},
            },
            "timestamp": "2026-12-07T10:00:00Z",
        });
        if result.as_object().is_some_and(|r| !r.is_empty()) {
            s["result"] = result;
        }
        s
    }
}

fn path_of(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("absolute");
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    (host.split(':').next().unwrap().to_owned(), path.to_owned())
}

/// The learner opens the package block and the player launches the AU.
async fn launch(app: &TestApp, learner: &Session, enrolment: &str, block: &str) -> Launch {
    let to = learner
        .get(&format!("/leren/inschrijvingen/{enrolment}/pakket/{block}"))
        .expect(StatusCode::SEE_OTHER)
        .await
        .location()
        .unwrap();
    let (host, player) = path_of(&to);
    let page = app.client.get(&host, &player).expect(StatusCode::OK).await;
    assert!(
        page.text().contains(r#""standard":"cmi5""#),
        "{}",
        page.text()
    );
    let au = app
        .client
        .post(&host, &format!("{player}/au"))
        .json(&json!({"unit": AU}))
        .expect(StatusCode::OK)
        .await
        .json();
    let url = au["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with("/pakket/") && url.contains("au1/index.html?"),
        "{url}"
    );
    let query = url.split_once('?').unwrap().1;
    let params: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    let fetch = params["fetch"].clone();
    let (_, fetch_path) = path_of(&fetch);
    let token = app
        .client
        .post(&host, &fetch_path)
        .expect(StatusCode::OK)
        .await
        .json()["auth-token"]
        .as_str()
        .unwrap()
        .to_owned();
    Launch {
        host,
        endpoint: params["endpoint"].clone(),
        fetch,
        actor: serde_json::from_str(&params["actor"]).unwrap(),
        registration: params["registration"].clone(),
        activity: params["activityId"].clone(),
        token,
    }
}

fn xapi(app: &TestApp, l: &Launch, method: Method, path_and_query: &str) -> TestRequest {
    let (_, base) = path_of(&l.endpoint);
    app.client
        .request(method, &l.host, &format!("{base}{path_and_query}"))
        .header("authorization", &l.auth())
        .header("x-experience-api-version", "1.0.3")
}

async fn put_statement(app: &TestApp, l: &Launch, s: &Value) -> TestResponse {
    xapi(
        app,
        l,
        Method::PUT,
        &format!("statements?statementId={}", s["id"].as_str().unwrap()),
    )
    .json(s)
    .send()
    .await
}

fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

async fn launch_data(app: &TestApp, l: &Launch) -> Value {
    let q = format!(
        "activities/state?stateId=LMS.LaunchData&activityId={}&agent={}&registration={}",
        enc(&l.activity),
        enc(&l.actor.to_string()),
        l.registration
    );
    xapi(app, l, Method::GET, &q)
        .expect(StatusCode::OK)
        .await
        .json()
}

#[tokio::test]
async fn a_cmi5_au_launches_reports_by_the_rules_and_completes_the_module() {
    let app = app().await;
    let a = app.member("cmi5-a").await;
    let author = a.author().await;
    let media = author
        .upload(
            "package",
            "valpreventie.zip",
            "application/zip",
            &zk_content::domain::package::samples::cmi5_course(),
        )
        .await;
    let module = author
        .publish_module(
            json!({"title": "Vallen voorkomen", "minutes": 15, "blocks": [
            {"type": "package", "media": media, "title": "Valpreventie"}]}),
        )
        .await;
    let admin = a.admin().await;
    let learner = a.learner().await;
    let e = admin.enrol(&learner, &module.id).await;
    let browser = learner.login().await;
    let l = launch(&app, &browser, &e.id, &module.block(0)).await;
    assert_eq!(l.host, "cmi5-a.pakket.localhost");
    assert_eq!(l.actor["account"]["name"], learner.id.to_string());
    // The fetch URL works once.
    let (_, fetch_path) = path_of(&l.fetch);
    let again = app.client.post(&l.host, &fetch_path).send().await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.json()["error-code"], "1");
    // The LMS wrote the launch data; the AU may read it, never change it.
    let data = launch_data(&app, &l).await;
    assert_eq!(data["launchMode"], "Normal");
    assert_eq!(data["moveOn"], "CompletedAndPassed");
    assert_eq!(data["masteryScore"], 0.8);
    let session = data["contextTemplate"]["extensions"][SESSION_EXT]
        .as_str()
        .unwrap()
        .to_owned();
    let q = format!(
        "activities/state?stateId=LMS.LaunchData&activityId={}&agent={}&registration={}",
        enc(&l.activity),
        enc(&l.actor.to_string()),
        l.registration
    );
    xapi(&app, &l, Method::PUT, &q)
        .json(&json!({"launchMode": "Browse"}))
        .expect(StatusCode::FORBIDDEN)
        .await;
    // Without the version header, or without the token, nothing is taken.
    let first = l.statement(&session, "initialized", json!({}));
    let no_version = app
        .client
        .put(
            &l.host,
            &format!(
                "/speler/xapi/statements?statementId={}",
                first["id"].as_str().unwrap()
            ),
        )
        .header("authorization", &l.auth())
        .json(&first)
        .send()
        .await;
    assert_eq!(no_version.status, StatusCode::BAD_REQUEST);
    let no_token = app
        .client
        .put(
            &l.host,
            &format!(
                "/speler/xapi/statements?statementId={}",
                first["id"].as_str().unwrap()
            ),
        )
        .header("x-experience-api-version", "1.0.3")
        .json(&first)
        .send()
        .await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);

    put_statement(&app, &l, &first)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    // The same statement again is kept once; another under its id is a conflict.
    put_statement(&app, &l, &first)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let mut other = l.statement(&session, "initialized", json!({}));
    other["id"] = first["id"].clone();
    other["timestamp"] = json!("2026-12-07T11:00:00Z");
    put_statement(&app, &l, &other)
        .await
        .assert_status(StatusCode::CONFLICT);
    // A second "initialized" breaks cmi5's order.
    let second = put_statement(&app, &l, &l.statement(&session, "initialized", json!({}))).await;
    assert!(second.status.is_client_error(), "{}", second.status);
    // Passed below the mastery score is refused.
    let low = put_statement(
        &app,
        &l,
        &l.statement(
            &session,
            "passed",
            json!({"success": true, "score": {"scaled": 0.5}, "duration": "PT1M"}),
        ),
    )
    .await;
    assert!(low.status.is_client_error(), "{}", low.status);
    // Another session id (another launch's credentials) is refused.
    let foreign = put_statement(
        &app,
        &l,
        &l.statement(
            &uuid::Uuid::new_v4().to_string(),
            "completed",
            json!({"completion": true, "duration": "PT1M"}),
        ),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);

    // Passed, then completed: moveOn CompletedAndPassed is met.
    put_statement(
        &app,
        &l,
        &l.statement(
            &session,
            "passed",
            json!({"success": true, "score": {"scaled": 1.0}, "duration": "PT2M"}),
        ),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let mut progress = learner.my_enrolments().await;
    assert!(progress[0]["completed_at"].is_null(), "{progress}");
    let completed = l.statement(
        &session,
        "completed",
        json!({"completion": true, "duration": "PT3M"}),
    );
    let posted = xapi(&app, &l, Method::POST, "statements")
        .json(&json!([completed]))
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(posted[0], completed["id"]);
    progress = learner.my_enrolments().await;
    assert!(progress[0]["completed_at"].is_string(), "{progress}");
    assert_eq!(progress[0]["score"], 100);
    let terminated = l.statement(&session, "terminated", json!({"duration": "PT4M"}));
    put_statement(&app, &l, &terminated)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    // Nothing after "terminated".
    let late = put_statement(
        &app,
        &l,
        &l.statement(&session, "terminated", json!({"duration": "PT5M"})),
    )
    .await;
    assert!(late.status.is_client_error(), "{}", late.status);
    // Nor a document: the session's token reads, but no longer writes.
    let notes = format!(
        "activities/state?stateId=notities&activityId={}&agent={}&registration={}",
        enc(&l.activity),
        enc(&l.actor.to_string()),
        l.registration
    );
    let ended = xapi(&app, &l, Method::PUT, &notes)
        .json(&json!({"pagina": 4}))
        .send()
        .await;
    assert_eq!(ended.status, StatusCode::FORBIDDEN);
    assert_eq!(ended.error_code(), "xapi_session_ended");
    launch_data(&app, &l).await;
    // A statement is read back by id; the LMS recorded launched and satisfied.
    let back = xapi(
        &app,
        &l,
        Method::GET,
        &format!(
            "statements?statementId={}",
            completed["id"].as_str().unwrap()
        ),
    )
    .expect(StatusCode::OK)
    .await
    .json();
    assert_eq!(
        back["verb"]["id"],
        "http://adlnet.gov/expapi/verbs/completed"
    );
    assert!(back["stored"].is_string());
    let mut owner = app.db.owner().await.unwrap();
    let verbs: Vec<String> = sqlx::query_scalar(
        "SELECT verb FROM content.xapi_statements WHERE user_id = $1 ORDER BY stored_at, verb",
    )
    .bind(learner.id)
    .fetch_all(&mut owner)
    .await
    .unwrap();
    for v in [
        "launched",
        "initialized",
        "passed",
        "completed",
        "satisfied",
        "terminated",
    ] {
        assert!(verbs.iter().any(|x| x.ends_with(v)), "{v} in {verbs:?}");
    }

    // A new launch after moveOn is met opens for review, in the same registration.
    let review = launch(&app, &browser, &e.id, &module.block(0)).await;
    assert_eq!(review.registration, l.registration);
    assert_eq!(launch_data(&app, &review).await["launchMode"], "Review");
}

#[tokio::test]
async fn xapi_documents_keep_their_etags_and_stay_with_their_own_learner_and_member() {
    let app = app().await;
    let a = app.member("cmi5-b").await;
    let other = app.member("cmi5-c").await;
    let author = a.author().await;
    let media = author
        .upload(
            "package",
            "valpreventie.zip",
            "application/zip",
            &zk_content::domain::package::samples::cmi5_course(),
        )
        .await;
    let module = author
        .publish_module(
            json!({"title": "Vallen voorkomen", "minutes": 15, "blocks": [
            {"type": "package", "media": media, "title": "Valpreventie"}]}),
        )
        .await;
    let admin = a.admin().await;
    let learner = a.learner().await;
    let colleague = a.user("collega@cmi5-b.test", Role::Learner).await;
    let e = admin.enrol(&learner, &module.id).await;
    let e2 = admin.enrol(&colleague, &module.id).await;
    let l = launch(&app, &learner.login().await, &e.id, &module.block(0)).await;
    let l2 = launch(&app, &colleague.login().await, &e2.id, &module.block(0)).await;
    assert_ne!(l.registration, l2.registration);

    let state = |launch: &Launch, id: &str| {
        format!(
            "activities/state?stateId={id}&activityId={}&agent={}&registration={}",
            enc(&launch.activity),
            enc(&launch.actor.to_string()),
            launch.registration
        )
    };
    // Made with If-None-Match: *, then changed only with the right ETag.
    let made = xapi(&app, &l, Method::PUT, &state(&l, "voortgang"))
        .header("if-none-match", "*")
        .json(&json!({"pagina": 2}))
        .expect(StatusCode::NO_CONTENT)
        .await;
    let tag = made.headers["etag"].to_str().unwrap().to_owned();
    xapi(&app, &l, Method::PUT, &state(&l, "voortgang"))
        .header("if-none-match", "*")
        .json(&json!({"pagina": 3}))
        .expect(StatusCode::PRECONDITION_FAILED)
        .await;
    xapi(&app, &l, Method::PUT, &state(&l, "voortgang"))
        .header("if-match", "\"verouderd\"")
        .json(&json!({"pagina": 3}))
        .expect(StatusCode::PRECONDITION_FAILED)
        .await;
    xapi(&app, &l, Method::POST, &state(&l, "voortgang"))
        .header("if-match", &tag)
        .json(&json!({"antwoord": "b"}))
        .expect(StatusCode::NO_CONTENT)
        .await;
    let got = xapi(&app, &l, Method::GET, &state(&l, "voortgang"))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(got.json(), json!({"pagina": 2, "antwoord": "b"}));
    assert_ne!(got.headers["etag"].to_str().unwrap(), tag);
    // The agent profile: a second write needs the ETag.
    let profile = format!(
        "agents/profile?profileId=cmi5LearnerPreferences&agent={}",
        enc(&l.actor.to_string())
    );
    xapi(&app, &l, Method::PUT, &profile)
        .json(&json!({"languagePreference": "nl-NL"}))
        .expect(StatusCode::NO_CONTENT)
        .await;
    xapi(&app, &l, Method::PUT, &profile)
        .json(&json!({"languagePreference": "en-US"}))
        .expect(StatusCode::CONFLICT)
        .await;

    // Another learner's token can't read or write this learner's documents or statements.
    xapi(&app, &l2, Method::GET, &state(&l, "voortgang"))
        .expect(StatusCode::FORBIDDEN)
        .await;
    xapi(&app, &l2, Method::PUT, &state(&l, "voortgang"))
        .json(&json!({"pagina": 9}))
        .expect(StatusCode::FORBIDDEN)
        .await;
    // Nor can the token on another member's package host.
    let (_, base) = path_of(&l.endpoint);
    let elsewhere = app
        .client
        .get(
            &format!("{}.pakket.localhost", other.slug),
            &format!("{base}{}", state(&l, "voortgang")),
        )
        .header("authorization", &l.auth())
        .header("x-experience-api-version", "1.0.3");
    elsewhere.expect(StatusCode::UNAUTHORIZED).await;
    let mut owner = app.db.owner().await.unwrap();
    let doc: Vec<u8> =
        sqlx::query_scalar("SELECT content FROM content.xapi_documents WHERE doc_id = 'voortgang'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    let doc: Value = serde_json::from_slice(&doc).unwrap();
    assert_eq!(doc["pagina"], 2);
    // Deleting all of the state keeps the LMS's launch data.
    let all = format!(
        "activities/state?activityId={}&agent={}&registration={}",
        enc(&l.activity),
        enc(&l.actor.to_string()),
        l.registration
    );
    xapi(&app, &l, Method::DELETE, &all)
        .expect(StatusCode::NO_CONTENT)
        .await;
    let ids = xapi(&app, &l, Method::GET, &all)
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(ids, json!(["LMS.LaunchData"]));
    // At SQL level, another member sees none of it.
    let mut tx = app.platform.db.begin_tenant(other.id).await.unwrap();
    let seen: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM content.xapi_documents)
              + (SELECT count(*) FROM content.xapi_statements)
              + (SELECT count(*) FROM content.cmi5_launches)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(seen, 0);
}
