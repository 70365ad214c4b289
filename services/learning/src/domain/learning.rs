//! Learning, first part: enrolments in modules of the member's catalogue, blocks done, and quiz
//! attempts scored on the server (never in the browser).
//!
//! The rules:
//! - a question counts as right only when exactly its right answers are chosen (a wrong extra
//!   option makes it wrong); an unanswered question is wrong;
//! - an attempt passes when `right × 100 ≥ pass mark × questions` (integers, so exactly the pass
//!   mark passes and nothing is lost to rounding); the pass mark is the one the member shows (an
//!   adopted module's stricter mark included);
//! - a block is done when the learner marks it (a quiz: when an attempt passes); the enrolment is
//!   complete when every block of its version is done, with the date and the version;
//! - versions: a learner follows the version shown when they were enrolled, until the member's
//!   admin moves the module's open enrolments to the version shown now. Then a block done stays
//!   done only when it is in the new version unchanged (same id, same content as the learner
//!   saw it); a changed quiz must be passed again, and its earlier attempts stay as history.
//!   Completed enrolments are not moved: the completion names its version;
//! - retries: a module may limit tries at each quiz to rounds of N attempts with a waiting time
//!   between rounds (`RetryPolicy`); without one a learner tries as often as they like.

use crate::repo::learning as repo;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;
use zk_content::domain::{
    catalog,
    module::{BlockBody, Question, RetryPolicy},
    overlay::{self, ShownBlock},
};
use zk_kernel::{AppError, AppResult, Platform, TenantId};

pub use crate::model::{Answers, QuestionResult, Scored};

/// Scores `answers` against a quiz's questions. Answers naming a question or an option the quiz
/// doesn't have, or several options of a single-choice question, are refused by field.
pub fn score(questions: &[Question], pass_mark: u8, answers: &Answers) -> AppResult<Scored> {
    for (qid, chosen) in answers {
        let field = || format!("answers.{qid}");
        let Some(q) = questions.iter().find(|q| q.id == Some(*qid)) else {
            return Err(AppError::validation(
                field(),
                "unknown_question",
                "Deze vraag hoort niet bij deze toets.",
            ));
        };
        if chosen
            .iter()
            .any(|o| !q.options.iter().any(|opt| opt.id == Some(*o)))
        {
            return Err(AppError::validation(
                field(),
                "unknown_option",
                "Kies een antwoord van deze vraag.",
            ));
        }
        let distinct: HashSet<&Uuid> = chosen.iter().collect();
        if distinct.len() != chosen.len() {
            return Err(AppError::validation(
                field(),
                "duplicate_option",
                "Kies elk antwoord hoogstens één keer.",
            ));
        }
        if !q.multiple && chosen.len() > 1 {
            return Err(AppError::validation(
                field(),
                "single_choice",
                "Bij deze vraag is één antwoord goed: kies er één.",
            ));
        }
    }
    let results: Vec<QuestionResult> = questions
        .iter()
        .filter_map(|q| {
            let id = q.id?;
            let chosen = answers.get(&id).map(Vec::as_slice).unwrap_or_default();
            let right: HashSet<Uuid> = q
                .options
                .iter()
                .filter(|o| o.correct)
                .filter_map(|o| o.id)
                .collect();
            let picked: HashSet<Uuid> = chosen.iter().copied().collect();
            Some(QuestionResult {
                question_id: id,
                correct: !picked.is_empty() && picked == right,
                feedback: chosen
                    .iter()
                    .filter_map(|c| q.options.iter().find(|o| o.id == Some(*c)))
                    .map(|o| o.feedback.clone())
                    .filter(|f| !f.is_empty())
                    .collect(),
            })
        })
        .collect();
    let total = u32::try_from(results.len()).unwrap_or(u32::MAX);
    let correct = u32::try_from(results.iter().filter(|r| r.correct).count()).unwrap_or(0);
    Ok(Scored {
        correct,
        questions: total,
        percent: (correct * 100).checked_div(total).unwrap_or(0),
        pass_mark,
        passed: total > 0 && correct * 100 >= u32::from(pass_mark) * total,
        results,
    })
}

/// The cache topic of a learner's own progress (keyed by user id, not tenant).
pub const PROGRESS: &str = "progress";

/// The generation of `user`'s progress, for the keys of pages that show it.
pub fn progress_generation(p: &Platform, user: Uuid) -> u64 {
    p.generations.of(PROGRESS, TenantId(user))
}

pub(crate) fn progress_changed(p: &Platform, user: Uuid) {
    p.generations.bump(PROGRESS, Some(TenantId(user)));
}

/// What a module page shows of the caller's enrolment in it.
pub struct PageState {
    pub enrolment_id: Uuid,
    /// The version the learner follows.
    pub version: i32,
    pub done: HashSet<Uuid>,
    pub completed: bool,
    /// Quiz attempts so far (seeds the order of a shuffled quiz).
    pub attempts: i64,
    /// A refresher (enrolled again when the last completion came near its end): until when the
    /// last completion counts (the refresher's deadline).
    pub refresher_until: Option<time::Date>,
}

