//! The platform as the `zorgklas` binary wires it, for the vocabulary of
//! `zk_test_support::scenario` (re-exported here with what most tests use:
//! `use crate::support::*;`).

pub use http::{Method, StatusCode};
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

/// The cast of most portfolio and learning tests: members `zorg-a` and `zorg-b` with an author
/// each (`auteur@…`), A's learner (`leerling@zorg-a.test`) and the NZK editor
/// (`redactie@nzk.test`, an operator).
pub struct TwoMembers {
    /// The platform.
    pub app: TestApp,
    /// Member A, `zorg-a`.
    pub a: Member,
    /// Member B, `zorg-b`.
    pub b: Member,
    /// A's author `auteur@zorg-a.test`.
    pub a_author: User,
    /// A's learner `leerling@zorg-a.test`.
    pub a_learner: User,
    /// B's author `auteur@zorg-b.test`.
    pub b_author: User,
    /// The NZK editor `redactie@nzk.test`, an operator who publishes the shared portfolio.
    pub editor: User,
}

/// [`TwoMembers`] on a fresh app.
pub async fn two_members() -> TwoMembers {
    let app = app().await;
    let a = app.member("zorg-a").await;
    let b = app.member("zorg-b").await;
    let (a_author, a_learner, b_author) = (a.author().await, a.learner().await, b.author().await);
    let editor = app.operator("redactie@nzk.test").await;
    TwoMembers {
        app,
        a,
        b,
        a_author,
        a_learner,
        b_author,
        editor,
    }
}

// ---- the fixtures of before the vocabulary, while the tests move onto it ----

use uuid::Uuid;
use zk_kernel::{Platform, Tenant, TenantId};
use zk_tenant::domain::{accounts, members, tokens};
pub use zk_test_support::{TestClient, TestDb};

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

    /// Counts rows of a table as the owner (sees every tenant).
    pub async fn count(&self, table: &str) -> i64 {
        let mut conn = self.db.owner().await.expect("owner connection");
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .expect("count")
    }
}
