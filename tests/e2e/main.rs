//! End-to-end tests of the platform through HTTP (in-process `oneshot` for most, real TCP for
//! split mode and the browser), each on its own real PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod bad_input;
mod billing;
mod browser;
mod content;
mod http_basics;
mod isolation;
mod learning;
mod mail;
mod media;
mod migrations;
mod objects;
mod path_adoption;
mod rls;
mod roles;
mod second_review;
mod split;
mod staff_import;
mod structure;

mod tenant;