/// The caller's enrolment in `module`, if any (one query).
pub async fn page_state(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    module: Uuid,
) -> AppResult<Option<PageState>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let e = repo::enrolment_in(&mut tx, tenant, user, module).await?;
    tx.commit().await?;
    Ok(e.map(|e| PageState {
        enrolment_id: e.id,
        version: e.version,
        done: e.done.into_iter().collect(),
        completed: e.completed_at.is_some(),
        attempts: e.attempts,
        refresher_until: (e.cycle > 1 && e.completed_at.is_none())
            .then_some(e.deadline)
            .flatten(),
    }))
}

/// An earlier attempt of the caller, scored again from its kept answers against the version it
/// was made on (for the page after answering).
pub async fn attempt_result(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
    number: i32,
) -> AppResult<Scored> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let e = repo::enrolment(&mut tx, tenant, enrolment, Some(user), false)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (version, answers) = repo::attempt_by_number(&mut tx, tenant, enrolment, block, number)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    let shown = catalog::published_at(p, tenant, e.module_id, version, true).await?;
    match shown
        .blocks
        .iter()
        .find(|b| b.block.id == Some(block))
        .map(|b| &b.block.body)
    {
        Some(BlockBody::Quiz {
            questions,
            pass_mark,
        }) => score(questions, *pass_mark, &answers.0),
        _ => Err(AppError::not_found()),
    }
}

/// What an admin or teacher sends to enrol a user.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolInput {
    pub user_id: Uuid,
    pub module_id: Uuid,
    /// Optional deadline (`YYYY-MM-DD`).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
}

/// A deadline as sent (`YYYY-MM-DD`), on or after the member's today (Europe/Amsterdam): a
/// deadline in the past would make someone late the moment they are enrolled.
pub(crate) fn parse_deadline(raw: Option<&str>) -> AppResult<Option<time::Date>> {
    check_deadline(raw, zk_kernel::text::amsterdam_today())
}

fn check_deadline(raw: Option<&str>, today: time::Date) -> AppResult<Option<time::Date>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let date = zk_kernel::text::parse_iso_date(raw).ok_or_else(|| {
        AppError::validation(
            "deadline",
            "invalid_date",
            "Geef de uiterste datum als jjjj-mm-dd, bijvoorbeeld 2027-03-01.",
        )
    })?;
    if date < today {
        return Err(AppError::validation(
            "deadline",
            "deadline_in_past",
            format!(
                "De uiterste datum {} ligt in het verleden. Kies vandaag of een latere datum.",
                zk_kernel::text::dutch_date(date)
            ),
        ));
    }
    Ok(Some(date))
}

/// Enrols a user of the member in a module of its catalogue. An unknown user or module is
/// refused by field; a second enrolment in the same module is `already_enrolled`.
pub async fn enrol(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    input: &EnrolInput,
) -> AppResult<repo::EnrolmentRow> {
    let deadline = parse_deadline(input.deadline.as_deref())?;
    let Ok(shown) = catalog::published(p, tenant, input.module_id).await else {
        return Err(AppError::validation(
            "module_id",
            "unknown_module",
            "Kies een gepubliceerde module uit het aanbod van uw organisatie.",
        ));
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    if !repo::user_exists(&mut tx, tenant, input.user_id).await? {
        return Err(AppError::validation(
            "user_id",
            "unknown_user",
            "Deze gebruiker hoort niet bij uw organisatie.",
        ));
    }
    let id = Uuid::new_v4();
    if !repo::insert_enrolment(
        &mut tx,
        tenant,
        id,
        input.user_id,
        input.module_id,
        shown.version,
        deadline,
        by,
    )
    .await?
    {
        return Err(AppError::conflict(
            "module_id",
            "already_enrolled",
            "Deze gebruiker is al ingeschreven voor deze module.",
        ));
    }
    let row = repo::enrolment(&mut tx, tenant, id, None, false)
        .await?
        .ok_or_else(AppError::not_found)?;
    repo::notify_progress(&mut tx, input.user_id).await?;
    tx.commit().await?;
    progress_changed(p, input.user_id);
    super::mail_wake::wake();
    tracing::info!(enrolment.id = %id, module.id = %input.module_id, "enrolled");
    Ok(row)
}

/// Enrols the member's user named by `email` — an address, or a name only one person has
/// (admins and teachers, from the module's enrolment page); see [`user_by_name_or_email`].
pub async fn enrol_person(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    module: Uuid,
    email: &str,
    deadline: Option<String>,
) -> AppResult<repo::EnrolmentRow> {
    let user_id = user_by_name_or_email(p, tenant, email).await?;
    let input = EnrolInput {
        user_id,
        module_id: module,
        deadline,
    };
    enrol(p, tenant, by, &input).await
}

/// One of the member's people, as the enrol form's type-ahead offers them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FoundPerson {
    pub id: Uuid,
    /// The name, or the address when no name is known.
    pub name: String,
    pub email: String,
    pub department: String,
}

