//! `zorgklas migrate` (through `Db::migrate`, as the binary runs it) on an empty database, twice:
//! the second run finds everything applied and changes nothing.

use sqlx::Connection;
use zk_kernel::db::{Db, MIGRATOR};
use zk_test_support::TestDb;

#[tokio::test]
async fn migrating_twice_is_a_no_op_and_the_platform_starts() {
    let db = TestDb::empty().await.unwrap();
    let config = db.config();
    Db::connect(&config).unwrap().migrate().await.unwrap();
    // A second process (or a restarted demo) migrates again.
    Db::connect(&config).unwrap().migrate().await.unwrap();
    let mut owner = db.owner().await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM public._sqlx_migrations")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert_eq!(applied, MIGRATOR.iter().count() as i64);
    let stray: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('tenant._sqlx_migrations')::text")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(stray, None, "sqlx's bookkeeping lives in public only");
    let stray: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('public.casbin_rule')::text")
            .fetch_one(&mut owner)
            .await
            .unwrap();
    assert_eq!(stray, None, "the casbin adapter uses tenant.casbin_rule");
    owner.close().await.unwrap();
    let platform = zk_kernel::Platform::start(config).await.unwrap();
    assert!(platform
        .directory
        .load(zk_kernel::TenantId::PLATFORM)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn the_platform_refuses_an_unmigrated_database() {
    let db = TestDb::empty().await.unwrap();
    let err = zk_kernel::Platform::start(db.config())
        .await
        .err()
        .expect("must refuse");
    assert!(err.to_string().contains("zorgklas migrate"), "{err}");
}
