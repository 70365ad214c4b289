//! Learners' "block done" writes, batched: requests that arrive while a transaction is running
//! wait in a queue, and the next transaction takes them all (up to [`MAX_BATCH`]). Each request
//! is answered only after the transaction that holds its write has committed. One transaction
//! and one commit (one WAL flush) for many learners is what lets a single database keep up with
//! a whole sector's care workers clicking "klaar" at the start of a shift.
//!
//! Per request the transaction runs the same steps as a request on its own (lock the learner's
//! own enrolment, check the block against the version it follows, insert, complete the module
//! when it was the last block); member tenants are switched (`tenant.set_tenant`) between
//! requests of different members, so row-level security applies to each request as its own.
//! Requests are sorted by member and enrolment so that two transactions lock rows in the same
//! order (no deadlocks). A refusal (not the caller's enrolment, a quiz block) is that request's
//! answer and doesn't touch the others; should the transaction fail as a whole, every request in
//! it is tried again in a transaction of its own, so one bad request can't fail its neighbours.

use super::{catalog::PublishedModule, learning};
use crate::repo::learning as repo;
use tokio::sync::{mpsc, oneshot, Mutex};
use uuid::Uuid;
use zk_kernel::{db::TenantTx, AppError, AppResult, Platform, TenantId};

/// The most requests in one transaction.
pub const MAX_BATCH: usize = 64;
/// Transactions running at once (each on its own connection; a batch needs no other).
const WORKERS: usize = 2;

/// One "block done" of a learner.
struct Job {
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
    reply: oneshot::Sender<AppResult<(repo::EnrolmentRow, PublishedModule)>>,
}

/// The queue in front of the batching transactions (one per platform, started on first use).
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    fn start(p: Platform) -> Self {
        let (queue, rx) = mpsc::channel::<Job>(16 * MAX_BATCH);
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for _ in 0..WORKERS {
            let (p, rx) = (p.clone(), rx.clone());
            tokio::spawn(async move {
                let mut batch = Vec::with_capacity(MAX_BATCH);
                loop {
                    let got = rx.lock().await.recv_many(&mut batch, MAX_BATCH).await;
                    if got == 0 {
                        return;
                    }
                    run_batch(&p, std::mem::take(&mut batch)).await;
                }
            });
        }
        Self { queue }
    }
}

/// Marks a block of the caller's enrolment done through the batching writer; answers after the
/// commit with the enrolment as it is now and the version it follows.
pub async fn mark_done(
    p: &Platform,
    tenant: TenantId,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<(repo::EnrolmentRow, PublishedModule)> {
    let writer = p.extensions.get_or_init(|| Writer::start(p.clone()));
    let (reply, answer) = oneshot::channel();
    let job = Job {
        tenant,
        user,
        enrolment,
        block,
        reply,
    };
    writer
        .queue
        .send(job)
        .await
        .map_err(|_| AppError::internal(std::io::Error::other("progress writer stopped")))?;
    answer.await.map_err(|_| {
        AppError::internal(std::io::Error::other("progress writer dropped a request"))
    })?
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

/// All jobs in one transaction; `Err` when the transaction itself failed.
async fn try_batch(p: &Platform, jobs: &[Job]) -> AppResult<Vec<Answer>> {
    let mut tx = p.db.app.begin().await?;
    let mut tenant = None;
    let mut results = Vec::with_capacity(jobs.len());
    let mut users = Vec::new();
    // BEGIN, NOTIFY and COMMIT, plus per job the lock, the read and the insert (`done_in`).
    let mut statements = 3 + 3 * jobs.len() as u64;
    for job in jobs {
        if tenant != Some(job.tenant) {
            zk_kernel::db::set_tenant(&mut tx, job.tenant).await?;
            tenant = Some(job.tenant);
            statements += 1;
        }
        match learning::done_in(p, &mut tx, job.tenant, job.user, job.enrolment, job.block).await {
            Ok(v) => {
                users.push(job.user);
                results.push(Ok(v));
            }
            // A refusal is that request's answer; a database error fails the transaction.
            Err(e) if e.status.is_client_error() => results.push(Err(e)),
            Err(e) => return Err(e),
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
