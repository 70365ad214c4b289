//! Request metrics in the Prometheus text format: counts and latency histograms per route.

use std::{
    collections::HashMap,
    fmt::Write,
    sync::{
        atomic::{AtomicU64, Ordering},
        Mutex,
    },
    time::Duration,
};

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct RouteStats {
    /// (method, status) → count; a handful of entries per route, scanned linearly.
    counts: Vec<(String, u16, u64)>,
    latency_count: u64,
    latency_sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Process-wide request metrics (one short lock per request, no allocation once a route and
/// status have been seen).
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<HashMap<String, RouteStats>>,
    password_hashes: AtomicU64,
    progress_batches: AtomicU64,
    progress_writes: AtomicU64,
    progress_statements: AtomicU64,
    package_batches: AtomicU64,
    package_commits: AtomicU64,
    package_statements: AtomicU64,
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let stats = match routes.get_mut(route) {
            Some(s) => s,
            None => routes.entry(route.to_owned()).or_default(),
        };
        match stats
            .counts
            .iter_mut()
            .find(|(m, s, _)| m == method && *s == status)
        {
            Some(entry) => entry.2 += 1,
            None => stats.counts.push((method.to_owned(), status, 1)),
        }
        stats.latency_count += 1;
        stats.latency_sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                stats.buckets[i] += 1;
            }
        }
    }

    /// Counts one argon2id run (hash or verification).
    pub fn count_password_hash(&self) {
        self.password_hashes.fetch_add(1, Ordering::Relaxed);
    }

    /// argon2id runs since start: the expensive work that throttling must keep from strangers.
    pub fn password_hashes(&self) -> u64 {
        self.password_hashes.load(Ordering::Relaxed)
    }

    /// Counts one transaction of batched progress writes: how many writes it carried and how
    /// many statements (database round trips) it took, BEGIN and COMMIT included.
    pub fn count_progress_batch(&self, writes: u64, statements: u64) {
        self.progress_batches.fetch_add(1, Ordering::Relaxed);
        self.progress_writes.fetch_add(writes, Ordering::Relaxed);
        self.progress_statements
            .fetch_add(statements, Ordering::Relaxed);
    }

    /// Counts one transaction of batched SCORM commits: how many commits it carried and how many
    /// statements (database round trips) it took, BEGIN and COMMIT included.
    pub fn count_package_batch(&self, commits: u64, statements: u64) {
        self.package_batches.fetch_add(1, Ordering::Relaxed);
        self.package_commits.fetch_add(commits, Ordering::Relaxed);
        self.package_statements
            .fetch_add(statements, Ordering::Relaxed);
    }

    /// The Prometheus exposition text.
    pub fn render(&self) -> String {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP zk_password_hashes_total argon2id runs (hashes and verifications).\n");
        out.push_str("# TYPE zk_password_hashes_total counter\n");
        let _ = writeln!(out, "zk_password_hashes_total {}", self.password_hashes());
        for (name, help, value) in [
            (
                "zk_progress_batches_total",
                "Transactions of batched progress writes.",
                &self.progress_batches,
            ),
            (
                "zk_progress_writes_total",
                "Progress writes (block done) in those transactions.",
                &self.progress_writes,
            ),
            (
                "zk_progress_statements_total",
                "Database round trips of those transactions.",
                &self.progress_statements,
            ),
            (
                "zk_package_batches_total",
                "Transactions of batched SCORM commits.",
                &self.package_batches,
            ),
            (
                "zk_package_commits_total",
                "SCORM commits in those transactions.",
                &self.package_commits,
            ),
            (
                "zk_package_statements_total",
                "Database round trips of those transactions.",
                &self.package_statements,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP zk_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE zk_http_requests_total counter\n");
        for (route, s) in routes.iter() {
            for (method, status, n) in &s.counts {
                let _ = writeln!(out, "zk_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}");
            }
        }
        out.push_str("# HELP zk_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE zk_http_request_duration_seconds histogram\n");
        for (route, s) in routes.iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "zk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "zk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                s.latency_count
            );
            let _ = writeln!(
                out,
                "zk_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                s.latency_sum
            );
            let _ = writeln!(
                out,
                "zk_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                s.latency_count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_counts_and_buckets() {
        let m = super::Metrics::default();
        m.observe("GET", "/healthz", 200, std::time::Duration::from_millis(3));
        let text = m.render();
        assert!(text.contains(
            "zk_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ));
        assert!(text.contains(
            "zk_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "zk_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 0"
        ));
    }
}
