//! 80/20 for learning paths: a member adopts a shared path and adds its own modules, intro and
//! left-out optional modules; new NZK versions arrive automatically or after review, added
//! modules follow their anchor, an orphan is flagged and kept; another member can't see or touch
//! the adoption; bad input names the field and changes nothing.

use crate::support::*;

/// The shared path's document with `modules`, of which `optional` are optional.
fn path_doc(modules: &[&str], optional: &[&str]) -> Value {
    json!({"title": "Veilig werken", "summary": "De basis.", "modules": modules, "optional": optional})
}

/// The path as `learner`'s member shows it: (version, source, [(module, accent, orphaned)]).
async fn steps(learner: &User, path: &str) -> (i64, String, Vec<Value>) {
    let p = learner
        .get(&format!("/api/v1/catalog/paths/{path}"))
        .expect(StatusCode::OK)
        .await
        .json();
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

/// The path adoptions of `user`'s member.
async fn adoptions(user: &User) -> Value {
    user.get("/api/v1/content/path-adoptions")
        .expect(StatusCode::OK)
        .await
        .json()
}

#[tokio::test]
async fn adopted_paths_keep_the_members_modules_through_new_versions_and_stay_its_own() {
    let s = two_members().await;
    let a_admin = s.a.admin().await;
    let mut ids = Vec::new();
    for t in [
        "Handhygiëne",
        "Achtergrond infecties",
        "Medicatie",
        "Tillen",
    ] {
        ids.push(s.editor.publish_module(module(t, "Tekst.")).await.id);
    }
    let [m1, m2, m3, m4]: [String; 4] = ids.try_into().unwrap();
    let own_a = s
        .a_author
        .publish_module(module("Welkom bij A", "Bij ons."))
        .await
        .id;
    let own_b = s
        .b_author
        .publish_module(module("Welkom bij B", "Bij B."))
        .await
        .id;
    // NZK v1: m1, m2 (optional), m3.
    let path = s
        .editor
        .publish_path(path_doc(&[&m1, &m2, &m3], &[&m2]))
        .await;
    let adoption = format!("/api/v1/content/path-adoptions/{path}");

    // A adopts in review mode: leaves m2 out, adds its own module before m3 and m4 after m1.
    let res = s
        .a_author
        .put(&adoption)
        .json(&json!({
            "follow": "review",
            "intro_markdown": "Begin bij **ons** welkom.",
            "hidden": [m2],
            "accents": [
                {"anchor": m3, "position": "before", "module": own_a},
                {"anchor": m1, "position": "after", "module": m4}
            ]
        }))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(
        (
            res.json()["shown_version"].as_i64(),
            res.json()["orphaned"].as_i64()
        ),
        (Some(1), Some(0))
    );
    let (version, source, order) = steps(&s.a_learner, &path).await;
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
    let shown = s
        .a_learner
        .get(&format!("/api/v1/catalog/paths/{path}"))
        .send()
        .await
        .json();
    assert_eq!(shown["intro_markdown"], "Begin bij **ons** welkom.");

    // B follows automatically and adds its own module at the end; it never sees A's accents.
    s.b_author
        .put(&adoption)
        .json(&json!({"accents": [{"anchor": m3, "position": "after", "module": own_b}]}))
        .expect(StatusCode::OK)
        .await;
    let (_, source, order) = steps(&s.b_author, &path).await;
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
    let before = adoptions(&s.a_author).await;
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
        let res = s
            .a_author
            .put(&adoption)
            .json(&body)
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(
            (res.error_code(), res.error_field()),
            (code.to_owned(), field.to_owned()),
            "{body}"
        );
    }
    assert_eq!(adoptions(&s.a_author).await, before);

    // Isolation: B lists only its own adoption and can't accept, end or adopt A's things.
    let b_list = adoptions(&s.b_author).await;
    assert_eq!(b_list["items"].as_array().unwrap().len(), 1);
    assert_eq!(b_list["items"][0]["overlay"]["accents"][0]["module"], own_b);
    let own_path = s
        .a_author
        .publish_path(json!({"title": "Eigen traject", "modules": [own_a]}))
        .await;
    let own_adoption = format!("/api/v1/content/path-adoptions/{own_path}");
    for (method, url, body) in [
        (Method::PUT, own_adoption.clone(), Some(json!({}))),
        (Method::POST, format!("{own_adoption}/accept"), None),
        (Method::DELETE, own_adoption.clone(), None),
    ] {
        let mut req = s.b_author.request(method, &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.expect(StatusCode::NOT_FOUND).await;
    }
    // A member's own path is not adoptable, not even by the member itself.
    s.a_author
        .put(&own_adoption)
        .json(&json!({}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(adoptions(&s.a_author).await, before);

    // NZK v2: m1 is gone (A's m4 loses its anchor), m3 moves to the front, m2 is required now.
    s.editor
        .put(&format!("/api/v1/content/paths/{path}"))
        .json(&path_doc(&[&m3, &m2], &[]))
        .expect(StatusCode::OK)
        .await;
    s.editor
        .post(&format!("/api/v1/content/paths/{path}/publish"))
        .json(&json!({"change_note": "Nieuwe versie"}))
        .expect(StatusCode::CREATED)
        .await;
    // B (auto) shows v2 at once; its module follows m3.
    let (version, _, order) = steps(&s.b_author, &path).await;
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
    assert_eq!(steps(&s.a_learner, &path).await.0, 1);
    let listed = adoptions(&a_admin).await;
    assert_eq!(
        (
            listed["items"][0]["update_waiting"].as_bool(),
            listed["items"][0]["latest_version"].as_i64()
        ),
        (Some(true), Some(2))
    );
    let session = a_admin.login().await;
    let html = session.get("/leren/beheer").send().await.text();
    assert!(html.contains("data-testid=\"path-waiting\""), "{html}");
    session
        .post(&format!("/leren/beheer/trajecten/{path}/accepteren"))
        .form(&[])
        .expect(StatusCode::SEE_OTHER)
        .await;
    // Now m4 is an orphan: kept at the end and flagged; A's own module still comes before m3.
    let (version, _, order) = steps(&s.a_learner, &path).await;
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
    assert_eq!(adoptions(&a_admin).await["items"][0]["orphaned"], 1);
    let html = session.get("/leren/beheer").send().await.text();
    assert!(html.contains("data-testid=\"path-orphans\""), "{html}");
    let html = session
        .get(&format!("/leren/trajecten/{path}"))
        .send()
        .await
        .text();
    assert!(
        html.contains("data-testid=\"path-orphans\"") && html.contains("<strong>ons</strong>"),
        "the admin sees the flag and the intro: {html}"
    );

    // The editor puts the orphan after m3; a bad choice is refused and changes nothing.
    let editor = format!("/leren/beheer/trajecten/{path}");
    let html = session.get(&editor).send().await.text();
    assert!(html.contains(&format!("name=\"orphan_{m4}\"")), "{html}");
    let before = adoptions(&a_admin).await;
    let keep = format!("before_{m3}");
    let res = session
        .post(&editor)
        .form(&[("follow", "review"), (keep.as_str(), "geen-module")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("data-testid=\"form-error\""));
    assert_eq!(adoptions(&a_admin).await, before);
    let orphan = format!("orphan_{m4}");
    session
        .post(&editor)
        .form(&[
            ("follow", "review"),
            ("intro", "Begin bij **ons** welkom."),
            (keep.as_str(), own_a.as_str()),
            (orphan.as_str(), m3.as_str()),
        ])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let (_, _, order) = steps(&s.a_learner, &path).await;
    assert_eq!(
        order,
        vec![
            step(&own_a, true, false),
            step(&m3, false, false),
            step(&m4, true, false),
            step(&m2, false, false)
        ]
    );

    // Ending the adoption: A sees NZK's path again; B's adoption is untouched (now on v2).
    a_admin
        .delete(&adoption)
        .expect(StatusCode::NO_CONTENT)
        .await;
    let (_, source, order) = steps(&s.a_learner, &path).await;
    assert_eq!((source.as_str(), order.len()), ("nzk", 2));
    let mut b_after = b_list.clone();
    b_after["items"][0]["shown_version"] = json!(2);
    b_after["items"][0]["latest_version"] = json!(2);
    assert_eq!(adoptions(&s.b_author).await, b_after);
}

#[tokio::test]
async fn a_member_admin_adopts_a_path_from_its_page() {
    let s = two_members().await;
    let admin = s.a.admin().await.login().await;
    let m1 = s
        .editor
        .publish_module(module("Handhygiëne", "Tekst."))
        .await
        .id;
    let path = s.editor.publish_path(path_doc(&[&m1], &[])).await;
    let page = format!("/leren/trajecten/{path}");
    // A learner sees no adopt form and may not post it.
    let learner = s.a_learner.login().await;
    assert!(!learner
        .get(&page)
        .send()
        .await
        .text()
        .contains("data-testid=\"adopt-path\""));
    learner
        .post(&format!("{page}/overnemen"))
        .form(&[("follow", "auto")])
        .expect(StatusCode::FORBIDDEN)
        .await;
    let html = admin.get(&page).send().await.text();
    assert!(html.contains("data-testid=\"adopt-path\""), "{html}");
    let res = admin
        .post(&format!("{page}/overnemen"))
        .form(&[("follow", "review")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(
        res.location().as_deref(),
        Some(format!("/leren/beheer/trajecten/{path}").as_str())
    );
    let listed = adoptions(&s.a_author).await;
    assert_eq!(listed["items"][0]["follow"], "review");
    // The catalogue and the path page now say it is adopted, with a link to the editor.
    let html = admin.get(&page).send().await.text();
    assert!(
        html.contains(&format!("/leren/beheer/trajecten/{path}")),
        "{html}"
    );
    assert_eq!(s.app.count("content.path_adoptions").await, 1);
}
