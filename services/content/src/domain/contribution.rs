//! Contribution back: a member's author submits an own published module for the portfolio with
//! a licence; reviewers of other members and operators comment per block and approve or ask for
//! changes; an operator publishes it as a shared module with attribution. Every step is an event
//! (who, when) and the author gets a mail.

use super::module::{self, Attribution, ModuleDoc};
use crate::repo::{
    candidates::{self as repo, CandidateRow, CommentRow, EventRow},
    modules::{self, Owner},
};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;
use zk_kernel::{db::TenantTx, mail::Mailer, AppError, AppResult, Platform, TenantId};

/// The licences a member may contribute under.
pub const LICENCES: [&str; 2] = ["CC-BY-4.0", "CC-BY-SA-4.0"];

/// A submission as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitInput {
    pub licence: String,
    #[serde(default)]
    pub note: String,
}

fn note(field: &'static str, v: &str, required: bool) -> AppResult<String> {
    let v = v.trim();
    if (required && v.is_empty()) || v.chars().count() > 2000 {
        return Err(AppError::validation(
            field,
            "invalid_length",
            if required {
                "Geef een toelichting van 1 tot 2000 tekens."
            } else {
                "Een toelichting heeft hoogstens 2000 tekens."
            },
        ));
    }
    Ok(v.to_owned())
}

/// Tells the candidate's author, inside `tx` (which is switched to the author's member for
/// the outbox row: the mail belongs to that member).
async fn tell_author(
    tx: &mut TenantTx,
    c: &CandidateRow,
    subject: &str,
    body: &str,
) -> AppResult<()> {
    let member = TenantId(c.source_tenant);
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(member.0)
        .execute(&mut **tx)
        .await?;
    if let Some(email) = repo::user_email(tx, member, c.submitted_by).await? {
        Mailer::enqueue(tx, member, &email, subject, body).await?;
    }
    Ok(())
}

