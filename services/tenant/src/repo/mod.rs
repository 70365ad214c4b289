//! SQL of the tenant service, one module per aggregate. Every function takes the executor of the
//! caller's transaction; functions on tenant-owned tables take the `TenantId` first and run in a
//! transaction that has set it (two locks: the WHERE clause and RLS).

pub mod branding;
pub mod invites;
pub mod outbox;
pub mod tenants;
pub mod throttle;
pub mod users;

/// An `ILIKE` pattern matching text that contains `query` literally (its wildcards escaped).
pub fn contains_pattern(query: &str) -> String {
    format!(
        "%{}%",
        query
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}
