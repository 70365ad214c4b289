//! Enrolments, blocks done and quiz attempts (`content.enrolments`, `content.block_progress`,
//! `content.quiz_attempts`; RLS).

use crate::model::{Answers, Scored};
use sqlx::{types::Json, FromRow, PgConnection};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use zk_content::domain::{module::ModuleDoc, overlay::Overlay};
use zk_kernel::{AppResult, TenantId};

/// An enrolment with the blocks done.
#[derive(Clone, Debug, FromRow)]
pub struct EnrolmentRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub module_id: Uuid,
    pub version: i32,
    pub deadline: Option<Date>,
    pub completed_at: Option<OffsetDateTime>,
    pub completed_version: Option<i32>,
    /// The score of the completion (see `complete`).
    pub completed_score: Option<i16>,
    pub done: Vec<Uuid>,
    /// Quiz attempts so far (all quizzes of the enrolment): seeds the order of shuffled quizzes.
    pub attempts: i64,
    /// 1, and one more each time the learner is enrolled again for a refresher.
    pub cycle: i32,
}

const ENROLMENT: &str =
    "SELECT e.id, e.user_id, e.module_id, e.version, e.deadline, e.completed_at, e.completed_version,
        e.completed_score, e.cycle,
        coalesce((SELECT array_agg(b.block_id ORDER BY b.done_at) FROM content.block_progress b
                  WHERE b.tenant_id = e.tenant_id AND b.enrolment_id = e.id), '{}') AS done,
        (SELECT count(*) FROM content.quiz_attempts a
         WHERE a.tenant_id = e.tenant_id AND a.enrolment_id = e.id) AS attempts
    FROM content.enrolments e";

/// Whether `user` is a user of the tenant.
pub async fn user_exists(conn: &mut PgConnection, tenant: TenantId, user: Uuid) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM tenant.users WHERE tenant_id = $1 AND id = $2)",
    )
    .bind(tenant.0)
    .bind(user)
    .fetch_one(conn)
    .await?)
}

/// Inserts an enrolment; false when the user is enrolled in the module already.
#[allow(clippy::too_many_arguments)]
pub async fn insert_enrolment(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    user: Uuid,
    module: Uuid,
    version: i32,
    deadline: Option<Date>,
    by: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO content.enrolments (tenant_id, id, user_id, module_id, version, deadline, enrolled_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, user_id, module_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(user)
    .bind(module)
    .bind(version)
    .bind(deadline)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Enrols several users in one version of a module, in one statement; returns those enrolled
/// now (the others were enrolled in the module already and keep their enrolment).
#[allow(clippy::too_many_arguments)]
pub async fn insert_enrolments(
    conn: &mut PgConnection,
    tenant: TenantId,
    users: &[Uuid],
    module: Uuid,
    version: i32,
    deadline: Option<Date>,
    by: Uuid,
) -> AppResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO content.enrolments (tenant_id, id, user_id, module_id, version, deadline, enrolled_by)
         SELECT $1, gen_random_uuid(), u, $3, $4, $5, $6 FROM unnest($2::uuid[]) AS u
         ON CONFLICT (tenant_id, user_id, module_id) DO NOTHING RETURNING user_id",
    )
    .bind(tenant.0)
    .bind(users)
    .bind(module)
    .bind(version)
    .bind(deadline)
    .bind(by)
    .fetch_all(conn)
    .await?)
}

