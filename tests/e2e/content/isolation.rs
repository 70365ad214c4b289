//! A member's modules are its own: out of reach of another member through HTTP, and at SQL level
//! the shared portfolio is read by every member and written only by operators.

use super::{catalogue, titles};
use crate::support::*;
use sqlx::{Connection, Row};

/// The draft of module `id` and how many versions it has, read as the owner.
async fn draft_and_versions(app: &TestApp, id: &str) -> (String, i64) {
    let mut conn = app.db.owner().await.unwrap();
    let row = sqlx::query(
        "SELECT draft::text, (SELECT count(*) FROM content.module_versions WHERE module_id = $1) FROM content.modules WHERE id = $1",
    )
    .bind(uuid::Uuid::parse_str(id).unwrap())
    .fetch_one(&mut conn)
    .await
    .unwrap();
    (row.get(0), row.get(1))
}

#[tokio::test]
async fn another_members_modules_are_out_of_reach_and_unchanged() {
    let s = two_members().await;
    let app = &s.app;
    let b_module = s
        .b_author
        .publish_module(module("Geheim van B", "Alleen voor B: medicijn."))
        .await;
    let shared = s
        .editor
        .publish_module(module("Gedeeld", "Voor iedereen."))
        .await
        .id;
    let before = draft_and_versions(app, &b_module.id).await;

    let mut edited = b_module.doc.clone();
    edited["title"] = json!("Overgenomen door A");
    let b = &b_module.id;
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/content/modules/{b}"), None),
        (
            Method::PUT,
            format!("/api/v1/content/modules/{b}"),
            Some(edited.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/content/modules/{b}/publish"),
            Some(json!({"change_note": "x"})),
        ),
        (Method::GET, format!("/api/v1/catalog/{b}"), None),
        // A member's author can't edit the shared portfolio through its own host either.
        (
            Method::GET,
            format!("/api/v1/content/modules/{shared}"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/content/modules/{shared}"),
            Some(edited.clone()),
        ),
        (
            Method::POST,
            format!("/api/v1/content/modules/{shared}/publish"),
            Some(json!({"change_note": "x"})),
        ),
    ] {
        let mut req = s.a_author.request(method.clone(), &path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.expect(StatusCode::NOT_FOUND).await;
        assert_eq!(res.error_code(), "not_found", "{method} {path}");
    }
    // B's token on A's host, and a member token on the NZK side, are not credentials there.
    s.a.visitor()
        .get("/api/v1/content/modules")
        .bearer(s.b_author.token())
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    app.visitor("")
        .post("/api/v1/content/modules")
        .bearer(s.a_author.token())
        .json(&module("Via NZK", "x"))
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    s.a_author
        .login()
        .await
        .get(&format!("/leren/modules/{b}"))
        .expect(StatusCode::NOT_FOUND)
        .await;

    // Not listed, not found by search, not among A's drafts.
    let page = catalogue(&s.a_author, "?q=medicijn").await;
    assert_eq!(titles(&page), Vec::<String>::new());
    let page = catalogue(&s.a_author, "").await;
    assert_eq!(titles(&page), vec!["Gedeeld"]);
    let drafts = s
        .a_author
        .get("/api/v1/content/modules")
        .send()
        .await
        .json();
    assert_eq!(drafts["items"].as_array().unwrap().len(), 0);

    assert_eq!(
        before,
        draft_and_versions(app, b).await,
        "B's module is unchanged"
    );
    assert_eq!(app.count("content.shared_module_versions").await, 1);
}

/// Sets the tenant of the transaction `tx` (the app role's RLS follows it).
async fn set_tenant(tx: &mut sqlx::PgConnection, tenant: uuid::Uuid) {
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(tenant)
        .execute(tx)
        .await
        .unwrap();
}

#[tokio::test]
async fn shared_rows_are_read_by_every_member_and_written_only_by_operators_at_sql_level() {
    let s = two_members().await;
    let shared = s
        .editor
        .publish_module(module("Gedeeld", "Voor iedereen."))
        .await
        .id;
    let own = s
        .a_author
        .publish_module(module("Eigen", "Van A."))
        .await
        .id;
    let shared = uuid::Uuid::parse_str(&shared).unwrap();
    let own = uuid::Uuid::parse_str(&own).unwrap();
    let mut conn = s.app.db.app().await.unwrap();

    // As member A: published shared versions are readable, shared drafts are not.
    let mut tx = conn.begin().await.unwrap();
    set_tenant(&mut tx, s.a.id.0).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM content.shared_module_versions")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM content.shared_modules")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 0, "shared drafts are the operators' alone");
    let updated = sqlx::query("UPDATE content.shared_modules SET draft = '{}' WHERE id = $1")
        .bind(shared)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 0);
    tx.rollback().await.unwrap();

    for (what, sql) in [
        (
            "insert a shared module",
            "INSERT INTO content.shared_modules (id, draft, created_by) VALUES (gen_random_uuid(), '{}', gen_random_uuid())",
        ),
        (
            "insert a shared version",
            "INSERT INTO content.shared_module_versions (module_id, version, title, summary, minutes, tags, language, doc, change_note, published_by)
             SELECT module_id, 99, 'x', '', 1, '{}', 'nl', doc, 'x', published_by FROM content.shared_module_versions LIMIT 1",
        ),
        ("change a shared version", "UPDATE content.shared_module_versions SET title = 'x'"),
        ("delete a shared version", "DELETE FROM content.shared_module_versions"),
        ("change an own version", "UPDATE content.module_versions SET title = 'x'"),
        ("delete an own version", "DELETE FROM content.module_versions"),
    ] {
        let mut tx = conn.begin().await.unwrap();
        set_tenant(&mut tx, s.a.id.0).await;
        let err = sqlx::query(sql).execute(&mut *tx).await.err();
        let code = err
            .as_ref()
            .and_then(|e| e.as_database_error())
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{what}: {err:?}");
        tx.rollback().await.unwrap();
    }

    // Member B sees neither A's modules nor its versions; with no tenant nothing is visible.
    let mut tx = conn.begin().await.unwrap();
    set_tenant(&mut tx, s.b.id.0).await;
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM content.modules WHERE id = $1) + (SELECT count(*) FROM content.module_versions WHERE module_id = $1)",
    )
    .bind(own)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM content.shared_module_versions")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0, "without a tenant even the portfolio is hidden");

    // The platform tenant (operators) may write the portfolio.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant(tenant.platform_tenant())")
        .execute(&mut *tx)
        .await
        .unwrap();
    let n = sqlx::query("UPDATE content.shared_modules SET draft = draft WHERE id = $1")
        .bind(shared)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1);
    tx.rollback().await.unwrap();
}
