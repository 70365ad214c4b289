//! Play sessions and attempts of e-learning packages (`content.package_sessions`,
//! `content.package_attempts`; RLS).

use sqlx::{types::Json, FromRow, PgConnection};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// How long a play session's token works after it was made or last used.
pub const SESSION_HOURS: i32 = 4;

/// A play session: one learner, one package block of one enrolment.
#[derive(Clone, Debug, FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub user_id: Uuid,
    pub block_id: Uuid,
    pub media_id: Uuid,
    pub cycle: i32,
    pub version: i32,
    pub expires_at: OffsetDateTime,
}

/// The key of an attempt: the session's enrolment, cycle, block and package, and a unit.
#[derive(Clone, Copy, Debug)]
pub struct AttemptKey<'a> {
    pub session: &'a SessionRow,
    pub unit: &'a str,
}

/// A unit's attempt as the player resumes it.
#[derive(Clone, Debug, FromRow)]
pub struct AttemptRow {
    pub unit: String,
    pub data: Json<BTreeMap<String, String>>,
    pub completed: bool,
    pub passed: Option<bool>,
    pub score: Option<f32>,
    pub location: Option<String>,
    /// All sessions' time, the open one included, in seconds.
    pub seconds: f64,
    pub done: bool,
    pub updated_at: OffsetDateTime,
}

/// Makes a play session (and forgets the learner's expired ones).
pub async fn insert_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    s: &SessionRow,
) -> AppResult<()> {
    sqlx::query(
        "DELETE FROM content.package_sessions
         WHERE tenant_id = $1 AND user_id = $2 AND expires_at < now()",
    )
    .bind(tenant.0)
    .bind(s.user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO content.package_sessions
             (tenant_id, id, token_hash, enrolment_id, user_id, block_id, media_id, cycle, version,
              expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(hours => $10))",
    )
    .bind(tenant.0)
    .bind(s.id)
    .bind(token_hash)
    .bind(s.enrolment_id)
    .bind(s.user_id)
    .bind(s.block_id)
    .bind(s.media_id)
    .bind(s.cycle)
    .bind(s.version)
    .bind(SESSION_HOURS)
    .execute(conn)
    .await?;
    Ok(())
}

/// The live session with this token hash; `touch` extends its life (a commit).
pub async fn session(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    touch: bool,
) -> AppResult<Option<SessionRow>> {
    let sql = if touch {
        "UPDATE content.package_sessions
         SET expires_at = greatest(expires_at, now() + make_interval(hours => $3))
         WHERE tenant_id = $1 AND token_hash = $2 AND expires_at > now()
         RETURNING id, enrolment_id, user_id, block_id, media_id, cycle, version, expires_at"
    } else {
        "SELECT id, enrolment_id, user_id, block_id, media_id, cycle, version, expires_at
         FROM content.package_sessions
         WHERE tenant_id = $1 AND token_hash = $2 AND expires_at > now() AND $3 > 0"
    };
    Ok(sqlx::query_as(sql)
        .bind(tenant.0)
        .bind(token_hash)
        .bind(SESSION_HOURS)
        .fetch_optional(conn)
        .await?)
}

/// A live session with its token's hash (see [`live_sessions`]).
#[derive(Debug, FromRow)]
pub struct SessionByHash {
    pub token_hash: Vec<u8>,
    #[sqlx(flatten)]
    pub session: SessionRow,
}

/// The live sessions among these token hashes (a batch of commits), in one statement; unknown
/// and expired ones are not in the answer.
pub async fn live_sessions(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hashes: &[Vec<u8>],
) -> AppResult<Vec<SessionByHash>> {
    Ok(sqlx::query_as(
        "SELECT token_hash, id, enrolment_id, user_id, block_id, media_id, cycle, version,
                expires_at
         FROM content.package_sessions
         WHERE tenant_id = $1 AND token_hash = ANY($2) AND expires_at > now()",
    )
    .bind(tenant.0)
    .bind(token_hashes)
    .fetch_all(conn)
    .await?)
}

