//! Who is late or behind (issue 22, part 1): the people list in the API, on the admin's
//! overview and a teacher's group page, exported as CSV and XLSX, scoped to what the caller may
//! see; and completions counted in their month.

use crate::content::{publish, setup};
use http::StatusCode;
use serde_json::{json, Value};
use zk_kernel::authz::Role;

/// A shared module of a text, a one-question quiz and a link.
fn module() -> Value {
    json!({
        "title": "Valpreventie", "minutes": 15,
        "blocks": [
            {"type": "text", "markdown": "Goed licht voorkomt vallen."},
            {"type": "quiz", "pass_mark": 50, "questions": [
                {"prompt": "Wat helpt?", "options": [
                    {"text": "Goed licht", "correct": true},
                    {"text": "Losse kleden"}]}]},
            {"type": "link", "url": "https://www.veiligheid.nl", "label": "VeiligheidNL"}
        ]
    })
}

#[tokio::test]
async fn admins_and_teachers_see_who_is_late_by_name_and_export_it() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let teacher = app.user(&s.a, "docent@zorg-a.test", Role::Teacher).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let teacher_token = app.token(&s.a, "docent@zorg-a.test").await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    let mut owner = app.db.owner().await.unwrap();
    let mut people = Vec::new();
    for (email, name, department) in [
        ("anna@zorg-a.test", "Anna de Vries", "De Linde"),
        ("bram@zorg-a.test", "Bram Jansen", "De Linde"),
        ("chantal@zorg-a.test", "Chantal Bakker", "Het Anker"),
        ("daan@zorg-a.test", "Daan Visser", "Het Anker"),
    ] {
        let id = app.user(&s.a, email, Role::Learner).await;
        sqlx::query("UPDATE tenant.users SET display_name = $1, department = $2 WHERE id = $3")
            .bind(name)
            .bind(department)
            .bind(id)
            .execute(&mut owner)
            .await
            .unwrap();
        people.push(id);
    }
    let (anna, bram, chantal, daan) = (people[0], people[1], people[2], people[3]);
    let (module_id, draft) = publish(app, "", &s.operator, &module()).await;
    let blocks = &draft["draft"]["blocks"];
    let block = |i: usize| blocks[i]["id"].as_str().unwrap().to_owned();
    let mut enrolment = std::collections::HashMap::new();
    for (user, deadline) in [
        (anna, "2027-01-31"),
        (bram, "2027-01-31"),
        (chantal, "2027-06-30"),
        (daan, "2027-06-30"),
    ] {
        let res = c
            .post("zorg-a", "/api/v1/learning/enrolments")
            .bearer(&admin)
            .json(&json!({"user_id": user, "module_id": module_id, "deadline": deadline}))
            .send()
            .await;
        res.assert_status(StatusCode::CREATED);
        enrolment.insert(user, res.json()["id"].as_str().unwrap().to_owned());
    }
    // Anna's deadline passed three days ago; Bram started; Daan completed.
    sqlx::query("UPDATE content.enrolments SET deadline = (now() AT TIME ZONE 'Europe/Amsterdam')::date - 3 WHERE user_id = $1")
        .bind(anna)
        .execute(&mut owner)
        .await
        .unwrap();
    let token = |email: &'static str| app.token(&s.a, email);
    let (bram_token, daan_token) = (
        token("bram@zorg-a.test").await,
        token("daan@zorg-a.test").await,
    );
    let done = |t: String, e: String, b: String| async move {
        c.post(
            "zorg-a",
            &format!("/api/v1/learning/enrolments/{e}/blocks/{b}/done"),
        )
        .bearer(&t)
        .send()
        .await
        .assert_status(StatusCode::OK);
    };
    done(bram_token.clone(), enrolment[&bram].clone(), block(0)).await;
    for b in [0, 2] {
        done(daan_token.clone(), enrolment[&daan].clone(), block(b)).await;
    }
    let question = &blocks[1]["questions"][0];
    c.post("zorg-a", &format!("/api/v1/learning/enrolments/{}/attempts", enrolment[&daan]))
        .bearer(&daan_token)
        .json(&json!({"block_id": block(1), "answers": {question["id"].as_str().unwrap(): [question["options"][0]["id"]]}}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);

    let list = |host: &'static str, token: String, query: &'static str| async move {
        let res = c
            .get(host, &format!("/api/v1/learning/people{query}"))
            .bearer(&token)
            .send()
            .await;
        res.assert_status(StatusCode::OK);
        res.json()
    };
    // Everyone, late first; each with their state, progress and days overdue.
    let all = list("zorg-a", admin.clone(), "").await;
    assert_eq!(all["total"], 4, "{all}");
    let items = all["items"].as_array().unwrap();
    assert_eq!(items[0]["name"], "Anna de Vries");
    assert_eq!(
        (
            items[0]["state"].as_str(),
            items[0]["days_overdue"].as_i64()
        ),
        (Some("late"), Some(3))
    );
    let state_of = |name: &str| {
        items.iter().find(|i| i["name"] == name).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(state_of("Bram Jansen"), "in_progress");
    assert_eq!(state_of("Chantal Bakker"), "not_started");
    assert_eq!(state_of("Daan Visser"), "completed");
    let bram_row = items.iter().find(|i| i["name"] == "Bram Jansen").unwrap();
    assert_eq!(
        (
            bram_row["done"].as_i64(),
            bram_row["blocks"].as_i64(),
            bram_row["percent"].as_i64()
        ),
        (Some(1), Some(3), Some(33))
    );
    assert!(bram_row["last_activity_at"].is_string());
    assert_eq!(bram_row["department"], "De Linde");
    // Filters: late, a department, a name; sorting; a wrong value named.
    let late = list("zorg-a", admin.clone(), "?state=late").await;
    assert_eq!(late["total"], 1);
    assert_eq!(late["items"][0]["name"], "Anna de Vries");
    let anker = list(
        "zorg-a",
        admin.clone(),
        "?department=het+anker&sort=name&dir=desc",
    )
    .await;
    let names: Vec<&str> = anker["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Daan Visser", "Chantal Bakker"]);
    assert_eq!(list("zorg-a", admin.clone(), "?q=BRAM").await["total"], 1);
    let res = c
        .get("zorg-a", "/api/v1/learning/people?state=kwijt")
        .bearer(&admin)
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "state");

    // A teacher sees the learners of the groups they teach, nobody else; a learner nothing.
    assert_eq!(list("zorg-a", teacher_token.clone(), "").await["total"], 0);
    let group = c
        .post("zorg-a", "/api/v1/learning/groups")
        .bearer(&admin)
        .json(&json!({"name": "De Linde"}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (user, role) in [(teacher, "teacher"), (anna, "learner"), (bram, "learner")] {
        c.put(
            "zorg-a",
            &format!("/api/v1/learning/groups/{group}/members/{user}"),
        )
        .bearer(&admin)
        .json(&json!({"role": role}))
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    }
    let taught = list("zorg-a", teacher_token.clone(), "").await;
    assert_eq!(taught["total"], 2, "{taught}");
    assert_eq!(taught["items"][0]["groups"], json!(["De Linde"]));
    c.get("zorg-a", "/api/v1/learning/people")
        .bearer(&bram_token)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Another member's admin sees none of these people.
    assert_eq!(list("zorg-b", b_admin.clone(), "").await["total"], 0);

    // The admin's overview names the late person first, with days late and deadline.
    let session = app.login("zorg-a", "beheer@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/leren/overzicht")
        .session(&session)
        .send()
        .await
        .text();
    let table = html
        .split("data-testid=\"people-table\"")
        .nth(1)
        .expect("the people table");
    assert!(
        table.find("Anna de Vries").unwrap() < table.find("Bram Jansen").unwrap(),
        "{table}"
    );
    assert!(table.contains("3 dagen te laat"), "{table}");
    // The teacher's group page lists the group's people.
    let teacher_session = app.login("zorg-a", "docent@zorg-a.test").await;
    let html = c
        .get("zorg-a", &format!("/leren/groepen/{group}"))
        .session(&teacher_session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Anna de Vries")
            && html.contains("3 dagen te laat")
            && !html.contains("Daan Visser"),
        "{html}"
    );

    // Exports: every matching row, as filtered.
    let res = c
        .get("zorg-a", "/leren/mensen.csv?state=late")
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let csv = res.text();
    assert!(
        csv.starts_with("\u{feff}Naam;E-mailadres;Afdeling"),
        "{csv}"
    );
    assert!(
        csv.contains("Anna de Vries;anna@zorg-a.test;De Linde;De Linde;Valpreventie;te laat;0;"),
        "{csv}"
    );
    assert!(!csv.contains("Bram"), "{csv}");
    let res = c
        .get("zorg-a", "/leren/mensen.xlsx")
        .session(&teacher_session)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        res.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(res.body.starts_with(b"PK\x03\x04"), "a zip container");
    // A's session on B's host is nobody there: to the login page.
    let res = c
        .get("zorg-b", "/leren/mensen.csv")
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(res.location().unwrap().starts_with("/inloggen"));
}

#[tokio::test]
async fn a_completion_counts_in_its_month_also_after_a_refresher_started() {
    let s = setup().await;
    let app = &s.app;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let learner = app.user(&s.a, "anna@zorg-a.test", Role::Learner).await;
    let admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let (module_id, _) = publish(app, "", &s.operator, &module()).await;
    let res = app
        .client
        .post("zorg-a", "/api/v1/learning/enrolments")
        .bearer(&admin)
        .json(&json!({"user_id": learner, "module_id": module_id}))
        .send()
        .await;
    let enrolment: uuid::Uuid = res.json()["id"].as_str().unwrap().parse().unwrap();
    // Completed two months ago, and enrolled again for the refresher since: the completion
    // lives on in past_completions.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "INSERT INTO content.past_completions (tenant_id, enrolment_id, cycle, user_id, module_id, version, completed_at)
         VALUES ($1, $2, 1, $3, $4, 1, date_trunc('month', now()) - interval '2 months' + interval '3 days')",
    )
    .bind(s.a.id.0)
    .bind(enrolment)
    .bind(learner)
    .bind(uuid::Uuid::parse_str(&module_id).unwrap())
    .execute(&mut owner)
    .await
    .unwrap();
    let o = app
        .client
        .get("zorg-a", "/api/v1/learning/overview")
        .bearer(&admin)
        .send()
        .await
        .json();
    let months = o["per_month"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[9]["completed"], 1, "{o}");
    assert_eq!(
        months
            .iter()
            .map(|m| m["completed"].as_i64().unwrap())
            .sum::<i64>(),
        1
    );
}
