//! E-learning packages played and tracked (issue 24, part 2): a module with a package block; the
//! learner opens it from the module page, which makes a play session and sends the frame to the
//! member's package host; the player there commits with the session's token. What a SCO commits
//! is checked, kept per attempt, resumed from, and read for completion and score; the last SCO
//! done makes the block done, and the module completes with its proof as with any block.

use crate::content::packages::zip_of;
use crate::support::*;
use zk_test_support::TestResponse;

const SCORM12: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="zk-speel-12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Veilig tillen</title>
      <item identifier="tillen" identifierref="r1">
        <title>Tillen in de praktijk</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>"#;

const SCORM2004: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="zk-speel-2004" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Medicatie veilig toedienen</title>
      <item identifier="uitleg" identifierref="r1"><title>Uitleg</title></item>
      <item identifier="toets" identifierref="r2">
        <title>Toets</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="medicatie" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="uitleg/index.html">
      <file href="uitleg/index.html"/>
    </resource>
    <resource identifier="r2" type="webcontent" adlcp:scormType="sco" href="toets/index.html">
      <file href="toets/index.html"/>
    </resource>
  </resources>
</manifest>"#;

/// A published module of `member` with a text block and a package block of `zip`: the module,
/// the package's media id, and the package block's id.
async fn module_with_package(member: &Member, zip: &[u8]) -> (Module, String, String) {
    let author = member.author().await;
    let media = author
        .upload("package", "pakket.zip", "application/zip", zip)
        .await;
    let module = author
        .publish_module(json!({
            "title": "Tillen en medicatie", "minutes": 30,
            "blocks": [
                {"type": "text", "markdown": "Lees dit eerst."},
                {"type": "package", "media": media, "title": "De e-learning"}
            ]
        }))
        .await;
    let block = module.block(1);
    (module, media, block)
}

/// The learner opens the package block from the module page: the player's address on the
/// package host (`host`, `path`).
async fn open(learner: &Session, e: &Enrolment, block: &str) -> (String, String) {
    let res = learner
        .get(&format!("/leren/inschrijvingen/{}/pakket/{block}", e.id))
        .expect(StatusCode::SEE_OTHER)
        .await;
    let to = res.location().expect("a redirect");
    let rest = to.strip_prefix("http://").expect("an absolute address");
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let host = host.split(':').next().unwrap().to_owned();
    (host, path.to_owned())
}

