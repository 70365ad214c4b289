//! Overviews count what learners did: a member's admin sees its own (filtered by group or
//! department, as a page and a CSV), the NZK side sees counts per member and module and no
//! people.

use crate::support::*;

#[tokio::test]
async fn overviews_count_what_learners_did_and_nzk_sees_no_people() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let b_admin = s.b.admin().await;
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let mut learners = Vec::new();
    for (email, deadline) in [
        ("o1@zorg-a.test", "2027-12-31"),
        ("o2@zorg-a.test", "2027-12-31"),
        ("o3@zorg-a.test", "2027-12-31"),
    ] {
        let learner = s.a.user(email, Role::Learner).await;
        let e = admin.enrol_until(&learner, &module.id, deadline).await;
        learners.push((learner, e));
    }
    // Learner 2's deadline has passed (a deadline can't be set in the past: the clock moves).
    let mut owner = s.app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET deadline = '2026-01-01' WHERE id = $1::uuid")
        .bind(&learners[1].1.id)
        .execute(&mut owner)
        .await
        .unwrap();
    // Learner 1 completes (one wrong attempt, one right); learner 2 is past the deadline.
    let (l1, e1) = &learners[0];
    let wrong = json!({module.question(1, 0): [module.option(1, 0, 1)], module.question(1, 1): [module.option(1, 1, 0)]});
    l1.answer(e1, &module.block(1), wrong)
        .await
        .assert_status(StatusCode::CREATED);
    l1.pass_quiz(e1, &module, 1).await;
    for i in [0, 2] {
        l1.mark_done(e1, &module.block(i)).await;
    }
    let o_a = admin.get("/api/v1/learning/overview").send().await.json();
    // The quiz module has pass mark 50: the first attempt (one of two right) already passed.
    assert_eq!(
        (
            o_a["enrolled"].as_i64(),
            o_a["completed"].as_i64(),
            o_a["completion_rate"].as_i64(),
            o_a["overdue"].as_i64(),
            o_a["attempts"].as_i64(),
            o_a["pass_rate"].as_i64()
        ),
        (Some(3), Some(1), Some(33), Some(1), Some(2), Some(100))
    );
    assert_eq!(o_a["modules"][0]["title"], "Valpreventie");
    assert_eq!(
        o_a["per_month"].as_array().unwrap().last().unwrap()["completed"],
        1
    );
    // Filtered: learner 1 is in a group and in department "Nacht", learner 2 in "Dag". (The
    // departments are written straight into the table: only a staff file sets them.)
    let mut db = s.app.db.owner().await.unwrap();
    for (email, dept) in [("o1@zorg-a.test", "Nacht"), ("o2@zorg-a.test", "Dag")] {
        sqlx::query("UPDATE tenant.users SET department = $2 WHERE email = $1")
            .bind(email)
            .bind(dept)
            .execute(&mut db)
            .await
            .unwrap();
    }
    let group = admin.make_group("Nachtploeg", &[(l1, "learner")]).await;
    let filtered = |query: String| {
        let admin = admin.clone();
        async move {
            let o = admin
                .get(&format!("/api/v1/learning/overview{query}"))
                .send()
                .await
                .json();
            (
                o["enrolled"].as_i64(),
                o["completed"].as_i64(),
                o["overdue"].as_i64(),
            )
        }
    };
    assert_eq!(
        filtered(format!("?group_id={group}")).await,
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(
        filtered("?department=dag".into()).await,
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(
        filtered("?department=Keuken".into()).await,
        (Some(0), Some(0), Some(0))
    );
    // Another member's group counts nobody of A.
    let b_group = b_admin.make_group("B-groep", &[]).await;
    assert_eq!(
        filtered(format!("?group_id={b_group}")).await,
        (Some(0), Some(0), Some(0))
    );
    // Another member's admin sees only their own (nothing).
    let o_b = b_admin.get("/api/v1/learning/overview").send().await.json();
    assert_eq!(o_b["enrolled"], 0);
    // The page and the CSV.
    let session = admin.login().await;
    let html = session.get("/leren/overzicht").send().await.text();
    assert!(
        html.contains("1 afgerond (33%)") && html.contains("<svg class=\"month-chart\""),
        "{html}"
    );
    assert!(html.contains("data-testid=\"pass-chart\""), "{html}");
    assert!(html.contains("Valpreventie: 100%"), "{html}");
    let night = session
        .get("/leren/overzicht?afdeling=Nacht")
        .send()
        .await
        .text();
    assert!(night.contains("1 afgerond (100%)"), "{night}");
    assert!(
        night.contains("<option value=\"Nacht\" selected>"),
        "{night}"
    );
    assert!(
        night.contains("href=\"/leren/overzicht.csv?afdeling&#x3D;Nacht\""),
        "{night}"
    );
    let night_csv = session
        .get("/leren/overzicht.csv?afdeling=Nacht")
        .send()
        .await
        .text();
    assert!(
        night_csv.contains("Valpreventie;1;1;100;0;2;100"),
        "{night_csv}"
    );
    let text = session.get("/leren/overzicht.csv").send().await.text();
    assert!(
        text.starts_with('\u{feff}') && text.contains("Valpreventie;3;1;33;1;2;100"),
        "{text}"
    );
    // NZK's overview: per member and module, counts only.
    let res = s
        .editor
        .get("/api/v1/learning/platform-overview")
        .expect(StatusCode::OK)
        .await;
    let body = res.text();
    let items = res.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(
        (
            items[0]["enrolled"].as_i64(),
            items[0]["completed"].as_i64()
        ),
        (Some(3), Some(1))
    );
    assert!(!body.contains('@'), "no addresses: {body}");
    // The same as a page and CSV for operators, per member and per module, without people.
    let html = s
        .editor
        .get("/leren/platformoverzicht")
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(
        html.contains("3 inschrijvingen, 1 afgerond (33%)."),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">Zorg zorg-a</th><td>3</td><td>1</td><td>33%</td>"),
        "{html}"
    );
    assert!(!html.contains("@zorg-a.test"), "no addresses on the page");
    let csv = s
        .editor
        .get("/leren/platformoverzicht.csv")
        .send()
        .await
        .text();
    assert!(csv.contains("Zorg zorg-a;Valpreventie;3;1;33"), "{csv}");
    admin
        .get("/leren/platformoverzicht")
        .expect(StatusCode::FORBIDDEN)
        .await;
    // A member's admin can't call it, not even on the base domain.
    admin
        .get("/api/v1/learning/platform-overview")
        .expect(StatusCode::FORBIDDEN)
        .await;
}
