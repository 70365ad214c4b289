//! Tenants: the in-memory snapshot every request sees, and host → tenant resolution.
//!
//! The directory caches snapshots by host and drops a tenant's entries when PostgreSQL notifies
//! `zk_tenant_changed` (see `platform::spawn_listener`), so several processes agree.

pub use crate::ids::TenantId;

use crate::{db, error::AppResult, web::markdown_to_safe_html};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
};
use uuid::Uuid;

/// Whether a member can use its portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
}

/// The branding of a tenant, as pages need it.
#[derive(Clone, Debug, Serialize)]
pub struct Branding {
    pub primary_color: String,
    pub accent_color: String,
    /// Object-store key of the logo, if one was uploaded.
    pub logo_key: Option<String>,
    pub logo_content_type: Option<String>,
    /// Object-store key of the member's illustration or photo (login page and home), if any,
    /// with its type and the text that describes it.
    pub illustration_key: Option<String>,
    pub illustration_content_type: Option<String>,
    pub illustration_alt: String,
    pub welcome_markdown: String,
    /// Sanitised HTML of the welcome text.
    pub welcome_html: String,
    pub support_email: Option<String>,
    /// A new value on every change of the tenant or its branding (a database sequence); keys the
    /// page cache and busts browser caches of logo and theme CSS.
    pub version: i64,
}

/// What every request knows about its tenant, from memory.
#[derive(Clone, Debug, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub is_platform: bool,
    pub status: TenantStatus,
    /// Suspended by billing (unpaid after the grace period), not by an operator: its admins can
    /// still log in and pay.
    pub suspended_by_billing: bool,
    /// The member's billing state (`none`, `active`, `past_due`, `suspended`, `canceled`).
    pub billing_state: String,
    pub employee_count: i32,
    pub branding: Branding,
}

impl Tenant {
    /// True when the member's portal is usable.
    pub fn is_active(&self) -> bool {
        self.status == TenantStatus::Active
    }
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: Uuid,
    kind: String,
    slug: String,
    name: String,
    status: String,
    suspended_by: Option<String>,
    billing_state: Option<String>,
    employee_count: i32,
    primary_color: Option<String>,
    accent_color: Option<String>,
    logo_key: Option<String>,
    logo_content_type: Option<String>,
    illustration_key: Option<String>,
    illustration_content_type: Option<String>,
    illustration_alt: Option<String>,
    welcome_markdown: Option<String>,
    support_email: Option<String>,
    version: Option<i64>,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Self {
        let welcome_markdown = r.welcome_markdown.unwrap_or_default();
        Tenant {
            id: TenantId(r.id),
            slug: r.slug,
            name: r.name,
            is_platform: r.kind == "platform",
            status: if r.status == "suspended" {
                TenantStatus::Suspended
            } else {
                TenantStatus::Active
            },
            suspended_by_billing: r.suspended_by.as_deref() == Some("billing"),
            billing_state: r.billing_state.unwrap_or_else(|| "none".into()),
            employee_count: r.employee_count,
            branding: Branding {
                primary_color: r.primary_color.unwrap_or_else(|| "#1d4f91".into()),
                accent_color: r.accent_color.unwrap_or_else(|| "#8a3b12".into()),
                logo_key: r.logo_key,
                logo_content_type: r.logo_content_type,
                illustration_key: r.illustration_key,
                illustration_content_type: r.illustration_content_type,
                illustration_alt: r.illustration_alt.unwrap_or_default(),
                welcome_html: markdown_to_safe_html(&welcome_markdown),
                welcome_markdown,
                support_email: r.support_email,
                version: r.version.unwrap_or_default(),
            },
        }
    }
}

