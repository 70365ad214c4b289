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
    // The list comes first; creating is behind a toggle, in plain Dutch with a real address.
    let html = page.text();
    assert!(html.find("id=\"leden-titel\"").unwrap() < html.find("id=\"nieuw-lid\"").unwrap());
    assert!(
        html.contains("<details  data-testid=\"new-member\">")
            || html.contains("<details data-testid=\"new-member\">")
    );
    assert!(html.contains("Webadres") && html.contains("http://zorggroep-noord.localhost:8080"));
    assert!(!html.contains("{slug}"), "no placeholder shown literally");

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
            .contains("Het webadres &#x27;west-zorg&#x27; is al in gebruik")
            || dup
                .text()
                .contains("Het webadres 'west-zorg' is al in gebruik"),
        "{}",
        dup.text()
    );
    assert!(dup.text().contains("value=\"Nog een West\""));
    assert!(
        dup.text()
            .contains("<details open data-testid=\"new-member\">"),
        "the form with its error is open"
    );
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
    // In Dutch local time, without microseconds; the exact moment stays in the markup.
    let local = zk_kernel::text::dutch_datetime(time::OffsetDateTime::now_utc());
    let day = local.split(" om ").next().unwrap().to_owned();
    assert!(
        outbox.text().contains(&format!(">{day} om ")),
        "{}",
        outbox.text()
    );
    assert!(outbox.text().contains("<time datetime=\""));
}

#[tokio::test]
async fn the_landing_page_finds_an_active_members_portal_by_name_and_nothing_else() {
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    app.member("noord").await;
    app.member("zuid").await;
    app.client
        .post("", "/api/v1/tenants/zuid/suspend")
        .bearer(&op)
        .send()
        .await
        .assert_status(StatusCode::OK);
    let c = &app.client;
    let page = c.get("", "/?zoek=zorg").send().await;
    page.assert_status(StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("<a href=\"http://noord.localhost:8080\">Zorg noord</a>"),
        "{html}"
    );
    assert!(
        !html.contains("Zorg zuid"),
        "a suspended member is not revealed"
    );
    assert!(c
        .get("", "/?zoek=z")
        .send()
        .await
        .text()
        .contains("minstens twee letters"));
    assert!(
        c.get("", "/?zoek=%25%25")
            .send()
            .await
            .text()
            .contains("Geen portaal gevonden"),
        "a wildcard finds nothing"
    );
    assert!(c
        .get("", "/?zoek=bestaat%20niet")
        .send()
        .await
        .text()
        .contains("Geen portaal gevonden"));
    // What NZK is, for a care worker who lands here.
    assert!(c
        .get("", "/")
        .send()
        .await
        .text()
        .contains("Wat is de Nationale Zorgklas?"));
}