/// Up to 10 of the member's people (not blocked) whose name or address holds `q` (at least two
/// characters; fewer finds nobody), the best matches first.
pub async fn find_people(p: &Platform, tenant: TenantId, q: &str) -> AppResult<Vec<FoundPerson>> {
    if q.trim().chars().count() < 2 {
        return Ok(vec![]);
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let found = repo::find_people(&mut tx, tenant, q, 10).await?;
    tx.commit().await?;
    Ok(found
        .into_iter()
        .map(|(id, name, email, department)| FoundPerson {
            id,
            name: if name.trim().is_empty() {
                email.clone()
            } else {
                name
            },
            email,
            department,
        })
        .collect())
}

/// The member's user named by `who`: an e-mail address, or a name (or part of one) that fits
/// one person only. Refused on `email`: nobody fits (`unknown_user`), or several do
/// (`ambiguous_person`, naming up to five with their addresses to choose from).
pub(crate) async fn user_by_name_or_email(
    p: &Platform,
    tenant: TenantId,
    who: &str,
) -> AppResult<Uuid> {
    let who = who.trim();
    if who.contains('@') {
        return user_by_email(p, tenant, who).await;
    }
    if who.chars().count() < 2 {
        return Err(AppError::validation(
            "email",
            "required",
            "Vul een naam of e-mailadres in.",
        ));
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let found = repo::find_people(&mut tx, tenant, who, 6).await?;
    tx.commit().await?;
    let exact: Vec<Uuid> = found
        .iter()
        .filter(|(_, name, _, _)| name.trim().eq_ignore_ascii_case(who))
        .map(|f| f.0)
        .collect();
    if let [one] = exact.as_slice() {
        return Ok(*one);
    }
    match found.as_slice() {
        [one] => Ok(one.0),
        [] => Err(AppError::validation(
            "email",
            "unknown_user",
            "Er is niemand met deze naam in uw organisatie. Typ een deel van de naam of het e-mailadres.",
        )),
        many => {
            let names: Vec<String> = many
                .iter()
                .take(5)
                .map(|(_, name, email, _)| format!("{name} ({email})"))
                .collect();
            Err(AppError::validation(
                "email",
                "ambiguous_person",
                format!(
                    "Meer mensen passen bij '{who}': {}. Kies er één uit de lijst of vul het e-mailadres in.",
                    names.join(", ")
                ),
            ))
        }
    }
}

/// The member's user with this address: `unknown_user` on `email` when there is none.
pub(crate) async fn user_by_email(p: &Platform, tenant: TenantId, email: &str) -> AppResult<Uuid> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let user = crate::repo::groups::user_by_email(&mut tx, tenant, email).await?;
    tx.commit().await?;
    user.ok_or_else(|| {
        AppError::validation(
            "email",
            "unknown_user",
            "Er is geen gebruiker met dit e-mailadres in uw organisatie.",
        )
    })
}

/// What an admin sends to enrol a department.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentEnrolInput {
    /// As in the users' department (any case).
    pub department: String,
    pub module_id: Uuid,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
}

/// Enrols everyone of a department (not blocked; invited ones too) in a module, in one
/// transaction; who is enrolled already keeps their enrolment. An unknown department is refused
/// on `department`.
pub async fn enrol_department(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    input: &DepartmentEnrolInput,
) -> AppResult<crate::model::GroupEnrolled> {
    let deadline = parse_deadline(input.deadline.as_deref())?;
    let Ok(shown) = catalog::published(p, tenant, input.module_id).await else {
        return Err(AppError::validation(
            "module_id",
            "unknown_module",
            "Kies een gepubliceerde module uit het aanbod van uw organisatie.",
        ));
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    let users = department_members(&mut tx, tenant, &input.department).await?;
    let enrolled = enrol_all(
        &mut tx,
        tenant,
        &users,
        (input.module_id, shown.version),
        deadline,
        by,
    )
    .await?;
    tx.commit().await?;
    for user in &enrolled {
        progress_changed(p, *user);
    }
    super::mail_wake::wake();
    tracing::info!(module.id = %input.module_id, enrolled = enrolled.len(), "department enrolled");
    Ok(crate::model::GroupEnrolled {
        enrolled: enrolled.len(),
        already: users.len() - enrolled.len(),
    })
}

/// Enrols `users` in a module version inside the caller's transaction (two statements, however
/// many users) and tells every process their progress changed; returns those enrolled now. The
/// caller bumps `progress_changed` for them after its commit.
pub(crate) async fn enrol_all(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    users: &[Uuid],
    (module, version): (Uuid, i32),
    deadline: Option<time::Date>,
    by: Uuid,
) -> AppResult<Vec<Uuid>> {
    let enrolled =
        repo::insert_enrolments(conn, tenant, users, module, version, deadline, by).await?;
    repo::notify_progress_of(conn, &enrolled).await?;
    Ok(enrolled)
}

/// Everyone in a department who is not blocked: `unknown_department` on `department` when
/// there is nobody.
pub(crate) async fn department_members(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    department: &str,
) -> AppResult<Vec<Uuid>> {
    let users = repo::department_users(conn, tenant, department).await?;
    if users.is_empty() {
        return Err(AppError::validation(
            "department",
            "unknown_department",
            "Er is niemand met deze afdeling. Afdelingen komen uit de import van medewerkers.",
        ));
    }
    Ok(users)
}

/// A department with its number of users.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Department {
    pub name: String,
    pub users: i64,
}

