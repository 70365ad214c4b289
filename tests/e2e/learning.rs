//! Learning, first part, through HTTP: enrolment by admins and teachers, a learner's own
//! progress, quiz attempts scored on the server (with an adopted module's stricter pass mark),
//! completion, and that nobody reaches another learner's or member's enrolment.

use crate::content::{publish, setup};
use http::StatusCode;
use serde_json::{json, Value};
use zk_kernel::authz::Role;

/// A shared module: a text, a quiz of two single-choice questions (pass mark 50) and a link.
fn quiz_module() -> Value {
    json!({
        "title": "Valpreventie", "minutes": 15,
        "blocks": [
            {"type": "text", "markdown": "Goed licht voorkomt vallen."},
            {"type": "quiz", "pass_mark": 50, "questions": [
                {"prompt": "Wat helpt?", "options": [
                    {"text": "Goed licht", "correct": true},
                    {"text": "Losse kleden", "feedback": "Nee: daar struikelt u over."}]},
                {"prompt": "Wie controleert de trap?", "options": [
                    {"text": "Iedereen", "correct": true},
                    {"text": "Niemand"}]}]},
            {"type": "link", "url": "https://www.veiligheid.nl", "label": "VeiligheidNL"}
        ]
    })
}

fn error(res: &zk_test_support::http::TestResponse) -> (String, String) {
    let body = res.json();
    (
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn learners_follow_their_own_enrolments_and_quizzes_are_scored_on_the_server() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let l1 = app.user(&s.a, "l1@zorg-a.test", Role::Learner).await;
    let l2 = app.user(&s.a, "l2@zorg-a.test", Role::Learner).await;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    let b_learner = app.user(&s.b, "l@zorg-b.test", Role::Learner).await;
    let (t1, t2) = (
        app.token(&s.a, "l1@zorg-a.test").await,
        app.token(&s.a, "l2@zorg-a.test").await,
    );
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let teacher = app.token(&s.a, "docent@zorg-a.test").await;
    let b_token = app.token(&s.b, "l@zorg-b.test").await;
    let (module, draft) = publish(app, "", &s.operator, &quiz_module()).await;
    let (own_b, _) = publish(app, "zorg-b", &s.b_author, &quiz_module()).await;
    let block = |i: usize| {
        draft["draft"]["blocks"][i]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (text, quiz, link) = (block(0), block(1), block(2));
    let q = |i: usize| &draft["draft"]["blocks"][1]["questions"][i];
    let opt = |i: usize, j: usize| q(i)["options"][j]["id"].as_str().unwrap().to_owned();
    let qid = |i: usize| q(i)["id"].as_str().unwrap().to_owned();

    // Member A shows the module with a stricter pass mark: both questions must be right.
    c.put("zorg-a", &format!("/api/v1/content/adoptions/{module}"))
        .bearer(&s.a_author)
        .json(&json!({"pass_marks": {quiz.clone(): 100}}))
        .send()
        .await
        .assert_status(StatusCode::OK);

    // Enrolment: bad input named by field, nothing written; a learner may not enrol.
    for (body, code, field) in [
        (
            json!({"user_id": l1, "module_id": own_b}),
            "unknown_module",
            "module_id",
        ),
        (
            json!({"user_id": b_learner, "module_id": module}),
            "unknown_user",
            "user_id",
        ),
        (
            json!({"user_id": l1, "module_id": module, "deadline": "1-3-2027"}),
            "invalid_date",
            "deadline",
        ),
    ] {
        let res = c
            .post("zorg-a", "/api/v1/learning/enrolments")
            .bearer(&admin)
            .json(&body)
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error(&res), (code.to_owned(), field.to_owned()), "{body}");
    }
    assert_eq!(app.count("content.enrolments").await, 0);
    c.post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&t1)
        .json(&json!({"user_id": l1, "module_id": module}))
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = c
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&admin)
        .json(&json!({"user_id": l1, "module_id": module, "deadline": "2027-03-01"}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let e1 = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(res.json()["deadline"], "2027-03-01");
    let res = c
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&teacher)
        .json(&json!({"user_id": l1, "module_id": module}))
        .send()
        .await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(error(&res).0, "already_enrolled");
    c.post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&teacher)
        .json(&json!({"user_id": l2, "module_id": module}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);

    let mine = |token: String| async move {
        let res = c
            .get("zorg-a", "/api/v1/learning/enrolments/mine")
            .bearer(&token)
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        res.json()["items"].clone()
    };
    let list = mine(t1.clone()).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        (list[0]["blocks"].as_i64(), list[0]["done"].as_i64()),
        (Some(3), Some(0))
    );

    // Blocks done: the text yes; a quiz only by passing it; an unknown block 404.
    let done = |token: String, enrolment: String, block: String| async move {
        c.post(
            "zorg-a",
            &format!("/api/v1/learning/enrolments/{enrolment}/blocks/{block}/done"),
        )
        .bearer(&token)
        .send()
        .await
    };
    let res = done(t1.clone(), e1.clone(), text.clone()).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["done"], 1);
    let res = done(t1.clone(), e1.clone(), quiz.clone()).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(&res).0, "quiz_block");
    done(t1.clone(), e1.clone(), own_b.clone())
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Someone else's enrolment: another learner of A, a learner of B: 404, nothing changes.
    done(t2.clone(), e1.clone(), link.clone())
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let res = c
        .post(
            "zorg-b",
            &format!("/api/v1/learning/enrolments/{e1}/blocks/{link}/done"),
        )
        .bearer(&b_token)
        .send()
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    for token in [&t2, &b_token] {
        let host = if *token == b_token {
            "zorg-b"
        } else {
            "zorg-a"
        };
        c.post(host, &format!("/api/v1/learning/enrolments/{e1}/attempts"))
            .bearer(token)
            .json(&json!({"block_id": quiz, "answers": {qid(0): [opt(0, 0)], qid(1): [opt(1, 0)]}}))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(mine(t1.clone()).await[0]["done"], 1);
    assert_eq!(app.count("content.quiz_attempts").await, 0);

    // Attempts: answers that don't belong are refused by field and not kept.
    let attempt = |answers: Value| {
        let t1 = t1.clone();
        let e1 = e1.clone();
        let quiz = quiz.clone();
        async move {
            c.post(
                "zorg-a",
                &format!("/api/v1/learning/enrolments/{e1}/attempts"),
            )
            .bearer(&t1)
            .json(&json!({"block_id": quiz, "answers": answers}))
            .send()
            .await
        }
    };
    let res = attempt(json!({qid(0): [opt(1, 0)]})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error(&res),
        ("unknown_option".to_owned(), format!("answers.{}", qid(0)))
    );
    let res = attempt(json!({qid(0): [opt(0, 0), opt(0, 1)]})).await;
    assert_eq!(error(&res).0, "single_choice");
    let res = c
        .post(
            "zorg-a",
            &format!("/api/v1/learning/enrolments/{e1}/attempts"),
        )
        .bearer(&t1)
        .json(&json!({"block_id": text, "answers": {}}))
        .send()
        .await;
    assert_eq!(
        error(&res),
        ("not_a_quiz".to_owned(), "block_id".to_owned())
    );
    assert_eq!(app.count("content.quiz_attempts").await, 0);

    // One of two right is 50 %: NZK's mark, but not A's (100): a fail, with the feedback.
    let res = attempt(json!({qid(0): [opt(0, 1)], qid(1): [opt(1, 0)]})).await;
    res.assert_status(StatusCode::CREATED);
    let r = res.json();
    assert_eq!(
        (
            r["number"].as_i64(),
            r["percent"].as_i64(),
            r["pass_mark"].as_i64(),
            r["passed"].as_bool(),
            r["completed"].as_bool()
        ),
        (Some(1), Some(50), Some(100), Some(false), Some(false))
    );
    assert_eq!(
        r["results"][0]["feedback"][0],
        "Nee: daar struikelt u over."
    );
    // Both right: a pass; with the link done the module is complete, with its version.
    let res = attempt(json!({qid(0): [opt(0, 0)], qid(1): [opt(1, 0)]})).await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(
        (
            res.json()["number"].as_i64(),
            res.json()["passed"].as_bool()
        ),
        (Some(2), Some(true))
    );
    let res = done(t1.clone(), e1.clone(), link.clone()).await;
    res.assert_status(StatusCode::OK);
    let p = res.json();
    assert_eq!(
        (p["done"].as_i64(), p["completed_version"].as_i64()),
        (Some(3), Some(1))
    );
    assert!(p["completed_at"].is_string());
    // The completion's score: the passed attempt's (the failed one doesn't count).
    assert_eq!(p["score"], 100, "{p}");
    assert_eq!(mine(t1.clone()).await[0]["score"], 100);
    // l2's enrolment is untouched by all of this.
    let other = mine(t2.clone()).await;
    assert_eq!(
        (
            other[0]["done"].as_i64(),
            other[0]["completed_at"].is_null()
        ),
        (Some(0), true)
    );
    // The attempts are kept with their answers.
    let mut db = app.db.owner().await.unwrap();
    let kept: Vec<(i32, bool, Value)> =
        sqlx::query_as("SELECT number, passed, answers FROM content.quiz_attempts ORDER BY number")
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!((kept[0].0, kept[0].1, kept[1].1), (1, false, true));
    assert_eq!(kept[1].2[qid(1)], json!([opt(1, 0)]));
}

