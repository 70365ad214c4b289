//! The platform as the `zorgklas` binary wires it, for the vocabulary of
//! `zk_test_support::scenario` (re-exported here with what most tests use:
//! `use crate::support::*;`).

pub use http::StatusCode;
pub use serde_json::{json, Value};
pub use zk_kernel::authz::Role;
pub use zk_test_support::scenario::*;

/// The whole platform in one process, as `zorgklas` runs it, on a fresh database.
pub async fn app() -> TestApp {
    TestApp::new(one_process).await
}

/// [`app`] with an adjusted configuration.
pub async fn app_with(adjust: impl FnOnce(&mut zk_kernel::Config)) -> TestApp {
    TestApp::with_config(one_process, adjust).await
}

/// Every service behind one router: what `zorgklas serve` runs without `--service`.
fn one_process(platform: &zk_kernel::Platform) -> anyhow::Result<axum::Router> {
    zorgklas::app(platform, None)
}

// ---- the fixtures of before the vocabulary, while the tests move onto it ----

use uuid::Uuid;
use zk_kernel::{Platform, Tenant, TenantId};
use zk_tenant::domain::{accounts, members, tokens};
pub use zk_test_support::{TestClient, TestDb};

/// The password of every fixture account.
pub const PASSWORD: &str = "Test-wachtwoord-1";

/// The whole platform (single process) on its own database.
pub struct App {
    pub db: TestDb,
    pub platform: Platform,
    pub client: TestClient,
}

/// A member created through the domain.
#[derive(Clone, Debug)]
pub struct LegacyMember {
    pub id: TenantId,
}

impl App {
    /// A fresh database and platform.
    pub async fn new() -> App {
        Self::with_config(|_| {}).await
    }

    /// A fresh database and a platform with an adjusted configuration.
    pub async fn with_config(adjust: impl FnOnce(&mut zk_kernel::Config)) -> App {
        zk_test_support::init_tracing();
        let db = TestDb::new().await.expect("test database");
        let mut config = db.config();
        adjust(&mut config);
        let platform = Platform::start(config).await.expect("platform");
        let router = zorgklas::app(&platform, None).expect("router");
        App {
            db,
            platform,
            client: TestClient::new(router),
        }
    }

    /// A tenant snapshot, fresh from the database.
    pub async fn tenant(&self, id: TenantId) -> Tenant {
        self.platform
            .directory
            .load(id)
            .await
            .expect("load")
            .expect("tenant exists")
    }

    /// An operator with a bearer token.
    pub async fn operator(&self, email: &str) -> (Uuid, String) {
        let nzk = self.tenant(TenantId::PLATFORM).await;
        let (user, _) =
            accounts::ensure_user(&self.platform, &nzk, email, Role::Operator, Some(PASSWORD))
                .await
                .expect("operator");
        let token = tokens::create(&self.platform, &nzk, email, "test", None)
            .await
            .expect("token");
        (user.id, token)
    }

    /// A member with the given slug (admin invite pending for `beheer@{slug}.test`).
    pub async fn member(&self, slug: &str) -> LegacyMember {
        let input = members::NewMemberInput {
            slug: slug.into(),
            name: format!("Zorg {slug}"),
            admin_email: format!("beheer@{slug}.test"),
            employee_count: Some(120),
        };
        let created = members::create(
            &self.platform,
            members::NewMember::parse(&input).expect("valid"),
        )
        .await
        .expect("member");
        LegacyMember {
            id: TenantId(created.member.id),
        }
    }

    /// An active user with a role and the fixture password.
    pub async fn user(&self, member: &LegacyMember, email: &str, role: Role) -> Uuid {
        let t = self.tenant(member.id).await;
        accounts::ensure_user(&self.platform, &t, email, role, Some(PASSWORD))
            .await
            .expect("user")
            .0
            .id
    }

    /// A bearer token for a user of a member.
    pub async fn token(&self, member: &LegacyMember, email: &str) -> String {
        let t = self.tenant(member.id).await;
        tokens::create(&self.platform, &t, email, "test", None)
            .await
            .expect("token")
    }

    /// Logs in through the login form on `host` and returns the session cookie value.
    pub async fn login(&self, host: &str, email: &str) -> String {
        let res = self
            .client
            .post(host, "/inloggen")
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await;
        res.assert_status(StatusCode::SEE_OTHER);
        res.set_cookie("zk_session").expect("session cookie")
    }

    /// The one-time link token in the newest mail to `recipient` (`path` = `uitnodiging` or
    /// `wachtwoord-herstellen`), read from the outbox table as the owner.
    pub async fn mailed_token(&self, recipient: &str, path: &str) -> String {
        let mut conn = self.db.owner().await.expect("owner connection");
        let body: String = sqlx::query_scalar(
            "SELECT body FROM tenant.outbox WHERE recipient = $1 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(recipient)
        .fetch_one(&mut conn)
        .await
        .expect("a mail to the recipient");
        body.split(&format!("/{path}/"))
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("a link in the mail")
            .to_owned()
    }

    /// Counts rows of a table as the owner (sees every tenant).
    pub async fn count(&self, table: &str) -> i64 {
        let mut conn = self.db.owner().await.expect("owner connection");
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .expect("count")
    }
}

/// Sends `n` requests at once (`make(i)` builds the i-th) and returns the responses.
pub async fn at_once(
    n: usize,
    make: impl Fn(usize) -> zk_test_support::http::TestRequest,
) -> Vec<zk_test_support::http::TestResponse> {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let req = make(i);
        set.spawn(async move { req.send().await });
    }
    let mut responses = vec![];
    while let Some(res) = set.join_next().await {
        responses.push(res.expect("request task"));
    }
    responses
}

/// Uploads a file through the media API in the file-system mode (announce, PUT to the signed
/// URL, confirm) and returns its id.
pub async fn upload(
    app: &App,
    host: &str,
    token: &str,
    kind: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> String {
    let res = app
        .client
        .post(host, "/api/v1/content/media")
        .bearer(token)
        .json(&serde_json::json!({"kind": kind, "filename": filename, "content_type": content_type, "size": bytes.len()}))
        .send()
        .await;
    res.assert_status(StatusCode::CREATED);
    let ticket = res.json();
    let id = ticket["id"].as_str().expect("media id").to_owned();
    let url = ticket["upload"]["request"]["url"]
        .as_str()
        .expect("single upload")
        .to_owned();
    app.client
        .put(host, &url)
        .body(content_type, bytes.to_vec())
        .send()
        .await
        .assert_status(StatusCode::OK);
    app.client
        .post(host, &format!("/api/v1/content/media/{id}/confirm"))
        .bearer(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .assert_status(StatusCode::OK);
    id
}

/// A small valid PNG header followed by filler (type checks read the first bytes only).
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-test-image-bytes";
/// The start of an MP4 file.
pub const MP4: &[u8] = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom-test-video";
/// WebVTT captions.
pub const VTT: &[u8] = b"WEBVTT\n\n00:00.000 --> 00:02.000\nWelkom bij de module.\n";
