//! Ids that the database layer and the tenant directory both use, kept below both so neither
//! imports the other for them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A tenant's id. The only value that `SET LOCAL app.tenant_id` is ever formatted from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct TenantId(pub Uuid);

impl TenantId {
    /// The NZK side itself, a tenant of kind `platform` (see the tenant migration).
    pub const PLATFORM: TenantId = TenantId(Uuid::from_u128(1));

    /// The casbin domain of this tenant: `platform` or the uuid.
    pub fn authz_domain(self) -> String {
        if self == Self::PLATFORM {
            "platform".to_string()
        } else {
            self.0.to_string()
        }
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
