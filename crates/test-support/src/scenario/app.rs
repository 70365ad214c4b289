//! The platform on a fresh database, and what a test reads from it besides HTTP: tenants, row
//! counts and the outbox.

use crate::{
    db::TestDb,
    http::{TestClient, TestRequest, TestResponse},
};
use axum::Router;
use std::sync::Arc;
use zk_kernel::{Config, Platform, Tenant, TenantId};

/// How a process builds its router from the platform (the binary's `zorgklas::app`, which
/// this crate cannot name: it sits below the binary).
pub type Wiring = fn(&Platform) -> anyhow::Result<Router>;

/// The platform on its own database, with an in-process client for its router. Cheap to clone:
/// members and users keep a copy to send their requests through.
#[derive(Clone)]
pub struct TestApp {
    /// The test's database (owner and application-role connections for assertions).
    pub db: Arc<TestDb>,
    /// The platform the router serves.
    pub platform: Platform,
    /// Requests through the router, in-process.
    pub client: TestClient,
    wiring: Wiring,
}

/// A mail in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl TestApp {
    /// A fresh database and the platform wired by `wiring`.
    pub async fn new(wiring: Wiring) -> TestApp {
        Self::with_config(wiring, |_| {}).await
    }

    /// A fresh database and the platform, with an adjusted configuration, wired by `wiring`.
    pub async fn with_config(wiring: Wiring, adjust: impl FnOnce(&mut Config)) -> TestApp {
        crate::init_tracing();
        let db = TestDb::new().await.expect("test database");
        Self::on_db(wiring, db, adjust).await
    }

    /// [`TestApp::with_config`] on a database of another server (superuser URL `server`), such
    /// as a test's own cluster ([`crate::cluster::TestCluster`]).
    pub async fn on_server(
        wiring: Wiring,
        server: &str,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        crate::init_tracing();
        let db = TestDb::new_on(server).await.expect("test database");
        Self::on_db(wiring, db, adjust).await
    }

    async fn on_db(wiring: Wiring, db: TestDb, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = db.config();
        adjust(&mut config);
        let platform = Platform::start(config).await.expect("platform");
        let router = wiring(&platform).expect("router");
        TestApp {
            db: Arc::new(db),
            platform,
            client: TestClient::new(router),
            wiring,
        }
    }

    /// A second process on the same database (the default configuration): its own platform,
    /// caches and router. Pass it to [`Session::on`](super::Session::on) to send a session's
    /// requests there.
    pub async fn another_process(&self) -> TestApp {
        let platform = self.db.platform().await.expect("second platform");
        let router = (self.wiring)(&platform).expect("router");
        TestApp {
            db: self.db.clone(),
            platform,
            client: TestClient::new(router),
            wiring: self.wiring,
        }
    }

    /// Serves the router on a free port of 127.0.0.1 (for the browser) and returns the port.
    pub async fn serve(&self) -> u16 {
        self.serve_on(0).await
    }

    /// Serves the router on `port` of 127.0.0.1 (a free one for 0) and returns the port: the
    /// port the configuration's `public_port` names, when the links the platform makes (an LTI
    /// launch's URLs) must lead the browser back to it.
    pub async fn serve_on(&self, port: u16) -> u16 {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        tokio::spawn(zk_kernel::http::serve(
            listener,
            self.client.router(),
            std::future::pending(),
            std::time::Duration::from_secs(5),
        ));
        port
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

    /// The mails to `recipient`, oldest first (read from the outbox as the owner).
    pub async fn mails_to(&self, recipient: &str) -> Vec<Mail> {
        let mut conn = self.db.owner().await.expect("owner connection");
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT subject, body FROM tenant.outbox WHERE recipient = $1 ORDER BY created_at, id",
        )
        .bind(recipient)
        .fetch_all(&mut conn)
        .await
        .expect("the outbox");
        rows.into_iter()
            .map(|(subject, body)| Mail { subject, body })
            .collect()
    }

    /// The one-time token of the link in the newest mail to `recipient`, where `path` is the
    /// link's first segment (`uitnodiging` or `wachtwoord-herstellen`).
    pub async fn mailed_token(&self, recipient: &str, path: &str) -> String {
        let mail = self
            .mails_to(recipient)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no mail to {recipient}"));
        link_token(&mail.body, path).unwrap_or_else(|| panic!("no /{path}/ link in: {mail:?}"))
    }

    /// Counts the rows of a table as the owner (sees every tenant).
    pub async fn count(&self, table: &str) -> i64 {
        let mut conn = self.db.owner().await.expect("owner connection");
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .expect("count")
    }
}

/// The token of the first `/{path}/…` link in a mail's body.
pub fn link_token(body: &str, path: &str) -> Option<String> {
    body.split(&format!("/{path}/"))
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
}

/// Sends `n` requests at once (`make(i)` builds the i-th) and returns the responses in the
/// order they finished.
pub async fn at_once(n: usize, make: impl Fn(usize) -> TestRequest) -> Vec<TestResponse> {
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
