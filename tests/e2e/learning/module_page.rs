//! A learner's day on the module page: the home lists the enrolment, blocks are marked done and
//! the quiz answered with forms, the page and the home follow at once, and the completed module
//! brings a proof of participation (page, PDF and a public check) that an admin can revoke.

use crate::support::*;

#[tokio::test]
async fn a_learner_works_through_a_module_on_its_page() {
    let s = two_members().await;
    let app = &s.app;
    let learner = s.a.user("pagina@zorg-a.test", Role::Learner).await;
    let admin = s.a.admin().await;
    let mut doc = quiz_module("Valpreventie");
    doc["blocks"][1]["pass_mark"] = json!(100);
    let module = s.editor.publish_module(doc).await;
    let (text, quiz, link) = (module.block(0), module.block(1), module.block(2));
    let q = |i: usize| module.question(1, i);
    let o = |i: usize, j: usize| module.option(1, i, j);
    let page = format!("/leren/modules/{}", module.id);
    // Not enrolled: the page shows the quiz read-only, no progress, no forms.
    let session = learner.login().await;
    let html = session.get(&page).send().await.text();
    assert!(
        !html.contains("data-testid=\"progress\"") && !html.contains("data-testid=\"quiz-form\"")
    );
    let enrolment = admin.enrol_until(&learner, &module.id, "2027-03-01").await;
    // The learner's home lists it with progress and the deadline (the cached home follows).
    let home = |session: &Session| {
        let session = session.clone();
        async move { session.get("/").send().await.text() }
    };
    let html = home(&session).await;
    assert!(
        html.contains("Valpreventie")
            && html.contains("0 van 3 onderdelen klaar")
            && html.contains("uiterlijk 1 maart 2027")
            && html.contains(&format!("{page}#blok-{text}")),
        "{html}"
    );

    // Enrolled: progress, a "done" button per block and the quiz as a form.
    let html = session.get(&page).send().await.text();
    assert!(html.contains("0 van 3 onderdelen klaar"), "{html}");
    assert!(
        html.contains(&format!("href=\"#blok-{text}\"")),
        "resume at the first block"
    );
    assert!(html.contains(&format!("name=\"q_{}\" value=\"{}\"", q(0), o(0, 0))));
    let done = |block: &str| {
        session
            .post(&format!(
                "/leren/inschrijvingen/{}/blokken/{block}/klaar",
                enrolment.id
            ))
            .form(&[])
    };
    let res = done(&text).expect(StatusCode::SEE_OTHER).await;
    assert_eq!(res.location().unwrap(), format!("{page}#blok-{text}"));
    // The cached page follows the learner's own progress at once.
    let html = session.get(&page).send().await.text();
    assert!(html.contains("1 van 3 onderdelen klaar"), "{html}");
    assert!(
        html.contains(&format!("href=\"#blok-{quiz}\"")),
        "resume at the quiz"
    );
    let html = home(&session).await;
    assert!(
        html.contains("1 van 3 onderdelen klaar") && html.contains(&format!("{page}#blok-{quiz}")),
        "{html}"
    );

    // A wrong answer: scored on the server, the page shows the result with the feedback.
    let quiz_url = format!("/leren/inschrijvingen/{}/toetsen/{quiz}", enrolment.id);
    let (q0, q1) = (format!("q_{}", q(0)), format!("q_{}", q(1)));
    let answer = |session: &Session, a0: &str, a1: &str| {
        session
            .post(&quiz_url)
            .form(&[(q0.as_str(), a0), (q1.as_str(), a1)])
    };
    let res = answer(&session, &o(0, 1), &o(1, 0))
        .expect(StatusCode::SEE_OTHER)
        .await;
    let after = res.location().unwrap();
    assert!(after.contains("poging=1"), "{after}");
    let html = session.get(&after).send().await.text();
    assert!(
        html.contains("Nog niet gehaald: 50% goed") && html.contains("Nee: daar struikelt u over."),
        "{html}"
    );
    // Nonsense in the form: the message at the quiz, nothing kept.
    let res = session
        .post(&quiz_url)
        .form(&[(q0.as_str(), "geen-antwoord")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("data-testid=\"quiz-error\""));
    assert_eq!(app.count("content.quiz_attempts").await, 1);
    // Another learner can't post to this enrolment.
    let other =
        s.a.user("ander@zorg-a.test", Role::Learner)
            .await
            .login()
            .await;
    answer(&other, &o(0, 0), &o(1, 0))
        .expect(StatusCode::NOT_FOUND)
        .await;
    // Right answers pass; with the link done the module is complete.
    let res = answer(&session, &o(0, 0), &o(1, 0)).send().await;
    let html = session.get(&res.location().unwrap()).send().await.text();
    assert!(html.contains("Gehaald: 100% goed."), "{html}");
    done(&link).expect(StatusCode::SEE_OTHER).await;
    let html = session.get(&page).send().await.text();
    assert!(
        html.contains("data-testid=\"completed\"") && html.contains("3 van 3 onderdelen klaar"),
        "{html}"
    );
    let html = home(&session).await;
    assert!(
        html.contains("data-testid=\"completed-list\"")
            && !html.contains("data-testid=\"enrolment\""),
        "{html}"
    );
    // Another learner's home shows none of it.
    let html = home(&other).await;
    assert!(!html.contains("Valpreventie"), "{html}");

    // The proof of participation: linked from the module, a page, a PDF, a public check.
    let html = session.get(&page).send().await.text();
    assert!(html.contains("data-testid=\"proof-link\""), "{html}");
    let proofs = learner
        .get("/api/v1/learning/proofs/mine")
        .send()
        .await
        .json();
    let proof = proofs["items"][0].clone();
    let (proof_id, code) = (
        proof["id"].as_str().unwrap().to_owned(),
        proof["code"].as_str().unwrap().to_owned(),
    );
    assert_eq!(proof["module_title"], "Valpreventie");
    let html = session
        .get(&format!("/leren/bewijzen/{proof_id}"))
        .send()
        .await
        .text();
    assert!(
        html.contains(&format!("/bewijs/{code}")) && html.contains("geen diploma"),
        "{html}"
    );
    let res = session
        .get(&format!("/leren/bewijzen/{proof_id}/pdf"))
        .expect(StatusCode::OK)
        .await;
    assert_eq!(
        res.headers.get("content-type").unwrap().to_str().unwrap(),
        "application/pdf"
    );
    assert!(res.body.starts_with(b"%PDF-") && res.body.ends_with(b"%%EOF"));
    let member = proof["member_name"].as_str().unwrap().as_bytes().to_vec();
    assert!(
        res.body.windows(member.len()).any(|w| w == member),
        "the member's name"
    );
    // Nobody else gets the learner's proof.
    for url in [
        format!("/leren/bewijzen/{proof_id}"),
        format!("/leren/bewijzen/{proof_id}/pdf"),
    ] {
        other.get(&url).expect(StatusCode::NOT_FOUND).await;
    }
    // The public check: name, module, date, member; nothing of the e-mail address (this learner
    // gave no name, so none is shown — not the address's first part either). Not on another
    // member's host, not for an unknown code.
    assert_eq!(proof["learner_name"], Value::Null);
    let visitor = s.a.visitor();
    let check = format!("/bewijs/{code}");
    let html = visitor.get(&check).expect(StatusCode::OK).await.text();
    assert!(
        html.contains("data-testid=\"proof-verified\"")
            && html.contains("Valpreventie")
            && html.contains("data-testid=\"learner\">naam niet opgegeven</dd>")
            && !html.contains("@zorg-a.test"),
        "{html}"
    );
    s.b.visitor()
        .get(&check)
        .expect(StatusCode::NOT_FOUND)
        .await;
    visitor
        .get("/bewijs/ABCDEFGHJKLM")
        .expect(StatusCode::NOT_FOUND)
        .await;
    // Revoking: a reason is required; then the code no longer verifies.
    let revoke = format!("/api/v1/learning/proofs/{proof_id}/revoke");
    let res = admin
        .post(&revoke)
        .json(&json!({"reason": " "}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "reason");
    visitor.get(&check).expect(StatusCode::OK).await;
    admin
        .post(&revoke)
        .json(&json!({"reason": "Ten onrechte afgerond."}))
        .expect(StatusCode::NO_CONTENT)
        .await;
    visitor.get(&check).expect(StatusCode::NOT_FOUND).await;
    admin
        .post(&revoke)
        .json(&json!({"reason": "Nog eens"}))
        .expect(StatusCode::NOT_FOUND)
        .await;
}
