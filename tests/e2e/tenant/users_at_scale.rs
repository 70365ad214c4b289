//! The users of a member at the size of a real member (2,000 accounts): the API's search,
//! filters, sorting, paging and total; bulk actions in one transaction (all or nothing); the
//! admin's table, the confirmation that names whom, and the message after the redirect. Another
//! member's users never appear, and their ids in a bulk action are refused with nothing changed.

use crate::support::*;
use std::collections::HashSet;
use uuid::Uuid;

/// 2,000 staff in `member`: `mw{i}@{slug}.test`, named after five surnames (i % 5), in four
/// departments (i % 4), every tenth invited and never logged in, every twentieth a teacher,
/// everyone a learner. The newest login is `mw1`'s. Written straight into the tables (2,000
/// accounts through the domain would take minutes); the roles are reloaded after.
async fn seed_staff(app: &TestApp, member: &Member) {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "INSERT INTO tenant.users (tenant_id, id, email, display_name, department, status, last_login_at)
         SELECT $1, gen_random_uuid(), 'mw' || i || '@' || $2 || '.test',
                (ARRAY['Jansen', 'de Vries', 'Bakker', 'Visser', 'Smit'])[1 + i % 5] || ' ' || i,
                (ARRAY['Thuiszorg', 'Verpleeghuis', 'Wijkteam', 'Revalidatie'])[1 + i % 4],
                CASE WHEN i % 10 = 0 THEN 'invited' ELSE 'active' END,
                CASE WHEN i % 10 = 0 THEN NULL ELSE now() - i * interval '1 minute' END
         FROM generate_series(1, 2000) AS i",
    )
    .bind(member.id)
    .bind(&member.slug)
    .execute(&mut owner)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
         SELECT 'g', id::text, r, tenant_id::text, '', '', ''
         FROM tenant.users, LATERAL (VALUES ('learner'), (CASE WHEN split_part(substring(email from 3), '@', 1)::int % 20 = 0 THEN 'teacher' END)) AS v(r)
         WHERE tenant_id = $1 AND email LIKE 'mw%' AND r IS NOT NULL",
    )
    .bind(member.id)
    .execute(&mut owner)
    .await
    .unwrap();
    app.platform.authz.reload().await.unwrap();
}

/// `/api/v1/users{query}` as `user` reads it.
async fn list(user: &User, query: &str) -> Value {
    user.get(&format!("/api/v1/users{query}"))
        .expect(StatusCode::OK)
        .await
        .json()
}