#[tokio::test]
async fn learners_keep_their_version_until_the_admin_moves_them_and_only_unchanged_blocks_stay_done(
) {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let mut learners = Vec::new();
    for email in ["v1@zorg-a.test", "v2@zorg-a.test", "v3@zorg-a.test"] {
        let id = app.user(&s.a, email, Role::Learner).await;
        learners.push((id, app.token(&s.a, email).await));
    }
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let teacher = app.token(&s.a, "docent@zorg-a.test").await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    let doc = json!({"title": "Decubitus", "minutes": 20, "blocks": [
        {"type": "text", "markdown": "A"},
        {"type": "text", "markdown": "B"},
        {"type": "quiz", "pass_mark": 100, "questions": [{"prompt": "Hoe vaak wisselen?", "options": [
            {"text": "Elke 2 uur", "correct": true}, {"text": "Nooit"}]}]},
        {"type": "text", "markdown": "C"}
    ]});
    let (module, v1) = publish(app, "", &s.operator, &doc).await;
    let id = |i: usize| v1["draft"]["blocks"][i]["id"].as_str().unwrap().to_owned();
    let (a, b, q, c_block) = (id(0), id(1), id(2), id(3));
    let question = v1["draft"]["blocks"][2]["questions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let right = v1["draft"]["blocks"][2]["questions"][0]["options"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut enrolments = Vec::new();
    for (user, _) in &learners {
        let res = c
            .post("zorg-a", "/api/v1/learning/enrolments")
            .bearer(&admin)
            .json(&json!({"user_id": user, "module_id": module}))
            .send()
            .await;
        res.assert_status(StatusCode::CREATED);
        enrolments.push(res.json()["id"].as_str().unwrap().to_owned());
    }
    let done = |who: usize, block: String| {
        let token = learners[who].1.clone();
        let e = enrolments[who].clone();
        async move {
            c.post(
                "zorg-a",
                &format!("/api/v1/learning/enrolments/{e}/blocks/{block}/done"),
            )
            .bearer(&token)
            .send()
            .await
        }
    };
    let pass = |who: usize| {
        let token = learners[who].1.clone();
        let e = enrolments[who].clone();
        let body = json!({"block_id": q, "answers": {question.clone(): [right.clone()]}});
        async move {
            let res = c
                .post(
                    "zorg-a",
                    &format!("/api/v1/learning/enrolments/{e}/attempts"),
                )
                .bearer(&token)
                .json(&body)
                .send()
                .await;
            res.assert_status(StatusCode::CREATED);
            assert_eq!(res.json()["passed"], true);
        }
    };
    // Learner 0: A, B and the quiz done. Learner 1: A. Learner 2: everything (complete).
    for block in [&a, &b] {
        done(0, block.clone()).await.assert_status(StatusCode::OK);
    }
    pass(0).await;
    done(1, a.clone()).await.assert_status(StatusCode::OK);
    for block in [&a, &b, &c_block] {
        done(2, block.clone()).await.assert_status(StatusCode::OK);
    }
    pass(2).await;

    // NZK v2: A unchanged, B and the quiz changed, C removed, D new.
    let mut draft = v1["draft"].clone();
    draft["blocks"][1]["markdown"] = json!("B, herzien");
    draft["blocks"][2]["questions"][0]["prompt"] = json!("Hoe vaak wisselt u van houding?");
    let blocks = draft["blocks"].as_array_mut().unwrap();
    blocks.remove(3);
    blocks.push(json!({"type": "text", "markdown": "D"}));
    c.put("", &format!("/api/v1/content/modules/{module}"))
        .bearer(&s.operator)
        .json(&draft)
        .send()
        .await
        .assert_status(StatusCode::OK);
    let res = c
        .post("", &format!("/api/v1/content/modules/{module}/publish"))
        .bearer(&s.operator)
        .json(&json!({"change_note": "Herzien"}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let v2 = c
        .get("zorg-a", &format!("/api/v1/catalog/{module}"))
        .bearer(&learners[0].1)
        .send()
        .await
        .json();
    let d = v2["module"]["blocks"][3]["id"].as_str().unwrap().to_owned();

    let mine = |who: usize| {
        let token = learners[who].1.clone();
        async move {
            c.get("zorg-a", "/api/v1/learning/enrolments/mine")
                .bearer(&token)
                .send()
                .await
                .json()["items"][0]
                .clone()
        }
    };
    // The learners keep v1 and can't do v2's new block yet.
    let p0 = mine(0).await;
    assert_eq!(
        (
            p0["version"].as_i64(),
            p0["latest_version"].as_i64(),
            p0["done"].as_i64(),
            p0["blocks"].as_i64()
        ),
        (Some(1), Some(2), Some(3), Some(4))
    );
    done(0, d.clone())
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Only A's admin moves A's enrolments: B's admin moves none, a teacher may not.
    let move_url = format!("/api/v1/learning/modules/{module}/move-enrolments");
    let res = c.post("zorg-b", &move_url).bearer(&b_admin).send().await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["moved"], 0);
    c.post("zorg-a", &move_url)
        .bearer(&teacher)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert_eq!(mine(0).await["version"], 1);
    let res = c.post("zorg-a", &move_url).bearer(&admin).send().await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        (res.json()["moved"].as_i64(), res.json()["version"].as_i64()),
        (Some(2), Some(2)),
        "the completed enrolment is not moved"
    );

    // On v2 only the unchanged A stays done; the changed quiz must be passed again.
    let p0 = mine(0).await;
    assert_eq!(
        (
            p0["version"].as_i64(),
            p0["done_blocks"].clone(),
            p0["blocks"].as_i64()
        ),
        (Some(2), json!([a]), Some(4))
    );
    assert_eq!(mine(1).await["done_blocks"], json!([a]));
    let p2 = mine(2).await;
    assert_eq!(
        (p2["version"].as_i64(), p2["completed_version"].as_i64()),
        (Some(1), Some(1))
    );
    // The earlier attempts are kept as history, on the version they were made on.
    let mut db = app.db.owner().await.unwrap();
    let versions: Vec<i32> =
        sqlx::query_scalar("SELECT version FROM content.quiz_attempts ORDER BY created_at")
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(versions, vec![1, 1]);
    done(0, d).await.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_modules_retry_policy_makes_learners_wait_after_each_round() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let learner = app.user(&s.a, "r@zorg-a.test", Role::Learner).await;
    let token = app.token(&s.a, "r@zorg-a.test").await;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let mut doc = quiz_module();
    doc["title"] = json!("Tillen");
    // A bad policy is refused by field, nothing written.
    doc["retry"] = json!({"attempts": 0, "wait_minutes": 30});
    let res = c
        .post("zorg-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&doc)
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error(&res),
        ("invalid_retry".to_owned(), "retry.attempts".to_owned())
    );
    assert_eq!(app.count("content.modules").await, 0);
    // Rounds of two tries, then half an hour.
    doc["retry"] = json!({"attempts": 2, "wait_minutes": 30});
    let (module, draft) = publish(app, "zorg-a", &s.a_author, &doc).await;
    assert_eq!(draft["draft"]["retry"]["attempts"], 2);
    let quiz = draft["draft"]["blocks"][1].clone();
    let wrong = json!({
        "block_id": quiz["id"],
        "answers": {quiz["questions"][0]["id"].as_str().unwrap(): [quiz["questions"][0]["options"][1]["id"]]}
    });
    let res = c
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&admin)
        .json(&json!({"user_id": learner, "module_id": module}))
        .send()
        .await;
    let enrolment = res.json()["id"].as_str().unwrap().to_owned();
    let url = format!("/api/v1/learning/enrolments/{enrolment}/attempts");
    for n in 1..=2 {
        let res = c
            .post("zorg-a", &url)
            .bearer(&token)
            .json(&wrong)
            .send()
            .await;
        res.assert_status(StatusCode::CREATED);
        assert_eq!(res.json()["number"], n);
    }
    let res = c
        .post("zorg-a", &url)
        .bearer(&token)
        .json(&wrong)
        .send()
        .await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(error(&res).0, "wait_before_retry");
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
    let res = c
        .post("zorg-a", &url)
        .bearer(&token)
        .json(&wrong)
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["number"], 3);

    // The editor's details form sets and clears the policy.
    let session = app.login("zorg-a", "auteur@zorg-a.test").await;
    let author = &s.a_author;
    let form = |attempts: &'static str| {
        let session = session.clone();
        let module = module.clone();
        async move {
            c.post("zorg-a", &format!("/leren/auteur/{module}/gegevens"))
                .session(&session)
                .form(&[
                    ("title", "Tillen"),
                    ("minutes", "15"),
                    ("retry_attempts", attempts),
                    ("retry_wait", "60"),
                ])
                .send()
                .await
                .assert_status(StatusCode::SEE_OTHER);
            c.get("zorg-a", &format!("/api/v1/content/modules/{module}"))
                .bearer(author)
                .send()
                .await
                .json()["draft"]["retry"]
                .clone()
        }
    };
    assert_eq!(form("3").await, json!({"attempts": 3, "wait_minutes": 60}));
    assert_eq!(form("").await, Value::Null);
}

