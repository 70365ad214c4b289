//! Tenant-service domain: validated input types and the operations the HTTP routes and the
//! command line share. Pure validation lives in the leaf modules; operations in `members`,
//! `accounts` and `branding` compose repo calls inside one transaction each.

pub mod accounts;
pub mod branding;
pub mod colour;
pub mod credentials;
pub mod invitations;
pub mod invite_reminders;
pub mod lms;
pub mod members;
pub mod outbox;
pub mod signin;
pub mod staff;
pub mod throttle;
pub mod tokens;
pub mod user_list;
pub mod validate;