/// Submits the latest published version of one of the member's own modules.
pub async fn submit(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    module: Uuid,
    input: &SubmitInput,
) -> AppResult<Uuid> {
    if !LICENCES.contains(&input.licence.as_str()) {
        return Err(AppError::validation(
            "licence",
            "invalid_licence",
            "Kies de licentie CC-BY-4.0 of CC-BY-SA-4.0.",
        ));
    }
    let text = note("note", &input.note, false)?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let id = repo::submit(&mut tx, module, &input.licence, &text, by)
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Niet gevonden: alleen een gepubliceerde eigen module kan worden ingediend.",
            )
        })?;
    let c = repo::get(&mut tx, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tell_author(
        &mut tx,
        &c,
        &format!("Ingediend voor de Nationale Zorgklas: {}", c.doc.0.title),
        &format!(
            "Uw module \"{}\" (versie {}) is ingediend voor het gedeelde aanbod, onder licentie {}.\n\nBeoordelaars van andere leden en de redactie van de Nationale Zorgklas lezen hem nu. U krijgt bericht zodra er een besluit is.",
            c.doc.0.title, c.source_version, c.licence
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(candidate.id = %id, module.id = %module, "module submitted");
    Ok(id)
}

/// A candidate with its comments and history.
pub struct CandidateDetail {
    pub candidate: CandidateRow,
    pub comments: Vec<CommentRow>,
    pub events: Vec<EventRow>,
    /// Whether the module's quiz answers are in it (else every option reads as not correct,
    /// without feedback).
    pub answers_shown: bool,
}

/// Candidates (all members see them), optionally by status.
pub async fn list(
    p: &Platform,
    tenant: TenantId,
    status: Option<&str>,
) -> AppResult<Vec<CandidateRow>> {
    if status
        .is_some_and(|s| !["submitted", "changes_requested", "approved", "published"].contains(&s))
    {
        return Err(AppError::validation(
            "status",
            "invalid_filter",
            "Kies submitted, changes_requested, approved of published.",
        ));
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::list(&mut tx, status).await?;
    tx.commit().await?;
    Ok(rows)
}

/// How many contributions of other members wait for `tenant`'s reviewers (the number in the
/// reviewer's menu).
pub async fn waiting(p: &Platform, tenant: TenantId) -> AppResult<i64> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let n = repo::waiting(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(n)
}

/// Who reads a candidate: their member, and whether they author its modules (catalog:write) or
/// review contributions (candidates:review).
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    pub member: TenantId,
    pub author: bool,
    pub reviewer: bool,
}

/// Whether `reader` sees the quiz answers (which option is right, the feedback) of a candidate
/// of member `source` in `status`. They are for the submitting member's authors and for
/// reviewers of other members (and operators) while the review is open; once published the
/// module is one every member's learners take, and nobody reads its answers here any more.
/// Learners, teachers and admins without authoring never see them.
pub fn shows_answers(status: &str, source: Uuid, reader: Reader) -> bool {
    if status == "published" {
        return false;
    }
    if reader.member.0 == source {
        reader.author
    } else {
        reader.reviewer
    }
}

/// One candidate, with its quiz answers only where [`shows_answers`] allows.
pub async fn get(
    p: &Platform,
    tenant: TenantId,
    id: Uuid,
    reader: Reader,
) -> AppResult<CandidateDetail> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let mut candidate = repo::get(&mut tx, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    let comments = repo::comments(&mut tx, id).await?;
    let events = repo::events(&mut tx, id).await?;
    tx.commit().await?;
    let answers_shown = shows_answers(&candidate.status, candidate.source_tenant, reader);
    if !answers_shown {
        candidate.doc.0 = module::learner_view(&candidate.doc.0);
    }
    Ok(CandidateDetail {
        candidate,
        comments,
        events,
        answers_shown,
    })
}

/// A reviewer's comment as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    #[serde(default)]
    pub block_id: Option<Uuid>,
    pub body: String,
}

/// Comments on a candidate (on one block when `block_id` is given).
pub async fn comment(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    id: Uuid,
    input: &CommentInput,
) -> AppResult<()> {
    let body = input.body.trim();
    if body.is_empty() || body.chars().count() > 4000 {
        return Err(AppError::validation(
            "body",
            "invalid_length",
            "Een opmerking heeft 1 tot 4000 tekens.",
        ));
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let c = repo::get(&mut tx, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    if let Some(block) = input.block_id {
        if !module::block_ids(&c.doc.0).any(|b| b == block) {
            return Err(AppError::validation(
                "block_id",
                "unknown_block",
                "Dit blok staat niet in de ingediende versie.",
            ));
        }
    }
    repo::add_comment(&mut tx, id, tenant, input.block_id, body, by).await?;
    repo::add_event(&mut tx, id, tenant, by, "commented", "").await?;
    tx.commit().await?;
    Ok(())
}

/// A review decision as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `approve` or `request_changes`.
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

/// Approves a waiting candidate or asks for changes (reviewers of another member, operators).
pub async fn review(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    id: Uuid,
    input: &ReviewInput,
) -> AppResult<String> {
    let decision = match input.decision.as_str() {
        "approve" => "approved",
        "request_changes" => "changes_requested",
        _ => {
            return Err(AppError::validation(
                "decision",
                "invalid_decision",
                "Kies approve (goedkeuren) of request_changes (wijzigingen vragen).",
            ))
        }
    };
    let text = note("note", &input.note, decision == "changes_requested")?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let c = repo::get(&mut tx, id, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    if c.source_tenant == tenant.0 {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "own_candidate",
            "Een lid beoordeelt zijn eigen inzending niet; dat doen andere leden en de redactie.",
        ));
    }
    if repo::review(&mut tx, id, decision, &text, by)
        .await?
        .is_none()
    {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "not_waiting",
            "Deze inzending wacht niet (meer) op een beoordeling.",
        ));
    }
    let (subject, body) = if decision == "approved" {
        (
            format!("Goedgekeurd: {}", c.doc.0.title),
            format!(
                "Uw module \"{}\" is goedgekeurd door {}. De redactie van de Nationale Zorgklas neemt hem op in het gedeelde aanbod.",
                c.doc.0.title, reviewer_name(&mut tx, tenant).await?
            ),
        )
    } else {
        (
            format!("Wijzigingen gevraagd: {}", c.doc.0.title),
            format!(
                "Voor uw module \"{}\" worden wijzigingen gevraagd:\n\n{text}\n\nPas de module aan, publiceer een nieuwe versie en dien hem opnieuw in.",
                c.doc.0.title
            ),
        )
    };
    tell_author(&mut tx, &c, &subject, &body).await?;
    tx.commit().await?;
    tracing::info!(candidate.id = %id, decision, "candidate reviewed");
    Ok(decision.to_owned())
}

