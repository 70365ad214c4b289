//! The embedded database: with no `DATABASE_URL`, a private PostgreSQL cluster under
//! `{data_dir}/pg`, created with the machine's `initdb` and started with `pg_ctl`.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::atomic::{AtomicBool, Ordering},
};

/// Whether this process started the cluster (and so stops it on shutdown).
static STARTED_HERE: AtomicBool = AtomicBool::new(false);

/// Port of the embedded cluster (`ZK_EMBEDDED_PG_PORT`, default 54329).
fn port() -> u16 {
    std::env::var("ZK_EMBEDDED_PG_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(54329)
}

/// A PostgreSQL tool (`pg_dump`, `initdb`, …): on PATH, else Debian's newest server folder.
pub fn find_bin(name: &str) -> Option<PathBuf> {
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    // Debian keeps the server tools out of PATH, one folder per major version.
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.is_file())
        .collect();
    versions.sort_by_key(|p| {
        p.components()
            .nth(4)
            .and_then(|c| c.as_os_str().to_str().and_then(|v| v.parse::<u32>().ok()))
            .unwrap_or(0)
    });
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool; as root it runs as the `postgres` user (initdb refuses root).
fn run(bin: &Path, args: &[&str], as_postgres: bool) -> anyhow::Result<std::process::Output> {
    let out = if as_postgres {
        Command::new("runuser")
            .arg("-u")
            .arg("postgres")
            .arg("--")
            .arg(bin)
            .args(args)
            .output()?
    } else {
        Command::new(bin).args(args).output()?
    };
    Ok(out)
}

/// Starts (creating if needed) the embedded cluster and returns the owner's `DATABASE_URL`.
pub fn start(data_dir: &Path) -> anyhow::Result<String> {
    let (url, started) = start_cluster(&data_dir.join("pg"), port())?;
    if started {
        STARTED_HERE.store(true, Ordering::SeqCst);
    }
    Ok(url)
}

/// Starts (creating if needed) a private cluster under `pg_dir` (data in `pg_dir/data`, its
/// socket and log beside it) on 127.0.0.1:`port`, superuser `zorgklas` with trust auth. Returns
/// the superuser's URL and whether this call started it (false: it was running).
pub fn start_cluster(pg_dir: &Path, port: u16) -> anyhow::Result<(String, bool)> {
    let (Some(initdb), Some(pg_ctl)) = (find_bin("initdb"), find_bin("pg_ctl")) else {
        anyhow::bail!(
            "PostgreSQL server tools (initdb, pg_ctl) were not found. Install them, e.g. \
             `apt-get install postgresql` on Debian/Ubuntu, or set DATABASE_URL to an existing server."
        );
    };
    let pg_dir = std::path::absolute(pg_dir)?;
    let cluster = pg_dir.join("data");
    let as_postgres = is_root();
    std::fs::create_dir_all(&pg_dir)?;
    if as_postgres {
        Command::new("chown")
            .arg("-R")
            .arg("postgres:postgres")
            .arg(&pg_dir)
            .status()?;
    }
    let cluster_s = cluster.to_string_lossy().to_string();
    if !cluster.join("PG_VERSION").exists() {
        tracing::info!(dir = %cluster.display(), "creating embedded PostgreSQL cluster");
        let out = run(
            &initdb,
            &[
                "-D",
                &cluster_s,
                "-U",
                "zorgklas",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            as_postgres,
        )?;
        if !out.status.success() {
            anyhow::bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let running = run(&pg_ctl, &["-D", &cluster_s, "status"], as_postgres)?
        .status
        .success();
    if !running {
        let opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {}",
            pg_dir.display()
        );
        let log = pg_dir.join("server.log").to_string_lossy().to_string();
        let out = run(
            &pg_ctl,
            &["-D", &cluster_s, "-o", &opts, "-l", &log, "-w", "start"],
            as_postgres,
        )?;
        if !out.status.success() {
            anyhow::bail!(
                "pg_ctl start failed (see {log}; is port {port} taken? set ZK_EMBEDDED_PG_PORT): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    Ok((
        format!("postgres://zorgklas@127.0.0.1:{port}/postgres?sslmode=disable"),
        !running,
    ))
}

/// Restarts the cluster under `pg_dir` (`pg_ctl restart -m fast`: sessions are ended, as in a
/// real restart or failover) with the options it was started with.
pub fn restart_cluster(pg_dir: &Path) -> anyhow::Result<()> {
    pg_ctl_run(pg_dir, &["-m", "fast", "-w", "restart"])
}

/// Stops the cluster under `pg_dir` (`pg_ctl stop -m fast`).
pub fn stop_cluster(pg_dir: &Path) -> anyhow::Result<()> {
    pg_ctl_run(pg_dir, &["-m", "fast", "-w", "stop"])
}

fn pg_ctl_run(pg_dir: &Path, args: &[&str]) -> anyhow::Result<()> {
    let pg_ctl = find_bin("pg_ctl").ok_or_else(|| anyhow::anyhow!("pg_ctl was not found"))?;
    let cluster = std::path::absolute(pg_dir.join("data"))?;
    let log = std::path::absolute(pg_dir.join("server.log"))?;
    let cluster = cluster.to_string_lossy();
    let log = log.to_string_lossy();
    let mut all = vec!["-D", &cluster, "-l", &log];
    all.extend_from_slice(args);
    let out = run(&pg_ctl, &all, is_root())?;
    if !out.status.success() {
        anyhow::bail!(
            "pg_ctl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Stops the embedded cluster if this process started it (after the server has shut down).
pub fn stop_if_started(data_dir: &Path) {
    if !STARTED_HERE.swap(false, Ordering::SeqCst) {
        return;
    }
    match stop_cluster(&data_dir.join("pg")) {
        Ok(()) => tracing::info!("embedded PostgreSQL stopped"),
        Err(e) => tracing::warn!(error = %e, "embedded PostgreSQL did not stop"),
    }
}
