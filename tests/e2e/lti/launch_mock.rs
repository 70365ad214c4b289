//! A resource-link launch from `lti-provider-mock` (a real LTI 1.3 platform with its own RS256
//! key and JWKS): it ends on the linked module, as the right account, in the member's
//! branding, enrolled so its progress counts; a replayed launch finds nothing.

use super::{assert_refused, query_value, register, registration};
use crate::support::*;
use zk_test_support::lti::{LtiMock, MOCK_CLIENT_ID, MOCK_DEPLOYMENT};

#[tokio::test]
async fn a_launch_from_the_mock_platform_opens_the_linked_module_as_the_lms_user() {
    let app = app().await;
    let a = app.member("lti-a").await;
    let admin = a.admin().await;
    let author = a.author().await;
    let module = author
        .publish_module(text_module(
            "Tillen zonder blessures",
            &["Buig door je knieën."],
        ))
        .await;
    let origin = app.platform.config.tenant_url("lti-a");
    let mut mock = LtiMock::start(
        &format!("{origin}/lti/login"),
        &format!("{origin}/lti/launch?doel=/leren/modules/{}", module.id),
        &json!([{"id": "u-ada", "given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com"}]),
        &json!([{"id": "c1", "name": "Zorg basis"}]),
    )
    .await
    .expect("lti-provider-mock");
    let reg = register(
        &admin,
        registration(
            &mock.issuer,
            MOCK_CLIENT_ID,
            MOCK_DEPLOYMENT,
            &mock.auth_url(),
            &mock.jwks_url(),
        ),
    )
    .await;
    let users_before = app.count("tenant.users").await;

    // The platform's login initiation (a cross-site form post) sends the browser on to the
    // platform's authorisation URL with a fresh state and nonce; the state comes back in a cookie.
    let fields = mock.start_launch("u-ada", "c1").await.unwrap();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let visitor = a.visitor();
    let login = visitor
        .post("/lti/login")
        .header("sec-fetch-site", "cross-site")
        .header("origin", &mock.issuer)
        .form(&pairs)
        .expect(StatusCode::SEE_OTHER)
        .await;
    let auth = login.location().unwrap();
    assert!(auth.starts_with(&mock.auth_url()), "{auth}");
    let state = query_value(&auth, "state").unwrap();
    assert_eq!(
        query_value(&auth, "client_id").as_deref(),
        Some(MOCK_CLIENT_ID)
    );
    assert_eq!(
        query_value(&auth, "redirect_uri"),
        Some(format!("{origin}/lti/launch"))
    );
    let (cookie_name, cookie_value) = login
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("zk_lti_"))
        .and_then(|c| c.split(';').next())
        .and_then(|c| c.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .expect("a state cookie");
    assert_eq!(cookie_value, state);

    // The platform signs the id_token and posts it back (cross-site: no Lax cookie comes along).
    let (id_token, echoed) = mock.authorize(&auth).await.unwrap();
    assert_eq!(echoed, state);
    let post = visitor
        .post("/lti/launch")
        .header("sec-fetch-site", "cross-site")
        .header("origin", &mock.issuer)
        .form(&[("id_token", id_token.as_str()), ("state", state.as_str())])
        .expect(StatusCode::OK)
        .await;
    let html = post.text();
    let next = html
        .split("url=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a page that moves on")
        .to_owned();
    assert!(next.starts_with("/lti/launch/"), "{next}");
    assert_eq!(
        app.count("tenant.users").await,
        users_before,
        "nothing made before the browser is known"
    );

    // On our own origin the state cookie comes along: the launch opens, with a session.
    let opened = visitor
        .get(&next)
        .cookie(&format!("{cookie_name}={cookie_value}"))
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(
        opened.location().unwrap(),
        format!("/leren/modules/{}", module.id)
    );
    let session = Session::new(
        &app,
        a.host(),
        &opened.set_cookie("zk_session").expect("a session"),
    );
    let me = session
        .get("/api/v1/me")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(me["user"]["display_name"], "Ada Lovelace");
    assert_eq!(
        me["user"]["roles"],
        json!(["learner"]),
        "an empty LTI roles list is a learner"
    );
    // The mock sends no e-mail claim: a placeholder address no mail reaches.
    assert!(
        me["user"]["email"]
            .as_str()
            .unwrap()
            .ends_with("@lms.invalid"),
        "{me}"
    );
    let page = session.page(&format!("/leren/modules/{}", module.id)).await;
    assert!(page.contains("Tillen zonder blessures"));
    assert!(page.contains("/theme.css"), "the member's theme");
    // Enrolled by the launch: the module is on the learner's list, its progress counts.
    let mine = session
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await
        .json();
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["module_id"] == module.id.as_str()),
        "{mine}"
    );

    // Neither the token nor the continuation works twice.
    let again = visitor
        .post("/lti/launch")
        .form(&[("id_token", id_token.as_str()), ("state", state.as_str())])
        .send()
        .await;
    assert_refused(&again, "lti_state_unknown");
    let twice = visitor
        .get(&next)
        .cookie(&format!("{cookie_name}={cookie_value}"))
        .send()
        .await;
    assert_refused(&twice, "lti_browser_mismatch");

    // A second launch of the same LMS user opens the same account.
    let fields = mock.start_launch("u-ada", "c1").await.unwrap();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let login = visitor
        .post("/lti/login")
        .form(&pairs)
        .expect(StatusCode::SEE_OTHER)
        .await;
    let auth = login.location().unwrap();
    let state = query_value(&auth, "state").unwrap();
    let cookie = login.set_cookie(&cookie_name_of(&login)).unwrap();
    let (id_token, _) = mock.authorize(&auth).await.unwrap();
    let name = cookie_name_of(&login);
    let post = visitor
        .post("/lti/launch")
        .cookie(&format!("{name}={cookie}"))
        .form(&[("id_token", id_token.as_str()), ("state", state.as_str())])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let again = Session::new(&app, a.host(), &post.set_cookie("zk_session").unwrap());
    let me2 = again.get("/api/v1/me").expect(StatusCode::OK).await.json();
    assert_eq!(me2["user"]["id"], me["user"]["id"]);
    assert_eq!(app.count("tenant.users").await, users_before + 1);

    // The admin sees the registration's last launch.
    let listed = admin
        .get("/api/v1/lti/registrations")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(listed["items"][0]["id"], reg["id"]);
    assert!(listed["items"][0]["last_launch_at"].is_string());
    let launches = admin
        .get("/api/v1/lti/launches")
        .expect(StatusCode::OK)
        .await
        .json();
    let done = launches["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["status"] == "done")
        .count();
    assert_eq!(done, 2, "{launches}");
}

