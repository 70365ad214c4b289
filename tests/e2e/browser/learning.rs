//! Learning on a phone: a learner takes a module with a quiz to its proof and passport, and an
//! admin imports 300 staff while the page follows the job.

use super::*;

/// A learner on a phone: opens the module they were enrolled in, marks the text done, fails the
/// quiz once, passes it, finishes the module; every step is the server's answer on the page.
#[tokio::test]
async fn a_learner_takes_a_module_with_a_quiz_on_a_phone() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("leren").await;
    let admin = m.user("admin@leren.test", Role::Admin).await;
    let learner = m.learner().await;
    let id = admin
        .publish_module(json!({
        "title": "Valpreventie thuis", "minutes": 10, "blocks": [
            {"type": "text", "markdown": "Goed licht op de trap voorkomt vallen."},
            {"type": "quiz", "pass_mark": 100, "questions": [{"prompt": "Wat helpt het meest?", "options": [
                {"text": "Goed licht", "correct": true},
                {"text": "Losse kleden", "feedback": "Nee: daar struikelt u over."}]}]},
            {"type": "link", "url": "https://www.veiligheid.nl", "label": "Meer over vallen"}]}))
        .await
        .id;
    admin.enrol(&learner, &id).await;

    let port = app.serve().await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://leren.localhost:{port}");
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    browser.submit_login("leerling@leren.test").await;
    browser.find("section.welcome").await.unwrap();
    // The home lists the enrolment; the module is one tap away.
    let home_failures = axe_violations(&browser, &axe).await;
    browser.click("[data-testid=enrolment] h3 a").await;
    browser
        .wait_for_url_contains(&format!("/leren/modules/{id}"), Duration::from_secs(10))
        .await
        .unwrap();
    // Pages change under the driver after each form; read text once the page shows it.
    let progress =
        |expected: &'static str| browser.wait_for_text("[data-testid=progress] label", expected);
    progress("0 van 3 onderdelen klaar").await;
    let mut failures: Vec<String> = axe_violations(&browser, &axe).await;
    failures.extend(home_failures);
    // The text: done.
    browser.click("[data-testid=mark-done] button").await;
    browser
        .wait_for_url_contains("#blok-", Duration::from_secs(10))
        .await
        .unwrap();
    progress("1 van 3 onderdelen klaar").await;
    // The quiz, wrong first: the server's result with the feedback.
    let answer = |n: usize| {
        let browser = &browser;
        async move {
            browser
                .find_all("[data-testid=quiz-form] input[type=radio]")
                .await
                .unwrap()[n]
                .click()
                .await
                .unwrap();
            browser
                .click("[data-testid=quiz-form] button[type=submit]")
                .await;
        }
    };
    answer(1).await;
    browser
        .wait_for_url_contains("poging=1", Duration::from_secs(10))
        .await
        .unwrap();
    let result = browser
        .wait_for_text("[data-testid=quiz-result]", "Nog niet gehaald")
        .await;
    assert!(result.contains("daar struikelt u over"), "{result}");
    failures.extend(axe_violations(&browser, &axe).await);
    answer(0).await;
    browser
        .wait_for_url_contains("poging=2", Duration::from_secs(10))
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=quiz-result]", "Gehaald: 100% goed")
        .await;
    progress("2 van 3 onderdelen klaar").await;
    // The link: done, and the module is complete.
    browser.click("[data-testid=mark-done] button").await;
    browser.find("[data-testid=completed]").await.unwrap();
    progress("3 van 3 onderdelen klaar").await;
    let overflow = browser
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "no sideways scrolling");
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/learner-module-completed.png"))
        .await
        .unwrap();
    // The proof: its page, then the public check it points to.
    browser.click("[data-testid=proof-link]").await;
    let verify = browser
        .wait_for_text("[data-testid=verify-url]", "/bewijs/")
        .await;
    failures.extend(axe_violations(&browser, &axe).await);
    // The PDF behind the download button, fetched as the browser would.
    let pdf = browser
        .execute(
            "const a = document.querySelector('[data-testid=proof-pdf]');
             return fetch(a.href, { credentials: 'same-origin' }).then(function (r) {
               return r.arrayBuffer().then(function (b) {
                 return [r.status, r.headers.get('content-type'), new TextDecoder().decode(b.slice(0, 5))];
               });
             });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        pdf,
        json!([200, "application/pdf", "%PDF-"]),
        "the proof downloads as a PDF"
    );
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/learner-proof.png"))
        .await
        .unwrap();
    let code = verify.rsplit('/').next().unwrap().to_owned();
    browser
        .goto(&format!("{base}/bewijs/{code}"))
        .await
        .unwrap();
    browser.find("[data-testid=proof-verified]").await.unwrap();
    failures.extend(axe_violations(&browser, &axe).await);
    // The passport lists the completed module.
    browser
        .goto(&format!("{base}/leren/paspoort"))
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=passport]", "Valpreventie thuis")
        .await;
    failures.extend(axe_violations(&browser, &axe).await);
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/learner-passport.png"))
        .await
        .unwrap();
    // The admin sees the completion in the member's overview at once.
    logout(&browser).await;
    browser
        .wait_for_url_contains("/inloggen", Duration::from_secs(10))
        .await
        .ok();
    browser.goto(&format!("{base}/inloggen")).await.unwrap();
    browser.submit_login("admin@leren.test").await;
    browser.find("section.welcome").await.unwrap();
    browser
        .goto(&format!("{base}/leren/overzicht"))
        .await
        .unwrap();
    browser
        .wait_for_text("[data-testid=totals]", "1 afgerond (100%)")
        .await;
    browser
        .wait_for_text("[data-testid=overview-modules]", "Valpreventie thuis")
        .await;
    failures.extend(axe_violations(&browser, &axe).await);
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "axe: {failures:#?}");
}

