//! The catalogue a member's users see: the NZK portfolio and the member's own modules, searched
//! in Dutch and filtered.

use super::{
    module::{self, ModuleDoc},
    overlay::{self, Origin, ShownBlock},
};
use crate::repo::modules::{self as repo, CatalogFilter, CatalogRow};
use serde::Deserialize;
use uuid::Uuid;
use zk_kernel::{
    paging::{Paging, PerPage},
    AppError, AppResult, Platform, TenantId,
};

/// Results per page unless asked otherwise, and at most.
pub const PER_PAGE: PerPage = PerPage::new(20, 100);

/// Query parameters of a catalogue search, as the page and the API send them.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub max_minutes: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub min_rating: Option<String>,
    /// From 1 to 100000; a page past the last one is empty.
    #[serde(default)]
    pub page: Option<String>,
    /// 1 to 100; 20 when left out.
    #[serde(default)]
    pub per_page: Option<String>,
}

impl CatalogQuery {
    /// Everything the results depend on, for cache keys.
    pub fn cache_key(&self) -> String {
        let f = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
        serde_json::json!([
            f(&self.q),
            f(&self.level),
            f(&self.tag),
            f(&self.max_minutes),
            f(&self.source),
            f(&self.min_rating),
            f(&self.page),
            f(&self.per_page)
        ])
        .to_string()
    }
}

/// One page of results.
pub struct CatalogPage {
    pub items: Vec<CatalogRow>,
    pub total: i64,
    pub paging: Paging,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn number<T: std::str::FromStr>(
    field: &'static str,
    v: &Option<String>,
    ok: impl Fn(&T) -> bool,
    message: &'static str,
) -> AppResult<Option<T>> {
    match blank(v) {
        None => Ok(None),
        Some(s) => match s.parse::<T>() {
            Ok(n) if ok(&n) => Ok(Some(n)),
            _ => Err(AppError::validation(field, "invalid_filter", message)),
        },
    }
}

/// Searches the catalogue of `tenant`.
pub async fn search(
    p: &Platform,
    tenant: TenantId,
    query: &CatalogQuery,
) -> AppResult<CatalogPage> {
    let level = number(
        "level",
        &query.level,
        |n: &i16| (2..=4).contains(n),
        "Kies mbo-niveau 2, 3 of 4.",
    )?;
    let max_minutes = number(
        "max_minutes",
        &query.max_minutes,
        |n: &i32| *n > 0,
        "Geef een aantal minuten groter dan 0.",
    )?;
    let paging = Paging::parse(query.page.as_deref(), query.per_page.as_deref(), PER_PAGE)?;
    let source = match blank(&query.source) {
        None => None,
        Some(s @ ("nzk" | "adopted" | "own")) => Some(s),
        Some(_) => {
            return Err(AppError::validation(
                "source",
                "invalid_filter",
                "Kies als bron nzk (Nationale Zorgklas), adopted (met eigen accenten) of own (eigen modules).",
            ))
        }
    };
    let q = blank(&query.q);
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(AppError::validation(
            "q",
            "invalid_filter",
            "Zoek met hoogstens 200 tekens.",
        ));
    }
    let min_rating = number(
        "min_rating",
        &query.min_rating,
        |n: &f64| (1.0..=5.0).contains(n),
        "Kies een waardering van 1 tot 5.",
    )?;
    let filter = CatalogFilter {
        min_rating,
        q,
        level,
        tag: blank(&query.tag),
        max_minutes,
        source,
        limit: paging.limit(),
        offset: paging.offset(),
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    let items = repo::catalog(&mut tx, tenant, &filter).await?;
    tx.commit().await?;
    let total = items.first().map_or(0, |r| r.total);
    Ok(CatalogPage {
        items,
        total,
        paging,
    })
}

/// Every module in the member's catalogue as (id, version shown now, title), by title: what a
/// staff import resolves module names against.
pub async fn index(p: &Platform, tenant: TenantId) -> AppResult<Vec<(Uuid, i32, String)>> {
    let filter = repo::CatalogFilter {
        q: None,
        level: None,
        tag: None,
        max_minutes: None,
        source: None,
        min_rating: None,
        limit: 100_000,
        offset: 0,
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::catalog(&mut tx, tenant, &filter).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.module_id, r.version, r.title))
        .collect())
}

/// A published module as a learner may see it: the member's overlay applied, no quiz answers.
#[derive(Clone, Debug)]
pub struct PublishedModule {
    /// `nzk`, `adopted` or `own`.
    pub source: String,
    pub id: Uuid,
    pub version: i32,
    /// Metadata of the version (its `blocks` are left empty: see `blocks`).
    pub doc: ModuleDoc,
    pub blocks: Vec<ShownBlock>,
    /// The member's own introduction of an adopted module.
    pub intro_markdown: String,
    pub change_note: String,
    pub published_at: time::OffsetDateTime,
}

