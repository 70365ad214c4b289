//! Paths as enrolments: enrolling a learner in a learning path enrols them in every module the
//! path shows (the member's accents included) with the same deadline — optional modules without
//! one —; modules they follow already keep their enrolment. Admins and teachers enrol one learner or a group (teachers:
//! their own groups), admins also a department. A path's progress and completion are read from
//! the module enrolments: complete when every module that is not optional is, on the date of
//! the last of those.

use super::{
    group::{self, GroupEnrolled, Viewer},
    learning,
};
use crate::repo::learning as repo;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zk_content::domain::{catalog, path};
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// Whom to enrol in which path: exactly one of `user_id`, `group_id` and `department`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PathEnrolInput {
    pub path_id: Uuid,
    /// Optional deadline (`YYYY-MM-DD`), for the path and each of its modules.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
    /// One of the member's users.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// The learners of a group (teachers: a group they teach).
    #[serde(default)]
    pub group_id: Option<Uuid>,
    /// Everyone in a department who is not blocked (admins).
    #[serde(default)]
    pub department: Option<String>,
}

/// Enrols learners in a path and its modules, in one transaction. Returns how many were
/// enrolled in the path now and how many were already.
pub async fn enrol(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    input: &PathEnrolInput,
) -> AppResult<GroupEnrolled> {
    let deadline = learning::parse_deadline(input.deadline.as_deref())?;
    let Ok(shown) = path::shown(p, tenant, input.path_id).await else {
        return Err(AppError::validation(
            "path_id",
            "unknown_path",
            "Kies een gepubliceerd leertraject uit het aanbod van uw organisatie.",
        ));
    };
    let mut modules = Vec::with_capacity(shown.modules.len());
    for m in &shown.modules {
        if let Ok(published) = catalog::published(p, tenant, m.id).await {
            modules.push(((m.id, published.version), m.optional));
        }
    }
    let department = input
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let users = match (input.user_id, input.group_id, department) {
        (Some(user), None, None) => {
            let mut tx = p.db.begin_tenant(tenant).await?;
            let known = repo::user_exists(&mut tx, tenant, user).await?;
            tx.commit().await?;
            if !known {
                return Err(AppError::validation(
                    "user_id",
                    "unknown_user",
                    "Deze gebruiker hoort niet bij uw organisatie.",
                ));
            }
            vec![user]
        }
        (None, Some(g), None) => group::enrollable_learners(p, tenant, viewer, g).await?,
        (None, None, Some(d)) => {
            if !viewer.is_admin {
                return Err(AppError::forbidden());
            }
            let mut tx = p.db.begin_tenant(tenant).await?;
            let users = learning::department_members(&mut tx, tenant, d).await?;
            tx.commit().await?;
            users
        }
        _ => {
            return Err(AppError::validation(
                "user_id",
                "choose_one",
                "Kies één medewerker, één groep of één afdeling.",
            ))
        }
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    let mut enrolled = 0;
    for user in &users {
        if repo::insert_path_enrolment(
            &mut tx,
            tenant,
            *user,
            shown.id,
            shown.version,
            deadline,
            viewer.user,
        )
        .await?
        {
            enrolled += 1;
        }
    }
    // Per module one statement for all the learners.
    let mut touched = Vec::new();
    // An optional module gets no deadline: nobody is late for what they need not do.
    for (module, optional) in &modules {
        let due = if *optional { None } else { deadline };
        for user in learning::enrol_all(&mut tx, tenant, &users, *module, due, viewer.user).await? {
            if !touched.contains(&user) {
                touched.push(user);
            }
        }
    }
    tx.commit().await?;
    for user in &touched {
        learning::progress_changed(p, *user);
    }
    super::mail_wake::wake();
    tracing::info!(path.id = %shown.id, enrolled, "path enrolled");
    Ok(GroupEnrolled {
        enrolled,
        already: users.len() - enrolled,
    })
}

/// A module of a path with the learner's state in it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PathStep {
    pub module_id: Uuid,
    pub title: String,
    pub optional: bool,
    pub completed: bool,
}

/// A learner's path enrolment with its progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PathProgress {
    pub path_id: Uuid,
    pub title: String,
    /// The path's version when the learner was enrolled.
    pub version: i32,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
    pub modules: Vec<PathStep>,
    /// Required (not optional) modules, and how many of those are completed.
    pub required: usize,
    pub done: usize,
    /// When the last required module was completed, once all are (RFC 3339).
    pub completed_at: Option<String>,
    /// Once completed: the average score of the required modules that have one (percent).
    pub score: Option<i64>,
}

