//! Mails that tell people (issue 22, part 2): enrolled (one mail for all new enrolments of a
//! person), 7 days and 1 day before a deadline, once when overdue, a refresher due, and Monday's
//! overview of who is late for teachers and admins who asked for it on their account page. Each
//! goes out once, with two processes at work and after a restart; none to blocked or invited
//! accounts. Time is moved by ageing rows in the database.

use crate::support::*;
use time::{Duration, OffsetDateTime, Weekday};
use zk_learning::domain::reminders;

/// Ages an enrolment: made `days` ago, with the deadline `deadline_in` days from today.
async fn age(app: &TestApp, e: &Enrolment, days: i64, deadline_in: i64) {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "UPDATE content.enrolments SET created_at = now() - make_interval(days => $2::int),
                deadline = (now() AT TIME ZONE 'Europe/Amsterdam')::date + $3::int
         WHERE id = $1::uuid",
    )
    .bind(&e.id)
    .bind(days as i32)
    .bind(deadline_in as i32)
    .execute(&mut owner)
    .await
    .unwrap();
}

/// The subjects of the mails to `who`.
async fn subjects(app: &TestApp, who: &str) -> Vec<String> {
    let mut subjects: Vec<String> = app
        .mails_to(who)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    subjects.sort();
    subjects
}

