//! The demo (`zorgklas demo`) shows what the README promises (issue 22, part 13): three members
//! with a user in every role, the members' say (ratings of both, proposals with votes, a
//! contribution waiting for review), learning with a proof and a late learner's list, Zorggroep
//! Noord's staff and its connected LMS, its module of e-learning packages (issue 24) with the
//! demo learner's SCORM 1.2 attempt; and seeding again changes nothing.

use crate::support::*;

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut owner = app.db.owner().await.unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT count(*) FROM tenant.tenants WHERE kind = 'member'",
        "SELECT count(DISTINCT tenant_id) FROM content.ratings",
        "SELECT count(*) FROM content.proposals",
        "SELECT count(*) FROM content.votes",
        "SELECT count(*) FROM content.candidates WHERE status = 'submitted'",
        "SELECT count(*) FROM content.proofs",
        "SELECT count(*) FROM content.enrolments",
        "SELECT count(*) FROM tenant.users u JOIN tenant.tenants t ON t.id = u.tenant_id WHERE t.slug = 'zorggroep-noord'",
        "SELECT count(*) FROM lti.registrations",
        "SELECT count(*) FROM lti.launches WHERE status = 'done'",
    ] {
        out.push(sqlx::query_scalar(sql).fetch_one(&mut owner).await.unwrap());
    }
    out
}