/// Extends the life of these sessions to [`SESSION_HOURS`] from now (one statement).
pub async fn touch_sessions(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE content.package_sessions
         SET expires_at = greatest(expires_at, now() + make_interval(hours => $3))
         WHERE tenant_id = $1 AND id = ANY($2)",
    )
    .bind(tenant.0)
    .bind(ids)
    .bind(SESSION_HOURS)
    .execute(conn)
    .await?;
    Ok(())
}

const ATTEMPT: &str = "SELECT unit, data, completed, passed, score, location,
        closed_seconds + open_seconds AS seconds, done_at IS NOT NULL AS done, updated_at
    FROM content.package_attempts";

/// The attempts of a session's package block (every unit tried so far).
pub async fn attempts(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &SessionRow,
) -> AppResult<Vec<AttemptRow>> {
    Ok(sqlx::query_as(&format!(
        "{ATTEMPT} WHERE tenant_id = $1 AND enrolment_id = $2 AND cycle = $3 AND block_id = $4
           AND media_id = $5 ORDER BY updated_at"
    ))
    .bind(tenant.0)
    .bind(s.enrolment_id)
    .bind(s.cycle)
    .bind(s.block_id)
    .bind(s.media_id)
    .fetch_all(conn)
    .await?)
}

/// What a commit records of a unit.
#[derive(Debug)]
pub struct Recorded<'a> {
    pub standard: &'a str,
    pub data: &'a BTreeMap<String, String>,
    pub completed: bool,
    pub passed: Option<bool>,
    pub score: Option<f64>,
    pub location: Option<&'a str>,
    /// The player's page load this commit comes from, the commit's number in it, and the
    /// load's time so far.
    pub session: &'a str,
    pub seq: i64,
    pub session_seconds: f64,
    /// The unit is done by this commit (once done, it stays done).
    pub done: bool,
}

/// One commit to keep as a unit's attempt (see [`record_many`]).
#[derive(Debug)]
pub struct ToRecord<'a> {
    pub key: AttemptKey<'a>,
    pub r: Recorded<'a>,
}

/// An attempt as [`record_many`] left it, with its key (enrolment, cycle, block, package, unit).
#[derive(Debug, FromRow)]
pub struct RecordedRow {
    pub enrolment_id: Uuid,
    pub cycle: i32,
    pub block_id: Uuid,
    pub media_id: Uuid,
    #[sqlx(flatten)]
    pub attempt: AttemptRow,
}

