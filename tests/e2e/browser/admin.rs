//! Administration on a phone and a desktop: an admin blocks users after a confirmation that
//! names them, and an operator edits a member and resends its admin's invitation.

use super::*;

#[tokio::test]
async fn an_admin_blocks_users_after_a_confirmation_that_names_them_on_a_phone_and_a_desktop() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("blokkeren").await;
    m.user("admin@blokkeren.test", Role::Admin).await;
    let mut people = Vec::new();
    for (i, name) in [
        "Sanne de Boer",
        "Ruben Yilmaz",
        "Noor Bakker",
        "Tim Smit",
        "Fleur Bos",
        "Gijs Mulder",
    ]
    .iter()
    .enumerate()
    {
        let id = m
            .user(&format!("mw{i}@blokkeren.test"), Role::Learner)
            .await
            .id;
        // Names and departments as a staff file sets them, written straight into the table.
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query("UPDATE tenant.users SET display_name = $1, department = $2 WHERE id = $3")
            .bind(name)
            .bind(if i % 2 == 0 { "Thuiszorg" } else { "De Linde" })
            .bind(id)
            .execute(&mut owner)
            .await
            .unwrap();
        people.push((id, *name));
    }
    let port = app.serve().await;
    let base = format!("http://blokkeren.localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (round, (width, height)) in [(360, 740), (1280, 800)].into_iter().enumerate() {
        let browser = Browser::start_with_size(width, height).await.unwrap();
        browser.log_in(&base, "admin@blokkeren.test").await;

        // The table: names, departments, status; no sideways scrolling.
        browser.goto(&format!("{base}/beheer")).await.unwrap();
        let rows = browser.find_all("[data-testid=user-row]").await.unwrap();
        assert_eq!(
            rows.len(),
            8,
            "six staff, the admin and the first admin's invitation"
        );
        assert!(browser.fits_the_window().await, "/beheer fits {width} px");
        check_axe(
            &browser,
            &axe,
            &format!("/beheer at {width}"),
            &mut failures,
        )
        .await;
        browser
            .screenshot(&dir.join(format!("users-{width}.png")))
            .await
            .unwrap();

        // One user: blocking asks first, naming them; then the page says it was done.
        let (id, name) = people[round * 3];
        browser
            .click(&format!("a[href='/beheer/gebruikers/{id}']"))
            .await;
        browser.click("[data-testid=block] summary").await;
        let question = browser.text_of("[data-testid=block-question]").await;
        assert!(question.contains(name), "{question}");
        check_axe(
            &browser,
            &axe,
            &format!("user page at {width}"),
            &mut failures,
        )
        .await;
        browser.click("[data-testid=block] button.danger").await;
        let flash = browser
            .wait_for_text("[data-testid=flash]", "is geblokkeerd")
            .await;
        assert!(flash.starts_with(name), "{flash}");
        let focused = browser
            .execute(
                "return document.activeElement.dataset.testid || '';",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            focused, "flash",
            "the message gets the focus, so it is read out"
        );
        let status = browser.text_of("[data-testid=user-status]").await;
        assert_eq!(status, "geblokkeerd");
        browser
            .screenshot(&dir.join(format!("user-blocked-{width}.png")))
            .await
            .unwrap();

        // Two at once from the table: a page that names both, then the message.
        browser.goto(&format!("{base}/beheer")).await.unwrap();
        for (id, _) in &people[round * 3 + 1..round * 3 + 3] {
            browser
                .click(&format!("input[name=ids][value='{id}']"))
                .await;
        }
        browser
            .execute(
                "document.getElementById('bulk-action').value = 'block';",
                vec![],
            )
            .await
            .unwrap();
        browser.click("#bulk button[type=submit]").await;
        let list = browser
            .wait_for_text("[data-testid=confirm-list]", people[round * 3 + 1].1)
            .await;
        assert!(list.contains(people[round * 3 + 2].1), "{list}");
        check_axe(
            &browser,
            &axe,
            &format!("bulk confirmation at {width}"),
            &mut failures,
        )
        .await;
        browser
            .screenshot(&dir.join(format!("users-confirm-{width}.png")))
            .await
            .unwrap();
        browser.click("[data-testid=confirm-submit]").await;
        let flash = browser
            .wait_for_text("[data-testid=flash]", "2 geblokkeerd")
            .await;
        assert!(flash.contains(people[round * 3 + 1].1), "{flash}");
        assert!(browser.fits_the_window().await);
        browser.quit().await.unwrap();
    }
    let mut owner = app.db.owner().await.unwrap();
    let blocked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenant.users WHERE status = 'disabled'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(blocked, 6);
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn an_operator_edits_a_member_and_resends_its_admins_invitation_on_a_phone_and_a_desktop() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    app.operator("op@nzk.test").await;
    app.member("console-a").await;
    app.member("console-b").await;
    let port = app.serve().await;
    let nzk = format!("http://localhost:{port}");
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (slug, (width, height)) in [("console-a", (360, 740)), ("console-b", (1280, 800))] {
        let browser = Browser::start_with_size(width, height).await.unwrap();
        browser.log_in(&nzk, "op@nzk.test").await;
        browser.goto(&format!("{nzk}/console")).await.unwrap();
        assert!(browser.fits_the_window().await, "/console fits {width} px");
        browser
            .screenshot(&dir.join(format!("console-members-{width}.png")))
            .await
            .unwrap();
        browser
            .click(&format!("a[href='/console/leden/{slug}']"))
            .await;
        browser.find("[data-testid=member-users]").await.unwrap();
        check_axe(
            &browser,
            &axe,
            &format!("console member at {width}"),
            &mut failures,
        )
        .await;
        // Edit: name and employee count.
        browser.click("[data-testid=edit-member] summary").await;
        let name = browser.find("#name").await.unwrap();
        name.clear().await.unwrap();
        name.send_keys("Zorgcentrum Nieuwe Naam").await.unwrap();
        let employees = browser.find("#employee_count").await.unwrap();
        employees.clear().await.unwrap();
        employees.send_keys("260").await.unwrap();
        browser
            .click("[data-testid=edit-member] button[type=submit]")
            .await;
        browser
            .wait_for_text("[data-testid=flash]", "opgeslagen")
            .await;
        assert_eq!(browser.text_of("main h1").await, "Zorgcentrum Nieuwe Naam");
        assert_eq!(
            browser.text_of("[data-testid=member-employees]").await,
            "260"
        );
        // Resend the admin's invitation.
        browser.click("[data-testid=resend-admin]").await;
        let flash = browser
            .wait_for_text("[data-testid=flash]", "nieuwe uitnodiging")
            .await;
        assert!(flash.contains(&format!("beheer@{slug}.test")), "{flash}");
        assert!(
            browser.fits_the_window().await,
            "the member page fits {width} px"
        );
        check_axe(
            &browser,
            &axe,
            &format!("console member after actions at {width}"),
            &mut failures,
        )
        .await;
        browser
            .screenshot(&dir.join(format!("console-member-{width}.png")))
            .await
            .unwrap();
        browser.quit().await.unwrap();
    }
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}
