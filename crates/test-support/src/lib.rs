//! Test support: a real PostgreSQL database per test (cloned from a migrated template), the
//! platform wired to it, an in-process HTTP client for routers (`oneshot`), free ports, the
//! WebDriver client for headless-Chromium tests, real peers (S3 via `s3s-fs`, SMTP, Stripe),
//! and [`scenario`]: the vocabulary end-to-end tests are written in (members, users by role,
//! published modules, enrolments).
//!
//! Tests need PostgreSQL at `ZK_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable`, trust auth). `.ci/run` starts it.

pub mod cluster;
pub mod db;
pub mod http;
pub mod lti;
pub mod peers;
pub mod scenario;
pub mod webdriver;

pub use db::TestDb;
pub use http::{
    csrf_field, csrf_for_anonymous, csrf_for_session, TestClient, TestResponse, CSRF_COOKIE_VALUE,
};

/// Installs tracing output for tests when `TEST_LOG` is set (once per process).
pub fn init_tracing() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,sqlx=warn"))
            .with_test_writer()
            .try_init();
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Where tests put screenshots and other artifacts (`test-artifacts/` at the workspace root,
/// or `ZK_TEST_ARTIFACTS`).
pub fn artifacts_dir() -> std::path::PathBuf {
    std::env::var_os("ZK_TEST_ARTIFACTS")
        .map(Into::into)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts")
        })
}
