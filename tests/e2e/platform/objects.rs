//! The object store against a real S3-compatible server (`s3s-fs`, SigV4 checked).

use crate::support::*;
use bytes::Bytes;
use zk_kernel::objects::{ObjectStore, S3Store};
use zk_test_support::peers::{s3s_fs_binary, S3Peer};

fn available() -> bool {
    if s3s_fs_binary().is_some() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must install s3s-fs");
    eprintln!("skipped: s3s-fs not installed");
    false
}

#[tokio::test]
async fn s3_store_round_trip_and_refuses_a_wrong_signature() {
    if !available() {
        return;
    }
    let peer = S3Peer::start("zorgklas-test").await.unwrap();
    let store = S3Store::new(&peer.config);
    store.ensure_bucket().await.unwrap();
    store
        .put(
            "t1/branding/logo",
            Bytes::from_static(b"\x89PNG-bytes"),
            "image/png",
        )
        .await
        .unwrap();
    let o = store.get("t1/branding/logo").await.unwrap().unwrap();
    assert_eq!(&o.bytes[..], b"\x89PNG-bytes");
    assert_eq!(o.content_type, "image/png");
    assert!(
        peer.data_dir
            .join("zorgklas-test/t1/branding/logo")
            .is_file(),
        "stored on the server's disk"
    );
    assert!(store.get("t1/branding/none").await.unwrap().is_none());
    store.delete("t1/branding/logo").await.unwrap();
    assert!(store.get("t1/branding/logo").await.unwrap().is_none());

    let mut forged = peer.config.clone();
    forged.secret_key = zk_kernel::config::Secret::new("not-the-secret");
    let intruder = S3Store::new(&forged);
    assert!(intruder
        .put("t1/evil", Bytes::from_static(b"x"), "text/plain")
        .await
        .is_err());
    assert!(store.get("t1/evil").await.unwrap().is_none());
}

#[tokio::test]
async fn logos_are_stored_in_s3_when_configured() {
    if !available() {
        return;
    }
    let peer = S3Peer::start("zorgklas-logos").await.unwrap();
    let s3 = peer.config.clone();
    let app = app_with(|c| c.s3 = Some(s3)).await;
    let m = app.member("s3-zorg").await;
    let admin = m.user("admin@s3-zorg.test", Role::Admin).await;
    let png = b"\x89PNG\r\n\x1a\nlogo-in-s3".to_vec();
    admin
        .put("/api/v1/branding/logo")
        .body("image/png", png.clone())
        .expect(StatusCode::NO_CONTENT)
        .await;
    let logo = m.visitor().get("/logo").expect(StatusCode::OK).await;
    assert_eq!(logo.body, png);
    let tenant_dir = peer
        .data_dir
        .join("zorgklas-logos")
        .join(m.id.to_string())
        .join("branding");
    let files: Vec<_> = std::fs::read_dir(&tenant_dir)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(files.len(), 1, "one logo object under the tenant's prefix");

    // A replaced logo removes the old object.
    admin
        .put("/api/v1/branding/logo")
        .body("image/png", b"\x89PNG\r\n\x1a\nnew".to_vec())
        .expect(StatusCode::NO_CONTENT)
        .await;
    let files: Vec<String> = std::fs::read_dir(&tenant_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
}
