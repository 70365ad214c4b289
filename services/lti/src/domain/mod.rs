//! The LTI tool's domain: JWTs and keys (`jwt`, pure), the checks of a launch's claims
//! (`claims`, pure), the platforms' keys (`platform_keys`), registrations with our tool keys
//! (`registration`, and `dynamic` for LTI Dynamic Registration), the launch itself (`launch`),
//! deep linking (`deep_linking`), access tokens for the platforms' services (`access`), grades
//! (`grades`, AGS) and rosters (`roster`, NRPS), and the background job (`jobs`).

pub mod access;
pub mod claims;
pub mod deep_linking;
pub mod dynamic;
pub mod grades;
pub mod jobs;
pub mod jwt;
pub mod launch;
pub mod platform_keys;
pub mod registration;
pub mod roster;
