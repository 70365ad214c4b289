//! Learners' "block done" writes, batched: requests that arrive while a transaction is running
//! wait in a queue, and the next transaction takes them all (up to [`batching::MAX_BATCH`](super::batching::MAX_BATCH)). Each request
//! is answered only after the transaction that holds its write has committed. One transaction
//! and one commit (one WAL flush) for many learners is what lets a single database keep up with
//! a whole sector's care workers clicking "klaar" at the start of a shift.
//!
//! Per request the transaction runs the same checks as a request on its own (the learner's own
//! enrolment, locked; the block against the version it follows; the module completed when it
//! was the last block), but the statements are shared: per member in the batch the tenant is
//! set (`tenant.set_tenant`, so row-level security applies to each member's requests), its
//! enrolments are locked and read in one statement each, and all its blocks are inserted in
//! one.
//! Requests are sorted by member and enrolment so that two transactions lock rows in the same
//! order (no deadlocks). A refusal (not the caller's enrolment, a quiz block) is that request's
//! answer and doesn't touch the others; should the transaction fail as a whole, every request in
//! it is tried again in a transaction of its own, so one bad request can't fail its neighbours.

use super::{
    batching::{self, Queue},
    learning,
};
use crate::repo::learning as repo;
use std::collections::HashMap;
use tokio::sync::oneshot;
use uuid::Uuid;
use zk_content::domain::catalog::PublishedModule;
use zk_kernel::{db::TenantTx, AppError, AppResult, Platform, TenantId};

/// One "block done" of a learner.
struct Job {
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
    reply: oneshot::Sender<AppResult<(repo::EnrolmentRow, PublishedModule)>>,
}

/// Requests waiting for a batching transaction (0 before the queue's first use).
pub fn waiting(p: &Platform) -> usize {
    p.extensions.get::<Queue<Job>>().map_or(0, |q| q.len())
}

/// The queue in front of the batching transactions (one per platform, started on first use).
fn queue(p: &Platform) -> std::sync::Arc<Queue<Job>> {
    p.extensions.get_or_init(|| {
        let p = p.clone();
        Queue::start("progress writer", move |jobs| {
            let p = p.clone();
            async move { run_batch(&p, jobs).await }
        })
    })
}

/// Marks a block of the caller's enrolment done (a quiz is done by passing it) through the
/// batching writer; answers after the commit with the learner's progress in the module. Both
/// module versions come from the cache of shown modules: no query beyond the write.
pub async fn mark_done(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<learning::Progress> {
    let (e, _) = write_done(p, tenant, user, enrolment, block).await?;
    learning::progress_of(p, tenant, e).await
}

/// Queues one "block done" and waits for the batch that commits it: the enrolment as it is now
/// and the version it follows.
async fn write_done(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<(repo::EnrolmentRow, PublishedModule)> {
    queue(p)
        .ask(|reply| Job {
            tenant,
            user,
            enrolment,
            block,
            reply,
        })
        .await
}

async fn run_batch(p: &Platform, mut jobs: Vec<Job>) {
    jobs.sort_by_key(|j| (j.tenant.0, j.enrolment));
    match try_batch(p, &jobs).await {
        Ok(results) => {
            for (job, result) in jobs.into_iter().zip(results) {
                if result.is_ok() {
                    learning::progress_changed(p, job.user);
                }
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            tracing::warn!(
                error.code = e.code,
                jobs = jobs.len(),
                "progress batch failed; one by one"
            );
            for job in jobs {
                let result = one(p, &job).await;
                if result.is_ok() {
                    learning::progress_changed(p, job.user);
                }
                let _ = job.reply.send(result);
            }
        }
    }
}

type Answer = AppResult<(repo::EnrolmentRow, PublishedModule)>;

/// All jobs in one transaction; `Err` when the transaction itself failed. Per member in the
/// batch: set the tenant, lock its enrolments (in id order), read them with their blocks done,
/// check every job in memory, insert all blocks in one statement, complete what completed; then
/// one NOTIFY and the commit. Round trips: BEGIN, NOTIFY, COMMIT, four per member, two per
/// completed module, and one per module version not in the cache.
async fn try_batch(p: &Platform, jobs: &[Job]) -> AppResult<Vec<Answer>> {
    let mut tx = p.db.app.begin().await?;
    let mut results: Vec<Answer> = Vec::with_capacity(jobs.len());
    let mut users = Vec::new();
    let mut statements = 3u64;
    for run in batching::member_runs(jobs, |j| j.tenant) {
        let group = &jobs[run];
        let tenant = group[0].tenant;
        zk_kernel::db::set_tenant(&mut tx, tenant).await?;
        let mut ids: Vec<Uuid> = group.iter().map(|j| j.enrolment).collect();
        ids.dedup();
        repo::lock_enrolments(&mut tx, tenant, &ids).await?;
        let mut rows: HashMap<Uuid, repo::EnrolmentRow> =
            repo::enrolments_by_ids(&mut tx, tenant, &ids)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
        statements += 4;
        let (mut e_ids, mut blocks, mut versions) = (Vec::new(), Vec::new(), Vec::new());
        let mut completed = Vec::new();
        for job in group {
            let Some(e) = rows.get_mut(&job.enrolment) else {
                results.push(Err(AppError::not_found()));
                continue;
            };
            match learning::check_done(p, &mut tx, tenant, job.user, e, job.block).await {
                Ok((shown, completes)) => {
                    e_ids.push(e.id);
                    blocks.push(job.block);
                    versions.push(shown.version);
                    if completes {
                        // A placeholder, so later jobs of this enrolment don't complete it again;
                        // recorded after the insert, when this job's answer gets the real time.
                        e.completed_at = Some(time::OffsetDateTime::now_utc());
                        completed.push((results.len(), shown.clone()));
                    }
                    users.push(job.user);
                    results.push(Ok((e.clone(), shown)));
                }
                // A refusal is that request's answer; a database error fails the transaction.
                Err(err) if err.status.is_client_error() => results.push(Err(err)),
                Err(err) => return Err(err),
            }
        }
        repo::insert_done_many(&mut tx, tenant, &e_ids, &blocks, &versions).await?;
        for (i, shown) in completed {
            if let Some(Ok((e, _))) = results.get_mut(i) {
                // Replaces the placeholder time with the recorded one and adds the score.
                learning::complete_in(&mut tx, tenant, e, &shown).await?;
                statements += 2;
                // Later answers of the same enrolment in this batch show the completion too.
                let (id, at, version, score) =
                    (e.id, e.completed_at, e.completed_version, e.completed_score);
                for later in results.iter_mut().skip(i + 1).flatten() {
                    if later.0.id == id {
                        later.0.completed_at = at;
                        later.0.completed_version = version;
                        later.0.completed_score = score;
                    }
                }
            }
        }
    }
    repo::notify_progress_of(&mut tx, &users).await?;
    tx.commit().await?;
    p.metrics
        .count_progress_batch(jobs.len() as u64, statements);
    Ok(results)
}

/// One job in a transaction of its own.
async fn one(p: &Platform, job: &Job) -> Answer {
    let mut tx: TenantTx = p.db.begin_tenant(job.tenant).await?;
    let result =
        learning::done_in(p, &mut tx, job.tenant, job.user, job.enrolment, job.block).await?;
    repo::notify_progress(&mut tx, job.user).await?;
    tx.commit().await?;
    Ok(result)
}
