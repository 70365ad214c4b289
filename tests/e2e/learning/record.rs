//! A person's learning record (issue 22, part 3): `/leren/mensen/{id}` and
//! `GET /api/v1/learning/people/{id}` — enrol from there, change or remove a deadline, un-enrol
//! after a confirmation with what was done kept in the history; for admins and the person's
//! teachers only.

use crate::support::*;
use time::{Duration, OffsetDateTime};

/// `days` from today (UTC), as `yyyy-mm-dd`.
fn in_days(days: i64) -> String {
    (OffsetDateTime::now_utc().date() + Duration::days(days)).to_string()
}

#[tokio::test]
async fn an_admin_enrols_changes_the_deadline_and_un_enrols_from_the_record() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let learner = &s.a_learner;
    let first = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let second = s
        .editor
        .publish_module(text_module("Handhygiëne", &["Was uw handen.", "Droog ze."]))
        .await;
    let session = admin.login().await;
    let record = format!("/leren/mensen/{}", learner.id);

    // The admin's user page and the people list lead to the record.
    let html = session
        .page(&format!("/beheer/gebruikers/{}", learner.id))
        .await;
    assert!(
        html.contains(&format!("href=\"{record}\"")) && html.contains("learning-record"),
        "{html}"
    );
    let html = session.page(&record).await;
    assert!(html.contains("Nog geen inschrijvingen."), "{html}");
    // The page's title names the person and the page.
    assert!(
        html.contains("<title>leerling@zorg-a.test · Leerdossier · "),
        "{html}"
    );

    // Enrol through the record's form, with a deadline.
    let until = in_days(40);
    let res = session
        .post(&format!("{record}/inschrijven"))
        .form(&[("module", first.id.as_str()), ("deadline", until.as_str())])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let (html, flash) = session.follow(&res).await;
    assert!(flash.unwrap().starts_with("Ingeschreven."));
    assert!(html.contains("data-testid=\"record-enrolment\""), "{html}");
    let r = admin
        .get(&format!("/api/v1/learning/people/{}", learner.id))
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(r["person"]["email"], learner.email.as_str());
    assert_eq!(r["enrolments"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["enrolments"][0]["deadline"], until.as_str());
    let enrolment = r["enrolments"][0]["enrolment_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The module is no longer offered to enrol in; the other one is.
    let enrol_form = html.split("data-testid=\"record-enrol\"").nth(1).unwrap();
    let enrol_form = enrol_form.split("</form>").next().unwrap();
    assert!(
        !enrol_form.contains(&first.id) && enrol_form.contains(&second.id),
        "{enrol_form}"
    );

    // Enrolled already: the page asks whether to change the deadline instead, and does so.
    let later = in_days(60);
    let res = session
        .post(&format!("{record}/inschrijven"))
        .form(&[("module", first.id.as_str()), ("deadline", later.as_str())])
        .expect(StatusCode::CONFLICT)
        .await;
    let html = res.text();
    let box_ = html
        .split("data-testid=\"enrolled-already\"")
        .nth(1)
        .unwrap();
    assert!(box_.contains("Al ingeschreven voor Valpreventie"), "{box_}");
    assert!(box_.contains(&format!("value=\"{later}\"")), "{box_}");
    let res = session
        .post(&format!("/leren/inschrijvingen/{enrolment}/uiterste-datum"))
        .form(&[("deadline", later.as_str())])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let (_, flash) = session.follow(&res).await;
    assert!(flash.unwrap().starts_with("De uiterste datum is nu"));
    let deadline = |r: Value| r["enrolments"][0]["deadline"].clone();
    let get = || {
        admin
            .get(&format!("/api/v1/learning/people/{}", learner.id))
            .expect(StatusCode::OK)
    };
    assert_eq!(deadline(get().await.json()), later.as_str());

    // A past date is refused on the form, naming the field; nothing changes.
    let res = session
        .post(&format!("/leren/inschrijvingen/{enrolment}/uiterste-datum"))
        .form(&[("deadline", in_days(-2).as_str())])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("data-testid=\"form-error\""));
    assert_eq!(deadline(get().await.json()), later.as_str());
    // The API: past refused with the field, null removes the deadline.
    let path = format!("/api/v1/learning/enrolments/{enrolment}");
    let res = admin
        .request(Method::PATCH, &path)
        .json(&json!({"deadline": in_days(-1)}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "deadline");
    let changed = admin
        .request(Method::PATCH, &path)
        .json(&json!({"deadline": null}))
        .expect(StatusCode::OK)
        .await
        .json();
    assert_eq!(changed["deadline"], Value::Null);
    assert_eq!(deadline(get().await.json()), Value::Null);

    // Un-enrol: the confirmation says what goes; after it, the history keeps what was done.
    let enrolment_ = Enrolment {
        id: enrolment.clone(),
    };
    learner.mark_done(&enrolment_, &first.block(0)).await;
    let html = session
        .page(&format!("/leren/inschrijvingen/{enrolment}/uitschrijven"))
        .await;
    assert!(
        html.contains("data-testid=\"withdraw-confirm\"") && html.contains("blokken klaar: 1"),
        "{html}"
    );
    let res = session
        .post(&format!("/leren/inschrijvingen/{enrolment}/uitschrijven"))
        .form(&[])
        .expect(StatusCode::SEE_OTHER)
        .await;
    let (html, _) = session.follow(&res).await;
    let history = html
        .split("data-testid=\"record-withdrawn\"")
        .nth(1)
        .unwrap();
    assert!(
        history.contains("Valpreventie") && history.contains("1 van 3 blokken"),
        "{history}"
    );
    let r = get().await.json();
    assert_eq!(r["enrolments"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["withdrawn"][0]["done"], 1, "{r}");
    // The learner no longer has it, and its progress went with it.
    assert_eq!(learner.my_enrolments().await.as_array().unwrap().len(), 0);
    admin.delete(&path).expect(StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_completed_enrolment_keeps_its_deadline_and_cannot_be_un_enrolled() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let learner = &s.a_learner;
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let enrolment = admin.enrol(learner, &module.id).await;
    learner.complete(&enrolment, &module).await;
    let path = format!("/api/v1/learning/enrolments/{}", enrolment.id);
    let res = admin
        .request(Method::PATCH, &path)
        .json(&json!({"deadline": in_days(10)}))
        .expect(StatusCode::CONFLICT)
        .await;
    assert_eq!(res.error_code(), "enrolment_completed");
    let res = admin.delete(&path).expect(StatusCode::CONFLICT).await;
    assert_eq!(res.error_code(), "enrolment_completed");
    // The record shows it done, with its proof and passport entry, and offers no withdraw link.
    let session = admin.login().await;
    let html = session.page(&format!("/leren/mensen/{}", learner.id)).await;
    assert!(!html.contains("data-testid=\"withdraw-link\""), "{html}");
    assert!(html.contains("data-testid=\"record-passport\""), "{html}");
    assert!(html.contains("data-testid=\"record-proofs\""), "{html}");
    // Enrolling again says it is done already and offers no deadline to change.
    let res = session
        .post(&format!("/leren/mensen/{}/inschrijven", learner.id))
        .form(&[("module", module.id.as_str()), ("deadline", "")])
        .expect(StatusCode::CONFLICT)
        .await;
    let html = res.text();
    assert!(html.contains("al afgerond"), "{html}");
    assert!(!html.contains("change-deadline-instead"), "{html}");
}

#[tokio::test]
async fn only_admins_and_the_persons_teachers_see_and_change_a_record() {
    let s = two_members().await;
    let admin = s.a.admin().await;
    let teacher = s.a.teacher().await;
    let other_teacher = s.a.user("docent2@zorg-a.test", Role::Teacher).await;
    let b_admin = s.b.admin().await;
    let learner = &s.a_learner;
    let module = s.editor.publish_module(quiz_module("Valpreventie")).await;
    let enrolment = admin.enrol(learner, &module.id).await;
    admin
        .make_group("De Linde", &[(&teacher, "teacher"), (learner, "learner")])
        .await;
    let record = format!("/api/v1/learning/people/{}", learner.id);
    let path = format!("/api/v1/learning/enrolments/{}", enrolment.id);
    let page = format!("/leren/mensen/{}", learner.id);

    // Another member's admin and a teacher who does not teach them: not found, nothing changes.
    for outsider in [&b_admin, &other_teacher] {
        outsider.get(&record).expect(StatusCode::NOT_FOUND).await;
        outsider
            .request(Method::PATCH, &path)
            .json(&json!({"deadline": null}))
            .expect(StatusCode::NOT_FOUND)
            .await;
        outsider.delete(&path).expect(StatusCode::NOT_FOUND).await;
    }
    other_teacher
        .login()
        .await
        .get(&page)
        .expect(StatusCode::NOT_FOUND)
        .await;
    let b_session = b_admin.login().await;
    b_session
        .get(&format!(
            "/leren/inschrijvingen/{}/uitschrijven",
            enrolment.id
        ))
        .expect(StatusCode::NOT_FOUND)
        .await;
    b_session
        .post(&format!(
            "/leren/inschrijvingen/{}/uitschrijven",
            enrolment.id
        ))
        .form(&[])
        .expect(StatusCode::NOT_FOUND)
        .await;
    // A learner may not look at records at all, not even their own.
    learner.get(&record).expect(StatusCode::FORBIDDEN).await;
    assert_eq!(
        admin.get(&record).expect(StatusCode::OK).await.json()["enrolments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The teacher of their group sees the record and changes the deadline.
    let r = teacher.get(&record).expect(StatusCode::OK).await.json();
    assert_eq!(r["person"]["groups"], json!(["De Linde"]));
    let until = in_days(20);
    teacher
        .request(Method::PATCH, &path)
        .json(&json!({"deadline": until}))
        .expect(StatusCode::OK)
        .await;
    let html = teacher.login().await.page(&page).await;
    assert!(html.contains("data-testid=\"deadline-form\""), "{html}");
    assert!(!html.contains("Naar het account"), "{html}");
}