/// The run-time's start data in a player page.
fn boot(page: &TestResponse) -> Value {
    let html = page.text();
    let start = html
        .find(r#"<script type="application/json" id="zk-boot">"#)
        .unwrap();
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    serde_json::from_str(&json.replace("<\\/", "</")).unwrap()
}

async fn commit(app: &TestApp, host: &str, player: &str, body: Value) -> TestResponse {
    app.client
        .post(host, &format!("{player}/commit"))
        .json(&body)
        .send()
        .await
}

#[tokio::test]
async fn a_scorm_12_package_is_played_resumed_and_completes_the_module() {
    let app = app().await;
    let a = app.member("speel-a").await;
    let zip = zip_of(&[
        ("imsmanifest.xml", SCORM12),
        ("index.html", "<!doctype html><title>Tillen</title>"),
    ]);
    let (module, media, block) = module_with_package(&a, &zip).await;
    let admin = a.admin().await;
    let learner = a.learner().await;
    let e = admin.enrol(&learner, &module.id).await;
    let browser = learner.login().await;

    // The module page frames the package through the portal's own address.
    let page = browser
        .get(&format!("/leren/modules/{}", module.id))
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(
        page.contains(&format!(
            r#"src="/leren/inschrijvingen/{}/pakket/{block}""#,
            e.id
        )),
        "{page}"
    );
    // A package is done by taking it, not by a button.
    let refused = learner
        .post(&format!(
            "/api/v1/learning/enrolments/{}/blocks/{block}/done",
            e.id
        ))
        .json(&json!({}))
        .send()
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error_code(), "package_block");

    let (host, player) = open(&browser, &e, &block).await;
    assert_eq!(host, "speel-a.pakket.localhost");
    assert!(player.starts_with("/speler/"), "{player}");
    let res = app.client.get(&host, &player).expect(StatusCode::OK).await;
    assert!(res.headers.get("set-cookie").is_none());
    // The token in the player's address is never sent on.
    assert_eq!(res.headers["referrer-policy"], "no-referrer");
    let start = boot(&res);
    assert_eq!(start["standard"], "scorm12");
    let unit = &start["units"][0];
    assert_eq!(unit["id"], "tillen");
    assert_eq!(unit["launch"], format!("/pakket/{media}/index.html"));
    assert_eq!(unit["platform"]["cmi.core.entry"], "ab-initio");
    assert_eq!(
        unit["platform"]["cmi.core.student_id"],
        learner.id.to_string()
    );
    assert_eq!(unit["platform"]["cmi.student_data.mastery_score"], "80");
    // The player's run-time is served there too.
    let js = app
        .client
        .get(&host, "/speler/runtime.js")
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(js.contains("API_1484_11") && js.contains("keepalive"));

    // Suspend data beyond SCORM 1.2's 4,096 characters is kept whole.
    let notes = "Tillen met gebogen knieën en een rechte rug. ".repeat(120);
    assert!(notes.len() > 4096);
    let first = commit(
        &app,
        &host,
        &player,
        json!({"unit": "tillen", "session": "laad-1", "seq": 1, "values": {
            "cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "2",
            "cmi.suspend_data": notes, "cmi.core.exit": "suspend",
            "cmi.core.session_time": "0000:01:00.00"}}),
    )
    .await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.json()["unit_done"], false);
    // The same page load commits again: its time counts once.
    commit(
        &app,
        &host,
        &player,
        json!({"unit": "tillen", "session": "laad-1", "seq": 2, "values": {
            "cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "2",
            "cmi.suspend_data": notes, "cmi.core.exit": "suspend",
            "cmi.core.session_time": "0000:01:00.00"}}),
    )
    .await
    .assert_status(StatusCode::OK);
    // A late, older commit of that load changes nothing.
    commit(
        &app,
        &host,
        &player,
        json!({"unit": "tillen", "session": "laad-1", "seq": 1, "values": {
            "cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "1"}}),
    )
    .await
    .assert_status(StatusCode::OK);
    // A malformed value is refused by its element, and nothing of that commit is kept.
    let bad = commit(
        &app,
        &host,
        &player,
        json!({"unit": "tillen", "session": "laad-1", "seq": 3, "values": {
            "cmi.core.lesson_status": "klaar", "cmi.core.lesson_location": "3"}}),
    )
    .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_field(), "cmi.core.lesson_status");
    let unknown = commit(
        &app,
        &host,
        &player,
        json!({"unit": "elders", "session": "laad-1", "values": {}}),
    )
    .await;
    assert_eq!(unknown.error_code(), "unknown_unit");

    // Another device, another day: a new session resumes where the learner was.
    let (_, player2) = open(&browser, &e, &block).await;
    let again = boot(&app.client.get(&host, &player2).expect(StatusCode::OK).await);
    let unit = &again["units"][0];
    assert_eq!(unit["data"]["cmi.suspend_data"], notes.as_str());
    assert_eq!(unit["data"]["cmi.core.lesson_location"], "2");
    assert_eq!(unit["platform"]["cmi.core.entry"], "resume");
    assert_eq!(unit["platform"]["cmi.core.total_time"], "0000:01:00.00");

    // Passed above the mastery score: the unit, the block and (with the text) the module.
    let done = commit(
        &app,
        &host,
        &player2,
        json!({"unit": "tillen", "session": "laad-2", "seq": 1, "values": {
            "cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90",
            "cmi.core.score.min": "0", "cmi.core.score.max": "100",
            "cmi.core.session_time": "0000:00:30.00"}}),
    )
    .await;
    done.assert_status(StatusCode::OK);
    let done = done.json();
    assert_eq!(done["unit_done"], true, "{done}");
    assert_eq!(done["block_done"], true);
    assert_eq!(done["module_completed"], false);
    assert_eq!(done["total_seconds"], 90.0);
    learner.mark_done(&e, &module.block(0)).await;
    let mine = learner.my_enrolments().await;
    let row = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["enrolment_id"] == json!(e.id))
        .unwrap()
        .clone();
    assert!(row["completed_at"].is_string(), "{row}");
    assert_eq!(row["score"], 90);
    let proofs = learner
        .get("/api/v1/learning/proofs/mine")
        .expect(StatusCode::OK)
        .await
        .json();
    assert!(
        proofs.to_string().contains("Tillen en medicatie"),
        "{proofs}"
    );
    // The module page shows the package done.
    let page = browser
        .get(&format!("/leren/modules/{}", module.id))
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(page.contains("E-learning afgerond"), "{page}");
}

