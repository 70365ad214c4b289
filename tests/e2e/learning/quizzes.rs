//! Quizzes beyond the first attempt: a module's retry policy makes learners wait after each
//! round, and a shuffled quiz shows another order each attempt while scoring by id.

use crate::support::*;

#[tokio::test]
async fn a_modules_retry_policy_makes_learners_wait_after_each_round() {
    let s = two_members().await;
    let app = &s.app;
    let learner = s.a.user("r@zorg-a.test", Role::Learner).await;
    let admin = s.a.admin().await;
    let mut doc = quiz_module("Tillen");
    // A bad policy is refused by field, nothing written.
    doc["retry"] = json!({"attempts": 0, "wait_minutes": 30});
    let res = s
        .a_author
        .post("/api/v1/content/modules")
        .json(&doc)
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(
        (res.error_code(), res.error_field()),
        ("invalid_retry".to_owned(), "retry.attempts".to_owned())
    );
    assert_eq!(app.count("content.modules").await, 0);
    // Rounds of two tries, then half an hour.
    doc["retry"] = json!({"attempts": 2, "wait_minutes": 30});
    let module = s.a_author.publish_module(doc).await;
    assert_eq!(module.doc["retry"]["attempts"], 2);
    let wrong = json!({module.question(1, 0): [module.option(1, 0, 1)]});
    let enrolment = admin.enrol(&learner, &module.id).await;
    let quiz = module.block(1);
    let attempt = || learner.answer(&enrolment, &quiz, wrong.clone());
    for n in 1..=2 {
        let res = attempt().await;
        res.assert_status(StatusCode::CREATED);
        assert_eq!(res.json()["number"], n);
    }
    let res = attempt().await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "wait_before_retry");
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("30 minuten"),
        "{}",
        res.json()
    );
    assert_eq!(app.count("content.quiz_attempts").await, 2);
    // Half an hour later (moved back in the database) the next round begins.
    let mut db = app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.quiz_attempts SET created_at = created_at - interval '31 minutes'")
        .execute(&mut db)
        .await
        .unwrap();
    let res = attempt().await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["number"], 3);

    // The editor's details form sets and clears the policy.
    let session = s.a_author.login().await;
    let form = |attempts: &'static str| {
        let (session, author, id) = (session.clone(), s.a_author.clone(), module.id.clone());
        async move {
            session
                .post(&format!("/leren/auteur/{id}/gegevens"))
                .form(&[
                    ("title", "Tillen"),
                    ("minutes", "15"),
                    ("retry_attempts", attempts),
                    ("retry_wait", "60"),
                ])
                .expect(StatusCode::SEE_OTHER)
                .await;
            author.module(&id).await.doc["retry"].clone()
        }
    };
    assert_eq!(form("3").await, json!({"attempts": 3, "wait_minutes": 60}));
    assert_eq!(form("").await, Value::Null);
}

#[tokio::test]
async fn a_shuffled_quiz_shows_another_order_each_attempt_and_scores_by_id() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let learner = s.a.user("schud@zorg-a.test", Role::Learner).await;
    let questions: Vec<Value> = (1..=5)
        .map(|i| {
            json!({"prompt": format!("Vraag {i}"), "options": [
                {"text": format!("Goed {i}"), "correct": true},
                {"text": format!("Fout {i}a")}, {"text": format!("Fout {i}b")}, {"text": format!("Fout {i}c")}]})
        })
        .collect();
    let module = s
        .editor
        .publish_module(
            json!({"title": "Door elkaar", "minutes": 5, "shuffle": true,
                "blocks": [{"type": "quiz", "pass_mark": 100, "questions": questions}]}),
        )
        .await;
    let quiz = module.doc["blocks"][0].clone();
    let enrolment = admin.enrol(&learner, &module.id).await;
    let session = learner.login().await;
    let written: Vec<String> = quiz["questions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|q| q["options"].as_array().unwrap().iter())
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    // The order of the option ids on the learner's page.
    let order = || async {
        let html = session
            .get(&format!("/leren/modules/{}", module.id))
            .send()
            .await
            .text();
        html.split("value=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|v| written.iter().any(|w| w == v))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let first = order().await;
    assert_eq!(first.len(), 20, "{first:?}");
    assert_eq!(order().await, first, "the same page keeps its order");
    assert_ne!(first, written, "not the order the author wrote");
    // A wrong attempt, then the next page has another order; all right answers pass whatever
    // the order was.
    let mut wrong = serde_json::Map::new();
    for q in quiz["questions"].as_array().unwrap() {
        wrong.insert(
            q["id"].as_str().unwrap().to_owned(),
            json!([q["options"][1]["id"]]),
        );
    }
    let res = learner
        .answer(&enrolment, &module.block(0), Value::Object(wrong))
        .await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["passed"], false);
    let second = order().await;
    assert_ne!(second, first, "a new attempt, a new order");
    let mut a = first.clone();
    let mut b = second.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b, "the same options");
    learner.pass_quiz(&enrolment, &module, 0).await;
}
