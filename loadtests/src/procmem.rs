//! Memory of the server under test, read from `/proc/<pid>/status` (Linux only).

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::task::JoinHandle;

/// The value of a `kB` field (`VmRSS`, `VmHWM`, …) in the text of `/proc/<pid>/status`.
pub fn parse_status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let (k, rest) = line.split_once(':')?;
        if k.trim() != key {
            return None;
        }
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Reads a `kB` field of `/proc/<pid>/status`, in MB (MiB); `None` if the process is gone.
pub fn read_mb(pid: u32, key: &str) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kb(&text, key).map(|kb| kb as f64 / 1024.0)
}

/// Samples a process's `VmRSS` every 100 ms until stopped, keeping the largest value.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    task: JoinHandle<Option<f64>>,
}

impl RssSampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            let mut peak: Option<f64> = None;
            loop {
                if let Some(mb) = read_mb(pid, "VmRSS") {
                    peak = Some(peak.map_or(mb, |p| p.max(mb)));
                }
                if flag.load(Ordering::Relaxed) {
                    return peak;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        Self { stop, task }
    }

    /// Stops sampling and returns the peak `VmRSS` seen, in MB.
    pub async fn finish(self) -> Option<f64> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let text = "Name:\tzorgklas\nVmPeak:\t  900000 kB\nVmHWM:\t  153600 kB\nVmRSS:\t   51200 kB\nThreads:\t5\n";
        assert_eq!(parse_status_kb(text, "VmRSS"), Some(51200));
        assert_eq!(parse_status_kb(text, "VmHWM"), Some(153600));
        assert_eq!(parse_status_kb(text, "Threads"), Some(5));
        assert_eq!(parse_status_kb(text, "VmSwap"), None);
        assert_eq!(parse_status_kb(text, "VmRS"), None);
    }

    #[test]
    fn reads_own_process() {
        if cfg!(target_os = "linux") {
            let mb = read_mb(std::process::id(), "VmRSS").expect("own VmRSS");
            assert!(mb > 0.0);
        }
    }
}
