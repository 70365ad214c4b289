//! Path enrolments: enrolling in a learning path enrols in each of its modules with the path's
//! deadline, and the path completes with its required modules.

use crate::support::*;

#[tokio::test]
async fn a_learning_path_enrols_in_its_modules_and_completes_with_its_required_ones() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let b_admin = s.b.admin().await;
    let learner = s.a.user("traject@zorg-a.test", Role::Learner).await;
    let b_learner = s.b.user("traject@zorg-b.test", Role::Learner).await;
    let mut modules = Vec::new();
    for title in ["Stap een", "Stap twee", "Verdieping"] {
        modules.push(
            s.editor
                .publish_module(text_module(title, &["Lees."]))
                .await,
        );
    }
    let (m1, m2, m3) = (&modules[0].id, &modules[1].id, &modules[2].id);
    // A shared path of three modules, the last one optional.
    let path = s
        .editor
        .publish_path(json!({"title": "Inwerken", "summary": "De eerste week.", "modules": [m1, m2, m3], "optional": [m3]}))
        .await;
    let enrol = |user: &User, body: Value| {
        user.post("/api/v1/learning/path-enrolments")
            .json(&body)
            .send()
    };
    // Bad input by field; nothing written.
    for (body, code) in [
        (json!({"path_id": path}), "choose_one"),
        (
            json!({"path_id": path, "user_id": learner.id, "department": "Nacht"}),
            "choose_one",
        ),
        (
            json!({"path_id": path, "user_id": b_learner.id}),
            "unknown_user",
        ),
        (
            json!({"path_id": uuid::Uuid::new_v4(), "user_id": learner.id}),
            "unknown_path",
        ),
    ] {
        let res = enrol(&admin, body.clone()).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.error_code(), code, "{body}");
    }
    assert_eq!(app.count("content.enrolments").await, 0);
    // A teacher may enrol one learner, not a department.
    enrol(&teacher, json!({"path_id": path, "department": "Nacht"}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = enrol(
        &teacher,
        json!({"path_id": path, "user_id": learner.id, "deadline": "2027-04-01"}),
    )
    .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json(), json!({"enrolled": 1, "already": 0}));
    assert_eq!(
        enrol(&admin, json!({"path_id": path, "user_id": learner.id}))
            .await
            .json(),
        json!({"enrolled": 0, "already": 1})
    );
    // Every module of the path, with the path's deadline; the optional one without.
    let mine = learner.my_enrolments().await;
    let mut enrolled: Vec<(&str, Option<&str>)> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["module_id"].as_str().unwrap(), e["deadline"].as_str()))
        .collect();
    enrolled.sort();
    let mut expected = vec![
        (m1.as_str(), Some("2027-04-01")),
        (m2.as_str(), Some("2027-04-01")),
        (m3.as_str(), None),
    ];
    expected.sort();
    assert_eq!(enrolled, expected);
    // Member B can't enrol A's learner in the (shared) path.
    let res = enrol(&b_admin, json!({"path_id": path, "user_id": learner.id})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "unknown_user");

    // Progress: the two required modules complete the path; the optional one doesn't count.
    let progress = || async {
        learner
            .get("/api/v1/learning/path-enrolments/mine")
            .send()
            .await
            .json()["items"][0]
            .clone()
    };
    let p0 = progress().await;
    assert_eq!(
        (p0["required"].as_i64(), p0["done"].as_i64()),
        (Some(2), Some(0))
    );
    assert!(p0["completed_at"].is_null());
    let finish = |module: &Module| {
        let enrolment = mine
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["module_id"] == module.id.as_str())
            .unwrap()["enrolment_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (learner, module) = (learner.clone(), module.clone());
        async move {
            learner
                .complete(&Enrolment { id: enrolment }, &module)
                .await
        }
    };
    finish(&modules[0]).await;
    finish(&modules[2]).await;
    let p1 = progress().await;
    assert_eq!(p1["done"], 1, "{p1}");
    assert!(
        p1["completed_at"].is_null(),
        "the optional module doesn't complete it"
    );
    finish(&modules[1]).await;
    let p2 = progress().await;
    assert_eq!(p2["done"], 2, "{p2}");
    assert!(p2["completed_at"].is_string(), "{p2}");
    // The path page shows it to the learner; staff find the enrolment page there.
    let session = learner.login().await;
    let html = session
        .get(&format!("/leren/trajecten/{path}"))
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
    let home = session.get("/").send().await.text();
    assert!(home.contains("data-testid=\"path-list\""), "{home}");
    assert!(
        home.contains(&format!("href=\"/leren/trajecten/{path}\">Inwerken</a>")),
        "{home}"
    );
    assert!(
        home.contains("Afgerond ✓ · uiterlijk 1 april 2027"),
        "{home}"
    );
    let admin_session = admin.login().await;
    let page = format!("/leren/trajecten/{path}/inschrijvingen");
    let html = admin_session.get(&page).send().await.text();
    assert!(html.contains("Inschrijven voor Inwerken"), "{html}");
    // A second learner through the page, by address.
    s.a.user("nieuw@zorg-a.test", Role::Learner).await;
    let res = admin_session
        .post(&page)
        .form(&[("wie", "persoon"), ("email", "nieuw@zorg-a.test")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert!(
        res.location().unwrap().contains("klaar=persoon"),
        "{:?}",
        res.location()
    );
    assert_eq!(app.count("content.path_enrolments").await, 2);
    assert_eq!(app.count("content.enrolments").await, 6);
}
