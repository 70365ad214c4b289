//! A care worker's day on the task-first pages (issue 22, part 5): the home shows what is late
//! first, in words, with one button to go on; a passed quiz shows no empty form again; the end
//! of a completed module offers the proof and what's next; a refresher says it is one and until
//! when the current proof counts.

use crate::support::*;

/// A module of 10 minutes: a text and a one-question quiz.
fn short_module(title: &str) -> Value {
    json!({"title": title, "minutes": 10, "blocks": [
        {"type": "text", "markdown": "Lees dit eerst."},
        {"type": "quiz", "pass_mark": 50, "questions": [{"prompt": "Klopt dit?", "options": [
            {"text": "Ja", "correct": true}, {"text": "Nee"}]}]}]})
}

#[tokio::test]
async fn the_home_puts_late_work_first_and_a_finished_module_offers_its_proof() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let learner = s.a.user("zorg@zorg-a.test", Role::Learner).await;
    let early = s.editor.publish_module(short_module("Handhygiëne")).await;
    let later = s.editor.publish_module(short_module("Tilliften")).await;
    let later_e = admin.enrol_until(&learner, &later.id, "2027-06-30").await;
    let early_e = admin.enrol_until(&learner, &early.id, "2027-06-30").await;
    // Handhygiëne's deadline passed two days ago.
    let mut owner = s.app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET deadline = (now() AT TIME ZONE 'Europe/Amsterdam')::date - 2 WHERE id = $1::uuid")
        .bind(&early_e.id)
        .execute(&mut owner)
        .await
        .unwrap();
    let session = learner.login().await;
    let home = session.page("/").await;
    let todo = home.split("data-testid=\"my-learning\"").nth(1).unwrap();
    assert!(
        todo.find("Handhygiëne").unwrap() < todo.find("Tilliften").unwrap(),
        "late work first: {todo}"
    );
    assert!(todo.contains("2 dagen te laat"), "{todo}");
    let go_on = todo.split("data-testid=\"continue\"").next().unwrap();
    assert!(
        go_on.contains(&format!("/leren/modules/{}", early.id)),
        "the one button goes on with the late module: {go_on}"
    );

    // The learner finishes it: the text, then the quiz.
    learner.complete(&early_e, &early).await;
    let page = session.page(&format!("/leren/modules/{}", early.id)).await;
    assert!(page.contains("data-testid=\"completion-panel\""), "{page}");
    assert!(page.contains("data-testid=\"proof-pdf\""), "{page}");
    assert!(
        !page.contains("data-testid=\"quiz-form\""),
        "a passed quiz shows no form to send again"
    );
    let home = session.page("/").await;
    assert!(!home.contains("dagen te laat"), "{home}");

    // A refresher: enrolled again (second cycle), due when the current proof stops counting.
    sqlx::query(
        "UPDATE content.enrolments SET cycle = 2, deadline = DATE '2027-05-04' WHERE id = $1::uuid",
    )
    .bind(&later_e.id)
    .execute(&mut owner)
    .await
    .unwrap();
    let page = session.page(&format!("/leren/modules/{}", later.id)).await;
    assert!(page.contains("data-testid=\"refresher\""), "{page}");
    assert!(page.contains("geldig tot en met 4 mei 2027"), "{page}");
}
