//! SCORM commits, batched: the player's commits that arrive while a transaction is running wait
//! in a queue, and the next transaction takes them all (`batching`), as the progress
//! writer does for "block done". Each commit is answered only after the transaction that holds
//! it has committed (durable), with what it recorded.
//!
//! Per member in the batch the transaction sets the tenant (row-level security applies to each
//! member's commits), reads every commit's play session in one statement (and extends the life
//! of those with less than [`TOUCH_BELOW`] left), locks and reads the enrolments in two, and
//! keeps all attempts in one upsert. Two commits of the same attempt in one batch go in two
//! upserts, in the order they arrived (so a late older commit still changes nothing). A package's
//! manifest comes from a cache (a package never changes: a new upload is a new file); the first
//! commit of a member for a package reads it under the member's row-level security.
//!
//! A refusal (an unknown or expired session, a unit not in the package, an element the data
//! model refuses) is that commit's answer and keeps nothing of it; should the transaction fail
//! as a whole, every commit in it is tried again in a transaction of its own, so one bad commit
//! can't fail its neighbours. What happens when a commit makes its unit done is the same as
//! for a commit on its own: `package_play::block_after`.

use super::{
    batching::{self, Queue},
    learning,
    package_play::{self, block_after, expired, launchable, unit_done, CommitAnswer, CommitInput},
    scorm_data,
};
use crate::repo::{
    learning as enrolments,
    packages::{self as repo, AttemptKey, Recorded, SessionRow, ToRecord},
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex as SyncMutex},
};
use tokio::sync::oneshot;
use uuid::Uuid;
use zk_content::domain::{
    media,
    package::{Manifest, UnitKind},
};
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// Packages' manifests kept in memory (all of them are dropped when it is full).
const MANIFESTS: usize = 512;
/// A session with less than this left is extended by a commit (so most commits write nothing
/// to the session).
const TOUCH_BELOW: time::Duration = time::Duration::minutes(repo::SESSION_HOURS as i64 * 60 - 10);

/// One commit of a player.
struct Job {
    tenant: TenantId,
    token_hash: Vec<u8>,
    input: CommitInput,
    reply: oneshot::Sender<AppResult<CommitAnswer>>,
}

/// Manifests by member and package, as the member read them.
#[derive(Default)]
struct Manifests(SyncMutex<HashMap<(Uuid, Uuid), Arc<Manifest>>>);

impl Manifests {
    fn get(&self, tenant: TenantId, media: Uuid) -> Option<Arc<Manifest>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&(tenant.0, media)).cloned()
    }

    fn put(&self, tenant: TenantId, media: Uuid, manifest: Arc<Manifest>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MANIFESTS {
            map.clear();
        }
        map.insert((tenant.0, media), manifest);
    }
}

/// Commits waiting for a batching transaction (0 before the queue's first use).
pub fn waiting(p: &Platform) -> usize {
    p.extensions.get::<Queue<Job>>().map_or(0, |q| q.len())
}

/// The queue in front of the batching transactions, with the manifests its workers have read
/// (one per platform, started on first use).
fn queue(p: &Platform) -> Arc<Queue<Job>> {
    p.extensions.get_or_init(|| {
        let (p, manifests) = (p.clone(), Arc::new(Manifests::default()));
        Queue::start("package writer", move |jobs| {
            let (p, manifests) = (p.clone(), manifests.clone());
            async move { run_batch(&p, &manifests, jobs).await }
        })
    })
}

/// Keeps one commit of the session with token `token`: checked (a refusal names the element and
/// keeps nothing), stored under the enrolment's lock in the next batch, and answered once that
/// batch committed. When it makes the last unit of the package done, the block is done, and the
/// enrolment completes as with any last block.
pub async fn commit(
    p: &Platform,
    tenant: TenantId,
    token: &str,
    input: CommitInput,
) -> AppResult<CommitAnswer> {
    package_play::check_session_id(&input.session)?;
    let token_hash = zk_kernel::crypto::token_hash(token);
    queue(p)
        .ask(|reply| Job {
            tenant,
            token_hash,
            input,
            reply,
        })
        .await
}

async fn run_batch(p: &Platform, manifests: &Manifests, mut jobs: Vec<Job>) {
    // Stable: one attempt's commits stay in the order they arrived.
    jobs.sort_by_key(|j| j.tenant.0);
    match try_batch(p, manifests, &jobs).await {
        Ok(results) => reply_all(p, jobs, results),
        Err(e) if jobs.len() > 1 => {
            tracing::warn!(
                error.code = e.code,
                jobs = jobs.len(),
                "package commit batch failed; one by one"
            );
            for job in jobs {
                let result = match try_batch(p, manifests, std::slice::from_ref(&job)).await {
                    Ok(mut one) => one.pop().unwrap_or_else(|| Err(AppError::not_found())),
                    Err(e) => Err(e),
                };
                reply_all(p, vec![job], vec![result]);
            }
        }
        Err(e) => {
            if let Some(job) = jobs.into_iter().next() {
                let _ = job.reply.send(Err(e));
            }
        }
    }
}

