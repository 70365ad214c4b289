//! The catalogue: Dutch search with stemming and filters, never another member's own modules,
//! and cached pages that follow new versions in this process and the others.

use super::{catalogue, titles};
use crate::support::*;

#[tokio::test]
async fn search_stems_dutch_words_and_filters() {
    let s = two_members().await;
    let mut m = module("Veilig werken", "Controleer elk medicijn twee keer.");
    m["mbo_level"] = json!(2);
    m["minutes"] = json!(15);
    s.editor.publish_module(m).await;
    let mut m = module(
        "Tillen en transfers",
        "Gebruik de tillift bij elke transfer.",
    );
    m["mbo_level"] = json!(3);
    m["minutes"] = json!(45);
    m["tags"] = json!(["Ergonomie"]);
    s.editor.publish_module(m).await;
    s.a_author
        .publish_module(module(
            "Onze medicatieronde",
            "Het medicijnkarretje staat bij de balie.",
        ))
        .await;
    s.b_author
        .publish_module(module("Medicijnen bij B", "Elk medicijn van B."))
        .await;

    let l = &s.a_learner;
    // "medicijnen" finds the module whose text only says "medicijn" (Dutch stemming).
    assert_eq!(
        titles(&catalogue(l, "?q=medicijnen").await),
        vec!["Veilig werken"]
    );
    // A title hit ranks above a text hit.
    let page = catalogue(l, "?q=transfer").await;
    assert_eq!(titles(&page), vec!["Tillen en transfers"]);
    assert_eq!(
        titles(&catalogue(l, "?level=3").await),
        vec!["Onze medicatieronde", "Tillen en transfers"]
    );
    assert_eq!(
        titles(&catalogue(l, "?max_minutes=15").await),
        vec!["Veilig werken"]
    );
    assert_eq!(
        titles(&catalogue(l, "?source=own").await),
        vec!["Onze medicatieronde"]
    );
    assert_eq!(
        titles(&catalogue(l, "?tag=ergonomie").await),
        vec!["Tillen en transfers"]
    );
    let page = catalogue(l, "?per_page=2&page=2").await;
    assert_eq!(
        (
            page["total"].as_i64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(3), 1)
    );
    // B's own module never shows up at A.
    let all = catalogue(l, "?q=medicijn").await;
    assert!(!titles(&all).contains(&"Medicijnen bij B".to_owned()));

    for (query, field) in [
        ("?level=7", "level"),
        ("?source=iedereen", "source"),
        ("?page=0", "page"),
    ] {
        let res = l
            .get(&format!("/api/v1/catalog{query}"))
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(res.error_field(), field);
    }
    // The page: search box and result.
    let html = l
        .login()
        .await
        .get("/leren?q=medicijnen")
        .send()
        .await
        .text();
    assert!(
        html.contains("Veilig werken") && !html.contains("Tillen en transfers"),
        "{html}"
    );
    assert!(html.contains("Aantal modules: 1"), "{html}");
}

#[tokio::test]
async fn cached_pages_follow_publishes_in_this_and_other_processes() {
    let s = two_members().await;
    // A second process on the same database, with its own caches.
    let here = s.a_learner.login().await;
    let there = here.on(&s.app.another_process().await);
    let text = |session: &Session, path: &str| {
        let (session, path) = (session.clone(), path.to_owned());
        async move { session.get(&path).send().await.text() }
    };
    let m = s
        .a_author
        .publish_module(module("Eerste titel", "Tekst."))
        .await;
    let module_path = format!("/leren/modules/{}", m.id);
    for session in [&here, &there] {
        assert!(text(session, "/leren").await.contains("Eerste titel"));
        assert!(text(session, &module_path).await.contains("Eerste titel"));
    }
    // A new version and a new shared module: this process sees them at once, the other as soon
    // as the notification arrives; both serve the old page until then at most.
    let mut doc = s.a_author.module(&m.id).await.doc;
    doc["title"] = json!("Tweede titel");
    s.a_author
        .publish_version(&m.id, &doc, "Nieuwe titel")
        .await;
    s.editor
        .publish_module(module("Nieuw van NZK", "Tekst."))
        .await;
    let fresh = |html: String| html.contains("Tweede titel") && html.contains("Nieuw van NZK");
    assert!(fresh(text(&here, "/leren").await));
    assert!(text(&here, &module_path).await.contains("Tweede titel"));
    let mut seen = false;
    for _ in 0..50 {
        if fresh(text(&there, "/leren").await)
            && text(&there, &module_path).await.contains("Tweede titel")
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
