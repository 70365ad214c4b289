//! SQL of the learning service, one module per table group. Its tables are
//! `content.enrolments`, `content.blocks_done`, `content.quiz_attempts`, `content.groups`,
//! `content.group_members`, `content.proofs`, the package sessions and attempts, the path enrolments and reminders (in the
//! `content` schema, where they were made) and `tenant.staff_imports` with its rows. Its joins
//! read the portfolio's published versions and the member's accounts; it writes no table of
//! another service.

pub mod cmi5;
pub mod groups;
pub mod imports;
pub mod learning;
pub mod overview;
pub mod packages;
pub mod people;
pub mod proofs;
pub mod record;
pub mod reminders;
