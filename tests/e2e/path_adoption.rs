//! 80/20 for learning paths: a member adopts a shared path and adds its own modules, intro and
//! left-out optional modules; new NZK versions arrive automatically or after review, added
//! modules follow their anchor, an orphan is flagged and kept; another member can't see or touch
//! the adoption; bad input names the field and changes nothing.

use crate::content::{module, publish, setup};
use crate::support::App;
use http::{Method, StatusCode};
use serde_json::{json, Value};
use zk_kernel::authz::Role;

/// Creates and publishes a shared path (or a new version of it with `id`); returns its id.
async fn shared_path(
    app: &App,
    operator: &str,
    id: Option<&str>,
    modules: &[&str],
    optional: &[&str],
) -> String {
    let doc = json!({"title": "Veilig werken", "summary": "De basis.", "modules": modules, "optional": optional});
    let id = match id {
        Some(id) => {
            app.client
                .put("", &format!("/api/v1/content/paths/{id}"))
                .bearer(operator)
                .json(&doc)
                .send()
                .await
                .assert_status(StatusCode::OK);
            id.to_owned()
        }
        None => {
            let res = app
                .client
                .post("", "/api/v1/content/paths")
                .bearer(operator)
                .json(&doc)
                .send()
                .await;
            res.assert_status(StatusCode::CREATED);
            res.json()["id"].as_str().unwrap().to_owned()
        }
    };
    app.client
        .post("", &format!("/api/v1/content/paths/{id}/publish"))
        .bearer(operator)
        .json(&json!({"change_note": "Nieuwe versie"}))
        .send()
        .await
        .assert_status(StatusCode::CREATED);
    id
}

