//! Regression test of the second security review (issue 20), finding 3: quiz answers in
//! contributions. (Moving to content.)

use crate::content::{module, publish, setup};
use http::StatusCode;
use serde_json::{json, Value};
use zk_kernel::authz::Role;

/// The answers of the contribution fixture's quiz, as they would leak.
fn has_answers(v: &Value) -> bool {
    let s = v.to_string();
    s.contains("\"correct\":true") || s.contains("eerst controleren.")
}

#[tokio::test]
async fn quiz_answers_of_a_contribution_are_for_its_authors_and_open_reviews_only() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.a, "beoordelaar@zorg-a.test", Role::Reviewer)
        .await;
    app.user(&s.b, "beoordelaar@zorg-b.test", Role::Reviewer)
        .await;
    app.user(&s.b, "leerling@zorg-b.test", Role::Learner).await;
    let a_teacher = app.token(&s.a, "docent@zorg-a.test").await;
    let a_reviewer = app.token(&s.a, "beoordelaar@zorg-a.test").await;
    let b_reviewer = app.token(&s.b, "beoordelaar@zorg-b.test").await;
    let b_learner = app.token(&s.b, "leerling@zorg-b.test").await;
    let (own, _) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Medicatie controleren", "Eerst controleren."),
    )
    .await;
    let res = c
        .post(
            "zorg-a",
            &format!("/api/v1/content/modules/{own}/contribute"),
        )
        .bearer(&s.a_author)
        .json(&json!({"licence": "CC-BY-4.0"}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/content/candidates/{id}");
    let read = |host: &'static str, token: String| {
        let path = path.clone();
        async move {
            let res = c.get(host, &path).bearer(&token).send().await;
            res.assert_status(StatusCode::OK);
            res.json()
        }
    };

    // While the review is open: the submitting member's author and another member's reviewer.
    let seen = read("zorg-a", s.a_author.clone()).await;
    assert!(
        has_answers(&seen) && seen["answers_shown"] == true,
        "{seen}"
    );
    let seen = read("zorg-b", b_reviewer.clone()).await;
    assert!(has_answers(&seen), "{seen}");
    // Nobody else: the submitting member's learners, teachers and own reviewers, nor another
    // member's learners or authors.
    for (host, token) in [
        ("zorg-a", s.a_learner.clone()),
        ("zorg-a", a_teacher.clone()),
        ("zorg-a", a_reviewer.clone()),
        ("zorg-b", b_learner.clone()),
        ("zorg-b", s.b_author.clone()),
    ] {
        let seen = read(host, token).await;
        assert!(
            !has_answers(&seen) && seen["answers_shown"] == false,
            "{host}: {seen}"
        );
    }
    // The page says the same as the API.
    let learner_session = app.login("zorg-a", "leerling@zorg-a.test").await;
    let html = c
        .get("zorg-a", &format!("/leren/inzendingen/{id}"))
        .session(&learner_session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Wat doet u eerst?") && !html.contains("eerst controleren.</li>"),
        "{html}"
    );
    assert!(!html.contains("(goed)"), "{html}");

    // Published as an NZK module every member's learners take: nobody reads the answers here.
    c.post("", &format!("{path}/review"))
        .bearer(&s.operator)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.post("", &format!("{path}/publish"))
        .bearer(&s.operator)
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    for (host, token) in [
        ("zorg-a", s.a_author.clone()),
        ("zorg-b", b_reviewer.clone()),
        ("", s.operator.clone()),
    ] {
        let seen = read(host, token).await;
        assert!(!has_answers(&seen), "{host}: {seen}");
    }
    let reviewer_session = app.login("zorg-b", "beoordelaar@zorg-b.test").await;
    let html = c
        .get("zorg-b", &format!("/leren/inzendingen/{id}"))
        .session(&reviewer_session)
        .send()
        .await
        .text();
    assert!(!html.contains("(goed)"), "{html}");
}
