//! The platform as a whole: HTTP basics (probes, metrics, OpenAPI, headers), tenant isolation
//! over HTTP and at SQL level (RLS), the role matrix, bad input, mail, the object store,
//! migrations, split mode, what operators watch (dashboard and alerts), the Citus layout of the
//! schema, and the shape of the workspace itself.

mod backup;
mod bad_input;
mod citus;
mod demo;
mod http_basics;
mod isolation;
mod mail;
mod menus;
mod migrations;
mod objects;
mod observability;
mod outage;
mod rls;
mod roles;
mod split;
mod structure;
