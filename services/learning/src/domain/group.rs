//! Groups of a member's users with their teachers. Admins make groups and choose who is in them;
//! a teacher sees, enrols and follows only the groups they teach (another group is 404 to them,
//! as if it didn't exist); admins see every group of the member.

use super::learning;
use crate::repo::{groups as repo, learning as enrolments};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zk_content::domain::catalog;
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// Who is asking: a teacher sees only their own groups.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub user: Uuid,
    pub is_admin: bool,
}

/// A group as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub learners: i64,
    pub teachers: i64,
}

/// What an admin sends to make a group.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    pub name: String,
}

/// Makes a group (admins). A name is 1–200 characters and unique within the member.
pub async fn create(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    input: &GroupInput,
) -> AppResult<Group> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::validation(
            "name",
            "invalid_length",
            "Geef de groep een naam van 1 tot 200 tekens.",
        ));
    }
    let id = Uuid::new_v4();
    let mut tx = p.db.begin_tenant(tenant).await?;
    if !repo::insert(&mut tx, tenant, id, name, by).await? {
        return Err(AppError::conflict(
            "name",
            "duplicate_name",
            "Er is al een groep met deze naam.",
        ));
    }
    tx.commit().await?;
    Ok(Group {
        id,
        name: name.to_owned(),
        learners: 0,
        teachers: 0,
    })
}

/// The groups the viewer may see.
pub async fn list(p: &Platform, tenant: TenantId, viewer: Viewer) -> AppResult<Vec<Group>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::list(&mut tx, tenant, (!viewer.is_admin).then_some(viewer.user)).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| Group {
            id: r.id,
            name: r.name,
            learners: r.learners,
            teachers: r.teachers,
        })
        .collect())
}

/// A group's role for a member of it.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Learner,
    Teacher,
}

/// What an admin sends to put a user in a group.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub role: MemberRole,
}

/// Puts one of the member's users in a group, or changes their role there (admins).
pub async fn set_member(
    p: &Platform,
    tenant: TenantId,
    group: Uuid,
    user: Uuid,
    input: &MemberInput,
) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    if !repo::exists(&mut tx, tenant, group).await? {
        return Err(AppError::not_found());
    }
    if !enrolments::user_exists(&mut tx, tenant, user).await? {
        return Err(AppError::validation(
            "user_id",
            "unknown_user",
            "Deze gebruiker hoort niet bij uw organisatie.",
        ));
    }
    let role = match input.role {
        MemberRole::Learner => "learner",
        MemberRole::Teacher => "teacher",
    };
    repo::set_member(&mut tx, tenant, group, user, role).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a user out of a group (admins).
pub async fn remove_member(
    p: &Platform,
    tenant: TenantId,
    group: Uuid,
    user: Uuid,
) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    if !repo::remove_member(&mut tx, tenant, group, user).await? {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    Ok(())
}

/// The group's learners when the viewer may see it (admins, its teachers); 404 otherwise.
async fn visible_learners(
    tx: &mut sqlx::PgConnection,
    tenant: TenantId,
    viewer: Viewer,
    group: Uuid,
) -> AppResult<Vec<Uuid>> {
    let visible = if viewer.is_admin {
        repo::exists(tx, tenant, group).await?
    } else {
        repo::teaches(tx, tenant, group, viewer.user).await?
    };
    if !visible {
        return Err(AppError::not_found());
    }
    repo::learners(tx, tenant, group).await
}

/// The learners of a group the viewer may enrol (admins: any group of the member; teachers:
/// the groups they teach; any other group is 404).
pub async fn enrollable_learners(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    group: Uuid,
) -> AppResult<Vec<Uuid>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let learners = visible_learners(&mut tx, tenant, viewer, group).await?;
    tx.commit().await?;
    Ok(learners)
}

/// What an admin or the group's teacher sends to enrol the group.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupEnrolInput {
    pub module_id: Uuid,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
}

pub use crate::model::GroupEnrolled;

/// Enrols every learner of the group in a module of the member's catalogue, in one transaction;
/// learners enrolled already keep their enrolment.
pub async fn enrol(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    group: Uuid,
    input: &GroupEnrolInput,
) -> AppResult<GroupEnrolled> {
    let deadline = learning::parse_deadline(input.deadline.as_deref())?;
    let Ok(shown) = catalog::published(p, tenant, input.module_id).await else {
        return Err(AppError::validation(
            "module_id",
            "unknown_module",
            "Kies een gepubliceerde module uit het aanbod van uw organisatie.",
        ));
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    let learners = visible_learners(&mut tx, tenant, viewer, group).await?;
    let enrolled = learning::enrol_all(
        &mut tx,
        tenant,
        &learners,
        (input.module_id, shown.version),
        deadline,
        viewer.user,
    )
    .await?;
    tx.commit().await?;
    for user in &enrolled {
        learning::progress_changed(p, *user);
    }
    super::mail_wake::wake();
    tracing::info!(group.id = %group, module.id = %input.module_id, enrolled = enrolled.len(), "group enrolled");
    Ok(GroupEnrolled {
        enrolled: enrolled.len(),
        already: learners.len() - enrolled.len(),
    })
}

/// One learner of a group with their enrolments.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LearnerProgress {
    pub user_id: Uuid,
    pub name: String,
    pub enrolments: Vec<learning::Progress>,
}

