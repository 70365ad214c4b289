//! Adopting a shared module into the member's catalogue with its own accents (80/20), choosing
//! how new NZK versions arrive, and the overview the member's admin works from.

use super::overlay::{self, Overlay};
use crate::repo::{adoptions, modules, modules::Owner};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// How a member takes new versions of an adopted module.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Default, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Follow {
    /// Learners see every new NZK version at once.
    #[default]
    Auto,
    /// The admin reads a new version first and accepts it.
    Review,
}

impl Follow {
    /// As stored (`follow` columns).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Review => "review",
        }
    }

    /// From a stored value (anything but `review` follows automatically).
    pub(crate) fn from_stored(raw: &str) -> Self {
        if raw == "review" {
            Self::Review
        } else {
            Self::Auto
        }
    }
}

/// What the member sends to adopt a module or change its accents.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionInput {
    #[serde(default)]
    pub follow: Follow,
    #[serde(flatten)]
    pub overlay: Overlay,
}

/// Adopts `module` (a published shared module) or replaces the accents of an adoption. The
/// overlay is checked against the version the member shows.
pub async fn save(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    module: Uuid,
    input: AdoptionInput,
) -> AppResult<AdoptionState> {
    let AdoptionInput {
        follow,
        mut overlay,
    } = input;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let (latest, latest_doc) = modules::latest_shared(&mut tx, module)
        .await?
        .ok_or_else(AppError::not_found)?;
    let existing = adoptions::get(&mut tx, tenant, module, true).await?;
    let pinned = match (&existing, follow) {
        (Some(a), Follow::Review) if a.follow == "review" => a.pinned_version,
        _ => latest,
    };
    let shown_doc = if pinned == latest {
        latest_doc.0
    } else {
        modules::shared_version(&mut tx, module, pinned)
            .await?
            .ok_or_else(AppError::not_found)?
            .0
    };
    let known = existing
        .as_ref()
        .map(|a| overlay::accent_ids(&a.overlay.0))
        .unwrap_or_default();
    overlay::check(&mut overlay, &shown_doc, &known)?;
    let accents: Vec<_> = overlay.accents.iter().map(|a| a.block.clone()).collect();
    let refs = super::module::media_refs("accents", &accents)
        .into_iter()
        .map(|(f, id, k)| (f.replacen("].", "].block.", 1), id, k))
        .collect::<Vec<_>>();
    super::media::check_refs(&mut tx, &refs).await?;
    adoptions::upsert(
        &mut tx,
        tenant,
        module,
        follow.as_str(),
        pinned,
        &overlay,
        by,
    )
    .await?;
    tx.commit().await?;
    super::changed(p, Owner::Member(tenant));
    tracing::info!(module.id = %module, follow = follow.as_str(), "adoption saved");
    Ok(AdoptionState {
        module_id: module,
        follow,
        shown_version: pinned,
        latest_version: latest,
        orphaned: overlay::orphans(&overlay, &shown_doc).len(),
        title: shown_doc.title,
        overlay,
    })
}

/// Moves an adoption in review mode to the latest NZK version.
pub async fn accept_latest(p: &Platform, tenant: TenantId, module: Uuid) -> AppResult<i32> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let (latest, _) = modules::latest_shared(&mut tx, module)
        .await?
        .ok_or_else(AppError::not_found)?;
    if adoptions::set_pinned(&mut tx, tenant, module, latest).await? == 0 {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    super::changed(p, Owner::Member(tenant));
    Ok(latest)
}

/// Ends an adoption.
pub async fn remove(p: &Platform, tenant: TenantId, module: Uuid) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    if adoptions::delete(&mut tx, tenant, module).await? == 0 {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    super::changed(p, Owner::Member(tenant));
    Ok(())
}

/// An adoption as the admin sees it.
#[derive(Debug, Serialize)]
pub struct AdoptionState {
    pub module_id: Uuid,
    pub title: String,
    pub follow: Follow,
    /// The NZK version learners see now.
    pub shown_version: i32,
    pub latest_version: i32,
    /// Own blocks whose anchor is gone from the shown version (shown at the end).
    pub orphaned: usize,
    pub overlay: Overlay,
}

impl AdoptionState {
    /// A newer NZK version waits for the admin (review mode).
    pub fn update_waiting(&self) -> bool {
        self.shown_version < self.latest_version
    }
}

/// The member's adoptions, with orphaned accents and waiting versions.
pub async fn list(p: &Platform, tenant: TenantId) -> AppResult<Vec<AdoptionState>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = adoptions::overview(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| AdoptionState {
            module_id: r.module_id,
            title: r.title,
            follow: Follow::from_stored(&r.follow),
            shown_version: r.shown_version,
            latest_version: r.latest_version,
            orphaned: overlay::orphans(&r.overlay.0, &r.shown_doc.0).len(),
            overlay: r.overlay.0,
        })
        .collect())
}

/// The member's catalogue in figures, with its adoptions (for the admin's dashboard).
pub struct Dashboard {
    pub share: adoptions::CatalogShare,
    pub adoptions: Vec<AdoptionState>,
}

impl Dashboard {
    /// The member's own modules as a share of everything in its catalogue, in whole percent.
    pub fn own_percent(&self) -> i64 {
        let total = self.share.own + self.share.shared;
        if total == 0 {
            0
        } else {
            (self.share.own * 100 + total / 2) / total
        }
    }
}

/// Figures and adoptions of the member, for its admin.
pub async fn dashboard(p: &Platform, tenant: TenantId) -> AppResult<Dashboard> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let share = adoptions::share(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(Dashboard {
        share,
        adoptions: list(p, tenant).await?,
    })
}

/// One adoption with the shared version it shows (for the overlay editor).
pub async fn get(
    p: &Platform,
    tenant: TenantId,
    module: Uuid,
) -> AppResult<(AdoptionState, super::module::ModuleDoc)> {
    let state = list(p, tenant)
        .await?
        .into_iter()
        .find(|a| a.module_id == module)
        .ok_or_else(AppError::not_found)?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let doc = modules::shared_version(&mut tx, module, state.shown_version)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok((state, doc.0))
}
