//! The tool inside an LMS's own page on a phone, in a browser that blocks third-party cookies:
//! the LMS frames the launch from another site, so the tool offers to open in a window of its
//! own, and there the launch goes through the LMS to the linked module as the LMS user.

use super::*;
use crate::lti::{register, registration};
use zk_test_support::lti::{LtiMock, MOCK_CLIENT_ID, MOCK_DEPLOYMENT};

/// The LMS's course page on `listener` (an origin of its own): its header and the launch of
/// course `c1` from the LMS at `mock`, in a frame.
fn serve_course_page(listener: tokio::net::TcpListener, mock: &str) {
    let page = format!(
        r#"<!doctype html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Zorg basis - Moodle</title>
<style>
  body {{ margin: 0; font-family: sans-serif; }}
  header {{ background: #1d3557; color: #fff; padding: 8px 12px; }}
  iframe {{ display: block; width: 100%; height: 680px; border: 0; }}
</style></head>
<body><header><strong>Moodle</strong> &middot; Zorg basis</header>
<iframe id="tool" title="Zorgklas" src="{mock}/courses/c1"></iframe>
</body></html>"#
    );
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
}

/// An LMS's course page frames the tool from another site, in a browser that blocks
/// third-party cookies: inside the frame the tool shows only its button to open in a new window
/// (the page is allowed in the LMS's frame, X-Frame-Options notwithstanding); the new window
/// goes through the LMS's authorisation and our continuation page to the linked module, logged
/// in as the LMS user.
#[tokio::test]
async fn a_launch_framed_by_another_site_without_third_party_cookies_opens_in_a_new_window() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    // The launch's URLs name the member's portal on the port the browser reaches.
    let port = zk_test_support::free_port();
    let app = app_with(|c| c.public_port = Some(port)).await;
    let m = app.member("lms-frame").await;
    let admin = m.admin().await;
    let module = m
        .author()
        .await
        .publish_module(text_module(
            "Tillen zonder blessures",
            &["Buig door je knieën."],
        ))
        .await;
    app.serve_on(port).await;
    let origin = format!("http://lms-frame.localhost:{port}");
    assert_eq!(app.platform.config.tenant_url("lms-frame"), origin);

    // The LMS's pages have an origin of their own, its issuer; its OIDC endpoints are the mock's.
    let lms = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lms_origin = format!("http://127.0.0.1:{}", lms.local_addr().unwrap().port());
    let mock = LtiMock::start_as(
        Some(&lms_origin),
        &format!("{origin}/lti/login"),
        &format!("{origin}/lti/launch?doel=/leren/modules/{}", module.id),
        &json!([{"id": "u-ada", "given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com"}]),
        &json!([{"id": "c1", "name": "Zorg basis"}]),
    )
    .await
    .expect("lti-provider-mock");
    register(
        &admin,
        registration(
            &lms_origin,
            MOCK_CLIENT_ID,
            MOCK_DEPLOYMENT,
            &mock.auth_url(),
            &mock.jwks_url(),
        ),
    )
    .await;
    serve_course_page(lms, &mock.url);

    let browser = Browser::start_without_third_party_cookies(360, 740)
        .await
        .unwrap();
    let mut failures = Vec::new();
    // Logged in to the LMS, then on its course page.
    browser.goto(&format!("{}/login", mock.url)).await.unwrap();
    browser.click("button[type=submit]").await;
    browser
        .wait_for_text("body", "You are logged in as Ada Lovelace")
        .await;
    browser.goto(&format!("{lms_origin}/")).await.unwrap();
    let frame = browser.find("iframe#tool").await.unwrap();
    browser.enter_frame(&frame).await.unwrap();
    browser
        .wait_for_text("[data-testid=lti-open]", "Open in een nieuw venster")
        .await;
    // Our page, inside the LMS's frame, where no cookie of ours sticks: one that would be
    // allowed in any frame but for the blocking (SameSite=None, Secure: *.localhost counts as
    // secure) is refused here, and kept by the same page opened on its own below.
    let probe = "document.cookie = 'zk_probe=1; Path=/; SameSite=None; Secure';
                 return [location.origin, window.top !== window.self, document.cookie.includes('zk_probe')];";
    assert_eq!(
        browser.execute(probe, vec![]).await.unwrap(),
        json!([origin, true, false]),
        "the tool in a third-party frame without cookies"
    );
    check_axe(&browser, &axe, "lti_new_window in the frame", &mut failures).await;
    browser.leave_frame().await.unwrap();
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/lti-new-window-360.png"))
        .await
        .unwrap();
    let course_page = browser.window().await.unwrap();

    // The button opens a window of its own: the login again, first-party.
    let frame = browser.find("iframe#tool").await.unwrap();
    browser.enter_frame(&frame).await.unwrap();
    browser.click("[data-testid=lti-open]").await;
    let opened = browser
        .switch_to_new_window(std::slice::from_ref(&course_page), Duration::from_secs(10))
        .await
        .unwrap();
    assert_ne!(opened, course_page);
    browser
        .wait_for_url_contains(
            &format!("{origin}/leren/modules/{}", module.id),
            Duration::from_secs(20),
        )
        .await
        .unwrap();
    browser
        .wait_for_text("main h1", "Tillen zonder blessures")
        .await;
    let me = browser
        .execute(
            "return fetch('/api/v1/me', { credentials: 'same-origin' }).then(r => r.json());",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(me["user"]["display_name"], "Ada Lovelace", "{me}");
    assert_eq!(me["user"]["roles"], json!(["learner"]), "{me}");
    assert_eq!(
        browser.execute(probe, vec![]).await.unwrap(),
        json!([origin, false, true]),
        "the same cookie sticks first-party"
    );
    assert_eq!(
        browser
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap(),
        json!(360)
    );
    assert!(browser.fits_the_window().await, "no sideways scrolling");
    check_axe(&browser, &axe, "the module opened", &mut failures).await;
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/lti-module-opened-360.png"))
        .await
        .unwrap();
    browser.quit().await.unwrap();

    // Two logins (the frame's, the window's), one launch: the window's, opened as Ada.
    assert_eq!(app.count("lti.logins").await, 2);
    let launches = admin
        .get("/api/v1/lti/launches")
        .expect(StatusCode::OK)
        .await
        .json();
    let items = launches["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{launches}");
    assert_eq!(items[0]["status"], "done", "{launches}");
    assert_eq!(items[0]["user_id"], me["user"]["id"], "{launches}");
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}

/// A teacher adds modules from the LMS (deep linking) on a phone: the LMS's login goes to the
/// platform and back through our continuation page to the picker, which is axe-clean at 360 px;
/// the picks go back to the LMS by the answer page's own script (its form may post to the LMS
/// only: CSP `form-action`).
#[tokio::test]
async fn a_teacher_picks_modules_for_the_lms_on_a_phone() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let port = zk_test_support::free_port();
    let app = app_with(|c| c.public_port = Some(port)).await;
    let m = app.member("lms-kiezen").await;
    let admin = m.admin().await;
    let author = m.author().await;
    for title in ["Tillen zonder blessures", "Handhygiëne in de wijk"] {
        author.publish_module(text_module(title, &["Tekst."])).await;
    }
    app.serve_on(port).await;
    let origin = format!("http://lms-kiezen.localhost:{port}");
    let platform = zk_test_support::lti::LtiPlatform::start()
        .await
        .expect("the tests' LTI platform");
    register(
        &admin,
        registration(
            &platform.issuer,
            "client-k",
            "dep-k",
            &platform.auth_url(),
            &platform.jwks_url(),
        ),
    )
    .await;

    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let mut failures = Vec::new();
    // The LMS starts the login; our login sends the browser to the LMS's authorisation page.
    browser
        .goto(&format!(
            "{origin}/lti/login?iss={}&login_hint=t-1&client_id=client-k",
            zk_kernel::http::url_encode(&platform.issuer)
        ))
        .await
        .unwrap();
    let auth = browser
        .wait_for_url_contains("/auth?", Duration::from_secs(10))
        .await
        .unwrap();
    let state = crate::lti::query_value(&auth, "state").unwrap();
    let nonce = crate::lti::query_value(&auth, "nonce").unwrap();
    let mut claims = crate::lti::launch_claims(
        &platform.issuer,
        "client-k",
        "dep-k",
        &nonce,
        &format!("{origin}/lti/launch"),
        "teacher-k",
    );
    claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] =
        json!("LtiDeepLinkingRequest");
    claims["https://purl.imsglobal.org/spec/lti/claim/roles"] =
        json!(["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]);
    claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = json!({
        "deep_link_return_url": format!("{}/dl-return", platform.issuer),
        "accept_types": ["ltiResourceLink"],
        "accept_multiple": true,
        "data": "lms-csrf-1",
    });
    let token = platform.sign(&claims, "rs256").await;
    // The LMS's page posts the id_token to our launch URL (a cross-site form post).
    browser
        .execute(
            "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
             for (const [k, v] of [['id_token', arguments[1]], ['state', arguments[2]]]) {
               const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v;
               f.appendChild(i);
             }
             document.body.appendChild(f); f.submit(); return true;",
            vec![json!(format!("{origin}/lti/launch")), json!(token), json!(state)],
        )
        .await
        .unwrap();
    browser
        .wait_for_url_contains(&format!("{origin}/lti/kiezen/"), Duration::from_secs(10))
        .await
        .unwrap();
    browser
        .wait_for_text("main h1", "Kies uit het aanbod")
        .await;
    assert!(browser.fits_the_window().await, "no sideways scrolling");
    check_axe(&browser, &axe, "the picker", &mut failures).await;
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/lti-picker-360.png"))
        .await
        .unwrap();
    for choice in browser
        .find_all("[data-testid=lti-choice] input")
        .await
        .unwrap()
    {
        choice.click().await.unwrap();
    }
    browser
        .click("[data-testid=lti-picker] button.button:not(.secondary)")
        .await;
    // The answer posts itself to the LMS.
    browser
        .wait_for_url_contains(
            &format!("{}/dl-return", platform.issuer),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    browser.quit().await.unwrap();
    let launches = admin
        .get("/api/v1/lti/launches")
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(launches["items"][0]["status"], "linked", "{launches}");
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}