/// Waits until the staff import's job (in the background, as in the demo) has finished.
async fn imported(app: &TestApp) {
    let mut owner = app.db.owner().await.unwrap();
    for _ in 0..300 {
        zk_learning::domain::staff_import::run_once(&app.platform)
            .await
            .unwrap();
        let open: i64 =
            sqlx::query_scalar("SELECT count(*) FROM tenant.staff_imports WHERE status <> 'done'")
                .fetch_one(&mut owner)
                .await
                .unwrap();
        if open == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the demo's staff import did not finish");
}

#[tokio::test]
async fn the_demo_shows_what_the_readme_promises_and_seeding_again_changes_nothing() {
    let app = app().await;
    let mut out = Vec::new();
    zorgklas::demo::seed(&app.platform, &mut out).await.unwrap();
    let printed = String::from_utf8(out).unwrap();
    for url in [
        "zorggroep-noord.localhost",
        "thuiszorg-zuid.localhost",
        "wijkzorg-oost.localhost",
        "operator@zorgklas.demo",
    ] {
        assert!(printed.contains(url), "{url} in {printed}");
    }
    imported(&app).await;
    let first = counts(&app).await;
    let [members, rated_by, proposals, votes, waiting, proofs, enrolments, noord_users, lms, launched] =
        first[..]
    else {
        unreachable!()
    };
    assert_eq!(members, 3);
    assert_eq!(rated_by, 2, "both members rated");
    assert!(
        proposals >= 1 && votes >= 1,
        "proposals with votes: {first:?}"
    );
    assert_eq!(waiting, 1, "a contribution waits for review");
    assert!(proofs >= 1 && enrolments >= 3, "{first:?}");
    assert!(noord_users >= 320, "{first:?}");
    assert_eq!((lms, launched), (1, 1), "one LMS, launched once");
    // Zorggroep Noord's admin sees its Moodle on "LMS koppelen", with the last launch.
    let admin = app
        .visitor("zorggroep-noord")
        .login_as(
            "beheerder@zorggroep-noord.demo",
            zorgklas::demo::DEMO_PASSWORD,
        )
        .await;
    let page = admin.page("/beheer/lms").await;
    let registration = page
        .split("data-testid=\"lti-registration\"")
        .nth(1)
        .expect("a registration on /beheer/lms");
    assert!(
        registration.contains("Moodle Zorggroep Noord Academie")
            && registration.contains("https://leren.zorggroep-noord.example"),
        "{registration}"
    );
    let last = registration
        .split("data-testid=\"lti-last-launch\">")
        .nth(1)
        .and_then(|r| r.split("</dd>").next())
        .unwrap_or_default();
    assert!(
        last.contains(" om ") && !last.contains("nog nooit"),
        "a last launch: {last:?}"
    );

    e_learnings(&app).await;
    // The demo learner's exam: a quiz of eight questions, so it goes page by page.
    let mut owner = app.db.owner().await.unwrap();
    let exam: Vec<i64> = sqlx::query_scalar(
        "SELECT jsonb_array_length(v.doc->'blocks'->1->'questions')::bigint
         FROM content.enrolments e
         JOIN content.shared_module_versions v ON v.module_id = e.module_id AND v.version = e.version
         WHERE v.title = 'Examen medicatieveiligheid'",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert_eq!(exam, vec![8], "the demo learner is enrolled in the exam");
    assert!(zk_learning::domain::quiz_pages::is_paged(8));

    zorgklas::demo::seed(&app.platform, &mut std::io::sink())
        .await
        .unwrap();
    imported(&app).await;
    assert_eq!(
        counts(&app).await,
        first,
        "a second run keeps what is there"
    );
}

/// Zorggroep Noord's "E-learnings in de praktijk": three package blocks (SCORM 1.2, SCORM 2004,
/// cmi5), each a ready package with its manifest; the demo learner enrolled, the SCORM 1.2 unit
/// stopped at page 2; opened as the learner, the player starts with what the SCO stored.
async fn e_learnings(app: &TestApp) {
    use zk_content::domain::{catalog, module::BlockBody};
    let mut owner = app.db.owner().await.unwrap();
    let noord: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM tenant.tenants WHERE slug = 'zorggroep-noord'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    let tenant = zk_kernel::TenantId(noord);
    let query = catalog::CatalogQuery {
        q: Some(zorgklas::demo::PACKAGES_MODULE.into()),
        ..Default::default()
    };
    let found = catalog::search(&app.platform, tenant, &query)
        .await
        .unwrap();
    let item = found
        .items
        .iter()
        .find(|m| m.title == zorgklas::demo::PACKAGES_MODULE)
        .expect("the module of e-learnings in the catalogue");
    let module = catalog::published(&app.platform, tenant, item.module_id)
        .await
        .unwrap();
    assert!(matches!(
        module.blocks[0].block.body,
        BlockBody::Text { .. }
    ));
    let packages: Vec<(String, String)> = module
        .blocks
        .iter()
        .filter_map(|b| match &b.block.body {
            BlockBody::Package { media, .. } => Some((b.block.id?.to_string(), media.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(packages.len(), 3, "three package blocks");
    let mut kinds = Vec::new();
    for (_, media) in &packages {
        let (kind, status, format, units): (String, String, Option<String>, Option<i64>) =
            sqlx::query_as(
                "SELECT kind, status, package->'kind'->>'type',
                        jsonb_array_length(package->'units')::int8
                 FROM content.media WHERE id = $1::uuid AND tenant_id = $2",
            )
            .bind(media)
            .bind(noord)
            .fetch_one(&mut owner)
            .await
            .unwrap();
        assert_eq!((kind.as_str(), status.as_str()), ("package", "ready"));
        assert!(units.unwrap_or(0) >= 1, "{media}: a manifest with units");
        kinds.push(format.unwrap_or_default());
    }
    assert_eq!(kinds, ["scorm12", "scorm2004", "cmi5"]);
    // Its files are unpacked: the SCORM 1.2 package's launch file is there.
    let index = zk_content::domain::media::package_file(
        &app.platform,
        tenant,
        packages[0].1.parse().unwrap(),
        "index.html",
    )
    .await
    .expect("the SCORM 1.2 package's index.html");
    assert!(!index.bytes.is_empty());

    let (enrolment, location, completed): (uuid::Uuid, Option<String>, bool) = sqlx::query_as(
        "SELECT e.id, a.location, a.completed
         FROM content.enrolments e
         JOIN tenant.users u ON u.id = e.user_id
         JOIN content.package_attempts a ON a.enrolment_id = e.id
         WHERE e.module_id = $1 AND u.email = 'leerling@zorggroep-noord.demo'
           AND a.block_id = $2::uuid AND a.unit = 'veilig-tillen'",
    )
    .bind(item.module_id)
    .bind(&packages[0].0)
    .fetch_one(&mut owner)
    .await
    .expect("the learner's SCORM 1.2 attempt");
    assert_eq!((location.as_deref(), completed), (Some("2"), false));
    let done: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT block_id FROM content.block_progress WHERE enrolment_id = $1")
            .bind(enrolment)
            .fetch_all(&mut owner)
            .await
            .unwrap();
    assert_eq!(
        done,
        [module.blocks[0].block.id.unwrap()],
        "the introduction read"
    );

    let learner = app
        .visitor("zorggroep-noord")
        .login_as(
            "leerling@zorggroep-noord.demo",
            zorgklas::demo::DEMO_PASSWORD,
        )
        .await;
    let page = learner
        .page(&format!("/leren/modules/{}", item.module_id))
        .await;
    assert!(page.contains("Veilig tillen (SCORM 1.2)"), "{page}");
    let res = learner
        .get(&format!(
            "/leren/inschrijvingen/{enrolment}/pakket/{}",
            packages[0].0
        ))
        .expect(StatusCode::SEE_OTHER)
        .await;
    let to = res.location().expect("a redirect to the package host");
    let rest = to.strip_prefix("http://").expect("an absolute address");
    let (host, player) = rest.split_at(rest.find('/').unwrap());
    let host = host.split(':').next().unwrap();
    assert_eq!(host, "zorggroep-noord.pakket.localhost");
    let html = app
        .client
        .get(host, player)
        .expect(StatusCode::OK)
        .await
        .text();
    let start = html
        .find(r#"<script type="application/json" id="zk-boot">"#)
        .expect("the player's start data");
    let json = &html[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    let boot: Value = serde_json::from_str(&json.replace("<\\/", "</")).unwrap();
    assert_eq!(boot["standard"], "scorm12");
    let unit = &boot["units"][0];
    assert_eq!(unit["id"], "veilig-tillen");
    assert_eq!(unit["data"]["cmi.core.lesson_location"], "2");
    let stored: Value =
        serde_json::from_str(unit["data"]["cmi.suspend_data"].as_str().unwrap()).unwrap();
    assert_eq!(stored["pagina"], 2, "the SCO resumes at page 2");
    assert!(stored["notities"].as_str().unwrap().len() > 4096);
    assert_eq!(unit["platform"]["cmi.core.entry"], "resume");
}
