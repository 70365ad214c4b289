//! The LTI service's background job, one per process: every second it queues and sends scores
//! ([`super::grades`]); every ten minutes it runs the daily roster syncs that are due
//! ([`super::roster`]). Off when `ZK_JOBS=false` (a process that only answers requests).

use std::time::{Duration, Instant};
use zk_kernel::Platform;

const TICK: Duration = Duration::from_secs(1);
const ROSTERS_EVERY: Duration = Duration::from_secs(600);

/// Starts the job once per process (unless jobs are off).
pub fn spawn(p: Platform) {
    if !p.config.jobs {
        return;
    }
    struct Started;
    let mut first = false;
    p.extensions.get_or_init(|| {
        first = true;
        Started
    });
    if !first {
        return;
    }
    tokio::spawn(async move {
        let mut rosters_at: Option<Instant> = None;
        loop {
            if let Err(e) = super::grades::run_once(&p).await {
                tracing::warn!(error = %e, "LTI grade job failed");
            }
            if rosters_at.is_none_or(|t| t.elapsed() >= ROSTERS_EVERY) {
                rosters_at = Some(Instant::now());
                if let Err(e) = super::roster::run_daily(&p).await {
                    tracing::warn!(error = %e, "LTI roster job failed");
                }
            }
            tokio::time::sleep(TICK).await;
        }
    });
}
