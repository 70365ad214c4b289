//! The operators' console on the bare base domain: members made, found, edited, suspended and
//! resumed, their admins' invitations, the outbox, and the landing page that finds a portal.

use crate::support::*;

#[tokio::test]
async fn operator_creates_searches_suspends_and_resumes_members_in_the_console() {
    let app = app().await;
    let s = app.operator("op@nzk.test").await.login().await;

    let html = s.page("/console").await;
    assert!(html.contains("Leden van de Nationale Zorgklas"));
    // The list comes first; creating is behind a toggle, in plain Dutch with a real address.
    assert!(html.find("id=\"leden-titel\"").unwrap() < html.find("id=\"nieuw-lid\"").unwrap());
    assert!(
        html.contains("<details  data-testid=\"new-member\">")
            || html.contains("<details data-testid=\"new-member\">")
    );
    assert!(html.contains("Webadres") && html.contains("http://zorggroep-noord.localhost:8080"));
    assert!(!html.contains("{slug}"), "no placeholder shown literally");

    let res = s
        .post("/console")
        .form(&[
            ("slug", "west-zorg"),
            ("name", "Zorg West"),
            ("admin_email", "beheer@west.test"),
            ("employee_count", "75"),
        ])
        .send()
        .await;
    assert_eq!(res.location().unwrap(), "/console/leden/west-zorg");
    let (detail, flash) = s.follow(&res).await;
    assert!(detail.contains("http://west-zorg.localhost:8080"));
    assert!(flash.unwrap().contains("Het lid is aangemaakt"));

    // A duplicate slug re-renders the form with the Dutch message and keeps what was typed.
    let dup = s
        .post("/console")
        .form(&[
            ("slug", "west-zorg"),
            ("name", "Nog een West"),
            ("admin_email", "x@west.test"),
            ("employee_count", "3"),
        ])
        .expect(StatusCode::CONFLICT)
        .await
        .text();
    assert!(
        dup.contains("Het webadres &#x27;west-zorg&#x27; is al in gebruik")
            || dup.contains("Het webadres 'west-zorg' is al in gebruik"),
        "{dup}"
    );
    assert!(dup.contains("value=\"Nog een West\""));
    assert!(
        dup.contains("<details open data-testid=\"new-member\">"),
        "the form with its error is open"
    );
    assert!(dup.contains("aria-invalid=\"true\""));

    app.member("oost-zorg").await;
    let search = s.get("/console?q=oost").send().await.text();
    assert!(
        search.contains("oost-zorg") && !search.contains(">west-zorg<"),
        "{search}"
    );

    // Suspending needs a reason, which is kept and shown.
    let suspend = "/console/leden/west-zorg/opschorten";
    let res = s
        .post(suspend)
        .form(&[])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("Vul de reden van de opschorting in"));
    assert!(res.text().contains("data-testid=\"member-status\">Actief"));
    let res = s
        .post(suspend)
        .form(&[("reason", "Contract beëindigd per 1 december")])
        .send()
        .await;
    let (detail, flash) = s.follow(&res).await;
    assert_eq!(flash.as_deref(), Some("Zorg West is opgeschort."));
    assert!(detail.contains("data-testid=\"member-status\">Opgeschort"));
    assert!(detail.contains("data-testid=\"suspension-reason\">Contract beëindigd per 1 december"));
    let res = s
        .post("/console/leden/west-zorg/hervatten")
        .form(&[("reason", "Nieuw contract")])
        .send()
        .await;
    let (detail, _) = s.follow(&res).await;
    assert!(detail.contains("data-testid=\"member-status\">Actief"));
    // The history keeps both, with who and why.
    let history = detail.split("data-testid=\"history\"").nth(1).unwrap();
    assert!(history.find("Hervat").unwrap() < history.find("Opgeschort").unwrap());
    assert!(
        history.contains("Contract beëindigd per 1 december") && history.contains("op@nzk.test")
    );

    let outbox = s.page("/console/outbox").await;
    assert!(outbox.contains("beheer@west.test"));
    // In Dutch local time, without microseconds; the exact moment stays in the markup.
    let local = zk_kernel::text::dutch_datetime(time::OffsetDateTime::now_utc());
    let day = local.split(" om ").next().unwrap().to_owned();
    assert!(outbox.contains(&format!(">{day} om ")), "{outbox}");
    assert!(outbox.contains("<time datetime=\""));
}

