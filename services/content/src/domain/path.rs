//! Learning paths (leertrajecten): an ordered list of published modules with a title and a
//! summary, drafted and published in numbered, immutable versions. A shared path holds shared
//! modules only; a member's path holds its own and shared modules.

use super::authoring::PublishInput;
use crate::repo::{modules::Owner, paths as repo};
use serde::Serialize;
use std::collections::HashSet;
use uuid::Uuid;
use zk_kernel::{AppError, AppResult, Platform, TenantId};

pub use crate::model::PathDoc;

/// A module as a path shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PathModule {
    pub id: Uuid,
    pub title: String,
    pub minutes: i32,
    /// Where the module comes from: `nzk` or `own`.
    pub source: String,
    /// Added by the member to a path it adopted (an accent), not part of NZK's path.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub accent: bool,
    /// An accent whose anchor module is gone from the version shown (moved to the end).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub orphaned: bool,
    /// NZK marked it optional: a learner completes the path without it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// Checks a draft: title, 1–50 modules, no module twice.
pub fn check(doc: &PathDoc) -> AppResult<()> {
    let n = doc.title.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(AppError::validation(
            "title",
            "invalid_length",
            "Geef een titel van 1 tot 200 tekens.",
        ));
    }
    if doc.summary.chars().count() > 2000 {
        return Err(AppError::validation(
            "summary",
            "invalid_length",
            "De samenvatting mag hoogstens 2000 tekens hebben.",
        ));
    }
    if doc.modules.is_empty() || doc.modules.len() > 50 {
        return Err(AppError::validation(
            "modules",
            "invalid_path",
            "Een leertraject heeft 1 tot 50 modules.",
        ));
    }
    let mut seen = HashSet::new();
    for (i, m) in doc.modules.iter().enumerate() {
        if !seen.insert(m) {
            return Err(AppError::validation(
                format!("modules[{i}]"),
                "duplicate_module",
                "Deze module staat al in het leertraject.",
            ));
        }
    }
    for (i, m) in doc.optional.iter().enumerate() {
        if !seen.contains(m) {
            return Err(AppError::validation(
                format!("optional[{i}]"),
                "unknown_module",
                "Alleen een module van dit leertraject kan optioneel zijn.",
            ));
        }
    }
    Ok(())
}

/// The modules of `doc` as `owner` may use them; an unknown or foreign one is refused by position.
async fn resolve(
    conn: &mut sqlx::PgConnection,
    owner: Owner,
    doc: &PathDoc,
) -> AppResult<Vec<PathModule>> {
    let found = repo::modules(conn, owner, &doc.modules).await?;
    doc.modules
        .iter()
        .enumerate()
        .map(|(i, id)| {
            found
                .iter()
                .find(|f| f.0 == *id)
                .map(|f| PathModule { id: f.0, title: f.1.clone(), minutes: f.2, source: f.3.clone(), accent: false, orphaned: false, optional: doc.optional.contains(id) })
                .ok_or_else(|| {
                    AppError::validation(
                        format!("modules[{i}]"),
                        "unknown_module",
                        "Kies een gepubliceerde module uit het aanbod (bij een gedeeld leertraject alleen gedeelde modules).",
                    )
                })
        })
        .collect()
}

fn normalise(doc: &mut PathDoc) {
    doc.title = doc.title.trim().to_owned();
    doc.summary = doc.summary.trim().to_owned();
    let mut seen = HashSet::new();
    doc.optional.retain(|m| seen.insert(*m));
}

