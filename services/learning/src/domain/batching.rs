//! The queue both batching writers stand on (`progress_writer` for "block done",
//! `package_commits` for SCORM commits): requests wait in a queue while a transaction runs, and
//! the next transaction takes all that waited (up to [`MAX_BATCH`]); each request gets its own
//! answer back when the transaction holding it has committed.

use std::{future::Future, ops::Range, sync::Arc};
use tokio::sync::{mpsc, oneshot, Mutex};
use zk_kernel::{AppError, AppResult, TenantId};

/// The most requests in one transaction.
pub const MAX_BATCH: usize = 64;
/// Transactions running at once (each on its own connection; a batch needs no other).
const WORKERS: usize = 2;

/// A queue of jobs `J`, taken in batches by [`WORKERS`] tasks that run `run` on each batch.
/// One per platform and kind of job (kept in `Platform::extensions`, started on first use).
pub struct Queue<J> {
    jobs: mpsc::Sender<J>,
    /// Named in the errors when the queue is gone ("progress writer").
    name: &'static str,
}

impl<J: Send + 'static> Queue<J> {
    /// Starts the workers.
    pub fn start<F, Fut>(name: &'static str, run: F) -> Self
    where
        F: Fn(Vec<J>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let (jobs, rx) = mpsc::channel::<J>(16 * MAX_BATCH);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..WORKERS {
            let (rx, run) = (rx.clone(), run.clone());
            tokio::spawn(async move {
                let mut batch = Vec::with_capacity(MAX_BATCH);
                loop {
                    let got = rx.lock().await.recv_many(&mut batch, MAX_BATCH).await;
                    if got == 0 {
                        return;
                    }
                    run(std::mem::take(&mut batch)).await;
                }
            });
        }
        Self { jobs, name }
    }

    /// Requests waiting for a transaction (those in a running one not counted).
    pub fn len(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// True when no request waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues the job `make` builds around its reply channel, and waits for the answer the
    /// batch that holds it sends back.
    pub async fn ask<R>(
        &self,
        make: impl FnOnce(oneshot::Sender<AppResult<R>>) -> J,
    ) -> AppResult<R> {
        let (reply, answer) = oneshot::channel();
        let name = self.name;
        self.jobs
            .send(make(reply))
            .await
            .map_err(|_| AppError::internal(std::io::Error::other(format!("{name} stopped"))))?;
        answer.await.map_err(|_| {
            AppError::internal(std::io::Error::other(format!("{name} dropped a request")))
        })?
    }
}

/// The runs of one member each in a batch sorted by member, as ranges of `jobs`: a transaction
/// sets each member's tenant once and handles its jobs together.
pub fn member_runs<J>(jobs: &[J], tenant: impl Fn(&J) -> TenantId) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < jobs.len() {
        let t = tenant(&jobs[start]);
        let end = start + jobs[start..].iter().take_while(|j| tenant(j) == t).count();
        runs.push(start..end);
        start = end;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sorted_batch_splits_into_one_run_per_member() {
        let (a, b) = (
            TenantId(uuid::Uuid::from_u128(1)),
            TenantId(uuid::Uuid::from_u128(2)),
        );
        let jobs = [a, a, b, b, b];
        assert_eq!(member_runs(&jobs, |t| *t), [0..2, 2..5]);
        assert!(member_runs::<TenantId>(&[], |t| *t).is_empty());
    }
}