/// The member's departments (from the staff import).
pub async fn departments(p: &Platform, tenant: TenantId) -> AppResult<Vec<Department>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::departments(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(name, users)| Department { name, users })
        .collect())
}

/// A module's enrolments in figures, for its enrolment page.
#[derive(Debug, Serialize)]
pub struct ModuleCounts {
    /// The version the member shows now.
    pub version: i32,
    pub enrolled: i64,
    pub completed: i64,
    /// Open enrolments on an older version (an admin may move them).
    pub on_older: i64,
}

/// The figures of a module's enrolments (404 outside the member's catalogue).
pub async fn module_counts(
    p: &Platform,
    tenant: TenantId,
    module: Uuid,
) -> AppResult<ModuleCounts> {
    let version = catalog::published(p, tenant, module).await?.version;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let (enrolled, completed, on_older) =
        repo::module_counts(&mut tx, tenant, module, version).await?;
    tx.commit().await?;
    Ok(ModuleCounts {
        version,
        enrolled,
        completed,
        on_older,
    })
}

/// Opens (or closes) a module of the member's catalogue for its users to enrol themselves
/// (admins).
pub async fn set_self_enrolment(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    module: Uuid,
    open: bool,
) -> AppResult<()> {
    catalog::published(p, tenant, module).await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::set_self_enrolment(&mut tx, tenant, module, open, by).await?;
    tx.commit().await?;
    // Module pages show the button: they are rebuilt.
    zk_content::domain::member_changed(p, tenant);
    Ok(())
}

/// Whether learners may enrol themselves in the module.
pub async fn self_enrolment_open(p: &Platform, tenant: TenantId, module: Uuid) -> AppResult<bool> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let open = repo::self_enrolment_open(&mut tx, tenant, module).await?;
    tx.commit().await?;
    Ok(open)
}

/// Enrols the caller in a module the member opened for self-enrolment (`self_enrolment_closed`
/// otherwise); enrolled already is fine (the same enrolment).
pub async fn enrol_self(p: &Platform, tenant: TenantId, user: Uuid, module: Uuid) -> AppResult<()> {
    // A module outside the member's catalogue is 404, as everywhere.
    catalog::published(p, tenant, module).await?;
    if !self_enrolment_open(p, tenant, module).await? {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "self_enrolment_closed",
            "U kunt zich niet zelf inschrijven voor deze module. Vraag het uw opleidingsafdeling.",
        ));
    }
    let input = EnrolInput {
        user_id: user,
        module_id: module,
        deadline: None,
    };
    match enrol(p, tenant, user, &input).await {
        Err(e) if e.code == "already_enrolled" => Ok(()),
        other => other.map(|_| ()),
    }
}

/// An enrolment as its learner sees it.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub enrolment_id: Uuid,
    pub module_id: Uuid,
    pub title: String,
    /// The version the learner follows.
    pub version: i32,
    /// The version the member shows now (newer when the admin hasn't moved enrolments yet).
    pub latest_version: i32,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<String>,
    /// Blocks of the module as the member shows it, and how many of those are done.
    pub blocks: usize,
    pub done: usize,
    /// The ids of the done blocks, in the module's order.
    pub done_blocks: Vec<Uuid>,
    /// The first block still to do ("verder waar u was").
    pub next_block: Option<Uuid>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    pub completed_version: Option<i32>,
    /// The completion's score: per quiz the best passed attempt, in percent, averaged; none for
    /// a module without quizzes.
    pub score: Option<i16>,
}

pub(crate) async fn progress_of(
    p: &Platform,
    tenant: TenantId,
    e: repo::EnrolmentRow,
) -> AppResult<Progress> {
    let shown = catalog::published_at(p, tenant, e.module_id, e.version, false).await?;
    let latest = catalog::published(p, tenant, e.module_id).await?.version;
    let ids: Vec<Uuid> = shown.blocks.iter().filter_map(|b| b.block.id).collect();
    Ok(progress(
        &e.done,
        &ids,
        Row {
            id: e.id,
            module_id: e.module_id,
            title: shown.doc.title,
            version: shown.version,
            latest_version: latest,
            deadline: e.deadline,
            completed_at: e.completed_at,
            completed_version: e.completed_version,
            score: e.completed_score,
        },
    ))
}

