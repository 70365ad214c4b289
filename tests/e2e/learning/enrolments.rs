//! Enrolments: admins and teachers enrol learners (one person, a group or a department), learners
//! enrol themselves where the member opened a module, follow their own progress on the version
//! they started, and nobody reaches another learner's or member's enrolment.

use crate::support::*;

#[tokio::test]
async fn learners_follow_their_own_enrolments_and_quizzes_are_scored_on_the_server() {
    let s = two_members().await;
    let app = &s.app;
    let l1 = s.a.user("l1@zorg-a.test", Role::Learner).await;
    let l2 = s.a.user("l2@zorg-a.test", Role::Learner).await;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let b_learner = s.b.user("l@zorg-b.test", Role::Learner).await;
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let own_b = s
        .b_author
        .publish_module(quiz_module("Valpreventie"))
        .await
        .id;
    let (text, quiz, link) = (module.block(0), module.block(1), module.block(2));
    let (q0, q1) = (module.question(1, 0), module.question(1, 1));
    let opt = |q: usize, o: usize| module.option(1, q, o);

    // Member A shows the module with a stricter pass mark: both questions must be right.
    s.a_author
        .put(&format!("/api/v1/content/adoptions/{}", module.id))
        .json(&json!({"pass_marks": {quiz.clone(): 100}}))
        .expect(StatusCode::OK)
        .await;

    // Enrolment: bad input named by field, nothing written; a learner may not enrol.
    for (body, code, field) in [
        (
            json!({"user_id": l1.id, "module_id": own_b}),
            "unknown_module",
            "module_id",
        ),
        (
            json!({"user_id": b_learner.id, "module_id": module.id}),
            "unknown_user",
            "user_id",
        ),
        (
            json!({"user_id": l1.id, "module_id": module.id, "deadline": "1-3-2027"}),
            "invalid_date",
            "deadline",
        ),
    ] {
        let res = admin
            .post("/api/v1/learning/enrolments")
            .json(&body)
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            (res.error_code(), res.error_field()),
            (code.to_owned(), field.to_owned()),
            "{body}"
        );
    }
    assert_eq!(app.count("content.enrolments").await, 0);
    l1.post("/api/v1/learning/enrolments")
        .json(&json!({"user_id": l1.id, "module_id": module.id}))
        .expect(StatusCode::FORBIDDEN)
        .await;
    let res = admin
        .post("/api/v1/learning/enrolments")
        .json(&json!({"user_id": l1.id, "module_id": module.id, "deadline": "2027-03-01"}))
        .expect(StatusCode::CREATED)
        .await;
    let e1 = Enrolment { id: res.id() };
    assert_eq!(res.json()["deadline"], "2027-03-01");
    let res = teacher
        .post("/api/v1/learning/enrolments")
        .json(&json!({"user_id": l1.id, "module_id": module.id}))
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "already_enrolled");
    teacher.enrol(&l2, &module.id).await;

    let list = l1.my_enrolments().await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        (list[0]["blocks"].as_i64(), list[0]["done"].as_i64()),
        (Some(3), Some(0))
    );

    // Blocks done: the text yes; a quiz only by passing it; an unknown block 404.
    let done = |learner: &User, block: &str| {
        learner.post(&format!(
            "/api/v1/learning/enrolments/{}/blocks/{block}/done",
            e1.id
        ))
    };
    let res = done(&l1, &text).expect(StatusCode::OK).await;
    assert_eq!(res.json()["done"], 1);
    let res = done(&l1, &quiz)
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "quiz_block");
    done(&l1, &own_b).expect(StatusCode::NOT_FOUND).await;

    // Someone else's enrolment: another learner of A, a learner of B: 404, nothing changes.
    done(&l2, &link).expect(StatusCode::NOT_FOUND).await;
    done(&b_learner, &link).expect(StatusCode::NOT_FOUND).await;
    for learner in [&l2, &b_learner] {
        learner
            .answer(
                &e1,
                &quiz,
                json!({q0.clone(): [opt(0, 0)], q1.clone(): [opt(1, 0)]}),
            )
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(l1.my_enrolments().await[0]["done"], 1);
    assert_eq!(app.count("content.quiz_attempts").await, 0);

    // Attempts: answers that don't belong are refused by field and not kept.
    let res = l1
        .answer(&e1, &quiz, json!({q0.clone(): [opt(1, 0)]}))
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (res.error_code(), res.error_field()),
        ("unknown_option".to_owned(), format!("answers.{q0}"))
    );
    let res = l1
        .answer(&e1, &quiz, json!({q0.clone(): [opt(0, 0), opt(0, 1)]}))
        .await;
    assert_eq!(res.error_code(), "single_choice");
    let res = l1.answer(&e1, &text, json!({})).await;
    assert_eq!(
        (res.error_code(), res.error_field()),
        ("not_a_quiz".to_owned(), "block_id".to_owned())
    );
    assert_eq!(app.count("content.quiz_attempts").await, 0);

    // One of two right is 50 %: NZK's mark, but not A's (100): a fail, with the feedback.
    let res = l1
        .answer(
            &e1,
            &quiz,
            json!({q0.clone(): [opt(0, 1)], q1.clone(): [opt(1, 0)]}),
        )
        .await;
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
    let r = l1.pass_quiz(&e1, &module, 1).await;
    assert_eq!(r["number"], 2);
    let p = l1.mark_done(&e1, &link).await;
    assert_eq!(
        (p["done"].as_i64(), p["completed_version"].as_i64()),
        (Some(3), Some(1))
    );
    assert!(p["completed_at"].is_string());
    // The completion's score: the passed attempt's (the failed one doesn't count).
    assert_eq!(p["score"], 100, "{p}");
    assert_eq!(l1.my_enrolments().await[0]["score"], 100);
    // l2's enrolment is untouched by all of this.
    let other = l2.my_enrolments().await;
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
    assert_eq!(kept[1].2[q1], json!([opt(1, 0)]));
}