/// The name of the `zk_lti_…` cookie a response sets.
fn cookie_name_of(res: &zk_test_support::TestResponse) -> String {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("zk_lti_"))
        .and_then(|c| c.split('=').next())
        .expect("a state cookie")
        .to_owned()
}

/// A link to a learning path enrols the learner in the path and its modules.
#[tokio::test]
async fn a_launch_of_a_learning_path_enrols_the_learner_in_it() {
    let app = app().await;
    let a = app.member("lti-pad").await;
    let admin = a.admin().await;
    let author = a.author().await;
    let first = author
        .publish_module(text_module("Eerste stap", &["a"]))
        .await;
    let second = author
        .publish_module(text_module("Tweede stap", &["b"]))
        .await;
    let path = author
        .publish_path(json!({"title": "Starten in de wijk", "modules": [first.id, second.id]}))
        .await;
    let origin = app.platform.config.tenant_url("lti-pad");
    let mut mock = LtiMock::start(
        &format!("{origin}/lti/login"),
        &format!("{origin}/lti/launch?doel=/leren/trajecten/{path}"),
        &json!([{"id": "u-bo", "given_name": "Bo", "family_name": "Jansen", "email": "bo@example.com"}]),
        &json!([{"id": "c1", "name": "Zorg basis"}]),
    )
    .await
    .expect("lti-provider-mock");
    register(
        &admin,
        registration(
            &mock.issuer,
            MOCK_CLIENT_ID,
            MOCK_DEPLOYMENT,
            &mock.auth_url(),
            &mock.jwks_url(),
        ),
    )
    .await;
    let fields = mock.start_launch("u-bo", "c1").await.unwrap();
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let visitor = a.visitor();
    let login = visitor
        .post("/lti/login")
        .form(&pairs)
        .expect(StatusCode::SEE_OTHER)
        .await;
    let auth = login.location().unwrap();
    let state = query_value(&auth, "state").unwrap();
    let name = cookie_name_of(&login);
    let cookie = login.set_cookie(&name).unwrap();
    let (id_token, _) = mock.authorize(&auth).await.unwrap();
    let opened = visitor
        .post("/lti/launch")
        .cookie(&format!("{name}={cookie}"))
        .form(&[("id_token", id_token.as_str()), ("state", state.as_str())])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(
        opened.location().unwrap(),
        format!("/leren/trajecten/{path}")
    );
    let session = Session::new(&app, a.host(), &opened.set_cookie("zk_session").unwrap());
    let paths = session
        .get("/api/v1/learning/path-enrolments/mine")
        .expect(StatusCode::OK)
        .await
        .json();
    let text = paths.to_string();
    assert!(text.contains(&path), "{paths}");
    let mine = session
        .get("/api/v1/learning/enrolments/mine")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2, "{mine}");
}
