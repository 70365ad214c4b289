//! Long quizzes page by page: two questions per page, every page's answers saved on the server
//! (through the batching writer) and ticked again when the learner comes back, a refused answer
//! keeps nothing, handing in scores everything saved as one attempt and clears it, and nobody
//! else's enrolment can be read or written.

use crate::support::*;

/// A module whose quiz has `n` single-choice questions (the first option right; pass mark 50).
fn long_quiz(title: &str, n: usize) -> Value {
    let questions: Vec<Value> = (1..=n)
        .map(|i| {
            json!({"prompt": format!("Vraag {i}: wat doet u?"), "options": [
                {"text": "Het goede", "correct": true}, {"text": "Het verkeerde"}]})
        })
        .collect();
    json!({"title": title, "minutes": 30, "blocks": [
        {"type": "text", "markdown": "Lees dit eerst."},
        {"type": "quiz", "pass_mark": 50, "questions": questions}]})
}

async fn saved_rows(app: &TestApp) -> Vec<(String, Value)> {
    let mut db = app.db.owner().await.unwrap();
    sqlx::query_as::<_, (uuid::Uuid, Value)>(
        "SELECT question_id, options FROM content.quiz_answers ORDER BY question_id",
    )
    .fetch_all(&mut db)
    .await
    .unwrap()
    .into_iter()
    .map(|(q, o)| (q.to_string(), o))
    .collect()
}