#[tokio::test]
async fn learners_keep_their_version_until_the_admin_moves_them_and_only_unchanged_blocks_stay_done(
) {
    let s = two_members().await;
    let mut learners = Vec::new();
    for email in ["v1@zorg-a.test", "v2@zorg-a.test", "v3@zorg-a.test"] {
        learners.push(s.a.user(email, Role::Learner).await);
    }
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let b_admin = s.b.admin().await;
    let v1 = s
        .editor
        .publish_module(json!({"title": "Decubitus", "minutes": 20, "blocks": [
            {"type": "text", "markdown": "A"},
            {"type": "text", "markdown": "B"},
            {"type": "quiz", "pass_mark": 100, "questions": [{"prompt": "Hoe vaak wisselen?", "options": [
                {"text": "Elke 2 uur", "correct": true}, {"text": "Nooit"}]}]},
            {"type": "text", "markdown": "C"}
        ]}))
        .await;
    let (a, b, c) = (v1.block(0), v1.block(1), v1.block(3));
    let mut enrolments = Vec::new();
    for learner in &learners {
        enrolments.push(admin.enrol(learner, &v1.id).await);
    }
    let done = |who: usize, block: &str| {
        learners[who].post(&format!(
            "/api/v1/learning/enrolments/{}/blocks/{block}/done",
            enrolments[who].id
        ))
    };
    // Learner 0: A, B and the quiz done. Learner 1: A. Learner 2: everything (complete).
    for block in [&a, &b] {
        done(0, block).expect(StatusCode::OK).await;
    }
    learners[0].pass_quiz(&enrolments[0], &v1, 2).await;
    done(1, &a).expect(StatusCode::OK).await;
    for block in [&a, &b, &c] {
        done(2, block).expect(StatusCode::OK).await;
    }
    learners[2].pass_quiz(&enrolments[2], &v1, 2).await;

    // NZK v2: A unchanged, B and the quiz changed, C removed, D new.
    let mut draft = v1.doc.clone();
    draft["blocks"][1]["markdown"] = json!("B, herzien");
    draft["blocks"][2]["questions"][0]["prompt"] = json!("Hoe vaak wisselt u van houding?");
    let blocks = draft["blocks"].as_array_mut().unwrap();
    blocks.remove(3);
    blocks.push(json!({"type": "text", "markdown": "D"}));
    s.editor.publish_version(&v1.id, &draft, "Herzien").await;
    let v2 = learners[0]
        .get(&format!("/api/v1/catalog/{}", v1.id))
        .send()
        .await
        .json();
    let d = v2["module"]["blocks"][3]["id"].as_str().unwrap().to_owned();

    let mine = |who: usize| {
        let learner = learners[who].clone();
        async move { learner.my_enrolments().await[0].clone() }
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
    done(0, &d).expect(StatusCode::NOT_FOUND).await;

    // Only A's admin moves A's enrolments: B's admin moves none, a teacher may not.
    let move_url = format!("/api/v1/learning/modules/{}/move-enrolments", v1.id);
    let res = b_admin.post(&move_url).expect(StatusCode::OK).await;
    assert_eq!(res.json()["moved"], 0);
    teacher.post(&move_url).expect(StatusCode::FORBIDDEN).await;
    assert_eq!(mine(0).await["version"], 1);
    let res = admin.post(&move_url).expect(StatusCode::OK).await;
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
    let mut db = s.app.db.owner().await.unwrap();
    let versions: Vec<i32> =
        sqlx::query_scalar("SELECT version FROM content.quiz_attempts ORDER BY created_at")
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(versions, vec![1, 1]);
    done(0, &d).expect(StatusCode::OK).await;
}

#[tokio::test]
async fn staff_enrol_a_person_a_group_or_a_department_from_the_module_and_move_versions() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let b_admin = s.b.admin().await;
    let n1 = s.a.user("nacht1@zorg-a.test", Role::Learner).await;
    let n2 = s.a.user("nacht2@zorg-a.test", Role::Learner).await;
    let blocked = s.a.user("nacht3@zorg-a.test", Role::Learner).await;
    let dag = s.a.user("dag@zorg-a.test", Role::Learner).await;
    let b_nacht = s.b.user("nacht@zorg-b.test", Role::Learner).await;
    // Departments as the staff import sets them; one of the night shift is blocked. (Written
    // straight into the table: only a staff file sets a department.)
    let mut owner = app.db.owner().await.unwrap();
    for (user, dept) in [
        (&n1, "Nacht"),
        (&n2, "nacht"),
        (&blocked, "Nacht"),
        (&dag, "Dag"),
        (&b_nacht, "Nacht"),
    ] {
        sqlx::query("UPDATE tenant.users SET department = $2 WHERE id = $1")
            .bind(user.id)
            .bind(dept)
            .execute(&mut owner)
            .await
            .unwrap();
    }
    admin
        .post(&format!("/api/v1/users/{}/block", blocked.id))
        .expect(StatusCode::OK)
        .await;
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let own_b = s
        .b_author
        .publish_module(quiz_module("Valpreventie"))
        .await
        .id;

    // The departments, per member; a teacher may read them but not enrol one.
    let deps = teacher
        .get("/api/v1/learning/departments")
        .send()
        .await
        .json();
    assert_eq!(
        deps["items"],
        json!([{"name": "Dag", "users": 1}, {"name": "Nacht", "users": 2}])
    );
    let enrol_dep = |user: &User, body: Value| {
        user.post("/api/v1/learning/departments/enrolments")
            .json(&body)
            .send()
    };
    enrol_dep(
        &teacher,
        json!({"department": "Nacht", "module_id": module.id}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    for (body, code, field) in [
        (
            json!({"department": "Keuken", "module_id": module.id}),
            "unknown_department",
            "department",
        ),
        (
            json!({"department": "Nacht", "module_id": own_b}),
            "unknown_module",
            "module_id",
        ),
    ] {
        let res = enrol_dep(&admin, body).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (res.error_code(), res.error_field()),
            (code.to_owned(), field.to_owned())
        );
    }
    assert_eq!(app.count("content.enrolments").await, 0);
    let res = enrol_dep(
        &admin,
        json!({"department": "NACHT", "module_id": module.id, "deadline": "2027-02-01"}),
    )
    .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json(), json!({"enrolled": 2, "already": 0}));
    let again = enrol_dep(
        &admin,
        json!({"department": "Nacht", "module_id": module.id}),
    )
    .await;
    assert_eq!(again.json(), json!({"enrolled": 0, "already": 2}));
    // Only A's night shift, not the blocked one, not B's.
    let enrolled: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT user_id FROM content.enrolments ORDER BY user_id")
            .fetch_all(&mut owner)
            .await
            .unwrap();
    let mut expected = vec![n1.id, n2.id];
    expected.sort();
    assert_eq!(enrolled, expected);
    assert!(b_admin
        .get("/api/v1/learning/departments")
        .send()
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["users"] == 1));

    // The module page leads staff to the enrolment page, not learners.
    let admin_session = admin.login().await;
    let teacher_session = teacher.login().await;
    let learner_session = s.a_learner.login().await;
    let module_path = format!("/leren/modules/{}", module.id);
    let staff_link = |session: &Session| {
        let (session, path) = (session.clone(), module_path.clone());
        async move {
            session
                .get(&path)
                .send()
                .await
                .text()
                .contains("data-testid=\"enrol-staff\"")
        }
    };
    assert!(staff_link(&admin_session).await);
    assert!(!staff_link(&learner_session).await);
    let page_path = format!("/leren/modules/{}/inschrijvingen", module.id);
    learner_session
        .get(&page_path)
        .expect(StatusCode::FORBIDDEN)
        .await;
    let html = admin_session.get(&page_path).send().await.text();
    assert!(html.contains("2 ingeschreven, 0 afgerond."), "{html}");
    assert!(html.contains("data-testid=\"enrol-department\""));

    // One person by address: an unknown address is named on its form and nothing changes.
    let post = |session: &Session, fields: &[(&str, &str)]| session.post(&page_path).form(fields);
    let res = post(
        &teacher_session,
        &[("wie", "persoon"), ("email", "niemand@zorg-a.test")],
    )
    .expect(StatusCode::UNPROCESSABLE_ENTITY)
    .await;
    assert!(res
        .text()
        .contains("Er is geen gebruiker met dit e-mailadres"));
    let res = post(
        &teacher_session,
        &[
            ("wie", "persoon"),
            ("email", "Dag@zorg-a.test"),
            ("deadline", "2027-03-01"),
        ],
    )
    .expect(StatusCode::SEE_OTHER)
    .await;
    assert!(res.location().unwrap().ends_with("?klaar=persoon"));
    let deadline: Option<time::Date> =
        sqlx::query_scalar("SELECT deadline FROM content.enrolments WHERE user_id = $1")
            .bind(dag.id)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(deadline.unwrap().to_string(), "2027-03-01");
    // A teacher can't enrol a department through the page either.
    post(
        &teacher_session,
        &[("wie", "afdeling"), ("department", "Dag")],
    )
    .expect(StatusCode::FORBIDDEN)
    .await;
    let res = post(
        &admin_session,
        &[("wie", "afdeling"), ("department", "Nacht")],
    )
    .send()
    .await;
    assert!(res
        .location()
        .unwrap()
        .ends_with("klaar=afdeling&aantal=0&al=2"));
    let html = admin_session
        .get(&res.location().unwrap())
        .send()
        .await
        .text();
    assert!(
        html.contains("Niemand nieuw ingeschreven; 2 mensen stonden al ingeschreven."),
        "{html}"
    );

    // A new NZK version: the admin sees who follows the old one and moves them after confirming.
    let mut doc = module.doc.clone();
    doc["blocks"][0]["markdown"] = json!("Goed licht voorkomt vallen, ook 's nachts.");
    s.editor.publish_version(&module.id, &doc, "Nacht").await;
    let html = admin_session.get(&page_path).send().await.text();
    assert!(html.contains("data-testid=\"move\""), "{html}");
    assert!(!teacher_session
        .get(&page_path)
        .send()
        .await
        .text()
        .contains("data-testid=\"move\""));
    teacher_session
        .post(&format!("{page_path}/verplaatsen"))
        .form(&[])
        .expect(StatusCode::FORBIDDEN)
        .await;
    let res = admin_session
        .post(&format!("{page_path}/verplaatsen"))
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
async fn learners_enrol_themselves_only_where_the_member_opened_the_module() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let b_admin = s.b.admin().await;
    let session =
        s.a.user("zelf@zorg-a.test", Role::Learner)
            .await
            .login()
            .await;
    let b_session =
        s.b.user("zelf@zorg-b.test", Role::Learner)
            .await
            .login()
            .await;
    let module = s
        .editor
        .publish_module(quiz_module("Valpreventie"))
        .await
        .id;
    let page = format!("/leren/modules/{module}");
    let enrol = format!("/leren/modules/{module}/inschrijven");
    let offers_enrolment = |session: &Session| {
        let (session, page) = (session.clone(), page.clone());
        async move {
            session
                .get(&page)
                .send()
                .await
                .text()
                .contains("data-testid=\"enrol-self\"")
        }
    };
    // Closed: no button, and posting anyway is refused with its reason; nothing written.
    assert!(!offers_enrolment(&session).await);
    let res = session
        .post(&enrol)
        .form(&[])
        .expect(StatusCode::FORBIDDEN)
        .await;
    assert!(res.text().contains("Vraag het uw opleidingsafdeling"));
    assert_eq!(app.count("content.enrolments").await, 0);
    // A's admin opens it for A only, on the module's page (learners don't see that switch).
    assert!(!session
        .page(&page)
        .await
        .contains("data-testid=\"self-enrolment\""));
    let admin_session = admin.login().await;
    let html = admin_session.page(&page).await;
    let switch = html
        .split("data-testid=\"self-enrolment\"")
        .nth(1)
        .expect("the admin's switch");
    assert!(switch.contains("Zelf inschrijven toestaan"), "{switch}");
    let res = admin_session
        .post(&format!("{page}/zelf-inschrijven"))
        .form(&[("open", "ja")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(res.location().unwrap(), format!("{page}?klaar=zelf-open"));
    let html = admin_session.page(&format!("{page}?klaar=zelf-open")).await;
    assert!(
        html.contains("zich nu zelf inschrijven") && html.contains("Zelf inschrijven stoppen"),
        "{html}"
    );
    // Only admins switch it (a learner's post is refused).
    session
        .post(&format!("{page}/zelf-inschrijven"))
        .form(&[("open", "nee")])
        .expect(StatusCode::FORBIDDEN)
        .await;
    let open = format!("/api/v1/learning/modules/{module}/self-enrolment");
    assert!(offers_enrolment(&session).await);
    assert!(
        !offers_enrolment(&b_session).await,
        "B's learners: still closed"
    );
    b_session
        .post(&enrol)
        .form(&[])
        .expect(StatusCode::FORBIDDEN)
        .await;
    // A's learner enrols (twice is the same enrolment) and sees the progress.
    for _ in 0..2 {
        let res = session
            .post(&enrol)
            .form(&[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert_eq!(res.location().unwrap(), page);
    }
    assert_eq!(app.count("content.enrolments").await, 1);
    let html = session.get(&page).send().await.text();
    assert!(
        html.contains("0 van 3 onderdelen klaar") && !html.contains("data-testid=\"enrol-self\""),
        "{html}"
    );
    // B's admin can't open a module outside B's catalogue; closing again works for A.
    let own_a = s
        .a_author
        .publish_module(quiz_module("Valpreventie"))
        .await
        .id;
    b_admin
        .put(&format!("/api/v1/learning/modules/{own_a}/self-enrolment"))
        .json(&json!({"open": true}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    admin
        .put(&open)
        .json(&json!({"open": false}))
        .expect(StatusCode::NO_CONTENT)
        .await;
    s.a.user("laat@zorg-a.test", Role::Learner)
        .await
        .login()
        .await
        .post(&enrol)
        .form(&[])
        .expect(StatusCode::FORBIDDEN)
        .await;
}

#[tokio::test]
async fn block_done_requests_at_once_are_written_together_each_under_its_own_member() {
    let s = two_members().await;
    let la = s.a.user("snel@zorg-a.test", Role::Learner).await;
    let lb = s.b.user("snel@zorg-b.test", Role::Learner).await;
    let texts: Vec<String> = (0..30).map(|i| format!("Stap {i}")).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut doc = text_module("Dertig stappen", &texts);
    doc["minutes"] = json!(30);
    let module = s.editor.publish_module(doc).await;
    let ea = s.a.admin().await.enrol(&la, &module.id).await;
    let eb = s.b.admin().await.enrol(&lb, &module.id).await;

    // 30 blocks for each learner, and 10 tries of A's learner at B's enrolment, all at once.
    let mut requests = Vec::new();
    for i in 0..30 {
        requests.push((&la, &ea, module.block(i)));
        requests.push((&lb, &eb, module.block(i)));
    }
    for i in 0..10 {
        requests.push((&la, &eb, module.block(i)));
    }
    let responses = at_once(requests.len(), |i| {
        let (learner, enrolment, block) = &requests[i];
        learner.post(&format!(
            "/api/v1/learning/enrolments/{}/blocks/{block}/done",
            enrolment.id
        ))
    })
    .await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [vec![200; 60], vec![404; 10]].concat());
    // Every write is there, each in its own member; both learners completed, with a proof each.
    let mut owner = s.app.db.owner().await.unwrap();
    let per_member: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
        "SELECT tenant_id, count(*) FROM content.block_progress GROUP BY tenant_id ORDER BY tenant_id",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    let mut expected = vec![(s.a.id.0, 30), (s.b.id.0, 30)];
    expected.sort();
    assert_eq!(per_member, expected);
    assert_eq!(s.app.count("content.proofs").await, 2);
    for learner in [&la, &lb] {
        let mine = learner.my_enrolments().await;
        assert_eq!(mine[0]["done"], 30, "{mine}");
        assert!(mine[0]["completed_at"].is_string(), "{mine}");
    }
}

#[tokio::test]
async fn enrolling_more_than_ten_people_says_who_and_how_many_first() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let mut owner = app.db.owner().await.unwrap();
    for i in 1..=12 {
        let user =
            s.a.user_without_token(&format!("nacht{i:02}@zorg-a.test"), Role::Learner)
                .await;
        sqlx::query(
            "UPDATE tenant.users SET display_name = $1, department = 'Nacht' WHERE id = $2",
        )
        .bind(format!("Nachtdienst {i:02}"))
        .bind(user.id)
        .execute(&mut owner)
        .await
        .unwrap();
    }
    // One of them is enrolled already.
    let first: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM tenant.users WHERE email = 'nacht01@zorg-a.test'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    admin
        .post("/api/v1/learning/enrolments")
        .json(&json!({"user_id": first, "module_id": module.id}))
        .expect(StatusCode::CREATED)
        .await;
    let session = admin.login().await;
    let page = format!("/leren/modules/{}/inschrijvingen", module.id);
    let fields = [
        ("wie", "afdeling"),
        ("department", "Nacht"),
        ("deadline", ""),
    ];
    // The page asks first: eleven new people by name, one enrolled already; nothing written.
    let html = session
        .post(&page)
        .form(&fields)
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(
        html.contains("11 mensen inschrijven voor Valpreventie?"),
        "{html}"
    );
    assert!(html.contains("1 persoon staat al ingeschreven"), "{html}");
    let names = html.split("data-testid=\"enrol-names\"").nth(1).unwrap();
    assert!(
        names.contains("Nachtdienst 02")
            && names.contains("Nachtdienst 12")
            && !names.contains("Nachtdienst 01"),
        "{names}"
    );
    assert_eq!(app.count("content.enrolments").await, 1);
    // Confirmed: all of them, with the same form's values.
    let res = session
        .post(&page)
        .form(&[
            ("wie", "afdeling"),
            ("department", "Nacht"),
            ("deadline", ""),
            ("bevestigd", "ja"),
        ])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert!(res
        .location()
        .unwrap()
        .ends_with("klaar=afdeling&aantal=11&al=1"));
    assert_eq!(app.count("content.enrolments").await, 12);
    // Nobody new: no question.
    let res = session
        .post(&page)
        .form(&fields)
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert!(res.location().unwrap().ends_with("aantal=0&al=12"));
}

#[tokio::test]
async fn staff_find_the_person_to_enrol_by_name_as_they_type() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let b_admin = s.b.admin().await;
    let mut owner = app.db.owner().await.unwrap();
    for (email, name) in [
        ("anna.vries@zorg-a.test", "Anna de Vries"),
        ("anna.bakker@zorg-a.test", "Anna Bakker"),
        ("geblokkeerd@zorg-a.test", "Anna Weg"),
    ] {
        let user = s.a.user_without_token(email, Role::Learner).await;
        sqlx::query("UPDATE tenant.users SET display_name = $1, department = 'Dag' WHERE id = $2")
            .bind(name)
            .bind(user.id)
            .execute(&mut owner)
            .await
            .unwrap();
    }
    sqlx::query(
        "UPDATE tenant.users SET status = 'disabled' WHERE email = 'geblokkeerd@zorg-a.test'",
    )
    .execute(&mut owner)
    .await
    .unwrap();
    let find = |who: &User, q: &str| {
        who.get(&format!("/api/v1/learning/people-search?q={q}"))
            .expect(StatusCode::OK)
    };
    let names = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    // Part of a name, in any case; blocked people and other members' people are not found.
    assert_eq!(
        names(find(&admin, "ANNA").await.json()),
        ["Anna Bakker", "Anna de Vries"]
    );
    assert_eq!(
        names(find(&teacher, "vries").await.json()),
        ["Anna de Vries"]
    );
    assert_eq!(
        find(&admin, "anna.b").await.json()["items"][0]["email"],
        "anna.bakker@zorg-a.test"
    );
    assert!(names(find(&admin, "a").await.json()).is_empty());
    assert!(names(find(&b_admin, "anna").await.json()).is_empty());
    s.a_learner
        .get("/api/v1/learning/people-search?q=anna")
        .expect(StatusCode::FORBIDDEN)
        .await;

    // The enrol form takes a name: one fits, enrolled; two fit, both named to choose from.
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let session = admin.login().await;
    let page = format!("/leren/modules/{}/inschrijvingen", module.id);
    let html = session.page(&page).await;
    assert!(
        html.contains("list=\"persoon-keuze\"") && html.contains("/static/people.js"),
        "{html}"
    );
    let res = session
        .post(&page)
        .form(&[("wie", "persoon"), ("person", "Anna")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    let html = res.text();
    assert!(
        html.contains("Anna Bakker (anna.bakker@zorg-a.test)")
            && html.contains("Anna de Vries (anna.vries@zorg-a.test)")
            && !html.contains("Anna Weg"),
        "{html}"
    );
    assert_eq!(app.count("content.enrolments").await, 0);
    for who in ["anna de vries", "Bakker"] {
        session
            .post(&page)
            .form(&[("wie", "persoon"), ("person", who)])
            .expect(StatusCode::SEE_OTHER)
            .await;
    }
    let enrolled: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM content.enrolments e JOIN tenant.users u ON u.id = e.user_id ORDER BY 1",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert_eq!(
        enrolled,
        ["anna.bakker@zorg-a.test", "anna.vries@zorg-a.test"]
    );
    let res = session
        .post(&page)
        .form(&[("wie", "persoon"), ("person", "Nobody Here")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("Er is niemand met deze naam"));
}
