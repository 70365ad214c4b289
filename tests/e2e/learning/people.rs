//! Who is late or behind (issue 22, part 1): the people list in the API, on the admin's
//! overview and a teacher's group page, exported as CSV and XLSX, scoped to what the caller may
//! see; and completions counted in their month.

use crate::support::*;

/// Gives `user` a display name and a department (as the staff import or HR would).
async fn name(app: &TestApp, user: &User, name: &str, department: &str) {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.users SET display_name = $1, department = $2 WHERE id = $3")
        .bind(name)
        .bind(department)
        .bind(user.id)
        .execute(&mut owner)
        .await
        .unwrap();
}

#[tokio::test]
async fn admins_and_teachers_see_who_is_late_by_name_and_export_it() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let b_admin = s.b.admin().await;
    let mut people = Vec::new();
    for (email, full, department) in [
        ("anna@zorg-a.test", "Anna de Vries", "De Linde"),
        ("bram@zorg-a.test", "Bram Jansen", "De Linde"),
        ("chantal@zorg-a.test", "Chantal Bakker", "Het Anker"),
        ("daan@zorg-a.test", "Daan Visser", "Het Anker"),
    ] {
        let user = s.a.user(email, Role::Learner).await;
        name(app, &user, full, department).await;
        people.push(user);
    }
    let [anna, bram, chantal, daan] = <[User; 4]>::try_from(people).ok().unwrap();
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    admin.enrol_until(&anna, &module.id, "2027-01-31").await;
    let bram_e = admin.enrol_until(&bram, &module.id, "2027-01-31").await;
    admin.enrol_until(&chantal, &module.id, "2027-06-30").await;
    let daan_e = admin.enrol_until(&daan, &module.id, "2027-06-30").await;
    // Anna's deadline passed three days ago; Bram started; Daan completed.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET deadline = (now() AT TIME ZONE 'Europe/Amsterdam')::date - 3 WHERE user_id = $1")
        .bind(anna.id)
        .execute(&mut owner)
        .await
        .unwrap();
    bram.mark_done(&bram_e, &module.block(0)).await;
    daan.complete(&daan_e, &module).await;

    let list = |who: &User, query: &str| {
        let res = who
            .get(&format!("/api/v1/learning/people{query}"))
            .expect(StatusCode::OK);
        async move { res.await.json() }
    };
    // Everyone, late first; each with their state, progress and days overdue.
    let all = list(&admin, "").await;
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
    let row = |name: &str| items.iter().find(|i| i["name"] == name).unwrap().clone();
    assert_eq!(row("Bram Jansen")["state"], "in_progress");
    assert_eq!(row("Chantal Bakker")["state"], "not_started");
    assert_eq!(row("Daan Visser")["state"], "completed");
    let bram_row = row("Bram Jansen");
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
    let late = list(&admin, "?state=late").await;
    assert_eq!(late["total"], 1);
    assert_eq!(late["items"][0]["name"], "Anna de Vries");
    let anker = list(&admin, "?department=het+anker&sort=name&dir=desc").await;
    let names: Vec<&str> = anker["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Daan Visser", "Chantal Bakker"]);
    assert_eq!(list(&admin, "?q=BRAM").await["total"], 1);
    let res = admin
        .get("/api/v1/learning/people?state=kwijt")
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "state");

    // A teacher sees the learners of the groups they teach, nobody else; a learner nothing.
    assert_eq!(list(&teacher, "").await["total"], 0);
    let group = admin
        .make_group(
            "De Linde",
            &[
                (&teacher, "teacher"),
                (&anna, "learner"),
                (&bram, "learner"),
            ],
        )
        .await;
    let taught = list(&teacher, "").await;
    assert_eq!(taught["total"], 2, "{taught}");
    assert_eq!(taught["items"][0]["groups"], json!(["De Linde"]));
    bram.get("/api/v1/learning/people")
        .expect(StatusCode::FORBIDDEN)
        .await;
    // Another member's admin sees none of these people.
    assert_eq!(list(&b_admin, "").await["total"], 0);

    // The admin's overview names the late person first, with days late and deadline.
    let session = admin.login().await;
    let html = session.page("/leren/overzicht").await;
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
    let teacher_session = teacher.login().await;
    let html = teacher_session
        .page(&format!("/leren/groepen/{group}"))
        .await;
    assert!(
        html.contains("Anna de Vries")
            && html.contains("3 dagen te laat")
            && !html.contains("Daan Visser"),
        "{html}"
    );

    // Exports: every matching row, as filtered.
    let csv = session.page("/leren/mensen.csv?state=late").await;
    assert!(
        csv.starts_with("\u{feff}Naam;E-mailadres;Afdeling"),
        "{csv}"
    );
    assert!(
        csv.contains("Anna de Vries;anna@zorg-a.test;De Linde;De Linde;Valpreventie;te laat;0;"),
        "{csv}"
    );
    assert!(!csv.contains("Bram"), "{csv}");
    let res = teacher_session
        .get("/leren/mensen.xlsx")
        .expect(StatusCode::OK)
        .await;
    assert_eq!(
        res.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(res.body.starts_with(b"PK\x03\x04"), "a zip container");
    // A's session on B's host is nobody there: to the login page.
    let res = Session::new(app, s.b.host(), &session.cookie)
        .get("/leren/mensen.csv")
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert!(res.location().unwrap().starts_with("/inloggen"));
}

#[tokio::test]
async fn a_completion_counts_in_its_month_also_after_a_refresher_started() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let learner = &s.a_learner;
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let enrolment = admin.enrol(learner, &module.id).await;
    // Completed two months ago, and enrolled again for the refresher since: the completion
    // lives on in past_completions.
    let mut owner = s.app.db.owner().await.unwrap();
    sqlx::query(
        "INSERT INTO content.past_completions (tenant_id, enrolment_id, cycle, user_id, module_id, version, completed_at)
         VALUES ($1, $2::uuid, 1, $3, $4::uuid, 1, date_trunc('month', now()) - interval '2 months' + interval '3 days')",
    )
    .bind(s.a.id.0)
    .bind(&enrolment.id)
    .bind(learner.id)
    .bind(&module.id)
    .execute(&mut owner)
    .await
    .unwrap();
    let o = admin
        .get("/api/v1/learning/overview")
        .expect(StatusCode::OK)
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