#[tokio::test]
async fn each_mail_goes_out_once_from_two_processes_and_after_a_restart_never_to_blocked_people() {
    let app = app().await;
    let m = app.member("post").await;
    let (admin, teacher) = (m.admin().await, m.teacher().await);
    let editor = app.operator("redactie@nzk.test").await;
    let titles = [
        "Handhygiëne",
        "Tillen",
        "Medicatie",
        "Valpreventie",
        "Privacy",
    ];
    let mut modules = Vec::new();
    for title in titles {
        modules.push(
            editor
                .publish_module(text_module(title, &["Lees dit."]))
                .await,
        );
    }
    let mut tillift = text_module("Tillift bedienen", &["Zo werkt de tillift."]);
    tillift["validity_months"] = json!(12);
    let tillift = editor.publish_module(tillift).await;

    let anna = m.user("anna@post.test", Role::Learner).await;
    let blocked = m.user("geblokkeerd@post.test", Role::Learner).await;
    // Two new enrolments: one enrolled mail names both.
    admin.enrol_until(&anna, &modules[0].id, "2027-12-31").await;
    admin.enrol(&anna, &modules[4].id).await;
    // Enrolled weeks ago: due in 5 days, due tomorrow, 3 days late.
    let in_five = admin.enrol(&anna, &modules[1].id).await;
    age(&app, &in_five, 20, 5).await;
    let tomorrow = admin.enrol(&anna, &modules[2].id).await;
    age(&app, &tomorrow, 20, 1).await;
    let late = admin.enrol(&anna, &modules[3].id).await;
    age(&app, &late, 20, -3).await;
    // Completed eleven months ago, valid for twelve: a refresher is due.
    let done = admin.enrol(&anna, &tillift.id).await;
    anna.complete(&done, &tillift).await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "UPDATE content.enrolments SET completed_at = now() - interval '11 months' WHERE id = $1::uuid",
    )
    .bind(&done.id)
    .execute(&mut owner)
    .await
    .unwrap();
    // A blocked account and an invited one get nothing of this.
    for module in &modules {
        let e = admin.enrol(&blocked, &module.id).await;
        age(&app, &e, 20, -3).await;
    }
    admin
        .post(&format!("/api/v1/users/{}/block", blocked.id))
        .expect(StatusCode::OK)
        .await;
    let invited = admin
        .post("/api/v1/users")
        .json(&json!({"email": "nieuw@post.test", "roles": ["learner"]}))
        .expect(StatusCode::CREATED)
        .await
        .json()["user"]["id"]
        .clone();
    admin
        .post("/api/v1/learning/enrolments")
        .json(&json!({"user_id": invited, "module_id": modules[0].id}))
        .expect(StatusCode::CREATED)
        .await;

    // The teacher (of Anna's group) and the admin ask for Monday's overview on their account page.
    admin
        .make_group("Nachtdienst", &[(&teacher, "teacher"), (&anna, "learner")])
        .await;
    for who in [&admin, &teacher] {
        let session = who.login().await;
        let page = session.page("/mijn-account").await;
        assert!(page.contains("data-testid=\"mails-you-get\""), "{page}");
        assert!(!page.contains("name=\"weekly_digest\" value=\"on\" checked"));
        let res = session
            .post("/mijn-account/mails")
            .form(&[("weekly_digest", "on")])
            .send()
            .await;
        let (page, flash) = session.follow(&res).await;
        assert!(flash.unwrap().contains("elke maandag"), "{page}");
        assert!(
            page.contains("name=\"weekly_digest\" value=\"on\" checked"),
            "{page}"
        );
    }
    // A learner's page lists the mails, without the overview (refused if sent anyway).
    let session = anna.login().await;
    let page = session.page("/mijn-account").await;
    assert!(page.contains("data-testid=\"mails-you-get\"") && !page.contains("weekly_digest"));
    session
        .post("/mijn-account/mails")
        .form(&[("weekly_digest", "on")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;

    // Two processes at once today, and again on the coming Monday (today when it is one: the
    // overviews go out on Mondays), then a restarted one: each mail exactly once. The job names
    // the day it runs on in its mails ("Morgen…"), so the reminders run on the real day.
    let today = zk_kernel::text::amsterdam_today();
    let monday = today
        + Duration::days(i64::from(
            (7 - today.weekday().number_days_from_monday()) % 7,
        ));
    assert_eq!(monday.weekday(), Weekday::Monday);
    let other = app.another_process().await;
    let (a, b) = tokio::join!(
        reminders::run_once_on(&app.platform, today),
        reminders::run_once_on(&other.platform, today)
    );
    let (c, d) = tokio::join!(
        reminders::run_once_on(&app.platform, monday),
        reminders::run_once_on(&other.platform, monday)
    );
    assert_eq!(
        a.unwrap() + b.unwrap() + c.unwrap() + d.unwrap(),
        7,
        "5 to Anna, 2 overviews"
    );
    let restarted = app.another_process().await;
    assert_eq!(
        reminders::run_once_on(&restarted.platform, monday)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        reminders::run_once_on(&restarted.platform, monday + Duration::days(1))
            .await
            .unwrap(),
        0
    );

    let date = |days: i64| {
        zk_kernel::text::dutch_date(
            zk_kernel::text::amsterdam(OffsetDateTime::now_utc() + Duration::days(days)).date(),
        )
    };
    let anna_got = subjects(&app, "anna@post.test").await;
    assert_eq!(anna_got.len(), 5, "{anna_got:#?}");
    for expected in [
        "\"Valpreventie\" is over de uiterste datum".to_owned(),
        format!("Herinnering: rond \"Tillen\" uiterlijk {} af", date(5)),
        "Morgen is de uiterste datum voor \"Medicatie\"".to_owned(),
        "U bent ingeschreven voor 2 modules".to_owned(),
    ] {
        assert!(anna_got.contains(&expected), "{expected} in {anna_got:#?}");
    }
    assert!(
        anna_got
            .iter()
            .any(|s| s.starts_with("Opfrissen: uw bewijs voor \"Tillift bedienen\" verloopt op ")),
        "{anna_got:#?}"
    );
    let enrolled = app
        .mails_to("anna@post.test")
        .await
        .into_iter()
        .find(|m| m.subject == "U bent ingeschreven voor 2 modules")
        .unwrap();
    assert!(
        enrolled
            .body
            .contains("Zorg post heeft u ingeschreven voor:")
            && enrolled
                .body
                .contains("\"Handhygiëne\", uiterlijk 31 december 2027 afronden")
            && enrolled.body.contains("\"Privacy\", zonder uiterste datum")
            && enrolled.body.contains(&format!(
                "post.localhost:8080/leren/modules/{}",
                modules[0].id
            ))
            && enrolled.body.contains("Met vriendelijke groet,\nZorg post"),
        "{}",
        enrolled.body
    );
    assert!(
        app.mails_to("geblokkeerd@post.test").await.is_empty(),
        "nothing to a blocked account"
    );
    assert_eq!(
        subjects(&app, "nieuw@post.test").await.len(),
        1,
        "only the invitation to an invited account"
    );
    // The overviews name Anna, 3 days late, and link to the list.
    for (who, link) in [
        ("beheer@post.test", "/leren/overzicht?state=late"),
        ("docent@post.test", "/leren/groepen"),
    ] {
        let digest = app
            .mails_to(who)
            .await
            .into_iter()
            .find(|m| m.subject.starts_with("Wie is te laat"))
            .unwrap_or_else(|| panic!("no overview to {who}"));
        assert_eq!(
            digest.subject,
            "Wie is te laat: 1 inschrijving bij Zorg post"
        );
        assert!(
            digest
                .body
                .contains("- anna@post.test: \"Valpreventie\", 3 dagen te laat")
                && digest.body.contains(link),
            "{}",
            digest.body
        );
    }
}
