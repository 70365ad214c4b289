//! The daily work of HR, teachers and care workers (issue 22) in Chromium: the admin finds the
//! three late people by name and downloads the list, the teacher sees on a phone who is behind
//! in their group, and the care worker's home puts the late module first and ends it with the
//! proof. axe-clean; screenshots in `test-artifacts/browser/`.

use super::*;

/// `member`'s learners `names` (address `{first name}@{slug}.test`) in department De Linde,
/// enrolled by `admin` in `module`; the first `late` of them three days past the deadline, the
/// others due in a month. Returns them.
async fn staff(
    app: &TestApp,
    member: &Member,
    admin: &User,
    module: &str,
    names: &[&str],
    late: usize,
) -> Vec<User> {
    let mut owner = app.db.owner().await.unwrap();
    let mut users = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let first = name.split(' ').next().unwrap().to_lowercase();
        let user = member
            .user(&format!("{first}@{}.test", member.slug), Role::Learner)
            .await;
        sqlx::query(
            "UPDATE tenant.users SET display_name = $1, department = 'De Linde' WHERE id = $2",
        )
        .bind(name)
        .bind(user.id)
        .execute(&mut owner)
        .await
        .unwrap();
        let e = admin.enrol(&user, module).await;
        let days = if i < late { -3 } else { 30 };
        sqlx::query(
            "UPDATE content.enrolments SET deadline = (now() AT TIME ZONE 'Europe/Amsterdam')::date + $1 WHERE id = $2::uuid",
        )
        .bind(days)
        .bind(&e.id)
        .execute(&mut owner)
        .await
        .unwrap();
        users.push(user);
    }
    users
}

/// Opens the menu where the phone layout hides it, then follows its link to `path`.
async fn menu_to(browser: &Browser, path: &str) {
    let button = browser.find(".menu-button").await.unwrap();
    if button.css_value("display").await.unwrap() != "none" {
        button.click().await.unwrap();
    }
    browser.click(&format!("#hoofdmenu a[href='{path}']")).await;
    browser
        .wait_for_url_contains(path, Duration::from_secs(10))
        .await
        .unwrap();
}

