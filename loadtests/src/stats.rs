//! Pure statistics: percentiles over latency samples, medians over rounds, and the per-run and
//! per-scenario summaries built from them.

use std::collections::BTreeMap;

/// Nearest-rank percentile of an ascending slice (`p` in 0..=100); `None` when it is empty.
///
/// The nearest-rank method always returns an observed sample: p50 of `[1, 2, 3, 4]` is `2`,
/// p99 of 100 samples is the 99th smallest.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let p = p.clamp(0.0, 100.0);
    // ceil(p/100 * n), computed in f64; 1-based rank, at least 1.
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    let idx = rank.clamp(1, n) - 1;
    sorted.get(idx).copied()
}

/// Median of `values` (mean of the two middle values for an even count); `None` when empty.
/// NaNs sort last and should not be passed in.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// What one worker observed during one run.
#[derive(Debug, Default)]
pub struct WorkerTally {
    /// Latencies of successful, counted requests in microseconds (unsorted).
    pub latencies_us: Vec<u32>,
    /// Counted responses that did not meet the scenario's success rule.
    pub bad_responses: u64,
    /// Counted requests that failed below HTTP (connect, reset, timeout).
    pub transport_errors: u64,
    /// Status codes of all counted responses.
    pub statuses: BTreeMap<u16, u64>,
    /// The first transport error seen, for the report.
    pub first_error: Option<String>,
}

/// The result of one scenario run (one round).
#[derive(Clone, Debug)]
pub struct RunStats {
    /// Scenario name.
    pub scenario: String,
    /// Round number, starting at 1.
    pub round: u32,
    /// Concurrent workers.
    pub concurrency: usize,
    /// Measured seconds (warm-up excluded).
    pub elapsed_s: f64,
    /// Successful requests in the measured window.
    pub ok: u64,
    /// Failed requests (bad responses plus transport errors).
    pub errors: u64,
    /// Of `errors`, those that failed below HTTP.
    pub transport_errors: u64,
    /// Successful requests per second.
    pub rps: f64,
    /// Median latency of successful requests, ms.
    pub p50_ms: f64,
    /// 95th percentile latency of successful requests, ms.
    pub p95_ms: f64,
    /// 99th percentile latency of successful requests, ms.
    pub p99_ms: f64,
    /// Mean latency of successful requests, ms.
    pub mean_ms: f64,
    /// Largest latency of a successful request, ms.
    pub max_ms: f64,
    /// Status codes of all measured responses.
    pub statuses: BTreeMap<u16, u64>,
    /// The first transport error, if any.
    pub first_error: Option<String>,
    /// Largest `VmRSS` of the server sampled during the run, MB (with `--server-pid`).
    pub server_rss_peak_mb: Option<f64>,
    /// `VmRSS` of the server right after the run, MB (with `--server-pid`).
    pub server_rss_after_mb: Option<f64>,
}

impl RunStats {
    /// Merges the workers' tallies into one run summary.
    pub fn from_tallies(
        scenario: &str,
        round: u32,
        concurrency: usize,
        elapsed_s: f64,
        tallies: Vec<WorkerTally>,
    ) -> Self {
        let mut latencies: Vec<u32> =
            Vec::with_capacity(tallies.iter().map(|t| t.latencies_us.len()).sum());
        let mut statuses = BTreeMap::new();
        let (mut bad, mut transport) = (0u64, 0u64);
        let mut first_error = None;
        for t in tallies {
            latencies.extend_from_slice(&t.latencies_us);
            bad += t.bad_responses;
            transport += t.transport_errors;
            for (code, n) in t.statuses {
                *statuses.entry(code).or_insert(0) += n;
            }
            if first_error.is_none() {
                first_error = t.first_error;
            }
        }
        latencies.sort_unstable();
        let ok = latencies.len() as u64;
        let ms = |us: Option<u32>| us.map_or(0.0, |v| f64::from(v) / 1000.0);
        let mean_ms = if latencies.is_empty() {
            0.0
        } else {
            latencies.iter().map(|&v| f64::from(v)).sum::<f64>() / latencies.len() as f64 / 1000.0
        };
        Self {
            scenario: scenario.to_owned(),
            round,
            concurrency,
            elapsed_s,
            ok,
            errors: bad + transport,
            transport_errors: transport,
            rps: if elapsed_s > 0.0 {
                ok as f64 / elapsed_s
            } else {
                0.0
            },
            p50_ms: ms(percentile(&latencies, 50.0)),
            p95_ms: ms(percentile(&latencies, 95.0)),
            p99_ms: ms(percentile(&latencies, 99.0)),
            mean_ms,
            max_ms: ms(latencies.last().copied()),
            statuses,
            first_error,
            server_rss_peak_mb: None,
            server_rss_after_mb: None,
        }
    }
}