/// Copies the files a contribution uses from the member's prefix to the portfolio's (server-side
/// in S3) and points the blocks at the copies: members read portfolio files, not each other's.
async fn copy_media(
    p: &Platform,
    tx: &mut TenantTx,
    candidate: Uuid,
    by: Uuid,
    blocks: &mut [super::module::Block],
    copies: &mut Vec<String>,
) -> AppResult<()> {
    let ids: Vec<Uuid> = module::media_refs("blocks", blocks)
        .into_iter()
        .map(|r| r.1)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut map = std::collections::HashMap::new();
    for row in crate::repo::media::of_candidate(tx, candidate, &ids).await? {
        let id = Uuid::new_v4();
        let key = format!("shared/media/{id}/{}", row.filename);
        p.objects.copy(&row.object_key, &key).await?;
        copies.push(key.clone());
        let copy = crate::repo::media::MediaRow {
            tenant_id: TenantId::PLATFORM.0,
            id,
            object_key: key,
            ..row.clone()
        };
        crate::repo::media::insert_ready(tx, &copy, by).await?;
        if row.kind == "package" {
            // A package plays from its unpacked files: unpacked again under the portfolio's
            // prefix, with its manifest.
            let unpacked = super::package_store::unpack(
                p,
                &copy.object_key,
                &super::media::package_prefix(&copy.object_key),
            )
            .await?;
            copies.extend(unpacked.keys);
            crate::repo::media::set_package(tx, TenantId::PLATFORM, id, &unpacked.manifest).await?;
        }
        map.insert(row.id, id);
    }
    module::remap_media(blocks, &map);
    Ok(())
}

async fn reviewer_name(tx: &mut TenantTx, tenant: TenantId) -> AppResult<String> {
    Ok(
        sqlx::query_scalar("SELECT name FROM tenant.tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// Publishes an approved candidate as a new shared module (operators). Returns its id.
pub async fn publish(p: &Platform, by: Uuid, id: Uuid) -> AppResult<Uuid> {
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    let c = repo::get(&mut tx, id, true)
        .await?
        .ok_or_else(AppError::not_found)?;
    if c.status != "approved" {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "not_approved",
            "Alleen een goedgekeurde inzending kan worden gepubliceerd.",
        ));
    }
    let module_id = Uuid::new_v4();
    let mut blocks = c.doc.0.blocks.clone();
    let mut copies = Vec::new();
    let result = async {
        copy_media(p, &mut tx, c.id, by, &mut blocks, &mut copies).await?;
        let doc = ModuleDoc {
            blocks,
            attribution: Some(Attribution {
                member_id: c.source_tenant,
                member: c.member.clone(),
                licence: c.licence.clone(),
                candidate_id: c.id,
            }),
            ..c.doc.0.clone()
        };
        modules::insert(&mut tx, Owner::Shared, module_id, &doc, by).await?;
        let change_note = format!("Bijdrage van {} ({})", c.member, c.licence);
        modules::insert_version(&mut tx, Owner::Shared, module_id, 1, &doc, &change_note, by)
            .await?;
        if repo::mark_published(&mut tx, id, module_id).await? == 0 {
            return Err(AppError::not_found());
        }
        repo::add_event(&mut tx, id, TenantId::PLATFORM, by, "published", "").await?;
        tell_author(
            &mut tx,
            &c,
            &format!("Opgenomen in het gedeelde aanbod: {}", c.doc.0.title),
            &format!(
                "Uw module \"{}\" staat nu in het aanbod van de Nationale Zorgklas, met vermelding van {} en licentie {}. Alle leden kunnen hem gebruiken. Dank voor uw bijdrage!",
                c.doc.0.title, c.member, c.licence
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        // Nothing of the portfolio refers to the copies: remove them (best effort, logged).
        for key in &copies {
            if let Err(err) = p.objects.delete(key).await {
                tracing::warn!(error = %err, "copy of a contribution's file not removed");
            }
        }
        return Err(e);
    }
    super::changed(p, Owner::Shared);
    tracing::info!(candidate.id = %id, module.id = %module_id, "candidate published");
    Ok(module_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: Uuid = Uuid::from_u128(7);

    fn reader(member: Uuid, author: bool, reviewer: bool) -> Reader {
        Reader {
            member: TenantId(member),
            author,
            reviewer,
        }
    }

    #[test]
    fn answers_are_for_the_members_authors_and_other_members_reviewers_until_published() {
        let other = Uuid::from_u128(8);
        for status in ["submitted", "changes_requested", "approved"] {
            assert!(shows_answers(status, SOURCE, reader(SOURCE, true, false)));
            assert!(shows_answers(status, SOURCE, reader(other, false, true)));
            // Learners, teachers and admins of the submitting member; its own reviewers (who
            // do not review it); anyone of another member who does not review.
            assert!(!shows_answers(status, SOURCE, reader(SOURCE, false, false)));
            assert!(!shows_answers(status, SOURCE, reader(SOURCE, false, true)));
            assert!(!shows_answers(status, SOURCE, reader(other, true, false)));
            assert!(!shows_answers(status, SOURCE, reader(other, false, false)));
        }
        assert!(!shows_answers(
            "published",
            SOURCE,
            reader(SOURCE, true, true)
        ));
        assert!(!shows_answers(
            "published",
            SOURCE,
            reader(other, true, true)
        ));
    }
}