#[tokio::test]
async fn a_multi_sco_scorm_2004_package_is_done_when_every_sco_is_and_not_when_failed() {
    let app = app().await;
    let a = app.member("speel-b").await;
    let zip = zip_of(&[
        ("imsmanifest.xml", SCORM2004),
        ("uitleg/index.html", "<!doctype html><title>Uitleg</title>"),
        ("toets/index.html", "<!doctype html><title>Toets</title>"),
    ]);
    let (module, _, block) = module_with_package(&a, &zip).await;
    let admin = a.admin().await;
    let learner = a.learner().await;
    let e = admin.enrol(&learner, &module.id).await;
    let browser = learner.login().await;
    let (host, player) = open(&browser, &e, &block).await;
    let start = boot(&app.client.get(&host, &player).expect(StatusCode::OK).await);
    assert_eq!(start["standard"], "scorm2004");
    let units: Vec<&str> = start["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["uitleg", "toets"]);
    assert_eq!(
        start["units"][1]["platform"]["cmi.scaled_passing_score"],
        "0.8"
    );

    let uitleg = commit(
        &app,
        &host,
        &player,
        json!({"unit": "uitleg", "session": "s1", "seq": 1, "values": {
            "cmi.completion_status": "completed", "cmi.location": "einde"}}),
    )
    .await
    .json();
    assert_eq!(uitleg["unit_done"], true);
    assert_eq!(uitleg["block_done"], false);
    // Below the mastery score: failed, whatever the SCO says.
    let failed = commit(
        &app,
        &host,
        &player,
        json!({"unit": "toets", "session": "s1", "seq": 2, "values": {
            "cmi.completion_status": "completed", "cmi.success_status": "passed",
            "cmi.score.scaled": "0.5",
            "cmi.interactions.0.id": "v1", "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.learner_response": "a", "cmi.interactions.0.result": "incorrect",
            "cmi.objectives.0.id": "medicatie", "cmi.objectives.0.success_status": "failed"}}),
    )
    .await
    .json();
    assert_eq!(failed["passed"], false, "{failed}");
    assert_eq!(failed["unit_done"], false);
    assert_eq!(failed["block_done"], false);
    // A gap in the interactions is refused by the element.
    let gap = commit(
        &app,
        &host,
        &player,
        json!({"unit": "toets", "session": "s1", "seq": 3, "values": {
            "cmi.interactions.1.id": "v2"}}),
    )
    .await;
    gap.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let passed = commit(
        &app,
        &host,
        &player,
        json!({"unit": "toets", "session": "s1", "seq": 4, "values": {
            "cmi.completion_status": "completed", "cmi.success_status": "passed",
            "cmi.score.scaled": "1",
            "cmi.interactions.0.id": "v1", "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.learner_response": "b", "cmi.interactions.0.result": "correct",
            "cmi.objectives.0.id": "medicatie", "cmi.objectives.0.success_status": "passed"}}),
    )
    .await
    .json();
    assert_eq!(passed["unit_done"], true, "{passed}");
    assert_eq!(passed["block_done"], true);
    let mine = learner.my_enrolments().await;
    assert!(mine.to_string().contains(&block), "{mine}");
    // The interactions are stored with the attempt.
    let mut owner = app.db.owner().await.unwrap();
    let data: Value = sqlx::query_scalar(
        "SELECT data FROM content.package_attempts WHERE unit = 'toets' AND user_id = $1",
    )
    .bind(learner.id)
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(data["cmi.interactions.0.learner_response"], "b");
}

#[tokio::test]
async fn a_play_session_reaches_only_its_own_learners_attempt_on_its_own_members_host() {
    let app = app().await;
    let a = app.member("speel-c").await;
    let other = app.member("speel-d").await;
    let zip = zip_of(&[
        ("imsmanifest.xml", SCORM12),
        ("index.html", "<!doctype html><title>Tillen</title>"),
    ]);
    let (module, _, block) = module_with_package(&a, &zip).await;
    let admin = a.admin().await;
    let learner = a.learner().await;
    let colleague = a.user("collega@speel-c.test", Role::Learner).await;
    let e = admin.enrol(&learner, &module.id).await;
    admin.enrol(&colleague, &module.id).await;
    let browser = learner.login().await;
    let colleague_browser = colleague.login().await;

    // Someone else's enrolment does not open.
    colleague_browser
        .get(&format!("/leren/inschrijvingen/{}/pakket/{block}", e.id))
        .expect(StatusCode::NOT_FOUND)
        .await;
    // Nor does a block that is not a package.
    browser
        .get(&format!(
            "/leren/inschrijvingen/{}/pakket/{}",
            e.id,
            module.block(0)
        ))
        .expect(StatusCode::NOT_FOUND)
        .await;

    let (host, player) = open(&browser, &e, &block).await;
    let values = json!({"unit": "tillen", "session": "x", "values": {
        "cmi.core.lesson_status": "passed"}});
    // Not on another member's package host, nor on the portal itself.
    let elsewhere = format!("{}.pakket.localhost", other.slug);
    let res = commit(&app, &elsewhere, &player, values.clone()).await;
    assert_eq!(res.status, StatusCode::GONE);
    let res = app
        .client
        .post(&a.slug, &format!("{player}/commit"))
        .json(&values)
        .send()
        .await;
    assert!(res.status.is_client_error(), "{}", res.status);
    // A made-up token is no session.
    let res = commit(&app, &host, "/speler/verzonnen-token", values.clone()).await;
    assert_eq!(res.error_code(), "package_session_expired");
    let mut owner = app.db.owner().await.unwrap();
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM content.package_attempts")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(attempts, 0);

    // The session writes its own learner's attempt only.
    commit(&app, &host, &player, values.clone())
        .await
        .assert_status(StatusCode::OK);
    let users: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT user_id FROM content.package_attempts WHERE tenant_id = $1")
            .bind(a.id.0)
            .fetch_all(&mut owner)
            .await
            .unwrap();
    assert_eq!(users, [learner.id]);

    // At SQL level, as the app role, another member sees no session and no attempt.
    let mut tx = app.platform.db.begin_tenant(other.id).await.unwrap();
    let seen: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM content.package_attempts)
              + (SELECT count(*) FROM content.package_sessions)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(seen, 0);
    drop(tx);

    // An expired session takes no more commits.
    sqlx::query("UPDATE content.package_sessions SET expires_at = now() - interval '1 minute'")
        .execute(&mut owner)
        .await
        .unwrap();
    let late = commit(&app, &host, &player, values).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert_eq!(late.error_code(), "package_session_expired");
    let page = app.client.get(&host, &player).send().await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.text().contains("verlopen"));
}

