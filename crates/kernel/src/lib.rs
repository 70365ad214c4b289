//! The platform kernel: what every Zorgklas service needs and nothing service-specific.
//!
//! Configuration, the database pools and the tenant-scoped transaction, the error type and its
//! JSON envelope, tenant resolution, sessions and the authenticated principal, the casbin
//! enforcer, the object store, mail, page rendering (theme + locales), paging of lists, HTTP layers
//! and telemetry, and the bounded pool for CPU-heavy work.

pub mod auth;
pub mod authz;
pub mod config;
pub mod cpu;
pub mod crypto;
pub mod db;
pub mod embedded;
pub mod error;
pub mod generations;
pub mod http;
pub mod ids;
pub mod mail;
pub mod messages;
pub mod metrics;
pub mod objects;
pub mod paging;
pub mod platform;
pub mod telemetry;
pub mod tenancy;
pub mod text;
pub mod web;

pub use config::Config;
pub use error::{AppError, AppResult};
pub use ids::TenantId;
pub use platform::Platform;
pub use tenancy::Tenant;