struct Row {
    id: Uuid,
    module_id: Uuid,
    title: String,
    version: i32,
    latest_version: i32,
    deadline: Option<time::Date>,
    completed_at: Option<time::OffsetDateTime>,
    completed_version: Option<i32>,
    score: Option<i16>,
}

/// An enrolment's progress from the blocks done and the ids of its version's blocks in order.
fn progress(done: &[Uuid], ids: &[Uuid], r: Row) -> Progress {
    let done_blocks: Vec<Uuid> = ids.iter().copied().filter(|b| done.contains(b)).collect();
    Progress {
        enrolment_id: r.id,
        module_id: r.module_id,
        title: r.title,
        version: r.version,
        latest_version: r.latest_version,
        deadline: r.deadline.map(|d| d.to_string()),
        blocks: ids.len(),
        done: done_blocks.len(),
        next_block: ids.iter().copied().find(|b| !done.contains(b)),
        done_blocks,
        completed_at: r.completed_at.map(zk_kernel::text::rfc3339),
        completed_version: r.completed_version,
        score: r.score,
    }
}

/// The caller's own enrolments with their progress: open ones first, by deadline. One
/// statement (the learner's home shows this list).
pub async fn mine(p: &Platform, tenant: TenantId, user: Uuid) -> AppResult<Vec<Progress>> {
    Ok(of_users(p, tenant, &[user])
        .await?
        .into_iter()
        .map(|(_, progress)| progress)
        .collect())
}

/// The enrolments of several users with their progress, each with its user, in one statement.
pub async fn of_users(
    p: &Platform,
    tenant: TenantId,
    users: &[Uuid],
) -> AppResult<Vec<(Uuid, Progress)>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::enrolments_with_docs(&mut tx, tenant, users).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|e| {
            let doc = e.doc?.0;
            let ids: Vec<Uuid> = match &e.overlay {
                Some(o) => overlay::apply(&doc, &o.0)
                    .iter()
                    .filter_map(|b| b.block.id)
                    .collect(),
                None => doc.blocks.iter().filter_map(|b| b.id).collect(),
            };
            let row = Row {
                id: e.id,
                module_id: e.module_id,
                title: doc.title,
                version: e.version,
                latest_version: e.latest_version.unwrap_or(e.version),
                deadline: e.deadline,
                completed_at: e.completed_at,
                completed_version: e.completed_version,
                score: e.completed_score,
            };
            Some((e.user_id, progress(&e.done, &ids, row)))
        })
        .collect())
}

/// Marks the completion once every block of the version shown is done.
async fn complete_if_done(
    tx: &mut sqlx::PgConnection,
    tenant: TenantId,
    e: &repo::EnrolmentRow,
    shown: &catalog::PublishedModule,
) -> AppResult<()> {
    if e.completed_at.is_some() {
        return Ok(());
    }
    let done: HashSet<Uuid> = repo::done_blocks(tx, tenant, e.id)
        .await?
        .into_iter()
        .collect();
    if shown
        .blocks
        .iter()
        .filter_map(|b| b.block.id)
        .all(|id| done.contains(&id))
    {
        repo::complete(tx, tenant, e.id, shown.version).await?;
        crate::repo::proofs::issue(
            tx,
            tenant,
            e.id,
            &super::proof::new_code(),
            &shown.doc.title,
        )
        .await?;
        tracing::info!(enrolment.id = %e.id, version = shown.version, "module completed");
    }
    Ok(())
}

/// The caller's enrolment `id` (another user's or member's is 404) and the version of the module
/// it follows.
async fn own_enrolment(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    id: Uuid,
    with_answers: bool,
) -> AppResult<catalog::PublishedModule> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let e = repo::enrolment(&mut tx, tenant, id, Some(user), false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    catalog::published_at(p, tenant, e.module_id, e.version, with_answers).await
}

/// The module of the caller's enrolment `id` (another user's or member's is 404).
pub async fn enrolment_module(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    id: Uuid,
) -> AppResult<Uuid> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let e = repo::enrolment(&mut tx, tenant, id, Some(user), false)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(e.module_id)
}

