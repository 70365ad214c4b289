//! Cross-tenant attacks over HTTP: ids, links, cookies and tokens of member B used on member A
//! (and the other way round) are refused, and B's data stays as it was.

use crate::support::*;

/// Members `huis-a` (with an admin, signed in) and `huis-b` (with a learner).
struct Neighbours {
    app: TestApp,
    a: Member,
    b: Member,
    a_admin: User,
    a_admin_session: Session,
    b_user: User,
}

async fn neighbours() -> Neighbours {
    let app = app().await;
    let a = app.member("huis-a").await;
    let b = app.member("huis-b").await;
    let a_admin = a.user("admin@huis-a.test", Role::Admin).await;
    let b_user = b.learner().await;
    let a_admin_session = a_admin.login().await;
    Neighbours {
        app,
        a,
        b,
        a_admin,
        a_admin_session,
        b_user,
    }
}

#[tokio::test]
async fn ids_of_another_member_are_not_found_and_nothing_changes() {
    let t = neighbours().await;
    let b_user = t.b_user.id.to_string();

    let res = t
        .a_admin
        .get(&format!("/api/v1/users/{b_user}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(res.error_code(), "not_found");
    t.a_admin
        .put(&format!("/api/v1/users/{b_user}/roles"))
        .json(&json!({ "roles": ["admin"] }))
        .expect(StatusCode::NOT_FOUND)
        .await;
    t.a_admin_session
        .post(&format!("/beheer/gebruikers/{b_user}/rollen"))
        .form(&[("roles", "admin")])
        .expect(StatusCode::NOT_FOUND)
        .await;

    // B's user still has exactly the learner role and no admin grant appeared anywhere.
    assert_eq!(
        t.app.platform.authz.roles(t.b.id, t.b_user.id).await,
        vec![Role::Learner]
    );
    let mut owner = t.app.db.owner().await.unwrap();
    let grants: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenant.casbin_rule WHERE ptype = 'g' AND v0 = $1")
            .bind(&b_user)
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(grants, 1);
}

#[tokio::test]
async fn a_session_cookie_of_a_is_not_accepted_on_b() {
    let t = neighbours().await;
    let own = t
        .a_admin_session
        .get("/api/v1/me")
        .expect(StatusCode::OK)
        .await;
    assert_eq!(own.json()["tenant"]["slug"], "huis-a");

    let cookie = &t.a_admin_session.cookie;
    let on_b = Session::new(&t.app, "huis-b", cookie);
    on_b.get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    let res = on_b.get("/beheer").send().await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "page sends the stranger to the login"
    );
    assert!(res.location().unwrap().starts_with("/inloggen"));
    // Nor on the NZK side.
    Session::new(&t.app, "", cookie)
        .get("/api/v1/tenants")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
}

#[tokio::test]
async fn a_bearer_token_of_a_is_refused_on_b_and_on_the_operator_api() {
    let t = neighbours().await;
    let token = t.a_admin.token();
    let res =
        t.b.visitor()
            .get("/api/v1/users")
            .bearer(token)
            .expect(StatusCode::UNAUTHORIZED)
            .await;
    assert_eq!(res.error_code(), "invalid_token");
    t.app
        .visitor("")
        .get("/api/v1/tenants")
        .bearer(token)
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    // An operator token acts on members only through the operator API on the bare domain.
    let op = t.app.operator("op@nzk.test").await;
    t.a.visitor()
        .get("/api/v1/users")
        .bearer(op.token())
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    op.get("/api/v1/tenants").expect(StatusCode::OK).await;
}

#[tokio::test]
async fn invitation_and_reset_links_only_work_on_their_own_member() {
    let app = app().await;
    let a = app.member("huis-a").await;
    let b = app.member("huis-b").await;
    let invited = zk_tenant::domain::accounts::invite(
        &app.platform,
        &b.tenant().await,
        "nieuw@huis-b.test",
        "",
        "",
        &["learner".into()],
    )
    .await
    .unwrap();
    let link = format!(
        "/uitnodiging/{}",
        invited.invite_url.rsplit('/').next().unwrap()
    );

    a.visitor().get(&link).expect(StatusCode::NOT_FOUND).await;
    let res = a
        .visitor()
        .choose_password(&link, "Gestolen-wachtwoord-1")
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert!(res.set_cookie("zk_session").is_none());
    // The invitation is still usable on B.
    b.visitor().get(&link).expect(StatusCode::OK).await;

    b.learner().await;
    b.visitor()
        .post("/wachtwoord-vergeten")
        .form(&[("email", "leerling@huis-b.test")])
        .expect(StatusCode::OK)
        .await;
    let reset = app
        .mailed_token("leerling@huis-b.test", "wachtwoord-herstellen")
        .await;
    a.visitor()
        .get(&format!("/wachtwoord-herstellen/{reset}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
}

#[tokio::test]
async fn branding_and_logo_stay_with_their_member() {
    let t = neighbours().await;
    t.a_admin
        .put("/api/v1/branding")
        .json(&json!({ "name": "Huis A", "primary_color": "#004d40", "accent_color": "#8a3b12" }))
        .expect(StatusCode::OK)
        .await;
    let png = b"\x89PNG\r\n\x1a\n-logo-of-a".to_vec();
    t.a_admin
        .put("/api/v1/branding/logo")
        .body("image/png", png.clone())
        .expect(StatusCode::NO_CONTENT)
        .await;

    let (a, b) = (t.a.visitor(), t.b.visitor());
    let css_b = b.get("/theme.css").send().await.text();
    assert!(!css_b.contains("#004d40"), "{css_b}");
    assert!(a.get("/theme.css").send().await.text().contains("#004d40"));
    b.get("/logo").expect(StatusCode::NOT_FOUND).await;
    assert_eq!(a.get("/logo").send().await.body, png);
}