/// Creates a path.
pub async fn create(
    p: &Platform,
    tenant: TenantId,
    owner: Owner,
    by: Uuid,
    mut doc: PathDoc,
) -> AppResult<repo::PathDraft> {
    normalise(&mut doc);
    check(&doc)?;
    let id = Uuid::new_v4();
    let mut tx = p.db.begin_tenant(tenant).await?;
    resolve(&mut tx, owner, &doc).await?;
    repo::insert(&mut tx, owner, id, &doc, by).await?;
    let row = repo::draft(&mut tx, owner, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// Replaces a path's draft.
pub async fn save(
    p: &Platform,
    tenant: TenantId,
    owner: Owner,
    id: Uuid,
    mut doc: PathDoc,
) -> AppResult<repo::PathDraft> {
    normalise(&mut doc);
    check(&doc)?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::draft(&mut tx, owner, id, true)
        .await?
        .ok_or_else(AppError::not_found)?;
    resolve(&mut tx, owner, &doc).await?;
    repo::save(&mut tx, owner, id, &doc).await?;
    let row = repo::draft(&mut tx, owner, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// The owner's paths.
pub async fn list(p: &Platform, tenant: TenantId, owner: Owner) -> AppResult<Vec<repo::PathDraft>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::list(&mut tx, owner).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One draft.
pub async fn get(
    p: &Platform,
    tenant: TenantId,
    owner: Owner,
    id: Uuid,
) -> AppResult<repo::PathDraft> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let row = repo::draft(&mut tx, owner, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// Publishes the draft as the next version (its modules must still be there).
pub async fn publish(
    p: &Platform,
    tenant: TenantId,
    owner: Owner,
    id: Uuid,
    by: Uuid,
    input: &PublishInput,
) -> AppResult<i32> {
    let note = input.change_note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(AppError::validation(
            "change_note",
            "invalid_length",
            "Beschrijf in 1 tot 1000 tekens wat er in deze versie is veranderd.",
        ));
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let draft = repo::draft(&mut tx, owner, id, true)
        .await?
        .ok_or_else(AppError::not_found)?;
    resolve(&mut tx, owner, &draft.draft.0).await?;
    let version = draft.latest_version + 1;
    repo::insert_version(&mut tx, owner, id, version, &draft.draft.0, note, by).await?;
    tx.commit().await?;
    super::changed(p, owner);
    Ok(version)
}

/// A published path with its modules, as the member sees them.
pub struct ShownPath {
    pub id: Uuid,
    /// `nzk`, `adopted` or `own`.
    pub source: String,
    pub version: i32,
    pub title: String,
    pub summary: String,
    /// The member's own introduction of an adopted path (Markdown, checked when saved).
    pub intro_markdown: String,
    pub modules: Vec<PathModule>,
}

/// The published paths of the tenant's catalogue (shared, adopted and own).
pub async fn catalogue(p: &Platform, tenant: TenantId) -> AppResult<Vec<ShownPath>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::published_list(&mut tx, tenant).await?;
    tx.commit().await?;
    let mut out: Vec<ShownPath> = rows
        .into_iter()
        .map(|r| ShownPath {
            id: r.path_id,
            source: r.source,
            version: r.version,
            title: r.doc.0.title.clone(),
            summary: r.doc.0.summary.clone(),
            intro_markdown: String::new(),
            modules: vec![],
        })
        .collect();
    out.sort_by_key(|p| p.title.to_lowercase());
    Ok(out)
}

/// One published path with its modules in the order a learner takes them: an adopted path with
/// the member's accents laid over the version it shows. Modules no longer published are left
/// out.
pub async fn shown(p: &Platform, tenant: TenantId, id: Uuid) -> AppResult<ShownPath> {
    use super::path_adoption::{apply, Step};
    let mut tx = p.db.begin_tenant(tenant).await?;
    let row = repo::published(&mut tx, tenant, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let doc = &row.doc.0;
    let steps: Vec<Step> = match &row.overlay {
        Some(o) => apply(doc, &o.0),
        None => doc
            .modules
            .iter()
            .map(|m| Step {
                module: *m,
                accent: false,
                orphaned: false,
            })
            .collect(),
    };
    let ids: Vec<Uuid> = steps.iter().map(|s| s.module).collect();
    let found = repo::modules(&mut tx, Owner::Member(tenant), &ids).await?;
    tx.commit().await?;
    let modules = steps
        .iter()
        .filter_map(|s| {
            let f = found.iter().find(|f| f.0 == s.module)?;
            Some(PathModule {
                id: f.0,
                title: f.1.clone(),
                minutes: f.2,
                source: f.3.clone(),
                accent: s.accent,
                orphaned: s.orphaned,
                optional: !s.accent && doc.optional.contains(&s.module),
            })
        })
        .collect();
    Ok(ShownPath {
        id: row.path_id,
        source: row.source,
        version: row.version,
        title: doc.title.clone(),
        summary: doc.summary.clone(),
        intro_markdown: row
            .overlay
            .as_ref()
            .map(|o| o.0.intro_markdown.clone())
            .unwrap_or_default(),
        modules,
    })
}