/// Checks one "block done" against a locked enrolment read in the caller's transaction: the
/// caller's own enrolment (404 for anyone else's), a block of the version it follows (404
/// unknown, 422 `quiz_block`). Adds the block to `e.done` and says whether that completes it.
pub(crate) async fn check_done(
    p: &Platform,
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    user: Uuid,
    e: &mut repo::EnrolmentRow,
    block: Uuid,
) -> AppResult<(catalog::PublishedModule, bool)> {
    if e.user_id != user {
        return Err(AppError::not_found());
    }
    let shown = catalog::published_at_on(p, conn, tenant, e.module_id, e.version, false).await?;
    match shown.blocks.iter().find(|b| b.block.id == Some(block)) {
        None => return Err(AppError::not_found()),
        Some(b) if matches!(b.block.body, BlockBody::Quiz { .. }) => {
            return Err(AppError::validation(
                "block",
                "quiz_block",
                "Een toets is klaar als u haar haalt.",
            ))
        }
        Some(b) if matches!(b.block.body, BlockBody::Package { .. }) => {
            return Err(AppError::validation(
                "block",
                "package_block",
                "Een e-learning is klaar als u haar afrondt.",
            ))
        }
        Some(_) => {}
    }
    if !e.done.contains(&block) {
        e.done.push(block);
    }
    let completes = e.completed_at.is_none()
        && shown
            .blocks
            .iter()
            .filter_map(|b| b.block.id)
            .all(|b| e.done.contains(&b));
    Ok((shown, completes))
}

/// Records the completion of a locked enrolment and issues its proof (inside the caller's
/// transaction).
pub(crate) async fn complete_in(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    e: &mut repo::EnrolmentRow,
    shown: &catalog::PublishedModule,
) -> AppResult<()> {
    if let Some((at, score)) = repo::complete(conn, tenant, e.id, shown.version).await? {
        e.completed_at = Some(at);
        e.completed_score = score;
    }
    e.completed_version = Some(shown.version);
    crate::repo::proofs::issue(
        conn,
        tenant,
        e.id,
        &super::proof::new_code(),
        &shown.doc.title,
    )
    .await?;
    tracing::info!(enrolment.id = %e.id, version = shown.version, "module completed");
    Ok(())
}

/// One "block done" inside the caller's transaction (tenant set): locks the caller's own
/// enrolment (404 for anyone else's), checks the block against the version it follows (404
/// unknown, 422 `quiz_block`), records it, and completes the enrolment (with its proof) when it
/// was the last block. Returns the enrolment as it is now and the version it follows.
pub(crate) async fn done_in(
    p: &Platform,
    tx: &mut sqlx::PgConnection,
    tenant: TenantId,
    user: Uuid,
    id: Uuid,
    block: Uuid,
) -> AppResult<(repo::EnrolmentRow, catalog::PublishedModule)> {
    let mut e = repo::enrolment(tx, tenant, id, Some(user), true)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (shown, completes) = check_done(p, tx, tenant, user, &mut e, block).await?;
    repo::insert_done(tx, tenant, id, block, shown.version).await?;
    if completes {
        complete_in(tx, tenant, &mut e, &shown).await?;
    }
    Ok((e, shown))
}

/// What a learner sends for one attempt at a quiz.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptInput {
    /// The quiz block.
    pub block_id: Uuid,
    /// Per question id, the chosen option ids.
    #[schema(value_type = Object)]
    pub answers: Answers,
}

/// One attempt, scored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttemptResult {
    pub module_id: Uuid,
    /// 1 for the first attempt at this quiz, and so on.
    pub number: i32,
    pub version: i32,
    #[serde(flatten)]
    pub scored: Scored,
    /// The enrolment is complete now (this attempt passed the last open block).
    pub completed: bool,
}

/// Scores an attempt at a quiz of the caller's enrolment and keeps it with its answers; a pass
/// marks the quiz done. Attempts are numbered per quiz under the enrolment's lock.
pub async fn attempt(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    id: Uuid,
    input: &AttemptInput,
) -> AppResult<AttemptResult> {
    let shown = own_enrolment(p, tenant, user, id, true).await?;
    let Some(BlockBody::Quiz {
        questions,
        pass_mark,
    }) = shown
        .blocks
        .iter()
        .find(|b| b.block.id == Some(input.block_id))
        .map(|b| &b.block.body)
    else {
        return Err(AppError::validation(
            "block_id",
            "not_a_quiz",
            "Kies een toets van deze module.",
        ));
    };
    let scored = score(questions, *pass_mark, &input.answers)?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let e = repo::enrolment(&mut tx, tenant, id, Some(user), true)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (previous, last) = repo::attempts_so_far(&mut tx, tenant, id, input.block_id).await?;
    let now = time::OffsetDateTime::now_utc();
    if let Some(at) = wait_until(shown.doc.retry, previous, last, now) {
        let minutes = ((at - now).whole_seconds() + 59) / 60;
        return Err(AppError::conflict(
            "block_id",
            "wait_before_retry",
            format!(
                "U heeft deze toets {previous} keer geprobeerd. U kunt het over {minutes} {} opnieuw proberen.",
                if minutes == 1 { "minuut" } else { "minuten" }
            ),
        ));
    }
    let number = repo::insert_attempt(
        &mut tx,
        tenant,
        id,
        input.block_id,
        shown.version,
        &input.answers,
        &scored,
    )
    .await?;
    // Answers saved page by page (`quiz_pages`) are part of this attempt now.
    repo::delete_saved(&mut tx, tenant, id, input.block_id).await?;
    if scored.passed {
        repo::insert_done(&mut tx, tenant, id, input.block_id, shown.version).await?;
        complete_if_done(&mut tx, tenant, &e, &shown).await?;
    }
    let completed = repo::enrolment(&mut tx, tenant, id, Some(user), false)
        .await?
        .is_some_and(|e| e.completed_at.is_some());
    repo::notify_progress(&mut tx, user).await?;
    tx.commit().await?;
    progress_changed(p, user);
    tracing::info!(enrolment.id = %id, block.id = %input.block_id, number, passed = scored.passed, "quiz attempt");
    Ok(AttemptResult {
        module_id: shown.id,
        number,
        version: shown.version,
        scored,
        completed,
    })
}