/// The version of a module this tenant shows (shared, adopted with accents, or its own), as a
/// learner sees it: quiz answers and feedback left out.
pub async fn published(p: &Platform, tenant: TenantId, id: Uuid) -> AppResult<PublishedModule> {
    shown(p, tenant, id, None, true).await
}

/// The version of a module this tenant shows, as a learner sees it but with quiz answers and
/// feedback (for a cartridge an LMS scores itself; never for learners).
pub async fn published_with_answers(
    p: &Platform,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<PublishedModule> {
    shown(p, tenant, id, None, false).await
}

/// One version of a module as this tenant shows it (the member's overlay laid over an adopted
/// one): what a learner enrolled on that version sees. With `answers`, quiz answers and
/// feedback stay in (for scoring on the server only).
pub async fn published_at(
    p: &Platform,
    tenant: TenantId,
    id: Uuid,
    version: i32,
    answers: bool,
) -> AppResult<PublishedModule> {
    shown(p, tenant, id, Some(version), !answers).await
}

/// Published modules as shown, per (member, module, version or latest, answers hidden), with
/// the content generation they were read at: versions never change, and whatever changes what
/// a member shows (a new version, an overlay, accepting a version) moves the generation. The
/// write path of learners' progress reads modules from here instead of the database.
#[derive(Default)]
struct ShownCache(std::sync::RwLock<std::collections::HashMap<ShownKey, (u64, PublishedModule)>>);

/// (member, module, version or `None` for the one shown now, answers hidden)
type ShownKey = (Uuid, Uuid, Option<i32>, bool);

/// Entries before the cache starts over (a module as shown is some kilobytes: tens of MB at most).
const SHOWN_CACHE_LIMIT: usize = 2_048;

async fn shown(
    p: &Platform,
    tenant: TenantId,
    id: Uuid,
    version: Option<i32>,
    hide_answers: bool,
) -> AppResult<PublishedModule> {
    shown_on(p, None, tenant, id, version, hide_answers).await
}

/// Like [`published_at`], reading a module that isn't cached on the caller's connection (inside
/// its transaction) instead of a connection of its own.
pub async fn published_at_on(
    p: &Platform,
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    id: Uuid,
    version: i32,
    answers: bool,
) -> AppResult<PublishedModule> {
    shown_on(p, Some(conn), tenant, id, Some(version), !answers).await
}

async fn shown_on(
    p: &Platform,
    conn: Option<&mut sqlx::PgConnection>,
    tenant: TenantId,
    id: Uuid,
    version: Option<i32>,
    hide_answers: bool,
) -> AppResult<PublishedModule> {
    let cache = p.extensions.get_or_init(ShownCache::default);
    let generation = p.generations.of(super::TOPIC, tenant);
    let key = (tenant.0, id, version, hide_answers);
    if let Some((g, m)) = cache.0.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        if *g == generation {
            return Ok(m.clone());
        }
    }
    let row = match conn {
        Some(conn) => repo::published_version(conn, tenant, id, version).await?,
        None => {
            let mut tx = p.db.begin_tenant(tenant).await?;
            let row = repo::published_version(&mut tx, tenant, id, version).await?;
            tx.commit().await?;
            row
        }
    }
    .ok_or_else(AppError::not_found)?;
    let m = build(row, hide_answers);
    let mut map = cache.0.write().unwrap_or_else(|e| e.into_inner());
    if map.len() >= SHOWN_CACHE_LIMIT {
        map.clear();
    }
    map.insert(key, (generation, m.clone()));
    Ok(m)
}

/// A published row as a learner sees it (the overlay applied; answers hidden when asked).
fn build(row: repo::PublishedRow, hide_answers: bool) -> PublishedModule {
    let mut doc = row.doc.0;
    let overlay = row.overlay.map(|o| o.0).unwrap_or_default();
    let origin = if row.source == "own" {
        Origin::Own
    } else {
        Origin::Nzk
    };
    let mut blocks = if row.source == "adopted" {
        overlay::apply(&doc, &overlay)
    } else {
        doc.blocks
            .iter()
            .map(|b| ShownBlock {
                origin,
                orphaned: false,
                block: b.clone(),
            })
            .collect()
    };
    if hide_answers {
        for b in &mut blocks {
            module::hide_answers(&mut b.block);
        }
    }
    doc.blocks.clear();
    PublishedModule {
        source: row.source,
        id: row.module_id,
        version: row.version,
        doc,
        blocks,
        intro_markdown: overlay.intro_markdown,
        change_note: row.change_note,
        published_at: row.published_at,
    }
}
