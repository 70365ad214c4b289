//! Content portfolio: drafts and versions on both sides (NZK portfolio, a member's own modules),
//! the catalogue with Dutch search, isolation over HTTP and at SQL level, and bad input.

use crate::support::App;
use http::StatusCode;
use serde_json::{json, Value};
use sqlx::{Connection, Row};
use zk_kernel::authz::Role;

/// A module document with a text block, a quiz and a link.
pub(crate) fn module(title: &str, text: &str) -> Value {
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

pub(crate) struct Setup {
    pub app: App,
    pub a: crate::support::LegacyMember,
    pub b: crate::support::LegacyMember,
    pub a_author: String,
    pub a_learner: String,
    pub b_author: String,
    pub operator: String,
}

pub(crate) async fn setup() -> Setup {
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
pub(crate) async fn publish(app: &App, host: &str, token: &str, doc: &Value) -> (String, Value) {
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
            json!({"type": "image", "media": uuid::Uuid::new_v4(), "alt": ""}),
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
    let video = crate::support::upload(
        app,
        "zorg-a",
        &s.a_author,
        "video",
        "tillen.mp4",
        "video/mp4",
        crate::support::MP4,
    )
    .await;
    let res = c
        .post("zorg-a", "/api/v1/content/modules")
        .bearer(&s.a_author)
        .json(&json!({"title": "Film", "minutes": 5, "blocks": [{"type": "video", "media": video, "title": "Tillen"}]}))
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

/// The block ids of a module as a member's learners get it, with origin and orphan flag.
async fn shown(
    app: &App,
    host: &str,
    token: &str,
    id: &str,
) -> (i64, String, Vec<(String, String, bool)>) {
    let res = app
        .client
        .get(host, &format!("/api/v1/catalog/{id}"))
        .bearer(token)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let m = res.json();
    let blocks = m["module"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_owned(),
                b["origin"].as_str().unwrap().to_owned(),
                b["orphaned"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    (
        m["version"].as_i64().unwrap(),
        m["source"].as_str().unwrap().to_owned(),
        blocks,
    )
}

fn text(markdown: &str) -> Value {
    json!({"type": "text", "markdown": markdown})
}

#[tokio::test]
async fn overlays_follow_new_versions_flag_orphans_and_lose_nothing() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.b, "beheer2@zorg-b.test", Role::Admin).await;
    let b_admin = app.token(&s.b, "beheer2@zorg-b.test").await;
    // NZK v1: A, B (optional), C (quiz, pass mark 60), D.
    let (shared, v1) = publish(
        app,
        "",
        &s.operator,
        &json!({"title": "Decubitus voorkomen", "minutes": 25, "blocks": [
            text("A: wat is decubitus"),
            {"type": "text", "markdown": "B: achtergrond", "optional": true},
            {"type": "quiz", "pass_mark": 60, "questions": [{"prompt": "Hoe vaak wisselen?", "options": [
                {"text": "Elke 2 uur", "correct": true}, {"text": "Nooit"}]}]},
            text("D: afsluiting")
        ]}),
    )
    .await;
    let id = |i: usize| v1["draft"]["blocks"][i]["id"].as_str().unwrap().to_owned();
    let (a, b, q, d) = (id(0), id(1), id(2), id(3));

    // Member A follows NZK automatically: hides B, is stricter on the quiz, adds three accents.
    let res = c
        .put("zorg-a", &format!("/api/v1/content/adoptions/{shared}"))
        .bearer(&s.a_author)
        .json(&json!({
            "follow": "auto",
            "intro_markdown": "Bij ons werkt u met **wisselligging-schema's**.",
            "hidden": [b],
            "pass_marks": {q.clone(): 80},
            "accents": [
                {"anchor": q, "position": "before", "block": text("X: ons schema")},
                {"anchor": d, "position": "after", "block": text("Y: onze contactpersoon")},
                {"anchor": a, "position": "after", "block": text("Z: onze matrassen")}
            ]
        }))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let adoption = res.json();
    let accent = |i: usize| {
        adoption["overlay"]["accents"][i]["block"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (x, y, z) = (accent(0), accent(1), accent(2));
    // Member B reviews new versions first, and adds one accent after D.
    let res = c
        .put("zorg-b", &format!("/api/v1/content/adoptions/{shared}"))
        .bearer(&b_admin)
        .json(&json!({"follow": "review", "accents": [
            {"anchor": d, "position": "after", "block": text("W: alleen bij B")}]}))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let w = res.json()["overlay"]["accents"][0]["block"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let nzk = |i: &str| (i.to_owned(), "nzk".to_owned(), false);
    let own = |i: &str, orphan: bool| (i.to_owned(), "own".to_owned(), orphan);
    let (version, source, blocks) = shown(app, "zorg-a", &s.a_learner, &shared).await;
    assert_eq!((version, source.as_str()), (1, "adopted"));
    assert_eq!(
        blocks,
        vec![
            nzk(&a),
            own(&z, false),
            own(&x, false),
            nzk(&q),
            nzk(&d),
            own(&y, false)
        ]
    );
    let m = c
        .get("zorg-a", &format!("/api/v1/catalog/{shared}"))
        .bearer(&s.a_learner)
        .send()
        .await
        .json();
    assert_eq!(m["module"]["blocks"][3]["pass_mark"], 80);
    assert!(m["intro_markdown"]
        .as_str()
        .unwrap()
        .contains("wisselligging"));

    // NZK v2: the quiz moves to the front, A changes, D is removed, E is new.
    let mut draft = v1["draft"].clone();
    let blocks_v1 = draft["blocks"].as_array().unwrap().clone();
    let mut changed_a = blocks_v1[0].clone();
    changed_a["markdown"] = json!("A: wat is decubitus (herzien)");
    draft["blocks"] = json!([
        blocks_v1[2].clone(),
        changed_a,
        blocks_v1[1].clone(),
        text("E: nieuw")
    ]);
    let res = c
        .put("", &format!("/api/v1/content/modules/{shared}"))
        .bearer(&s.operator)
        .json(&draft)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let e = res.json()["draft"]["blocks"][3]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.post("", &format!("/api/v1/content/modules/{shared}/publish"))
        .bearer(&s.operator)
        .json(&json!({"change_note": "Herzien na nieuwe richtlijn"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);

    // A follows at once: accents moved with their blocks, Y (after the removed D) at the end.
    let (version, _, blocks) = shown(app, "zorg-a", &s.a_learner, &shared).await;
    assert_eq!(version, 2);
    assert_eq!(
        blocks,
        vec![
            own(&x, false),
            nzk(&q),
            nzk(&a),
            own(&z, false),
            nzk(&e),
            own(&y, true)
        ]
    );
    let list = c
        .get("zorg-a", "/api/v1/content/adoptions")
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(list["items"][0]["orphaned"], 1);
    assert_eq!(list["items"][0]["update_waiting"], false);

    // B still shows v1 until its admin accepts v2; then W is the orphan. A's accents never show.
    let (version, source, blocks) = shown(app, "zorg-b", &s.b_author, &shared).await;
    assert_eq!((version, source.as_str()), (1, "adopted"));
    assert_eq!(
        blocks,
        vec![nzk(&a), nzk(&b), nzk(&q), nzk(&d), own(&w, false)]
    );
    let list = c
        .get("zorg-b", "/api/v1/content/adoptions")
        .bearer(&b_admin)
        .send()
        .await
        .json();
    assert_eq!(
        (
            list["items"][0]["shown_version"].as_i64(),
            list["items"][0]["latest_version"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(list["items"][0]["update_waiting"], true);
    let catalog_b = catalog(app, "zorg-b", &s.b_author, "?source=adopted").await;
    assert_eq!(
        (
            catalog_b["items"][0]["version"].as_i64(),
            catalog_b["items"][0]["source"].as_str()
        ),
        (Some(1), Some("adopted"))
    );
    c.post(
        "zorg-b",
        &format!("/api/v1/content/adoptions/{shared}/accept"),
    )
    .bearer(&b_admin)
    .send()
    .await
    .assert_status(StatusCode::OK);
    let (version, _, blocks) = shown(app, "zorg-b", &s.b_author, &shared).await;
    assert_eq!(version, 2);
    assert_eq!(
        blocks,
        vec![nzk(&q), nzk(&a), nzk(&b), nzk(&e), own(&w, true)]
    );
    let text_b = c
        .get("zorg-b", &format!("/api/v1/catalog/{shared}"))
        .bearer(&s.b_author)
        .send()
        .await
        .text();
    assert!(!text_b.contains("onze matrassen") && !text_b.contains("wisselligging"));

    // The module page shows A's intro and marks A's own blocks.
    let session = app.login("zorg-a", "leerling@zorg-a.test").await;
    let html = c
        .get("zorg-a", &format!("/leren/modules/{shared}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("data-testid=\"module-intro\"")
            && html.contains("Aanvulling van Zorg zorg-a"),
        "{html}"
    );
    assert!(html.contains("met eigen accenten"));

    // Ending the adoption removes the accents; the shared module stays.
    c.request(
        http::Method::DELETE,
        "zorg-a",
        &format!("/api/v1/content/adoptions/{shared}"),
    )
    .bearer(&s.a_author)
    .send()
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let (_, source, blocks) = shown(app, "zorg-a", &s.a_learner, &shared).await;
    assert_eq!((source.as_str(), blocks.len()), ("nzk", 4));
}

#[tokio::test]
async fn bad_overlays_are_refused_and_only_shared_modules_can_be_adopted() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let (shared, v1) = publish(app, "", &s.operator, &module("Gedeeld", "Tekst.")).await;
    let (own_a, _) = publish(app, "zorg-a", &s.a_author, &module("Van A", "A.")).await;
    let (own_b, _) = publish(app, "zorg-b", &s.b_author, &module("Van B", "B.")).await;
    let text_id = v1["draft"]["blocks"][0]["id"].as_str().unwrap().to_owned();
    let quiz_id = v1["draft"]["blocks"][1]["id"].as_str().unwrap().to_owned();
    let put = |module: &str, body: Value| {
        c.put("zorg-a", &format!("/api/v1/content/adoptions/{module}"))
            .bearer(&s.a_author)
            .json(&body)
    };
    for (body, code, field) in [
        (json!({"hidden": [text_id]}), "not_optional", "hidden[0]"),
        (
            json!({"pass_marks": {quiz_id.clone(): 40}}),
            "pass_mark_out_of_bounds",
            &*format!("pass_marks.{quiz_id}"),
        ),
        (
            json!({"accents": [{"anchor": uuid::Uuid::new_v4(), "position": "after", "block": text("x")}]}),
            "unknown_block",
            "accents[0].anchor",
        ),
        (
            json!({"accents": [{"anchor": text_id, "position": "after", "block": {"type": "image", "media": uuid::Uuid::new_v4(), "alt": ""}}]}),
            "missing_alt",
            "accents[0].block.alt",
        ),
        (
            json!({"accents": [{"anchor": text_id, "position": "after", "block": {"type": "video", "media": uuid::Uuid::new_v4()}}]}),
            "captions_required",
            "accents[0].block.captions",
        ),
        (
            json!({"intro_markdown": "<iframe src=x>"}),
            "unsafe_markdown",
            "intro_markdown",
        ),
        (json!({"follow": "soms"}), "invalid_field", "follow"),
    ] {
        let res = put(&shared, body.clone()).send().await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (
                res.json()["error"]["code"].as_str(),
                res.json()["error"]["field"].as_str()
            ),
            (Some(code), Some(field)),
            "{body}"
        );
    }
    // Own modules (A's or B's) and unknown ids are not shared modules.
    for module in [
        own_a.clone(),
        own_b.clone(),
        uuid::Uuid::new_v4().to_string(),
    ] {
        put(&module, json!({}))
            .send()
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    assert_eq!(app.count("content.adoptions").await, 0);

    // B's accent ids can't be pulled into A's overlay.
    let res = c
        .put("zorg-b", &format!("/api/v1/content/adoptions/{shared}"))
        .bearer(&s.b_author)
        .json(
            &json!({"accents": [{"anchor": text_id, "position": "after", "block": text("van B")}]}),
        )
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let b_accent = res.json()["overlay"]["accents"][0]["block"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = put(&shared, json!({"accents": [{"anchor": text_id, "position": "after", "block": {"id": b_accent, "type": "text", "markdown": "gekaapt"}}]})).send().await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["code"], "unknown_block");
    // A can't accept or end B's adoption: A has none.
    c.post(
        "zorg-a",
        &format!("/api/v1/content/adoptions/{shared}/accept"),
    )
    .bearer(&s.a_author)
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    c.request(
        http::Method::DELETE,
        "zorg-a",
        &format!("/api/v1/content/adoptions/{shared}"),
    )
    .bearer(&s.a_author)
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(app.count("content.adoptions").await, 1);
    let list = c
        .get("zorg-a", "/api/v1/content/adoptions")
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // Learners don't adopt.
    c.put("zorg-a", &format!("/api/v1/content/adoptions/{shared}"))
        .bearer(&s.a_learner)
        .json(&json!({}))
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cached_pages_follow_publishes_in_this_and_other_processes() {
    let s = setup().await;
    let app = &s.app;
    // A second process on the same database, with its own caches.
    let other = zk_kernel::Platform::start(app.db.config())
        .await
        .expect("second platform");
    let other = zk_test_support::http::TestClient::new(zorgklas::app(&other, None).unwrap());
    let session = app.login("zorg-a", "leerling@zorg-a.test").await;
    let page = |client: &zk_test_support::http::TestClient, path: &str| {
        client.get("zorg-a", path).session(&session).send()
    };
    let (id, _) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Eerste titel", "Tekst."),
    )
    .await;
    let module_path = format!("/leren/modules/{id}");
    for client in [&app.client, &other] {
        assert!(page(client, "/leren").await.text().contains("Eerste titel"));
        assert!(page(client, &module_path)
            .await
            .text()
            .contains("Eerste titel"));
    }
    // A new version and a new shared module: this process sees them at once, the other as soon
    // as the notification arrives; both serve the old page until then at most.
    let draft = app
        .client
        .get("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    let mut doc = draft["draft"].clone();
    doc["title"] = json!("Tweede titel");
    app.client
        .put("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .json(&doc)
        .send()
        .await
        .assert_status(StatusCode::OK);
    app.client
        .post("zorg-a", &format!("/api/v1/content/modules/{id}/publish"))
        .bearer(&s.a_author)
        .json(&json!({"change_note": "Nieuwe titel"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    publish(app, "", &s.operator, &module("Nieuw van NZK", "Tekst.")).await;
    let fresh = |html: String| html.contains("Tweede titel") && html.contains("Nieuw van NZK");
    assert!(fresh(page(&app.client, "/leren").await.text()));
    assert!(page(&app.client, &module_path)
        .await
        .text()
        .contains("Tweede titel"));
    let mut seen = false;
    for _ in 0..50 {
        if fresh(page(&other, "/leren").await.text())
            && page(&other, &module_path)
                .await
                .text()
                .contains("Tweede titel")
        {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        seen,
        "the other process's cached pages were never refreshed"
    );
}

#[tokio::test]
async fn one_rating_and_one_vote_per_member_even_when_sent_at_once() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.b, "beheer@zorg-b.test", Role::Admin).await;
    let a_admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let b_admin = app.token(&s.b, "beheer@zorg-b.test").await;
    let (shared, _) = publish(app, "", &s.operator, &module("Hygiëne", "Handen wassen.")).await;
    let (other, _) = publish(
        app,
        "",
        &s.operator,
        &module("Valpreventie", "Let op drempels."),
    )
    .await;

    // Ten ratings of A at once: all accepted, one row, the last one wins.
    let path = format!("/api/v1/content/ratings/{shared}");
    let results = crate::support::at_once(10, |i| {
        c.put("zorg-a", &path)
            .bearer(&a_admin)
            .json(&json!({"stars": 1 + (i % 5), "comment": format!("poging {i}")}))
    })
    .await;
    assert!(results.iter().all(|r| r.status == StatusCode::OK));
    c.put("zorg-a", &path)
        .bearer(&a_admin)
        .json(&json!({"stars": 4, "comment": "Helder en kort."}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.put("zorg-b", &path)
        .bearer(&b_admin)
        .json(&json!({"stars": 5}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(app.count("content.ratings").await, 2);
    // Everyone sees who rated what.
    let r = c
        .get("zorg-b", &path)
        .bearer(&s.b_author)
        .send()
        .await
        .json();
    assert_eq!(
        (r["count"].as_i64(), r["average"].as_f64()),
        (Some(2), Some(4.5))
    );
    let by_a = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["member"] == "Zorg zorg-a")
        .unwrap();
    assert_eq!(
        (by_a["stars"].as_i64(), by_a["comment"].as_str()),
        (Some(4), Some("Helder en kort."))
    );
    // Learners and authors don't rate for their member; own or unknown modules can't be rated.
    for token in [&s.a_learner, &s.a_author] {
        c.put("zorg-a", &path)
            .bearer(token)
            .json(&json!({"stars": 1}))
            .send()
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    let (own, _) = publish(app, "zorg-a", &s.a_author, &module("Eigen", "x")).await;
    c.put("zorg-a", &format!("/api/v1/content/ratings/{own}"))
        .bearer(&a_admin)
        .json(&json!({"stars": 5}))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let res = c
        .put("zorg-a", &path)
        .bearer(&a_admin)
        .json(&json!({"stars": 6}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "stars");
    // The catalogue shows the average and filters on it.
    let page = catalog(app, "zorg-a", &s.a_learner, "?min_rating=4").await;
    assert_eq!(titles(&page), vec!["Hygiëne"]);
    assert_eq!(page["items"][0]["rating"], 4.5);
    let _ = other;

    // Proposals: filed by an author, voted by admins, once per member however often sent.
    let res = c
        .post("zorg-a", "/api/v1/content/proposals")
        .bearer(&s.a_author)
        .json(&json!({"title": "Module over palliatieve zorg thuis", "description": "Veel vraag in de wijk."}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let proposal = res.json()["id"].as_str().unwrap().to_owned();
    let vote_path = format!("/api/v1/content/proposals/{proposal}/vote");
    let results =
        crate::support::at_once(10, |_| c.post("zorg-a", &vote_path).bearer(&a_admin)).await;
    let created = results
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let repeated = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!((created, repeated), (1, 9));
    for token in [&s.a_learner, &s.a_author] {
        c.post("zorg-a", &vote_path)
            .bearer(token)
            .send()
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    c.post("zorg-b", &vote_path)
        .bearer(&b_admin)
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    assert_eq!(app.count("content.votes").await, 2);
    let list = c
        .get("zorg-b", "/api/v1/content/proposals")
        .bearer(&s.b_author)
        .send()
        .await
        .json();
    let p = &list["items"][0];
    assert_eq!(p["votes"], 2);
    assert_eq!(p["voters"], json!(["Zorg zorg-a", "Zorg zorg-b"]));
    assert_eq!(
        (p["voted"].as_bool(), p["member"].as_str()),
        (Some(true), Some("Zorg zorg-a"))
    );
    c.request(http::Method::DELETE, "zorg-b", &vote_path)
        .bearer(&b_admin)
        .send()
        .await
        .assert_status(StatusCode::NO_CONTENT);
    assert_eq!(app.count("content.votes").await, 1);

    // Operators decide, with a reason; a member can't; a closed proposal takes no votes.
    let status_path = format!("/api/v1/content/proposals/{proposal}/status");
    c.post("zorg-a", &status_path)
        .bearer(&a_admin)
        .json(&json!({"status": "done", "reason": "x"}))
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = c
        .post("", &status_path)
        .bearer(&s.operator)
        .json(&json!({"status": "declined", "reason": ""}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "reason");
    c.post("", &status_path)
        .bearer(&s.operator)
        .json(&json!({"status": "declined", "reason": "Valt onder de module Thuiszorg die in maart komt."}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let res = c.post("zorg-b", &vote_path).bearer(&b_admin).send().await;
    res.assert_status(StatusCode::CONFLICT);
    assert_eq!(res.error_code(), "proposal_closed");
    let list = c
        .get("zorg-a", "/api/v1/content/proposals")
        .bearer(&s.a_learner)
        .send()
        .await
        .json();
    assert_eq!(
        (
            list["items"][0]["status"].as_str(),
            list["items"][0]["status_reason"].as_str()
        ),
        (
            Some("declined"),
            Some("Valt onder de module Thuiszorg die in maart komt.")
        )
    );
}

#[tokio::test]
async fn error_reports_reach_the_operators_queue_and_members_cannot_moderate() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let (shared, v1) = publish(app, "", &s.operator, &module("Wondzorg", "Spoel de wond.")).await;
    let block = v1["draft"]["blocks"][0]["id"].as_str().unwrap().to_owned();
    let res = c
        .post("zorg-a", "/api/v1/content/reports")
        .bearer(&s.a_learner)
        .json(&json!({"module_id": shared, "block_id": block, "message": "De link in dit blok werkt niet meer."}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let report = res.json()["id"].as_str().unwrap().to_owned();
    let res = c
        .post("zorg-a", "/api/v1/content/reports")
        .bearer(&s.a_learner)
        .json(&json!({"module_id": shared, "block_id": uuid::Uuid::new_v4(), "message": "x"}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "block_id");
    assert_eq!(app.count("content.block_reports").await, 1);

    // Visible to every member and in the operators' queue.
    let seen_by_b = c
        .get("zorg-b", "/api/v1/content/reports")
        .bearer(&s.b_author)
        .send()
        .await
        .json();
    assert_eq!(seen_by_b["items"][0]["member"], "Zorg zorg-a");
    let queue = c
        .get("", "/api/v1/content/reports?status=open")
        .bearer(&s.operator)
        .send()
        .await
        .json();
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    assert_eq!(queue["items"][0]["module_title"], "Wondzorg");
    // Members can't resolve (no permission; the route is the NZK side's).
    let resolve = format!("/api/v1/content/reports/{report}/resolve");
    c.post("zorg-b", &resolve)
        .bearer(&s.b_author)
        .json(&json!({"resolution": "x"}))
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    c.post("", &resolve)
        .bearer(&s.operator)
        .json(&json!({"resolution": "Link vervangen in versie 2."}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.post("", &resolve)
        .bearer(&s.operator)
        .json(&json!({"resolution": "nog eens"}))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let queue = c
        .get("", "/api/v1/content/reports?status=open")
        .bearer(&s.operator)
        .send()
        .await
        .json();
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);

    // At SQL level, as the app role: B can't change A's report; A can't moderate its own rows.
    let proposal = c
        .post("zorg-a", "/api/v1/content/proposals")
        .bearer(&s.a_author)
        .json(&json!({"title": "Meer over wondzorg"}))
        .send()
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut conn = app.db.app().await.unwrap();
    assert_eq!(
        as_tenant(
            &mut conn,
            s.b.id.0,
            "UPDATE content.block_reports SET message = 'gewijzigd' WHERE id = $1",
            report.clone()
        )
        .await,
        Ok(0)
    );
    assert_eq!(
        as_tenant(
            &mut conn,
            s.b.id.0,
            "DELETE FROM content.proposals WHERE id = $1",
            proposal.clone()
        )
        .await,
        Err(Some("42501".into()))
    );
    assert_eq!(
        as_tenant(
            &mut conn,
            s.a.id.0,
            "UPDATE content.proposals SET status = 'planned' WHERE id = $1",
            proposal.clone()
        )
        .await,
        Err(Some("42501".into()))
    );
    assert_eq!(
        as_tenant(
            &mut conn,
            s.a.id.0,
            "UPDATE content.proposals SET title = 'Beter geformuleerd' WHERE id = $1",
            proposal.clone()
        )
        .await,
        Ok(1)
    );
    assert_eq!(as_tenant(&mut conn, s.b.id.0, "INSERT INTO content.votes (proposal_id, tenant_id, voted_by) SELECT $1, tenant.platform_tenant(), gen_random_uuid()", proposal.clone()).await, Err(Some("42501".into())));
}

/// Runs `sql` (with `$1` = `id`) as the app role in a rolled-back transaction of tenant `t`:
/// rows affected, or the database's error code.
async fn as_tenant(
    conn: &mut sqlx::PgConnection,
    t: uuid::Uuid,
    sql: &'static str,
    id: String,
) -> Result<u64, Option<String>> {
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(t)
        .execute(&mut *tx)
        .await
        .unwrap();
    let r = sqlx::query(sql)
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .execute(&mut *tx)
        .await;
    tx.rollback().await.unwrap();
    r.map(|r| r.rows_affected()).map_err(|e| {
        e.as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.to_string())
    })
}

/// Subjects of the mails queued for `email`, oldest first.
async fn subjects(app: &App, email: &str) -> Vec<String> {
    let mut conn = app.db.owner().await.unwrap();
    sqlx::query_scalar(
        "SELECT subject FROM tenant.outbox WHERE recipient = $1 ORDER BY created_at, id",
    )
    .bind(email)
    .fetch_all(&mut conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_member_contributes_a_module_and_it_joins_the_portfolio_with_attribution() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beoordelaar@zorg-a.test", Role::Reviewer)
        .await;
    app.user(&s.b, "beoordelaar@zorg-b.test", Role::Reviewer)
        .await;
    let a_reviewer = app.token(&s.a, "beoordelaar@zorg-a.test").await;
    let b_reviewer = app.token(&s.b, "beoordelaar@zorg-b.test").await;
    let (own, draft) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Mondzorg bij ouderen", "Poets twee keer per dag."),
    )
    .await;
    let contribute = format!("/api/v1/content/modules/{own}/contribute");

    // Only the member's authors and admins submit, only own published modules, with a licence.
    c.post("zorg-a", &contribute)
        .bearer(&s.a_learner)
        .json(&json!({"licence": "CC-BY-4.0"}))
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = c
        .post("zorg-a", &contribute)
        .bearer(&s.a_author)
        .json(&json!({"licence": "alle rechten voorbehouden"}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "licence");
    c.post("zorg-b", &contribute)
        .bearer(&s.b_author)
        .json(&json!({"licence": "CC-BY-4.0"}))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(app.count("content.candidates").await, 0);
    let res = c
        .post("zorg-a", &contribute)
        .bearer(&s.a_author)
        .json(&json!({"licence": "CC-BY-SA-4.0", "note": "Gemaakt met onze mondhygiënist."}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let candidate = res.json()["id"].as_str().unwrap().to_owned();
    let cpath = |rest: &str| format!("/api/v1/content/candidates/{candidate}{rest}");

    // Reviewers of another member read the copy (with quiz answers) and comment per block.
    let seen = c
        .get("zorg-b", &cpath(""))
        .bearer(&b_reviewer)
        .send()
        .await
        .json();
    assert_eq!(
        (seen["member"].as_str(), seen["status"].as_str()),
        (Some("Zorg zorg-a"), Some("submitted"))
    );
    assert!(seen["module"].to_string().contains("\"correct\":true"));
    let learner_view = c
        .get("zorg-b", &cpath(""))
        .bearer(&s.b_author)
        .send()
        .await
        .json();
    assert!(
        !learner_view["module"].to_string().contains("\"correct\""),
        "non-reviewers get no answers"
    );
    let block = draft["draft"]["blocks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.post("zorg-b", &cpath("/comments"))
        .bearer(&b_reviewer)
        .json(&json!({"block_id": block, "body": "Noem ook de gebitsprothese."}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    c.post("zorg-b", &cpath("/comments"))
        .bearer(&s.b_author)
        .json(&json!({"body": "x"}))
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // A's own reviewer may not decide; B's reviewer asks for changes.
    let res = c
        .post("zorg-a", &cpath("/review"))
        .bearer(&a_reviewer)
        .json(&json!({"decision": "approve"}))
        .send()
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(res.error_code(), "own_candidate");
    let res = c
        .post("zorg-b", &cpath("/review"))
        .bearer(&b_reviewer)
        .json(&json!({"decision": "request_changes"}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"]["field"], "note");
    c.post("zorg-b", &cpath("/review"))
        .bearer(&b_reviewer)
        .json(&json!({"decision": "request_changes", "note": "Voeg de prothese toe."}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    // Not waiting any more: a second decision is refused; an operator can't publish it yet.
    c.post("", &cpath("/review"))
        .bearer(&s.operator)
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .assert_status(StatusCode::CONFLICT);
    c.post("", &cpath("/publish"))
        .bearer(&s.operator)
        .send()
        .await
        .assert_status(StatusCode::CONFLICT);

    // The author publishes version 2 and submits again: the same candidate, now version 2.
    let mut doc = draft["draft"].clone();
    doc["blocks"][0]["markdown"] = json!("Poets twee keer per dag, ook de gebitsprothese.");
    c.put("zorg-a", &format!("/api/v1/content/modules/{own}"))
        .bearer(&s.a_author)
        .json(&doc)
        .send()
        .await
        .assert_status(StatusCode::OK);
    c.post("zorg-a", &format!("/api/v1/content/modules/{own}/publish"))
        .bearer(&s.a_author)
        .json(&json!({"change_note": "Prothese"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    let res = c
        .post("zorg-a", &contribute)
        .bearer(&s.a_author)
        .json(&json!({"licence": "CC-BY-SA-4.0"}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    assert_eq!(res.json()["id"].as_str(), Some(candidate.as_str()));
    c.post("", &cpath("/review"))
        .bearer(&s.operator)
        .json(&json!({"decision": "approve", "note": "Helder."}))
        .send()
        .await
        .assert_status(StatusCode::OK);

    // Members can't publish; an operator can, once.
    c.post("zorg-b", &cpath("/publish"))
        .bearer(&b_reviewer)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = c
        .post("", &cpath("/publish"))
        .bearer(&s.operator)
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let shared = res.json()["shared_module_id"].as_str().unwrap().to_owned();
    c.post("", &cpath("/publish"))
        .bearer(&s.operator)
        .send()
        .await
        .assert_status(StatusCode::CONFLICT);

    // Every member finds it in the catalogue with attribution; the text is version 2.
    let m = c
        .get("zorg-b", &format!("/api/v1/catalog/{shared}"))
        .bearer(&s.b_author)
        .send()
        .await
        .json();
    assert_eq!(m["source"], "nzk");
    assert_eq!(m["module"]["attribution"]["member"], "Zorg zorg-a");
    assert_eq!(m["module"]["attribution"]["licence"], "CC-BY-SA-4.0");
    assert!(m["module"].to_string().contains("gebitsprothese"));
    let session = app.login("zorg-b", "beoordelaar@zorg-b.test").await;
    let html = c
        .get("zorg-b", &format!("/leren/modules/{shared}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Bijdrage van Zorg zorg-a aan het gedeelde aanbod · licentie CC-BY-SA-4.0"),
        "{html}"
    );

    // The history names every step with who; the author got a mail at each one.
    let detail = c
        .get("zorg-a", &cpath(""))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    let steps: Vec<(String, String)> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["member"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let step = |a: &str, m: &str| (a.to_owned(), m.to_owned());
    assert_eq!(
        steps,
        vec![
            step("submitted", "Zorg zorg-a"),
            step("commented", "Zorg zorg-b"),
            step("changes_requested", "Zorg zorg-b"),
            step("resubmitted", "Zorg zorg-a"),
            step("approved", "Nationale Zorgklas"),
            step("published", "Nationale Zorgklas"),
        ]
    );
    assert_eq!(
        detail["comments"][0]["block_id"].as_str(),
        Some(block.as_str())
    );
    let mails = subjects(app, "auteur@zorg-a.test").await;
    assert_eq!(
        mails,
        vec![
            "Ingediend voor de Nationale Zorgklas: Mondzorg bij ouderen",
            "Wijzigingen gevraagd: Mondzorg bij ouderen",
            "Ingediend voor de Nationale Zorgklas: Mondzorg bij ouderen",
            "Goedgekeurd: Mondzorg bij ouderen",
            "Opgenomen in het gedeelde aanbod: Mondzorg bij ouderen",
        ]
    );
    // The mails are A's: B's outbox holds none of them.
    let mut conn = app.db.owner().await.unwrap();
    let b_mails: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tenant.outbox WHERE tenant_id = $1 AND subject LIKE '%Mondzorg%'",
    )
    .bind(s.b.id.0)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(b_mails, 0);
    // Members can't write candidates directly, only through the submit function.
    let mut app_conn = app.db.app().await.unwrap();
    assert_eq!(
        as_tenant(
            &mut app_conn,
            s.b.id.0,
            "UPDATE content.candidates SET status = 'approved' WHERE id = $1",
            candidate.clone()
        )
        .await,
        Ok(0)
    );
    assert_eq!(
        as_tenant(&mut app_conn, s.b.id.0, "INSERT INTO content.candidates (id, source_tenant, source_module, source_version, doc, licence, submitted_by) VALUES ($1, gen_random_uuid(), gen_random_uuid(), 1, '{}', 'CC-BY-4.0', gen_random_uuid())", uuid::Uuid::new_v4().to_string()).await,
        Err(Some("42501".into()))
    );
}

#[tokio::test]
async fn authors_build_a_module_with_forms_and_bad_input_changes_nothing() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let session = app.login("zorg-a", "auteur@zorg-a.test").await;
    let learner = app.login("zorg-a", "leerling@zorg-a.test").await;
    c.get("zorg-a", "/leren/auteur")
        .session(&learner)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let form =
        |path: &str, fields: &[(&str, &str)]| c.post("zorg-a", path).session(&session).form(fields);

    // A title is needed; the form says so and nothing is made.
    let res = form("/leren/auteur", &[("title", ""), ("minutes", "20")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("Geef een titel"), "{}", res.text());
    assert_eq!(app.count("content.modules").await, 0);
    let res = form(
        "/leren/auteur",
        &[("title", "Valpreventie thuis"), ("minutes", "20")],
    )
    .send()
    .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let editor = res.location().unwrap();
    let id = editor.trim_start_matches("/leren/auteur/").to_owned();

    for (fields, _) in [
        (
            vec![("type", "text"), ("markdown", "Ruim **losse kleden** op.")],
            (),
        ),
        (
            vec![
                ("type", "link"),
                ("url", "https://www.veiligheid.nl/valpreventie"),
                ("label", "VeiligheidNL"),
            ],
            (),
        ),
        (
            vec![
                ("type", "quiz"),
                ("prompt", "Wat helpt?"),
                ("option1", "Goed licht"),
                ("option2", "Losse kleden"),
                ("correct", "1"),
                ("pass_mark", "100"),
            ],
            (),
        ),
    ] {
        let res = form(&format!("{editor}/blokken"), &fields).send().await;
        res.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(res.location().unwrap(), format!("{editor}?opgeslagen=1"));
    }
    let draft = c
        .get("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    let blocks = draft["draft"]["blocks"].as_array().unwrap().clone();
    assert_eq!(
        blocks
            .iter()
            .map(|b| b["type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["text", "link", "quiz"]
    );

    // Bad blocks: the editor shows the message, the draft is unchanged.
    for (fields, message) in [
        (
            vec![
                ("type", "quiz"),
                ("prompt", "Wat?"),
                ("option1", "a"),
                ("option2", "b"),
                ("pass_mark", "50"),
            ],
            "Markeer minstens één goed antwoord",
        ),
        (
            vec![("type", "text"), ("markdown", "<script>alert(1)</script>")],
            "HTML is niet toegestaan",
        ),
        (
            vec![("type", "image"), ("media", ""), ("alt", "Een trap")],
            "Kies een bestand",
        ),
    ] {
        let res = form(&format!("{editor}/blokken"), &fields).send().await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    let again = c
        .get("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(again["draft"], draft["draft"]);

    // Move the quiz up, remove the link, edit the text, set the details.
    let quiz = blocks[2]["id"].as_str().unwrap();
    let link = blocks[1]["id"].as_str().unwrap();
    let text = blocks[0]["id"].as_str().unwrap();
    form(&format!("{editor}/blokken/{quiz}/omhoog"), &[])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    form(&format!("{editor}/blokken/{link}/verwijderen"), &[])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    form(
        &format!("{editor}/blokken/{text}/bewerken"),
        &[("markdown", "Ruim losse kleden en snoeren op.")],
    )
    .send()
    .await
    .assert_status(StatusCode::SEE_OTHER);
    form(
        &format!("{editor}/gegevens"),
        &[
            ("title", "Valpreventie thuis"),
            ("summary", "Vallen voorkomen bij cliënten thuis."),
            ("mbo_level", "2"),
            ("minutes", "25"),
            ("tags", "valpreventie, veiligheid"),
            ("language", "nl"),
        ],
    )
    .send()
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // Someone else's block id: not found, nothing changes.
    form(
        &format!("{editor}/blokken/{}/verwijderen", uuid::Uuid::new_v4()),
        &[],
    )
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    let after = c
        .get("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    let d = &after["draft"];
    assert_eq!(
        d["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![text, quiz]
    );
    assert_eq!(
        (d["mbo_level"].as_i64(), d["minutes"].as_i64()),
        (Some(2), Some(25))
    );
    assert_eq!(d["tags"], json!(["valpreventie", "veiligheid"]));
    assert_eq!(
        d["blocks"][0]["markdown"],
        "Ruim losse kleden en snoeren op."
    );

    // Dragging sends the whole order; it must name every block once.
    let order = format!("{editor}/volgorde");
    c.post("zorg-a", &order)
        .session(&session)
        .form(&[("order", quiz), ("order", text)])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let res = c
        .post("zorg-a", &order)
        .session(&session)
        .form(&[("order", quiz)])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("precies één keer"));
    let now = c
        .get("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(now["draft"]["blocks"][0]["id"].as_str(), Some(quiz));
    // Blocks are edited in place and keep their id (a quiz's questions and answers too; the
    // empty question at the end adds one); a bad change is refused, nothing saved.
    let question_id = now["draft"]["blocks"][0]["questions"][0]["id"].clone();
    let html = c
        .get("zorg-a", &editor)
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("name=\"q1_prompt\"") && html.contains("name=\"q2_prompt\""),
        "every question and one new one in the form"
    );
    let res = c
        .post("zorg-a", &format!("{editor}/blokken/{quiz}/bewerken"))
        .session(&session)
        .form(&[
            ("q1_prompt", "Wat helpt het meest?"),
            ("q1_option1", "Goed licht"),
            ("q1_option2", "Losse kleden"),
            ("q1_option3", "Een leuning"),
            ("q1_correct", "1"),
            ("q1_correct", "3"),
            ("q1_multiple", "1"),
            ("q1_feedback2", "Nee: daar struikelt u over."),
            ("q2_prompt", "Wie controleert de leuning?"),
            ("q2_option1", "De huismeester"),
            ("q2_option2", "Niemand"),
            ("q2_correct", "1"),
            ("pass_mark", "80"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let edited = c
        .get("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    let q = &edited["draft"]["blocks"][0];
    assert_eq!(
        (q["id"].as_str(), q["pass_mark"].as_i64()),
        (Some(quiz), Some(80))
    );
    assert_eq!(q["questions"][0]["prompt"], "Wat helpt het meest?");
    assert_eq!(q["questions"][0]["id"], question_id);
    assert_eq!(q["questions"][0]["options"].as_array().unwrap().len(), 3);
    assert_eq!(
        q["questions"][0]["options"][1]["feedback"],
        "Nee: daar struikelt u over."
    );
    assert_eq!(q["questions"][1]["prompt"], "Wie controleert de leuning?");
    assert!(
        q["questions"][1]["id"].is_string(),
        "the new question got an id"
    );
    let res = c
        .post("zorg-a", &format!("{editor}/blokken/{quiz}/bewerken"))
        .session(&session)
        .form(&[
            ("q1_prompt", "Wat?"),
            ("q1_option1", "a"),
            ("q1_option2", "b"),
            ("pass_mark", "80"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("Markeer minstens één goed antwoord"));
    let unchanged = c
        .get("zorg-a", &format!("/api/v1/content/modules/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(unchanged["draft"], edited["draft"]);
    // The preview shows the draft as a learner will see it: no answers marked.
    let html = c
        .get("zorg-a", &format!("{editor}/voorbeeld"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("Voorbeeld van het concept")
            && html.contains("Goed licht")
            && !html.contains("(goed)"),
        "{html}"
    );
    // Publishing needs a change note; then the catalogue has it.
    let res = form(&format!("{editor}/publiceren"), &[("change_note", "")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("content.module_versions").await, 0);
    let res = form(
        &format!("{editor}/publiceren"),
        &[("change_note", "Eerste versie")],
    )
    .send()
    .await;
    assert_eq!(res.location().unwrap(), format!("{editor}?gepubliceerd=1"));
    let page = c
        .get("zorg-a", &format!("{editor}?gepubliceerd=1"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(page.contains("Versie 1 is gepubliceerd."), "{page}");
    assert_eq!(
        titles(&catalog(app, "zorg-a", &s.a_learner, "?q=valpreventie").await),
        vec!["Valpreventie thuis"]
    );
    // B's author can't open A's editor.
    let b_session = app.login("zorg-b", "auteur@zorg-b.test").await;
    c.get("zorg-b", &format!("/leren/auteur/{id}"))
        .session(&b_session)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.post("zorg-b", &format!("/leren/auteur/{id}/publiceren"))
        .session(&b_session)
        .form(&[("change_note", "x")])
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let _ = &s.b_author;
}

#[tokio::test]
async fn members_rate_report_vote_adopt_and_review_through_the_pages() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    app.user(&s.b, "beoordelaar@zorg-b.test", Role::Reviewer)
        .await;
    let admin = app.login("zorg-a", "beheer@zorg-a.test").await;
    let learner = app.login("zorg-a", "leerling@zorg-a.test").await;
    let author = app.login("zorg-a", "auteur@zorg-a.test").await;
    let b_reviewer = app.login("zorg-b", "beoordelaar@zorg-b.test").await;
    let operator = {
        app.client.get("", "/").send().await;
        app.login("", "redactie@nzk.test").await
    };
    let mut doc = module("Mobiliseren", "Help de cliënt opstaan.");
    doc["blocks"][2]["optional"] = json!(true);
    let (shared, v1) = publish(app, "", &s.operator, &doc).await;
    let first = v1["draft"]["blocks"][0]["id"].as_str().unwrap().to_owned();
    let link = v1["draft"]["blocks"][2]["id"].as_str().unwrap().to_owned();
    let page = format!("/leren/modules/{shared}");

    // Rating (admin) and an error report (learner) from the module page.
    let res = c
        .post("zorg-a", &format!("{page}/waardering"))
        .session(&admin)
        .form(&[("stars", "4"), ("comment", "Praktisch.")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), format!("{page}?klaar=waardering"));
    let html = c
        .get("zorg-a", &format!("{page}?klaar=waardering"))
        .session(&admin)
        .send()
        .await
        .text();
    assert!(
        html.contains("Uw waardering is opgeslagen.")
            && html.contains("4,0 van 5 sterren (1 leden)")
            && html.contains("Praktisch."),
        "{html}"
    );
    c.post("zorg-a", &format!("{page}/waardering"))
        .session(&learner)
        .form(&[("stars", "1")])
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let res = c
        .post("zorg-a", &format!("{page}/melding"))
        .session(&learner)
        .form(&[
            ("block_id", first.as_str()),
            ("message", "Tikfout in de eerste zin."),
        ])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), format!("{page}?klaar=melding"));
    let queue = c
        .get("", "/leren/redactie")
        .session(&operator)
        .send()
        .await
        .text();
    assert!(
        queue.contains("Tikfout in de eerste zin.") && queue.contains("Zorg zorg-a"),
        "{queue}"
    );
    let report: String = {
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query_scalar("SELECT id::text FROM content.block_reports")
            .fetch_one(&mut owner)
            .await
            .unwrap()
    };
    let res = c
        .post("", &format!("/leren/redactie/meldingen/{report}/oplossen"))
        .session(&operator)
        .form(&[("resolution", "Verbeterd.")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/redactie?klaar=opgelost");
    assert!(!c
        .get("", "/leren/redactie")
        .session(&operator)
        .send()
        .await
        .text()
        .contains("Tikfout"));
    c.get("zorg-a", "/leren/redactie")
        .session(&admin)
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Proposals: an author files one, the admin votes and withdraws, the operator decides.
    let res = c
        .post("zorg-a", "/leren/voorstellen")
        .session(&author)
        .form(&[("title", "Module dementie en muziek"), ("description", "")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/voorstellen?klaar=voorstel");
    let proposal: String = {
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query_scalar("SELECT id::text FROM content.proposals")
            .fetch_one(&mut owner)
            .await
            .unwrap()
    };
    c.post("zorg-a", &format!("/leren/voorstellen/{proposal}/stem"))
        .session(&author)
        .form(&[])
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    c.post("zorg-a", &format!("/leren/voorstellen/{proposal}/stem"))
        .session(&admin)
        .form(&[])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let html = c
        .get("zorg-b", "/leren/voorstellen")
        .session(&b_reviewer)
        .send()
        .await
        .text();
    assert!(
        html.contains("<strong>1 stemmen</strong> — Zorg zorg-a"),
        "{html}"
    );
    c.post("zorg-a", &format!("/leren/voorstellen/{proposal}/stem"))
        .session(&admin)
        .form(&[("intrekken", "1")])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.count("content.votes").await, 0);
    let res = c
        .post("", &format!("/leren/voorstellen/{proposal}/status"))
        .session(&operator)
        .form(&[("status", "planned"), ("reason", "Komt in het voorjaar.")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/voorstellen?klaar=status");
    assert!(c
        .get("zorg-a", "/leren/voorstellen")
        .session(&learner)
        .send()
        .await
        .text()
        .contains("gepland: Komt in het voorjaar."));

    // Adopt from the module page, then add accents in the overlay editor.
    let res = c
        .post("zorg-a", &format!("{page}/overnemen"))
        .session(&author)
        .form(&[("follow", "review")])
        .send()
        .await;
    assert_eq!(
        res.location().unwrap(),
        format!("/leren/beheer/overnames/{shared}?klaar=1")
    );
    let editor = format!("/leren/beheer/overnames/{shared}");
    let html = c
        .get("zorg-a", &editor)
        .session(&author)
        .send()
        .await
        .text();
    assert!(
        html.contains(&format!("name=\"hide_{link}\"")),
        "optional blocks can be hidden: {html}"
    );
    let after = format!("after_{first}");
    let hide = format!("hide_{link}");
    let res = c
        .post("zorg-a", &editor)
        .session(&author)
        .form(&[
            ("follow", "review"),
            ("intro", "Bij ons met de **tillift**."),
            (after.as_str(), "Vraag hulp van een collega."),
            (hide.as_str(), "1"),
        ])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), page);
    let (_, source, blocks) = shown(app, "zorg-a", &s.a_learner, &shared).await;
    assert_eq!(source, "adopted");
    assert_eq!(
        blocks.len(),
        3,
        "three shared blocks, one of them hidden, plus one own: {blocks:?}"
    );
    assert_eq!(blocks[1].1, "own");
    let html = c.get("zorg-a", &page).session(&learner).send().await.text();
    assert!(
        html.contains("Vraag hulp van een collega.") && html.contains("<strong>tillift</strong>"),
        "{html}"
    );
    // A stricter pass mark below NZK's is refused with the message, nothing saved.
    let pass = format!("pass_{}", v1["draft"]["blocks"][1]["id"].as_str().unwrap());
    let res = c
        .post("zorg-a", &editor)
        .session(&author)
        .form(&[("follow", "review"), (pass.as_str(), "10")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("soepeler niet"), "{}", res.text());
    assert!(c
        .get("zorg-a", &page)
        .session(&learner)
        .send()
        .await
        .text()
        .contains("Vraag hulp van een collega."));

    // Contribution through the pages: submit from the editor, B's reviewer approves, NZK publishes.
    let (own, _) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Onze mondzorg", "Twee keer per dag."),
    )
    .await;
    let res = c
        .post("zorg-a", &format!("/leren/auteur/{own}/indienen"))
        .session(&author)
        .form(&[("licence", "CC-BY-4.0"), ("note", "Graag feedback.")])
        .send()
        .await;
    let to = res.location().unwrap();
    assert!(
        to.starts_with("/leren/inzendingen/") && to.ends_with("?klaar=ingediend"),
        "{to}"
    );
    let candidate = to
        .trim_start_matches("/leren/inzendingen/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let html = c
        .get("zorg-b", &format!("/leren/inzendingen/{candidate}"))
        .session(&b_reviewer)
        .send()
        .await
        .text();
    assert!(
        html.contains("Onze mondzorg") && html.contains("/besluit"),
        "B's reviewer may decide: {html}"
    );
    let own_view = c
        .get("zorg-a", &format!("/leren/inzendingen/{candidate}"))
        .session(&admin)
        .send()
        .await
        .text();
    assert!(
        !own_view.contains("/besluit"),
        "the own member may not decide"
    );
    c.post(
        "zorg-b",
        &format!("/leren/inzendingen/{candidate}/opmerking"),
    )
    .session(&b_reviewer)
    .form(&[("block_id", ""), ("body", "Mooi kort.")])
    .send()
    .await
    .assert_status(StatusCode::SEE_OTHER);
    c.post("zorg-b", &format!("/leren/inzendingen/{candidate}/besluit"))
        .session(&b_reviewer)
        .form(&[("decision", "approve"), ("note", "")])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let res = c
        .post("", &format!("/leren/inzendingen/{candidate}/publiceren"))
        .session(&operator)
        .form(&[])
        .send()
        .await;
    assert_eq!(
        res.location().unwrap(),
        format!("/leren/inzendingen/{candidate}?klaar=gepubliceerd")
    );
    let html = c
        .get("zorg-b", &format!("/leren/inzendingen/{candidate}"))
        .session(&b_reviewer)
        .send()
        .await
        .text();
    assert!(
        html.contains("opgenomen in het aanbod") && html.contains("Mooi kort."),
        "{html}"
    );
}

#[tokio::test]
async fn learning_paths_order_modules_and_stay_within_what_the_owner_may_use() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    let (m1, _) = publish(
        app,
        "",
        &s.operator,
        &module("Basis hygiëne", "Handen wassen."),
    )
    .await;
    let (m2, _) = publish(
        app,
        "",
        &s.operator,
        &module("Infectiepreventie", "Mondkapjes."),
    )
    .await;
    let (own_a, _) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Ons protocol", "Bij ons."),
    )
    .await;
    let (own_b, _) = publish(
        app,
        "zorg-b",
        &s.b_author,
        &module("Protocol van B", "Bij B."),
    )
    .await;

    // A shared path holds shared modules only.
    let res = c
        .post("", "/api/v1/content/paths")
        .bearer(&s.operator)
        .json(&json!({"title": "Hygiëne", "modules": [m1, own_a]}))
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (
            res.json()["error"]["code"].as_str(),
            res.json()["error"]["field"].as_str()
        ),
        (Some("unknown_module"), Some("modules[1]"))
    );
    let res = c
        .post("", "/api/v1/content/paths")
        .bearer(&s.operator)
        .json(&json!({"title": "Hygiëne", "summary": "In twee stappen.", "modules": [m2, m1]}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let shared_path = res.json()["id"].as_str().unwrap().to_owned();
    c.post("", &format!("/api/v1/content/paths/{shared_path}/publish"))
        .bearer(&s.operator)
        .json(&json!({"change_note": "Eerste versie"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);

    // A member's path mixes its own and shared modules, never another member's; no doubles.
    for (modules, code, field) in [
        (json!([own_a, own_b]), "unknown_module", "modules[1]"),
        (json!([m1, m1]), "duplicate_module", "modules[1]"),
        (json!([]), "invalid_path", "modules"),
    ] {
        let res = c
            .post("zorg-a", "/api/v1/content/paths")
            .bearer(&s.a_author)
            .json(&json!({"title": "Intern", "modules": modules}))
            .send()
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            (
                res.json()["error"]["code"].as_str(),
                res.json()["error"]["field"].as_str()
            ),
            (Some(code), Some(field))
        );
    }
    assert_eq!(app.count("content.paths").await, 0);
    let res = c
        .post("zorg-a", "/api/v1/content/paths")
        .bearer(&s.a_author)
        .json(&json!({"title": "Inwerken", "modules": [own_a, m1]}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let own_path = res.json()["id"].as_str().unwrap().to_owned();
    c.post(
        "zorg-a",
        &format!("/api/v1/content/paths/{own_path}/publish"),
    )
    .bearer(&s.a_author)
    .json(&json!({"change_note": "v1"}))
    .send()
    .await
    .assert_status(StatusCode::CREATED);

    // Catalogues: A sees both paths, B only the shared one; the order is kept.
    let list = |host: &'static str, token: String| async move {
        let mut t: Vec<String> = c
            .get(host, "/api/v1/catalog/paths")
            .bearer(&token)
            .send()
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        list("zorg-a", s.a_learner.clone()).await,
        vec!["Hygiëne", "Inwerken"]
    );
    assert_eq!(list("zorg-b", s.b_author.clone()).await, vec!["Hygiëne"]);
    let p = c
        .get("zorg-a", &format!("/api/v1/catalog/paths/{own_path}"))
        .bearer(&s.a_learner)
        .send()
        .await
        .json();
    let order: Vec<&str> = p["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec!["Ons protocol", "Basis hygiëne"]);
    assert_eq!(p["minutes"], 40);
    c.get("zorg-b", &format!("/api/v1/catalog/paths/{own_path}"))
        .bearer(&s.b_author)
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);
    c.put("zorg-b", &format!("/api/v1/content/paths/{own_path}"))
        .bearer(&s.b_author)
        .json(&json!({"title": "Gekaapt", "modules": [m1]}))
        .send()
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Pages: the catalogue lists the paths; the path page shows the modules in order; the
    // authoring page orders modules by the places given.
    let session = app.login("zorg-a", "auteur@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/leren")
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains(&format!("/leren/trajecten/{shared_path}")) && html.contains("Inwerken"),
        "{html}"
    );
    let html = c
        .get("zorg-a", &format!("/leren/trajecten/{shared_path}"))
        .session(&session)
        .send()
        .await
        .text();
    let (i2, i1) = (
        html.find("Infectiepreventie").unwrap(),
        html.find("Basis hygiëne").unwrap(),
    );
    assert!(i2 < i1, "the path's order");
    let place_m1 = format!("place_{m1}");
    let place_m2 = format!("place_{m2}");
    let place_own = format!("place_{own_a}");
    let res = c
        .post("zorg-a", "/leren/auteur/trajecten")
        .session(&session)
        .form(&[
            ("title", "Eerste week"),
            ("summary", ""),
            (place_m1.as_str(), "2"),
            (place_own.as_str(), "1"),
            (place_m2.as_str(), ""),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let id = res
        .location()
        .unwrap()
        .trim_start_matches("/leren/auteur/trajecten/")
        .to_owned();
    let draft = c
        .get("zorg-a", &format!("/api/v1/content/paths/{id}"))
        .bearer(&s.a_author)
        .send()
        .await
        .json();
    assert_eq!(draft["draft"]["modules"], json!([own_a, m1]));
    let res = c
        .post("zorg-a", "/leren/auteur/trajecten")
        .session(&session)
        .form(&[("title", "Leeg")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("1 tot 50 modules"));
}