#[tokio::test]
async fn a_long_quiz_goes_page_by_page_with_every_page_saved_and_handed_in_as_one_attempt() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let module = s
        .a_author
        .publish_module(long_quiz("Examen medicatie", 16))
        .await;
    let enrolment = admin.enrol(&s.a_learner, &module.id).await;
    let quiz = module.block(1);
    let session = s.a_learner.login().await;
    let (q, right, wrong) = (
        |i: usize| module.question(1, i),
        |i: usize| module.option(1, i, 0),
        |i: usize| module.option(1, i, 1),
    );
    let url = |n: usize| {
        format!(
            "/leren/inschrijvingen/{}/toetsen/{quiz}/pagina/{n}",
            enrolment.id
        )
    };

    // The module page sends the learner to the pages instead of one long form.
    let html = session.page(&format!("/leren/modules/{}", module.id)).await;
    assert!(html.contains("16 vragen op 8 pagina&#x27;s"), "{html}");
    assert!(html.contains(&format!("href=\"{}\"", url(1))), "{html}");
    assert!(!html.contains("data-testid=\"quiz-form\""), "{html}");

    // Page 1: questions 1 and 2, nothing answered yet.
    let html = session.page(&url(1)).await;
    assert!(html.contains("Toets, pagina 1 van 8"), "{html}");
    assert!(html.contains("0 van 16 vragen beantwoord"), "{html}");
    assert!(
        html.contains(&format!("name=\"q_{}\"", q(0)))
            && html.contains(&format!("name=\"q_{}\"", q(1)))
    );
    assert!(
        !html.contains(&format!("name=\"q_{}\"", q(2))),
        "two per page"
    );
    assert!(!html.contains("quiz-previous") && !html.contains("quiz-hand-in"));

    // Saved, and on to page 2; the answers are ticked when the learner comes back.
    let save = |n: usize, fields: Vec<(String, String)>, action: &'static str| {
        let mut fields = fields;
        fields.push(("actie".into(), action.into()));
        let session = session.clone();
        let to = url(n);
        async move {
            let borrowed: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            session.post(&to).form(&borrowed).send().await
        }
    };
    let page_fields = |n: usize, pick: &dyn Fn(usize) -> String| -> Vec<(String, String)> {
        let (a, b) = (2 * (n - 1), 2 * (n - 1) + 1);
        vec![
            ("shown".into(), q(a)),
            ("shown".into(), q(b)),
            (format!("q_{}", q(a)), pick(a)),
            (format!("q_{}", q(b)), pick(b)),
        ]
    };
    let res = save(1, page_fields(1, &wrong), "volgende").await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(res.location().unwrap(), url(2));
    assert_eq!(saved_rows(app).await.len(), 2);
    let html = session.page(&url(1)).await;
    assert!(
        html.contains(&format!("value=\"{}\" checked", wrong(0))),
        "{html}"
    );
    assert!(html.contains("2 van 16 vragen beantwoord"), "{html}");

    // Saving the page again replaces its answers; a question left open is saved open.
    let fields = vec![
        ("shown".to_owned(), q(0)),
        ("shown".to_owned(), q(1)),
        (format!("q_{}", q(0)), right(0)),
    ];
    save(1, fields, "volgende")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let rows = saved_rows(app).await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows.contains(&(q(0), json!([right(0)]))) && rows.contains(&(q(1), json!([]))),
        "{rows:?}"
    );
    assert!(session
        .page(&url(1))
        .await
        .contains("1 van 16 vragen beantwoord"));

    // An option of another question is refused by field; nothing of that page is kept.
    let bad = vec![
        ("shown".to_owned(), q(2)),
        (format!("q_{}", q(2)), right(0)),
        (format!("q_{}", q(3)), right(3)),
    ];
    let res = save(2, bad, "volgende").await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().contains("data-testid=\"quiz-error\""),
        "{}",
        res.text()
    );
    assert_eq!(saved_rows(app).await.len(), 2);

    // Back from page 3 goes to page 2; pages outside the quiz don't exist.
    let res = save(3, page_fields(3, &right), "vorige").await;
    assert_eq!(res.location().unwrap(), url(2));
    for n in [0, 9] {
        session.get(&url(n)).expect(StatusCode::NOT_FOUND).await;
    }

    // Nobody else reads or writes this learner's quiz: another learner of the member, and a
    // learner of another member on their own portal.
    let other =
        s.a.user("ander@zorg-a.test", Role::Learner)
            .await
            .login()
            .await;
    other.get(&url(1)).expect(StatusCode::NOT_FOUND).await;
    let (q2, w2, field) = (q(2), wrong(2), format!("q_{}", q(2)));
    other
        .post(&url(2))
        .form(&[("shown", q2.as_str()), (field.as_str(), w2.as_str())])
        .expect(StatusCode::NOT_FOUND)
        .await;
    let b_learner = s.b.learner().await.login().await;
    b_learner.get(&url(1)).expect(StatusCode::NOT_FOUND).await;
    let before = saved_rows(app).await;
    assert_eq!(before.len(), 4, "{before:?}");
    assert!(!before
        .iter()
        .any(|(qid, o)| *qid == q(2) && *o == json!([wrong(2)])));

    // The rest of the pages, then hand in on the last: the learner sees the number left open.
    for n in 2..8 {
        save(n, page_fields(n, &right), "volgende")
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    let html = session.page(&url(8)).await;
    assert!(
        html.contains("quiz-hand-in") && html.contains("quiz-previous"),
        "{html}"
    );
    assert!(html.contains("3 vragen zijn nog niet beantwoord"), "{html}");
    // The form carries the attempts so far, so a second tap on "Inleveren" (the same form)
    // shows the first attempt instead of making another of what is left.
    let seen = html
        .split("name=\"pogingen\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the attempts so far in the form")
        .to_owned();
    assert_eq!(seen, "0");
    let mut hand_in = page_fields(8, &right);
    hand_in.push(("pogingen".into(), seen));
    let res = save(8, hand_in.clone(), "inleveren").await;
    res.assert_status(StatusCode::SEE_OTHER);
    let location = res.location().unwrap();
    let again = save(8, hand_in, "inleveren").await;
    assert_eq!(again.location().unwrap(), location, "the same attempt");
    assert!(
        location.starts_with(&format!(
            "/leren/modules/{}?toets={quiz}&poging=1",
            module.id
        )),
        "{location}"
    );
    // Question 2 was left open: 15 of 16 right, passed; the saved answers became the attempt.
    let html = session.page(&location).await;
    assert!(html.contains("15 van 16 vragen goed"), "{html}");
    assert!(saved_rows(app).await.is_empty());
    let mut db = app.db.owner().await.unwrap();
    assert_eq!(app.count("content.quiz_attempts").await, 1, "one attempt");
    let (answers, correct, passed): (Value, i32, bool) =
        sqlx::query_as("SELECT answers, correct, passed FROM content.quiz_attempts")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(
        (answers.as_object().unwrap().len(), correct, passed),
        (15, 15, true)
    );
    // Passed: the pages say so and offer no form, as the module page does.
    let html = session.page(&url(1)).await;
    assert!(html.contains("data-testid=\"block-done\""), "{html}");
    assert!(!html.contains("quiz-page-form"), "{html}");
}