#[tokio::test]
async fn operators_page_through_the_members_in_the_api_and_the_console() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let s = op.login().await;
    for slug in ["lid-een", "lid-twee", "lid-drie"] {
        app.member(slug).await;
    }
    let get = |q: &'static str| {
        let op = op.clone();
        async move {
            op.get(&format!("/api/v1/tenants{q}"))
                .expect(StatusCode::OK)
                .await
                .json()
        }
    };
    let slugs = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = get("?per_page=2").await;
    assert_eq!(
        (first["total"].as_i64(), first["pages"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(slugs(&first), ["lid-drie", "lid-twee"], "newest first");
    assert_eq!(slugs(&get("?per_page=2&page=2").await), ["lid-een"]);
    let past = get("?per_page=2&page=3").await;
    assert_eq!(slugs(&past), Vec::<String>::new());
    assert_eq!(past["total"], 3, "a page past the last still counts");
    assert_eq!(get("?q=twee").await["total"], 1);

    // The console pages the same way and keeps the search and the page size in its links.
    let html = s
        .get("/console?q=lid&per_page=2")
        .send()
        .await
        .text()
        .replace("&amp;", "&")
        .replace("&#x3D;", "=");
    assert!(
        html.contains(">lid-drie<") && !html.contains(">lid-een<"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/console?q=lid&per_page=2&page=2\" rel=\"next\""),
        "{html}"
    );
    assert!(html.contains("Pagina 1 van 2"));
    let html = s
        .get("/console?page=nul")
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await
        .text();
    assert!(html.contains("data-testid=\"list-error\""), "{html}");
    assert!(
        html.contains(">lid-een<"),
        "the first page is shown with the error"
    );
    assert!(
        html.contains("<details  data-testid=\"new-member\">")
            || html.contains("<details data-testid=\"new-member\">"),
        "the error is the list's, not the new member form's"
    );
}

#[tokio::test]
async fn the_landing_page_finds_an_active_members_portal_by_name_and_nothing_else() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    app.member("noord").await;
    app.member("zuid").await;
    op.post("/api/v1/tenants/zuid/suspend")
        .expect(StatusCode::OK)
        .await;
    let visitor = app.visitor("");
    let html = visitor
        .get("/?zoek=zorg")
        .expect(StatusCode::OK)
        .await
        .text();
    assert!(
        html.contains("<a href=\"http://noord.localhost:8080\">Zorg noord</a>"),
        "{html}"
    );
    assert!(
        !html.contains("Zorg zuid"),
        "a suspended member is not revealed"
    );
    let text = |path: &'static str| {
        let visitor = visitor.clone();
        async move { visitor.get(path).send().await.text() }
    };
    assert!(text("/?zoek=z").await.contains("minstens twee letters"));
    assert!(
        text("/?zoek=%25%25")
            .await
            .contains("Geen portaal gevonden"),
        "a wildcard finds nothing"
    );
    assert!(text("/?zoek=bestaat%20niet")
        .await
        .contains("Geen portaal gevonden"));
    // What NZK is, for a care worker who lands here.
    assert!(text("/").await.contains("Wat is de Nationale Zorgklas?"));
}

