//! Backups that restore (issue 25, item 5): `zorgklas backup` of a platform with members,
//! modules, progress, an image and an unpacked e-learning package, restored with `zorgklas
//! restore` into a fresh database and object store, finds every row of every table and every
//! object again (counts and checksums).

use crate::support::{files::*, *};
use std::{collections::BTreeMap, path::Path, process::Command};
use zk_kernel::objects::{FsStore, ObjectStore};
use zk_test_support::TestDb;

/// Runs the binary with a database and data folder.
fn zorgklas(args: &[&str], db: &TestDb, data_dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zorgklas"))
        .args(args)
        .env("DATABASE_URL", &db.owner_url)
        .env("ZK_APP_DATABASE_URL", &db.app_url)
        .env("ZK_DATA_DIR", data_dir)
        .env(
            "ZK_SECRET_KEY",
            "backup-test-key-backup-test-key-0123456789",
        )
        .env("RUST_LOG", "warn")
        .output()
        .expect("zorgklas runs");
    assert!(
        out.status.success(),
        "zorgklas {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every table's row count and a checksum of its rows, as the owner (who sees every row).
async fn tables(db: &TestDb) -> BTreeMap<String, (i64, String)> {
    let mut conn = db.owner().await.unwrap();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
         FROM information_schema.tables
         WHERE table_type = 'BASE TABLE'
           AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for name in names {
        let row: (i64, String) = sqlx::query_as(&format!(
            "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))
             FROM {name} t"
        ))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        out.insert(name, row);
    }
    out
}

/// Every object of a file-system store: key → (content type, bytes).
async fn objects(data_dir: &Path) -> BTreeMap<String, (String, Vec<u8>)> {
    let store = FsStore::new(data_dir.join("objects"), b"unused");
    let mut out = BTreeMap::new();
    for key in store.list("").await.unwrap() {
        let o = store.get(&key).await.unwrap().unwrap();
        out.insert(key, (o.content_type, o.bytes.to_vec()));
    }
    out
}

#[tokio::test]
async fn a_backup_restores_every_row_and_every_object_into_a_fresh_database_and_store() {
    let app = app().await;
    let m = app.member("reserve").await;
    let author = m.author().await;
    let image = author.upload("image", "foto.png", "image/png", PNG).await;
    let zip = zk_content::domain::package::samples::scorm12_single();
    let package = author
        .upload("package", "tillen.zip", "application/zip", &zip)
        .await;
    let module = author
        .publish_module(json!({"title": "Reservekopie", "minutes": 5, "blocks": [
            {"type": "text", "markdown": "Eerst lezen."},
            {"type": "image", "media": image, "alt": "Een foto"},
            {"type": "package", "media": package, "title": "De e-learning"}
        ]}))
        .await;
    let learner = m.learner().await;
    let e = m.admin().await.enrol(&learner, &module.id).await;
    learner.mark_done(&e, &module.block(0)).await;

    let source_dir = app.platform.config.data_dir.clone();
    let backup_dir = std::env::temp_dir().join(format!("zk-backup-{}", app.db.name));
    let said = zorgklas(
        &["backup", "--to", &backup_dir.to_string_lossy()],
        &app.db,
        &source_dir,
    );
    assert!(said.contains("reservekopie"), "{said}");

    let target = TestDb::empty().await.unwrap();
    let target_dir = std::env::temp_dir().join(format!("zk-restored-{}", target.name));
    zorgklas(
        &["restore", "--from", &backup_dir.to_string_lossy()],
        &target,
        &target_dir,
    );

    // Every table, row for row.
    let (before, after) = (tables(&app.db).await, tables(&target).await);
    assert!(before.len() > 40, "{before:?}");
    assert!(before.values().any(|(n, _)| *n > 0));
    assert_eq!(before, after);
    // Every object, byte for byte, with its type: the image, the zip and the unpacked files.
    let (stored, restored) = (objects(&source_dir).await, objects(&target_dir).await);
    assert!(stored.len() >= 5, "{:?}", stored.keys());
    assert_eq!(stored, restored);

    // A restore never goes over a database that holds the platform already.
    let out = Command::new(env!("CARGO_BIN_EXE_zorgklas"))
        .args(["restore", "--from", &backup_dir.to_string_lossy()])
        .env("DATABASE_URL", &target.owner_url)
        .env("ZK_DATA_DIR", &target_dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    let _ = std::fs::remove_dir_all(&backup_dir);
    let _ = std::fs::remove_dir_all(&target_dir);
}
