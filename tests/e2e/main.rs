//! End-to-end tests of the platform through HTTP (in-process `oneshot` for most, real TCP for
//! split mode and the browser), each on its own real PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod bad_input;
mod billing;
mod browser;
mod http_basics;
mod isolation;
mod mail;
mod migrations;
mod objects;
mod rls;
mod roles;
mod split;
mod structure;

mod content;
mod learning;
mod tenant;
