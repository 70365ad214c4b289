//! The LTI tool's domain: JWTs and keys (`jwt`, pure), the checks of a launch's claims
//! (`claims`, pure), the platforms' keys (`platform_keys`), registrations with our tool keys
//! (`registration`) and the launch itself (`launch`).

pub mod claims;
pub mod jwt;
pub mod launch;
pub mod platform_keys;
pub mod registration;
