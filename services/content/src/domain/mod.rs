//! The content service's domain: module documents and their checks (pure), authoring (drafts and
//! publishing) and the catalogue.

pub mod adoption;
pub mod authoring;
pub mod catalog;
pub mod contribution;
pub mod editor;
pub mod group;
pub mod learning;
pub mod media;
pub mod module;
pub mod overlay;
pub mod overview;
pub mod passport;
pub mod path;
pub mod path_adoption;
pub mod path_enrolment;
pub mod progress_writer;
pub mod proof;
pub mod quality;
pub mod reminders;

use crate::repo::modules::Owner;
use zk_kernel::Platform;

/// The cache topic of content pages (see `zk_kernel::generations`).
pub const TOPIC: &str = "content";

/// Moves this process's cache generation after a committed change (other processes follow the
/// `zk_changed` notification the tables' triggers send).
pub fn changed(p: &Platform, owner: Owner) {
    match owner {
        Owner::Shared => p.generations.bump(TOPIC, None),
        Owner::Member(t) => p.generations.bump(TOPIC, Some(t)),
    }
}

pub use zk_kernel::text::csv_field;

/// A moment as the API writes it (RFC 3339).
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