#[tokio::test]
async fn a_learner_works_through_a_module_on_its_page() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let learner = app.user(&s.a, "pagina@zorg-a.test", Role::Learner).await;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let mut doc = quiz_module();
    doc["blocks"][1]["pass_mark"] = json!(100);
    let (module, draft) = publish(app, "", &s.operator, &doc).await;
    let blocks = &draft["draft"]["blocks"];
    let (text, quiz, link) = (
        blocks[0]["id"].as_str().unwrap().to_owned(),
        blocks[1]["id"].as_str().unwrap().to_owned(),
        blocks[2]["id"].as_str().unwrap().to_owned(),
    );
    let q = |i: usize| blocks[1]["questions"][i]["id"].as_str().unwrap().to_owned();
    let o = |i: usize, j: usize| {
        blocks[1]["questions"][i]["options"][j]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let page = format!("/leren/modules/{module}");
    // Not enrolled: the page shows the quiz read-only, no progress, no forms.
    let session = app.login("zorg-a", "pagina@zorg-a.test").await;
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(
        !html.contains("data-testid=\"progress\"") && !html.contains("data-testid=\"quiz-form\"")
    );
    let res = c
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&admin)
        .json(&json!({"user_id": learner, "module_id": module, "deadline": "2027-03-01"}))
        .send()
        .await;
    let enrolment = res.json()["id"].as_str().unwrap().to_owned();
    // The learner's home lists it with progress and the deadline (the cached home follows).
    let home =
        |session: String| async move { c.get("zorg-a", "/").session(&session).send().await.text() };
    let html = home(session.clone()).await;
    assert!(
        html.contains("Valpreventie")
            && html.contains("0 van 3 onderdelen klaar")
            && html.contains("uiterlijk 1 maart 2027")
            && html.contains(&format!("/leren/modules/{module}#blok-{text}")),
        "{html}"
    );

    // Enrolled: progress, a "done" button per block and the quiz as a form.
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(html.contains("0 van 3 onderdelen klaar"), "{html}");
    assert!(
        html.contains(&format!("href=\"#blok-{text}\"")),
        "resume at the first block"
    );
    assert!(html.contains(&format!("name=\"q_{}\" value=\"{}\"", q(0), o(0, 0))));
    let res = c
        .post(
            "zorg-a",
            &format!("/leren/inschrijvingen/{enrolment}/blokken/{text}/klaar"),
        )
        .session(&session)
        .form(&[])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(res.location().unwrap(), format!("{page}#blok-{text}"));
    // The cached page follows the learner's own progress at once.
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(html.contains("1 van 3 onderdelen klaar"), "{html}");
    assert!(
        html.contains(&format!("href=\"#blok-{quiz}\"")),
        "resume at the quiz"
    );
    let html = home(session.clone()).await;
    assert!(
        html.contains("1 van 3 onderdelen klaar")
            && html.contains(&format!("/leren/modules/{module}#blok-{quiz}")),
        "{html}"
    );

    // A wrong answer: scored on the server, the page shows the result with the feedback.
    let quiz_url = format!("/leren/inschrijvingen/{enrolment}/toetsen/{quiz}");
    let (q0, q1) = (format!("q_{}", q(0)), format!("q_{}", q(1)));
    let res = c
        .post("zorg-a", &quiz_url)
        .session(&session)
        .form(&[
            (q0.as_str(), o(0, 1).as_str()),
            (q1.as_str(), o(1, 0).as_str()),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let after = res.location().unwrap();
    assert!(after.contains("poging=1"), "{after}");
    let html = c
        .get("zorg-a", &after)
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Nog niet gehaald: 50% goed") && html.contains("Nee: daar struikelt u over."),
        "{html}"
    );
    // Nonsense in the form: the message at the quiz, nothing kept.
    let res = c
        .post("zorg-a", &quiz_url)
        .session(&session)
        .form(&[(q0.as_str(), "geen-antwoord")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("data-testid=\"quiz-error\""));
    assert_eq!(app.count("content.quiz_attempts").await, 1);
    // Another learner can't post to this enrolment.
    app.user(&s.a, "ander@zorg-a.test", Role::Learner).await;
    let other = app.login("zorg-a", "ander@zorg-a.test").await;
    c.post("zorg-a", &quiz_url)
        .session(&other)
        .form(&[
            (q0.as_str(), o(0, 0).as_str()),
            (q1.as_str(), o(1, 0).as_str()),
        ])
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Right answers pass; with the link done the module is complete.
    let res = c
        .post("zorg-a", &quiz_url)
        .session(&session)
        .form(&[
            (q0.as_str(), o(0, 0).as_str()),
            (q1.as_str(), o(1, 0).as_str()),
        ])
        .send()
        .await;
    let html = c
        .get("zorg-a", &res.location().unwrap())
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains("Gehaald: 100% goed."), "{html}");
    c.post(
        "zorg-a",
        &format!("/leren/inschrijvingen/{enrolment}/blokken/{link}/klaar"),
    )
    .session(&session)
    .form(&[])
    .send()
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(
        html.contains("data-testid=\"completed\"") && html.contains("3 van 3 onderdelen klaar"),
        "{html}"
    );
    let html = home(session.clone()).await;
    assert!(
        html.contains("data-testid=\"completed-list\"")
            && !html.contains("data-testid=\"enrolment\""),
        "{html}"
    );
    // Another learner's home shows none of it.
    let html = home(other.clone()).await;
    assert!(!html.contains("Valpreventie"), "{html}");

    // The proof of participation: linked from the module, a page, a PDF, a public check.
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(html.contains("data-testid=\"proof-link\""), "{html}");
    let learner_token = app.token(&s.a, "pagina@zorg-a.test").await;
    let proofs = c
        .get("zorg-a", "/api/v1/learning/proofs/mine")
        .bearer(&learner_token)
        .send()
        .await
        .json();
    let proof = proofs["items"][0].clone();
    let (proof_id, code) = (
        proof["id"].as_str().unwrap().to_owned(),
        proof["code"].as_str().unwrap().to_owned(),
    );
    assert_eq!(proof["module_title"], "Valpreventie");
    let html = c
        .get("zorg-a", &format!("/leren/bewijzen/{proof_id}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains(&format!("/bewijs/{code}")) && html.contains("geen diploma"),
        "{html}"
    );
    let res = c
        .get("zorg-a", &format!("/leren/bewijzen/{proof_id}/pdf"))
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        res.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/pdf"
    );
    assert!(res.body.starts_with(b"%PDF-") && res.body.ends_with(b"%%EOF"));
    let member = proof["member_name"].as_str().unwrap().as_bytes().to_vec();
    assert!(
        res.body.windows(member.len()).any(|w| w == member),
        "the member's name"
    );
    // Nobody else gets the learner's proof.
    for url in [
        format!("/leren/bewijzen/{proof_id}"),
        format!("/leren/bewijzen/{proof_id}/pdf"),
    ] {
        c.get("zorg-a", &url)
            .session(&other)
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    // The public check: name, module, date, member; nothing of the e-mail address (this learner
    // gave no name, so none is shown — not the address's first part either). Not on another
    // member's host, not for an unknown code.
    assert_eq!(proof["learner_name"], serde_json::Value::Null);
    let res = c.get("zorg-a", &format!("/bewijs/{code}")).send().await;
    res.assert_status(StatusCode::OK);
    let html = res.text();
    assert!(
        html.contains("data-testid=\"proof-verified\"")
            && html.contains("Valpreventie")
            && html.contains("data-testid=\"learner\">naam niet opgegeven</dd>")
            && !html.contains("@zorg-a.test"),
        "{html}"
    );
    c.get("zorg-b", &format!("/bewijs/{code}"))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.get("zorg-a", "/bewijs/ABCDEFGHJKLM")
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Revoking: a reason is required; then the code no longer verifies.
    let revoke = format!("/api/v1/learning/proofs/{proof_id}/revoke");
    let res = c
        .post("zorg-a", &revoke)
        .bearer(&admin)
        .json(&json!({"reason": " "}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(&res).1, "reason");
    c.get("zorg-a", &format!("/bewijs/{code}"))
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.post("zorg-a", &revoke)
        .bearer(&admin)
        .json(&json!({"reason": "Ten onrechte afgerond."}))
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    c.get("zorg-a", &format!("/bewijs/{code}"))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.post("zorg-a", &revoke)
        .bearer(&admin)
        .json(&json!({"reason": "Nog eens"}))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn teachers_see_and_enrol_only_their_own_groups() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let t1 = app.user(&s.a, "docent1@zorg-a.test", Role::Teacher).await;
    let t2 = app.user(&s.a, "docent2@zorg-a.test", Role::Teacher).await;
    let (t1_token, t2_token) = (
        app.token(&s.a, "docent1@zorg-a.test").await,
        app.token(&s.a, "docent2@zorg-a.test").await,
    );
    let l1 = app.user(&s.a, "g1@zorg-a.test", Role::Learner).await;
    let l2 = app.user(&s.a, "g2@zorg-a.test", Role::Learner).await;
    let l3 = app.user(&s.a, "g3@zorg-a.test", Role::Learner).await;
    let b_user = app.user(&s.b, "g@zorg-b.test", Role::Learner).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    let (module, _) = publish(app, "", &s.operator, &quiz_module()).await;

    // Admins make groups; teachers may not; names are unique per member.
    let make = |name: &'static str, token: String| async move {
        c.post("zorg-a", "/api/v1/learning/groups")
            .bearer(&token)
            .json(&json!({"name": name}))
            .send()
            .await
    };
    make("Afdeling Noord", t1_token.clone())
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = make("Afdeling Noord", admin.clone()).await;
    res.assert_status(StatusCode::CREATED);
    let g1 = res.json()["id"].as_str().unwrap().to_owned();
    let res = make("Afdeling Noord", admin.clone()).await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(error(&res).0, "duplicate_name");
    let g2 = make("Afdeling Zuid", admin.clone()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let member = |group: String, user: uuid::Uuid, role: &'static str| {
        let admin = admin.clone();
        async move {
            c.put(
                "zorg-a",
                &format!("/api/v1/learning/groups/{group}/members/{user}"),
            )
            .bearer(&admin)
            .json(&json!({"role": role}))
            .send()
            .await
        }
    };
    for (g, u, r) in [
        (&g1, t1, "teacher"),
        (&g1, l1, "learner"),
        (&g1, l2, "learner"),
        (&g2, t2, "teacher"),
        (&g2, l3, "learner"),
    ] {
        member(g.clone(), u, r)
            .await
            .assert_status(StatusCode::NO_CONTENT);
    }
    // Another member's user can't join; nothing is written.
    let res = member(g1.clone(), b_user, "learner").await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(&res).0, "unknown_user");
    assert_eq!(app.count("content.group_members").await, 5);

    // A teacher lists only the groups they teach; the admin all.
    let names = |token: String| async move {
        c.get("zorg-a", "/api/v1/learning/groups")
            .bearer(&token)
            .send()
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(t1_token.clone()).await, vec!["Afdeling Noord"]);
    assert_eq!(
        names(admin.clone()).await,
        vec!["Afdeling Noord", "Afdeling Zuid"]
    );
    assert!(c
        .get("zorg-b", "/api/v1/learning/groups")
        .bearer(&b_admin)
        .send()
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .is_empty());

    // The teacher enrols their group; again changes nothing. Another group is 404 to them,
    // and to another member's admin.
    let enrol = |group: String, token: String, host: &'static str| {
        let module = module.clone();
        async move {
            c.post(host, &format!("/api/v1/learning/groups/{group}/enrolments"))
                .bearer(&token)
                .json(&json!({"module_id": module, "deadline": "2027-06-30"}))
                .send()
                .await
        }
    };
    let res = enrol(g1.clone(), t1_token.clone(), "zorg-a").await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        (
            res.json()["enrolled"].as_i64(),
            res.json()["already"].as_i64()
        ),
        (Some(2), Some(0))
    );
    let res = enrol(g1.clone(), t1_token.clone(), "zorg-a").await;
    assert_eq!(
        (
            res.json()["enrolled"].as_i64(),
            res.json()["already"].as_i64()
        ),
        (Some(0), Some(2))
    );
    enrol(g1.clone(), t2_token.clone(), "zorg-a")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    enrol(g1.clone(), b_admin.clone(), "zorg-b")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(app.count("content.enrolments").await, 2);

    // The teacher follows their group's progress; not the other group's.
    let res = c
        .get("zorg-a", &format!("/api/v1/learning/groups/{g1}/progress"))
        .bearer(&t1_token)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let learners = res.json()["learners"].as_array().unwrap().clone();
    assert_eq!(learners.len(), 2);
    assert!(learners
        .iter()
        .all(|l| l["enrolments"][0]["module_id"] == json!(module)
            && l["enrolments"][0]["deadline"] == "2027-06-30"));
    c.get("zorg-a", &format!("/api/v1/learning/groups/{g2}/progress"))
        .bearer(&t1_token)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Taking a learner out leaves their enrolment.
    c.request(
        http::Method::DELETE,
        "zorg-a",
        &format!("/api/v1/learning/groups/{g1}/members/{l2}"),
    )
    .bearer(&admin)
    .send()
    .await
    .assert_status(StatusCode::NO_CONTENT);
    assert_eq!(app.count("content.enrolments").await, 2);
    assert_eq!(names(admin.clone()).await.len(), 2);
}

