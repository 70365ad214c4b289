//! End-to-end tests of the platform through HTTP (in-process `oneshot` for most, real TCP for
//! split mode and the browser), each on its own real PostgreSQL database, grouped by service
//! and capability. They are written in the vocabulary of `zk_test_support::scenario` (members,
//! users by role, published modules, enrolments), wired to the binary's router in `support`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod billing;
mod browser;
mod content;
mod learning;
mod lti;
mod platform;
mod tenant;
