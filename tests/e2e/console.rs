//! The operators' console pages on the bare base domain.

use crate::support::App;
use http::StatusCode;

#[tokio::test]
async fn operator_creates_searches_suspends_and_resumes_members_in_the_console() {
    let app = App::new().await;
    app.operator("op@nzk.test").await;
    let s = app.login("", "op@nzk.test").await;
    let c = &app.client;

    let page = c.get("", "/console").session(&s).send().await;
    page.assert_status(StatusCode::OK);
    assert!(page.text().contains("Leden van de Nationale Zorgklas"));

    let res = c
        .post("", "/console")
        .cookie(&format!("zk_session={s}"))
        .form(&[
            ("slug", "west-zorg"),
            ("name", "Zorg West"),
            ("admin_email", "beheer@west.test"),
            ("employee_count", "75"),
        ])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(res.location().unwrap(), "/console/leden/west-zorg?nieuw=1");
    let detail = c
        .get("", "/console/leden/west-zorg?nieuw=1")
        .session(&s)
        .send()
        .await;
    assert!(detail.text().contains("http://west-zorg.localhost:8080"));
    assert!(detail.text().contains("Het lid is aangemaakt"));

    // A duplicate slug re-renders the form with the Dutch message and keeps what was typed.
    let dup = c
        .post("", "/console")
        .cookie(&format!("zk_session={s}"))
        .form(&[
            ("slug", "west-zorg"),
            ("name", "Nog een West"),
            ("admin_email", "x@west.test"),
            ("employee_count", "3"),
        ])
        .send()
        .await;
    dup.assert_status(StatusCode::CONFLICT);
    assert!(
        dup.text()
            .contains("De slug &#x27;west-zorg&#x27; is al in gebruik")
            || dup.text().contains("De slug 'west-zorg' is al in gebruik"),
        "{}",
        dup.text()
    );
    assert!(dup.text().contains("value=\"Nog een West\""));
    assert!(dup.text().contains("aria-invalid=\"true\""));

    app.member("oost-zorg").await;
    let search = c.get("", "/console?q=oost").session(&s).send().await.text();
    assert!(
        search.contains("oost-zorg") && !search.contains(">west-zorg<"),
        "{search}"
    );

    let res = c
        .post("", "/console/leden/west-zorg/opschorten")
        .cookie(&format!("zk_session={s}"))
        .form(&[])
        .send()
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let detail = c
        .get("", "/console/leden/west-zorg")
        .session(&s)
        .send()
        .await
        .text();
    assert!(detail.contains("data-testid=\"member-status\">Opgeschort"));
    c.post("", "/console/leden/west-zorg/hervatten")
        .cookie(&format!("zk_session={s}"))
        .form(&[])
        .send()
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let detail = c
        .get("", "/console/leden/west-zorg")
        .session(&s)
        .send()
        .await
        .text();
    assert!(detail.contains("data-testid=\"member-status\">Actief"));

    let outbox = c.get("", "/console/outbox").session(&s).send().await;
    outbox.assert_status(StatusCode::OK);
    assert!(outbox.text().contains("beheer@west.test"));
}
