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
