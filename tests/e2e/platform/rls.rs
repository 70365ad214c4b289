//! Row-level security at SQL level, as the application role.

use crate::support::*;
use sqlx::{Connection, Executor, Row};

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
    let app = app().await;
    let a = app.member("rls-a").await;
    // A session and a token, so that every table has rows.
    a.learner().await.login().await;
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
    let app = app().await;
    let a = app.member("rls-a").await;
    let b = app.member("rls-b").await;
    let b_user = b.learner().await.id;
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
    let app = app().await;
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
    let app = app().await;
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
         WHERE c.relkind = 'r' AND n.nspname IN ('tenant', 'content', 'billing', 'lti')
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

/// Runs one statement as the application role in a transaction of `tenant`; the database's error
/// code if it fails.
async fn as_app_in(app: &TestApp, tenant: uuid::Uuid, sql: &str) -> Result<u64, String> {
    let mut conn = app.db.app().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    let result = sqlx::query(sql).execute(&mut *tx).await;
    match result {
        Ok(done) => {
            tx.commit().await.unwrap();
            Ok(done.rows_affected())
        }
        Err(sqlx::Error::Database(e)) => Err(e.code().unwrap_or_default().into_owned()),
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn the_app_role_has_no_direct_write_on_the_platform_tables() {
    let app = app().await;
    let a = app.member("lock-a").await;
    let b = app.member("lock-b").await;
    let a_user = a.learner().await.id;
    let b_user = b.learner().await.id;
    let (a_id, b_id) = (a.id.0, b.id.0);
    let denied = Err("42501".to_owned());

    // Direct writes to the member registry, the role grants and the throttle are refused.
    for sql in [
        format!("UPDATE tenant.tenants SET name = 'Overgenomen' WHERE id = '{b_id}'"),
        format!("UPDATE tenant.tenants SET status = 'suspended' WHERE id = '{b_id}'"),
        "INSERT INTO tenant.tenants (id, slug, name) VALUES (gen_random_uuid(), 'nep', 'Nep')".to_owned(),
        format!("INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('g', '{a_user}', 'operator', 'platform', '', '', '')"),
        format!("INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('g', '{a_user}', 'admin', '{a_id}', '', '', '')"),
        format!("DELETE FROM tenant.casbin_rule WHERE v0 = '{b_user}'"),
        "DELETE FROM tenant.throttle".to_owned(),
    ] {
        assert_eq!(as_app_in(&app, a_id, &sql).await, denied, "{sql}");
    }
    // The functions take the tenant from the transaction: no operator role from a member, no
    // grant to another member's user, no operator task from a member's transaction.
    for sql in [
        format!("SELECT tenant.grant_role('{a_user}', 'operator')"),
        format!("SELECT tenant.grant_role('{b_user}', 'admin')"),
        "SELECT tenant.set_member_status('lock-b', 'suspended')".to_owned(),
        "SELECT * FROM tenant.create_member(gen_random_uuid(), 'nep', 'Nep', 0)".to_owned(),
    ] {
        assert_eq!(as_app_in(&app, a_id, &sql).await, denied, "{sql}");
    }
    // Renaming touches only the transaction's own tenant; revoking roles only its own grants.
    as_app_in(
        &app,
        a_id,
        "SELECT tenant.rename_current_tenant('Nieuwe naam')",
    )
    .await
    .unwrap();
    as_app_in(
        &app,
        a_id,
        &format!("SELECT tenant.revoke_roles('{b_user}')"),
    )
    .await
    .unwrap();
    let mut owner = app.db.owner().await.unwrap();
    let names: Vec<(String, String)> = sqlx::query_as(
        "SELECT slug, name FROM tenant.tenants WHERE slug LIKE 'lock-%' ORDER BY slug",
    )
    .fetch_all(&mut owner)
    .await
    .unwrap();
    assert_eq!(
        names,
        vec![
            ("lock-a".to_owned(), "Nieuwe naam".to_owned()),
            ("lock-b".to_owned(), "Zorg lock-b".to_owned())
        ]
    );
    let operators: i64 =
        sqlx::query_scalar("SELECT count(*) FROM tenant.casbin_rule WHERE v1 = 'operator'")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(operators, 0);
    assert_eq!(
        app.platform.authz.roles(b.id, b_user).await,
        vec![Role::Learner]
    );
    // The platform tenant may run the operator tasks.
    let suspended = as_app_in(
        &app,
        zk_kernel::TenantId::PLATFORM.0,
        "SELECT * FROM tenant.set_member_status('lock-b', 'suspended')",
    )
    .await;
    assert_eq!(suspended, Ok(1));
}

#[tokio::test]
async fn a_members_history_is_for_operators_only_not_even_for_the_member_itself() {
    let app = app().await;
    let a = app.member("hist-a").await;
    let b = app.member("hist-b").await;
    zk_tenant::domain::members::set_active_because(&app.platform, None, "hist-a", false, "Test")
        .await
        .unwrap();
    assert_eq!(app.count("tenant.member_events").await, 1);
    let count = |tenant: uuid::Uuid| {
        let app = &app;
        async move {
            let mut conn = app.db.app().await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            sqlx::query("SELECT tenant.set_tenant($1)")
                .bind(tenant)
                .execute(&mut *tx)
                .await
                .unwrap();
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant.member_events")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            n
        }
    };
    assert_eq!(
        count(a.id.0).await,
        0,
        "the member itself can't read why it was suspended"
    );
    assert_eq!(count(b.id.0).await, 0);
    assert_eq!(
        count(zk_kernel::TenantId::PLATFORM.0).await,
        1,
        "operators can"
    );
    // Nor can a member write one.
    let wrote = as_app_in(
        &app,
        b.id.0,
        &format!(
            "INSERT INTO tenant.member_events (tenant_id, kind) VALUES ('{}', 'resumed')",
            a.id.0
        ),
    )
    .await;
    assert_eq!(wrote, Err("42501".into()));
    // Without a tenant nothing is visible.
    let mut conn = app.db.app().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM tenant.member_events")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
}
