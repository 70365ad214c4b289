//! A person's learning record (`/leren/mensen/{id}`, `GET /api/v1/learning/people/{id}`): who
//! they are, their enrolments with progress, state and deadline, what they were taken out of,
//! their proofs and passport; and the changes an admin (or the person's teacher) makes there:
//! a deadline changed or removed, an open enrolment un-enrolled (what was done stays in the
//! history). Admins see everyone of the member, a teacher the learners of the groups they
//! teach; anybody else, and other members' ids, get 404.

use super::{
    group::Viewer,
    learning::{self, parse_deadline},
    passport::{self, Entry},
    people::{self, Person},
    proof::{self, ProofView},
};
use crate::repo::{learning as enrolments, record as repo};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;
use zk_content::domain::catalog;
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// Who the record is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordPerson {
    pub id: Uuid,
    /// The name, or the e-mail address when no name is known.
    pub name: String,
    pub email: String,
    pub department: String,
    /// `invited`, `active` or `disabled` (blocked).
    pub status: String,
    /// The groups they learn in.
    pub groups: Vec<String>,
}

/// An enrolment the person was taken out of, with what they had done.
#[derive(Debug, Serialize, ToSchema)]
pub struct WithdrawnEnrolment {
    pub module_id: Uuid,
    pub title: String,
    #[serde(with = "zk_kernel::text::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub enrolled_at: OffsetDateTime,
    pub done: i32,
    pub blocks: i32,
    pub attempts: i32,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_activity_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub withdrawn_at: OffsetDateTime,
}

/// A person's learning record.
#[derive(Debug, Serialize, ToSchema)]
pub struct Record {
    pub person: RecordPerson,
    /// Their enrolments, late first (the people list's rows).
    pub enrolments: Vec<Person>,
    /// Enrolments they were taken out of, newest first.
    pub withdrawn: Vec<WithdrawnEnrolment>,
    pub proofs: Vec<ProofView>,
    /// Completed modules with their validity.
    pub passport: Vec<Entry>,
}

/// Whether `viewer` may see `user`'s record: admins everyone, teachers their groups' learners.
async fn may_see(p: &Platform, tenant: TenantId, viewer: Viewer, user: Uuid) -> AppResult<bool> {
    if viewer.is_admin {
        return Ok(true);
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let teaches = repo::teaches(&mut tx, tenant, viewer.user, user).await?;
    tx.commit().await?;
    Ok(teaches)
}

/// The record of `user` for `viewer` (404 when the viewer may not see them or they are not the
/// member's).
pub async fn get(p: &Platform, tenant: TenantId, viewer: Viewer, user: Uuid) -> AppResult<Record> {
    if !may_see(p, tenant, viewer, user).await? {
        return Err(AppError::not_found());
    }
    let (head, withdrawn) = {
        let mut tx = p.db.begin_tenant(tenant).await?;
        let head = repo::person(&mut tx, tenant, user).await?;
        let withdrawn = repo::withdrawn(&mut tx, tenant, user).await?;
        tx.commit().await?;
        (head.ok_or_else(AppError::not_found)?, withdrawn)
    };
    Ok(Record {
        person: RecordPerson {
            id: head.id,
            name: if head.display_name.trim().is_empty() {
                head.email.clone()
            } else {
                head.display_name
            },
            email: head.email,
            department: head.department,
            status: head.status,
            groups: head.groups,
        },
        enrolments: people::of_person(p, tenant, user).await?,
        withdrawn: withdrawn
            .into_iter()
            .map(|w| WithdrawnEnrolment {
                module_id: w.module_id,
                title: w.title,
                deadline: w.deadline,
                enrolled_at: w.enrolled_at,
                done: w.done_count,
                blocks: w.blocks,
                attempts: w.attempts,
                last_activity_at: w.last_activity_at,
                withdrawn_at: w.withdrawn_at,
            })
            .collect(),
        proofs: proof::mine(p, tenant, user).await?,
        passport: passport::of_learner(p, tenant, user).await?,
    })
}

/// A new deadline for an enrolment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineInput {
    /// `YYYY-MM-DD`, today or later; `null` removes the deadline.
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
}

