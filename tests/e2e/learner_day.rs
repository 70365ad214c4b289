//! A care worker's day on the task-first pages (issue 22, part 5): the home shows what is late
//! first, in words, with one button to go on; a passed quiz shows no empty form again; the end
//! of a completed module offers the proof and what's next; a refresher says it is one and until
//! when the current proof counts.

use crate::content::{publish, setup};
use http::StatusCode;
use serde_json::json;
use zk_kernel::authz::Role;

#[tokio::test]
async fn the_home_puts_late_work_first_and_a_finished_module_offers_its_proof() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let learner = app.user(&s.a, "zorg@zorg-a.test", Role::Learner).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let token = app.token(&s.a, "zorg@zorg-a.test").await;
    let module = |title: &str| {
        json!({"title": title, "minutes": 10, "blocks": [
            {"type": "text", "markdown": "Lees dit eerst."},
            {"type": "quiz", "pass_mark": 50, "questions": [{"prompt": "Klopt dit?", "options": [
                {"text": "Ja", "correct": true}, {"text": "Nee"}]}]}]})
    };
    let (early, early_draft) = publish(app, "", &s.operator, &module("Handhygiëne")).await;
    let (later, _) = publish(app, "", &s.operator, &module("Tilliften")).await;
    let mut enrolment = Vec::new();
    for m in [&later, &early] {
        let res = c
            .post("zorg-a", "/api/v1/learning/enrolments")
            .bearer(&admin)
            .json(&json!({"user_id": learner, "module_id": m, "deadline": "2027-06-30"}))
            .send()
            .await;
        res.assert_status(StatusCode::CREATED);
        enrolment.push(res.json()["id"].as_str().unwrap().to_owned());
    }
    // Handhygiëne's deadline passed two days ago.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET deadline = (now() AT TIME ZONE 'Europe/Amsterdam')::date - 2 WHERE id = $1::uuid")
        .bind(&enrolment[1])
        .execute(&mut owner)
        .await
        .unwrap();
    let session = app.login("zorg-a", "zorg@zorg-a.test").await;
    let home = c.get("zorg-a", "/").session(&session).send().await.text();
    let todo = home.split("data-testid=\"my-learning\"").nth(1).unwrap();
    assert!(
        todo.find("Handhygiëne").unwrap() < todo.find("Tilliften").unwrap(),
        "late work first: {todo}"
    );
    assert!(todo.contains("2 dagen te laat"), "{todo}");
    let go_on = todo.split("data-testid=\"continue\"").next().unwrap();
    assert!(
        go_on.contains(&format!("/leren/modules/{early}")),
        "the one button goes on with the late module: {go_on}"
    );

    // The learner finishes it: the text, then the quiz.
    let blocks = &early_draft["draft"]["blocks"];
    c.post(
        "zorg-a",
        &format!(
            "/api/v1/learning/enrolments/{}/blocks/{}/done",
            enrolment[1],
            blocks[0]["id"].as_str().unwrap()
        ),
    )
    .bearer(&token)
    .send()
    .await
    .assert_status(StatusCode::OK);
    let q = &blocks[1]["questions"][0];
    c.post(
        "zorg-a",
        &format!("/api/v1/learning/enrolments/{}/attempts", enrolment[1]),
    )
    .bearer(&token)
    .json(&json!({"block_id": blocks[1]["id"], "answers": {q["id"].as_str().unwrap(): [q["options"][0]["id"]]}}))
    .send()
    .await
    .assert_status(StatusCode::CREATED);
    let page = c
        .get("zorg-a", &format!("/leren/modules/{early}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(page.contains("data-testid=\"completion-panel\""), "{page}");
    assert!(page.contains("data-testid=\"proof-pdf\""), "{page}");
    assert!(
        !page.contains("data-testid=\"quiz-form\""),
        "a passed quiz shows no form to send again"
    );
    let home = c.get("zorg-a", "/").session(&session).send().await.text();
    assert!(!home.contains("dagen te laat"), "{home}");

    // A refresher: enrolled again (second cycle), due when the current proof stops counting.
    sqlx::query(
        "UPDATE content.enrolments SET cycle = 2, deadline = DATE '2027-05-04' WHERE id = $1::uuid",
    )
    .bind(&enrolment[0])
    .execute(&mut owner)
    .await
    .unwrap();
    let page = c
        .get("zorg-a", &format!("/leren/modules/{later}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(page.contains("data-testid=\"refresher\""), "{page}");
    assert!(page.contains("geldig tot en met 4 mei 2027"), "{page}");
}
