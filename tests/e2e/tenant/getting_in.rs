//! Getting in (issue 22, part 12): the invitation mail says who invites, to what and until when;
//! the invitation page shows the name HR or the admin gave; NZK's own login points a care worker
//! to their employer's portal, the same for every address.

use crate::support::*;

#[tokio::test]
async fn the_invitation_says_who_invites_to_what_until_when_and_knows_the_name() {
    let app = app().await;
    let m = app.member("uitnodig-a").await;
    let admin = m.admin().await;
    admin
        .post("/api/v1/users")
        .json(&json!({"email": "anna@uitnodig-a.test", "display_name": "Anna de Vries", "roles": ["learner"]}))
        .expect(StatusCode::CREATED)
        .await;
    let mails = app.mails_to("anna@uitnodig-a.test").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let Mail { subject, body } = &mails[0];
    let until = zk_kernel::text::dutch_date(
        zk_kernel::text::amsterdam(time::OffsetDateTime::now_utc() + time::Duration::days(7))
            .date(),
    );
    assert_eq!(subject, "Uitnodiging van Zorg uitnodig-a: uw leerportaal");
    assert!(body.contains("Zorg uitnodig-a nodigt u uit"), "{body}");
    assert!(
        body.contains(&format!("De link werkt tot en met {until}")),
        "{body}"
    );
    assert!(body.contains("http://uitnodig-a.localhost"), "{body}");
    let token = app
        .mailed_token("anna@uitnodig-a.test", "uitnodiging")
        .await;
    let html = m
        .visitor()
        .get(&format!("/uitnodiging/{token}"))
        .send()
        .await
        .text();
    assert!(html.contains("value=\"Anna de Vries\""), "{html}");
}

#[tokio::test]
async fn nzk_login_points_care_workers_to_their_portal_whatever_the_address() {
    let app = app().await;
    let m = app.member("werkgever").await;
    m.user("zorg@werkgever.test", Role::Learner).await;
    let nzk = app.visitor("");
    let page = nzk.get("/inloggen").expect(StatusCode::OK).await;
    assert!(page.text().contains("data-testid=\"portal-hint\""));
    let mut answers = Vec::new();
    for email in ["zorg@werkgever.test", "niemand@nergens.test"] {
        let res = nzk.login_form(email, "Fout-wachtwoord-1").await;
        res.assert_status(StatusCode::UNAUTHORIZED);
        let html = res.text();
        assert!(html.contains("data-testid=\"portal-hint\""), "{html}");
        let alert = html
            .split("data-testid=\"form-error\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_owned();
        answers.push(alert);
    }
    assert_eq!(answers[0], answers[1], "no address is told apart");
}