/// Answers the commits of a batch that committed (a block done now makes the learner's cached
/// pages stale).
fn reply_all(p: &Platform, jobs: Vec<Job>, results: Vec<Done>) {
    for (job, result) in jobs.into_iter().zip(results) {
        let answer = result.map(|(answer, newly_done)| {
            if let Some((user, enrolment, block)) = newly_done {
                learning::progress_changed(p, user);
                tracing::info!(enrolment.id = %enrolment, block.id = %block,
                    module_completed = answer.module_completed, "package done");
            }
            answer
        });
        let _ = job.reply.send(answer);
    }
}

/// A commit's answer, and (learner, enrolment, block) when it made the block done.
type Done = AppResult<(CommitAnswer, Option<(Uuid, Uuid, Uuid)>)>;

/// A commit checked against its session and package, ready to store.
struct Ready<'a> {
    job: usize,
    session: SessionRow,
    manifest: Arc<Manifest>,
    unit: String,
    standard: &'static str,
    outcome: scorm_data::Outcome,
    done: bool,
    input: &'a CommitInput,
}

/// All commits in one transaction; `Err` when the transaction itself failed.
async fn try_batch(p: &Platform, manifests: &Manifests, jobs: &[Job]) -> AppResult<Vec<Done>> {
    let mut tx = p.db.app.begin().await?;
    let mut results: Vec<Option<Done>> = jobs.iter().map(|_| None).collect();
    let mut notify = Vec::new();
    // BEGIN, NOTIFY (when a block was done) and COMMIT, then per member and statement below.
    let mut statements = 2u64;
    for group in batching::member_runs(jobs, |j| j.tenant) {
        let tenant = jobs[group.start].tenant;
        zk_kernel::db::set_tenant(&mut tx, tenant).await?;
        statements += 2;
        let hashes: Vec<Vec<u8>> = jobs[group.clone()]
            .iter()
            .map(|j| j.token_hash.clone())
            .collect();
        let sessions: HashMap<Vec<u8>, SessionRow> = repo::live_sessions(&mut tx, tenant, &hashes)
            .await?
            .into_iter()
            .map(|s| (s.token_hash, s.session))
            .collect();
        let soon = time::OffsetDateTime::now_utc() + TOUCH_BELOW;
        let mut touch: Vec<Uuid> = sessions
            .values()
            .filter(|s| s.expires_at < soon)
            .map(|s| s.id)
            .collect();
        touch.sort();
        repo::touch_sessions(&mut tx, tenant, &touch).await?;
        statements += u64::from(!touch.is_empty());

        // Check each commit in memory (its package read once per member and package).
        let mut ready = Vec::new();
        for i in group {
            let job = &jobs[i];
            let Some(s) = sessions.get(&job.token_hash) else {
                results[i] = Some(Err(expired()));
                continue;
            };
            let manifest = match manifests.get(tenant, s.media_id) {
                Some(m) => m,
                None => {
                    statements += 1;
                    let Some(m) = media::package_manifest(&mut tx, s.media_id).await? else {
                        results[i] = Some(Err(AppError::not_found()));
                        continue;
                    };
                    let m = Arc::new(m);
                    manifests.put(tenant, s.media_id, m.clone());
                    m
                }
            };
            match prepare(i, s, manifest, &job.input) {
                Ok(r) => ready.push(r),
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        if ready.is_empty() {
            continue;
        }

        // The enrolments' locks order these commits with the learners' other progress.
        let mut ids: Vec<Uuid> = ready.iter().map(|r| r.session.enrolment_id).collect();
        ids.sort();
        ids.dedup();
        enrolments::lock_enrolments(&mut tx, tenant, &ids).await?;
        let mut rows: HashMap<Uuid, enrolments::EnrolmentRow> =
            enrolments::enrolments_by_ids(&mut tx, tenant, &ids)
                .await?
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
        statements += 2;
        ready.retain(|r| {
            let s = &r.session;
            let ok = rows
                .get(&s.enrolment_id)
                .is_some_and(|e| e.user_id == s.user_id && e.cycle == s.cycle);
            if !ok {
                results[r.job] = Some(Err(expired()));
            }
            ok
        });

        // Rounds: the n-th commit of an attempt in this batch goes in the n-th upsert.
        let mut rounds: Vec<Vec<&Ready<'_>>> = Vec::new();
        let mut seen: HashMap<(Uuid, Uuid, Uuid, i32, &str), usize> = HashMap::new();
        for r in &ready {
            let s = &r.session;
            let n = seen
                .entry((s.enrolment_id, s.block_id, s.media_id, s.cycle, &r.unit))
                .or_insert(0);
            if rounds.len() <= *n {
                rounds.push(Vec::new());
            }
            rounds[*n].push(r);
            *n += 1;
        }
        for round in rounds {
            let to_record: Vec<ToRecord<'_>> = round
                .iter()
                .map(|r| ToRecord {
                    key: AttemptKey {
                        session: &r.session,
                        unit: &r.unit,
                    },
                    r: Recorded {
                        standard: r.standard,
                        data: &r.input.values,
                        completed: r.outcome.completed,
                        passed: r.outcome.passed,
                        score: r.outcome.score,
                        location: r.outcome.location.as_deref(),
                        session: &r.input.session,
                        seq: i64::try_from(r.input.seq).unwrap_or(i64::MAX),
                        session_seconds: r.outcome.session_seconds.unwrap_or(0.0).max(0.0),
                        done: r.done,
                    },
                })
                .collect();
            let mut written: HashMap<(Uuid, i32, Uuid, Uuid, String), repo::AttemptRow> = {
                statements += 1;
                repo::record_many(&mut tx, tenant, &to_record).await?
            }
            .into_iter()
            .map(|w| {
                let key = (
                    w.enrolment_id,
                    w.cycle,
                    w.block_id,
                    w.media_id,
                    w.attempt.unit.clone(),
                );
                (key, w.attempt)
            })
            .collect();
            for (r, t) in round.iter().zip(&to_record) {
                let s = &r.session;
                let key = (
                    s.enrolment_id,
                    s.cycle,
                    s.block_id,
                    s.media_id,
                    r.unit.clone(),
                );
                // Not written: a late older commit of the same page load; it answers with the
                // attempt as it is.
                let attempt = match written.remove(&key) {
                    Some(a) => a,
                    None => {
                        statements += 1;
                        repo::attempt(&mut tx, tenant, t.key).await?
                    }
                };
                let Some(e) = rows.get_mut(&s.enrolment_id) else {
                    continue;
                };
                let was_done = e.done.contains(&s.block_id);
                let (block_done, module_completed) =
                    block_after(p, &mut tx, tenant, s, &r.manifest, e, attempt.done).await?;
                let newly_done = block_done && !was_done;
                if newly_done {
                    notify.push(s.user_id);
                }
                results[r.job] = Some(Ok((
                    CommitAnswer {
                        completed: attempt.completed,
                        passed: attempt.passed,
                        score: attempt.score.map(f64::from),
                        unit_done: attempt.done,
                        block_done,
                        module_completed,
                        total_seconds: attempt.seconds,
                    },
                    newly_done.then_some((s.user_id, s.enrolment_id, s.block_id)),
                )));
            }
        }
    }
    // Pages show a package's block done or not, never its attempt: only a block done now makes
    // the learner's cached pages stale. (A NOTIFY in every commit would also put every commit
    // behind PostgreSQL's one lock for notifying transactions.)
    enrolments::notify_progress_of(&mut tx, &notify).await?;
    statements += u64::from(!notify.is_empty());
    tx.commit().await?;
    p.metrics.count_package_batch(jobs.len() as u64, statements);
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(AppError::not_found())))
        .collect())
}

/// A commit checked against its package (pure): the unit is one the player plays, the data
/// model accepts every element, and what it means for completion, success and score.
fn prepare<'a>(
    job: usize,
    s: &SessionRow,
    manifest: Arc<Manifest>,
    input: &'a CommitInput,
) -> AppResult<Ready<'a>> {
    let version = package_play::version_of(manifest.kind).ok_or_else(AppError::not_found)?;
    let unit = manifest
        .units
        .iter()
        .find(|u| u.id == input.unit && launchable(u))
        .ok_or_else(|| {
            AppError::validation(
                "unit",
                "unknown_unit",
                "Dit onderdeel hoort niet bij deze e-learning.",
            )
        })?;
    scorm_data::check_commit(version, &input.values)?;
    let outcome = scorm_data::outcome(version, &input.values, unit.mastery_score);
    // An asset reports nothing: opening it is doing it.
    let done = unit.kind == UnitKind::Asset || unit_done(&outcome);
    let unit = unit.id.clone();
    Ok(Ready {
        job,
        session: s.clone(),
        standard: package_play::standard(version),
        manifest,
        unit,
        outcome,
        done,
        input,
    })
}
