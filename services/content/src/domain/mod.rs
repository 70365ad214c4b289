//! The content service's domain: module documents and their checks (pure), authoring (drafts and
//! publishing) and the catalogue.

pub mod adoption;
pub mod authoring;
pub mod catalog;
pub mod module;
pub mod overlay;
