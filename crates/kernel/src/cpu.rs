//! CPU-heavy work off the async workers: reading uploaded files, making PDFs and the like.
//!
//! An async worker that computes for a second serves nobody else for that second, and the
//! request timeout (a timer on those same workers) can't fire either. [`run`] moves such work to
//! tokio's blocking threads, behind a semaphore with one permit per core but one (at least one),
//! so at most that many jobs compute at once, a core stays free for the async workers that
//! answer everyone else, and the rest wait their turn without holding a thread. A request that
//! times out while its job runs stops waiting for it; the job itself runs to its end (work that
//! can't be interrupted must be bounded, as the staff file's caps bound its reading).
//!
//! Password hashing has threads of its own (`crypto`: a fixed set that reuses argon2's 19 MiB
//! per thread), so it does not count against these permits.

use crate::{AppError, AppResult};
use tokio::sync::Semaphore;

/// How many jobs may compute at once on `cores` cores: all but one, at least one.
pub fn slots(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
}

/// One permit per core but one.
fn permits() -> &'static Semaphore {
    static PERMITS: std::sync::OnceLock<Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        Semaphore::new(slots(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        ))
    })
}

/// Runs `work` on a blocking thread once one of the permits is free, and returns its
/// result. A panic in `work` is an internal error (500).
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let permit = permits().acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn work_runs_off_the_worker_no_more_at_once_than_cores() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs = (0..cores * 3).map(|i| {
            let (running, most) = (running.clone(), most.clone());
            run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            })
        });
        let results = futures_util::future::join_all(jobs).await;
        let doubled: Vec<usize> = results.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(doubled, (0..cores * 3).map(|i| i * 2).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=slots(cores)).contains(&most),
            "{most} at once on {cores} cores"
        );
        assert_eq!((slots(1), slots(2), slots(8)), (1, 1, 7));
        // This test's runtime is its own thread: the work ran on another one.
        let here = std::thread::current().id();
        assert_ne!(run(|| std::thread::current().id()).await.unwrap(), here);
    }

    #[tokio::test]
    async fn a_panic_is_an_internal_error() {
        let e = run(|| -> u8 { panic!("boom") }).await.unwrap_err();
        assert_eq!(e.code, "internal");
    }
}