fn emails(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

fn ids(page: &Value) -> Vec<Uuid> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Member A (`schaal`) with its admin and 2,000 staff; member B (`schaal-b`) with a learner.
struct Scale {
    app: TestApp,
    a: Member,
    b: Member,
    admin: User,
    b_user: User,
}

async fn setup() -> Scale {
    let app = app().await;
    let a = app.member("schaal").await;
    let b = app.member("schaal-b").await;
    let admin = a.user("admin@schaal.test", Role::Admin).await;
    seed_staff(&app, &a).await;
    let b_user = b.user("jansen@schaal-b.test", Role::Learner).await;
    Scale {
        app,
        a,
        b,
        admin,
        b_user,
    }
}

#[tokio::test]
async fn the_users_api_searches_filters_sorts_and_pages_2000_users_with_a_total() {
    let s = setup().await;
    let admin = &s.admin;

    let first = list(admin, "").await;
    assert_eq!(
        first["total"], 2002,
        "2,000 staff, the admin and the invited first admin"
    );
    assert_eq!(first["per_page"], 50);
    assert_eq!(first["pages"], 41);
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    assert!(first["items"][0]["roles"].is_array());
    // By name, who has none comes last: the two admins are the last page.
    let last = list(admin, "?page=41").await;
    assert_eq!(emails(&last), ["admin@schaal.test", "beheer@schaal.test"]);
    let past = list(admin, "?page=42").await;
    assert_eq!(past["total"], 2002, "the total also past the last page");
    assert!(past["items"].as_array().unwrap().is_empty());

    // Every page of 200 together is every user exactly once, and never B's.
    let mut seen = HashSet::new();
    for page in 1..=11 {
        for id in ids(&list(admin, &format!("?per_page=200&page={page}")).await) {
            assert!(seen.insert(id), "no user on two pages");
        }
    }
    assert_eq!(seen.len(), 2002);
    assert!(!seen.contains(&s.b_user.id));

    for (query, total) in [
        ("?q=jansen", 400),
        ("?q=DE%20VRIES", 400),
        ("?q=mw1999%40", 1),
        ("?q=schaal-b", 0),
        ("?q=%25", 0),
        ("?role=teacher", 100),
        ("?role=admin", 2),
        ("?status=invited", 201),
        ("?status=disabled", 0),
        ("?department=thuiszorg", 500),
        ("?q=jansen&department=Verpleeghuis", 100),
        ("?q=jansen&department=Verpleeghuis&status=invited", 0),
        ("?role=teacher&status=invited", 100),
    ] {
        assert_eq!(list(admin, query).await["total"], total, "{query}");
    }
    let jansen = list(admin, "?q=jansen&per_page=200&page=2").await;
    assert!(emails(&jansen).iter().all(|e| e.starts_with("mw")));
    assert!(jansen["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["display_name"].as_str().unwrap().starts_with("Jansen ")));
    let teachers = list(admin, "?role=teacher&per_page=5").await;
    for u in teachers["items"].as_array().unwrap() {
        assert_eq!(u["roles"], json!(["learner", "teacher"]));
    }

    // Sorting: newest login first; by e-mail backwards.
    let recent = list(admin, "?sort=-last_login&per_page=2").await;
    assert_eq!(emails(&recent), ["mw1@schaal.test", "mw2@schaal.test"]);
    assert!(recent["items"][0]["last_login_at"].is_string());
    let backwards = list(admin, "?sort=-email&per_page=1").await;
    let forwards_last = list(admin, "?sort=email&per_page=1&page=2002").await;
    assert_eq!(emails(&backwards), emails(&forwards_last));
    assert_ne!(
        emails(&backwards),
        emails(&list(admin, "?sort=email&per_page=1").await)
    );
    let dept = list(admin, "?sort=department&per_page=1").await;
    assert_eq!(dept["items"][0]["department"], "Revalidatie");

    // A wrong parameter names itself.
    for (query, field) in [
        ("?role=operator", "role"),
        ("?status=weg", "status"),
        ("?sort=password_hash", "sort"),
        ("?page=0", "page"),
        ("?per_page=500", "per_page"),
    ] {
        let res = admin
            .get(&format!("/api/v1/users{query}"))
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await;
        assert_eq!(res.error_field(), field, "{query}");
    }

    // B's admin sees only B's one user (plus themself) and nothing of A.
    let b_admin = s.b.user("admin@schaal-b.test", Role::Admin).await;
    let b_list = list(&b_admin, "?per_page=200").await;
    assert_eq!(
        b_list["total"], 3,
        "B's admin invite, B's admin and B's learner"
    );
    assert_eq!(list(&b_admin, "?q=schaal.test").await["total"], 0);
    // A's token is no credential on B's host.
    s.b.visitor()
        .get("/api/v1/users")
        .bearer(admin.token())
        .expect(StatusCode::UNAUTHORIZED)
        .await;
}

/// A bulk action of the users API, sent by `admin`.
async fn bulk(admin: &User, body: Value) -> zk_test_support::TestResponse {
    admin.post("/api/v1/users/bulk").json(&body).send().await
}

async fn scalar(app: &TestApp, sql: &str, ids: &[Uuid]) -> i64 {
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query_scalar(sql)
        .bind(ids)
        .fetch_one(&mut owner)
        .await
        .unwrap()
}

const DISABLED: &str =
    "SELECT count(*) FROM tenant.users WHERE id = ANY($1) AND status = 'disabled'";
const TEACHERS: &str =
    "SELECT count(*) FROM tenant.casbin_rule WHERE ptype = 'g' AND v1 = 'teacher' AND v0 = ANY($1::uuid[]::text[])";

#[tokio::test]
async fn bulk_actions_change_all_selected_users_or_none() {
    let s = setup().await;
    let (app, admin) = (&s.app, &s.admin);
    // 200 active learners who are no teacher, plus one who is logged in right now.
    let mut chosen = ids(&list(admin, "?status=active&q=de%20vries&per_page=200").await);
    chosen.truncate(199);
    let online = s.a.user("online@schaal.test", Role::Learner).await;
    let online_session = online.login().await;
    chosen.push(online.id);
    assert_eq!(scalar(app, TEACHERS, &chosen).await, 0);

    // Give them all the teacher role.
    let res = bulk(
        admin,
        json!({"ids": chosen, "action": "grant_role", "role": "teacher"}),
    )
    .await;
    res.assert_status(StatusCode::OK);
    assert_eq!(res.json()["items"].as_array().unwrap().len(), 200);
    assert_eq!(scalar(app, TEACHERS, &chosen).await, 200);

    // One id of member B in the selection: refused, nobody blocked, B unchanged.
    let mut with_b = chosen.clone();
    with_b.push(s.b_user.id);
    let res = bulk(admin, json!({"ids": with_b, "action": "block"})).await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(res.error_code(), "unknown_users");
    assert_eq!(res.error_field(), "ids");
    assert_eq!(scalar(app, DISABLED, &with_b).await, 0);
    s.b_user.login().await;
    // Yourself in a block: refused, nobody blocked.
    let mut with_self = chosen.clone();
    with_self.push(admin.id);
    let res = bulk(admin, json!({"ids": with_self, "action": "block"})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "cannot_block_self");
    assert_eq!(scalar(app, DISABLED, &chosen).await, 0);
    // Nor your own admin role.
    let res = bulk(
        admin,
        json!({"ids": [admin.id], "action": "revoke_role", "role": "admin"}),
    )
    .await;
    assert_eq!(res.error_code(), "cannot_remove_own_admin");

    // Block them: all at once, and the one online is out at once.
    online_session
        .get("/api/v1/me")
        .expect(StatusCode::OK)
        .await;
    let res = bulk(admin, json!({"ids": chosen, "action": "block"})).await;
    res.assert_status(StatusCode::OK);
    assert!(res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["status"] == "disabled"));
    assert_eq!(scalar(app, DISABLED, &chosen).await, 200);
    assert_eq!(list(admin, "?status=disabled").await["total"], 200);
    online_session
        .get("/api/v1/me")
        .expect(StatusCode::UNAUTHORIZED)
        .await;

    // A new invitation only for whoever is still invited: a mixed selection sends nothing.
    let invited = ids(&list(admin, "?status=invited&per_page=20").await);
    let mails_before = app.count("tenant.outbox").await;
    let mut mixed = invited.clone();
    mixed.push(chosen[0]);
    let res = bulk(admin, json!({"ids": mixed, "action": "resend_invitation"})).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.error_code(), "not_invited");
    assert_eq!(app.count("tenant.outbox").await, mails_before);
    bulk(
        admin,
        json!({"ids": invited, "action": "resend_invitation"}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(app.count("tenant.outbox").await, mails_before + 20);

    // Unblock and take the role away again.
    bulk(admin, json!({"ids": chosen, "action": "unblock"}))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(scalar(app, DISABLED, &chosen).await, 0);
    online.login().await;
    bulk(
        admin,
        json!({"ids": chosen, "action": "revoke_role", "role": "teacher"}),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(scalar(app, TEACHERS, &chosen).await, 0);

    // Bad requests name the field.
    for (body, field) in [
        (json!({"ids": [], "action": "block"}), "ids"),
        (json!({"ids": chosen, "action": "delete"}), "action"),
        (
            json!({"ids": chosen, "action": "grant_role", "role": "operator"}),
            "role",
        ),
        (
            json!({"ids": (0..1001).map(|_| Uuid::new_v4()).collect::<Vec<_>>(), "action": "block"}),
            "ids",
        ),
    ] {
        let res = bulk(admin, body).await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.error_field(), field);
    }
    // A teacher may read the list but not act on it.
    let teacher = s.a.teacher().await;
    list(&teacher, "?per_page=1").await;
    bulk(&teacher, json!({"ids": chosen, "action": "block"}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

/// HTML as a browser reads it (the two escapes handlebars puts in attribute values).
fn unescape(html: &str) -> String {
    html.replace("&amp;", "&").replace("&#x3D;", "=")
}

#[tokio::test]
async fn the_admin_table_filters_and_pages_and_bulk_blocking_asks_first_and_reports_whom() {
    let s = setup().await;
    let app = &s.app;
    let session = s.admin.login().await;
    let page = |path: String| {
        let session = session.clone();
        async move { unescape(&session.page(&path).await) }
    };
    let html = page("/beheer".into()).await;
    assert!(html.contains("1–50 van 2.002 gebruikers"), "Dutch numbers");
    assert_eq!(html.matches("data-testid=\"user-row\"").count(), 50);
    assert!(html.contains("href=\"/beheer?page=2\" rel=\"next\""));
    assert!(html.contains("Pagina 1 van 41"));
    assert!(html.contains("aria-sort=\"ascending\""));
    assert!(html.contains("<option value=\"Thuiszorg\">Thuiszorg</option>"));

    let html = page("/beheer?q=jansen&department=Thuiszorg".into()).await;
    assert!(html.contains("1–50 van 100 gebruikers"));
    assert!(
        html.contains("href=\"/beheer?q=jansen&department=Thuiszorg&page=2\" rel=\"next\""),
        "the next page keeps the filters"
    );
    assert!(html.contains("<option value=\"Thuiszorg\" selected>"));
    let html = page("/beheer?q=bestaat-niet".into()).await;
    assert!(html.contains("Geen gebruikers gevonden"));
    let res = session
        .get("/beheer?status=weg")
        .expect(StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert!(res.text().contains("data-testid=\"form-error\""));

    // Choose two and block them: first a page that names both, nothing blocked yet.
    let two = ids(&list(&s.admin, "?q=visser%203&status=active&per_page=2").await);
    assert_eq!(two.len(), 2);
    let fields = |confirmed: bool, extra: Option<Uuid>| {
        let mut f: Vec<(String, String)> = vec![
            ("action".into(), "block".into()),
            ("back".into(), "?q=visser".into()),
        ];
        f.extend(
            two.iter()
                .chain(extra.iter())
                .map(|id| ("ids".into(), id.to_string())),
        );
        if confirmed {
            f.push(("confirmed".into(), "1".into()));
        }
        f
    };
    let post = |f: Vec<(String, String)>| {
        let session = session.clone();
        async move {
            let borrowed: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            session
                .post("/beheer/gebruikers/bulk")
                .form(&borrowed)
                .send()
                .await
        }
    };
    let res = post(fields(false, None)).await;
    res.assert_status(StatusCode::OK);
    let confirm = res.text();
    assert!(confirm.contains("U blokkeert de toegang van deze 2 gebruikers"));
    assert!(confirm.contains("Visser 3"), "{confirm}");
    assert!(confirm.contains("Ja, blokkeer 2 gebruikers"));
    assert_eq!(scalar(app, DISABLED, &two).await, 0);

    // With B's user among them: refused, nothing changed anywhere.
    post(fields(true, Some(s.b_user.id)))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(
        scalar(app, DISABLED, &[two.clone(), vec![s.b_user.id]].concat()).await,
        0
    );

    // Confirmed: blocked, back to the filtered table with a message that names them, once.
    let res = post(fields(true, None)).await;
    assert_eq!(res.location().as_deref(), Some("/beheer?q=visser"));
    let (html, flash) = session.follow(&res).await;
    let flash = flash.expect("a message");
    assert!(flash.starts_with("2 geblokkeerd: Visser 3"), "{flash}");
    assert!(html.contains("role=\"status\""));
    assert_eq!(scalar(app, DISABLED, &two).await, 2);
    assert!(!page("/beheer?q=visser".into())
        .await
        .contains("data-testid=\"flash\""));

    // Giving a role needs no confirmation; the way back stays on this page whatever is sent.
    let id = two[0].to_string();
    let res = session
        .post("/beheer/gebruikers/bulk")
        .form(&[
            ("action", "grant_role:reviewer"),
            ("ids", id.as_str()),
            ("back", "//evil.test/?q=x"),
        ])
        .send()
        .await;
    assert_eq!(res.location().as_deref(), Some("/beheer"));
    let (_, flash) = session.follow(&res).await;
    assert!(flash
        .unwrap()
        .starts_with("De rol beoordelaar is gegeven aan Visser 3"));

    // One user's page: the block behind a confirmation naming them; none on your own page.
    let other = page(format!("/beheer/gebruikers/{}", two[0])).await;
    assert!(other.contains("Ja, blokkeer") || other.contains("deblokkeren"));
    let someone = ids(&list(&s.admin, "?q=smit%204&status=active&per_page=1").await)[0];
    let html = page(format!("/beheer/gebruikers/{someone}")).await;
    assert!(html.contains(&format!(
        "action=\"/beheer/gebruikers/{someone}/blokkeren\""
    )));
    assert!(html.contains("Ja, blokkeer Smit 4"));
    let own = page(format!("/beheer/gebruikers/{}", s.admin.id)).await;
    assert!(
        !own.contains("/blokkeren\""),
        "no button the server would refuse"
    );
    assert!(own.contains("Dit is uw eigen account"));
    // Another member's user has no page here.
    session
        .get(&format!("/beheer/gebruikers/{}", s.b_user.id))
        .expect(StatusCode::NOT_FOUND)
        .await;
}