/// Players' commits are kept in batches (one transaction for many learners). Commits of the
/// learners of two members sent at once are each kept as their own learner's attempt in their
/// own member; two commits of one attempt in flight together end with the newer one's data; a
/// refused commit and an expired session are only their own answers; a commit that passes
/// makes its block done among the others; a session near its end is extended.
#[tokio::test]
async fn commits_sent_at_once_are_each_kept_and_answered_on_their_own() {
    let app = app().await;
    let zip = zip_of(&[
        ("imsmanifest.xml", SCORM12),
        ("index.html", "<!doctype html><title>Tillen</title>"),
    ]);
    // (member, host, learner, enrolment, player)
    let mut players = Vec::new();
    for slug in ["speel-e", "speel-f"] {
        let m = app.member(slug).await;
        let (module, _, block) = module_with_package(&m, &zip).await;
        let admin = m.admin().await;
        for n in 0..3 {
            let learner = m
                .user(&format!("leerling{n}@{slug}.test"), Role::Learner)
                .await;
            let e = admin.enrol(&learner, &module.id).await;
            let browser = learner.login().await;
            let (host, player) = open(&browser, &e, &block).await;
            players.push((m.id, host, learner.id, e.id, player));
        }
    }
    let mut owner = app.db.owner().await.unwrap();
    // The first learner's session is about to expire; the last one's has.
    sqlx::query(
        "UPDATE content.package_sessions SET expires_at = now() + interval '1 minute'
         WHERE user_id = $1",
    )
    .bind(players[0].2)
    .execute(&mut owner)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE content.package_sessions SET expires_at = now() - interval '1 minute'
         WHERE user_id = $1",
    )
    .bind(players[5].2)
    .execute(&mut owner)
    .await
    .unwrap();

    let values = |location: &str, status: &str| {
        json!({"cmi.core.lesson_status": status, "cmi.core.lesson_location": location,
               "cmi.core.exit": "suspend", "cmi.core.session_time": "0000:00:30.00"})
    };
    let mut sends = Vec::new();
    for (i, (_, host, _, _, player)) in players.iter().enumerate() {
        // Learner 1 passes; the others keep working.
        let status = if i == 1 { "passed" } else { "incomplete" };
        let body = json!({"unit": "tillen", "session": "laad-1", "seq": 1,
                          "values": values(&format!("pagina-{i}"), status)});
        sends.push((i, host.clone(), player.clone(), body));
    }
    // Learner 2 sends a second, newer commit of the same page load at the same time.
    let (_, host2, _, _, player2) = &players[2];
    sends.push((
        2,
        host2.clone(),
        player2.clone(),
        json!({"unit": "tillen", "session": "laad-1", "seq": 2,
               "values": values("pagina-2-nieuw", "incomplete")}),
    ));
    // Learner 3 sends one the data model refuses.
    let (_, host3, _, _, player3) = &players[3];
    sends.push((
        3,
        host3.clone(),
        player3.clone(),
        json!({"unit": "tillen", "session": "laad-2", "seq": 1,
               "values": values("kapot", "klaar")}),
    ));
    let answers = futures_util::future::join_all(
        sends
            .iter()
            .map(|(_, host, player, body)| commit(&app, host, player, body.clone())),
    )
    .await;

    for ((i, _, _, body), res) in sends.iter().zip(&answers) {
        match (*i, body["values"]["cmi.core.lesson_status"].as_str()) {
            (5, _) => assert_eq!(res.error_code(), "package_session_expired"),
            (_, Some("klaar")) => {
                res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
                assert_eq!(res.error_field(), "cmi.core.lesson_status");
            }
            (1, _) => {
                res.assert_status(StatusCode::OK);
                assert_eq!(res.json()["block_done"], true, "{}", res.text());
            }
            _ => {
                res.assert_status(StatusCode::OK);
                assert_eq!(res.json()["block_done"], false, "{}", res.text());
            }
        }
    }

    // Every commit went through the batching transactions (counted once each).
    let metrics = app.platform.metrics.render();
    let counter = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
    };
    assert_eq!(counter("zk_package_commits_total"), sends.len() as u64);
    let batches = counter("zk_package_batches_total");
    assert!((1..=sends.len() as u64).contains(&batches), "{batches}");

    // Each learner's attempt in its own member, with its own data.
    let rows: Vec<(uuid::Uuid, uuid::Uuid, uuid::Uuid, Option<String>, bool)> = sqlx::query_as(
        "SELECT tenant_id, user_id, enrolment_id, location, done_at IS NOT NULL
             FROM content.package_attempts",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert_eq!(rows.len(), 5, "{rows:?}");
    for (i, (member, _, user, enrolment, _)) in players.iter().enumerate().take(5) {
        let row = rows
            .iter()
            .find(|r| r.1 == *user)
            .unwrap_or_else(|| panic!("learner {i} has no attempt"));
        assert_eq!((row.0, row.2.to_string()), (member.0, enrolment.clone()));
        let location = match i {
            2 => "pagina-2-nieuw".to_owned(),
            _ => format!("pagina-{i}"),
        };
        assert_eq!(row.3.as_deref(), Some(location.as_str()), "learner {i}");
        assert_eq!(row.4, i == 1, "learner {i}");
    }
    // Learner 1's block is done, nobody else's.
    let done: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT e.user_id FROM content.block_progress b
         JOIN content.enrolments e ON e.tenant_id = b.tenant_id AND e.id = b.enrolment_id",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert_eq!(done, [players[1].2]);
    // The session near its end got its hours back.
    let left: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - now())::float8 FROM content.package_sessions
         WHERE user_id = $1",
    )
    .bind(players[0].2)
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert!(left > 3.0 * 3600.0, "{left}");
}

