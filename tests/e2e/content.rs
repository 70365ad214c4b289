//! Content portfolio: drafts and versions on both sides (NZK portfolio, a member's own modules),
//! the catalogue with Dutch search, isolation over HTTP and at SQL level, and bad input.

use crate::support::App;
use http::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, Row};
use zk_kernel::authz::Role;

/// A module document with a text block, a quiz and a link.
fn module(title: &str, text: &str) -> Value {
    json!({
        "title": title,
        "summary": "Korte module voor de praktijk.",
        "target_group": "Verzorgenden IG",
        "mbo_level": 3,
        "minutes": 20,
        "tags": ["Veiligheid"],
        "blocks": [
            {"type": "text", "markdown": text},
            {"type": "quiz", "pass_mark": 50, "questions": [{"prompt": "Wat doet u eerst?", "options": [
                {"text": "Controleren", "correct": true, "feedback": "Goed: eerst controleren."},
                {"text": "Toedienen", "feedback": "Nee, eerst controleren."}]}]},
            {"type": "link", "url": "https://www.zorgvoorbeter.nl", "label": "Zorg voor Beter"}
        ]
    })
}

struct Setup {
    app: App,
    a: crate::support::Member,
    b: crate::support::Member,
    a_author: String,
    a_learner: String,
    b_author: String,
    operator: String,
}

async fn setup() -> Setup {
    let app = App::new().await;
    let a = app.member("zorg-a").await;
    let b = app.member("zorg-b").await;
    app.user(&a, "auteur@zorg-a.test", Role::Author).await;
    app.user(&a, "leerling@zorg-a.test", Role::Learner).await;
    app.user(&b, "auteur@zorg-b.test", Role::Author).await;
    let a_author = app.token(&a, "auteur@zorg-a.test").await;
    let a_learner = app.token(&a, "leerling@zorg-a.test").await;
    let b_author = app.token(&b, "auteur@zorg-b.test").await;
    let (_, operator) = app.operator("redactie@nzk.test").await;
    Setup {
        app,
        a,
        b,
        a_author,
        a_learner,
        b_author,
        operator,
    }
}

