//! Authoring: create a module, save its draft, publish a numbered, immutable version.
//! The same functions serve operators (owner: the NZK portfolio) and a member's authors (owner:
//! the member); which one follows from the host, never from anything the caller sends.

use super::module::{self, ModuleDoc};
use crate::repo::modules::{self as repo, DraftRow, Owner, VersionRow};
use serde::Deserialize;
use std::collections::HashSet;
use uuid::Uuid;
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// Whose modules the request works on: the portfolio on the NZK side, else the member's own.
pub fn owner_of(tenant: TenantId, is_platform: bool) -> Owner {
    if is_platform {
        Owner::Shared
    } else {
        Owner::Member(tenant)
    }
}

/// Creates a module from a first draft; returns it with ids given to its blocks.
pub async fn create(
    p: &Platform,
    tenant: TenantId,
    owner: Owner,
    by: Uuid,
    mut doc: ModuleDoc,
) -> AppResult<DraftRow> {
    module::normalise(&mut doc);
    doc.attribution = None;
    module::check_draft(&doc, &HashSet::new())?;
    module::assign_ids(&mut doc);
    let id = Uuid::new_v4();
    let mut tx = p.db.begin_tenant(tenant).await?;
    super::media::check_refs(&mut tx, &module::media_refs("blocks", &doc.blocks)).await?;
    repo::insert(&mut tx, owner, id, &doc, by).await?;
    let row = repo::draft(&mut tx, owner, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    tracing::info!(module.id = %id, owner = ?owner, "module created");
    Ok(row)
}

/// The draft of a module with its published versions.
pub async fn get(
    p: &Platform,
    tenant: TenantId,
    owner: Owner,
    id: Uuid,
) -> AppResult<(DraftRow, Vec<VersionRow>)> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let draft = repo::draft(&mut tx, owner, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    let versions = repo::versions(&mut tx, owner, id).await?;
    tx.commit().await?;
    Ok((draft, versions))
}

/// The drafts of this owner.
pub async fn list(p: &Platform, tenant: TenantId, owner: Owner) -> AppResult<Vec<DraftRow>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::list_drafts(&mut tx, owner).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Replaces the draft. Blocks keep their ids; a block may only name an id this module has used
/// (in its draft or a version), so blocks of another module can't be pulled in.
pub async fn save(
    p: &Platform,
    tenant: TenantId,
    owner: Owner,
    id: Uuid,
    mut doc: ModuleDoc,
) -> AppResult<DraftRow> {
    module::normalise(&mut doc);
    let mut tx = p.db.begin_tenant(tenant).await?;
    let current = repo::draft(&mut tx, owner, id, true)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut known = repo::version_block_ids(&mut tx, owner, id).await?;
    known.extend(module::block_ids(&current.draft.0));
    // Credit for a contributed module stays as the publishing operator set it.
    doc.attribution = current.draft.0.attribution.clone();
    module::check_draft(&doc, &known)?;
    super::media::check_refs(&mut tx, &module::media_refs("blocks", &doc.blocks)).await?;
    module::assign_ids(&mut doc);
    repo::save_draft(&mut tx, owner, id, &doc).await?;
    let row = repo::draft(&mut tx, owner, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(row)
}

/// What publishing asks for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PublishInput {
    pub change_note: String,
}

/// Freezes the current draft as the next version. Versions are numbered 1, 2, … without gaps
/// (the draft row is locked while the number is taken).
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
    module::check_publishable(&draft.draft.0)?;
    let version = draft.latest_version + 1;
    repo::insert_version(&mut tx, owner, id, version, &draft.draft.0, note, by).await?;
    tx.commit().await?;
    super::changed(p, owner);
    tracing::info!(module.id = %id, version, owner = ?owner, "module published");
    Ok(version)
}
