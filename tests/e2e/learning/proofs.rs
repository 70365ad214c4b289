//! Proofs of participation for admins: found by address or code within the member only, and
//! revoked with a reason on a page admins alone may open.

use crate::support::*;

#[tokio::test]
async fn admins_find_and_revoke_their_members_proofs_on_a_page() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let b_admin = s.b.admin().await;
    let module = s
        .editor
        .publish_module(text_module("Tilliften", &["Til nooit alleen."]))
        .await;
    // Three learners complete the module: two of A, one of B.
    let mut codes = Vec::new();
    let mut learners = Vec::new();
    for (member, admin, email) in [
        (&s.a, &admin, "anna@zorg-a.test"),
        (&s.a, &admin, "bram@zorg-a.test"),
        (&s.b, &b_admin, "cees@zorg-b.test"),
    ] {
        let learner = member.user(email, Role::Learner).await;
        let e = admin.enrol(&learner, &module.id).await;
        learner.mark_done(&e, &module.block(0)).await;
        let mine = learner
            .get("/api/v1/learning/proofs/mine")
            .send()
            .await
            .json();
        codes.push((
            mine["items"][0]["id"].as_str().unwrap().to_owned(),
            mine["items"][0]["code"].as_str().unwrap().to_owned(),
        ));
        learners.push(learner);
    }
    let list = |query: &str| {
        let (admin, query) = (admin.clone(), query.to_owned());
        async move {
            admin
                .get(&format!("/api/v1/learning/proofs{query}"))
                .send()
                .await
                .json()
        }
    };
    let all = list("").await;
    assert_eq!(all["total"], 2, "{all}");
    let found = list("?q=BRAM").await;
    assert_eq!(found["total"], 1);
    // Found by the e-mail address; the proof itself names nobody (no name was given).
    assert_eq!(found["items"][0]["learner_name"], Value::Null);
    let by_code = list(&format!("?q={}", codes[0].1)).await;
    assert_eq!(by_code["items"][0]["id"], codes[0].0.as_str());
    // B's proof is not in A's list, whatever the search.
    let b_code = &codes[2].1;
    assert_eq!(list(&format!("?q={b_code}")).await["total"], 0);

    // The page: admins only.
    for user in [&teacher, &learners[0]] {
        user.login()
            .await
            .get("/leren/bewijzen")
            .expect(StatusCode::FORBIDDEN)
            .await;
    }
    let session = admin.login().await;
    let html = session.get("/leren/bewijzen").send().await.text();
    assert!(html.contains("2 bewijzen gevonden."), "{html}");
    assert!(html.contains("anna@zorg-a.test — Tilliften"), "{html}");
    // Without a reason: refused at that proof, nothing changes.
    let (anna_proof, anna_code) = &codes[0];
    let revoke = format!("/leren/bewijzen/{anna_proof}/intrekken");
    let res = session
        .post(&revoke)
        .form(&[("reason", " ")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("data-testid=\"form-error\""));
    let check = format!("/bewijs/{anna_code}");
    s.a.visitor().get(&check).expect(StatusCode::OK).await;
    // B's proof through A's page: 404, and it still verifies on B's host.
    session
        .post(&format!("/leren/bewijzen/{}/intrekken", codes[2].0))
        .form(&[("reason", "Fout")])
        .expect(StatusCode::NOT_FOUND)
        .await;
    s.b.visitor()
        .get(&format!("/bewijs/{b_code}"))
        .expect(StatusCode::OK)
        .await;
    let res = session
        .post(&revoke)
        .form(&[("reason", "Module niet zelf gedaan")])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/leren/bewijzen?klaar=ingetrokken");
    s.a.visitor()
        .get(&check)
        .expect(StatusCode::NOT_FOUND)
        .await;
    let html = session
        .get("/leren/bewijzen?klaar=ingetrokken")
        .send()
        .await
        .text();
    assert!(
        html.contains("Ingetrokken</strong>: Module niet zelf gedaan"),
        "{html}"
    );
}