/// The learner's path enrolments with their progress (paths no longer published are left out).
pub async fn mine(p: &Platform, tenant: TenantId, user: Uuid) -> AppResult<Vec<PathProgress>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::path_enrolments(&mut tx, tenant, user).await?;
    tx.commit().await?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let modules = learning::mine(p, tenant, user).await?;
    with_progress(p, tenant, rows, &modules).await
}

/// Like [`mine`], for a caller who has the learner's module enrolments already (the home).
pub async fn mine_with(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    modules: &[learning::Progress],
) -> AppResult<Vec<PathProgress>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::path_enrolments(&mut tx, tenant, user).await?;
    tx.commit().await?;
    with_progress(p, tenant, rows, modules).await
}

async fn with_progress(
    p: &Platform,
    tenant: TenantId,
    rows: Vec<repo::PathEnrolmentRow>,
    modules: &[learning::Progress],
) -> AppResult<Vec<PathProgress>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Ok(shown) = path::shown(p, tenant, r.path_id).await else {
            continue;
        };
        let steps: Vec<Step> = shown
            .modules
            .iter()
            .map(|m| {
                let e = modules.iter().find(|e| e.module_id == m.id);
                let completed_at = e.and_then(|e| e.completed_at.clone());
                let step = PathStep {
                    module_id: m.id,
                    title: m.title.clone(),
                    optional: m.optional,
                    completed: completed_at.is_some(),
                };
                (step, completed_at, e.and_then(|e| e.score))
            })
            .collect();
        out.push(progress(
            shown.id,
            shown.title,
            r.version,
            r.deadline,
            steps,
        ));
    }
    Ok(out)
}

/// A step of a path with its completion time (RFC 3339, which sorts as text) and score.
type Step = (PathStep, Option<String>, Option<i16>);

/// A path's progress from its steps.
fn progress(
    path_id: Uuid,
    title: String,
    version: i32,
    deadline: Option<time::Date>,
    steps: Vec<Step>,
) -> PathProgress {
    let required: Vec<&Step> = steps.iter().filter(|(s, _, _)| !s.optional).collect();
    let done = required.iter().filter(|(s, _, _)| s.completed).count();
    let completed_at = (done == required.len() && !required.is_empty())
        .then(|| required.iter().filter_map(|(_, at, _)| at.clone()).max())
        .flatten();
    let scores: Vec<i64> = required
        .iter()
        .filter_map(|(_, _, score)| score.map(i64::from))
        .collect();
    let score = (completed_at.is_some() && !scores.is_empty())
        .then(|| super::overview::percent(scores.iter().sum(), scores.len() as i64 * 100));
    PathProgress {
        path_id,
        title,
        version,
        deadline: deadline.map(|d| d.to_string()),
        required: required.len(),
        done,
        completed_at,
        score,
        modules: steps.into_iter().map(|(s, _, _)| s).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(n: u128, optional: bool, at: Option<&str>) -> Step {
        (
            PathStep {
                module_id: Uuid::from_u128(n),
                title: format!("M{n}"),
                optional,
                completed: at.is_some(),
            },
            at.map(str::to_owned),
            at.map(|_| 80 + n as i16),
        )
    }

    #[test]
    fn a_path_is_complete_when_every_required_module_is_on_the_last_ones_date() {
        let open = progress(
            Uuid::nil(),
            "P".into(),
            1,
            None,
            vec![
                step(1, false, Some("2027-01-02T10:00:00Z")),
                step(2, false, None),
            ],
        );
        assert_eq!((open.required, open.done, open.completed_at), (2, 1, None));
        let done = progress(
            Uuid::nil(),
            "P".into(),
            1,
            None,
            vec![
                step(1, false, Some("2027-01-05T10:00:00Z")),
                step(2, true, None),
                step(3, false, Some("2027-01-02T10:00:00Z")),
            ],
        );
        assert_eq!(
            (done.required, done.done, done.completed_at.as_deref()),
            (2, 2, Some("2027-01-05T10:00:00Z"))
        );
        // The required modules' scores (81 and 83), not the optional one's.
        assert_eq!(done.score, Some(82));
        assert_eq!(open.score, None);
    }
}
