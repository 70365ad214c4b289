//! End-to-end tests of the platform through HTTP (in-process `oneshot` for most, real TCP for
//! split mode and the browser), each on its own real PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod account_security;
mod accounts;
mod bad_input;
mod billing;
mod branding;
mod browser;
mod console;
mod content;
mod demo;
mod getting_in;
mod http_basics;
mod isolation;
mod learner_day;
mod learning;
mod mail;
mod media;
mod menus;
mod migrations;
mod objects;
mod path_adoption;
mod people;
mod rls;
mod roles;
mod second_review;
mod split;
mod staff_import;
mod structure;
mod users_at_scale;
