//! A member contributes an own module to the shared portfolio: other members' reviewers comment
//! and decide, an operator publishes it with attribution, and the author hears of every step.
//! Only the submitting member's authors and open reviews read its quiz answers (second security
//! review, issue 20, finding 3).

use super::as_tenant;
use crate::support::*;

#[tokio::test]
async fn a_member_contributes_a_module_and_it_joins_the_portfolio_with_attribution() {
    let s = two_members().await;
    let app = &s.app;
    let a_reviewer = s.a.reviewer().await;
    let b_reviewer = s.b.reviewer().await;
    let own = s
        .a_author
        .publish_module(module("Mondzorg bij ouderen", "Poets twee keer per dag."))
        .await;
    let contribute = format!("/api/v1/content/modules/{}/contribute", own.id);

    // Only the member's authors and admins submit, only own published modules, with a licence.
    s.a_learner
        .post(&contribute)
        .json(&json!({"licence": "CC-BY-4.0"}))
        .expect(StatusCode::FORBIDDEN)
        .await;
    let res = s
        .a_author
        .post(&contribute)
        .json(&json!({"licence": "alle rechten voorbehouden"}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "licence");
    s.b_author
        .post(&contribute)
        .json(&json!({"licence": "CC-BY-4.0"}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(app.count("content.candidates").await, 0);
    let candidate = s
        .a_author
        .post(&contribute)
        .json(&json!({"licence": "CC-BY-SA-4.0", "note": "Gemaakt met onze mondhygiënist."}))
        .expect(StatusCode::CREATED)
        .await
        .id();
    let cpath = |rest: &str| format!("/api/v1/content/candidates/{candidate}{rest}");

    // Reviewers of another member read the copy (with quiz answers) and comment per block.
    let seen = b_reviewer.get(&cpath("")).send().await.json();
    assert_eq!(
        (seen["member"].as_str(), seen["status"].as_str()),
        (Some("Zorg zorg-a"), Some("submitted"))
    );
    assert!(seen["module"].to_string().contains("\"correct\":true"));
    let learner_view = s.b_author.get(&cpath("")).send().await.json();
    assert!(
        !learner_view["module"].to_string().contains("\"correct\""),
        "non-reviewers get no answers"
    );
    let block = own.block(0);
    b_reviewer
        .post(&cpath("/comments"))
        .json(&json!({"block_id": block, "body": "Noem ook de gebitsprothese."}))
        .expect(StatusCode::CREATED)
        .await;
    s.b_author
        .post(&cpath("/comments"))
        .json(&json!({"body": "x"}))
        .expect(StatusCode::FORBIDDEN)
        .await;

    // A's own reviewer may not decide; B's reviewer asks for changes.
    let res = a_reviewer
        .post(&cpath("/review"))
        .json(&json!({"decision": "approve"}))
        .expect(StatusCode::FORBIDDEN)
        .await;
    assert_eq!(res.error_code(), "own_candidate");
    let res = b_reviewer
        .post(&cpath("/review"))
        .json(&json!({"decision": "request_changes"}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "note");
    b_reviewer
        .post(&cpath("/review"))
        .json(&json!({"decision": "request_changes", "note": "Voeg de prothese toe."}))
        .expect(StatusCode::OK)
        .await;
    // Not waiting any more: a second decision is refused; an operator can't publish it yet.
    s.editor
        .post(&cpath("/review"))
        .json(&json!({"decision": "approve"}))
        .expect(StatusCode::CONFLICT)
        .await;
    s.editor
        .post(&cpath("/publish"))
        .expect(StatusCode::CONFLICT)
        .await;

    // The author publishes version 2 and submits again: the same candidate, now version 2.
    let mut doc = own.doc.clone();
    doc["blocks"][0]["markdown"] = json!("Poets twee keer per dag, ook de gebitsprothese.");
    s.a_author.publish_version(&own.id, &doc, "Prothese").await;
    let res = s
        .a_author
        .post(&contribute)
        .json(&json!({"licence": "CC-BY-SA-4.0"}))
        .expect(StatusCode::CREATED)
        .await;
    assert_eq!(res.id(), candidate);
    s.editor
        .post(&cpath("/review"))
        .json(&json!({"decision": "approve", "note": "Helder."}))
        .expect(StatusCode::OK)
        .await;

    // Members can't publish; an operator can, once.
    b_reviewer
        .post(&cpath("/publish"))
        .expect(StatusCode::FORBIDDEN)
        .await;
    let res = s
        .editor
        .post(&cpath("/publish"))
        .expect(StatusCode::CREATED)
        .await;
    let shared = res.json()["shared_module_id"].as_str().unwrap().to_owned();
    s.editor
        .post(&cpath("/publish"))
        .expect(StatusCode::CONFLICT)
        .await;

    // Every member finds it in the catalogue with attribution; the text is version 2.
    let m = s
        .b_author
        .get(&format!("/api/v1/catalog/{shared}"))
        .send()
        .await
        .json();
    assert_eq!(m["source"], "nzk");
    assert_eq!(m["module"]["attribution"]["member"], "Zorg zorg-a");
    assert_eq!(m["module"]["attribution"]["licence"], "CC-BY-SA-4.0");
    assert!(m["module"].to_string().contains("gebitsprothese"));
    let html = b_reviewer
        .login()
        .await
        .get(&format!("/leren/modules/{shared}"))
        .send()
        .await
        .text();
    assert!(
        html.contains("Bijdrage van Zorg zorg-a aan het gedeelde aanbod · licentie CC-BY-SA-4.0"),
        "{html}"
    );

    // The history names every step with who; the author got a mail at each one.
    let detail = s.a_author.get(&cpath("")).send().await.json();
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
    let subjects: Vec<String> = app
        .mails_to("auteur@zorg-a.test")
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(
        subjects,
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

/// Whether the answers of the contribution's quiz show in `v`.
fn has_answers(v: &Value) -> bool {
    let s = v.to_string();
    s.contains("\"correct\":true") || s.contains("eerst controleren.")
}

#[tokio::test]
async fn quiz_answers_of_a_contribution_are_for_its_authors_and_open_reviews_only() {
    let s = two_members().await;
    let a_teacher = s.a.teacher().await;
    let a_reviewer = s.a.reviewer().await;
    let b_reviewer = s.b.reviewer().await;
    let b_learner = s.b.learner().await;
    let own = s
        .a_author
        .publish_module(module("Medicatie controleren", "Eerst controleren."))
        .await;
    let id = s
        .a_author
        .post(&format!("/api/v1/content/modules/{}/contribute", own.id))
        .json(&json!({"licence": "CC-BY-4.0"}))
        .expect(StatusCode::CREATED)
        .await
        .id();
    let path = format!("/api/v1/content/candidates/{id}");
    let read = |user: &User| {
        let (user, path) = (user.clone(), path.clone());
        async move { user.get(&path).expect(StatusCode::OK).await.json() }
    };

    // While the review is open: the submitting member's author and another member's reviewer.
    let seen = read(&s.a_author).await;
    assert!(
        has_answers(&seen) && seen["answers_shown"] == true,
        "{seen}"
    );
    let seen = read(&b_reviewer).await;
    assert!(has_answers(&seen), "{seen}");
    // Nobody else: the submitting member's learners, teachers and own reviewers, nor another
    // member's learners or authors.
    for user in [
        &s.a_learner,
        &a_teacher,
        &a_reviewer,
        &b_learner,
        &s.b_author,
    ] {
        let seen = read(user).await;
        assert!(
            !has_answers(&seen) && seen["answers_shown"] == false,
            "{}: {seen}",
            user.email
        );
    }
    // The page says the same as the API.
    let html = s
        .a_learner
        .login()
        .await
        .get(&format!("/leren/inzendingen/{id}"))
        .send()
        .await
        .text();
    assert!(
        html.contains("Wat doet u eerst?") && !html.contains("eerst controleren.</li>"),
        "{html}"
    );
    assert!(!html.contains("(goed)"), "{html}");

    // Published as an NZK module every member's learners take: nobody reads the answers here.
    s.editor
        .post(&format!("{path}/review"))
        .json(&json!({"decision": "approve"}))
        .expect(StatusCode::OK)
        .await;
    s.editor
        .post(&format!("{path}/publish"))
        .expect(StatusCode::CREATED)
        .await;
    for user in [&s.a_author, &b_reviewer, &s.editor] {
        let seen = read(user).await;
        assert!(!has_answers(&seen), "{}: {seen}", user.email);
    }
    let html = b_reviewer
        .login()
        .await
        .get(&format!("/leren/inzendingen/{id}"))
        .send()
        .await
        .text();
    assert!(!html.contains("(goed)"), "{html}");
}
