//! The content service's domain: module documents and their checks (pure), authoring (drafts and
//! publishing), Common Cartridge export and import, learning paths, the catalogue, overlays, contributions, quality, media and e-learning packages (SCORM, cmi5).

pub mod adoption;
pub mod authoring;
pub mod cartridge;
pub mod catalog;
pub mod contribution;
pub mod editor;
pub mod media;
pub mod module;
pub mod overlay;
pub mod package;
pub mod package_store;
pub mod path;
pub mod path_adoption;
pub mod quality;

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

/// Moves the cache generation of a member's content pages (the learning service's
/// self-enrolment shows on module pages).
pub fn member_changed(p: &Platform, tenant: zk_kernel::TenantId) {
    changed(p, Owner::Member(tenant));
}

pub use zk_kernel::text::{csv_field, rfc3339};
