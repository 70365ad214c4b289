//! Inside the LMS's frame, where our cookies may not come along: the platform's postMessage
//! storage keeps the login's state (`lti_storage_target`), our page reads it back at the launch,
//! and the launch opens in a window of its own through a one-time hand-off that names the
//! person first. Nothing is made before the hand-off is confirmed. (The pages' script talks to
//! the platform's storage frame; here the test plays that part.)

use super::{assert_refused, launch_claims, register, registration};
use crate::support::*;
use zk_test_support::lti::LtiPlatform;

fn attr(html: &str, name: &str) -> String {
    html.split(&format!("{name}=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("{name} in {html}"))
        .replace("&amp;", "&")
        .replace("&#x3D;", "=")
}

#[tokio::test]
async fn the_platforms_storage_proves_the_framed_browser_and_a_handoff_opens_the_launch() {
    let app = app().await;
    let a = app.member("opslag-a").await;
    let admin = a.admin().await;
    let module = a
        .author()
        .await
        .publish_module(text_module(
            "Tillen zonder blessures",
            &["Buig door je knieën."],
        ))
        .await;
    let platform = LtiPlatform::start().await.expect("the tests' LTI platform");
    register(
        &admin,
        registration(
            &platform.issuer,
            "client-s",
            "dep-s",
            &platform.auth_url(),
            &platform.jwks_url(),
        ),
    )
    .await;
    let origin = app.platform.config.tenant_url("opslag-a");
    let visitor = a.visitor();
    let users = app.count("tenant.users").await;

    // The login inside the frame puts the state in the platform's storage, then goes on.
    let login = visitor
        .get(&format!(
            "/lti/login?iss={}&login_hint=h&client_id=client-s&lti_storage_target=post_message_forwarding",
            zk_kernel::http::url_encode(&platform.issuer)
        ))
        .header("sec-fetch-dest", "iframe")
        .expect(StatusCode::OK)
        .await;
    let html = login.text();
    assert!(html.contains("data-lti-storage-put"), "{html}");
    assert_eq!(attr(&html, "data-target"), "post_message_forwarding");
    assert_eq!(attr(&html, "data-origin"), platform.issuer);
    let state = attr(&html, "data-state");
    let auth = attr(&html, "data-auth");
    assert!(auth.starts_with(&platform.auth_url()), "{auth}");
    let nonce = super::query_value(&auth, "nonce").unwrap();
    let csp = login
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("frame-ancestors {}", platform.issuer)),
        "{csp}"
    );

    // The launch comes back into the frame without any cookie: the page asks the storage.
    let target = format!("{origin}/lti/launch?doel=/leren/modules/{}", module.id);
    let token = platform
        .sign(
            &launch_claims(
                &platform.issuer,
                "client-s",
                "dep-s",
                &nonce,
                &target,
                "s-ada",
            ),
            "rs256",
        )
        .await;
    let post = visitor
        .post("/lti/launch")
        .header("sec-fetch-dest", "iframe")
        .form(&[("id_token", token.as_str()), ("state", state.as_str())])
        .expect(StatusCode::OK)
        .await;
    let html = post.text();
    assert!(html.contains("data-lti-storage-get"), "{html}");
    assert!(
        !html.contains("http-equiv=\"refresh\""),
        "the script decides, not a refresh"
    );
    let check = attr(&html, "data-check");
    assert_eq!(attr(&html, "data-state"), state);
    let csp = post
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("frame-ancestors {}", platform.issuer)),
        "{csp}"
    );

    // Another state proves nothing; the storage's state gives a one-time hand-off.
    let wrong = visitor
        .post(&check)
        .form(&[("state", "not-the-state")])
        .send()
        .await;
    assert_refused(&wrong, "lti_browser_mismatch");
    let handoff = visitor
        .post(&check)
        .form(&[("state", state.as_str())])
        .expect(StatusCode::OK)
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(handoff.starts_with("/lti/verder/"), "{handoff}");
    let twice = visitor
        .post(&check)
        .form(&[("state", state.as_str())])
        .send()
        .await;
    assert_refused(&twice, "lti_browser_mismatch");
    assert_eq!(app.count("tenant.users").await, users, "nothing made yet");

    // The new window names the person before it opens.
    let page = visitor.get(&handoff).expect(StatusCode::OK).await.text();
    assert!(page.contains("Ada Lovelace"), "{page}");
    assert_eq!(app.count("tenant.sessions").await, 0);
    let opened = visitor
        .post(&handoff)
        .form(&[])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(
        opened.location().unwrap(),
        format!("/leren/modules/{}", module.id)
    );
    let session = Session::new(&app, a.host(), &opened.set_cookie("zk_session").unwrap());
    let me = session
        .get("/api/v1/me")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(me["user"]["display_name"], "Ada Lovelace");
    // Once.
    let again = visitor.post(&handoff).form(&[]).send().await;
    assert_refused(&again, "lti_state_unknown");
    assert_eq!(app.count("tenant.users").await, users + 1);
}

#[tokio::test]
async fn a_login_without_the_platforms_storage_gets_no_handoff() {
    let app = app().await;
    let a = app.member("opslag-b").await;
    let admin = a.admin().await;
    let platform = LtiPlatform::start().await.expect("the tests' LTI platform");
    register(
        &admin,
        registration(
            &platform.issuer,
            "client-s",
            "dep-s",
            &platform.auth_url(),
            &platform.jwks_url(),
        ),
    )
    .await;
    let origin = app.platform.config.tenant_url("opslag-b");
    let visitor = a.visitor();
    let login = visitor
        .get(&format!(
            "/lti/login?iss={}&login_hint=h&client_id=client-s",
            zk_kernel::http::url_encode(&platform.issuer)
        ))
        .expect(StatusCode::SEE_OTHER)
        .await;
    let auth = login.location().unwrap();
    let state = super::query_value(&auth, "state").unwrap();
    let nonce = super::query_value(&auth, "nonce").unwrap();
    let token = platform
        .sign(
            &launch_claims(
                &platform.issuer,
                "client-s",
                "dep-s",
                &nonce,
                &format!("{origin}/"),
                "s-bo",
            ),
            "rs256",
        )
        .await;
    let post = visitor
        .post("/lti/launch")
        .form(&[("id_token", token.as_str()), ("state", state.as_str())])
        .expect(StatusCode::OK)
        .await;
    let next = post
        .text()
        .split("url=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let id = next.trim_start_matches("/lti/launch/");
    let res = visitor
        .post(&format!("/lti/launch/{id}/opslag"))
        .form(&[("state", state.as_str())])
        .send()
        .await;
    assert_refused(&res, "lti_browser_mismatch");
    assert_eq!(app.count("tenant.sessions").await, 0);
}