/// Whether every element matching `css` lies within the window's width.
async fn all_within_width(browser: &Browser, css: &str) -> bool {
    browser
        .execute(
            "const all = Array.from(document.querySelectorAll(arguments[0]));
             return all.length > 0 && all.every(e => {
               const r = e.getBoundingClientRect();
               return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
             });",
            vec![json!(css)],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

#[tokio::test]
async fn the_admin_finds_the_three_late_people_by_name_and_downloads_the_list() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("zorg-hr").await;
    let admin = m.user("hr@zorg-hr.test", Role::Admin).await;
    let module = admin
        .publish_module(quiz_module("Medicatieveiligheid"))
        .await;
    staff(
        &app,
        &m,
        &admin,
        &module.id,
        &[
            "Anna de Vries",
            "Bram Jansen",
            "Chantal Bakker",
            "Daan Visser",
            "Esra Smit",
        ],
        3,
    )
    .await;
    let port = app.serve().await;
    let base = format!("http://zorg-hr.localhost:{port}");
    let mut failures = Vec::new();
    for (width, height) in [(1280, 800), (360, 740)] {
        let browser = Browser::start_with_size(width, height).await.unwrap();
        browser.log_in(&base, "hr@zorg-hr.test").await;
        // Click one: the overview from the menu; the late people are on top, by name.
        menu_to(&browser, "/leren/overzicht").await;
        let rows = browser.find_all("[data-testid=person]").await.unwrap();
        let mut top = Vec::new();
        for row in rows.iter().take(3) {
            top.push(row.text().await.unwrap());
        }
        for name in ["Anna de Vries", "Bram Jansen", "Chantal Bakker"] {
            assert!(
                top.iter()
                    .any(|t| t.contains(name) && t.contains("3 dagen te laat")),
                "{name} late on top at {width}: {top:?}"
            );
        }
        // Click two: only the late ones.
        browser.click("#mensen-status option[value='late']").await;
        browser
            .click("[data-testid=people-filter] button[type=submit]")
            .await;
        browser
            .wait_for_url_contains("state=late", Duration::from_secs(10))
            .await
            .unwrap();
        browser
            .wait_for_text("[data-testid=people-count]", "3 inschrijvingen")
            .await;
        assert_eq!(
            browser
                .find_all("[data-testid=person]")
                .await
                .unwrap()
                .len(),
            3
        );
        if width == 360 {
            // Cards: the state and the deadline are on the screen, not in an off-screen column.
            assert!(browser.fits_the_window().await, "no sideways scrolling");
            assert!(all_within_width(&browser, "[data-testid=person-state]").await);
            assert!(all_within_width(&browser, "tr.person .person-deadline").await);
        }
        check_axe(
            &browser,
            &axe,
            &format!("late list at {width}"),
            &mut failures,
        )
        .await;
        browser
            .screenshot_full_page(
                &zk_test_support::artifacts_dir().join(format!("browser/late-list-{width}.png")),
            )
            .await
            .unwrap();
        // The download is the filtered list, as the browser fetches it.
        let csv = browser
            .execute(
                "const a = document.querySelector('[data-testid=people-csv]');
                 return fetch(a.href, { credentials: 'same-origin' }).then(r => r.text());",
                vec![],
            )
            .await
            .unwrap();
        let csv = csv.as_str().unwrap();
        assert!(
            csv.contains("Anna de Vries")
                && csv.contains("Chantal Bakker")
                && !csv.contains("Esra Smit"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 4, "a header and three people: {csv}");
        browser.quit().await.unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_teacher_sees_who_is_behind_in_their_group_on_a_phone() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("zorg-groep").await;
    let admin = m.user("hr@zorg-groep.test", Role::Admin).await;
    let teacher = m.user("docent@zorg-groep.test", Role::Teacher).await;
    let module = admin.publish_module(quiz_module("Tilliften")).await;
    let people = staff(
        &app,
        &m,
        &admin,
        &module.id,
        &["Fatima Amrani", "Gijs de Boer", "Hanna Mulder"],
        1,
    )
    .await;
    admin
        .make_group(
            "Nachtdienst De Linde",
            &[
                (&teacher, "teacher"),
                (&people[0], "learner"),
                (&people[1], "learner"),
                (&people[2], "learner"),
            ],
        )
        .await;
    let port = app.serve().await;
    let base = format!("http://zorg-groep.localhost:{port}");
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    browser.log_in(&base, "docent@zorg-groep.test").await;
    menu_to(&browser, "/leren/groepen").await;
    browser.click("main a[href^='/leren/groepen/']").await;
    browser.find("[data-testid=people]").await.unwrap();
    let first = browser.text_of("[data-testid=person]").await;
    assert!(
        first.contains("Fatima Amrani") && first.contains("3 dagen te laat"),
        "the late learner first: {first}"
    );
    assert!(browser.fits_the_window().await, "no sideways scrolling");
    assert!(all_within_width(&browser, "[data-testid=person-state]").await);
    assert!(all_within_width(&browser, "tr.person .person-deadline").await);
    let mut failures = Vec::new();
    check_axe(&browser, &axe, "group page at 360", &mut failures).await;
    browser
        .screenshot_full_page(
            &zk_test_support::artifacts_dir().join("browser/teacher-group-360.png"),
        )
        .await
        .unwrap();
    // The name leads to the person's record, with the late enrolment and its deadline form.
    browser.click("[data-testid=person] .person-name a").await;
    browser
        .wait_for_url_contains("/leren/mensen/", Duration::from_secs(10))
        .await
        .unwrap();
    let record = browser.text_of("[data-testid=record-enrolment]").await;
    assert!(record.contains("Tilliften"), "{record}");
    assert!(browser.fits_the_window().await, "the record fits a phone");
    check_axe(&browser, &axe, "record at 360", &mut failures).await;
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_care_workers_home_puts_the_late_module_first_and_ends_it_with_the_proof() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("zorg-dag").await;
    let admin = m.user("hr@zorg-dag.test", Role::Admin).await;
    let learner = m.learner().await;
    let short = |title: &str| {
        json!({"title": title, "minutes": 10, "blocks": [
            {"type": "text", "markdown": "Lees dit eerst."},
            {"type": "quiz", "pass_mark": 50, "questions": [{"prompt": "Klopt dit?", "options": [
                {"text": "Ja", "correct": true}, {"text": "Nee"}]}]}]})
    };
    let later = admin.publish_module(short("Tilliften")).await;
    let late = admin.publish_module(short("Handhygiëne")).await;
    admin.enrol_until(&learner, &later.id, "2099-06-30").await;
    let late_e = admin.enrol(&learner, &late.id).await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET deadline = (now() AT TIME ZONE 'Europe/Amsterdam')::date - 2 WHERE id = $1::uuid")
        .bind(&late_e.id)
        .execute(&mut owner)
        .await
        .unwrap();
    let port = app.serve().await;
    let base = format!("http://zorg-dag.localhost:{port}");
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    browser.log_in(&base, &learner.email).await;
    let mut failures = Vec::new();
    // The first task is the late one, in words; the one big button goes on with it.
    let first = browser.text_of("[data-testid=enrolment]").await;
    assert!(
        first.contains("Handhygiëne") && first.contains("2 dagen te laat"),
        "{first}"
    );
    check_axe(&browser, &axe, "home at 360", &mut failures).await;
    browser
        .screenshot_full_page(
            &zk_test_support::artifacts_dir().join("browser/care-worker-home-360.png"),
        )
        .await
        .unwrap();
    browser.click("[data-testid=continue]").await;
    browser
        .wait_for_url_contains(
            &format!("/leren/modules/{}", late.id),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    browser.click("[data-testid=mark-done] button").await;
    browser
        .wait_for_text("[data-testid=progress] label", "1 van 2 onderdelen klaar")
        .await;
    browser
        .find_all("[data-testid=quiz-form] input[type=radio]")
        .await
        .unwrap()[0]
        .click()
        .await
        .unwrap();
    browser
        .click("[data-testid=quiz-form] button[type=submit]")
        .await;
    // Passing the last quiz ends the module: the panel offers the proof.
    browser
        .wait_for_text("[data-testid=completion-panel] h2", "Gehaald")
        .await;
    browser
        .find("[data-testid=completion-panel] [data-testid=proof-pdf]")
        .await
        .unwrap();
    assert!(browser
        .find_all("[data-testid=quiz-form]")
        .await
        .unwrap()
        .is_empty());
    assert!(browser.fits_the_window().await);
    check_axe(&browser, &axe, "completed module at 360", &mut failures).await;
    browser
        .screenshot_full_page(
            &zk_test_support::artifacts_dir().join("browser/care-worker-completed-360.png"),
        )
        .await
        .unwrap();
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_reviewers_menu_counts_the_contributions_waiting() {
    if !browser() {
        return;
    }
    let s = two_members().await;
    let reviewer = s.b.reviewer().await;
    for title in ["Mondzorg bij ouderen", "Slikproblemen"] {
        let own = s
            .a_author
            .publish_module(module(title, "Poets twee keer per dag."))
            .await;
        s.a_author
            .post(&format!("/api/v1/content/modules/{}/contribute", own.id))
            .json(&json!({"licence": "CC-BY-4.0"}))
            .expect(StatusCode::CREATED)
            .await;
    }
    // The number counts other members' contributions: none wait for A's own reviewers.
    let waiting = |who: &User| {
        who.get("/api/v1/content/candidates/waiting")
            .expect(StatusCode::OK)
    };
    assert_eq!(waiting(&reviewer).await.json()["waiting"], 2);
    assert_eq!(waiting(&s.a.reviewer().await).await.json()["waiting"], 0);
    s.b_author
        .get("/api/v1/content/candidates/waiting")
        .expect(StatusCode::FORBIDDEN)
        .await;
    let port = s.app.serve().await;
    let browser = Browser::start_with_size(1280, 800).await.unwrap();
    browser
        .log_in(&format!("http://zorg-b.localhost:{port}"), &reviewer.email)
        .await;
    let item = browser
        .wait_for_text("#hoofdmenu a[href='/leren/inzendingen']", "2")
        .await;
    // The badge, and what it means in words for screen readers.
    assert_eq!(
        item.split_whitespace().collect::<Vec<_>>().join(" "),
        "Inzendingen 2 wachten op een beoordeling"
    );
    assert_eq!(browser.text_of("[data-testid=menu-count]").await, "2");
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn a_logo_and_a_long_name_never_run_under_the_menu_button_on_a_phone() {
    if !browser() {
        return;
    }
    let app = app().await;
    let m = app.member("zorg-lang").await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("UPDATE tenant.tenants SET name = 'Stichting Thuiszorg en Verpleeghuizen Noordoost-Nederland' WHERE id = $1")
        .bind(m.id.0)
        .execute(&mut owner)
        .await
        .unwrap();
    zk_tenant::domain::branding::upload_logo(
        &app.platform,
        &m.tenant().await,
        include_bytes!("../../../tenants/demo/media/veilige-kamer.png")
            .to_vec()
            .into(),
    )
    .await
    .unwrap();
    let learner = m.learner().await;
    let port = app.serve().await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    browser
        .log_in(
            &format!("http://zorg-lang.localhost:{port}"),
            &learner.email,
        )
        .await;
    browser.find(".brand-logo").await.unwrap();
    let apart = browser
        .execute(
            "const a = document.querySelector('.brand').getBoundingClientRect();
             const b = document.querySelector('.menu-button').getBoundingClientRect();
             const name = document.querySelector('.brand-name').getBoundingClientRect();
             return [a.right <= b.left || a.bottom <= b.top || a.top >= b.bottom,
                     name.right <= b.left || name.bottom <= b.top,
                     document.documentElement.scrollWidth <= window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        apart,
        json!([true, true, true]),
        "brand, name and menu button apart"
    );
    // No word of the name is split over two lines (a hyphen may end a line).
    let broken = browser
        .execute(
            "const text = document.querySelector('.brand-name').firstChild;
             const broken = [];
             for (const m of text.textContent.matchAll(/[^\\s-]+/g)) {
               const r = document.createRange();
               r.setStart(text, m.index); r.setEnd(text, m.index + m[0].length);
               if (r.getClientRects().length > 1) broken.push(m[0]);
             }
             return broken;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(broken, json!([]), "words broken mid-word");
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/long-name-logo-360.png"))
        .await
        .unwrap();
    browser.quit().await.unwrap();
}