/// An admin on a phone imports 300 staff from a semicolon file: picks it, reads the check (the
/// row with an error as a card with the person's name and the reason in view, not in a table
/// column off the screen), starts it, and the page follows the job (progress bar, then the
/// result) by itself.
#[tokio::test]
async fn an_admin_imports_staff_on_a_phone_and_the_page_follows_the_job() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("personeel").await;
    m.user("admin@personeel.test", Role::Admin).await;
    let port = app.serve().await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://personeel.localhost:{port}");
    let mut failures = Vec::new();
    browser.log_in(&base, "admin@personeel.test").await;

    let mut file = String::from("\u{feff}Naam;E-mail;Afdeling\r\n");
    for i in 0..300 {
        file.push_str(&format!(
            "Medewerker {i};m{i}@personeel.test;Team {}\r\n",
            i % 7
        ));
    }
    file.push_str("Zonder adres;;Team 1\r\n");
    let path = std::env::temp_dir().join(format!("zk-personeel-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&path, file).unwrap();

    browser
        .goto(&format!("{base}/beheer/import"))
        .await
        .unwrap();
    check_axe(&browser, &axe, "/beheer/import", &mut failures).await;
    browser.fill("#file", path.to_str().unwrap()).await;
    browser
        .click("form[action='/beheer/import'] button[type=submit]")
        .await;
    let summary = browser
        .wait_for_text("[data-testid=summary]", "301 regels")
        .await;
    assert!(summary.contains("300 nieuwe medewerkers"), "{summary}");
    assert!(summary.contains("1 met een fout"), "{summary}");
    let name = browser
        .wait_for_text("[data-testid=problem-name]", "Zonder adres")
        .await;
    assert_eq!(name.trim(), "Zonder adres");
    let in_view = browser
        .execute(
            "const r = document.querySelector('[data-testid=problem-reason]').getBoundingClientRect();
             return [r.left, r.right, r.width, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let [left, right, width, screen] = [0, 1, 2, 3].map(|i| in_view[i].as_f64().unwrap());
    assert!(
        left >= 0.0 && right <= screen && width > 0.0,
        "the reason at {left}..{right} of a {screen} px screen"
    );
    let reason = browser.find("[data-testid=problem-reason]").await.unwrap();
    assert!(
        reason
            .text()
            .await
            .unwrap()
            .contains("e-mailadres ontbreekt"),
        "the reason is shown"
    );
    check_axe(&browser, &axe, "import preview", &mut failures).await;
    browser.click("[data-testid=start]").await;
    let result = browser
        .wait_for_text("[data-testid=result]", "300 aangemaakt")
        .await;
    assert!(result.contains("1 niet geïmporteerd"), "{result}");
    check_axe(&browser, &axe, "import result", &mut failures).await;
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/staff-import.png"))
        .await
        .unwrap();
    browser.quit().await.unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(app.count("tenant.users").await, 302);
    assert!(failures.is_empty(), "axe:\n{}", failures.join("\n"));
}
