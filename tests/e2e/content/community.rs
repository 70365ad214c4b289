//! What members do with the portfolio together: rate modules and vote on proposals (once per
//! member, however often sent), report errors to the operators' queue, and all of it through
//! the pages too, with adopting and contributing.

use super::{as_tenant, catalogue, shown, titles};
use crate::support::*;

#[tokio::test]
async fn one_rating_and_one_vote_per_member_even_when_sent_at_once() {
    let s = two_members().await;
    let app = &s.app;
    let a_admin = s.a.admin().await;
    let b_admin = s.b.admin().await;
    let shared = s
        .editor
        .publish_module(module("Hygiëne", "Handen wassen."))
        .await
        .id;
    s.editor
        .publish_module(module("Valpreventie", "Let op drempels."))
        .await;

    // Ten ratings of A at once: all accepted, one row, the last one wins.
    let path = format!("/api/v1/content/ratings/{shared}");
    let results = at_once(10, |i| {
        a_admin
            .put(&path)
            .json(&json!({"stars": 1 + (i % 5), "comment": format!("poging {i}")}))
    })
    .await;
    assert!(results.iter().all(|r| r.status == StatusCode::OK));
    a_admin
        .put(&path)
        .json(&json!({"stars": 4, "comment": "Helder en kort."}))
        .expect(StatusCode::OK)
        .await;
    b_admin
        .put(&path)
        .json(&json!({"stars": 5}))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(app.count("content.ratings").await, 2);
    // Everyone sees who rated what.
    let r = s.b_author.get(&path).send().await.json();
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
    for user in [&s.a_learner, &s.a_author] {
        user.put(&path)
            .json(&json!({"stars": 1}))
            .expect(StatusCode::FORBIDDEN)
            .await;
    }
    let own = s.a_author.publish_module(module("Eigen", "x")).await.id;
    a_admin
        .put(&format!("/api/v1/content/ratings/{own}"))
        .json(&json!({"stars": 5}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    let res = a_admin
        .put(&path)
        .json(&json!({"stars": 6}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "stars");
    // The catalogue shows the average and filters on it.
    let page = catalogue(&s.a_learner, "?min_rating=4").await;
    assert_eq!(titles(&page), vec!["Hygiëne"]);
    assert_eq!(page["items"][0]["rating"], 4.5);

    // Proposals: filed by an author, voted by admins, once per member however often sent.
    let proposal = s
        .a_author
        .post("/api/v1/content/proposals")
        .json(&json!({"title": "Module over palliatieve zorg thuis", "description": "Veel vraag in de wijk."}))
        .expect(StatusCode::CREATED)
        .await
        .id();
    let vote_path = format!("/api/v1/content/proposals/{proposal}/vote");
    let results = at_once(10, |_| a_admin.post(&vote_path)).await;
    let count = |status| results.iter().filter(|r| r.status == status).count();
    assert_eq!((count(StatusCode::CREATED), count(StatusCode::OK)), (1, 9));
    for user in [&s.a_learner, &s.a_author] {
        user.post(&vote_path).expect(StatusCode::FORBIDDEN).await;
    }
    b_admin.post(&vote_path).expect(StatusCode::CREATED).await;
    assert_eq!(app.count("content.votes").await, 2);
    let list = s
        .b_author
        .get("/api/v1/content/proposals")
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
    b_admin
        .delete(&vote_path)
        .expect(StatusCode::NO_CONTENT)
        .await;
    assert_eq!(app.count("content.votes").await, 1);

    // Operators decide, with a reason; a member can't; a closed proposal takes no votes.
    let status_path = format!("/api/v1/content/proposals/{proposal}/status");
    a_admin
        .post(&status_path)
        .json(&json!({"status": "done", "reason": "x"}))
        .expect(StatusCode::FORBIDDEN)
        .await;
    let res = s
        .editor
        .post(&status_path)
        .json(&json!({"status": "declined", "reason": ""}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "reason");
    s.editor
        .post(&status_path)
        .json(&json!({"status": "declined", "reason": "Valt onder de module Thuiszorg die in maart komt."}))
        .expect(StatusCode::OK)
        .await;
    let res = b_admin.post(&vote_path).expect(StatusCode::CONFLICT).await;
    assert_eq!(res.error_code(), "proposal_closed");
    let list = s
        .a_learner
        .get("/api/v1/content/proposals")
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
    let s = two_members().await;
    let app = &s.app;
    let v1 = s
        .editor
        .publish_module(module("Wondzorg", "Spoel de wond."))
        .await;
    let report = s
        .a_learner
        .post("/api/v1/content/reports")
        .json(&json!({"module_id": v1.id, "block_id": v1.block(0), "message": "De link in dit blok werkt niet meer."}))
        .expect(StatusCode::CREATED)
        .await
        .id();
    let res = s
        .a_learner
        .post("/api/v1/content/reports")
        .json(&json!({"module_id": v1.id, "block_id": uuid::Uuid::new_v4(), "message": "x"}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "block_id");
    assert_eq!(app.count("content.block_reports").await, 1);

    // Visible to every member and in the operators' queue.
    let seen_by_b = s
        .b_author
        .get("/api/v1/content/reports")
        .send()
        .await
        .json();
    assert_eq!(seen_by_b["items"][0]["member"], "Zorg zorg-a");
    let open = || {
        let editor = s.editor.clone();
        async move {
            editor
                .get("/api/v1/content/reports?status=open")
                .send()
                .await
                .json()["items"]
                .clone()
        }
    };
    let queue = open().await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    assert_eq!(queue[0]["module_title"], "Wondzorg");
    // Members can't resolve (no permission; the route is the NZK side's).
    let resolve = format!("/api/v1/content/reports/{report}/resolve");
    s.b_author
        .post(&resolve)
        .json(&json!({"resolution": "x"}))
        .expect(StatusCode::FORBIDDEN)
        .await;
    s.editor
        .post(&resolve)
        .json(&json!({"resolution": "Link vervangen in versie 2."}))
        .expect(StatusCode::OK)
        .await;
    s.editor
        .post(&resolve)
        .json(&json!({"resolution": "nog eens"}))
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(open().await.as_array().unwrap().len(), 0);

    // At SQL level, as the app role: B can't change A's report; A can't moderate its own rows.
    let proposal = s
        .a_author
        .post("/api/v1/content/proposals")
        .json(&json!({"title": "Meer over wondzorg"}))
        .send()
        .await
        .id();
    let mut conn = app.db.app().await.unwrap();
    let (a, b) = (s.a.id.0, s.b.id.0);
    for (tenant, sql, id, expected) in [
        (
            b,
            "UPDATE content.block_reports SET message = 'gewijzigd' WHERE id = $1",
            &report,
            Ok(0),
        ),
        (
            b,
            "DELETE FROM content.proposals WHERE id = $1",
            &proposal,
            Err(Some("42501".into())),
        ),
        (
            a,
            "UPDATE content.proposals SET status = 'planned' WHERE id = $1",
            &proposal,
            Err(Some("42501".into())),
        ),
        (
            a,
            "UPDATE content.proposals SET title = 'Beter geformuleerd' WHERE id = $1",
            &proposal,
            Ok(1),
        ),
        (
            b,
            "INSERT INTO content.votes (proposal_id, tenant_id, voted_by) SELECT $1, tenant.platform_tenant(), gen_random_uuid()",
            &proposal,
            Err(Some("42501".into())),
        ),
    ] {
        assert_eq!(
            as_tenant(&mut conn, tenant, sql, id.clone()).await,
            expected,
            "{sql}"
        );
    }
}

#[tokio::test]
async fn members_rate_report_vote_adopt_and_review_through_the_pages() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await.login().await;
    let b_reviewer = s.b.reviewer().await.login().await;
    let learner = s.a_learner.login().await;
    let author = s.a_author.login().await;
    let operator = {
        app.visitor("").get("/").send().await;
        s.editor.login().await
    };
    let mut doc = module("Mobiliseren", "Help de cliënt opstaan.");
    doc["blocks"][2]["optional"] = json!(true);
    let v1 = s.editor.publish_module(doc).await;
    let (shared, first, link) = (&v1.id, v1.block(0), v1.block(2));
    let page = format!("/leren/modules/{shared}");

    // Rating (admin) and an error report (learner) from the module page.
    let res = admin
        .post(&format!("{page}/waardering"))
        .form(&[("stars", "4"), ("comment", "Praktisch.")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), format!("{page}?klaar=waardering"));
    let html = admin
        .get(&format!("{page}?klaar=waardering"))
        .send()
        .await
        .text();
    assert!(
        html.contains("Uw waardering is opgeslagen.")
            && html.contains("4,0 van 5 sterren (1 lid)")
            && html.contains("Praktisch."),
        "{html}"
    );
    learner
        .post(&format!("{page}/waardering"))
        .form(&[("stars", "1")])
        .expect(StatusCode::FORBIDDEN)
        .await;
    let res = learner
        .post(&format!("{page}/melding"))
        .form(&[
            ("block_id", first.as_str()),
            ("message", "Tikfout in de eerste zin."),
        ])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), format!("{page}?klaar=melding"));
    let queue = operator.get("/leren/redactie").send().await.text();
    assert!(
        queue.contains("Tikfout in de eerste zin.") && queue.contains("Zorg zorg-a"),
        "{queue}"
    );
    let only_id = |table: &'static str| async move {
        let mut owner = app.db.owner().await.unwrap();
        sqlx::query_scalar::<_, String>(&format!("SELECT id::text FROM {table}"))
            .fetch_one(&mut owner)
            .await
            .unwrap()
    };
    let report = only_id("content.block_reports").await;
    let res = operator
        .post(&format!("/leren/redactie/meldingen/{report}/oplossen"))
        .form(&[("resolution", "Verbeterd.")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/redactie?klaar=opgelost");
    assert!(!operator
        .get("/leren/redactie")
        .send()
        .await
        .text()
        .contains("Tikfout"));
    admin
        .get("/leren/redactie")
        .expect(StatusCode::FORBIDDEN)
        .await;

    // Proposals: an author files one, the admin votes and withdraws, the operator decides.
    let res = author
        .post("/leren/voorstellen")
        .form(&[("title", "Module dementie en muziek"), ("description", "")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/voorstellen?klaar=voorstel");
    let proposal = only_id("content.proposals").await;
    let vote = format!("/leren/voorstellen/{proposal}/stem");
    author
        .post(&vote)
        .form(&[])
        .expect(StatusCode::FORBIDDEN)
        .await;
    admin
        .post(&vote)
        .form(&[])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let html = b_reviewer.get("/leren/voorstellen").send().await.text();
    assert!(
        html.contains("<strong>1 stem</strong> — Zorg zorg-a"),
        "{html}"
    );
    admin
        .post(&vote)
        .form(&[("intrekken", "1")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(app.count("content.votes").await, 0);
    let res = operator
        .post(&format!("/leren/voorstellen/{proposal}/status"))
        .form(&[("status", "planned"), ("reason", "Komt in het voorjaar.")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/voorstellen?klaar=status");
    assert!(learner
        .get("/leren/voorstellen")
        .send()
        .await
        .text()
        .contains("gepland: Komt in het voorjaar."));

    // Adopt from the module page, then add accents in the overlay editor.
    let res = author
        .post(&format!("{page}/overnemen"))
        .form(&[("follow", "review")])
        .send()
        .await;
    assert_eq!(
        res.location().unwrap(),
        format!("/leren/beheer/overnames/{shared}?klaar=1")
    );
    let editor = format!("/leren/beheer/overnames/{shared}");
    let html = author.get(&editor).send().await.text();
    assert!(
        html.contains(&format!("name=\"hide_{link}\"")),
        "optional blocks can be hidden: {html}"
    );
    // The quiz shows its questions and options (not which is right), not the word "quiz".
    let questions = html
        .split("data-testid=\"overlay-questions\"")
        .nth(1)
        .expect("the quiz's questions");
    assert!(
        questions.contains("Wat doet u eerst?")
            && questions.contains("Toedienen")
            && !questions.contains("Goed: eerst controleren"),
        "{questions}"
    );
    assert!(
        html.contains("Zorg voor Beter (https://www.zorgvoorbeter.nl)"),
        "{html}"
    );
    let after = format!("after_{first}");
    let hide = format!("hide_{link}");
    let res = author
        .post(&editor)
        .form(&[
            ("follow", "review"),
            ("intro", "Bij ons met de **tillift**."),
            (after.as_str(), "Vraag hulp van een collega."),
            (hide.as_str(), "1"),
        ])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), page);
    let (_, source, blocks) = shown(&s.a_learner, shared).await;
    assert_eq!(source, "adopted");
    assert_eq!(
        blocks.len(),
        3,
        "three shared blocks, one of them hidden, plus one own: {blocks:?}"
    );
    assert_eq!(blocks[1].1, "own");
    let html = learner.get(&page).send().await.text();
    assert!(
        html.contains("Vraag hulp van een collega.") && html.contains("<strong>tillift</strong>"),
        "{html}"
    );
    // A stricter pass mark below NZK's is refused with the message, nothing saved.
    let pass = format!("pass_{}", v1.block(1));
    let res = author
        .post(&editor)
        .form(&[("follow", "review"), (pass.as_str(), "10")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("soepeler niet"), "{}", res.text());
    assert!(learner
        .get(&page)
        .send()
        .await
        .text()
        .contains("Vraag hulp van een collega."));

    // Contribution through the pages: submit from the editor, B's reviewer approves, NZK publishes.
    let own = s
        .a_author
        .publish_module(module("Onze mondzorg", "Twee keer per dag."))
        .await
        .id;
    let res = author
        .post(&format!("/leren/auteur/{own}/indienen"))
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
    let submission = format!("/leren/inzendingen/{candidate}");
    let html = b_reviewer.get(&submission).send().await.text();
    assert!(
        html.contains("Onze mondzorg") && html.contains("/besluit"),
        "B's reviewer may decide: {html}"
    );
    let own_view = admin.get(&submission).send().await.text();
    assert!(
        !own_view.contains("/besluit"),
        "the own member may not decide"
    );
    b_reviewer
        .post(&format!("{submission}/opmerking"))
        .form(&[("block_id", ""), ("body", "Mooi kort.")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    b_reviewer
        .post(&format!("{submission}/besluit"))
        .form(&[("decision", "approve"), ("note", "")])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let res = operator
        .post(&format!("{submission}/publiceren"))
        .form(&[])
        .send()
        .await;
    assert_eq!(
        res.location().unwrap(),
        format!("{submission}?klaar=gepubliceerd")
    );
    let html = b_reviewer.get(&submission).send().await.text();
    assert!(
        html.contains("opgenomen in het aanbod") && html.contains("Mooi kort."),
        "{html}"
    );
}
