//! SQL of the content service, one module per table group.

pub mod adoptions;
pub mod candidates;
pub mod media;
pub mod modules;
pub mod path_adoptions;
pub mod paths;
pub mod quality;