/// The path as a member's learner gets it: (version, source, [(module, accent, orphaned)]).
async fn steps(app: &App, host: &str, token: &str, path: &str) -> (i64, String, Vec<Value>) {
    let res = app
        .client
        .get(host, &format!("/api/v1/catalog/paths/{path}"))
        .bearer(token)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    let p = res.json();
    let steps = p["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| json!([m["id"], m["accent"] == true, m["orphaned"] == true]))
        .collect();
    (
        p["version"].as_i64().unwrap(),
        p["source"].as_str().unwrap().to_owned(),
        steps,
    )
}

fn step(id: &str, accent: bool, orphaned: bool) -> Value {
    json!([id, accent, orphaned])
}

async fn adoptions(app: &App, host: &str, token: &str) -> Value {
    let res = app
        .client
        .get(host, "/api/v1/content/path-adoptions")
        .bearer(token)
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    res.json()
}

#[tokio::test]
async fn adopted_paths_keep_the_members_modules_through_new_versions_and_stay_its_own() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let a_admin = app.token(&s.a, "beheer@zorg-a.test").await;
    let mut ids = Vec::new();
    for t in [
        "Handhygiëne",
        "Achtergrond infecties",
        "Medicatie",
        "Tillen",
    ] {
        ids.push(publish(app, "", &s.operator, &module(t, "Tekst.")).await.0);
    }
    let [m1, m2, m3, m4]: [String; 4] = ids.try_into().unwrap();
    let (own_a, _) = publish(
        app,
        "zorg-a",
        &s.a_author,
        &module("Welkom bij A", "Bij ons."),
    )
    .await;
    let (own_b, _) = publish(
        app,
        "zorg-b",
        &s.b_author,
        &module("Welkom bij B", "Bij B."),
    )
    .await;
    // NZK v1: m1, m2 (optional), m3.
    let path = shared_path(app, &s.operator, None, &[&m1, &m2, &m3], &[&m2]).await;

    // A adopts in review mode: leaves m2 out, adds its own module before m3 and m4 after m1.
    let res = c
        .put("zorg-a", &format!("/api/v1/content/path-adoptions/{path}"))
        .bearer(&s.a_author)
        .json(&json!({
            "follow": "review",
            "intro_markdown": "Begin bij **ons** welkom.",
            "hidden": [m2],
            "accents": [
                {"anchor": m3, "position": "before", "module": own_a},
                {"anchor": m1, "position": "after", "module": m4}
            ]
        }))
        .send()
        .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(
        (
            res.json()["shown_version"].as_i64(),
            res.json()["orphaned"].as_i64()
        ),
        (Some(1), Some(0))
    );
    let (version, source, order) = steps(app, "zorg-a", &s.a_learner, &path).await;
    assert_eq!((version, source.as_str()), (1, "adopted"));
    assert_eq!(
        order,
        vec![
            step(&m1, false, false),
            step(&m4, true, false),
            step(&own_a, true, false),
            step(&m3, false, false)
        ]
    );
    let shown = c
        .get("zorg-a", &format!("/api/v1/catalog/paths/{path}"))
        .bearer(&s.a_learner)
        .send()
        .await
        .json();
    assert_eq!(shown["intro_markdown"], "Begin bij **ons** welkom.");

    // B follows automatically and adds its own module at the end; it never sees A's accents.
    c.put("zorg-b", &format!("/api/v1/content/path-adoptions/{path}"))
        .bearer(&s.b_author)
        .json(&json!({"accents": [{"anchor": m3, "position": "after", "module": own_b}]}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    let (_, source, order) = steps(app, "zorg-b", &s.b_author, &path).await;
    assert_eq!(source, "adopted");
    assert_eq!(
        order,
        vec![
            step(&m1, false, false),
            step(&m2, false, false),
            step(&m3, false, false),
            step(&own_b, true, false)
        ]
    );

    // Bad input: each refused with its field, and A's adoption stays as it was.
    let before = adoptions(app, "zorg-a", &s.a_author).await;
    for (body, code, field) in [
        (json!({"hidden": [m1]}), "not_optional", "hidden[0]"),
        (
            json!({"accents": [{"anchor": m1, "position": "after", "module": own_b}]}),
            "unknown_module",
            "accents[0].module",
        ),
        (
            json!({"accents": [{"anchor": m1, "position": "after", "module": m3}]}),
            "duplicate_module",
            "accents[0].module",
        ),
        (
            json!({"accents": [{"anchor": own_a, "position": "after", "module": m4}]}),
            "unknown_module",
            "accents[0].anchor",
        ),
        (
            json!({"intro_markdown": "<script>alert(1)</script>"}),
            "unsafe_markdown",
            "intro_markdown",
        ),
    ] {
        let res = c
            .put("zorg-a", &format!("/api/v1/content/path-adoptions/{path}"))
            .bearer(&s.a_author)
            .json(&body)
            .send()
            .await;
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
    assert_eq!(adoptions(app, "zorg-a", &s.a_author).await, before);

    // Isolation: B lists only its own adoption and can't accept, end or adopt A's things.
    let b_list = adoptions(app, "zorg-b", &s.b_author).await;
    assert_eq!(b_list["items"].as_array().unwrap().len(), 1);
    assert_eq!(b_list["items"][0]["overlay"]["accents"][0]["module"], own_b);
    let own_path = {
        let res = c
            .post("zorg-a", "/api/v1/content/paths")
            .bearer(&s.a_author)
            .json(&json!({"title": "Eigen traject", "modules": [own_a]}))
            .send()
            .await;
        let id = res.json()["id"].as_str().unwrap().to_owned();
        c.post("zorg-a", &format!("/api/v1/content/paths/{id}/publish"))
            .bearer(&s.a_author)
            .json(&json!({"change_note": "v1"}))
            .send()
            .await
            .assert_status(StatusCode::CREATED);
        id
    };
    for (method, url, body) in [
        (
            Method::PUT,
            format!("/api/v1/content/path-adoptions/{own_path}"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/content/path-adoptions/{own_path}/accept"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/content/path-adoptions/{own_path}"),
            None,
        ),
    ] {
        let mut req = c
            .request(method.clone(), "zorg-b", &url)
            .bearer(&s.b_author);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.assert_status(StatusCode::NOT_FOUND);
    }
    // A member's own path is not adoptable, not even by the member itself.
    c.put(
        "zorg-a",
        &format!("/api/v1/content/path-adoptions/{own_path}"),
    )
    .bearer(&s.a_author)
    .json(&json!({}))
    .send()
    .await
    .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(adoptions(app, "zorg-a", &s.a_author).await, before);

    // NZK v2: m1 is gone (A's m4 loses its anchor), m3 moves to the front, m2 is required now.
    shared_path(app, &s.operator, Some(&path), &[&m3, &m2], &[]).await;
    // B (auto) shows v2 at once; its module follows m3.
    let (version, _, order) = steps(app, "zorg-b", &s.b_author, &path).await;
    assert_eq!(version, 2);
    assert_eq!(
        order,
        vec![
            step(&m3, false, false),
            step(&own_b, true, false),
            step(&m2, false, false)
        ]
    );
    // A (review) keeps v1 until its admin accepts; the dashboard says a version waits.
    assert_eq!(steps(app, "zorg-a", &s.a_learner, &path).await.0, 1);
    let listed = adoptions(app, "zorg-a", &a_admin).await;
    assert_eq!(
        (
            listed["items"][0]["update_waiting"].as_bool(),
            listed["items"][0]["latest_version"].as_i64()
        ),
        (Some(true), Some(2))
    );
    let session = app.login("zorg-a", "beheer@zorg-a.test").await;
    let html = c
        .get("zorg-a", "/leren/beheer")
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains("data-testid=\"path-waiting\""), "{html}");
    let res = c
        .post(
            "zorg-a",
            &format!("/leren/beheer/trajecten/{path}/accepteren"),
        )
        .session(&session)
        .form(&[])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    // Now m4 is an orphan: kept at the end and flagged; A's own module still comes before m3.
    let (version, _, order) = steps(app, "zorg-a", &s.a_learner, &path).await;
    assert_eq!(version, 2);
    assert_eq!(
        order,
        vec![
            step(&own_a, true, false),
            step(&m3, false, false),
            step(&m2, false, false),
            step(&m4, true, true)
        ]
    );
    assert_eq!(
        adoptions(app, "zorg-a", &a_admin).await["items"][0]["orphaned"],
        1
    );
    let html = c
        .get("zorg-a", "/leren/beheer")
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains("data-testid=\"path-orphans\""), "{html}");
    let html = c
        .get("zorg-a", &format!("/leren/trajecten/{path}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(
        html.contains("data-testid=\"path-orphans\"") && html.contains("<strong>ons</strong>"),
        "the admin sees the flag and the intro: {html}"
    );

    // The editor puts the orphan after m3; a bad choice is refused and changes nothing.
    let html = c
        .get("zorg-a", &format!("/leren/beheer/trajecten/{path}"))
        .session(&session)
        .send()
        .await
        .text();
    assert!(html.contains(&format!("name=\"orphan_{m4}\"")), "{html}");
    let before = adoptions(app, "zorg-a", &a_admin).await;
    let bad = format!("before_{m3}");
    let res = c
        .post("zorg-a", &format!("/leren/beheer/trajecten/{path}"))
        .session(&session)
        .form(&[("follow", "review"), (bad.as_str(), "geen-module")])
        .send()
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("data-testid=\"form-error\""));
    assert_eq!(adoptions(app, "zorg-a", &a_admin).await, before);
    let orphan = format!("orphan_{m4}");
    let keep = format!("before_{m3}");
    let res = c
        .post("zorg-a", &format!("/leren/beheer/trajecten/{path}"))
        .session(&session)
        .form(&[
            ("follow", "review"),
            ("intro", "Begin bij **ons** welkom."),
            (keep.as_str(), own_a.as_str()),
            (orphan.as_str(), m3.as_str()),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let (_, _, order) = steps(app, "zorg-a", &s.a_learner, &path).await;
    assert_eq!(
        order,
        vec![
            step(&own_a, true, false),
            step(&m3, false, false),
            step(&m4, true, false),
            step(&m2, false, false)
        ]
    );

    // Ending the adoption: A sees NZK's path again; B's adoption is untouched.
    c.request(
        Method::DELETE,
        "zorg-a",
        &format!("/api/v1/content/path-adoptions/{path}"),
    )
    .bearer(&a_admin)
    .send()
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let (_, source, order) = steps(app, "zorg-a", &s.a_learner, &path).await;
    assert_eq!((source.as_str(), order.len()), ("nzk", 2));
    assert_eq!(
        adoptions(app, "zorg-b", &s.b_author).await,
        b_list_after(&b_list)
    );
}

/// B's list after NZK's v2: the same adoption, now showing v2 (auto).
fn b_list_after(before: &Value) -> Value {
    let mut v = before.clone();
    v["items"][0]["shown_version"] = json!(2);
    v["items"][0]["latest_version"] = json!(2);
    v
}

#[tokio::test]
async fn a_member_admin_adopts_a_path_from_its_page() {
    let s = setup().await;
    let app = &s.app;
    let c = &app.client;
    app.user(&s.a, "beheer@zorg-a.test", Role::Admin).await;
    let (m1, _) = publish(app, "", &s.operator, &module("Handhygiëne", "Tekst.")).await;
    let path = shared_path(app, &s.operator, None, &[&m1], &[]).await;
    // A learner sees no adopt form and may not post it.
    let learner = app.login("zorg-a", "leerling@zorg-a.test").await;
    let html = c
        .get("zorg-a", &format!("/leren/trajecten/{path}"))
        .session(&learner)
        .send()
        .await
        .text();
    assert!(!html.contains("data-testid=\"adopt-path\""));
    c.post("zorg-a", &format!("/leren/trajecten/{path}/overnemen"))
        .session(&learner)
        .form(&[("follow", "auto")])
        .send()
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let admin = app.login("zorg-a", "beheer@zorg-a.test").await;
    let html = c
        .get("zorg-a", &format!("/leren/trajecten/{path}"))
        .session(&admin)
        .send()
        .await
        .text();
    assert!(html.contains("data-testid=\"adopt-path\""), "{html}");
    let res = c
        .post("zorg-a", &format!("/leren/trajecten/{path}/overnemen"))
        .session(&admin)
        .form(&[("follow", "review")])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        res.location().as_deref(),
        Some(format!("/leren/beheer/trajecten/{path}").as_str())
    );
    let listed = adoptions(app, "zorg-a", &s.a_author).await;
    assert_eq!(listed["items"][0]["follow"], "review");
    // The catalogue and the path page now say it is adopted, with a link to the editor.
    let html = c
        .get("zorg-a", &format!("/leren/trajecten/{path}"))
        .session(&admin)
        .send()
        .await
        .text();
    assert!(
        html.contains(&format!("/leren/beheer/trajecten/{path}")),
        "{html}"
    );
    assert_eq!(app.count("content.path_adoptions").await, 1);
}