#[tokio::test]
async fn pages_saved_by_many_learners_at_once_are_each_kept() {
    let s = two_members().await;
    let app = &s.app;
    let (a_admin, b_admin) = (s.a.admin().await, s.b.admin().await);
    let a_module = s.a_author.publish_module(long_quiz("Examen A", 6)).await;
    let b_module = s.b_author.publish_module(long_quiz("Examen B", 6)).await;
    let mut learners = Vec::new();
    for i in 0..12 {
        let (member, admin, module) = if i % 2 == 0 {
            (&s.a, &a_admin, &a_module)
        } else {
            (&s.b, &b_admin, &b_module)
        };
        let user = member
            .user(&format!("l{i}@{}.test", member.slug), Role::Learner)
            .await;
        let enrolment = admin.enrol(&user, &module.id).await;
        learners.push((user.login().await, enrolment, module.clone()));
    }
    // Every learner saves three pages at the same moment, the first one twice (a double tap:
    // often both in one batch, where one upsert can't write a row twice); each is answered and
    // kept once.
    let saves = learners.iter().flat_map(|(session, enrolment, module)| {
        [1, 1, 2, 3].into_iter().map(move |n| {
            let quiz = module.block(1);
            let (a, b) = (module.question(1, 2 * n - 2), module.question(1, 2 * n - 1));
            let fields = [
                (format!("q_{a}"), module.option(1, 2 * n - 2, 0)),
                (format!("q_{b}"), module.option(1, 2 * n - 1, 1)),
            ];
            let to = format!(
                "/leren/inschrijvingen/{}/toetsen/{quiz}/pagina/{n}",
                enrolment.id
            );
            let session = session.clone();
            async move {
                let borrowed: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                session.post(&to).form(&borrowed).send().await.status
            }
        })
    });
    let statuses = futures_util::future::join_all(saves).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::SEE_OTHER),
        "{statuses:?}"
    );
    // Each learner's six answers, in their own member, with the options they chose.
    let mut db = app.db.owner().await.unwrap();
    let per: Vec<(uuid::Uuid, i64, i64)> = sqlx::query_as(
        "SELECT a.tenant_id, count(*), count(DISTINCT a.enrolment_id) FROM content.quiz_answers a
         JOIN content.enrolments e ON e.tenant_id = a.tenant_id AND e.id = a.enrolment_id
         GROUP BY a.tenant_id ORDER BY 1",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(
        per.iter().map(|r| (r.1, r.2)).collect::<Vec<_>>(),
        vec![(36, 6), (36, 6)]
    );
    for (session, enrolment, module) in &learners {
        let html = session
            .page(&format!(
                "/leren/inschrijvingen/{}/toetsen/{}/pagina/3",
                enrolment.id,
                module.block(1)
            ))
            .await;
        assert!(html.contains("6 van 6 vragen beantwoord"), "{html}");
        assert!(html.contains(&format!("value=\"{}\" checked", module.option(1, 5, 1))));
    }
}

#[tokio::test]
async fn the_api_saves_and_reads_a_quizs_answers_and_an_attempt_clears_them() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let module = s.a_author.publish_module(long_quiz("Examen API", 8)).await;
    let enrolment = admin.enrol(&s.a_learner, &module.id).await;
    let quiz = module.block(1);
    let url = format!(
        "/api/v1/learning/enrolments/{}/quizzes/{quiz}/answers",
        enrolment.id
    );
    let (q0, q1) = (module.question(1, 0), module.question(1, 1));
    let res = s
        .a_learner
        .put(&url)
        .json(&json!({"answers": {q0.clone(): [module.option(1, 0, 0)], q1.clone(): []}}))
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(
        (&res["answered"], &res["questions"], &res["pages"]),
        (&json!(1), &json!(8), &json!(4))
    );
    assert_eq!(res["answers"][&q1], json!([]));
    let read = s.a_learner.get(&url).expect(StatusCode::OK).await.json();
    assert_eq!(read, res);
    // The page shows what the API saved.
    let page = s
        .a_learner
        .login()
        .await
        .page(&format!(
            "/leren/inschrijvingen/{}/toetsen/{quiz}/pagina/1",
            enrolment.id
        ))
        .await;
    assert!(page.contains(&format!("value=\"{}\" checked", module.option(1, 0, 0))));

    // An option of another question: refused by field, nothing kept.
    let res = s
        .a_learner
        .put(&url)
        .json(&json!({"answers": {q1.clone(): [module.option(1, 0, 0)]}}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(
        (res.error_code(), res.error_field()),
        ("unknown_option".to_owned(), format!("answers.{q1}"))
    );
    assert_eq!(
        s.a_learner.get(&url).expect(StatusCode::OK).await.json(),
        read
    );
    // Nobody else's: another learner of the member, and a learner of another member.
    let other = s.a.user("ander@zorg-a.test", Role::Learner).await;
    other.get(&url).expect(StatusCode::NOT_FOUND).await;
    other
        .put(&url)
        .json(&json!({"answers": {q0.clone(): [module.option(1, 0, 1)]}}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    s.b.learner()
        .await
        .get(&url)
        .expect(StatusCode::NOT_FOUND)
        .await;

    // An attempt through the API is the hand-in: what was saved is cleared.
    s.a_learner
        .answer(&enrolment, &quiz, module.right_answers(1))
        .await
        .assert_status(StatusCode::CREATED);
    let after = s.a_learner.get(&url).expect(StatusCode::OK).await.json();
    assert_eq!(
        (&after["answered"], &after["answers"]),
        (&json!(0), &json!({}))
    );
}