/// A package in NZK's shared portfolio (stored under the shared prefix) plays on a member's own
/// package host for that member's learner, and the learner's attempt is the member's.
#[tokio::test]
async fn a_shared_portfolio_package_plays_on_the_members_own_package_host() {
    let s = two_members().await;
    let app = &s.app;
    let media = s
        .editor
        .upload(
            "package",
            "tillen.zip",
            "application/zip",
            &zk_content::domain::package::samples::scorm12_single(),
        )
        .await;
    let mut owner = app.db.owner().await.unwrap();
    let key: String =
        sqlx::query_scalar("SELECT object_key FROM content.media WHERE id = $1::uuid")
            .bind(&media)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert!(key.starts_with("shared/"), "{key}");
    let module = s
        .editor
        .publish_module(
            json!({"title": "Veilig tillen (NZK)", "minutes": 10, "blocks": [
            {"type": "package", "media": media, "title": "Veilig tillen"}]}),
        )
        .await;
    let admin = s.a.admin().await;
    let e = admin.enrol(&s.a_learner, &module.id).await;
    let browser = s.a_learner.login().await;
    let (host, player) = open(&browser, &e, &module.block(0)).await;
    assert_eq!(host, format!("{}.pakket.localhost", s.a.slug));
    let start = boot(&app.client.get(&host, &player).expect(StatusCode::OK).await);
    let launch = start["units"][0]["launch"].as_str().unwrap().to_owned();
    let page = app.client.get(&host, &launch).expect(StatusCode::OK).await;
    assert!(page.text().contains("Veilig tillen"));
    let unit = start["units"][0]["id"].as_str().unwrap().to_owned();
    let done = commit(
        app,
        &host,
        &player,
        json!({"unit": unit, "session": "p1", "seq": 1, "values": {
            "cmi.core.lesson_status": "passed", "cmi.core.score.raw": "100"}}),
    )
    .await
    .json();
    assert_eq!(done["module_completed"], true, "{done}");
    let tenants: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT tenant_id FROM content.package_attempts")
            .fetch_all(&mut owner)
            .await
            .unwrap();
    assert_eq!(tenants, [s.a.id.0]);
}

