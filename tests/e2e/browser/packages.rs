//! An e-learning package played in Chromium on a phone (issue 24): the module page frames the
//! player from the member's package host, the SCO inside finds the SCORM API, a change is kept
//! when the tab is closed right after it (no Commit by the SCO: the player's keepalive request
//! on `pagehide`), the package resumes where the learner stopped, its completion reaches the
//! module page, and the package's script can read neither the portal's cookies nor its page.

use super::*;

/// A SCORM 1.2 SCO: resumes from its suspend data, saves a bookmark without committing, and
/// finishes passed.
const SCO_JS: &str = r#"
var api = null;
for (var w = window, i = 0; w && i < 10; i++, w = w.parent) { if (w.API) { api = w.API; break; } if (w === w.parent) break; }
var out = document.getElementById("status");
if (!api) { out.textContent = "Geen leeromgeving gevonden"; }
else {
  api.LMSInitialize("");
  var kept = api.LMSGetValue("cmi.suspend_data");
  document.getElementById("hervat").textContent = kept ? "Welkom terug: " + kept : "Eerste keer";
  document.getElementById("entry").textContent = api.LMSGetValue("cmi.core.entry");
  out.textContent = "Klaar om te beginnen";
}
document.getElementById("bewaar").addEventListener("click", function () {
  api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  api.LMSSetValue("cmi.core.lesson_location", "3");
  api.LMSSetValue("cmi.suspend_data", "pagina-3");
  api.LMSSetValue("cmi.core.exit", "suspend");
  out.textContent = "Onthouden";
});
document.getElementById("klaar").addEventListener("click", function () {
  api.LMSSetValue("cmi.core.score.raw", "100");
  api.LMSSetValue("cmi.core.lesson_status", "passed");
  api.LMSCommit("");
  api.LMSFinish("");
  out.textContent = "Afgerond";
});
"#;

const SCO_HTML: &str = r#"<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Veilig tillen</title></head>
<body><h1>Veilig tillen</h1>
<p id="hervat"></p><p id="entry"></p><p id="status" role="status"></p>
<button type="button" id="bewaar">Naar pagina 3</button>
<button type="button" id="klaar">Afronden</button>
<script src="sco.js"></script></body></html>"#;

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="zk-browser-12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Veilig tillen</title>
      <item identifier="tillen" identifierref="r1"><title>Veilig tillen</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/><file href="sco.js"/>
    </resource>
  </resources>
</manifest>"#;

fn package() -> Vec<u8> {
    crate::content::packages::zip_of(&[
        ("imsmanifest.xml", MANIFEST),
        ("index.html", SCO_HTML),
        ("sco.js", SCO_JS),
    ])
}

/// From the top of the module page into the SCO's frame (the player's frame, then the SCO's).
async fn into_sco(browser: &Browser) {
    browser.leave_frame().await.ok();
    browser.leave_frame().await.ok();
    let player = browser.find("[data-testid=package-frame]").await.unwrap();
    browser.enter_frame(&player).await.unwrap();
    let sco = browser.find("#zk-sco").await.unwrap();
    browser.enter_frame(&sco).await.unwrap();
}

