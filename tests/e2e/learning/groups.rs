//! Groups: admins make them and add members by role, teachers see, enrol and follow only the
//! groups they teach — through the API and the pages.

use crate::support::*;

#[tokio::test]
async fn teachers_see_and_enrol_only_their_own_groups() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let t1 = s.a.user("docent1@zorg-a.test", Role::Teacher).await;
    let t2 = s.a.user("docent2@zorg-a.test", Role::Teacher).await;
    let l1 = s.a.user("g1@zorg-a.test", Role::Learner).await;
    let l2 = s.a.user("g2@zorg-a.test", Role::Learner).await;
    let l3 = s.a.user("g3@zorg-a.test", Role::Learner).await;
    let b_user = s.b.user("g@zorg-b.test", Role::Learner).await;
    let b_admin = s.b.admin().await;
    let module = s
        .editor
        .publish_module(quiz_module("Valpreventie"))
        .await
        .id;

    // Admins make groups; teachers may not; names are unique per member.
    let make = |user: &User, name: &str| {
        user.post("/api/v1/learning/groups")
            .json(&json!({"name": name}))
    };
    make(&t1, "Afdeling Noord")
        .expect(StatusCode::FORBIDDEN)
        .await;
    let g1 = make(&admin, "Afdeling Noord")
        .expect(StatusCode::CREATED)
        .await
        .id();
    let res = make(&admin, "Afdeling Noord")
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "duplicate_name");
    let g2 = make(&admin, "Afdeling Zuid").send().await.id();
    let join = |group: &str, user: &User, role: &str| {
        admin
            .put(&format!(
                "/api/v1/learning/groups/{group}/members/{}",
                user.id
            ))
            .json(&json!({"role": role}))
    };
    for (g, u, r) in [
        (&g1, &t1, "teacher"),
        (&g1, &l1, "learner"),
        (&g1, &l2, "learner"),
        (&g2, &t2, "teacher"),
        (&g2, &l3, "learner"),
    ] {
        join(g, u, r).expect(StatusCode::NO_CONTENT).await;
    }
    // Another member's user can't join; nothing is written.
    let res = join(&g1, &b_user, "learner")
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "unknown_user");
    assert_eq!(app.count("content.group_members").await, 5);

    // A teacher lists only the groups they teach; the admin all.
    let names = |user: &User| {
        let user = user.clone();
        async move {
            user.get("/api/v1/learning/groups").send().await.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(&t1).await, vec!["Afdeling Noord"]);
    assert_eq!(names(&admin).await, vec!["Afdeling Noord", "Afdeling Zuid"]);
    assert!(names(&b_admin).await.is_empty());

    // The teacher enrols their group; again changes nothing. Another group is 404 to them,
    // and to another member's admin.
    let enrol = |user: &User, group: &str| {
        user.post(&format!("/api/v1/learning/groups/{group}/enrolments"))
            .json(&json!({"module_id": module, "deadline": "2027-06-30"}))
    };
    let counts = |res: &zk_test_support::TestResponse| {
        (
            res.json()["enrolled"].as_i64(),
            res.json()["already"].as_i64(),
        )
    };
    let res = enrol(&t1, &g1).expect(StatusCode::OK).await;
    assert_eq!(counts(&res), (Some(2), Some(0)));
    let res = enrol(&t1, &g1).send().await;
    assert_eq!(counts(&res), (Some(0), Some(2)));
    enrol(&t2, &g1).expect(StatusCode::NOT_FOUND).await;
    enrol(&b_admin, &g1).expect(StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("content.enrolments").await, 2);

    // The teacher follows their group's progress; not the other group's.
    let res = t1
        .get(&format!("/api/v1/learning/groups/{g1}/progress"))
        .expect(StatusCode::OK)
        .await;
    let learners = res.json()["learners"].as_array().unwrap().clone();
    assert_eq!(learners.len(), 2);
    assert!(learners
        .iter()
        .all(|l| l["enrolments"][0]["module_id"] == json!(module)
            && l["enrolments"][0]["deadline"] == "2027-06-30"));
    t1.get(&format!("/api/v1/learning/groups/{g2}/progress"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    // Taking a learner out leaves their enrolment.
    admin
        .delete(&format!("/api/v1/learning/groups/{g1}/members/{}", l2.id))
        .expect(StatusCode::NO_CONTENT)
        .await;
    assert_eq!(app.count("content.enrolments").await, 2);
    assert_eq!(names(&admin).await.len(), 2);
}

#[tokio::test]
async fn admins_and_teachers_run_groups_from_the_pages() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let other = s.a.user("docent2@zorg-a.test", Role::Teacher).await;
    s.a.user("lid@zorg-a.test", Role::Learner).await;
    let module = s
        .editor
        .publish_module(quiz_module("Valpreventie"))
        .await
        .id;
    let admin = admin.login().await;
    // A new group, from the list page.
    let res = admin
        .post("/leren/groepen")
        .form(&[("name", "Nachtdienst")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let location = res.location().unwrap();
    assert!(location.ends_with("?klaar=groep"), "{location}");
    let group = location
        .trim_start_matches("/leren/groepen/")
        .trim_end_matches("?klaar=groep")
        .to_owned();
    let html = admin.get(&location).send().await.text();
    assert!(
        html.contains("data-testid=\"flash\"") && html.contains("Nachtdienst"),
        "{html}"
    );
    // Members by address; an unknown address is named and nothing changes.
    let add = format!("/leren/groepen/{group}/leden");
    let res = admin
        .post(&add)
        .form(&[("email", "niemand@zorg-a.test"), ("role", "learner")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res
        .text()
        .contains("Er is geen gebruiker met dit e-mailadres"));
    assert_eq!(app.count("content.group_members").await, 0);
    for (email, role) in [
        ("LID@zorg-a.test", "learner"),
        ("docent@zorg-a.test", "teacher"),
    ] {
        admin
            .post(&add)
            .form(&[("email", email), ("role", role)])
            .expect(StatusCode::SEE_OTHER)
            .await;
    }
    // The teacher sees the group and enrols it; the other teacher can't open it.
    let teacher = teacher.login().await;
    let html = teacher.get("/leren/groepen").send().await.text();
    assert!(
        html.contains("Nachtdienst") && !html.contains("data-testid=\"new-group\""),
        "{html}"
    );
    let enrol = format!("/leren/groepen/{group}/inschrijven");
    let res = teacher
        .post(&enrol)
        .form(&[("module_id", module.as_str()), ("deadline", "2027-04-01")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let html = teacher.get(&res.location().unwrap()).send().await.text();
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
    let other = other.login().await;
    other
        .get(&format!("/leren/groepen/{group}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    other
        .post(&enrol)
        .form(&[("module_id", module.as_str()), ("deadline", "")])
        .expect(StatusCode::NOT_FOUND)
        .await;
    // Teachers can't add members.
    teacher
        .post(&add)
        .form(&[("email", "docent2@zorg-a.test"), ("role", "learner")])
        .expect(StatusCode::FORBIDDEN)
        .await;
}