/// One enrolment (of `user` only, when given), locked when `lock` is set.
pub async fn enrolment(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    user: Option<Uuid>,
    lock: bool,
) -> AppResult<Option<EnrolmentRow>> {
    if lock {
        // Lock the enrolment row first (the aggregate can't carry FOR UPDATE).
        sqlx::query("SELECT 1 FROM content.enrolments WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
            .bind(tenant.0)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(sqlx::query_as(&format!(
        "{ENROLMENT} WHERE e.tenant_id = $1 AND e.id = $2 AND ($3::uuid IS NULL OR e.user_id = $3)"
    ))
    .bind(tenant.0)
    .bind(id)
    .bind(user)
    .fetch_optional(conn)
    .await?)
}

/// Locks enrolments, in id order (a batch of progress writes; another batch locks in the same
/// order).
pub async fn lock_enrolments(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
) -> AppResult<()> {
    sqlx::query(
        "SELECT 1 FROM content.enrolments WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE",
    )
    .bind(tenant.0)
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Enrolments by id, with their blocks done (read after `lock_enrolments`, so the statement's
/// snapshot sees every write committed before the locks were granted).
pub async fn enrolments_by_ids(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
) -> AppResult<Vec<EnrolmentRow>> {
    Ok(sqlx::query_as(&format!(
        "{ENROLMENT} WHERE e.tenant_id = $1 AND e.id = ANY($2)"
    ))
    .bind(tenant.0)
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

/// Marks blocks done, one row per (enrolment, block, version), in one statement (again is a
/// no-op).
pub async fn insert_done_many(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolments: &[Uuid],
    blocks: &[Uuid],
    versions: &[i32],
) -> AppResult<()> {
    if enrolments.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO content.block_progress (tenant_id, enrolment_id, block_id, version)
         SELECT $1, e, b, v FROM unnest($2::uuid[], $3::uuid[], $4::int[]) AS x (e, b, v)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(enrolments)
    .bind(blocks)
    .bind(versions)
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts a new cycle of a completed enrolment (re-enrolment on expiry): its completion is kept
/// in `past_completions`, it follows `version` from now on with `deadline`, and its blocks done
/// are cleared. False when the enrolment is not completed (nothing changes).
pub async fn renew(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    version: i32,
    deadline: Option<Date>,
) -> AppResult<bool> {
    let kept = sqlx::query(
        "INSERT INTO content.past_completions (tenant_id, enrolment_id, cycle, user_id, module_id, version, completed_at, score)
         SELECT tenant_id, id, cycle, user_id, module_id, completed_version, completed_at, completed_score
         FROM content.enrolments WHERE tenant_id = $1 AND id = $2 AND completed_at IS NOT NULL",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if kept == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE content.enrolments
         SET cycle = cycle + 1, renewed_at = now(), completed_at = NULL, completed_version = NULL,
             completed_score = NULL,
             version = $3, deadline = $4
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(version)
    .bind(deadline)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM content.block_progress WHERE tenant_id = $1 AND enrolment_id = $2")
        .bind(tenant.0)
        .bind(enrolment)
        .execute(conn)
        .await?;
    Ok(true)
}

/// The blocks done in an enrolment.
pub async fn done_blocks(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
) -> AppResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT block_id FROM content.block_progress WHERE tenant_id = $1 AND enrolment_id = $2",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .fetch_all(conn)
    .await?)
}

/// Marks a block done (again is a no-op: the first time counts).
pub async fn insert_done(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    block: Uuid,
    version: i32,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.block_progress (tenant_id, enrolment_id, block_id, version)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(block)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the completion with its score: per quiz the best passed attempt of this cycle, in
/// whole percent, and per e-learning package the average score of its units that have one,
/// averaged over those blocks (none without quizzes or scored packages). Returns its time and
/// score (`None` when it was completed already).
pub async fn complete(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    version: i32,
) -> AppResult<Option<(OffsetDateTime, Option<i16>)>> {
    Ok(sqlx::query_as(
        "UPDATE content.enrolments e SET completed_at = now(), completed_version = $3,
             completed_score = (
                 SELECT round(avg(best))::smallint FROM (
                     SELECT max(a.correct * 100 / a.questions) AS best FROM content.quiz_attempts a
                     WHERE a.tenant_id = e.tenant_id AND a.enrolment_id = e.id AND a.passed
                       AND a.created_at >= coalesce(e.renewed_at, '-infinity')
                     GROUP BY a.block_id
                     UNION ALL
                     SELECT avg(pa.score) * 100 FROM content.package_attempts pa
                     WHERE pa.tenant_id = e.tenant_id AND pa.enrolment_id = e.id
                       AND pa.cycle = e.cycle AND pa.score IS NOT NULL
                     GROUP BY pa.block_id) q)
         WHERE e.tenant_id = $1 AND e.id = $2 AND e.completed_at IS NULL
         RETURNING e.completed_at, e.completed_score",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(version)
    .fetch_optional(conn)
    .await?)
}

/// Keeps an attempt with the next number for this quiz (the caller holds the enrolment's lock).
pub async fn insert_attempt(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    block: Uuid,
    version: i32,
    answers: &Answers,
    scored: &Scored,
) -> AppResult<i32> {
    Ok(sqlx::query_scalar(
        "INSERT INTO content.quiz_attempts
             (tenant_id, id, enrolment_id, block_id, number, version, answers, correct, questions, pass_mark, passed)
         SELECT $1, gen_random_uuid(), $2, $3,
                coalesce((SELECT max(number) FROM content.quiz_attempts
                          WHERE tenant_id = $1 AND enrolment_id = $2 AND block_id = $3), 0) + 1,
                $4, $5, $6, $7, $8, $9
         RETURNING number",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(block)
    .bind(version)
    .bind(Json(answers))
    .bind(i32::try_from(scored.correct).unwrap_or(i32::MAX))
    .bind(i32::try_from(scored.questions).unwrap_or(i32::MAX))
    .bind(i16::from(scored.pass_mark))
    .bind(scored.passed)
    .fetch_one(conn)
    .await?)
}

/// The open (not completed) enrolments in `module` on another version than `version`, locked:
/// (enrolment, its version, its learner).
pub async fn open_on_other_versions(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
    version: i32,
) -> AppResult<Vec<(Uuid, i32, Uuid)>> {
    Ok(sqlx::query_as(
        "SELECT id, version, user_id FROM content.enrolments
         WHERE tenant_id = $1 AND module_id = $2 AND version <> $3 AND completed_at IS NULL
         ORDER BY id FOR UPDATE",
    )
    .bind(tenant.0)
    .bind(module)
    .bind(version)
    .fetch_all(conn)
    .await?)
}

/// Moves an enrolment to `version`, keeping only the blocks done in `kept`.
pub async fn move_to(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    version: i32,
    kept: &[Uuid],
) -> AppResult<()> {
    sqlx::query(
        "DELETE FROM content.block_progress
         WHERE tenant_id = $1 AND enrolment_id = $2 AND NOT (block_id = ANY($3))",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(kept)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE content.enrolments SET version = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(enrolment)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(())
}

/// How often the enrolment tried a quiz, and when last.
pub async fn attempts_so_far(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<(i64, Option<OffsetDateTime>)> {
    Ok(sqlx::query_as(
        "SELECT count(*), max(a.created_at) FROM content.quiz_attempts a
         JOIN content.enrolments e ON e.tenant_id = a.tenant_id AND e.id = a.enrolment_id
         WHERE a.tenant_id = $1 AND a.enrolment_id = $2 AND a.block_id = $3
           AND a.created_at >= coalesce(e.renewed_at, '-infinity')",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(block)
    .fetch_one(conn)
    .await?)
}

/// The enrolment of `user` in `module`, if any.
pub async fn enrolment_in(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
    module: Uuid,
) -> AppResult<Option<EnrolmentRow>> {
    Ok(sqlx::query_as(&format!(
        "{ENROLMENT} WHERE e.tenant_id = $1 AND e.user_id = $2 AND e.module_id = $3"
    ))
    .bind(tenant.0)
    .bind(user)
    .bind(module)
    .fetch_optional(conn)
    .await?)
}

/// The number of the enrolment's last attempt at a quiz, if any.
pub async fn last_attempt_number(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<Option<i32>> {
    Ok(sqlx::query_scalar(
        "SELECT max(number) FROM content.quiz_attempts
         WHERE tenant_id = $1 AND enrolment_id = $2 AND block_id = $3",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(block)
    .fetch_one(conn)
    .await?)
}

/// One attempt of an enrolment at a quiz, by number: (version, answers).
pub async fn attempt_by_number(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    block: Uuid,
    number: i32,
) -> AppResult<Option<(i32, Json<Answers>)>> {
    Ok(sqlx::query_as(
        "SELECT version, answers FROM content.quiz_attempts
         WHERE tenant_id = $1 AND enrolment_id = $2 AND block_id = $3 AND number = $4",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(block)
    .bind(number)
    .fetch_optional(conn)
    .await?)
}

/// Tells every process that `user`'s progress changed (cached pages of the user go stale).
pub async fn notify_progress(conn: &mut PgConnection, user: Uuid) -> AppResult<()> {
    sqlx::query("SELECT pg_notify('zk_changed', 'progress:' || $1::text)")
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}

/// `notify_progress` for several learners in one statement.
pub async fn notify_progress_of(conn: &mut PgConnection, users: &[Uuid]) -> AppResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "SELECT pg_notify('zk_changed', 'progress:' || u::text) FROM (SELECT DISTINCT unnest($1::uuid[]) AS u) x",
    )
    .bind(users)
    .execute(conn)
    .await?;
    Ok(())
}

/// An enrolment with the document of the version it follows (and the member's overlay for an
/// adopted module) and the version the member shows now.
#[derive(Debug, FromRow)]
pub struct EnrolmentWithDoc {
    pub user_id: Uuid,
    pub id: Uuid,
    pub module_id: Uuid,
    pub version: i32,
    pub deadline: Option<Date>,
    pub completed_at: Option<OffsetDateTime>,
    pub completed_version: Option<i32>,
    pub completed_score: Option<i16>,
    pub done: Vec<Uuid>,
    pub doc: Option<Json<ModuleDoc>>,
    /// Set when the module is a shared one the member adopted.
    pub overlay: Option<Json<Overlay>>,
    pub latest_version: Option<i32>,
}

/// Every enrolment of `users` with what its list needs, in one statement (the learner's home
/// reads only this; a group's page reads its learners at once): open ones first, by deadline,
/// then completed ones.
pub async fn enrolments_with_docs(
    conn: &mut PgConnection,
    tenant: TenantId,
    users: &[Uuid],
) -> AppResult<Vec<EnrolmentWithDoc>> {
    Ok(sqlx::query_as(
        "SELECT e.user_id, e.id, e.module_id, e.version, e.deadline, e.completed_at, e.completed_version,
                e.completed_score,
                coalesce((SELECT array_agg(b.block_id ORDER BY b.done_at) FROM content.block_progress b
                          WHERE b.tenant_id = e.tenant_id AND b.enrolment_id = e.id), '{}') AS done,
                coalesce(sv.doc, ov.doc) AS doc,
                CASE WHEN sv.doc IS NOT NULL THEN a.overlay END AS overlay,
                coalesce(
                    (SELECT max(x.version) FROM content.shared_module_versions x
                     WHERE x.module_id = e.module_id
                       AND (a.follow IS DISTINCT FROM 'review' OR x.version <= a.pinned_version)),
                    (SELECT max(x.version) FROM content.module_versions x
                     WHERE x.tenant_id = e.tenant_id AND x.module_id = e.module_id)) AS latest_version
         FROM content.enrolments e
         LEFT JOIN content.shared_module_versions sv ON sv.module_id = e.module_id AND sv.version = e.version
         LEFT JOIN content.module_versions ov
                ON ov.tenant_id = e.tenant_id AND ov.module_id = e.module_id AND ov.version = e.version
         LEFT JOIN content.adoptions a ON a.tenant_id = e.tenant_id AND a.module_id = e.module_id
         WHERE e.tenant_id = $1 AND e.user_id = ANY($2)
         ORDER BY e.completed_at IS NOT NULL, e.deadline NULLS LAST, e.created_at DESC
         LIMIT 5000",
    )
    .bind(tenant.0)
    .bind(users)
    .fetch_all(conn)
    .await?)
}

/// A completed enrolment with the document of the version completed and its learner.
#[derive(Debug, FromRow)]
pub struct Completion {
    pub user_id: Uuid,
    pub learner: String,
    pub module_id: Uuid,
    pub completed_at: OffsetDateTime,
    pub completed_version: i32,
    pub score: Option<i16>,
    pub doc: Json<ModuleDoc>,
}

/// Completed enrolments of one user, or of every user in `users` (teachers' groups), or of the
/// whole member: newest first. One statement.
pub async fn completions(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Option<Uuid>,
    users: Option<&[Uuid]>,
) -> AppResult<Vec<Completion>> {
    Ok(sqlx::query_as(
        "SELECT * FROM (
             SELECT DISTINCT ON (c.user_id, c.module_id) c.user_id,
                    CASE WHEN u.display_name <> '' THEN u.display_name ELSE u.email END AS learner,
                    c.module_id, c.completed_at, c.completed_version, c.score, coalesce(sv.doc, ov.doc) AS doc
             FROM (SELECT tenant_id, user_id, module_id, completed_at, completed_version, completed_score AS score
                   FROM content.enrolments WHERE tenant_id = $1 AND completed_at IS NOT NULL
                   UNION ALL
                   SELECT tenant_id, user_id, module_id, completed_at, version, score
                   FROM content.past_completions WHERE tenant_id = $1) c
             JOIN tenant.users u ON u.tenant_id = c.tenant_id AND u.id = c.user_id
             LEFT JOIN content.shared_module_versions sv
                    ON sv.module_id = c.module_id AND sv.version = c.completed_version
             LEFT JOIN content.module_versions ov
                    ON ov.tenant_id = c.tenant_id AND ov.module_id = c.module_id AND ov.version = c.completed_version
             WHERE ($2::uuid IS NULL OR c.user_id = $2)
               AND ($3::uuid[] IS NULL OR c.user_id = ANY($3))
               AND coalesce(sv.doc, ov.doc) IS NOT NULL
             ORDER BY c.user_id, c.module_id, c.completed_at DESC) latest
         ORDER BY completed_at DESC
         LIMIT 5000",
    )
    .bind(tenant.0)
    .bind(user)
    .bind(users)
    .fetch_all(conn)
    .await?)
}

/// Opens or closes a module for self-enrolment; false when nothing changed.
pub async fn set_self_enrolment(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
    open: bool,
    by: Uuid,
) -> AppResult<bool> {
    let sql = if open {
        "INSERT INTO content.self_enrolment (tenant_id, module_id, opened_by) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM content.self_enrolment WHERE tenant_id = $1 AND module_id = $2 AND $3::uuid IS NOT NULL"
    };
    Ok(sqlx::query(sql)
        .bind(tenant.0)
        .bind(module)
        .bind(by)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Whether the module is open for self-enrolment.
pub async fn self_enrolment_open(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM content.self_enrolment WHERE tenant_id = $1 AND module_id = $2)",
    )
    .bind(tenant.0)
    .bind(module)
    .fetch_one(conn)
    .await?)
}

/// The member's users (not blocked) in a department (any case).
pub async fn department_users(
    conn: &mut PgConnection,
    tenant: TenantId,
    department: &str,
) -> AppResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM tenant.users
         WHERE tenant_id = $1 AND lower(department) = lower($2) AND department <> '' AND status <> 'disabled'",
    )
    .bind(tenant.0)
    .bind(department.trim())
    .fetch_all(conn)
    .await?)
}

/// The member's departments with how many users (not blocked) each has.
pub async fn departments(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> AppResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT min(department), count(*) FROM tenant.users
         WHERE tenant_id = $1 AND department <> '' AND status <> 'disabled'
         GROUP BY lower(department) ORDER BY lower(department)",
    )
    .bind(tenant.0)
    .fetch_all(conn)
    .await?)
}

/// A module's enrolments: all, completed, and open ones on another version than `version`.
pub async fn module_counts(
    conn: &mut PgConnection,
    tenant: TenantId,
    module: Uuid,
    version: i32,
) -> AppResult<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT count(*), count(completed_at),
                count(*) FILTER (WHERE completed_at IS NULL AND version <> $3)
         FROM content.enrolments WHERE tenant_id = $1 AND module_id = $2",
    )
    .bind(tenant.0)
    .bind(module)
    .bind(version)
    .fetch_one(conn)
    .await?)
}

/// Inserts a path enrolment; false when the user is enrolled in the path already.
pub async fn insert_path_enrolment(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
    path: Uuid,
    version: i32,
    deadline: Option<Date>,
    by: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO content.path_enrolments (tenant_id, id, user_id, path_id, version, deadline, enrolled_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, user_id, path_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(Uuid::new_v4())
    .bind(user)
    .bind(path)
    .bind(version)
    .bind(deadline)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// A learner's path enrolment.
#[derive(Debug, FromRow)]
pub struct PathEnrolmentRow {
    pub id: Uuid,
    pub path_id: Uuid,
    pub version: i32,
    pub deadline: Option<Date>,
}

/// The learner's path enrolments, oldest first.
pub async fn path_enrolments(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
) -> AppResult<Vec<PathEnrolmentRow>> {
    Ok(sqlx::query_as(
        "SELECT id, path_id, version, deadline FROM content.path_enrolments
         WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at, id",
    )
    .bind(tenant.0)
    .bind(user)
    .fetch_all(conn)
    .await?)
}

/// The names (or e-mail addresses) of `users` who are not yet enrolled in `module`, or in the
/// learning path `path`, sorted: who an enrolment of many would reach.
pub async fn not_yet_enrolled(
    conn: &mut PgConnection,
    tenant: TenantId,
    users: &[Uuid],
    module: Option<Uuid>,
    path: Option<Uuid>,
) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(NULLIF(btrim(u.display_name), ''), u.email) AS name FROM tenant.users u
         WHERE u.tenant_id = $1 AND u.id = ANY($2)
           AND NOT EXISTS (SELECT 1 FROM content.enrolments e
                           WHERE e.tenant_id = $1 AND e.user_id = u.id AND e.module_id = $3)
           AND NOT EXISTS (SELECT 1 FROM content.path_enrolments pe
                           WHERE pe.tenant_id = $1 AND pe.user_id = u.id AND pe.path_id = $4)
         ORDER BY lower(COALESCE(NULLIF(btrim(u.display_name), ''), u.email))",
    )
    .bind(tenant.0)
    .bind(users)
    .bind(module)
    .bind(path)
    .fetch_all(conn)
    .await?)
}

/// A person found by name or address: id, name (empty when none is known), address, department.
pub type Found = (Uuid, String, String, String);

/// Up to `limit` of the member's people (not blocked) whose name or address holds `q`, those
/// whose name or address starts with it first, then by name.
pub async fn find_people(
    conn: &mut PgConnection,
    tenant: TenantId,
    q: &str,
    limit: i64,
) -> AppResult<Vec<Found>> {
    Ok(sqlx::query_as(
        "SELECT id, display_name, email, department FROM tenant.users
         WHERE tenant_id = $1 AND status <> 'disabled'
           AND (strpos(lower(display_name), lower($2)) > 0 OR strpos(email, lower($2)) > 0)
         ORDER BY (lower(display_name) = lower($2) OR email = lower($2)) DESC,
                  (strpos(lower(display_name), lower($2)) = 1 OR strpos(email, lower($2)) = 1) DESC,
                  lower(NULLIF(display_name, '')) NULLS LAST, email
         LIMIT $3",
    )
    .bind(tenant.0)
    .bind(q.trim())
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Keeps answers saved page by page (`content.quiz_answers`), one row per (enrolment, quiz,
/// question) in one statement: saving a question again replaces its options.
pub async fn save_answers_many(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolments: &[Uuid],
    blocks: &[Uuid],
    questions: &[Uuid],
    options: &[Json<Vec<Uuid>>],
) -> AppResult<()> {
    if enrolments.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO content.quiz_answers (tenant_id, enrolment_id, block_id, question_id, options)
         SELECT $1, e, b, q, o FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::jsonb[]) AS t(e, b, q, o)
         ON CONFLICT (tenant_id, enrolment_id, block_id, question_id)
         DO UPDATE SET options = excluded.options, saved_at = now()",
    )
    .bind(tenant.0)
    .bind(enrolments)
    .bind(blocks)
    .bind(questions)
    .bind(options)
    .execute(conn)
    .await?;
    Ok(())
}

/// The caller's enrolment `id` with the answers saved so far in the quiz `block` (one query).
pub async fn enrolment_with_saved(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    user: Uuid,
    block: Uuid,
) -> AppResult<Option<(EnrolmentRow, Answers)>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        e: EnrolmentRow,
        saved: Json<Answers>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT x.*, coalesce((SELECT jsonb_object_agg(s.question_id, s.options) FROM content.quiz_answers s
                               WHERE s.tenant_id = $1 AND s.enrolment_id = $2 AND s.block_id = $4), '{{}}') AS saved
         FROM ({ENROLMENT} WHERE e.tenant_id = $1 AND e.id = $2 AND e.user_id = $3) x"
    ))
    .bind(tenant.0)
    .bind(id)
    .bind(user)
    .bind(block)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.e, r.saved.0)))
}

/// Deletes the answers saved in the quiz `block` (they became an attempt).
pub async fn delete_saved(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "DELETE FROM content.quiz_answers WHERE tenant_id = $1 AND enrolment_id = $2 AND block_id = $3",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(block)
    .execute(conn)
    .await?;
    Ok(())
}
