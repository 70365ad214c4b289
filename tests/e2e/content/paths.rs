//! Learning paths: ordered modules within what the path's owner may use (shared paths hold
//! shared modules; a member's path mixes its own and shared ones), in the catalogue, on their
//! pages and made through the authoring page.

use crate::support::*;

#[tokio::test]
async fn learning_paths_order_modules_and_stay_within_what_the_owner_may_use() {
    let s = two_members().await;
    let m1 = s
        .editor
        .publish_module(module("Basis hygiëne", "Handen wassen."))
        .await
        .id;
    let m2 = s
        .editor
        .publish_module(module("Infectiepreventie", "Mondkapjes."))
        .await
        .id;
    let own_a = s
        .a_author
        .publish_module(module("Ons protocol", "Bij ons."))
        .await
        .id;
    let own_b = s
        .b_author
        .publish_module(module("Protocol van B", "Bij B."))
        .await
        .id;

    // A shared path holds shared modules only.
    let res = s
        .editor
        .post("/api/v1/content/paths")
        .json(&json!({"title": "Hygiëne", "modules": [m1, own_a]}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(
        (res.error_code(), res.error_field()),
        ("unknown_module".to_owned(), "modules[1]".to_owned())
    );
    let shared_path = s
        .editor
        .publish_path(
            json!({"title": "Hygiëne", "summary": "In twee stappen.", "modules": [m2, m1]}),
        )
        .await;

    // A member's path mixes its own and shared modules, never another member's; no doubles.
    for (modules, code, field) in [
        (json!([own_a, own_b]), "unknown_module", "modules[1]"),
        (json!([m1, m1]), "duplicate_module", "modules[1]"),
        (json!([]), "invalid_path", "modules"),
    ] {
        let res = s
            .a_author
            .post("/api/v1/content/paths")
            .json(&json!({"title": "Intern", "modules": modules}))
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            (res.error_code(), res.error_field()),
            (code.to_owned(), field.to_owned())
        );
    }
    assert_eq!(s.app.count("content.paths").await, 0);
    let own_path = s
        .a_author
        .publish_path(json!({"title": "Inwerken", "modules": [own_a, m1]}))
        .await;

    // Catalogues: A sees both paths, B only the shared one; the order is kept.
    let list = |user: &User| {
        let user = user.clone();
        async move {
            let mut t: Vec<String> = user.get("/api/v1/catalog/paths").send().await.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect();
            t.sort();
            t
        }
    };
    assert_eq!(list(&s.a_learner).await, vec!["Hygiëne", "Inwerken"]);
    assert_eq!(list(&s.b_author).await, vec!["Hygiëne"]);
    let p = s
        .a_learner
        .get(&format!("/api/v1/catalog/paths/{own_path}"))
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
    s.b_author
        .get(&format!("/api/v1/catalog/paths/{own_path}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    s.b_author
        .put(&format!("/api/v1/content/paths/{own_path}"))
        .json(&json!({"title": "Gekaapt", "modules": [m1]}))
        .expect(StatusCode::NOT_FOUND)
        .await;

    // Pages: the catalogue lists the paths; the path page shows the modules in order; the
    // authoring page orders modules by the places given.
    let session = s.a_author.login().await;
    let html = session.get("/leren").send().await.text();
    assert!(
        html.contains(&format!("/leren/trajecten/{shared_path}")) && html.contains("Inwerken"),
        "{html}"
    );
    let html = session
        .get(&format!("/leren/trajecten/{shared_path}"))
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
    let res = session
        .post("/leren/auteur/trajecten")
        .form(&[
            ("title", "Eerste week"),
            ("summary", ""),
            (place_m1.as_str(), "2"),
            (place_own.as_str(), "1"),
            (place_m2.as_str(), ""),
        ])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let id = res
        .location()
        .unwrap()
        .trim_start_matches("/leren/auteur/trajecten/")
        .to_owned();
    let draft = s
        .a_author
        .get(&format!("/api/v1/content/paths/{id}"))
        .send()
        .await
        .json();
    assert_eq!(draft["draft"]["modules"], json!([own_a, m1]));
    let res = session
        .post("/leren/auteur/trajecten")
        .form(&[("title", "Leeg")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("1 tot 50 modules"));
}