/// Where a host points.
enum HostTarget<'a> {
    Platform,
    Slug(&'a str),
    Custom(&'a str),
}

/// Host → tenant resolution with an invalidated in-memory cache.
pub struct Directory {
    pool: PgPool,
    base_domain: String,
    cache: RwLock<HashMap<String, Arc<Tenant>>>,
    generation: AtomicU64,
}

impl Directory {
    /// A directory for `base_domain` reading through the application pool.
    pub fn new(pool: PgPool, base_domain: &str) -> Self {
        Self {
            pool,
            base_domain: base_domain.to_string(),
            cache: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    /// The tenant serving `host` (a `Host` header, port allowed), or `None` for an unknown host.
    pub async fn resolve(&self, host: &str) -> AppResult<Option<Arc<Tenant>>> {
        let host = normalise_host(host);
        if let Some(t) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&host)
        {
            return Ok(Some(t.clone()));
        }
        let generation = self.generation.load(Ordering::Acquire);
        let id = match self.target(&host) {
            None => return Ok(None),
            Some(HostTarget::Platform) => Some(TenantId::PLATFORM),
            Some(HostTarget::Slug(slug)) => sqlx::query_scalar::<_, Uuid>(
                "SELECT id FROM tenant.tenants WHERE slug = $1 AND kind = 'member'",
            )
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .map(TenantId),
            Some(HostTarget::Custom(domain)) => {
                sqlx::query_scalar::<_, Option<Uuid>>("SELECT tenant.resolve_domain($1)")
                    .bind(domain)
                    .fetch_one(&self.pool)
                    .await?
                    .map(TenantId)
            }
        };
        let Some(id) = id else { return Ok(None) };
        let Some(tenant) = self.load(id).await? else {
            return Ok(None);
        };
        let tenant = Arc::new(tenant);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        // An invalidation that raced with this load wins: don't cache what may be stale.
        if self.generation.load(Ordering::Acquire) == generation {
            cache.insert(host, tenant.clone());
        }
        Ok(Some(tenant))
    }

    /// Loads a tenant snapshot by id, bypassing the cache.
    pub async fn load(&self, id: TenantId) -> AppResult<Option<Tenant>> {
        let mut tx = db::begin_tenant(&self.pool, id).await?;
        let row: Option<TenantRow> = sqlx::query_as(
            "SELECT t.id, t.kind, t.slug, t.name, t.status, t.suspended_by, t.employee_count,
                    b.primary_color, b.accent_color, b.logo_key, b.logo_content_type,
                    b.illustration_key, b.illustration_content_type, b.illustration_alt,
                    b.welcome_markdown, b.support_email,
                    greatest(t.version, b.version) AS version,
                    (SELECT a.state FROM billing.accounts a WHERE a.tenant_id = t.id) AS billing_state
             FROM tenant.tenants t LEFT JOIN tenant.branding b ON b.tenant_id = t.id
             WHERE t.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.map(Tenant::from))
    }

    /// Drops every cached entry of one tenant.
    pub fn invalidate(&self, id: TenantId) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, t| t.id != id);
    }

    /// Drops the whole cache (after losing the notification connection).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Number of cached hosts.
    pub fn cached(&self) -> usize {
        self.cache.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn target<'a>(&self, host: &'a str) -> Option<HostTarget<'a>> {
        if host == self.base_domain {
            return Some(HostTarget::Platform);
        }
        if let Some(label) = host
            .strip_suffix(&self.base_domain)
            .and_then(|h| h.strip_suffix('.'))
        {
            return (!label.contains('.') && !label.is_empty()).then_some(HostTarget::Slug(label));
        }
        (!host.is_empty()).then_some(HostTarget::Custom(host))
    }
}

/// Lower-cases a host and strips the port and a trailing dot.
pub fn normalise_host(host: &str) -> String {
    let host = host.trim();
    let without_port = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::normalise_host;

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(normalise_host("Acme.Localhost:8080"), "acme.localhost");
        assert_eq!(normalise_host("acme.localhost."), "acme.localhost");
        assert_eq!(normalise_host("zorg.example.nl"), "zorg.example.nl");
    }
}