/// One module across a group's learners.
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ModuleSummary {
    pub module_id: Uuid,
    pub title: String,
    pub enrolled: usize,
    pub completed: usize,
    /// Completed, in whole percent of the enrolled.
    pub completion_rate: i64,
    /// Open enrolments past their deadline on `today`.
    pub overdue: usize,
}

/// The group per module (the teacher's view per module), most enrolments first.
pub fn per_module(learners: &[LearnerProgress], today: &str) -> Vec<ModuleSummary> {
    let mut out: Vec<ModuleSummary> = Vec::new();
    for e in learners.iter().flat_map(|l| &l.enrolments) {
        let i = match out.iter().position(|m| m.module_id == e.module_id) {
            Some(i) => i,
            None => {
                out.push(ModuleSummary {
                    module_id: e.module_id,
                    title: e.title.clone(),
                    enrolled: 0,
                    completed: 0,
                    completion_rate: 0,
                    overdue: 0,
                });
                out.len() - 1
            }
        };
        let m = &mut out[i];
        m.enrolled += 1;
        if e.completed_at.is_some() {
            m.completed += 1;
        } else if e.deadline.as_deref().is_some_and(|d| d < today) {
            m.overdue += 1;
        }
    }
    for m in &mut out {
        m.completion_rate = super::overview::percent(m.completed as i64, m.enrolled as i64);
    }
    out.sort_by(|a, b| {
        b.enrolled
            .cmp(&a.enrolled)
            .then_with(|| a.title.cmp(&b.title))
    });
    out
}

/// The group's learners with their progress (admins, the group's teachers).
pub async fn progress(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    group: Uuid,
) -> AppResult<Vec<LearnerProgress>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    visible_learners(&mut tx, tenant, viewer, group).await?;
    let people = repo::learner_names(&mut tx, tenant, group).await?;
    tx.commit().await?;
    // Every learner's enrolments in one statement, not one per learner.
    let ids: Vec<Uuid> = people.iter().map(|(id, _)| *id).collect();
    let mut by_user: std::collections::HashMap<Uuid, Vec<learning::Progress>> =
        std::collections::HashMap::new();
    for (user, e) in learning::of_users(p, tenant, &ids).await? {
        by_user.entry(user).or_default().push(e);
    }
    Ok(people
        .into_iter()
        .map(|(user_id, name)| LearnerProgress {
            enrolments: by_user.remove(&user_id).unwrap_or_default(),
            user_id,
            name,
        })
        .collect())
}

/// A group's page data: its name and learners with progress (admins, its teachers; 404 else).
pub async fn detail(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    group: Uuid,
) -> AppResult<(String, Vec<LearnerProgress>)> {
    let learners = progress(p, tenant, viewer, group).await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let name = repo::name(&mut tx, tenant, group)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok((name, learners))
}

/// Puts the member's user with this address in a group (admins): `unknown_user` by field when
/// there is none.
pub async fn set_member_by_email(
    p: &Platform,
    tenant: TenantId,
    group: Uuid,
    email: &str,
    input: &MemberInput,
) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let user = repo::user_by_email(&mut tx, tenant, email).await?;
    tx.commit().await?;
    let Some(user) = user else {
        return Err(AppError::validation(
            "email",
            "unknown_user",
            "Er is geen gebruiker met dit e-mailadres in uw organisatie.",
        ));
    };
    set_member(p, tenant, group, user, input).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrolment(
        module: u128,
        title: &str,
        deadline: Option<&str>,
        done: bool,
    ) -> learning::Progress {
        learning::Progress {
            enrolment_id: Uuid::new_v4(),
            module_id: Uuid::from_u128(module),
            title: title.into(),
            version: 1,
            latest_version: 1,
            deadline: deadline.map(str::to_owned),
            blocks: 2,
            done: if done { 2 } else { 0 },
            done_blocks: vec![],
            next_block: None,
            completed_at: done.then(|| "2026-11-01T10:00:00Z".to_owned()),
            completed_version: done.then_some(1),
            score: None,
        }
    }

    #[test]
    fn a_group_per_module_counts_enrolled_completed_and_overdue() {
        let learners = vec![
            LearnerProgress {
                user_id: Uuid::from_u128(1),
                name: "A".into(),
                enrolments: vec![
                    enrolment(7, "Tillen", Some("2026-01-01"), true),
                    enrolment(8, "Hygiëne", Some("2026-01-01"), false),
                ],
            },
            LearnerProgress {
                user_id: Uuid::from_u128(2),
                name: "B".into(),
                enrolments: vec![enrolment(7, "Tillen", Some("2027-01-01"), false)],
            },
        ];
        let rows = per_module(&learners, "2026-11-30");
        assert_eq!(
            rows.iter()
                .map(|m| (
                    m.title.as_str(),
                    m.enrolled,
                    m.completed,
                    m.completion_rate,
                    m.overdue
                ))
                .collect::<Vec<_>>(),
            vec![("Tillen", 2, 1, 50, 0), ("Hygiëne", 1, 0, 0, 1)]
        );
    }
}
