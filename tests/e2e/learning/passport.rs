//! The passport: completions with their validity, who must renew (for admins and the learner's
//! teacher), and re-enrolment when an entry expires (the mails themselves: `mails.rs`).
//! Time is moved by ageing rows in the database.

use crate::support::*;
use zk_learning::domain::{passport::add_months, reminders};

/// A module on a risky procedure, valid for 12 months, with one text block per entry of `texts`.
fn valid_for_a_year(texts: &[&str]) -> Value {
    let mut doc = text_module("Tillift bedienen", texts);
    doc["minutes"] = json!(10);
    doc["validity_months"] = json!(12);
    doc
}

#[tokio::test]
async fn the_passport_shows_completions_with_their_validity_and_who_must_renew() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let learner = s.a.user("paspoort@zorg-a.test", Role::Learner).await;
    let other_learner = s.a.user("ander@zorg-a.test", Role::Learner).await;
    let teacher = s.a.teacher().await;
    let stranger = s.a.user("docent2@zorg-a.test", Role::Teacher).await;
    // A module on a risky procedure: valid for 12 months. A bad validity is refused.
    let mut doc = valid_for_a_year(&["Zo werkt de tillift."]);
    doc["tags"] = json!(["Tillen", "Veiligheid"]);
    doc["validity_months"] = json!(0);
    let res = s
        .a_author
        .post("/api/v1/content/modules")
        .json(&doc)
        .send()
        .await;
    assert_eq!(
        (res.error_code(), res.error_field()),
        ("invalid_validity".to_owned(), "validity_months".to_owned())
    );
    doc["validity_months"] = json!(12);
    let module = s.a_author.publish_module(doc).await;
    // The teacher's group holds the learner; the other teacher's group doesn't.
    admin
        .make_group("Tilteam", &[(&teacher, "teacher"), (&learner, "learner")])
        .await;
    admin
        .make_group(
            "Ander team",
            &[(&stranger, "teacher"), (&other_learner, "learner")],
        )
        .await;
    let e = admin.enrol(&learner, &module.id).await;
    learner.mark_done(&e, &module.block(0)).await;

    let passport = |user: &User| {
        let user = user.clone();
        async move { user.get("/api/v1/learning/passport").send().await.json()["items"].clone() }
    };
    let entries = passport(&learner).await;
    assert_eq!(entries.as_array().unwrap().len(), 1);
    let today = time::OffsetDateTime::now_utc().date();
    let in_a_year = add_months(today, 12);
    assert_eq!(
        (
            entries[0]["competences"].clone(),
            entries[0]["valid_until"].as_str(),
            entries[0]["status"].as_str()
        ),
        (
            json!(["tillen", "veiligheid"]),
            Some(in_a_year.to_string().as_str()),
            Some("valid")
        )
    );
    assert!(passport(&other_learner)
        .await
        .as_array()
        .unwrap()
        .is_empty());
    let expiring = |user: &User| {
        let user = user.clone();
        async move {
            user.get("/api/v1/learning/expiring").send().await.json()["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(expiring(&admin).await, 0);

    // Eleven months later it expires soon: the admin and the learner's teacher see it, the
    // other teacher doesn't. Thirteen months later it has expired.
    let mut db = s.app.db.owner().await.unwrap();
    sqlx::query("UPDATE content.enrolments SET completed_at = now() - interval '11 months'")
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(passport(&learner).await[0]["status"], "expiring");
    assert_eq!(expiring(&admin).await, 1);
    assert_eq!(expiring(&teacher).await, 1);
    assert_eq!(expiring(&stranger).await, 0);
    sqlx::query("UPDATE content.enrolments SET completed_at = now() - interval '13 months'")
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(passport(&learner).await[0]["status"], "expired");

    // The learner's page, CSV (Dutch Excel) and PDF.
    let session = learner.login().await;
    let html = session.get("/leren/paspoort").send().await.text();
    assert!(
        html.contains("Tillift bedienen") && html.contains("data-testid=\"status-expired\""),
        "{html}"
    );
    let text = session
        .get("/leren/paspoort.csv")
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(
        text.starts_with("\u{feff}Module;Competenties;Afgerond op;Versie;Score;Geldig tot;Status")
            && text.contains(";tillen, veiligheid;"),
        "{text}"
    );
    let res = session
        .get("/leren/paspoort.pdf")
        .expect(StatusCode::OK)
        .await;
    assert!(res.body.starts_with(b"%PDF-") && res.body.ends_with(b"%%EOF"));
    let text = other_learner
        .login()
        .await
        .get("/leren/paspoort.csv")
        .send()
        .await
        .text();
    assert_eq!(text.lines().count(), 1, "only the header: {text}");
}

#[tokio::test]
async fn an_expiring_passport_entry_re_enrols_the_learner_and_a_new_completion_adds_a_proof() {
    let s = two_members().await;
    let app = &s.app;
    let admin = s.a.admin().await;
    let learner = s.a.user("tillen@zorg-a.test", Role::Learner).await;
    let module = s
        .a_author
        .publish_module(valid_for_a_year(&[
            "Zo werkt de tillift.",
            "Controleer de band.",
        ]))
        .await;
    let e = admin.enrol(&learner, &module.id).await;
    learner.complete(&e, &module).await;
    // Eleven months later the entry expires within 60 days.
    let mut db = app.db.owner().await.unwrap();
    let completed: time::OffsetDateTime = sqlx::query_scalar(
        "UPDATE content.enrolments SET completed_at = now() - interval '11 months' WHERE id = $1 RETURNING completed_at",
    )
    .bind(uuid::Uuid::parse_str(&e.id).unwrap())
    .fetch_one(&mut db)
    .await
    .unwrap();
    let valid_until = add_months(completed.date(), 12);
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 1);
    let mails = app.mails_to("tillen@zorg-a.test").await;
    let mail = mails
        .iter()
        .find(|m| m.subject.starts_with("Opfrissen"))
        .unwrap();
    assert!(mail.body.contains("opnieuw ingeschreven"), "{}", mail.body);

    // Re-enrolled: open again, due when the old completion ends, nothing done.
    let mine = learner.my_enrolments().await;
    let item = &mine[0];
    assert_eq!(item["done"], 0, "{mine}");
    assert!(item["completed_at"].is_null(), "{mine}");
    assert_eq!(item["deadline"], valid_until.to_string());
    // The passport still shows the old completion, expiring; the reminder isn't sent again.
    let passport = || async { learner.get("/api/v1/learning/passport").send().await.json() };
    let p = passport().await;
    assert_eq!(p["items"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["items"][0]["status"], "expiring");
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 0);

    // Done again: completed, a second proof (the first still verifies), the passport valid.
    learner.mark_done(&e, &module.block(0)).await;
    let again = learner.mark_done(&e, &module.block(1)).await;
    assert!(again["completed_at"].is_string(), "{again}");
    let proofs = learner
        .get("/api/v1/learning/proofs/mine")
        .send()
        .await
        .json();
    let codes: Vec<&str> = proofs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2, "{proofs}");
    for code in codes {
        s.a.visitor()
            .get(&format!("/bewijs/{code}"))
            .expect(StatusCode::OK)
            .await;
    }
    let p = passport().await;
    assert_eq!(p["items"].as_array().unwrap().len(), 1, "{p}");
    assert_eq!(p["items"][0]["status"], "valid");
    assert_eq!(reminders::run_once(&app.platform).await.unwrap(), 0);
}
