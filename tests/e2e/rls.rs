//! Row-level security at SQL level, as the application role.

use crate::support::App;
use sqlx::{Connection, Executor, Row};
use zk_kernel::authz::Role;

const TENANT_TABLES: &[&str] = &[
    "tenant.users",
    "tenant.invites",
    "tenant.sessions",
    "tenant.api_tokens",
    "tenant.branding",
    "tenant.tenant_domains",
    "tenant.outbox",
];

#[tokio::test]
async fn without_a_tenant_every_tenant_table_is_empty() {
    let app = App::new().await;
    let a = app.member("rls-a").await;
    app.user(&a, "leerling@rls-a.test", Role::Learner).await;
    app.login("rls-a", "leerling@rls-a.test").await;
    app.token(&a, "leerling@rls-a.test").await;
    let mut conn = app.db.app().await.unwrap();
    for table in TENANT_TABLES {
        let owner_count = app.count(table).await;
        assert!(
            owner_count > 0 || *table == "tenant.tenant_domains",
            "{table} should have rows for this test"
        );
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} visible without a tenant");
    }
}

#[tokio::test]
async fn with_tenant_a_set_b_is_neither_visible_nor_writable() {
    let app = App::new().await;
    let a = app.member("rls-a").await;
    let b = app.member("rls-b").await;
    let b_user = app.user(&b, "leerling@rls-b.test", Role::Learner).await;
    let mut conn = app.db.app().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(a.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();

    let visible: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT DISTINCT tenant_id FROM tenant.users")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    assert_eq!(visible, vec![a.id.0], "only A's users are visible");
    let b_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant.users WHERE tenant_id = $1")
        .bind(b.id.0)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(b_rows, 0);

    let updated = sqlx::query("UPDATE tenant.users SET display_name = 'gehackt' WHERE id = $1")
        .bind(b_user)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected(), 0, "B's row must not be updatable");
    let deleted = sqlx::query("DELETE FROM tenant.branding WHERE tenant_id = $1")
        .bind(b.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected(), 0);

    let insert = sqlx::query("INSERT INTO tenant.users (tenant_id, id, email) VALUES ($1, gen_random_uuid(), 'x@b.test')")
        .bind(b.id.0)
        .execute(&mut *tx)
        .await;
    let err = insert.expect_err("insert into B must fail");
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    let mut owner = app.db.owner().await.unwrap();
    let name: String = sqlx::query_scalar("SELECT display_name FROM tenant.users WHERE id = $1")
        .bind(b_user)
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_ne!(name, "gehackt");
}

#[tokio::test]
async fn a_pooled_connection_after_a_tenant_transaction_sees_nothing_and_does_not_error() {
    let app = App::new().await;
    let a = app.member("rls-a").await;
    let mut conn = app.db.app().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(a.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant.users")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1, "A's admin is visible inside the transaction");
    tx.commit().await.unwrap();
    // Same connection, new statement: the setting is now '' and must read as "no tenant".
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant.users")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_app_role_cannot_bypass_rls_and_owns_nothing() {
    let app = App::new().await;
    let mut conn = app.db.owner().await.unwrap();
    let row =
        sqlx::query("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = 'zorgklas_app'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(!row.get::<bool, _>(0) && !row.get::<bool, _>(1));
    let owned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE tableowner = 'zorgklas_app'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(owned, 0);
    // Every table with a tenant_id column in our schemas has RLS enabled and forced, and a policy.
    let unprotected: Vec<String> = sqlx::query_scalar(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
         WHERE c.relkind = 'r' AND n.nspname IN ('tenant', 'content', 'billing')
           AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity
                OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(
        unprotected.is_empty(),
        "tables without forced RLS: {unprotected:?}"
    );
    conn.execute("SELECT 1").await.unwrap();
}
