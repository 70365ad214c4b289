//! SQL of the content service, one module per table group.

pub mod adoptions;
pub mod candidates;
pub mod groups;
pub mod learning;
pub mod media;
pub mod modules;
pub mod overview;
pub mod path_adoptions;
pub mod paths;
pub mod proofs;
pub mod quality;
pub mod reminders;
