//! Modules on both sides (the NZK portfolio and a member's own): drafts become numbered versions,
//! the catalogue and the module page show the latest without the answers, versions published at
//! once are consecutive, and bad modules are refused by field with nothing written.

use super::{catalogue, titles};
use crate::support::*;

#[tokio::test]
async fn drafts_become_numbered_versions_and_the_catalogue_shows_shared_and_own() {
    let s = two_members().await;
    let shared = s
        .editor
        .publish_module(module(
            "Medicatie veilig toedienen",
            "Controleer elk medicijn twee keer.",
        ))
        .await
        .id;
    let own = s
        .a_author
        .publish_module(module("Onze werkwijze", "Zo werken wij."))
        .await;

    // Every block got an id; a new draft reorders the blocks by id and edits the text.
    let blocks = own.doc["blocks"].as_array().unwrap().clone();
    assert!(blocks.iter().all(|b| b["id"].is_string()), "{}", own.doc);
    let mut doc = own.doc.clone();
    let mut reordered = vec![blocks[2].clone(), blocks[0].clone(), blocks[1].clone()];
    reordered[1]["markdown"] = json!("Zo werken wij **samen**.");
    doc["blocks"] = json!(reordered);
    let res = s
        .a_author
        .put(&format!("/api/v1/content/modules/{}", own.id))
        .json(&doc)
        .expect(StatusCode::OK)
        .await;
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
    s.a_author
        .post(&format!("/api/v1/content/modules/{}/publish", own.id))
        .json(&json!({"change_note": "Tekst aangescherpt"}))
        .expect(StatusCode::CREATED)
        .await;
    let detail = s
        .a_author
        .get(&format!("/api/v1/content/modules/{}", own.id))
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
    let page = catalogue(&s.a_learner, "").await;
    assert_eq!(page["total"], 2);
    assert_eq!(
        titles(&page),
        vec!["Medicatie veilig toedienen", "Onze werkwijze"]
    );
    let page = catalogue(&s.b_author, "").await;
    assert_eq!(titles(&page), vec!["Medicatie veilig toedienen"]);
    assert_eq!(page["items"][0]["source"], "nzk");

    // A learner reads the latest version without the quiz answers.
    let m = s
        .a_learner
        .get(&format!("/api/v1/catalog/{}", own.id))
        .expect(StatusCode::OK)
        .await
        .json();
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
    let res = s
        .b_author
        .get(&format!("/api/v1/catalog/{shared}"))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(res.json()["version"], 1);

    // Learners read but don't write.
    s.a_learner
        .post("/api/v1/content/modules")
        .json(&module("Mag niet", "x"))
        .expect(StatusCode::FORBIDDEN)
        .await;

    // The pages: catalogue and module, rendered for a logged-in learner.
    let session = s.a_learner.login().await;
    let html = session.page("/leren").await;
    assert!(html.contains("Medicatie veilig toedienen") && html.contains("Onze werkwijze"));
    assert!(html.contains(&format!("/leren/modules/{}", own.id)));
    let html = session.page(&format!("/leren/modules/{}", own.id)).await;
    assert!(
        html.contains("Zo werken wij <strong>samen</strong>."),
        "{html}"
    );
    assert!(html.contains("versie 2") && html.contains("Wat doet u eerst?"));
    assert!(!html.contains("Goed: eerst controleren."));
}

#[tokio::test]
async fn parallel_publishes_get_consecutive_versions() {
    let s = two_members().await;
    let m = s
        .a_author
        .publish_module(module("Parallel", "Tekst."))
        .await;
    let path = format!("/api/v1/content/modules/{}/publish", m.id);
    let results = at_once(6, |_| {
        s.a_author
            .post(&path)
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
async fn bad_modules_are_refused_with_the_field_and_nothing_is_written() {
    let s = two_members().await;
    let (app, author) = (&s.app, &s.a_author);
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
        let res = author
            .post("/api/v1/content/modules")
            .json(&json!({"title": "Fout", "minutes": 10, "blocks": [block]}))
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        let body = res.json();
        assert_eq!(body["error"]["code"], code);
        assert_eq!(body["error"]["field"], field);
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let res = author
        .post("/api/v1/content/modules")
        .json(&json!({"minutes": 10}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "title");
    assert_eq!(app.count("content.modules").await, 0);

    // A draft that pulls in a block of another module (B's) is refused; the draft stays.
    let b_module = s.b_author.publish_module(module("Van B", "B.")).await;
    let own = author.publish_module(module("Van A", "A.")).await;
    let mut doc = own.doc.clone();
    doc["blocks"]
        .as_array_mut()
        .unwrap()
        .push(b_module.doc["blocks"][0].clone());
    let res = author
        .put(&format!("/api/v1/content/modules/{}", own.id))
        .json(&doc)
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "unknown_block");
    assert_eq!(res.error_field(), "blocks[3].id");
    assert_eq!(author.module(&own.id).await.doc, own.doc);

    // A video may be drafted without captions, not published.
    let video = author
        .upload("video", "tillen.mp4", "video/mp4", files::MP4)
        .await;
    let film = author
        .draft_module(json!({"title": "Film", "minutes": 5, "blocks": [{"type": "video", "media": video, "title": "Tillen"}]}))
        .await;
    let versions_before = app.count("content.module_versions").await;
    let res = author
        .post(&format!("/api/v1/content/modules/{}/publish", film.id))
        .json(&json!({"change_note": "Klaar"}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "captions_required");
    assert_eq!(res.error_field(), "blocks[0].captions");
    let res = author
        .post(&format!("/api/v1/content/modules/{}/publish", own.id))
        .json(&json!({"change_note": "  "}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "change_note");
    assert_eq!(app.count("content.module_versions").await, versions_before);
}
