//! Quality and say: members rate shared modules and report errors on their blocks; members file
//! proposals for the portfolio and vote on them (one vote per member, cast by its admin);
//! operators resolve reports and set a proposal's status with a reason. Everything is visible to
//! every member, including who rated and voted what.

use crate::repo::{modules, quality as repo};
use serde::Deserialize;
use uuid::Uuid;
use zk_kernel::{AppError, AppResult, Platform, TenantId};

fn text(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
    message: &'static str,
) -> AppResult<String> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min || n > max {
        return Err(AppError::validation(field, "invalid_length", message));
    }
    Ok(v.to_owned())
}

/// A rating as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    pub stars: i16,
    #[serde(default)]
    pub comment: String,
}

/// Rates a published shared module for the member (again: the rating changes).
pub async fn rate(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    module: Uuid,
    input: &RatingInput,
) -> AppResult<()> {
    if !(1..=5).contains(&input.stars) {
        return Err(AppError::validation(
            "stars",
            "invalid_stars",
            "Geef 1 tot 5 sterren.",
        ));
    }
    let comment = text(
        "comment",
        &input.comment,
        0,
        2000,
        "Een toelichting heeft hoogstens 2000 tekens.",
    )?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    modules::latest_shared(&mut tx, module)
        .await?
        .ok_or_else(AppError::not_found)?;
    repo::upsert_rating(&mut tx, tenant, module, input.stars, &comment, by).await?;
    tx.commit().await?;
    p.generations.bump(super::TOPIC, None);
    Ok(())
}

/// Every member's rating of a shared module.
pub async fn ratings(
    p: &Platform,
    tenant: TenantId,
    module: Uuid,
) -> AppResult<Vec<repo::RatingRow>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    modules::latest_shared(&mut tx, module)
        .await?
        .ok_or_else(AppError::not_found)?;
    let rows = repo::ratings(&mut tx, module).await?;
    tx.commit().await?;
    Ok(rows)
}

/// An error report as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub module_id: Uuid,
    pub block_id: Uuid,
    pub message: String,
}

/// Reports an error on a block of the latest version of a shared module.
pub async fn report(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    input: &ReportInput,
) -> AppResult<Uuid> {
    let message = text(
        "message",
        &input.message,
        1,
        2000,
        "Beschrijf de fout in 1 tot 2000 tekens.",
    )?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let (version, doc) = modules::latest_shared(&mut tx, input.module_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !super::module::block_ids(&doc.0).any(|id| id == input.block_id) {
        return Err(AppError::validation(
            "block_id",
            "unknown_block",
            "Dit blok staat niet in de huidige versie van de module.",
        ));
    }
    let id = Uuid::new_v4();
    repo::insert_report(
        &mut tx,
        id,
        tenant,
        input.module_id,
        version,
        input.block_id,
        &message,
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Reports, optionally only open or resolved ones, or those of one module.
pub async fn reports(
    p: &Platform,
    tenant: TenantId,
    status: Option<&str>,
    module: Option<Uuid>,
) -> AppResult<Vec<repo::ReportRow>> {
    if let Some(s) = status {
        if !["open", "resolved"].contains(&s) {
            return Err(AppError::validation(
                "status",
                "invalid_filter",
                "Kies open of resolved.",
            ));
        }
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::reports(&mut tx, status, module).await?;
    tx.commit().await?;
    Ok(rows)
}

/// How an operator closes a report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    pub resolution: String,
}

/// Resolves an open report (operators, on the NZK side).
pub async fn resolve(p: &Platform, by: Uuid, id: Uuid, input: &ResolveInput) -> AppResult<()> {
    let resolution = text(
        "resolution",
        &input.resolution,
        1,
        2000,
        "Beschrijf in 1 tot 2000 tekens wat er met de melding is gedaan.",
    )?;
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    if repo::resolve_report(&mut tx, id, &resolution, by).await? == 0 {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// A proposal as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
}

/// Files a proposal for the portfolio.
pub async fn propose(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    input: &ProposalInput,
) -> AppResult<Uuid> {
    let title = text(
        "title",
        &input.title,
        1,
        200,
        "Geef een titel van 1 tot 200 tekens.",
    )?;
    let description = text(
        "description",
        &input.description,
        0,
        5000,
        "Een toelichting heeft hoogstens 5000 tekens.",
    )?;
    let id = Uuid::new_v4();
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::insert_proposal(&mut tx, id, tenant, &title, &description, by).await?;
    tx.commit().await?;
    Ok(id)
}

/// Every proposal with its votes.
pub async fn proposals(p: &Platform, tenant: TenantId) -> AppResult<Vec<repo::ProposalRow>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::proposals(&mut tx, tenant, None).await?;
    tx.commit().await?;
    Ok(rows)
}

/// The member's vote for a proposal: counted once however often it is sent. Returns whether
/// this call counted it, and the proposal as it stands.
pub async fn vote(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    proposal: Uuid,
) -> AppResult<(bool, repo::ProposalRow)> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let current = repo::proposals(&mut tx, tenant, Some(proposal))
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?;
    if current.status != "open" {
        return Err(AppError::new(
            axum::http::StatusCode::CONFLICT,
            "proposal_closed",
            "Over dit voorstel kan niet meer worden gestemd.",
        ));
    }
    let counted = repo::vote(&mut tx, proposal, tenant, by).await?;
    let row = repo::proposals(&mut tx, tenant, Some(proposal))
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok((counted, row))
}

/// Withdraws the member's vote.
pub async fn unvote(p: &Platform, tenant: TenantId, proposal: Uuid) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    if repo::unvote(&mut tx, proposal, tenant).await? == 0 {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// A status decision as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub status: String,
    pub reason: String,
}

/// Sets a proposal's status with a reason (operators, on the NZK side).
pub async fn set_status(
    p: &Platform,
    by: Uuid,
    proposal: Uuid,
    input: &StatusInput,
) -> AppResult<()> {
    if !["open", "planned", "in_progress", "done", "declined"].contains(&input.status.as_str()) {
        return Err(AppError::validation(
            "status",
            "invalid_status",
            "Kies open, planned, in_progress, done of declined.",
        ));
    }
    let reason = text(
        "reason",
        &input.reason,
        1,
        2000,
        "Geef in 1 tot 2000 tekens een reden.",
    )?;
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    if repo::set_proposal_status(&mut tx, proposal, &input.status, &reason, by).await? == 0 {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}