/// The stored suspend data of the learner's attempt, waited for up to five seconds.
async fn stored(app: &TestApp, learner: uuid::Uuid, expected: &str) -> bool {
    let mut owner = app.db.owner().await.unwrap();
    for _ in 0..50 {
        let data: Option<Value> =
            sqlx::query_scalar("SELECT data FROM content.package_attempts WHERE user_id = $1")
                .bind(learner)
                .fetch_optional(&mut owner)
                .await
                .unwrap();
        if data.is_some_and(|d| d["cmi.suspend_data"] == expected) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn a_scorm_package_plays_on_a_phone_keeps_a_change_when_the_tab_closes_and_completes() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let port = zk_test_support::free_port();
    let app = app_with(|c| c.public_port = Some(port)).await;
    let m = app.member("spelen").await;
    let admin = m.admin().await;
    let author = m.author().await;
    let learner = m.learner().await;
    let media = author
        .upload("package", "tillen.zip", "application/zip", &package())
        .await;
    let module = author
        .publish_module(
            json!({"title": "Tillen op de afdeling", "minutes": 10, "blocks": [
            {"type": "package", "media": media, "title": "Veilig tillen"}]}),
        )
        .await;
    admin.enrol(&learner, &module.id).await;
    app.serve_on(port).await;

    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://spelen.localhost:{port}");
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    browser.submit_login(&learner.email).await;
    browser.find("section.welcome").await.unwrap();
    let page = format!("{base}/leren/modules/{}", module.id);
    browser.goto(&page).await.unwrap();
    browser.find("[data-testid=package-frame]").await.unwrap();
    // axe tests the portal's page; the package's frame is the package's own.
    let mut failures = axe_violations_except(&browser, &axe, "[data-testid=package-frame]").await;

    // The package opens in its own window too; a change there, and the tab closes at once.
    let first = browser.window().await.unwrap();
    let known = browser.windows().await.unwrap();
    browser.click("section.package a[target=_blank]").await;
    browser
        .switch_to_new_window(&known, Duration::from_secs(10))
        .await
        .unwrap();
    browser
        .wait_for_url_contains("spelen.pakket.localhost", Duration::from_secs(10))
        .await
        .unwrap();
    let sco = browser.find("#zk-sco").await.unwrap();
    // The player itself, on the phone.
    failures.extend(axe_violations_except(&browser, &axe, "#zk-sco").await);
    browser.enter_frame(&sco).await.unwrap();
    browser
        .wait_for_text("#status", "Klaar om te beginnen")
        .await;
    assert_eq!(browser.text_of("#entry").await, "ab-initio");
    browser.click("#bewaar").await;
    browser.wait_for_text("#status", "Onthouden").await;
    browser.leave_frame().await.unwrap();
    browser.close_window().await.unwrap();
    browser.switch_to_window(&first).await.unwrap();
    assert!(
        stored(&app, learner.id, "pagina-3").await,
        "the change made right before the tab closed is stored"
    );

    // Back on the module page: the framed player resumes where the learner was.
    browser.goto(&page).await.unwrap();
    into_sco(&browser).await;
    browser
        .wait_for_text("#hervat", "Welkom terug: pagina-3")
        .await;
    assert_eq!(browser.text_of("#entry").await, "resume");
    // The package's script reaches neither the portal's page nor its cookies.
    let reach = browser
        .execute(
            "var r = {cookie: document.cookie};
             try { r.top = window.top.document.title; } catch (e) { r.top = 'blocked:' + e.name; }
             try { r.parent = window.parent.document.title; } catch (e) { r.parent = 'blocked:' + e.name; }
             r.origin = location.origin;
             return r;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(reach["cookie"], "", "{reach}");
    assert_eq!(reach["top"], "blocked:SecurityError", "{reach}");
    // Its parent is the player, on the package host too; the portal is the top.
    assert_eq!(
        reach["origin"],
        format!("http://spelen.pakket.localhost:{port}")
    );
    browser.click("#klaar").await;
    browser.wait_for_text("#status", "Afgerond").await;
    browser.leave_frame().await.unwrap();
    let status = browser.wait_for_text("#zk-status", "afgerond").await;
    assert!(status.contains("afgerond"), "{status}");
    browser.leave_frame().await.unwrap();

    // The module page shows the package done, and the module completed.
    browser.goto(&page).await.unwrap();
    browser
        .wait_for_text(
            "section.package [data-testid=block-done]",
            "E-learning afgerond",
        )
        .await;
    browser
        .find("[data-testid=completion-panel]")
        .await
        .unwrap();
    assert!(
        browser.fits_the_window().await,
        "no sideways scrolling at 360 px"
    );
    failures.extend(axe_violations_except(&browser, &axe, "[data-testid=package-frame]").await);
    assert!(failures.is_empty(), "axe: {failures:#?}");
    browser.quit().await.unwrap();
}

/// Into the SCO or AU frame of the package block `n` (0-based) of the module page.
async fn into_unit(browser: &Browser, n: usize) {
    browser.leave_frame().await.ok();
    browser.leave_frame().await.ok();
    let players = browser
        .find_all("[data-testid=package-frame]")
        .await
        .unwrap();
    browser.enter_frame(&players[n]).await.unwrap();
    let unit = browser.find("#zk-sco").await.unwrap();
    browser.enter_frame(&unit).await.unwrap();
}

/// The packages the platform builds itself (as the demo does) play in Chromium on a phone: the
/// SCORM 2004 course's two SCOs in turn (the first asks to continue, the player opens the
/// second, whose interactions and objectives are kept) and the cmi5 AU through the fetch URL
/// and the xAPI endpoint; both blocks done, the module completes and reaches the passport and
/// the admin's overview.
#[tokio::test]
async fn the_sample_scorm_2004_and_cmi5_packages_play_and_reach_the_passport_and_overview() {
    if !browser() {
        return;
    }
    use zk_content::domain::package::samples;
    let port = zk_test_support::free_port();
    let app = app_with(|c| c.public_port = Some(port)).await;
    let m = app.member("spelen-b").await;
    let admin = m.admin().await;
    let author = m.author().await;
    let learner = m.learner().await;
    let scorm = author
        .upload(
            "package",
            "medicatie.zip",
            "application/zip",
            &samples::scorm2004_multi(),
        )
        .await;
    let cmi5 = author
        .upload(
            "package",
            "valpreventie.zip",
            "application/zip",
            &samples::cmi5_course(),
        )
        .await;
    let module = author
        .publish_module(
            json!({"title": "Medicatie en vallen", "minutes": 30, "blocks": [
            {"type": "package", "media": scorm, "title": "Medicatie veilig toedienen"},
            {"type": "package", "media": cmi5, "title": "Valpreventie"}]}),
        )
        .await;
    admin.enrol(&learner, &module.id).await;
    app.serve_on(port).await;

    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://spelen-b.localhost:{port}");
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    browser.submit_login(&learner.email).await;
    browser.find("section.welcome").await.unwrap();
    browser
        .goto(&format!("{base}/leren/modules/{}", module.id))
        .await
        .unwrap();

    // SCORM 2004: the explanation, then on to the test by the SCO's own request.
    into_unit(&browser, 0).await;
    browser.click("#gelezen").await;
    browser.click("#volgende").await;
    browser.leave_frame().await.unwrap();
    // The player opens the second SCO.
    let mut found = false;
    for _ in 0..100 {
        let unit = browser.find("#zk-sco").await.unwrap();
        if unit
            .attr("src")
            .await
            .unwrap()
            .unwrap_or_default()
            .contains("toets/")
        {
            browser.enter_frame(&unit).await.unwrap();
            if browser.find("#v1-b").await.is_ok() {
                found = true;
                break;
            }
            browser.leave_frame().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found, "the player went on to the test");
    for id in ["#v1-b", "#v2-a", "#v2-c"] {
        browser.click(id).await;
    }
    browser.click("#inleveren").await;
    browser.wait_for_text("#resultaat", "Geslaagd").await;
    browser.click("#afsluiten").await;
    browser.leave_frame().await.unwrap();
    browser.wait_for_text("#zk-status", "afgerond").await;

    // cmi5: the AU fetches its token, reads its launch data and reports.
    into_unit(&browser, 1).await;
    browser
        .wait_for_text("#status", "Vastgelegd: initialized")
        .await;
    browser.click("#antwoord-b").await;
    browser.click("#inleveren").await;
    browser
        .wait_for_text("#status", "Vastgelegd: completed")
        .await;
    browser.click("#afsluiten").await;
    browser
        .wait_for_text("#status", "Vastgelegd: terminated")
        .await;
    browser.leave_frame().await.unwrap();
    browser.leave_frame().await.unwrap();

    // Both blocks done: the module is complete, in the passport and the admin's overview.
    let mine = learner.my_enrolments().await;
    assert!(mine[0]["completed_at"].is_string(), "{mine}");
    assert_eq!(mine[0]["score"], 100, "{mine}");
    let passport = learner
        .get("/api/v1/learning/passport")
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(passport.contains("Medicatie en vallen"), "{passport}");
    let overview = admin
        .get("/api/v1/learning/overview")
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(overview.contains("Medicatie en vallen"), "{overview}");
    // The SCO's interactions and objectives are kept with its attempt.
    let mut owner = app.db.owner().await.unwrap();
    let data: Value = sqlx::query_scalar(
        "SELECT data FROM content.package_attempts WHERE unit = 'toets' AND user_id = $1",
    )
    .bind(learner.id)
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(data["cmi.interactions.0.result"], "correct", "{data}");
    assert_eq!(data["cmi.objectives.0.id"], "medicatie", "{data}");
    browser.quit().await.unwrap();
}