/// One scenario over all its rounds: medians of the rounds' figures.
#[derive(Clone, Debug)]
pub struct ScenarioSummary {
    /// Scenario name.
    pub scenario: String,
    /// Rounds run.
    pub rounds: usize,
    /// Median of the rounds' requests/s.
    pub rps: f64,
    /// Median of the rounds' p50, ms.
    pub p50_ms: f64,
    /// Median of the rounds' p95, ms.
    pub p95_ms: f64,
    /// Median of the rounds' p99, ms.
    pub p99_ms: f64,
    /// Errors over all rounds.
    pub errors: u64,
    /// Successful requests over all rounds.
    pub ok: u64,
    /// `rps` divided by the trivial handler's `rps`, when both are known.
    pub ratio_to_trivial: Option<f64>,
    /// Largest server `VmRSS` sampled during any of the scenario's rounds, MB.
    pub server_rss_peak_mb: Option<f64>,
}

/// Summarises the runs of each scenario (in `order`), with the ratio to `baseline`'s requests/s.
pub fn summarise(order: &[String], runs: &[RunStats], baseline: &str) -> Vec<ScenarioSummary> {
    let mut out: Vec<ScenarioSummary> = order
        .iter()
        .map(|name| {
            let mine: Vec<&RunStats> = runs.iter().filter(|r| &r.scenario == name).collect();
            let pick = |f: fn(&RunStats) -> f64| {
                median(&mine.iter().map(|r| f(r)).collect::<Vec<_>>()).unwrap_or(0.0)
            };
            ScenarioSummary {
                scenario: name.clone(),
                rounds: mine.len(),
                rps: pick(|r| r.rps),
                p50_ms: pick(|r| r.p50_ms),
                p95_ms: pick(|r| r.p95_ms),
                p99_ms: pick(|r| r.p99_ms),
                errors: mine.iter().map(|r| r.errors).sum(),
                ok: mine.iter().map(|r| r.ok).sum(),
                ratio_to_trivial: None,
                server_rss_peak_mb: mine
                    .iter()
                    .filter_map(|r| r.server_rss_peak_mb)
                    .reduce(f64::max),
            }
        })
        .collect();
    let base = out
        .iter()
        .find(|s| s.scenario == baseline && s.rounds > 0)
        .map(|s| s.rps);
    if let Some(base) = base.filter(|b| *b > 0.0) {
        for s in &mut out {
            s.ratio_to_trivial = Some(s.rps / base);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[1u32, 2, 3, 4], 50.0), Some(2));
        assert_eq!(percentile(&[7u32], 99.0), Some(7));
        assert_eq!(percentile::<u32>(&[], 50.0), None);
        // 1,000 samples: p99 is the 990th smallest, so ten slow outliers are just excluded.
        let mut w = vec![1u32; 990];
        w.extend(std::iter::repeat_n(500, 10));
        assert_eq!(percentile(&w, 99.0), Some(1));
        w.push(500);
        assert_eq!(percentile(&w, 99.0), Some(500));
    }

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    fn run(scenario: &str, rps: f64, p99: f64) -> RunStats {
        let mut r = RunStats::from_tallies(scenario, 1, 1, 1.0, vec![]);
        r.rps = rps;
        r.p99_ms = p99;
        r
    }

    #[test]
    fn merges_tallies() {
        let a = WorkerTally {
            latencies_us: vec![3000, 1000],
            bad_responses: 1,
            ..Default::default()
        };
        let mut b = WorkerTally {
            latencies_us: vec![2000],
            transport_errors: 2,
            ..Default::default()
        };
        b.statuses.insert(200, 1);
        let r = RunStats::from_tallies("x", 1, 2, 2.0, vec![a, b]);
        assert_eq!(r.ok, 3);
        assert_eq!(r.errors, 3);
        assert_eq!(r.transport_errors, 2);
        assert!((r.rps - 1.5).abs() < 1e-9);
        assert!((r.p50_ms - 2.0).abs() < 1e-9);
        assert!((r.p99_ms - 3.0).abs() < 1e-9);
        assert!((r.mean_ms - 2.0).abs() < 1e-9);
    }

    #[test]
    fn summary_uses_medians_and_ratio() {
        let order = vec!["trivial".to_owned(), "home".to_owned()];
        let runs = vec![
            run("trivial", 1000.0, 1.0),
            run("home", 300.0, 9.0),
            run("trivial", 3000.0, 2.0),
            run("home", 500.0, 30.0),
            run("trivial", 2000.0, 5.0),
            run("home", 400.0, 10.0),
        ];
        let s = summarise(&order, &runs, "trivial");
        assert_eq!(s[0].rps, 2000.0);
        assert_eq!(s[0].p99_ms, 2.0);
        assert_eq!(s[1].rps, 400.0);
        assert_eq!(s[1].p99_ms, 10.0);
        assert_eq!(s[1].ratio_to_trivial, Some(0.2));
        assert_eq!(s[1].server_rss_peak_mb, None);
        let without = summarise(&["home".to_owned()], &runs, "trivial");
        assert_eq!(without[0].ratio_to_trivial, None);
    }
}