/// Creates and publishes a module; returns its id and the created draft.
async fn publish(app: &App, host: &str, token: &str, doc: &Value) -> (String, Value) {
    let res = app
        .client
        .post(host, "/api/v1/content/modules")
        .bearer(token)
        .json(doc)
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let draft = res.json();
    let id = draft["id"].as_str().unwrap().to_owned();
    app.client
        .post(host, &format!("/api/v1/content/modules/{id}/publish"))
        .bearer(token)
        .json(&json!({"change_note": "Eerste versie"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    (id, draft)
}

async fn catalog(app: &App, host: &str, token: &str, query: &str) -> Value {
    let res = app
        .client
        .get(host, &format!("/api/v1/catalog{query}"))
        .bearer(token)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    res.json()
}

fn titles(page: &Value) -> Vec<String> {
    let mut t: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

#[tokio::test]
async fn drafts_become_numbered_versions_and_the_catalogue_shows_shared_and_own() {
    let s = setup().await;
    let app = &s.app;
    let (shared, _) = publish(
        app,
        "",
        &s.operator,
        &module(
            "Medicatie veilig toedienen",
            "Controleer elk medicijn twee keer.",
        ),
    )
    .await;
    let (own, draft) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Onze werkwijze", "Zo werken wij."),
    )
    .await;

    // Every block got an id; a new draft reorders the blocks by id and edits the text.
    let blocks = draft["draft"]["blocks"].as_array().unwrap().clone();
    assert!(blocks.iter().all(|b| b["id"].is_string()), "{draft}");
    let mut doc = draft["draft"].clone();
    let mut reordered = vec![blocks[2].clone(), blocks[0].clone(), blocks[1].clone()];
    reordered[1]["markdown"] = json!("Zo werken wij **samen**.");
    doc["blocks"] = json!(reordered);
    let res = app
        .client
        .put("zorg-a", &format!("/api/v1/content/modules/{own}"))
        .bearer(&s.a_author)
        .json(&doc)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let ids: Vec<Value> = res.json()["draft"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].clone())
        .collect();
    assert_eq!(
        ids,
        vec![
            blocks[2]["id"].clone(),
            blocks[0]["id"].clone(),
            blocks[1]["id"].clone()
        ]
    );
    app.client
        .post("zorg-a", &format!("/api/v1/content/modules/{own}/publish"))
        .bearer(&s.a_author)
        .json(&json!({"change_note": "Tekst aangescherpt"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let detail = app
        .client
        .get("zorg-a", &format!("/api/v1/content/modules/{own}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    let versions: Vec<i64> = detail["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![2, 1]);
    assert_eq!(detail["versions"][0]["change_note"], "Tekst aangescherpt");

    // Member A sees both; member B only the shared one.
    let page = catalog(app, "zorg-a", &s.a_learner, "").await;
    assert_eq!(page["total"], 2);
    assert_eq!(
        titles(&page),
        vec!["Medicatie veilig toedienen", "Onze werkwijze"]
    );
    let page = catalog(app, "zorg-b", &s.b_author, "").await;
    assert_eq!(titles(&page), vec!["Medicatie veilig toedienen"]);
    assert_eq!(page["items"][0]["source"], "nzk");

    // A learner reads the latest version without the quiz answers.
    let res = app
        .client
        .get("zorg-a", &format!("/api/v1/catalog/{own}"))
        .bearer(&s.a_learner)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let m = res.json();
    assert_eq!(
        (m["version"].as_i64(), m["source"].as_str()),
        (Some(2), Some("own"))
    );
    let text = m.to_string();
    assert!(
        text.contains("Controleren")
            && !text.contains("\"correct\"")
            && !text.contains("eerst controleren"),
        "{text}"
    );
    let res = app
        .client
        .get("zorg-b", &format!("/api/v1/catalog/{shared}"))
        .bearer(&s.b_author)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["version"], 1);

    // Learners read but don't write.
    let res = app
        .client
        .post("zorg-a", "/api/v1/content/modules")
        .bearer(&s.a_learner)
        .json(&module("Mag niet", "x"))
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);

    // The pages: catalogue and module, rendered for a logged-in learner.
    let session = app.login("zorg-a", "leerling@zorg-a.test").await;
    let res = app
        .client
        .get("zorg-a", "/leren")
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let html = res.text();
    assert!(html.contains("Medicatie veilig toedienen") && html.contains("Onze werkwijze"));
    assert!(html.contains(&format!("/leren/modules/{own}")));
    let res = app
        .client
        .get("zorg-a", &format!("/leren/modules/{own}"))
        .session(&session)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let html = res.text();
    assert!(
        html.contains("Zo werken wij <strong>samen</strong>."),
        "{html}"
    );
    assert!(html.contains("versie 2") && html.contains("Wat doet u eerst?"));
    assert!(!html.contains("Goed: eerst controleren."));
}

#[tokio::test]
async fn parallel_publishes_get_consecutive_versions() {
    let s = setup().await;
    let (id, _) = publish(&s.app, "zorg-a", &s.a_author, &module("Parallel", "Tekst.")).await;
    let path = format!("/api/v1/content/modules/{id}/publish");
    let results = crate::support::at_once(6, |_| {
        s.app
            .client
            .post("zorg-a", &path)
            .bearer(&s.a_author)
            .json(&json!({"change_note": "Nog een keer"}))
    })
    .await;
    let mut versions: Vec<i64> = results
        .iter()
        .map(|r| {
            r.assert_status(StatusCode::CREATED);
            r.json()["version"].as_i64().unwrap()
        })
        .collect();
    versions.sort();
    assert_eq!(versions, vec![2, 3, 4, 5, 6, 7]);
}

#[tokio::test]
async fn another_members_modules_are_out_of_reach_and_unchanged() {
    let s = setup().await;
    let app = &s.app;
    let (b_module, b_draft) = publish(
        app,
        "zorg-b",
        &s.b_author,
        &module("Geheim van B", "Alleen voor B: medicijn."),
    )
    .await;
    let (shared, _) = publish(app, "", &s.operator, &module("Gedeeld", "Voor iedereen.")).await;
    let before: (String, i64) = {
        let mut conn = app.db.owner().await.unwrap();
        let row = sqlx::query(
            "SELECT draft::text, (SELECT count(*) FROM content.module_versions WHERE module_id = $1) FROM content.modules WHERE id = $1",
        )
        .bind(uuid::Uuid::parse_str(&b_module).unwrap())
        .fetch_one(&mut conn)
        .await
        .unwrap();
        (row.get(0), row.get(1))
    };

    let c = &app.client;
    let mut edited = b_draft["draft"].clone();
    edited["title"] = json!("Overgenomen door A");
    for (method, path, body) in [
        ("GET", format!("/api/v1/content/modules/{b_module}"), None),
        (
            "PUT",
            format!("/api/v1/content/modules/{b_module}"),
            Some(edited.clone()),
        ),
        (
            "POST",
            format!("/api/v1/content/modules/{b_module}/publish"),
            Some(json!({"change_note": "x"})),
        ),
        ("GET", format!("/api/v1/catalog/{b_module}"), None),
        // A member's author can't edit the shared portfolio through its own host either.
        ("GET", format!("/api/v1/content/modules/{shared}"), None),
        (
            "PUT",
            format!("/api/v1/content/modules/{shared}"),
            Some(edited.clone()),
        ),
        (
            "POST",
            format!("/api/v1/content/modules/{shared}/publish"),
            Some(json!({"change_note": "x"})),
        ),
    ] {
        let mut req = c
            .request(method.parse().unwrap(), "zorg-a", &path)
            .bearer(&s.a_author);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await;
        res.assert_status(StatusCode::NOT_FOUND);
        assert_eq!(res.error_code(), "not_found", "{method} {path}");
    }
    // B's token on A's host, and a member token on the NZK side, are not credentials there.
    c.get("zorg-a", "/api/v1/content/modules")
        .bearer(&s.b_author)
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    c.post("", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&module("Via NZK", "x"))
        .send()
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let session = app.login("zorg-a", "auteur@zorg-a.test").await;
    c.get("zorg-a", &format!("/leren/modules/{b_module}"))
        .session(&session)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Not listed, not found by search, not among A's drafts.
    let page = catalog(app, "zorg-a", &s.a_author, "?q=medicijn").await;
    assert_eq!(titles(&page), Vec::<String>::new());
    let page = catalog(app, "zorg-a", &s.a_author, "").await;
    assert_eq!(titles(&page), vec!["Gedeeld"]);
    let drafts = c
        .get("zorg-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(drafts["items"].as_array().unwrap().len(), 0);

    let after: (String, i64) = {
        let mut conn = app.db.owner().await.unwrap();
        let row = sqlx::query(
            "SELECT draft::text, (SELECT count(*) FROM content.module_versions WHERE module_id = $1) FROM content.modules WHERE id = $1",
        )
        .bind(uuid::Uuid::parse_str(&b_module).unwrap())
        .fetch_one(&mut conn)
        .await
        .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(before, after, "B's module is unchanged");
    assert_eq!(app.count("content.shared_module_versions").await, 1);
    let _ = (&s.a, &s.b);
}

#[tokio::test]
async fn shared_rows_are_read_by_every_member_and_written_only_by_operators_at_sql_level() {
    let s = setup().await;
    let app = &s.app;
    let (shared, _) = publish(app, "", &s.operator, &module("Gedeeld", "Voor iedereen.")).await;
    let (own, _) = publish(app, "zorg-a", &s.a_author, &module("Eigen", "Van A.")).await;
    let shared = uuid::Uuid::parse_str(&shared).unwrap();
    let own = uuid::Uuid::parse_str(&own).unwrap();
    let mut conn = app.db.app().await.unwrap();

    // As member A: published shared versions are readable, shared drafts are not.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(s.a.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM content.shared_module_versions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM content.shared_modules")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0, "shared drafts are the operators' alone");
    let updated = sqlx::query("UPDATE content.shared_modules SET draft = '{}' WHERE id = $1")
        .bind(shared)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    tx.rollback().await.unwrap();

    for (what, sql) in [
        (
            "insert a shared module",
            "INSERT INTO content.shared_modules (id, draft, created_by) VALUES (gen_random_uuid(), '{}', gen_random_uuid())",
        ),
        (
            "insert a shared version",
            "INSERT INTO content.shared_module_versions (module_id, version, title, summary, minutes, tags, language, doc, change_note, published_by)
             SELECT module_id, 99, 'x', '', 1, '{}', 'nl', doc, 'x', published_by FROM content.shared_module_versions LIMIT 1",
        ),
        ("change a shared version", "UPDATE content.shared_module_versions SET title = 'x'"),
        ("delete a shared version", "DELETE FROM content.shared_module_versions"),
        ("change an own version", "UPDATE content.module_versions SET title = 'x'"),
        ("delete an own version", "DELETE FROM content.module_versions"),
    ] {
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT tenant.set_tenant($1)")
            .bind(s.a.id.0)
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = sqlx::query(sql).execute(&mut *tx).await.err();
        let code = err
            .as_ref()
            .and_then(|e| e.as_database_error())
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{what}: {err:?}");
        tx.rollback().await.unwrap();
    }

    // Member B sees neither A's modules nor its versions; with no tenant nothing is visible.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(s.b.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM content.modules WHERE id = $1) + (SELECT count(*) FROM content.module_versions WHERE module_id = $1)",
    )
    .bind(own)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM content.shared_module_versions")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0, "without a tenant even the portfolio is hidden");

    // The platform tenant (operators) may write the portfolio.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant(tenant.platform_tenant())")
        .execute(&mut *tx)
        .await
        .unwrap();
    let n = sqlx::query("UPDATE content.shared_modules SET draft = draft WHERE id = $1")
        .bind(shared)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1);
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn bad_modules_are_refused_with_the_field_and_nothing_is_written() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let cases = [
        (
            json!({"type": "text", "markdown": "Klik <a href=\"x\" onclick=\"steel()\">hier</a>"}),
            "unsafe_markdown",
            "blocks[0].markdown",
        ),
        (
            json!({"type": "text", "markdown": "[meer](javascript:alert(1))"}),
            "unsafe_markdown",
            "blocks[0].markdown",
        ),
        (
            json!({"type": "image", "media": "t/x/foto.png", "alt": ""}),
            "missing_alt",
            "blocks[0].alt",
        ),
        (
            json!({"type": "quiz", "pass_mark": 60, "questions": [{"prompt": "Wat?", "options": [{"text": "a"}, {"text": "b"}]}]}),
            "quiz_no_correct",
            "blocks[0].questions[0].options",
        ),
    ];
    for (block, code, field) in cases {
        let res = c
            .post("zorg-a", "/api/v1/content/modules")
            .bearer(&s.a_author)
            .json(&json!({"title": "Fout", "minutes": 10, "blocks": [block]}))
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.json();
        assert_eq!(body["error"]["code"], code);
        assert_eq!(body["error"]["field"], field);
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let res = c
        .post("zorg-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&json!({"minutes": 10}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "title");
    assert_eq!(app.count("content.modules").await, 0);

    // A draft that pulls in a block of another module (B's) is refused; the draft stays.
    let (_, b_draft) = publish(app, "zorg-b", &s.b_author, &module("Van B", "B.")).await;
    let (own, a_draft) = publish(app, "zorg-a", &s.a_author, &module("Van A", "A.")).await;
    let mut doc = a_draft["draft"].clone();
    doc["blocks"]
        .as_array_mut()
        .unwrap()
        .push(b_draft["draft"]["blocks"][0].clone());
    let res = c
        .put("zorg-a", &format!("/api/v1/content/modules/{own}"))
        .bearer(&s.a_author)
        .json(&doc)
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["code"], "unknown_block");
    assert_eq!(res.json()["error"]["field"], "blocks[3].id");
    let now = c
        .get("zorg-a", &format!("/api/v1/content/modules/{own}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(now["draft"], a_draft["draft"]);

    // A video may be drafted without captions, not published.
    let res = c
        .post("zorg-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&json!({"title": "Film", "minutes": 5, "blocks": [{"type": "video", "media": "t/x/film.mp4", "title": "Tillen"}]}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let film = res.json()["id"].as_str().unwrap().to_owned();
    let versions_before = app.count("content.module_versions").await;
    let res = c
        .post("zorg-a", &format!("/api/v1/content/modules/{film}/publish"))
        .bearer(&s.a_author)
        .json(&json!({"change_note": "Klaar"}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["code"], "captions_required");
    assert_eq!(res.json()["error"]["field"], "blocks[0].captions");
    let res = c
        .post("zorg-a", &format!("/api/v1/content/modules/{own}/publish"))
        .bearer(&s.a_author)
        .json(&json!({"change_note": "  "}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "change_note");
    assert_eq!(app.count("content.module_versions").await, versions_before);
}

#[tokio::test]
async fn search_stems_dutch_words_and_filters() {
    let s = setup().await;
    let app = &s.app;
    let mut m = module("Veilig werken", "Controleer elk medicijn twee keer.");
    m["mbo_level"] = json!(2);
    m["minutes"] = json!(15);
    publish(app, "", &s.operator, &m).await;
    let mut m = module(
        "Tillen en transfers",
        "Gebruik de tillift bij elke transfer.",
    );
    m["mbo_level"] = json!(3);
    m["minutes"] = json!(45);
    m["tags"] = json!(["Ergonomie"]);
    publish(app, "", &s.operator, &m).await;
    publish(
        app,
        "zorg-a",
        &s.a_author,
        &module(
            "Onze medicatieronde",
            "Het medicijnkarretje staat bij de balie.",
        ),
    )
    .await;
    publish(
        app,
        "zorg-b",
        &s.b_author,
        &module("Medicijnen bij B", "Elk medicijn van B."),
    )
    .await;

    let l = &s.a_learner;
    // "medicijnen" finds the module whose text only says "medicijn" (Dutch stemming).
    assert_eq!(
        titles(&catalog(app, "zorg-a", l, "?q=medicijnen").await),
        vec!["Veilig werken"]
    );
    // A title hit ranks above a text hit.
    let page = catalog(app, "zorg-a", l, "?q=transfer").await;
    assert_eq!(titles(&page), vec!["Tillen en transfers"]);
    assert_eq!(
        titles(&catalog(app, "zorg-a", l, "?level=3").await),
        vec!["Onze medicatieronde", "Tillen en transfers"]
    );
    assert_eq!(
        titles(&catalog(app, "zorg-a", l, "?max_minutes=15").await),
        vec!["Veilig werken"]
    );
    assert_eq!(
        titles(&catalog(app, "zorg-a", l, "?source=own").await),
        vec!["Onze medicatieronde"]
    );
    assert_eq!(
        titles(&catalog(app, "zorg-a", l, "?tag=ergonomie").await),
        vec!["Tillen en transfers"]
    );
    let page = catalog(app, "zorg-a", l, "?per_page=2&page=2").await;
    assert_eq!(
        (
            page["total"].as_i64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(3), 1)
    );
    // B's own module never shows up at A.
    let all = catalog(app, "zorg-a", l, "?q=medicijn").await;
    assert!(!titles(&all).contains(&"Medicijnen bij B".to_owned()));

    for (query, field) in [
        ("?level=7", "level"),
        ("?source=iedereen", "source"),
        ("?page=0", "page"),
    ] {
        let res = app
            .client
            .get("zorg-a", &format!("/api/v1/catalog{query}"))
            .bearer(l)
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["error"]["field"], field);
    }
    // The page: search box and result.
    let session = app.login("zorg-a", "leerling@zorg-a.test").await;
    let html = app
        .client
        .get("zorg-a", "/leren?q=medicijnen")
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Veilig werken") && !html.contains("Tillen en transfers"),
        "{html}"
    );
    assert!(html.contains("Aantal modules: 1"), "{html}");
}