/// An enrolment's deadline after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineChanged {
    pub id: Uuid,
    pub user_id: Uuid,
    #[serde(with = "zk_kernel::text::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<Date>,
}

/// The enrolment `id` locked in `tx`, when `viewer` may change it (else 404).
async fn held(
    tx: &mut sqlx::PgConnection,
    tenant: TenantId,
    viewer: Viewer,
    id: Uuid,
) -> AppResult<repo::Held> {
    let held = repo::hold(tx, tenant, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let allowed = viewer.is_admin || repo::teaches(tx, tenant, viewer.user, held.user_id).await?;
    if allowed {
        Ok(held)
    } else {
        Err(AppError::not_found())
    }
}

fn completed_refusal() -> AppError {
    AppError::conflict(
        "enrolment",
        "enrolment_completed",
        "Deze module is afgerond; de afronding hoort bij het paspoort en blijft staan.",
    )
}

/// Changes (or removes) the deadline of an open enrolment; a date in the past is refused.
pub async fn set_deadline(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    id: Uuid,
    input: &DeadlineInput,
) -> AppResult<DeadlineChanged> {
    let deadline = parse_deadline(
        input
            .deadline
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty()),
    )?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let held = held(&mut tx, tenant, viewer, id).await?;
    if held.completed_at.is_some() {
        return Err(completed_refusal());
    }
    repo::set_deadline(&mut tx, tenant, id, deadline).await?;
    enrolments::notify_progress(&mut tx, held.user_id).await?;
    tx.commit().await?;
    learning::progress_changed(p, held.user_id);
    tracing::info!(enrolment.id = %id, removed = deadline.is_none(), "deadline changed");
    Ok(DeadlineChanged {
        id,
        user_id: held.user_id,
        deadline,
    })
}

/// Takes the person out of an open enrolment: its blocks done and attempts go, what they had
/// done stays in the record's history. Completed enrolments and refreshers are refused.
pub async fn withdraw(p: &Platform, tenant: TenantId, viewer: Viewer, id: Uuid) -> AppResult<Uuid> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let held = held(&mut tx, tenant, viewer, id).await?;
    if held.completed_at.is_some() {
        return Err(completed_refusal());
    }
    if held.cycle > 1 {
        return Err(AppError::conflict(
            "enrolment",
            "enrolment_refresher",
            "Dit is een opfrisronde van een eerdere afronding; die hoort bij het paspoort. Pas de uiterste datum aan in plaats van uit te schrijven.",
        ));
    }
    let (title, blocks) =
        match catalog::published_at(p, tenant, held.module_id, held.version, false).await {
            Ok(m) => (
                m.doc.title,
                i32::try_from(m.blocks.len()).unwrap_or(i32::MAX),
            ),
            Err(_) => ("—".to_owned(), held.done_count),
        };
    repo::withdraw(&mut tx, tenant, &held, &title, blocks, viewer.user).await?;
    enrolments::notify_progress(&mut tx, held.user_id).await?;
    tx.commit().await?;
    learning::progress_changed(p, held.user_id);
    tracing::info!(enrolment.id = %id, module.id = %held.module_id, "un-enrolled");
    Ok(held.user_id)
}

/// The enrolment `id` with its person and module title, for the confirmation page.
pub async fn withdrawal_preview(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    id: Uuid,
) -> AppResult<(Uuid, String, i32)> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let held = held(&mut tx, tenant, viewer, id).await?;
    tx.commit().await?;
    let title = catalog::published_at(p, tenant, held.module_id, held.version, false)
        .await
        .map(|m| m.doc.title)
        .unwrap_or_else(|_| "—".to_owned());
    Ok((held.user_id, title, held.done_count))
}