/// When a learner who tried a quiz `previous` times (the last at `last`) may try again, if they
/// must wait: after every `policy.attempts` tries, `policy.wait_minutes` after the last one.
/// Without a policy they never wait.
pub fn wait_until(
    policy: Option<RetryPolicy>,
    previous: i64,
    last: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> Option<time::OffsetDateTime> {
    let policy = policy?;
    let last = last?;
    if previous == 0 || previous % i64::from(policy.attempts) != 0 {
        return None;
    }
    let at = last + time::Duration::minutes(i64::from(policy.wait_minutes));
    (at > now).then_some(at)
}

/// The blocks done on `old` that stay done on `new`: there with the same id and unchanged.
pub fn carried_over(old: &[ShownBlock], new: &[ShownBlock]) -> Vec<Uuid> {
    old.iter()
        .filter(|o| {
            new.iter()
                .any(|n| n.block.id == o.block.id && n.block == o.block)
        })
        .filter_map(|o| o.block.id)
        .collect()
}

/// What moving enrolments did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Moved {
    pub module_id: Uuid,
    /// The version the moved enrolments follow now.
    pub version: i32,
    /// Open enrolments moved (completed ones keep their version).
    pub moved: usize,
}

/// Moves the open enrolments in `module` to the version the member shows now (admins), by the
/// rule at the top of this file, in one transaction.
pub async fn move_enrolments(p: &Platform, tenant: TenantId, module: Uuid) -> AppResult<Moved> {
    let new = catalog::published_at(
        p,
        tenant,
        module,
        catalog::published(p, tenant, module).await?.version,
        true,
    )
    .await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let open = repo::open_on_other_versions(&mut tx, tenant, module, new.version).await?;
    let mut kept_by_version = std::collections::HashMap::new();
    for (enrolment, version, user) in &open {
        if !kept_by_version.contains_key(version) {
            let old = catalog::published_at(p, tenant, module, *version, true).await?;
            kept_by_version.insert(*version, carried_over(&old.blocks, &new.blocks));
        }
        let kept = &kept_by_version[version];
        repo::move_to(&mut tx, tenant, *enrolment, new.version, kept).await?;
        repo::notify_progress(&mut tx, *user).await?;
    }
    tx.commit().await?;
    for (_, _, user) in &open {
        progress_changed(p, *user);
    }
    tracing::info!(module.id = %module, version = new.version, moved = open.len(), "enrolments moved");
    Ok(Moved {
        module_id: module,
        version: new.version,
        moved: open.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_today_or_later() {
        let today = time::macros::date!(2026 - 12 - 07);
        assert_eq!(check_deadline(Some(" "), today).unwrap(), None);
        assert_eq!(
            check_deadline(Some("2026-12-07"), today).unwrap(),
            Some(today)
        );
        let e = check_deadline(Some("2026-12-06"), today).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("deadline_in_past", Some("deadline"))
        );
        assert!(e.message.contains("6 december 2026"), "{}", e.message);
        assert_eq!(
            check_deadline(Some("1-3-2027"), today).unwrap_err().code,
            "invalid_date"
        );
    }
    use zk_content::domain::module::QuizOption;

    fn option(correct: bool) -> QuizOption {
        QuizOption {
            id: Some(Uuid::new_v4()),
            text: "x".into(),
            correct,
            feedback: if correct { String::new() } else { "Nee".into() },
        }
    }

    fn question(multiple: bool, right: &[bool]) -> Question {
        Question {
            id: Some(Uuid::new_v4()),
            prompt: "?".into(),
            multiple,
            options: right.iter().map(|r| option(*r)).collect(),
        }
    }

    fn pick(q: &Question, which: &[usize]) -> (Uuid, Vec<Uuid>) {
        (
            q.id.unwrap(),
            which.iter().map(|i| q.options[*i].id.unwrap()).collect(),
        )
    }

    #[test]
    fn scores_all_none_and_exactly_the_pass_mark() {
        let qs: Vec<Question> = (0..4).map(|_| question(false, &[true, false])).collect();
        let all: Answers = qs.iter().map(|q| pick(q, &[0])).collect();
        let s = score(&qs, 75, &all).unwrap();
        assert_eq!((s.correct, s.percent, s.passed), (4, 100, true));
        let none: Answers = qs.iter().map(|q| pick(q, &[1])).collect();
        let s = score(&qs, 75, &none).unwrap();
        assert_eq!((s.correct, s.passed), (0, false));
        assert_eq!(s.results[0].feedback, vec!["Nee".to_owned()]);
        // Three of four is exactly 75 %: a pass; at 76 % it is not.
        let mut three = all.clone();
        three.insert(qs[3].id.unwrap(), vec![qs[3].options[1].id.unwrap()]);
        assert!(score(&qs, 75, &three).unwrap().passed);
        assert!(!score(&qs, 76, &three).unwrap().passed);
        // Unanswered counts as wrong; nothing answered scores 0.
        let s = score(&qs, 0, &Answers::new()).unwrap();
        assert_eq!((s.correct, s.percent), (0, 0));
        // A third: 1 of 3 is 33 % for display, and passes a mark of 33 exactly (100 ≥ 99).
        let thirds: Vec<Question> = (0..3).map(|_| question(false, &[true, false])).collect();
        let one: Answers = [pick(&thirds[0], &[0])].into_iter().collect();
        let s = score(&thirds, 33, &one).unwrap();
        assert_eq!((s.percent, s.passed), (33, true));
        assert!(!score(&thirds, 34, &one).unwrap().passed);
    }

    #[test]
    fn multiple_choice_needs_exactly_the_right_answers() {
        let q = question(true, &[true, true, false]);
        let qs = vec![q.clone()];
        let exact: Answers = [pick(&q, &[0, 1])].into_iter().collect();
        assert!(score(&qs, 100, &exact).unwrap().passed);
        let extra: Answers = [pick(&q, &[0, 1, 2])].into_iter().collect();
        let s = score(&qs, 100, &extra).unwrap();
        assert!(!s.results[0].correct && !s.passed, "a wrong extra option");
        let short: Answers = [pick(&q, &[0])].into_iter().collect();
        assert!(
            !score(&qs, 100, &short).unwrap().passed,
            "one right is missing"
        );
    }

    #[test]
    fn answers_that_dont_belong_are_refused_by_field() {
        let single = question(false, &[true, false]);
        let other = question(false, &[true, false]);
        let qs = vec![single.clone()];
        let code = |a: Answers| {
            let e = score(&qs, 50, &a).unwrap_err();
            (e.code, e.field.unwrap_or_default().into_owned())
        };
        let qid = single.id.unwrap();
        assert_eq!(
            code([pick(&other, &[0])].into_iter().collect()),
            ("unknown_question", format!("answers.{}", other.id.unwrap()))
        );
        assert_eq!(
            code(
                [(qid, vec![other.options[0].id.unwrap()])]
                    .into_iter()
                    .collect()
            ),
            ("unknown_option", format!("answers.{qid}"))
        );
        assert_eq!(
            code([pick(&single, &[0, 1])].into_iter().collect()),
            ("single_choice", format!("answers.{qid}"))
        );
        assert_eq!(
            code([pick(&single, &[0, 0])].into_iter().collect()),
            ("duplicate_option", format!("answers.{qid}"))
        );
    }

    #[test]
    fn only_unchanged_blocks_stay_done_on_a_new_version() {
        use zk_content::domain::{
            module::Block,
            overlay::{Origin, ShownBlock},
        };
        let text = |id: Uuid, md: &str| ShownBlock {
            origin: Origin::Nzk,
            orphaned: false,
            block: Block {
                id: Some(id),
                optional: false,
                body: BlockBody::Text {
                    markdown: md.into(),
                },
            },
        };
        let [a, b, c] = [(); 3].map(|_| Uuid::new_v4());
        let old = vec![text(a, "A"), text(b, "B"), text(c, "C")];
        // v2: A unchanged (moved to the end), B changed, C removed.
        let new = vec![text(b, "B, herzien"), text(a, "A")];
        assert_eq!(carried_over(&old, &new), vec![a]);
    }

    #[test]
    fn retries_wait_after_each_round_of_attempts() {
        let policy = Some(RetryPolicy {
            attempts: 2,
            wait_minutes: 30,
        });
        let now = time::OffsetDateTime::now_utc();
        let last = Some(now - time::Duration::minutes(10));
        assert_eq!(wait_until(policy, 0, None, now), None, "the first try");
        assert_eq!(
            wait_until(policy, 1, last, now),
            None,
            "the second of a round"
        );
        assert_eq!(
            wait_until(policy, 2, last, now),
            Some(now + time::Duration::minutes(20)),
            "after a round: 30 minutes after the last try"
        );
        let long_ago = Some(now - time::Duration::minutes(31));
        assert_eq!(wait_until(policy, 2, long_ago, now), None, "after the wait");
        assert_eq!(wait_until(policy, 3, last, now), None, "a new round");
        assert_eq!(wait_until(None, 100, last, now), None, "no policy");
    }
}
