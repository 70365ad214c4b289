//! Groups of a member's users with their teachers. Admins make groups and choose who is in them;
//! a teacher sees, enrols and follows only the groups they teach (another group is 404 to them,
//! as if it didn't exist); admins see every group of the member.

use super::{catalog, learning};
use crate::repo::{groups as repo, learning as enrolments};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
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

/// What enrolling a group did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupEnrolled {
    /// Learners enrolled now.
    pub enrolled: usize,
    /// Learners who were enrolled in the module already (left as they were).
    pub already: usize,
}

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
    let mut enrolled = Vec::new();
    for user in &learners {
        if enrolments::insert_enrolment(
            &mut tx,
            tenant,
            Uuid::new_v4(),
            *user,
            input.module_id,
            shown.version,
            deadline,
            viewer.user,
        )
        .await?
        {
            enrolments::notify_progress(&mut tx, *user).await?;
            enrolled.push(*user);
        }
    }
    tx.commit().await?;
    for user in &enrolled {
        learning::progress_changed(p, *user);
    }
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
