//! The vocabulary end-to-end tests are written in, after crates.io's `tests/util`: a
//! [`TestApp`] (a fresh database, the platform and its router), [`Member`]s with their
//! [`User`]s by role, browser [`Session`]s and anonymous [`Visitor`]s, published [`Module`]s,
//! [`Enrolment`]s and the outbox — each one call, so that a test's body is the behaviour under
//! test and little else. Browser tests get the same from [`Browser`](crate::webdriver::Browser):
//! `browser.log_in(base, email)`, `.click(css)`, `.fill(css, text)`, `.text_of(css)`.
//!
//! ```ignore
//! let app = TestApp::new(|platform| zorgklas::app(platform, None)).await;
//! let alpha = app.member("alpha").await;
//! let (admin, learner) = (alpha.admin().await, alpha.learner().await);
//! let editor = app.operator("redactie@nzk.test").await;
//! let module = editor.publish_module(quiz_module("Valpreventie")).await;
//! let enrolment = admin.enrol(&learner, &module.id).await;
//! learner.complete(&enrolment, &module).await;
//! let home = learner.login().await.page("/").await;
//! ```
//!
//! Members, accounts and tokens are made through the tenant service's domain functions (as the
//! `zorgklas` command line makes them); modules, enrolments, groups and progress through the
//! platform's HTTP API, as a client would. Nothing here writes rows directly.

mod app;
mod browsing;
pub mod files;
mod learning;
mod member;
mod module;
mod user;

pub use app::{at_once, link_token, Mail, TestApp, Wiring};
pub use learning::Enrolment;
pub use member::{BrandingInput, Member, MemberBuilder};
pub use module::{module, quiz_module, text_module, Module};
pub use user::{Requests, Session, User, Visitor, PASSWORD};
