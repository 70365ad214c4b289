//! Metrics in the Prometheus text format: counts and latency histograms per route, counters the
//! services feed, and gauges read at scrape time from the sources the kernel and the services
//! register ([`Metrics::add_gauges`]: queue depths, connection pools).

use futures_util::{
    future::{join_all, BoxFuture},
    FutureExt,
};
use std::{
    collections::HashMap,
    fmt::Write,
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

/// How long one gauge source may take at scrape time; a slower one (a database that does not
/// answer) is left out of that scrape rather than holding it up.
const GAUGE_TIMEOUT: Duration = Duration::from_secs(2);

/// One gauge reading: the metric's name and help, its labels and its value now.
#[derive(Clone, Debug, PartialEq)]
pub struct Gauge {
    /// The metric's name (`zk_…`).
    pub name: &'static str,
    /// Its `# HELP` text (the first reading's, when sources differ).
    pub help: &'static str,
    /// Label names and values, in the order rendered.
    pub labels: Vec<(&'static str, String)>,
    /// The value now.
    pub value: f64,
}

impl Gauge {
    /// A reading of `name` with the labels `labels`.
    pub fn new(
        name: &'static str,
        help: &'static str,
        labels: &[(&'static str, &str)],
        value: f64,
    ) -> Self {
        Self {
            name,
            help,
            labels: labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            value,
        }
    }
}

/// `zk_queue_depth{queue}`: items waiting in a queue (or being worked on).
pub fn queue_depth(queue: &str, depth: i64) -> Gauge {
    Gauge::new(
        "zk_queue_depth",
        "Items waiting in a queue (or being worked on).",
        &[("queue", queue)],
        depth as f64,
    )
}

/// The two gauges of a durable queue: [`queue_depth`], and `zk_queue_oldest_seconds{queue}`,
/// how long the oldest item has waited (0 when empty).
pub fn queue_gauges(queue: &str, depth: i64, oldest_seconds: f64) -> Vec<Gauge> {
    vec![
        queue_depth(queue, depth),
        Gauge::new(
            "zk_queue_oldest_seconds",
            "How long the oldest item in a queue has waited.",
            &[("queue", queue)],
            oldest_seconds,
        ),
    ]
}

/// A source of gauges, read at every scrape.
type GaugeSource = Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<Vec<Gauge>>> + Send + Sync>;

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
    /// Named gauge sources (one per name: registering a name again replaces it).
    gauges: Mutex<Vec<(&'static str, GaugeSource)>>,
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

    /// Registers a source of gauges under `name`, read at every scrape: how a service adds its
    /// figures (a queue's depth) without the kernel knowing them. Registering a name again
    /// replaces the source (a router built twice on one platform).
    pub fn add_gauges<F, Fut>(&self, name: &'static str, read: F)
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<Vec<Gauge>>> + Send + 'static,
    {
        let source: GaugeSource = Arc::new(move || read().boxed());
        let mut gauges = self.gauges.lock().unwrap_or_else(|e| e.into_inner());
        gauges.retain(|(n, _)| *n != name);
        gauges.push((name, source));
    }

    /// Reads every gauge source at once; a source that fails or takes longer than
    /// [`GAUGE_TIMEOUT`] is left out (and logged), so a scrape always answers.
    pub async fn read_gauges(&self) -> Vec<Gauge> {
        let sources: Vec<_> = self
            .gauges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let reads = sources.iter().map(|(name, read)| async move {
            match tokio::time::timeout(GAUGE_TIMEOUT, read()).await {
                Ok(Ok(gauges)) => gauges,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, metrics.source = name, "gauge source failed");
                    Vec::new()
                }
                Err(_) => {
                    tracing::warn!(metrics.source = name, "gauge source timed out");
                    Vec::new()
                }
            }
        });
        join_all(reads).await.into_iter().flatten().collect()
    }

    /// The Prometheus exposition text of the counters and histograms.
    pub fn render(&self) -> String {
        self.render_with(&[])
    }

    /// The Prometheus exposition text with `gauges` (from [`Self::read_gauges`]) added, each
    /// metric's readings under one `# HELP`/`# TYPE`.
    pub fn render_with(&self, gauges: &[Gauge]) -> String {
        let mut out = String::new();
        let mut names: Vec<&'static str> = Vec::new();
        for g in gauges {
            if !names.contains(&g.name) {
                names.push(g.name);
            }
        }
        for name in names {
            let mut family = gauges.iter().filter(|g| g.name == name).peekable();
            if let Some(first) = family.peek() {
                let _ = writeln!(out, "# HELP {name} {}\n# TYPE {name} gauge", first.help);
            }
            for g in family {
                out.push_str(name);
                if !g.labels.is_empty() {
                    out.push('{');
                    for (i, (k, v)) in g.labels.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let _ = write!(out, "{k}=\"{}\"", escape_label(v));
                    }
                    out.push('}');
                }
                let _ = writeln!(out, " {}", g.value);
            }
        }
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
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

/// A label value as the text format wants it (backslash, quote and newline escaped).
fn escape_label(v: &str) -> std::borrow::Cow<'_, str> {
    if v.contains(['\\', '"', '\n']) {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .into()
    } else {
        v.into()
    }
}

#[cfg(test)]
mod tests {
    use super::{Gauge, Metrics};

    #[tokio::test]
    async fn gauges_of_several_sources_share_one_family() {
        let m = Metrics::default();
        m.add_gauges("mail", || async {
            Ok(vec![Gauge::new(
                "zk_queue_depth",
                "Items waiting.",
                &[("queue", "mail")],
                3.0,
            )])
        });
        m.add_gauges("progress", || async {
            Ok(vec![
                Gauge::new(
                    "zk_queue_depth",
                    "Items waiting.",
                    &[("queue", "progress")],
                    0.0,
                ),
                Gauge::new("zk_db_pool_max", "Pool size.", &[], 10.0),
            ])
        });
        let text = m.render_with(&m.read_gauges().await);
        assert_eq!(
            text.matches("# TYPE zk_queue_depth gauge").count(),
            1,
            "{text}"
        );
        assert!(text.contains(
            "# TYPE zk_queue_depth gauge\nzk_queue_depth{queue=\"mail\"} 3\nzk_queue_depth{queue=\"progress\"} 0\n"
        ), "{text}");
        assert!(text.contains("zk_db_pool_max 10\n"), "{text}");
    }

    #[tokio::test]
    async fn a_failing_source_is_left_out_and_a_name_registered_again_replaces_it() {
        let m = Metrics::default();
        m.add_gauges("broken", || async { Err(anyhow::anyhow!("database down")) });
        m.add_gauges("ok", || async {
            Ok(vec![Gauge::new("zk_a", "A.", &[], 1.0)])
        });
        assert_eq!(m.read_gauges().await.len(), 1);
        m.add_gauges("ok", || async {
            Ok(vec![Gauge::new("zk_a", "A.", &[], 2.0)])
        });
        let gauges = m.read_gauges().await;
        assert_eq!(gauges, [Gauge::new("zk_a", "A.", &[], 2.0)]);
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::default();
        let text = m.render_with(&[Gauge::new("zk_a", "A.", &[("q", "a\"b\\c")], 1.0)]);
        assert!(text.contains("zk_a{q=\"a\\\"b\\\\c\"} 1"), "{text}");
    }

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