#[tokio::test]
async fn the_passport_shows_completions_with_their_validity_and_who_must_renew() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let learner = app.user(&s.a, "paspoort@zorg-a.test", Role::Learner).await;
    let token = app.token(&s.a, "paspoort@zorg-a.test").await;
    let other_learner = app.user(&s.a, "ander@zorg-a.test", Role::Learner).await;
    let other_token = app.token(&s.a, "ander@zorg-a.test").await;
    let teacher = app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    let teacher_token = app.token(&s.a, "docent@zorg-a.test").await;
    let stranger = app.user(&s.a, "docent2@zorg-a.test", Role::Teacher).await;
    let stranger_token = app.token(&s.a, "docent2@zorg-a.test").await;
    // A module on a risky procedure: valid for 12 months. A bad validity is refused.
    let mut doc = json!({"title": "Tillift bedienen", "minutes": 10, "tags": ["Tillen", "Veiligheid"],
        "blocks": [{"type": "text", "markdown": "Zo werkt de tillift."}]});
    doc["validity_months"] = json!(0);
    let res = c
        .post("zorg-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&doc)
        .send()
        .await;
    assert_eq!(
        error(&res),
        ("invalid_validity".to_owned(), "validity_months".to_owned())
    );
    doc["validity_months"] = json!(12);
    let (module, draft) = publish(app, "zorg-a", &s.a_author, &doc).await;
    let block = draft["draft"]["blocks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The teacher's group holds the learner; the other teacher's group doesn't.
    for (name, teacher, learner) in [
        ("Tilteam", teacher, learner),
        ("Ander team", stranger, other_learner),
    ] {
        let g = c
            .post("zorg-a", "/api/v1/learning/groups")
            .bearer(&admin)
            .json(&json!({"name": name}))
            .send()
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for (user, role) in [(teacher, "teacher"), (learner, "learner")] {
            c.put(
                "zorg-a",
                &format!("/api/v1/learning/groups/{g}/members/{user}"),
            )
            .bearer(&admin)
            .json(&json!({"role": role}))
            .send()
            .await
            .assert_status(StatusCode::NO_CONTENT);
        }
    }
    let e = c
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&admin)
        .json(&json!({"user_id": learner, "module_id": module}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.post(
        "zorg-a",
        &format!("/api/v1/learning/enrolments/{e}/blocks/{block}/done"),
    )
    .bearer(&token)
    .send()
    .await
    .assert_status(StatusCode::OK);

    let passport = |token: String| async move {
        c.get("zorg-a", "/api/v1/learning/passport")
            .bearer(&token)
            .send()
            .await
            .json()["items"]
            .clone()
    };
    let entries = passport(token.clone()).await;
    assert_eq!(entries.as_array().unwrap().len(), 1);
    let today = time::OffsetDateTime::now_utc().date();
    let in_a_year = zk_learning::domain::passport::add_months(today, 12);
    assert_eq!(
        (
            entries[0]["competences"].clone(),
            entries[0]["valid_until"].as_str(),
            entries[0]["status"].as_str()
        ),
        (
            json!(["tillen", "veiligheid"]),
            Some(in_a_year.to_string().as_str()),
            Some("valid")
        )
    );
    assert!(passport(other_token.clone())
        .await
        .as_array()
        .unwrap()
        .is_empty());
    let expiring = |token: String| async move {
        c.get("zorg-a", "/api/v1/learning/expiring")
            .bearer(&token)
            .send()
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(expiring(admin.clone()).await, 0);

    // Eleven months later it expires soon: the admin and the learner's teacher see it, the
    // other teacher doesn't. Thirteen months later it has expired.
    let mut db = app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET completed_at = now() - interval '11 months'")
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(passport(token.clone()).await[0]["status"], "expiring");
    assert_eq!(expiring(admin.clone()).await, 1);
    assert_eq!(expiring(teacher_token.clone()).await, 1);
    assert_eq!(expiring(stranger_token.clone()).await, 0);
    sqlx::query("UPDATE content.enrolments SET completed_at = now() - interval '13 months'")
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(passport(token.clone()).await[0]["status"], "expired");

    // The learner's page, CSV (Dutch Excel) and PDF.
    let session = app.login("zorg-a", "paspoort@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/leren/paspoort")
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Tillift bedienen") && html.contains("data-testid=\"status-expired\""),
        "{html}"
    );
    let res = c
        .get("zorg-a", "/leren/paspoort.csv")
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let text = res.text();
    assert!(
        text.starts_with("\u{feff}Module;Competenties;Afgerond op;Versie;Score;Geldig tot;Status")
            && text.contains(";tillen, veiligheid;"),
        "{text}"
    );
    let res = c
        .get("zorg-a", "/leren/paspoort.pdf")
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert!(res.body.starts_with(b"%PDF-") && res.body.ends_with(b"%%EOF"));
    let other = app.login("zorg-a", "ander@zorg-a.test").await;
    let text = c
        .get("zorg-a", "/leren/paspoort.csv")
        .session(&other)
        .send()
        .await
        .text();
    assert_eq!(text.lines().count(), 1, "only the header: {text}");
}

#[tokio::test]
async fn reminders_go_out_once_per_event_even_from_two_processes_at_once() {
    use zk_learning::domain::reminders;
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let soon = app
        .user(&s.a, "binnenkort@zorg-a.test", Role::Learner)
        .await;
    let later = app.user(&s.a, "later@zorg-a.test", Role::Learner).await;
    let renew = app.user(&s.a, "verlengen@zorg-a.test", Role::Learner).await;
    let renew_token = app.token(&s.a, "verlengen@zorg-a.test").await;
    let doc = json!({"title": "Tillift bedienen", "minutes": 10, "validity_months": 12,
        "blocks": [{"type": "text", "markdown": "Zo werkt de tillift."}]});
    let (module, draft) = publish(app, "zorg-a", &s.a_author, &doc).await;
    let block = draft["draft"]["blocks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = time::OffsetDateTime::now_utc().date();
    let enrol = |user: uuid::Uuid, days: i64| {
        let admin = admin.clone();
        let module = module.clone();
        async move {
            c.post("zorg-a", "/api/v1/learning/enrolments")
                .bearer(&admin)
                .json(&json!({"user_id": user, "module_id": module,
                    "deadline": (today + time::Duration::days(days)).to_string()}))
                .send()
                .await
                .json()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    enrol(soon, 3).await;
    enrol(later, 30).await;
    let e = enrol(renew, 3).await;
    // `renew` completes the module; eleven months on it expires within 60 days.
    c.post(
        "zorg-a",
        &format!("/api/v1/learning/enrolments/{e}/blocks/{block}/done"),
    )
    .bearer(&renew_token)
    .send()
    .await
    .assert_status(StatusCode::OK);
    let mut db = app.db.owner().await.unwrap();
    sqlx::query(
        "UPDATE content.enrolments SET completed_at = now() - interval '11 months' WHERE id = $1",
    )
    .bind(uuid::Uuid::parse_str(&e).unwrap())
    .execute(&mut db)
    .await
    .unwrap();
    let before = app.count("tenant.outbox").await;

    // Two processes at once: each reminder is queued exactly once.
    let (a, b) = tokio::join!(
        reminders::run_once(&app.platform),
        reminders::run_once(&app.platform)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    let mails: Vec<(String, String)> = sqlx::query_as(
        "SELECT recipient, subject FROM tenant.outbox
         WHERE subject LIKE 'Herinnering%' OR subject LIKE 'Uw bewijs%' ORDER BY recipient",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(
        mails
            .iter()
            .map(|(to, subject)| (to.as_str(), subject.split(' ').next().unwrap()))
            .collect::<Vec<_>>(),
        vec![
            ("binnenkort@zorg-a.test", "Herinnering:"),
            ("verlengen@zorg-a.test", "Uw")
        ]
    );
    // Again (or after a restart): nothing new. A new deadline is a new event.
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 0);
    sqlx::query("UPDATE content.enrolments SET deadline = current_date + 2 WHERE user_id = $1")
        .bind(later)
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 1);
    assert_eq!(app.count("tenant.outbox").await, before + 3);
}

#[tokio::test]
async fn overviews_count_what_learners_did_and_nzk_sees_no_people() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    let (module, draft) = publish(app, "", &s.operator, &quiz_module()).await;
    let blocks = &draft["draft"]["blocks"];
    let quiz = blocks[1]["id"].as_str().unwrap().to_owned();
    let q = |i: usize| blocks[1]["questions"][i]["id"].as_str().unwrap().to_owned();
    let o = |i: usize, j: usize| {
        blocks[1]["questions"][i]["options"][j]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut learners = Vec::new();
    for (email, deadline) in [
        ("o1@zorg-a.test", "2027-12-31"),
        ("o2@zorg-a.test", "2027-12-31"),
        ("o3@zorg-a.test", "2027-12-31"),
    ] {
        let id = app.user(&s.a, email, Role::Learner).await;
        let token = app.token(&s.a, email).await;
        let e = c
            .post("zorg-a", "/api/v1/learning/enrolments")
            .bearer(&admin)
            .json(&json!({"user_id": id, "module_id": module, "deadline": deadline}))
            .send()
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        learners.push((token, e));
    }
    // Learner 2's deadline has passed (a deadline can't be set in the past: the clock moves).
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET deadline = '2026-01-01' WHERE id = $1::uuid")
        .bind(&learners[1].1)
        .execute(&mut owner)
        .await
        .unwrap();
    // Learner 1 completes (one wrong attempt, one right); learner 2 is past the deadline.
    let (t1, e1) = &learners[0];
    for answers in [
        json!({q(0): [o(0, 1)], q(1): [o(1, 0)]}),
        json!({q(0): [o(0, 0)], q(1): [o(1, 0)]}),
    ] {
        c.post(
            "zorg-a",
            &format!("/api/v1/learning/enrolments/{e1}/attempts"),
        )
        .bearer(t1)
        .json(&json!({"block_id": quiz, "answers": answers}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    }
    for i in [0, 2] {
        let block = blocks[i]["id"].as_str().unwrap();
        c.post(
            "zorg-a",
            &format!("/api/v1/learning/enrolments/{e1}/blocks/{block}/done"),
        )
        .bearer(t1)
        .send()
        .await
        .assert_status(StatusCode::OK);
    }
    let o_a = c
        .get("zorg-a", "/api/v1/learning/overview")
        .bearer(&admin)
        .send()
        .await
        .json();
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
    // Filtered: learner 1 is in a group and in department "Nacht", learner 2 in "Dag".
    let mut db = app.db.owner().await.unwrap();
    for (email, dept) in [("o1@zorg-a.test", "Nacht"), ("o2@zorg-a.test", "Dag")] {
        sqlx::query("UPDATE tenant.users SET department = $2 WHERE email = $1")
            .bind(email)
            .bind(dept)
            .execute(&mut db)
            .await
            .unwrap();
    }
    let group = c
        .post("zorg-a", "/api/v1/learning/groups")
        .bearer(&admin)
        .json(&json!({"name": "Nachtploeg"}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let o1 = app.user(&s.a, "o1@zorg-a.test", Role::Learner).await;
    c.put(
        "zorg-a",
        &format!("/api/v1/learning/groups/{group}/members/{o1}"),
    )
    .bearer(&admin)
    .json(&json!({"role": "learner"}))
    .send()
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let filtered = |query: String| {
        let admin = admin.clone();
        async move {
            let o = c
                .get("zorg-a", &format!("/api/v1/learning/overview{query}"))
                .bearer(&admin)
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
    let b_group = c
        .post("zorg-b", "/api/v1/learning/groups")
        .bearer(&b_admin)
        .json(&json!({"name": "B-groep"}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        filtered(format!("?group_id={b_group}")).await,
        (Some(0), Some(0), Some(0))
    );
    // Another member's admin sees only their own (nothing).
    let o_b = c
        .get("zorg-b", "/api/v1/learning/overview")
        .bearer(&b_admin)
        .send()
        .await
        .json();
    assert_eq!(o_b["enrolled"], 0);
    // The page and the CSV.
    let session = app.login("zorg-a", "beheer@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/leren/overzicht")
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("1 afgerond (33%)") && html.contains("<svg class=\"month-chart\""),
        "{html}"
    );
    assert!(html.contains("data-testid=\"pass-chart\""), "{html}");
    assert!(html.contains("Valpreventie: 100%"), "{html}");
    let night = c
        .get("zorg-a", "/leren/overzicht?afdeling=Nacht")
        .session(&session)
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
    let night_csv = c
        .get("zorg-a", "/leren/overzicht.csv?afdeling=Nacht")
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        night_csv.contains("Valpreventie;1;1;100;0;2;100"),
        "{night_csv}"
    );
    let text = c
        .get("zorg-a", "/leren/overzicht.csv")
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        text.starts_with('\u{feff}') && text.contains("Valpreventie;3;1;33;1;2;100"),
        "{text}"
    );
    // NZK's overview: per member and module, counts only.
    let res = c
        .get("", "/api/v1/learning/platform-overview")
        .bearer(&s.operator)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
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
    let page = c
        .get("", "/leren/platformoverzicht")
        .bearer(&s.operator)
        .send()
        .await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("3 inschrijvingen, 1 afgerond (33%)."),
        "{html}"
    );
    assert!(
        html.contains("<th scope=\"row\">Zorg zorg-a</th><td>3</td><td>1</td><td>33%</td>"),
        "{html}"
    );
    assert!(!html.contains("@zorg-a.test"), "no addresses on the page");
    let csv = c
        .get("", "/leren/platformoverzicht.csv")
        .bearer(&s.operator)
        .send()
        .await
        .text();
    assert!(csv.contains("Zorg zorg-a;Valpreventie;3;1;33"), "{csv}");
    c.get("zorg-a", "/leren/platformoverzicht")
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // A member's admin can't call it, not even on the base domain.
    c.get("zorg-a", "/api/v1/learning/platform-overview")
        .bearer(&admin)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn learners_enrol_themselves_only_where_the_member_opened_the_module() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    app.user(&s.a, "zelf@zorg-a.test", Role::Learner).await;
    app.user(&s.b, "zelf@zorg-b.test", Role::Learner).await;
    let (module, _) = publish(app, "", &s.operator, &quiz_module()).await;
    let session = app.login("zorg-a", "zelf@zorg-a.test").await;
    let b_session = app.login("zorg-b", "zelf@zorg-b.test").await;
    let page = format!("/leren/modules/{module}");
    let enrol = format!("/leren/modules/{module}/inschrijven");
    // Closed: no button, and posting anyway is refused with its reason; nothing written.
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(!html.contains("data-testid=\"enrol-self\""));
    let res = c
        .post("zorg-a", &enrol)
        .session(&session)
        .form(&[])
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert!(res.text().contains("Vraag het uw opleidingsafdeling"));
    assert_eq!(app.count("content.enrolments").await, 0);
    // A's admin opens it for A only.
    let open = format!("/api/v1/learning/modules/{module}/self-enrolment");
    c.put("zorg-a", &open)
        .bearer(&admin)
        .json(&json!({"open": true}))
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(html.contains("data-testid=\"enrol-self\""), "{html}");
    let html = c
        .get("zorg-b", &page)
        .session(&b_session)
        .send()
        .await
        .text();
    assert!(
        !html.contains("data-testid=\"enrol-self\""),
        "B's learners: still closed"
    );
    c.post("zorg-b", &enrol)
        .session(&b_session)
        .form(&[])
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // A's learner enrols (twice is the same enrolment) and sees the progress.
    for _ in 0..2 {
        let res = c
            .post("zorg-a", &enrol)
            .session(&session)
            .form(&[])
            .send()
            .await;
        res.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(res.location().unwrap(), page);
    }
    assert_eq!(app.count("content.enrolments").await, 1);
    let html = c.get("zorg-a", &page).session(&session).send().await.text();
    assert!(
        html.contains("0 van 3 onderdelen klaar") && !html.contains("data-testid=\"enrol-self\""),
        "{html}"
    );
    // B's admin can't open a module outside B's catalogue; closing again works for A.
    let (own_a, _) = publish(app, "zorg-a", &s.a_author, &quiz_module()).await;
    c.put(
        "zorg-b",
        &format!("/api/v1/learning/modules/{own_a}/self-enrolment"),
    )
    .bearer(&b_admin)
    .json(&json!({"open": true}))
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.put("zorg-a", &open)
        .bearer(&admin)
        .json(&json!({"open": false}))
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.user(&s.a, "laat@zorg-a.test", Role::Learner).await;
    let late = app.login("zorg-a", "laat@zorg-a.test").await;
    c.post("zorg-a", &enrol)
        .session(&late)
        .form(&[])
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_and_teachers_run_groups_from_the_pages() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.a, "docent2@zorg-a.test", Role::Teacher).await;
    app.user(&s.a, "lid@zorg-a.test", Role::Learner).await;
    let (module, _) = publish(app, "", &s.operator, &quiz_module()).await;
    let admin = app.login("zorg-a", "beheer@zorg-a.test").await;
    // A new group, from the list page.
    let res = c
        .post("zorg-a", "/leren/groepen")
        .session(&admin)
        .form(&[("name", "Nachtdienst")])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let location = res.location().unwrap();
    assert!(location.ends_with("?klaar=groep"), "{location}");
    let group = location
        .trim_start_matches("/leren/groepen/")
        .trim_end_matches("?klaar=groep")
        .to_owned();
    let html = c
        .get("zorg-a", &location)
        .session(&admin)
        .send()
        .await
        .text();
    assert!(
        html.contains("data-testid=\"flash\"") && html.contains("Nachtdienst"),
        "{html}"
    );
    // Members by address; an unknown address is named and nothing changes.
    let add = format!("/leren/groepen/{group}/leden");
    let res = c
        .post("zorg-a", &add)
        .session(&admin)
        .form(&[("email", "niemand@zorg-a.test"), ("role", "learner")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .contains("Er is geen gebruiker met dit e-mailadres"));
    assert_eq!(app.count("content.group_members").await, 0);
    for (email, role) in [
        ("LID@zorg-a.test", "learner"),
        ("docent@zorg-a.test", "teacher"),
    ] {
        c.post("zorg-a", &add)
            .session(&admin)
            .form(&[("email", email), ("role", role)])
            .send()
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    // The teacher sees the group and enrols it; the other teacher can't open it.
    let teacher = app.login("zorg-a", "docent@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/leren/groepen")
        .session(&teacher)
        .send()
        .await
        .text();
    assert!(
        html.contains("Nachtdienst") && !html.contains("data-testid=\"new-group\""),
        "{html}"
    );
    let res = c
        .post("zorg-a", &format!("/leren/groepen/{group}/inschrijven"))
        .session(&teacher)
        .form(&[("module_id", module.as_str()), ("deadline", "2027-04-01")])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let html = c
        .get("zorg-a", &res.location().unwrap())
        .session(&teacher)
        .send()
        .await
        .text();
    assert!(
        html.contains("0 van 3 onderdelen klaar") && html.contains("Valpreventie"),
        "{html}"
    );
    // The teacher's view per module: one enrolled, none completed, none late yet.
    assert!(
        html.contains("data-testid=\"group-per-module\"")
            && html.contains("Valpreventie</a></th><td>1</td><td>0 (0%)</td><td>0</td>"),
        "{html}"
    );
    assert_eq!(app.count("content.enrolments").await, 1);
    let other = app.login("zorg-a", "docent2@zorg-a.test").await;
    c.get("zorg-a", &format!("/leren/groepen/{group}"))
        .session(&other)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.post("zorg-a", &format!("/leren/groepen/{group}/inschrijven"))
        .session(&other)
        .form(&[("module_id", module.as_str()), ("deadline", "")])
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Teachers can't add members.
    c.post("zorg-a", &add)
        .session(&teacher)
        .form(&[("email", "docent2@zorg-a.test"), ("role", "learner")])
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_enrol_a_person_a_group_or_a_department_from_the_module_and_move_versions() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let n1 = app.user(&s.a, "nacht1@zorg-a.test", Role::Learner).await;
    let n2 = app.user(&s.a, "nacht2@zorg-a.test", Role::Learner).await;
    let blocked = app.user(&s.a, "nacht3@zorg-a.test", Role::Learner).await;
    let dag = app.user(&s.a, "dag@zorg-a.test", Role::Learner).await;
    let b_nacht = app.user(&s.b, "nacht@zorg-b.test", Role::Learner).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let teacher = app.token(&s.a, "docent@zorg-a.test").await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    // Departments as the staff import sets them; one of the night shift is blocked.
    let mut owner = app.db.owner().await.unwrap();
    for (user, dept) in [
        (n1, "Nacht"),
        (n2, "nacht"),
        (blocked, "Nacht"),
        (dag, "Dag"),
        (b_nacht, "Nacht"),
    ] {
        sqlx::query("UPDATE tenant.users SET department = $2 WHERE id = $1")
            .bind(user)
            .bind(dept)
            .execute(&mut owner)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE tenant.users SET status = 'disabled' WHERE id = $1")
        .bind(blocked)
        .execute(&mut owner)
        .await
        .unwrap();
    let (module, draft) = publish(app, "", &s.operator, &quiz_module()).await;
    let (own_b, _) = publish(app, "zorg-b", &s.b_author, &quiz_module()).await;

    // The departments, per member; a teacher may read them but not enrol one.
    let deps = c
        .get("zorg-a", "/api/v1/learning/departments")
        .bearer(&teacher)
        .send()
        .await
        .json();
    assert_eq!(
        deps["items"],
        json!([{"name": "Dag", "users": 1}, {"name": "Nacht", "users": 2}])
    );
    let enrol_dep = |token: String, body: Value| async move {
        c.post("zorg-a", "/api/v1/learning/departments/enrolments")
            .bearer(&token)
            .json(&body)
            .send()
            .await
    };
    enrol_dep(
        teacher.clone(),
        json!({"department": "Nacht", "module_id": module}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    for (body, code, field) in [
        (
            json!({"department": "Keuken", "module_id": module}),
            "unknown_department",
            "department",
        ),
        (
            json!({"department": "Nacht", "module_id": own_b}),
            "unknown_module",
            "module_id",
        ),
    ] {
        let res = enrol_dep(admin.clone(), body).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error(&res), (code.to_owned(), field.to_owned()));
    }
    assert_eq!(app.count("content.enrolments").await, 0);
    let res = enrol_dep(
        admin.clone(),
        json!({"department": "NACHT", "module_id": module, "deadline": "2027-02-01"}),
    )
    .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json(), json!({"enrolled": 2, "already": 0}));
    let again = enrol_dep(
        admin.clone(),
        json!({"department": "Nacht", "module_id": module}),
    )
    .await;
    assert_eq!(again.json(), json!({"enrolled": 0, "already": 2}));
    // Only A's night shift, not the blocked one, not B's.
    let enrolled: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT user_id FROM content.enrolments ORDER BY user_id")
            .fetch_all(&mut owner)
            .await
            .unwrap();
    let mut expected = vec![n1, n2];
    expected.sort();
    assert_eq!(enrolled, expected);
    assert!(c
        .get("zorg-b", "/api/v1/learning/departments")
        .bearer(&b_admin)
        .send()
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["users"] == 1));

    // The module page leads staff to the enrolment page, not learners.
    let admin_session = app.login("zorg-a", "beheer@zorg-a.test").await;
    let teacher_session = app.login("zorg-a", "docent@zorg-a.test").await;
    let learner_session = app.login("zorg-a", "leerling@zorg-a.test").await;
    let module_path = format!("/leren/modules/{module}");
    let module_page = |session: String| {
        let path = module_path.clone();
        async move { c.get("zorg-a", &path).session(&session).send().await.text() }
    };
    assert!(module_page(admin_session.clone())
        .await
        .contains("data-testid=\"enrol-staff\""));
    assert!(!module_page(learner_session.clone())
        .await
        .contains("data-testid=\"enrol-staff\""));
    let page_path = format!("/leren/modules/{module}/inschrijvingen");
    c.get("zorg-a", &page_path)
        .session(&learner_session)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let html = c
        .get("zorg-a", &page_path)
        .session(&admin_session)
        .send()
        .await
        .text();
    assert!(html.contains("2 ingeschreven, 0 afgerond."), "{html}");
    assert!(html.contains("data-testid=\"enrol-department\""));

    // One person by address: an unknown address is named on its form and nothing changes.
    let post = |session: String, fields: Vec<(&'static str, String)>| {
        let page_path = page_path.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.post("zorg-a", &page_path)
                .session(&session)
                .form(&fields)
                .send()
                .await
        }
    };
    let res = post(
        teacher_session.clone(),
        vec![
            ("wie", "persoon".into()),
            ("email", "niemand@zorg-a.test".into()),
        ],
    )
    .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .contains("Er is geen gebruiker met dit e-mailadres"));
    let res = post(
        teacher_session.clone(),
        vec![
            ("wie", "persoon".into()),
            ("email", "Dag@zorg-a.test".into()),
            ("deadline", "2027-03-01".into()),
        ],
    )
    .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(res.location().unwrap().ends_with("?klaar=persoon"));
    let deadline: Option<time::Date> =
        sqlx::query_scalar("SELECT deadline FROM content.enrolments WHERE user_id = $1")
            .bind(dag)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(deadline.unwrap().to_string(), "2027-03-01");
    // A teacher can't enrol a department through the page either.
    post(
        teacher_session.clone(),
        vec![("wie", "afdeling".into()), ("department", "Dag".into())],
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    let res = post(
        admin_session.clone(),
        vec![("wie", "afdeling".into()), ("department", "Nacht".into())],
    )
    .await;
    assert!(res
        .location()
        .unwrap()
        .ends_with("klaar=afdeling&aantal=0&al=2"));
    let html = c
        .get("zorg-a", &res.location().unwrap())
        .session(&admin_session)
        .send()
        .await
        .text();
    assert!(
        html.contains("0 ingeschreven; 2 stonden al ingeschreven."),
        "{html}"
    );

    // A new NZK version: the admin sees who follows the old one and moves them after confirming.
    let mut doc = draft["draft"].clone();
    doc["blocks"][0]["markdown"] = json!("Goed licht voorkomt vallen, ook 's nachts.");
    c.put("", &format!("/api/v1/content/modules/{module}"))
        .bearer(&s.operator)
        .json(&doc)
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.post("", &format!("/api/v1/content/modules/{module}/publish"))
        .bearer(&s.operator)
        .json(&json!({"change_note": "Nacht"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let html = c
        .get("zorg-a", &page_path)
        .session(&admin_session)
        .send()
        .await
        .text();
    assert!(html.contains("data-testid=\"move\""), "{html}");
    assert!(!c
        .get("zorg-a", &page_path)
        .session(&teacher_session)
        .send()
        .await
        .text()
        .contains("data-testid=\"move\""));
    c.post("zorg-a", &format!("{page_path}/verplaatsen"))
        .session(&teacher_session)
        .form(&[])
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = c
        .post("zorg-a", &format!("{page_path}/verplaatsen"))
        .session(&admin_session)
        .form(&[])
        .send()
        .await;
    assert!(res
        .location()
        .unwrap()
        .ends_with("klaar=verplaatst&aantal=3"));
    let versions: Vec<i32> = sqlx::query_scalar("SELECT DISTINCT version FROM content.enrolments")
        .fetch_all(&mut owner)
        .await
        .unwrap();
    assert_eq!(versions, vec![2]);
}

#[tokio::test]
async fn block_done_requests_at_once_are_written_together_each_under_its_own_member() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let la = app.user(&s.a, "snel@zorg-a.test", Role::Learner).await;
    let lb = app.user(&s.b, "snel@zorg-b.test", Role::Learner).await;
    let (ta, tb) = (
        app.token(&s.a, "snel@zorg-a.test").await,
        app.token(&s.b, "snel@zorg-b.test").await,
    );
    let blocks: Vec<Value> = (0..30)
        .map(|i| json!({"type": "text", "markdown": format!("Stap {i}")}))
        .collect();
    let (module, draft) = publish(
        app,
        "",
        &s.operator,
        &json!({"title": "Dertig stappen", "minutes": 30, "blocks": blocks}),
    )
    .await;
    let block = |i: usize| {
        draft["draft"]["blocks"][i]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let enrol = |host: &'static str, admin: String, user: uuid::Uuid| {
        let module = module.clone();
        async move {
            let res = c
                .post(host, "/api/v1/learning/enrolments")
                .bearer(&admin)
                .json(&json!({"user_id": user, "module_id": module}))
                .send()
                .await;
            res.assert_status(StatusCode::CREATED);
            res.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let ea = enrol("zorg-a", app.token(&s.a, "beheer@zorg-a.test").await, la).await;
    let eb = enrol("zorg-b", app.token(&s.b, "beheer@zorg-b.test").await, lb).await;

    // 30 blocks for each learner, and 10 tries of A's learner at B's enrolment, all at once.
    let mut requests = Vec::new();
    for i in 0..30 {
        requests.push(("zorg-a", ta.clone(), ea.clone(), block(i)));
        requests.push(("zorg-b", tb.clone(), eb.clone(), block(i)));
    }
    for i in 0..10 {
        requests.push(("zorg-a", ta.clone(), eb.clone(), block(i)));
    }
    let responses = crate::support::at_once(requests.len(), |i| {
        let (host, token, enrolment, block) = &requests[i];
        c.post(
            host,
            &format!("/api/v1/learning/enrolments/{enrolment}/blocks/{block}/done"),
        )
        .bearer(token)
    })
    .await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [vec![200; 60], vec![404; 10]].concat());
    // Every write is there, each in its own member; both learners completed, with a proof each.
    let mut owner = app.db.owner().await.unwrap();
    let per_member: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
        "SELECT tenant_id, count(*) FROM content.block_progress GROUP BY tenant_id ORDER BY tenant_id",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    let mut expected = vec![(s.a.id.0, 30), (s.b.id.0, 30)];
    expected.sort();
    assert_eq!(per_member, expected);
    assert_eq!(app.count("content.proofs").await, 2);
    for (host, token) in [("zorg-a", &ta), ("zorg-b", &tb)] {
        let mine = c
            .get(host, "/api/v1/learning/enrolments/mine")
            .bearer(token)
            .send()
            .await
            .json();
        assert_eq!(mine["items"][0]["done"], 30, "{mine}");
        assert!(mine["items"][0]["completed_at"].is_string(), "{mine}");
    }
}

#[tokio::test]
async fn a_shuffled_quiz_shows_another_order_each_attempt_and_scores_by_id() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let learner = app.user(&s.a, "schud@zorg-a.test", Role::Learner).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let token = app.token(&s.a, "schud@zorg-a.test").await;
    let questions: Vec<Value> = (1..=5)
        .map(|i| {
            json!({"prompt": format!("Vraag {i}"), "options": [
                {"text": format!("Goed {i}"), "correct": true},
                {"text": format!("Fout {i}a")}, {"text": format!("Fout {i}b")}, {"text": format!("Fout {i}c")}]})
        })
        .collect();
    let (module, draft) = publish(
        app,
        "",
        &s.operator,
        &json!({"title": "Door elkaar", "minutes": 5, "shuffle": true,
                "blocks": [{"type": "quiz", "pass_mark": 100, "questions": questions}]}),
    )
    .await;
    let quiz = draft["draft"]["blocks"][0].clone();
    let enrolment = c
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&admin)
        .json(&json!({"user_id": learner, "module_id": module}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = app.login("zorg-a", "schud@zorg-a.test").await;
    let written: Vec<String> = quiz["questions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|q| q["options"].as_array().unwrap().iter())
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    // The order of the option ids on the learner's page.
    let order = || async {
        let html = c
            .get("zorg-a", &format!("/leren/modules/{module}"))
            .session(&session)
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
    let answers = |right: bool| {
        let mut a = serde_json::Map::new();
        for q in quiz["questions"].as_array().unwrap() {
            let pick = if right { 0 } else { 1 };
            a.insert(
                q["id"].as_str().unwrap().to_owned(),
                json!([q["options"][pick]["id"]]),
            );
        }
        json!({"block_id": quiz["id"], "answers": a})
    };
    let res = c
        .post(
            "zorg-a",
            &format!("/api/v1/learning/enrolments/{enrolment}/attempts"),
        )
        .bearer(&token)
        .json(&answers(false))
        .send()
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
    let res = c
        .post(
            "zorg-a",
            &format!("/api/v1/learning/enrolments/{enrolment}/attempts"),
        )
        .bearer(&token)
        .json(&answers(true))
        .send()
        .await;
    assert_eq!(res.json()["passed"], true);
}

#[tokio::test]
async fn admins_find_and_revoke_their_members_proofs_on_a_page() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let (module, draft) = publish(
        app,
        "",
        &s.operator,
        &json!({"title": "Tilliften", "minutes": 5, "blocks": [{"type": "text", "markdown": "Til nooit alleen."}]}),
    )
    .await;
    let block = draft["draft"]["blocks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Three learners complete the module: two of A, one of B.
    let mut codes = Vec::new();
    for (host, member, admin_email, email) in [
        ("zorg-a", &s.a, "beheer@zorg-a.test", "anna@zorg-a.test"),
        ("zorg-a", &s.a, "beheer@zorg-a.test", "bram@zorg-a.test"),
        ("zorg-b", &s.b, "beheer@zorg-b.test", "cees@zorg-b.test"),
    ] {
        let user = app.user(member, email, Role::Learner).await;
        let admin = app.token(member, admin_email).await;
        let token = app.token(member, email).await;
        let e = c
            .post(host, "/api/v1/learning/enrolments")
            .bearer(&admin)
            .json(&json!({"user_id": user, "module_id": module}))
            .send()
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        c.post(
            host,
            &format!("/api/v1/learning/enrolments/{e}/blocks/{block}/done"),
        )
        .bearer(&token)
        .send()
        .await
        .assert_status(StatusCode::OK);
        let mine = c
            .get(host, "/api/v1/learning/proofs/mine")
            .bearer(&token)
            .send()
            .await
            .json();
        codes.push((
            mine["items"][0]["id"].as_str().unwrap().to_owned(),
            mine["items"][0]["code"].as_str().unwrap().to_owned(),
        ));
    }
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let list = c
        .get("zorg-a", "/api/v1/learning/proofs")
        .bearer(&admin)
        .send()
        .await
        .json();
    assert_eq!(list["total"], 2, "{list}");
    let found = c
        .get("zorg-a", "/api/v1/learning/proofs?q=BRAM")
        .bearer(&admin)
        .send()
        .await
        .json();
    assert_eq!(found["total"], 1);
    // Found by the e-mail address; the proof itself names nobody (no name was given).
    assert_eq!(found["items"][0]["learner_name"], serde_json::Value::Null);
    let by_code = c
        .get(
            "zorg-a",
            &format!("/api/v1/learning/proofs?q={}", codes[0].1),
        )
        .bearer(&admin)
        .send()
        .await
        .json();
    assert_eq!(by_code["items"][0]["id"], codes[0].0.as_str());
    // B's proof is not in A's list, whatever the search.
    let b_code = &codes[2].1;
    assert_eq!(
        c.get("zorg-a", &format!("/api/v1/learning/proofs?q={b_code}"))
            .bearer(&admin)
            .send()
            .await
            .json()["total"],
        0
    );

    // The page: admins only.
    for (email, status) in [("docent@zorg-a.test", 403), ("anna@zorg-a.test", 403)] {
        let session = app.login("zorg-a", email).await;
        assert_eq!(
            c.get("zorg-a", "/leren/bewijzen")
                .session(&session)
                .send()
                .await
                .status
                .as_u16(),
            status
        );
    }
    let session = app.login("zorg-a", "beheer@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/leren/bewijzen")
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains("2 bewijzen gevonden."), "{html}");
    assert!(html.contains("anna@zorg-a.test — Tilliften"), "{html}");
    // Without a reason: refused at that proof, nothing changes.
    let (anna_proof, anna_code) = &codes[0];
    let res = c
        .post("zorg-a", &format!("/leren/bewijzen/{anna_proof}/intrekken"))
        .session(&session)
        .form(&[("reason", " ")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("data-testid=\"form-error\""));
    c.get("zorg-a", &format!("/bewijs/{anna_code}"))
        .send()
        .await
        .assert_status(StatusCode::OK);
    // B's proof through A's page: 404, and it still verifies on B's host.
    c.post(
        "zorg-a",
        &format!("/leren/bewijzen/{}/intrekken", codes[2].0),
    )
    .session(&session)
    .form(&[("reason", "Fout")])
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.get("zorg-b", &format!("/bewijs/{b_code}"))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let res = c
        .post("zorg-a", &format!("/leren/bewijzen/{anna_proof}/intrekken"))
        .session(&session)
        .form(&[("reason", "Module niet zelf gedaan")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/bewijzen?klaar=ingetrokken");
    c.get("zorg-a", &format!("/bewijs/{anna_code}"))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let html = c
        .get("zorg-a", "/leren/bewijzen?klaar=ingetrokken")
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Ingetrokken</strong>: Module niet zelf gedaan"),
        "{html}"
    );
}

#[tokio::test]
async fn an_expiring_passport_entry_re_enrols_the_learner_and_a_new_completion_adds_a_proof() {
    use zk_learning::domain::reminders;
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let learner = app.user(&s.a, "tillen@zorg-a.test", Role::Learner).await;
    let token = app.token(&s.a, "tillen@zorg-a.test").await;
    let doc = json!({"title": "Tillift bedienen", "minutes": 10, "validity_months": 12,
        "blocks": [{"type": "text", "markdown": "Zo werkt de tillift."},
                   {"type": "text", "markdown": "Controleer de band."}]});
    let (module, draft) = publish(app, "zorg-a", &s.a_author, &doc).await;
    let block = |i: usize| {
        draft["draft"]["blocks"][i]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let e = c
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&admin)
        .json(&json!({"user_id": learner, "module_id": module}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = |b: String| {
        let (token, e) = (token.clone(), e.clone());
        async move {
            let res = c
                .post(
                    "zorg-a",
                    &format!("/api/v1/learning/enrolments/{e}/blocks/{b}/done"),
                )
                .bearer(&token)
                .send()
                .await;
            res.assert_status(StatusCode::OK);
            res.json()
        }
    };
    done(block(0)).await;
    done(block(1)).await;
    // Eleven months later the entry expires within 60 days.
    let mut db = app.db.owner().await.unwrap();
    let completed: time::OffsetDateTime = sqlx::query_scalar(
        "UPDATE content.enrolments SET completed_at = now() - interval '11 months' WHERE id = $1 RETURNING completed_at",
    )
    .bind(uuid::Uuid::parse_str(&e).unwrap())
    .fetch_one(&mut db)
    .await
    .unwrap();
    let valid_until = zk_learning::domain::passport::add_months(completed.date(), 12);
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 1);
    let body: String = sqlx::query_scalar(
        "SELECT body FROM tenant.outbox WHERE recipient = 'tillen@zorg-a.test' AND subject LIKE 'Uw bewijs%'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert!(body.contains("opnieuw ingeschreven"), "{body}");

    // Re-enrolled: open again, due when the old completion ends, nothing done.
    let mine = c
        .get("zorg-a", "/api/v1/learning/enrolments/mine")
        .bearer(&token)
        .send()
        .await
        .json();
    let item = &mine["items"][0];
    assert_eq!(item["done"], 0, "{mine}");
    assert!(item["completed_at"].is_null(), "{mine}");
    assert_eq!(item["deadline"], valid_until.to_string());
    // The passport still shows the old completion, expiring; the reminder isn't sent again.
    let passport = c
        .get("zorg-a", "/api/v1/learning/passport")
        .bearer(&token)
        .send()
        .await
        .json();
    assert_eq!(passport["items"].as_array().unwrap().len(), 1, "{passport}");
    assert_eq!(passport["items"][0]["status"], "expiring");
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 0);

    // Done again: completed, a second proof (the first still verifies), the passport valid.
    done(block(0)).await;
    let again = done(block(1)).await;
    assert!(again["completed_at"].is_string(), "{again}");
    let proofs = c
        .get("zorg-a", "/api/v1/learning/proofs/mine")
        .bearer(&token)
        .send()
        .await
        .json();
    let codes: Vec<&str> = proofs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2, "{proofs}");
    for code in codes {
        c.get("zorg-a", &format!("/bewijs/{code}"))
            .send()
            .await
            .assert_status(StatusCode::OK);
    }
    let passport = c
        .get("zorg-a", "/api/v1/learning/passport")
        .bearer(&token)
        .send()
        .await
        .json();
    assert_eq!(passport["items"].as_array().unwrap().len(), 1, "{passport}");
    assert_eq!(passport["items"][0]["status"], "valid");
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 0);
}

#[tokio::test]
async fn a_learning_path_enrols_in_its_modules_and_completes_with_its_required_ones() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let teacher = app.token(&s.a, "docent@zorg-a.test").await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    let learner = app.user(&s.a, "traject@zorg-a.test", Role::Learner).await;
    let token = app.token(&s.a, "traject@zorg-a.test").await;
    let b_learner = app.user(&s.b, "traject@zorg-b.test", Role::Learner).await;
    let one = |title: &str| json!({"title": title, "minutes": 5, "blocks": [{"type": "text", "markdown": "Lees."}]});
    let (m1, d1) = publish(app, "", &s.operator, &one("Stap een")).await;
    let (m2, _) = publish(app, "", &s.operator, &one("Stap twee")).await;
    let (m3, d3) = publish(app, "", &s.operator, &one("Verdieping")).await;
    // A shared path of three modules, the last one optional.
    let res = c
        .post("", "/api/v1/content/paths")
        .bearer(&s.operator)
        .json(&json!({"title": "Inwerken", "summary": "De eerste week.", "modules": [m1, m2, m3], "optional": [m3]}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let path = res.json()["id"].as_str().unwrap().to_owned();
    c.post("", &format!("/api/v1/content/paths/{path}/publish"))
        .bearer(&s.operator)
        .json(&json!({"change_note": "Eerste versie"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let enrol = |token: String, host: &'static str, body: Value| async move {
        c.post(host, "/api/v1/learning/path-enrolments")
            .bearer(&token)
            .json(&body)
            .send()
            .await
    };
    // Bad input by field; nothing written.
    for (body, code) in [
        (json!({"path_id": path}), "choose_one"),
        (
            json!({"path_id": path, "user_id": learner, "department": "Nacht"}),
            "choose_one",
        ),
        (
            json!({"path_id": path, "user_id": b_learner}),
            "unknown_user",
        ),
        (
            json!({"path_id": uuid::Uuid::new_v4(), "user_id": learner}),
            "unknown_path",
        ),
    ] {
        let res = enrol(admin.clone(), "zorg-a", body.clone()).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error(&res).0, code, "{body}");
    }
    assert_eq!(app.count("content.enrolments").await, 0);
    // A teacher may enrol one learner, not a department.
    enrol(
        teacher.clone(),
        "zorg-a",
        json!({"path_id": path, "department": "Nacht"}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    let res = enrol(
        teacher.clone(),
        "zorg-a",
        json!({"path_id": path, "user_id": learner, "deadline": "2027-04-01"}),
    )
    .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json(), json!({"enrolled": 1, "already": 0}));
    assert_eq!(
        enrol(
            admin.clone(),
            "zorg-a",
            json!({"path_id": path, "user_id": learner})
        )
        .await
        .json(),
        json!({"enrolled": 0, "already": 1})
    );
    // Every module of the path, with the path's deadline.
    let mine = c
        .get("zorg-a", "/api/v1/learning/enrolments/mine")
        .bearer(&token)
        .send()
        .await
        .json();
    let mut modules: Vec<(&str, &str)> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["module_id"].as_str().unwrap(),
                e["deadline"].as_str().unwrap(),
            )
        })
        .collect();
    modules.sort();
    let mut expected = vec![
        (m1.as_str(), "2027-04-01"),
        (m2.as_str(), "2027-04-01"),
        (m3.as_str(), "2027-04-01"),
    ];
    expected.sort();
    assert_eq!(modules, expected);
    // Member B can't enrol A's learner in the (shared) path.
    let res = enrol(
        b_admin.clone(),
        "zorg-b",
        json!({"path_id": path, "user_id": learner}),
    )
    .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(&res).0, "unknown_user");

    // Progress: the two required modules complete the path; the optional one doesn't count.
    let paths = || async {
        c.get("zorg-a", "/api/v1/learning/path-enrolments/mine")
            .bearer(&token)
            .send()
            .await
            .json()["items"][0]
            .clone()
    };
    let p0 = paths().await;
    assert_eq!(
        (p0["required"].as_i64(), p0["done"].as_i64()),
        (Some(2), Some(0))
    );
    assert!(p0["completed_at"].is_null());
    let finish = |module: String, doc: Value| {
        let token = token.clone();
        let mine = mine.clone();
        async move {
            let e = mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["module_id"] == module.as_str())
                .unwrap()["enrolment_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let block = doc["draft"]["blocks"][0]["id"].as_str().unwrap().to_owned();
            c.post(
                "zorg-a",
                &format!("/api/v1/learning/enrolments/{e}/blocks/{block}/done"),
            )
            .bearer(&token)
            .send()
            .await
            .assert_status(StatusCode::OK);
        }
    };
    finish(m1.clone(), d1).await;
    finish(m3.clone(), d3).await;
    let p1 = paths().await;
    assert_eq!(p1["done"], 1, "{p1}");
    assert!(
        p1["completed_at"].is_null(),
        "the optional module doesn't complete it"
    );
    let d2 = c
        .get("", &format!("/api/v1/content/modules/{m2}"))
        .bearer(&s.operator)
        .send()
        .await
        .json();
    finish(m2.clone(), d2).await;
    let p2 = paths().await;
    assert_eq!(p2["done"], 2, "{p2}");
    assert!(p2["completed_at"].is_string(), "{p2}");
    // The path page shows it to the learner; staff find the enrolment page there.
    let session = app.login("zorg-a", "traject@zorg-a.test").await;
    let html = c
        .get("zorg-a", &format!("/leren/trajecten/{path}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains("data-testid=\"path-completed\""), "{html}");
    assert!(
        html.contains("2 van 2 verplichte modules afgerond"),
        "{html}"
    );
    assert!(!html.contains("data-testid=\"enrol-staff\""));
    // The learner's home lists the path with its state.
    let home = c.get("zorg-a", "/").session(&session).send().await.text();
    assert!(home.contains("data-testid=\"path-list\""), "{home}");
    assert!(
        home.contains(&format!("href=\"/leren/trajecten/{path}\">Inwerken</a>")),
        "{home}"
    );
    assert!(
        home.contains("Afgerond ✓ · uiterlijk 1 april 2027"),
        "{home}"
    );
    let admin_session = app.login("zorg-a", "beheer@zorg-a.test").await;
    let page = format!("/leren/trajecten/{path}/inschrijvingen");
    let html = c
        .get("zorg-a", &page)
        .session(&admin_session)
        .send()
        .await
        .text();
    assert!(html.contains("Inschrijven voor Inwerken"), "{html}");
    // A second learner through the page, by address.
    app.user(&s.a, "nieuw@zorg-a.test", Role::Learner).await;
    let res = c
        .post("zorg-a", &page)
        .session(&admin_session)
        .form(&[("wie", "persoon"), ("email", "nieuw@zorg-a.test")])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(
        res.location().unwrap().contains("klaar=persoon"),
        "{:?}",
        res.location()
    );
    assert_eq!(app.count("content.path_enrolments").await, 2);
    assert_eq!(app.count("content.enrolments").await, 6);
}
