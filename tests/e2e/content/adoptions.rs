//! Adopting a shared module with an overlay (hidden optional blocks, stricter pass marks, own
//! accents): the overlay follows new versions, flags orphans and loses nothing; bad overlays
//! are refused by field, and only shared modules can be adopted.

use super::{catalogue, shown, text};
use crate::support::*;

#[tokio::test]
async fn overlays_follow_new_versions_flag_orphans_and_lose_nothing() {
    let s = two_members().await;
    let b_admin = s.b.user("beheer2@zorg-b.test", Role::Admin).await;
    // NZK v1: A, B (optional), C (quiz, pass mark 60), D.
    let v1 = s
        .editor
        .publish_module(json!({"title": "Decubitus voorkomen", "minutes": 25, "blocks": [
            text("A: wat is decubitus"),
            {"type": "text", "markdown": "B: achtergrond", "optional": true},
            {"type": "quiz", "pass_mark": 60, "questions": [{"prompt": "Hoe vaak wisselen?", "options": [
                {"text": "Elke 2 uur", "correct": true}, {"text": "Nooit"}]}]},
            text("D: afsluiting")
        ]}))
        .await;
    let shared = &v1.id;
    let (a, b, q, d) = (v1.block(0), v1.block(1), v1.block(2), v1.block(3));
    let adoption = format!("/api/v1/content/adoptions/{shared}");

    // Member A follows NZK automatically: hides B, is stricter on the quiz, adds three accents.
    let res = s
        .a_author
        .put(&adoption)
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
        .expect(StatusCode::OK)
        .await
        .json();
    let accent = |i: usize| {
        res["overlay"]["accents"][i]["block"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (x, y, z) = (accent(0), accent(1), accent(2));
    // Member B reviews new versions first, and adds one accent after D.
    let res = b_admin
        .put(&adoption)
        .json(&json!({"follow": "review", "accents": [
            {"anchor": d, "position": "after", "block": text("W: alleen bij B")}]}))
        .expect(StatusCode::OK)
        .await;
    let w = res.json()["overlay"]["accents"][0]["block"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let nzk = |i: &str| (i.to_owned(), "nzk".to_owned(), false);
    let own = |i: &str, orphan: bool| (i.to_owned(), "own".to_owned(), orphan);
    let (version, source, blocks) = shown(&s.a_learner, shared).await;
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
    let m = s
        .a_learner
        .get(&format!("/api/v1/catalog/{shared}"))
        .send()
        .await
        .json();
    assert_eq!(m["module"]["blocks"][3]["pass_mark"], 80);
    assert!(m["intro_markdown"]
        .as_str()
        .unwrap()
        .contains("wisselligging"));

    // NZK v2: the quiz moves to the front, A changes, D is removed, E is new.
    let mut draft = v1.doc.clone();
    let blocks_v1 = draft["blocks"].as_array().unwrap().clone();
    let mut changed_a = blocks_v1[0].clone();
    changed_a["markdown"] = json!("A: wat is decubitus (herzien)");
    draft["blocks"] = json!([
        blocks_v1[2].clone(),
        changed_a,
        blocks_v1[1].clone(),
        text("E: nieuw")
    ]);
    s.editor
        .publish_version(shared, &draft, "Herzien na nieuwe richtlijn")
        .await;
    let e = s.editor.module(shared).await.block(3);

    // A follows at once: accents moved with their blocks; Y (after the removed D) lost its place
    // and is not shown to learners until an admin places it again (the adoption names it).
    let (version, _, blocks) = shown(&s.a_learner, shared).await;
    assert_eq!(version, 2);
    assert_eq!(
        blocks,
        vec![own(&x, false), nzk(&q), nzk(&a), own(&z, false), nzk(&e)]
    );
    let list = s
        .a_author
        .get("/api/v1/content/adoptions")
        .send()
        .await
        .json();
    assert_eq!(list["items"][0]["orphaned"], 1);
    assert_eq!(list["items"][0]["update_waiting"], false);

    // B still shows v1 until its admin accepts v2; then W is the orphan. A's accents never show.
    let (version, source, blocks) = shown(&s.b_author, shared).await;
    assert_eq!((version, source.as_str()), (1, "adopted"));
    assert_eq!(
        blocks,
        vec![nzk(&a), nzk(&b), nzk(&q), nzk(&d), own(&w, false)]
    );
    let list = b_admin.get("/api/v1/content/adoptions").send().await.json();
    assert_eq!(
        (
            list["items"][0]["shown_version"].as_i64(),
            list["items"][0]["latest_version"].as_i64()
        ),
        (Some(1), Some(2))
    );
    assert_eq!(list["items"][0]["update_waiting"], true);
    let catalogue_b = catalogue(&s.b_author, "?source=adopted").await;
    assert_eq!(
        (
            catalogue_b["items"][0]["version"].as_i64(),
            catalogue_b["items"][0]["source"].as_str()
        ),
        (Some(1), Some("adopted"))
    );
    b_admin
        .post(&format!("{adoption}/accept"))
        .expect(StatusCode::OK)
        .await;
    let (version, _, blocks) = shown(&s.b_author, shared).await;
    assert_eq!(version, 2);
    assert_eq!(blocks, vec![nzk(&q), nzk(&a), nzk(&b), nzk(&e)]);
    let text_b = s
        .b_author
        .get(&format!("/api/v1/catalog/{shared}"))
        .send()
        .await
        .text();
    assert!(!text_b.contains("onze matrassen") && !text_b.contains("wisselligging"));

    // The module page shows A's intro and marks A's own blocks.
    let html = s
        .a_learner
        .login()
        .await
        .get(&format!("/leren/modules/{shared}"))
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
    s.a_author
        .delete(&adoption)
        .expect(StatusCode::NO_CONTENT)
        .await;
    let (_, source, blocks) = shown(&s.a_learner, shared).await;
    assert_eq!((source.as_str(), blocks.len()), ("nzk", 4));
}

#[tokio::test]
async fn bad_overlays_are_refused_and_only_shared_modules_can_be_adopted() {
    let s = two_members().await;
    let app = &s.app;
    let v1 = s.editor.publish_module(module("Gedeeld", "Tekst.")).await;
    let shared = &v1.id;
    let own_a = s.a_author.publish_module(module("Van A", "A.")).await.id;
    let own_b = s.b_author.publish_module(module("Van B", "B.")).await.id;
    let (text_id, quiz_id) = (v1.block(0), v1.block(1));
    let put = |module: &str, body: Value| {
        s.a_author
            .put(&format!("/api/v1/content/adoptions/{module}"))
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
        let res = put(shared, body.clone())
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            (res.error_code(), res.error_field()),
            (code.to_owned(), field.to_owned()),
            "{body}"
        );
    }
    // Own modules (A's or B's) and unknown ids are not shared modules.
    for module in [own_a, own_b, uuid::Uuid::new_v4().to_string()] {
        put(&module, json!({})).expect(StatusCode::NOT_FOUND).await;
    }
    assert_eq!(app.count("content.adoptions").await, 0);

    // B's accent ids can't be pulled into A's overlay.
    let res = s
        .b_author
        .put(&format!("/api/v1/content/adoptions/{shared}"))
        .json(
            &json!({"accents": [{"anchor": text_id, "position": "after", "block": text("van B")}]}),
        )
        .expect(StatusCode::OK)
        .await;
    let b_accent = res.json()["overlay"]["accents"][0]["block"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = put(shared, json!({"accents": [{"anchor": text_id, "position": "after", "block": {"id": b_accent, "type": "text", "markdown": "gekaapt"}}]}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_code(), "unknown_block");
    // A can't accept or end B's adoption: A has none.
    s.a_author
        .post(&format!("/api/v1/content/adoptions/{shared}/accept"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    s.a_author
        .delete(&format!("/api/v1/content/adoptions/{shared}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(app.count("content.adoptions").await, 1);
    let list = s
        .a_author
        .get("/api/v1/content/adoptions")
        .send()
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // Learners don't adopt.
    s.a_learner
        .put(&format!("/api/v1/content/adoptions/{shared}"))
        .json(&json!({}))
        .expect(StatusCode::FORBIDDEN)
        .await;
}