#[tokio::test]
async fn operators_manage_a_member_edit_it_see_its_users_and_replace_or_resend_its_admins_invitation(
) {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let s = op.login().await;
    let m = app.member("beheerd").await;
    m.learner().await.login().await;

    // The page: details, user counts, the pending admin, last activity.
    let html = s.get("/console/leden/beheerd").send().await.text();
    assert!(
        html.contains("2 in totaal: 1 actief, 1 uitgenodigd, 0 geblokkeerd"),
        "{html}"
    );
    assert!(html.contains("beheer@beheerd.test"));
    assert!(html.contains("data-testid=\"resend-admin\""));
    assert!(
        !html.contains("nog niemand ingelogd"),
        "the learner logged in"
    );

    // Every invalid field at once; nothing saved.
    let html = s
        .post("/console/leden/beheerd")
        .form(&[
            ("name", ""),
            ("employee_count", "-5"),
            ("support_email", "geen-adres"),
        ])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await
        .text();
    assert_eq!(html.matches("aria-invalid=\"true\"").count(), 3, "{html}");
    assert!(html.contains("Verbeter de volgende velden"));
    assert!(html.contains("<details open data-testid=\"edit-member\">"));
    assert_eq!(m.tenant().await.name, "Zorg beheerd");
    let api = op
        .put("/api/v1/tenants/beheerd")
        .json(&json!({"name": "", "employee_count": -1, "support_email": "x"}))
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    let fields: Vec<String> = api.json()["error"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["name", "employee_count", "support_email"]);

    // A good edit: saved, the member's portal follows at once, the history says so.
    let res = s
        .post("/console/leden/beheerd")
        .form(&[
            ("name", "Zorggroep Beheerd"),
            ("employee_count", "1250"),
            ("support_email", "vragen@beheerd.test"),
        ])
        .send()
        .await;
    let (html, flash) = s.follow(&res).await;
    assert_eq!(
        flash.as_deref(),
        Some("De gegevens van het lid zijn opgeslagen.")
    );
    assert!(html.contains("data-testid=\"member-employees\">1.250<"));
    assert!(html.contains("Gegevens gewijzigd"));
    let portal = m.visitor().get("/inloggen").send().await.text();
    assert!(portal.contains("Zorggroep Beheerd") && portal.contains("vragen@beheerd.test"));

    // Resend the pending admin's invitation: a new link works, the old one not.
    let old_token = app.mailed_token("beheer@beheerd.test", "uitnodiging").await;
    let overview = op
        .get("/api/v1/tenants/beheerd/overview")
        .send()
        .await
        .json();
    assert_eq!(overview["users"]["total"], 2);
    let pending = overview["admins"][0]["id"].as_str().unwrap().to_owned();
    let res = s
        .post(&format!(
            "/console/leden/beheerd/beheerder/{pending}/uitnodiging"
        ))
        .form(&[])
        .send()
        .await;
    let (_, flash) = s.follow(&res).await;
    assert!(flash
        .unwrap()
        .starts_with("beheer@beheerd.test krijgt een nieuwe uitnodiging"));
    let new_token = app.mailed_token("beheer@beheerd.test", "uitnodiging").await;
    assert_ne!(old_token, new_token);
    let visitor = m.visitor();
    visitor
        .get(&format!("/uitnodiging/{old_token}"))
        .expect(StatusCode::GONE)
        .await;
    visitor
        .get(&format!("/uitnodiging/{new_token}"))
        .expect(StatusCode::OK)
        .await;

    // Replace the pending admin by another address: the old account and link are gone.
    let res = s
        .post("/console/leden/beheerd/beheerder")
        .form(&[("email", "Nieuwe.Beheerder@beheerd.test"), ("replace", "1")])
        .send()
        .await;
    let (html, flash) = s.follow(&res).await;
    assert_eq!(
        flash.as_deref(),
        Some("nieuwe.beheerder@beheerd.test is uitgenodigd als beheerder.")
    );
    let admins = html
        .split("data-testid=\"admins\"")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(!admins.contains("beheer@beheerd.test"), "{admins}");
    assert!(admins.contains("nieuwe.beheerder@beheerd.test"));
    visitor
        .get(&format!("/uitnodiging/{new_token}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    let token = app
        .mailed_token("nieuwe.beheerder@beheerd.test", "uitnodiging")
        .await;
    visitor
        .get(&format!("/uitnodiging/{token}"))
        .expect(StatusCode::OK)
        .await;
    // A bad address names the field and changes nothing.
    let res = s
        .post("/console/leden/beheerd/beheerder")
        .form(&[("email", "geen adres"), ("replace", "1")])
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("nieuwe.beheerder@beheerd.test"));
    // Another member's user is not this member's admin to re-invite.
    let stranger = app
        .member("ander")
        .await
        .user("x@ander.test", Role::Learner)
        .await;
    s.post(&format!(
        "/console/leden/beheerd/beheerder/{}/uitnodiging",
        stranger.id
    ))
    .form(&[])
    .expect(StatusCode::NOT_FOUND)
    .await;
    // The member's history is for operators only: no member table exposes it.
    let mut owner = app.db.owner().await.unwrap();
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT e.kind FROM tenant.member_events e JOIN tenant.tenants t ON t.id = e.tenant_id WHERE t.slug = 'beheerd' ORDER BY e.id",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert_eq!(kinds, ["edited", "invitation_resent", "admin_invited"]);
}

#[tokio::test]
async fn the_outbox_filters_by_member_and_status_and_pages() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let s = op.login().await;
    let a = app.member("post-a").await;
    app.member("post-b").await;
    // 60 invited staff of A get a new invitation at once: 61 mails of A in all. (The 60
    // accounts are written straight into the table: invited through the API they would be
    // mailed already.)
    let admin = a.user("admin@post-a.test", Role::Admin).await;
    let mut owner = app.db.owner().await.unwrap();
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "INSERT INTO tenant.users (tenant_id, id, email) SELECT $1, gen_random_uuid(), 'mw' || i || '@post-a.test'
         FROM generate_series(1, 60) i RETURNING id",
    )
    .bind(a.id)
    .fetch_all(&mut owner)
    .await
    .unwrap();
    admin
        .post("/api/v1/users/bulk")
        .json(&json!({"ids": ids, "action": "resend_invitation"}))
        .expect(StatusCode::OK)
        .await;
    let get = |q: &'static str| {
        let op = op.clone();
        async move {
            op.get(&format!("/api/v1/outbox{q}"))
                .expect(StatusCode::OK)
                .await
                .json()
        }
    };
    let page1 = get("?member=post-a").await;
    assert_eq!(page1["total"], 61);
    assert_eq!(page1["pages"], 2);
    assert_eq!(page1["items"].as_array().unwrap().len(), 50);
    assert_eq!(
        get("?member=post-a&page=2").await["items"]
            .as_array()
            .unwrap()
            .len(),
        11
    );
    assert_eq!(get("?member=post-b").await["total"], 1);
    assert_eq!(
        get("?member=post-b").await["items"][0]["recipient"],
        "beheer@post-b.test"
    );
    // Without a mail server every mail is kept (none sent, none failed).
    assert_eq!(get("?member=post-a&status=kept").await["total"], 61);
    assert_eq!(get("?status=sent").await["total"], 0);
    let res = op
        .get("/api/v1/outbox?status=weg")
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(res.error_field(), "status");

    // The page: the filter kept in the pager, links in the demo's mails can be followed.
    let html = s
        .get("/console/outbox?member=post-a")
        .send()
        .await
        .text()
        .replace("&amp;", "&")
        .replace("&#x3D;", "=");
    assert!(html.contains("61 e-mails"), "{html}");
    assert!(html.contains("href=\"/console/outbox?member=post-a&page=2\""));
    assert!(html.contains("<a href=\"http://post-a.localhost:8080/uitnodiging/"));
    assert!(!html.contains("beheer@post-b.test"));
    assert_eq!(html.matches("data-testid=\"mail\"").count(), 50);
}