/// Keeps commits as their units' attempts (made at the first commit), in one statement; no two
/// of `rows` may have the same key. A session's time counts once: a commit from the same page
/// load replaces that load's time, one from a new load closes the previous one; a commit of the
/// same load older than one stored changes nothing (a request that arrives late) and is not in
/// the answer (read it with [`attempt`]). Returns the attempts written as they are now.
pub async fn record_many(
    conn: &mut PgConnection,
    tenant: TenantId,
    rows: &[ToRecord<'_>],
) -> AppResult<Vec<RecordedRow>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let col = |f: &dyn Fn(&ToRecord<'_>) -> Uuid| rows.iter().map(f).collect::<Vec<Uuid>>();
    let enrolments = col(&|t| t.key.session.enrolment_id);
    let users = col(&|t| t.key.session.user_id);
    let blocks = col(&|t| t.key.session.block_id);
    let media = col(&|t| t.key.session.media_id);
    let cycles: Vec<i32> = rows.iter().map(|t| t.key.session.cycle).collect();
    let units: Vec<&str> = rows.iter().map(|t| t.key.unit).collect();
    let standards: Vec<&str> = rows.iter().map(|t| t.r.standard).collect();
    let data: Vec<Json<&BTreeMap<String, String>>> = rows.iter().map(|t| Json(t.r.data)).collect();
    let completed: Vec<bool> = rows.iter().map(|t| t.r.completed).collect();
    let passed: Vec<Option<bool>> = rows.iter().map(|t| t.r.passed).collect();
    let scores: Vec<Option<f32>> = rows.iter().map(|t| t.r.score.map(|s| s as f32)).collect();
    let locations: Vec<Option<&str>> = rows.iter().map(|t| t.r.location).collect();
    let loads: Vec<&str> = rows.iter().map(|t| t.r.session).collect();
    let seconds: Vec<f64> = rows.iter().map(|t| t.r.session_seconds).collect();
    let done: Vec<bool> = rows.iter().map(|t| t.r.done).collect();
    let seqs: Vec<i64> = rows.iter().map(|t| t.r.seq).collect();
    Ok(sqlx::query_as(
        "INSERT INTO content.package_attempts AS a
             (tenant_id, id, enrolment_id, user_id, cycle, block_id, media_id, unit, standard, data,
              completed, passed, score, location, open_session, open_seconds, open_seq, commits,
              done_at)
         SELECT $1, gen_random_uuid(), x.e, x.u, x.c, x.b, x.m, x.unit, x.standard, x.data,
                x.completed, x.passed, x.score, x.location, x.load, x.seconds, x.seq, 1,
                CASE WHEN x.done THEN now() END
         FROM unnest($2::uuid[], $3::uuid[], $4::int[], $5::uuid[], $6::uuid[], $7::text[],
                     $8::text[], $9::jsonb[], $10::bool[], $11::bool[], $12::real[], $13::text[],
                     $14::text[], $15::float8[], $16::bool[], $17::int8[])
              AS x (e, u, c, b, m, unit, standard, data, completed, passed, score, location, load,
                    seconds, done, seq)
         ON CONFLICT (tenant_id, enrolment_id, cycle, block_id, media_id, unit) DO UPDATE SET
             data = excluded.data, completed = excluded.completed, passed = excluded.passed,
             score = excluded.score, location = excluded.location,
             closed_seconds = a.closed_seconds
                 + CASE WHEN a.open_session IS DISTINCT FROM excluded.open_session
                        THEN a.open_seconds ELSE 0 END,
             open_session = excluded.open_session, open_seconds = excluded.open_seconds,
             open_seq = excluded.open_seq, commits = a.commits + 1, updated_at = now(),
             done_at = coalesce(a.done_at, excluded.done_at)
         WHERE a.open_session IS DISTINCT FROM excluded.open_session
            OR a.open_seq <= excluded.open_seq
         RETURNING enrolment_id, cycle, block_id, media_id, unit, data, completed, passed, score,
             location, closed_seconds + open_seconds AS seconds, done_at IS NOT NULL AS done,
             updated_at",
    )
    .bind(tenant.0)
    .bind(enrolments)
    .bind(users)
    .bind(cycles)
    .bind(blocks)
    .bind(media)
    .bind(units)
    .bind(standards)
    .bind(data)
    .bind(completed)
    .bind(passed)
    .bind(scores)
    .bind(locations)
    .bind(loads)
    .bind(seconds)
    .bind(done)
    .bind(seqs)
    .fetch_all(conn)
    .await?)
}

/// One unit's attempt of a session's package block.
pub async fn attempt(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: AttemptKey<'_>,
) -> AppResult<AttemptRow> {
    let s = key.session;
    Ok(sqlx::query_as(&format!(
        "{ATTEMPT} WHERE tenant_id = $1 AND enrolment_id = $2 AND cycle = $3 AND block_id = $4
           AND media_id = $5 AND unit = $6"
    ))
    .bind(tenant.0)
    .bind(s.enrolment_id)
    .bind(s.cycle)
    .bind(s.block_id)
    .bind(s.media_id)
    .bind(key.unit)
    .fetch_one(conn)
    .await?)
}

/// The units of a session's package block that are done.
pub async fn units_done(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &SessionRow,
) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT unit FROM content.package_attempts
         WHERE tenant_id = $1 AND enrolment_id = $2 AND cycle = $3 AND block_id = $4
           AND media_id = $5 AND done_at IS NOT NULL",
    )
    .bind(tenant.0)
    .bind(s.enrolment_id)
    .bind(s.cycle)
    .bind(s.block_id)
    .bind(s.media_id)
    .fetch_all(conn)
    .await?)
}

/// The learner's name as a package may show it (SCORM `student_name`, `learner_name`).
pub async fn learner_name(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
) -> AppResult<String> {
    Ok(
        sqlx::query_scalar(
            "SELECT display_name FROM tenant.users WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.0)
        .bind(user)
        .fetch_optional(conn)
        .await?
        .unwrap_or_default(),
    )
}
