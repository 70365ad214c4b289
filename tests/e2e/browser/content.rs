//! The portfolio on a phone: the content pages (catalogue, modules, adoptions, paths, the
//! dashboards) axe-clean and no wider than the phone, and an author building a module with an
//! uploaded picture (progress bar, dragging blocks, publishing).

use super::*;

#[tokio::test]
async fn content_pages_work_on_a_phone_and_meet_wcag_aa() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    let app = app().await;
    let m = app.member("leeraanbod").await;
    let admin = m.user("admin@leeraanbod.test", Role::Admin).await;
    let editor = app.operator("redactie@nzk.test").await;
    // A shared module in two versions (the second drops a block the member anchored to), adopted
    // in review mode; and an own module with a quiz.
    let v1 = editor.publish_module(json!({
        "title": "Medicatie veilig toedienen", "summary": "De vijf juistheden.", "minutes": 30, "mbo_level": 3,
        "tags": ["medicatie"], "blocks": [
            {"type": "text", "markdown": "## De vijf juistheden\n\nControleer **elke keer** cliënt, medicijn, dosis, tijdstip en toedieningsweg."},
            {"type": "text", "markdown": "Dubbele controle bij risicovolle medicatie."},
            {"type": "link", "url": "https://www.zorgvoorbeter.nl", "label": "Zorg voor Beter"}]})).await;
    let shared = v1.id.clone();
    admin.put(&format!("/api/v1/content/adoptions/{shared}")).json(&json!({
        "follow": "review", "intro_markdown": "Bij ons tekent u af in het **eHealth-dossier**.",
        "accents": [{"anchor": v1.block(1), "position": "after", "block": {"type": "text", "markdown": "Bel bij twijfel toestel 2100."}}]}))
        .expect(StatusCode::OK)
        .await;
    let mut doc = v1.doc.clone();
    doc["blocks"] = json!([v1.doc["blocks"][0], v1.doc["blocks"][2]]);
    editor.publish_version(&shared, &doc, "Korter").await;
    let own = admin.publish_module(json!({
        "title": "Welkom bij Leeraanbod", "minutes": 10, "blocks": [
            {"type": "text", "markdown": "Welkom! Zo werken wij."},
            {"type": "quiz", "pass_mark": 100, "questions": [{"prompt": "Wie belt u bij twijfel?", "options": [
                {"text": "De dienstdoende verpleegkundige", "correct": true}, {"text": "Niemand"}]}]}]})).await.id;

    // The admin is enrolled in the own module: its page shows progress and the quiz as a form.
    admin.enrol(&admin, &own).await;
    // Two shared paths: one adopted with the own module added after the shared one, one not.
    let mut paths = Vec::new();
    for title in ["Veilig werken", "Dementiezorg"] {
        paths.push(
            editor
                .publish_path(json!({"title": title, "summary": "De basis.", "modules": [shared], "optional": [shared]}))
                .await,
        );
    }
    let (adopted_path, other_path) = (paths[0].clone(), paths[1].clone());
    admin
        .put(&format!("/api/v1/content/path-adoptions/{adopted_path}"))
        .json(&json!({
        "intro_markdown": "Begin met **onze** welkomstmodule.",
        "accents": [{"anchor": shared, "position": "before", "module": own}]}))
        .expect(StatusCode::OK)
        .await;

    let port = app.serve().await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://leeraanbod.localhost:{port}");
    browser.log_in(&base, "admin@leeraanbod.test").await;
    let dir = zk_test_support::artifacts_dir().join("browser");
    let mut failures = Vec::new();
    for (name, path) in [
        ("catalogue", "/leren".to_owned()),
        ("search", "/leren?q=medicijnen&level=3".to_owned()),
        ("module-adopted", format!("/leren/modules/{shared}")),
        ("module-own", format!("/leren/modules/{own}")),
        (
            "module-enrol",
            format!("/leren/modules/{own}/inschrijvingen"),
        ),
        ("content-dashboard", "/leren/beheer".to_owned()),
        (
            "overlay-editor",
            format!("/leren/beheer/overnames/{shared}"),
        ),
        ("proposals", "/leren/voorstellen".to_owned()),
        ("candidates", "/leren/inzendingen".to_owned()),
        ("author-list", "/leren/auteur".to_owned()),
        ("author-editor", format!("/leren/auteur/{own}")),
        ("author-paths", "/leren/auteur/trajecten".to_owned()),
        ("path-adopted", format!("/leren/trajecten/{adopted_path}")),
        (
            "path-enrol",
            format!("/leren/trajecten/{adopted_path}/inschrijvingen"),
        ),
        ("path-to-adopt", format!("/leren/trajecten/{other_path}")),
        (
            "path-overlay-editor",
            format!("/leren/beheer/trajecten/{adopted_path}"),
        ),
        ("learning-overview", "/leren/overzicht".to_owned()),
        ("groups", "/leren/groepen".to_owned()),
        ("passport", "/leren/paspoort".to_owned()),
    ] {
        browser.goto(&format!("{base}{path}")).await.unwrap();
        browser.find("main h1").await.unwrap();
        check_axe(&browser, &axe, &path, &mut failures).await;
        let overflow = browser
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        if overflow.as_i64().unwrap_or(0) > 0 {
            failures.push(format!("{path}: wider than the phone by {overflow} px"));
        }
        browser
            .screenshot(&dir.join(format!("{name}-360.png")))
            .await
            .unwrap();
    }
    // The search found the module, in Dutch.
    browser
        .goto(&format!("{base}/leren?q=medicijnen"))
        .await
        .unwrap();
    let results = browser.text_of("[data-testid=catalog]").await;
    assert!(results.contains("Medicatie veilig toedienen"), "{results}");
    // The dashboard shows the split and the orphan, and accepting the waiting version works.
    browser.goto(&format!("{base}/leren/beheer")).await.unwrap();
    let share = browser.text_of("[data-testid=own-share]").await;
    assert!(share.contains("50% eigen"), "{share}");
    browser.click("form[action$='/accepteren'] button").await;
    let flash = browser.text_of("[data-testid=flash]").await;
    assert!(flash.contains("Versie 2"), "{flash}");
    let orphans = browser.text_of("[data-testid=orphans]").await;
    assert!(
        orphans.contains("1 eigen blok staat niet meer op zijn plek"),
        "{orphans}"
    );
    check_axe(
        &browser,
        &axe,
        "/leren/beheer (after accepting)",
        &mut failures,
    )
    .await;
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "problems:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn an_author_builds_a_module_with_an_uploaded_image_on_a_phone() {
    let Some(axe) = browser_and_axe() else {
        return;
    };
    // Small multipart threshold, so the 12 MB picture goes up in three parts and the bar moves.
    let app = app_with(|c| {
        c.media_multipart_threshold = 1 << 20;
        c.media_part_size = 5 << 20;
    })
    .await;
    let m = app.member("schrijvers").await;
    m.user("auteur@schrijvers.test", Role::Author).await;
    let port = app.serve().await;
    let browser = Browser::start_with_size(360, 740).await.unwrap();
    let base = format!("http://schrijvers.localhost:{port}");
    let mut failures = Vec::new();
    browser.log_in(&base, "auteur@schrijvers.test").await;

    browser.goto(&format!("{base}/leren/auteur")).await.unwrap();
    check_axe(&browser, &axe, "/leren/auteur", &mut failures).await;
    browser.fill("#title", "Valpreventie thuis").await;
    browser
        .click("form[action='/leren/auteur'] button[type=submit]")
        .await;
    let editor = browser
        .wait_for_url_contains("/leren/auteur/", Duration::from_secs(10))
        .await
        .unwrap();
    let open_all = "document.querySelectorAll('details').forEach(function (d) { d.open = true; });";

    // A text block, made bold with the toolbar and seen in the live preview as learners will.
    browser.fill("#nieuw-tekst", "Ruim losse kleden op.").await;
    browser
        .execute(
            "const t = document.getElementById('nieuw-tekst'); t.focus(); t.setSelectionRange(5, 17);",
            vec![],
        )
        .await
        .unwrap();
    browser
        .click(".md-toolbar[data-md-for='nieuw-tekst'] [data-md=bold]")
        .await;
    let typed = browser
        .execute(
            "return document.getElementById('nieuw-tekst').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(typed, json!("Ruim **losse kleden** op."));
    assert_eq!(
        browser.text_of("[data-testid=md-preview] strong").await,
        "losse kleden"
    );
    check_axe(&browser, &axe, "editor with preview", &mut failures).await;
    browser
        .click("[data-testid=add-text] button[type=submit]")
        .await;
    browser
        .wait_for_url_contains("opgeslagen=1", Duration::from_secs(10))
        .await
        .unwrap();

    // An image, uploaded straight to the store with a progress bar.
    let mut picture = b"\x89PNG\r\n\x1a\n".to_vec();
    picture.resize(12 << 20, 0x55);
    let path = std::env::temp_dir().join(format!("zk-trap-{}.png", uuid::Uuid::new_v4()));
    std::fs::write(&path, &picture).unwrap();
    browser.execute(open_all, vec![]).await.unwrap();
    browser
        .execute("sessionStorage.removeItem('zkUploadLog');", vec![])
        .await
        .unwrap();
    browser.fill("#image-file", path.to_str().unwrap()).await;
    browser
        .fill("#image-alt", "Een trap met een leuning aan beide kanten")
        .await;
    browser
        .click("[data-testid=add-image] button[type=submit]")
        .await;
    let mut shown = false;
    for _ in 0..100 {
        if browser.find_all("img.block-image").await.unwrap().len() == 1 {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the image block appears after the upload");
    let log = browser
        .execute(
            "return JSON.parse(sessionStorage.getItem('zkUploadLog') || '[]');",
            vec![],
        )
        .await
        .unwrap();
    let seen: Vec<i64> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_i64())
        .collect();
    assert!(
        seen.iter().any(|p| *p > 0 && *p < 100),
        "the bar showed progress in between: {seen:?}"
    );
    assert_eq!(seen.last(), Some(&100), "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "it only moves forward: {seen:?}"
    );
    let _ = std::fs::remove_file(&path);

    // A quiz question.
    browser.execute(open_all, vec![]).await.unwrap();
    browser.fill("#quiz-prompt", "Wat voorkomt vallen?").await;
    browser.fill("#option1", "Goed licht op de trap").await;
    browser.fill("#option2", "Losse kleden").await;
    browser
        .click("[data-testid=add-quiz] input[name=correct][value='1']")
        .await;
    browser
        .click("[data-testid=add-quiz] button[type=submit]")
        .await;
    // The address already says "opgeslagen" (from the picture): wait for the third block itself.
    let mut blocks = 0;
    for _ in 0..100 {
        blocks = browser
            .find_all("[data-testid=editor-blocks] > li")
            .await
            .unwrap()
            .len();
        if blocks == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(blocks, 3, "text, picture and quiz");
    // Dragging the quiz to the top (HTML5 drag events, as the browser sends them) reorders.
    let quiz_id = browser
        .execute("return document.querySelectorAll('[data-testid=editor-blocks] > li')[2].dataset.block;", vec![])
        .await
        .unwrap();
    browser
        .execute(
            "var items = document.querySelectorAll('[data-testid=editor-blocks] > li');
             var dt = new DataTransfer();
             var first = items[0].getBoundingClientRect();
             items[2].dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: dt }));
             items[0].dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt, clientY: first.top + 1 }));
             items[0].dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));",
            vec![],
        )
        .await
        .unwrap();
    let mut first = serde_json::Value::Null;
    for _ in 0..100 {
        first = browser
            .execute("var li = document.querySelector('[data-testid=editor-blocks] > li'); return li && li.dataset.block;", vec![])
            .await
            .unwrap_or_default();
        if first == quiz_id {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(first, quiz_id, "the dragged quiz is first after the reload");
    check_axe(&browser, &axe, "editor", &mut failures).await;
    browser
        .screenshot(&zk_test_support::artifacts_dir().join("browser/author-editor-360.png"))
        .await
        .unwrap();

    // Publish; the catalogue shows it and the module page has the picture.
    browser.fill("#change-note", "Eerste versie").await;
    browser
        .click("[data-testid=publish] button[type=submit]")
        .await;
    browser
        .wait_for_url_contains("gepubliceerd=1", Duration::from_secs(10))
        .await
        .unwrap();
    browser.goto(&format!("{base}/leren")).await.unwrap();
    let list = browser.text_of("[data-testid=catalog]").await;
    assert!(list.contains("Valpreventie thuis"), "{list}");
    let id = editor
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    browser
        .goto(&format!("{base}/leren/modules/{id}"))
        .await
        .unwrap();
    let img = browser.find("img.block-image").await.unwrap();
    assert_eq!(
        img.attr("alt").await.unwrap().as_deref(),
        Some("Een trap met een leuning aan beide kanten")
    );
    // The picture comes from the store through the page's redirect (12 MB, as uploaded).
    let fetched = browser
        .execute(
            "return fetch(document.querySelector('img.block-image').src).then(function (r) { return r.status + ':' + r.headers.get('content-length'); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fetched, serde_json::json!(format!("200:{}", 12 << 20)));
    check_axe(&browser, &axe, "module", &mut failures).await;
    browser.quit().await.unwrap();
    assert!(failures.is_empty(), "problems:\n{}", failures.join("\n"));
}
