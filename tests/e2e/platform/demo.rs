//! The demo (`zorgklas demo`) shows what the README promises (issue 22, part 13): three members
//! with a user in every role, the members' say (ratings of both, proposals with votes, a
//! contribution waiting for review), learning with a proof and a late learner's list, Zorggroep
//! Noord's staff and its connected LMS; and seeding again changes nothing.

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
