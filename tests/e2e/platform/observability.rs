//! What operators watch (`infra/observability`): the queue and pool gauges on `/metrics`, and
//! the dashboard and alert rules naming only metrics and queues the binary serves, so they
//! cannot drift from it.

use crate::support::*;
use std::{collections::BTreeSet, time::Duration};

/// The platform with SMTP delivery on (the mail queue is only measured then) towards a port
/// nobody listens on, and a delivery worker that tries once at start and then waits an hour:
/// queued mail stays queued.
async fn app_with_mail_waiting() -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    app_with(|c| {
        c.smtp_url = Some(zk_kernel::config::Secret::new(format!(
            "smtp://127.0.0.1:{port}"
        )));
        c.mail_poll = Duration::from_secs(3600);
    })
    .await
}

/// The value of the sample `series` (name and labels as rendered) in a scrape.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.parse().ok()
    })
}

#[tokio::test]
async fn metrics_show_queue_depths_and_the_database_pool() {
    let app = app_with_mail_waiting().await;
    // A new member's admin gets an invitation: one mail in the outbox. And a staff import
    // started five minutes ago (the import job first looks after 10 seconds).
    let member = app.member("wachtrij").await;
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query(
        "INSERT INTO tenant.staff_imports (tenant_id, id, created_by, encoding, status, total, started_at)
         VALUES ($1, gen_random_uuid(), gen_random_uuid(), 'utf-8', 'queued', 0, now() - interval '5 minutes')",
    )
    .bind(member.id)
    .execute(&mut owner)
    .await
    .unwrap();
    let scrape = app.visitor("").get("/metrics").send().await.text();
    let value = |series: &str| {
        sample(&scrape, series).unwrap_or_else(|| panic!("no {series} in:\n{scrape}"))
    };

    assert!(value("zk_queue_depth{queue=\"mail\"}") >= 1.0, "{scrape}");
    assert!(value("zk_queue_oldest_seconds{queue=\"mail\"}") >= 0.0);
    // Read across members through SECURITY DEFINER functions, as the application role.
    assert_eq!(value("zk_queue_depth{queue=\"imports\"}"), 1.0);
    assert!(value("zk_queue_oldest_seconds{queue=\"imports\"}") >= 300.0);
    assert_eq!(value("zk_queue_depth{queue=\"grades\"}"), 0.0);
    assert_eq!(value("zk_queue_oldest_seconds{queue=\"grades\"}"), 0.0);
    // The batching writers' in-memory queues, before and after their first use.
    for queue in ["progress", "package", "quiz_answers"] {
        assert_eq!(value(&format!("zk_queue_depth{{queue=\"{queue}\"}}")), 0.0);
    }

    let max = value("zk_db_pool_max{pool=\"app\"}");
    assert_eq!(max, f64::from(app.platform.config.db_max_connections));
    let idle = value("zk_db_pool_connections{pool=\"app\",state=\"idle\"}");
    let busy = value("zk_db_pool_connections{pool=\"app\",state=\"busy\"}");
    assert!(idle + busy >= 1.0 && idle + busy <= max, "{scrape}");
    assert_eq!(value("zk_db_pool_max{pool=\"owner\"}"), 2.0);
    assert_eq!(value("zk_db_pool_max{pool=\"authz\"}"), 1.0);
    // One family per name, whatever number of sources feeds it.
    assert_eq!(scrape.matches("# TYPE zk_queue_depth gauge\n").count(), 1);
}

#[tokio::test]
async fn without_smtp_the_outbox_is_no_queue() {
    // In the outbox-only mode (demo, development) nothing is ever sent: no mail depth to alert on.
    let app = app().await;
    app.member("zonder-smtp").await;
    let scrape = app.visitor("").get("/metrics").send().await.text();
    assert!(!scrape.contains("queue=\"mail\""), "{scrape}");
    assert!(
        scrape.contains("zk_queue_depth{queue=\"imports\"}"),
        "{scrape}"
    );
}

/// The PromQL expressions of the dashboard's panels and variables.
fn dashboard_exprs(dashboard: &Value, out: &mut Vec<String>) {
    match dashboard {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("expr" | "definition", Value::String(expr)) => out.push(expr.clone()),
                    _ => dashboard_exprs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| dashboard_exprs(v, out)),
        _ => {}
    }
}

/// The `expr:` values of a Prometheus rules file, inline or as a `|` block.
fn rule_exprs(yaml: &str) -> Vec<String> {
    let lines: Vec<&str> = yaml.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("expr:") else {
            continue;
        };
        if rest.trim() == "|" {
            let block = lines[i + 1..]
                .iter()
                .take_while(|l| l.trim().is_empty() || indent(l) > indent(line))
                .copied()
                .collect::<Vec<_>>()
                .join("\n");
            out.push(block);
        } else {
            out.push(rest.trim().to_owned());
        }
    }
    out
}

/// The values a label is matched against in `expr` (`queue="mail"`, `queue=~"a|b"`).
fn label_values(expr: &str, label: &str) -> Vec<String> {
    let mut out = Vec::new();
    let pattern = format!("{label}=");
    for (at, _) in expr.match_indices(&pattern) {
        // Not the tail of a longer label name.
        if expr[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = expr[at + pattern.len()..].trim_start_matches('~');
        if let Some(quoted) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
            out.extend(quoted.split('|').map(str::to_owned));
        }
    }
    out
}

#[tokio::test]
async fn the_dashboard_and_the_alerts_name_only_metrics_the_binary_serves() {
    let app = app_with_mail_waiting().await;
    let nzk = app.visitor("");
    nzk.get("/inloggen").expect(StatusCode::OK).await;
    let scrape = nzk.get("/metrics").send().await.text();

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/observability");
    let rules = std::fs::read_to_string(dir.join("alerts.yml")).unwrap();
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dashboard.json")).unwrap())
            .unwrap();
    let mut exprs = rule_exprs(&rules);
    let in_rules = exprs.len();
    dashboard_exprs(&dashboard, &mut exprs);
    assert!(in_rules >= 15 && exprs.len() > in_rules + 15, "{exprs:#?}");

    let mut metrics = BTreeSet::new();
    let mut recorded = BTreeSet::new();
    for expr in &exprs {
        for token in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')) {
            if token.contains(":zk_") {
                recorded.insert(token.to_owned());
            } else if token.starts_with("zk_") {
                metrics.insert(token.to_owned());
            }
        }
    }
    for name in &metrics {
        assert!(
            scrape.contains(&format!("\n{name}{{")) || scrape.contains(&format!("\n{name} ")),
            "{name} is used in infra/observability but not served on /metrics:\n{scrape}"
        );
    }
    // Every recorded series the rules and the dashboard use is one the rules record.
    for name in &recorded {
        assert!(
            rules.contains(&format!("- record: {name}\n")),
            "{name} is used but never recorded in alerts.yml"
        );
    }
    // And the queues and pools they select exist.
    for label in ["queue", "pool", "state"] {
        for value in exprs.iter().flat_map(|e| label_values(e, label)) {
            assert!(
                scrape.contains(&format!("{label}=\"{value}\"")),
                "{label}=\"{value}\" is selected in infra/observability but not served:\n{scrape}"
            );
        }
    }
    for name in [
        "zk_http_requests_total",
        "zk_http_request_duration_seconds_bucket",
        "zk_queue_depth",
        "zk_queue_oldest_seconds",
        "zk_db_pool_connections",
        "zk_db_pool_max",
    ] {
        assert!(metrics.contains(name), "{name} is watched: {metrics:?}");
    }
}
