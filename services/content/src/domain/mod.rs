//! The content service's domain: module documents and their checks (pure), authoring (drafts and
//! publishing) and the catalogue.

pub mod authoring;
pub mod catalog;
pub mod module;
