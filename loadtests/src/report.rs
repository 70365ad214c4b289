//! Output: progress lines, the summary table, JSON lines and a markdown table.

use crate::stats::{RunStats, ScenarioSummary};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// One line per finished run, for the console.
pub fn run_line(r: &RunStats, rounds: u32) -> String {
    let statuses: Vec<String> = r.statuses.iter().map(|(c, n)| format!("{c}:{n}")).collect();
    let mut line = format!(
        "round {}/{} {:<8} c={:<3} {:>10.1} req/s  p50 {:>8.2} ms  p95 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms  ok {:>8}  errors {:>6}  statuses [{}]",
        r.round,
        rounds,
        r.scenario,
        r.concurrency,
        r.rps,
        r.p50_ms,
        r.p95_ms,
        r.p99_ms,
        r.max_ms,
        r.ok,
        r.errors,
        statuses.join(" ")
    );
    if let (Some(peak), Some(after)) = (r.server_rss_peak_mb, r.server_rss_after_mb) {
        let _ = write!(line, "  server RSS peak {peak:.1} MB, after {after:.1} MB");
    }
    if r.transport_errors > 0 {
        let _ = write!(line, "  transport errors {}", r.transport_errors);
    }
    if let Some(e) = &r.first_error {
        let _ = write!(line, "  (first error: {e})");
    }
    line
}

fn ratio_text(s: &ScenarioSummary) -> String {
    s.ratio_to_trivial
        .map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn rss_text(s: &ScenarioSummary) -> String {
    s.server_rss_peak_mb
        .map_or_else(|| "-".to_owned(), |mb| format!("{mb:.1}"))
}

/// The summary table: per scenario, the medians over rounds and the ratio to the trivial handler.
pub fn table(summaries: &[ScenarioSummary]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10} {:>6} {:>14} {:>10} {:>10} {:>10} {:>12} {:>10} {:>16}",
        "scenario",
        "rounds",
        "req/s (med)",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "vs trivial",
        "errors",
        "srv RSS peak MB"
    );
    for s in summaries {
        let _ = writeln!(
            out,
            "{:<10} {:>6} {:>14.1} {:>10.2} {:>10.2} {:>10.2} {:>12} {:>10} {:>16}",
            s.scenario,
            s.rounds,
            s.rps,
            s.p50_ms,
            s.p95_ms,
            s.p99_ms,
            ratio_text(s),
            s.errors,
            rss_text(s)
        );
    }
    out
}

/// The same table in markdown.
pub fn markdown(summaries: &[ScenarioSummary]) -> String {
    let mut out = String::from(
        "| Scenario | Rounds | req/s (median) | p50 ms | p95 ms | p99 ms | Ratio to trivial | Errors | Server RSS peak MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for s in summaries {
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
            s.scenario,
            s.rounds,
            s.rps,
            s.p50_ms,
            s.p95_ms,
            s.p99_ms,
            ratio_text(s),
            s.errors,
            rss_text(s)
        );
    }
    out
}

/// A run as a JSON object (`"type": "round"`).
pub fn run_json(r: &RunStats) -> Value {
    let statuses: serde_json::Map<String, Value> = r
        .statuses
        .iter()
        .map(|(c, n)| (c.to_string(), json!(n)))
        .collect();
    json!({
        "type": "round",
        "scenario": r.scenario,
        "round": r.round,
        "concurrency": r.concurrency,
        "elapsed_s": r.elapsed_s,
        "ok": r.ok,
        "errors": r.errors,
        "transport_errors": r.transport_errors,
        "rps": r.rps,
        "p50_ms": r.p50_ms,
        "p95_ms": r.p95_ms,
        "p99_ms": r.p99_ms,
        "mean_ms": r.mean_ms,
        "max_ms": r.max_ms,
        "statuses": statuses,
        "first_error": r.first_error,
        "server_rss_peak_mb": r.server_rss_peak_mb,
        "server_rss_after_mb": r.server_rss_after_mb,
    })
}

/// A scenario summary as a JSON object (`"type": "summary"`).
pub fn summary_json(s: &ScenarioSummary) -> Value {
    json!({
        "type": "summary",
        "scenario": s.scenario,
        "rounds": s.rounds,
        "rps_median": s.rps,
        "p50_ms_median": s.p50_ms,
        "p95_ms_median": s.p95_ms,
        "p99_ms_median": s.p99_ms,
        "ratio_to_trivial": s.ratio_to_trivial,
        "ok": s.ok,
        "errors": s.errors,
        "server_rss_peak_mb": s.server_rss_peak_mb,
    })
}