/// A member's module with a package, contributed and published to the portfolio, plays for
/// another member's learner: the package is copied and unpacked under the portfolio's prefix.
#[tokio::test]
async fn a_contributed_package_joins_the_portfolio_unpacked_and_plays_for_another_member() {
    let s = two_members().await;
    let app = &s.app;
    let media = s
        .a_author
        .upload(
            "package",
            "tillen.zip",
            "application/zip",
            &zk_content::domain::package::samples::scorm12_single(),
        )
        .await;
    let own = s
        .a_author
        .publish_module(
            json!({"title": "Tillen zoals wij het doen", "minutes": 10, "blocks": [
            {"type": "package", "media": media, "title": "Veilig tillen"}]}),
        )
        .await;
    let candidate = s
        .a_author
        .post(&format!("/api/v1/content/modules/{}/contribute", own.id))
        .json(&json!({"licence": "CC-BY-4.0"}))
        .expect(StatusCode::CREATED)
        .await
        .id();
    let path = format!("/api/v1/content/candidates/{candidate}");
    s.editor
        .post(&format!("{path}/review"))
        .json(&json!({"decision": "approve"}))
        .expect(StatusCode::OK)
        .await;
    let shared = s
        .editor
        .post(&format!("{path}/publish"))
        .expect(StatusCode::CREATED)
        .await
        .json();
    let shared_id = shared["shared_module_id"].as_str().unwrap().to_owned();
    let b_admin = s.b.admin().await;
    let b_learner = s.b.learner().await;
    let e = b_admin.enrol(&b_learner, &shared_id).await;
    let module = s.editor.module(&shared_id).await;
    let browser = b_learner.login().await;
    let (host, player) = open(&browser, &e, &module.block(0)).await;
    assert_eq!(host, format!("{}.pakket.localhost", s.b.slug));
    let start = boot(&app.client.get(&host, &player).expect(StatusCode::OK).await);
    let launch = start["units"][0]["launch"].as_str().unwrap().to_owned();
    assert!(
        !launch.contains(&media),
        "the portfolio's own copy: {launch}"
    );
    app.client.get(&host, &launch).expect(StatusCode::OK).await;
}
