//! `zk-load`: a small closed-loop HTTP load generator for the Zorgklas benchmarks.
//!
//! C workers each keep one HTTP/1.1 keep-alive connection and send requests back to back for a
//! warm-up plus D measured seconds, recording every request's latency. Scenarios: `trivial` (an
//! in-process axum handler, the baseline), `home` (a learner's home page on a member subdomain of
//! a running server) and `login` (the login form). With `--alternate N` the scenarios take turns
//! for N rounds and the summary shows medians over the rounds and each scenario's throughput as a
//! share of the trivial handler's. Only loopback targets are accepted.

mod client;
mod procmem;
mod report;
mod scenario;
mod scorm;
mod stats;
mod target;
mod trivial;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use scenario::Scenario;
use stats::RunStats;
use std::{
    fs::File,
    io::{BufWriter, Write},
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use target::Target;

/// Command line.
#[derive(Parser, Debug)]
#[command(
    name = "zk-load",
    version,
    about = "Closed-loop HTTP load generator for the Zorgklas benchmarks (loopback targets only)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run scenarios (the default when no subcommand is given).
    Bench(Box<BenchArgs>),
    /// Log in once and print the zk_session cookie value.
    Session(SessionArgs),
    /// GET a path until it answers 2xx (for scripts waiting on a server).
    Probe(ProbeArgs),
}

/// Where the Zorgklas server is and which member subdomain to use.
#[derive(Args, Debug, Clone)]
struct ServerArgs {
    /// Target IP address (127.0.0.0/8, ::1 or localhost only).
    #[arg(long, default_value = "127.0.0.1", value_parser = target::parse_loopback_ip)]
    ip: IpAddr,
    /// Port of the running Zorgklas server (needed for the home and login scenarios).
    #[arg(short, long)]
    port: Option<u16>,
    /// Member slug: requests go to `<tenant>.<base-domain>:<port>`.
    #[arg(long, default_value = "bench")]
    tenant: String,
    /// The server's base domain (ZK_BASE_DOMAIN).
    #[arg(long, default_value = "localhost")]
    base_domain: String,
    /// Host header to send instead of `<tenant>.<base-domain>:<port>`.
    #[arg(long)]
    host_header: Option<String>,
    /// Where packages play (ZK_PACKAGE_DOMAIN; default `pakket.<base-domain>`): the scorm
    /// scenario sends `Host: <tenant>.<package-domain>:<port>`.
    #[arg(long)]
    package_domain: Option<String>,
}

impl ServerArgs {
    fn target(&self) -> anyhow::Result<Target> {
        let port = self
            .port
            .context("--port is required for scenarios against the Zorgklas server")?;
        Target::new(SocketAddr::new(self.ip, port))
    }

    fn host(&self) -> anyhow::Result<String> {
        if let Some(h) = &self.host_header {
            return Ok(h.clone());
        }
        let port = self.port.context("--port is required")?;
        Ok(format!("{}.{}:{port}", self.tenant, self.base_domain))
    }

    /// The member's package host, where the player commits.
    fn package_host(&self) -> anyhow::Result<String> {
        let port = self.port.context("--port is required")?;
        Ok(match &self.package_domain {
            Some(d) => format!("{}.{d}:{port}", self.tenant),
            None => format!("{}.pakket.{}:{port}", self.tenant, self.base_domain),
        })
    }
}

/// Learner credentials.
#[derive(Args, Debug, Clone)]
struct Credentials {
    /// Learner e-mail address (for the login scenario, and to obtain a session).
    #[arg(long)]
    email: Option<String>,
    /// Learner password.
    #[arg(long, env = "ZK_LOAD_PASSWORD", hide_env_values = true)]
    password: Option<String>,
}

impl Credentials {
    fn get(&self) -> anyhow::Result<(&str, &str)> {
        match (&self.email, &self.password) {
            (Some(e), Some(p)) => Ok((e, p)),
            _ => bail!("--email and --password are required (for the login scenario, or to obtain a session)"),
        }
    }
}

#[derive(Args, Debug, Clone)]
struct BenchArgs {
    /// Scenarios to run, in order (repeat or comma-separate). Default: all three with --port,
    /// otherwise only trivial.
    #[arg(short, long = "scenario", value_enum, value_delimiter = ',')]
    scenarios: Vec<Scenario>,
    /// Run the scenarios alternately for N rounds and report medians over the rounds.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    alternate: u32,
    /// Concurrent workers (one keep-alive connection each).
    #[arg(short, long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: u32,
    /// Concurrent workers for the login scenario (default: --concurrency, at most 4: the server
    /// throttles in-flight logins of one account from one address at 5).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    login_concurrency: Option<u32>,
    /// Measured seconds per run.
    #[arg(short, long, default_value_t = 15.0, value_parser = parse_seconds)]
    duration: f64,
    /// Warm-up seconds per run (not counted).
    #[arg(long, default_value_t = 2.0, value_parser = parse_seconds_or_zero)]
    warmup: f64,
    /// Per-request timeout in seconds (a timeout counts as an error).
    #[arg(long, default_value_t = 10.0, value_parser = parse_seconds)]
    timeout: f64,
    /// Worker threads of the load generator's runtime (default: number of CPUs).
    #[arg(long)]
    threads: Option<usize>,
    /// Worker threads of the in-process trivial server's runtime (default: number of CPUs).
    #[arg(long)]
    trivial_threads: Option<usize>,
    /// Session cookie value for the home scenario (default: log in with --email/--password).
    #[arg(long, env = "ZK_LOAD_SESSION", hide_env_values = true)]
    session: Option<String>,
    /// Path of the learner home page.
    #[arg(long, default_value = "/")]
    home_path: String,
    /// Path of the catalogue page.
    #[arg(long, default_value = "/leren")]
    catalog_path: String,
    /// Path of a module page (the module scenario runs only when this is given).
    #[arg(long)]
    module_path: Option<String>,
    /// Path of a learning path page (the path scenario runs only when this is given).
    #[arg(long)]
    learning_path: Option<String>,
    /// Path of a catalogue search.
    #[arg(long, default_value = "/api/v1/catalog?q=medicijnen")]
    search_path: String,
    /// Path of the list of who is late (the late scenario; log in as the member's admin).
    #[arg(long, default_value = "/leren/overzicht?state=late")]
    late_path: String,
    /// File with one "block done" path per line (the progress scenario runs only when given).
    #[arg(long, value_name = "PATH")]
    progress_paths: Option<PathBuf>,
    /// File with one play-session token per line, one per virtual learner (the scorm scenario
    /// runs only when given).
    #[arg(long, value_name = "PATH")]
    scorm_tokens: Option<PathBuf>,
    /// A package block's path on the portal (`/leren/inschrijvingen/{id}/pakket/{block}`): the
    /// learner (`--email`) opens it once before the scorm scenario, and its play session is
    /// learner 0's.
    #[arg(long, value_name = "PATH")]
    scorm_open: Option<String>,
    /// The SCO the commits are for (the manifest's item identifier).
    #[arg(long, default_value = scorm::DEFAULT_UNIT)]
    scorm_unit: String,
    /// Also write every round and the summary as JSON lines to this file.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// PID of the server under test: sample its VmRSS (from /proc) during and after each run.
    #[arg(long, value_name = "PID")]
    server_pid: Option<u32>,
    /// Also write the summary as a markdown table to this file.
    #[arg(long, value_name = "PATH")]
    markdown: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    credentials: Credentials,
}

#[derive(Args, Debug, Clone)]
struct SessionArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    credentials: Credentials,
    /// Timeout in seconds.
    #[arg(long, default_value_t = 30.0, value_parser = parse_seconds)]
    timeout: f64,
}

#[derive(Args, Debug, Clone)]
struct ProbeArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Path to GET.
    #[arg(long, default_value = "/healthz")]
    path: String,
    /// Keep trying for this many seconds (0: try once).
    #[arg(long, default_value_t = 0.0, value_parser = parse_seconds_or_zero)]
    wait: f64,
}

fn parse_seconds_or_zero(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !v.is_finite() || !(0.0..=3600.0).contains(&v) {
        return Err("must be between 0 and 3600 seconds".into());
    }
    Ok(v)
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    let v = parse_seconds_or_zero(s)?;
    if v <= 0.0 {
        return Err("must be more than 0 seconds".into());
    }
    Ok(v)
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let threads = match &cli.command {
        Some(Command::Bench(b)) => b.threads,
        None => cli.bench.threads,
        _ => Some(1),
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all().thread_name("zk-load");
    if let Some(n) = threads {
        builder.worker_threads(n.max(1));
    }
    let rt = builder.build().context("building the tokio runtime")?;
    match cli.command {
        None => rt.block_on(bench(cli.bench)),
        Some(Command::Bench(b)) => rt.block_on(bench(*b)),
        Some(Command::Session(s)) => rt.block_on(session(s)),
        Some(Command::Probe(p)) => rt.block_on(probe(p)),
    }
}

async fn session(args: SessionArgs) -> anyhow::Result<()> {
    let (email, password) = args.credentials.get()?;
    let token = scenario::obtain_session(
        args.server.target()?,
        &args.server.host()?,
        email,
        password,
        Duration::from_secs_f64(args.timeout),
    )
    .await?;
    println!("{token}");
    Ok(())
}

async fn probe(args: ProbeArgs) -> anyhow::Result<()> {
    let target = args.server.target()?;
    let host = args
        .server
        .host_header
        .clone()
        .unwrap_or_else(|| target.to_string());
    let template = client::Template::new(
        http::Method::GET,
        &args.path,
        &host,
        client::Expect::TwoOrThree,
    )?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(args.wait);
    loop {
        let last = match client::send_once(target, &template, Duration::from_secs(5)).await {
            Ok(res) if template.expect.is_success(res.status(), res.headers()) => return Ok(()),
            Ok(res) => format!("status {}", res.status()),
            Err(e) => format!("{e:#}"),
        };
        if tokio::time::Instant::now() >= deadline {
            bail!("GET {} on {target}: {last}", args.path);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A scenario ready to run: where it goes and what it sends.
struct Prepared {
    scenario: Scenario,
    target: Target,
    template: Arc<client::Template>,
    concurrency: usize,
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let mut scenarios = args.scenarios.clone();
    if scenarios.is_empty() {
        scenarios = if args.server.port.is_some() {
            let mut v = vec![Scenario::Trivial, Scenario::Home, Scenario::Catalog];
            if args.module_path.is_some() {
                v.push(Scenario::Module);
            }
            if args.learning_path.is_some() {
                v.push(Scenario::Path);
            }
            v.push(Scenario::Search);
            if args.progress_paths.is_some() {
                v.push(Scenario::Progress);
            }
            if args.scorm_tokens.is_some() {
                v.push(Scenario::Scorm);
            }
            v.push(Scenario::Login);
            v
        } else {
            vec![Scenario::Trivial]
        };
    }
    let mut seen = Vec::new();
    scenarios.retain(|s| {
        if seen.contains(s) {
            false
        } else {
            seen.push(*s);
            true
        }
    });

    // Check everything that can be checked before any load is sent.
    let server_target = if scenarios.iter().any(|s| s.needs_server()) {
        Some(args.server.target()?)
    } else {
        None
    };
    let host = if server_target.is_some() {
        Some(args.server.host()?)
    } else {
        None
    };
    if scenarios.contains(&Scenario::Module) && args.module_path.is_none() {
        bail!("the module scenario needs --module-path");
    }
    if scenarios.contains(&Scenario::Path) && args.learning_path.is_none() {
        bail!("the path scenario needs --learning-path");
    }
    let progress_paths: Vec<String> = match &args.progress_paths {
        Some(file) => std::fs::read_to_string(file)
            .with_context(|| format!("reading {}", file.display()))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    };
    if scenarios.contains(&Scenario::Progress) && progress_paths.is_empty() {
        bail!("the progress scenario needs --progress-paths with at least one path");
    }
    let mut scorm_tokens: Vec<String> = match &args.scorm_tokens {
        Some(file) => std::fs::read_to_string(file)
            .with_context(|| format!("reading {}", file.display()))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    };
    let scorm_open = args
        .scorm_open
        .as_ref()
        .filter(|_| scenarios.contains(&Scenario::Scorm));
    if scenarios.contains(&Scenario::Scorm) && scorm_tokens.is_empty() && scorm_open.is_none() {
        bail!("the scorm scenario needs --scorm-tokens (or --scorm-open)");
    }
    if scenarios.contains(&Scenario::Login)
        || (scenarios.iter().any(|s| s.needs_session()) && args.session.is_none())
        || (scorm_open.is_some() && args.session.is_none())
    {
        args.credentials.get()?;
    }
    if let Some(pid) = args.server_pid {
        if procmem::read_mb(pid, "VmRSS").is_none() {
            bail!("--server-pid {pid}: no such process (or no /proc/{pid}/status)");
        }
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let shape = client::LoadShape {
        concurrency: args.concurrency as usize,
        warmup: Duration::from_secs_f64(args.warmup),
        duration: Duration::from_secs_f64(args.duration),
        request_timeout: timeout,
    };

    let trivial_server = if scenarios.contains(&Scenario::Trivial) {
        let s = trivial::TrivialServer::start(args.trivial_threads)?;
        eprintln!("trivial handler listening on {}", s.addr());
        Some(s)
    } else {
        None
    };

    let mut prepared = Vec::new();
    // One login serves every scenario with a session.
    let mut session: Option<String> = None;
    for &s in &scenarios {
        let (target, template, concurrency) = match s {
            Scenario::Trivial => {
                let addr = trivial_server
                    .as_ref()
                    .map(trivial::TrivialServer::addr)
                    .context("trivial server not started")?;
                let target = Target::new(addr)?;
                (
                    target,
                    scenario::trivial_template(target)?,
                    shape.concurrency,
                )
            }
            Scenario::Home
            | Scenario::Catalog
            | Scenario::Module
            | Scenario::Path
            | Scenario::Search
            | Scenario::Progress
            | Scenario::Late => {
                let (target, host) = server_target
                    .zip(host.as_deref())
                    .context("no server target")?;
                let session = match (&args.session, &session) {
                    (Some(given), _) => given.clone(),
                    (None, Some(got)) => got.clone(),
                    (None, None) => {
                        let (email, password) = args.credentials.get()?;
                        let got = scenario::obtain_session(target, host, email, password, timeout)
                            .await?;
                        eprintln!("logged in as {email} on {host}");
                        session = Some(got.clone());
                        got
                    }
                };
                let path = match s {
                    Scenario::Catalog => args.catalog_path.clone(),
                    Scenario::Module => args.module_path.clone().unwrap_or_default(),
                    Scenario::Path => args.learning_path.clone().unwrap_or_default(),
                    Scenario::Search => args.search_path.clone(),
                    Scenario::Late => args.late_path.clone(),
                    _ => args.home_path.clone(),
                };
                let template = if s == Scenario::Progress {
                    // The CSRF token for the session, as the learner's pages hand it to scripts.
                    let page = scenario::home_template(host, &args.home_path, &session)?;
                    let res = client::send_once(target, &page, timeout).await?;
                    let csrf = scenario::meta_csrf(&String::from_utf8_lossy(res.body()))
                        .context("the home page has no csrf-token meta tag")?;
                    scenario::progress_template(host, &progress_paths, &session, &csrf)?
                } else {
                    scenario::home_template(host, &path, &session)?
                };
                // One request up front, so a wrong setup fails loudly instead of as 100% errors.
                let res = client::send_once(target, &template, timeout).await?;
                if !template.expect.is_success(res.status(), res.headers()) {
                    bail!(
                        "{} {} on {host} with the session answered {} (location {:?}), expected 200",
                        template.method,
                        template.request().uri(),
                        res.status(),
                        res.headers().get(http::header::LOCATION)
                    );
                }
                (target, template, shape.concurrency)
            }
            Scenario::Scorm => {
                let (target, host) = server_target
                    .zip(host.as_deref())
                    .context("no server target")?;
                if let Some(path) = scorm_open {
                    // The learner opens the package block as the module page's frame does:
                    // 303 to the player on the package host, whose token is learner 0's.
                    let session = match (&args.session, &session) {
                        (Some(given), _) => given.clone(),
                        (None, Some(got)) => got.clone(),
                        (None, None) => {
                            let (email, password) = args.credentials.get()?;
                            let got =
                                scenario::obtain_session(target, host, email, password, timeout)
                                    .await?;
                            session = Some(got.clone());
                            got
                        }
                    };
                    let open = scenario::home_template(host, path, &session)?;
                    let res = client::send_once(target, &open, timeout).await?;
                    let location = res
                        .headers()
                        .get(http::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    let token = (res.status() == http::StatusCode::SEE_OTHER)
                        .then(|| scorm::token_from_location(location))
                        .flatten()
                        .with_context(|| {
                            format!(
                                "GET {path} answered {} (location {location:?}), expected 303 to the player",
                                res.status()
                            )
                        })?;
                    let expected = args.server.package_host()?;
                    if !location.contains(&format!("//{expected}/")) {
                        bail!(
                            "the player is at {location}, not on {expected} (set --package-domain)"
                        );
                    }
                    eprintln!("opened {path}: the player is at {location}");
                    scorm_tokens.insert(0, token.to_owned());
                }
                let load = format!(
                    "zk-load-{}-{}",
                    std::process::id(),
                    SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0)
                );
                let commits = scorm::Commits::new(&scorm_tokens, &args.scorm_unit, &load)?;
                eprintln!(
                    "scorm: {} learners, {} bytes per commit",
                    commits.learners(),
                    commits.body(0, 1).len()
                );
                let package_host = args.server.package_host()?;
                let template = scenario::scorm_template(&package_host, Arc::new(commits))?;
                // One commit up front, so a wrong setup fails loudly instead of as 100% errors.
                let res = client::send_once(target, &template, timeout).await?;
                if !template.expect.is_success(res.status(), res.headers()) {
                    bail!(
                        "a commit on {package_host} answered {}: {}, expected 200",
                        res.status(),
                        String::from_utf8_lossy(res.body())
                    );
                }
                (target, template, shape.concurrency)
            }
            Scenario::Login => {
                let (target, host) = server_target
                    .zip(host.as_deref())
                    .context("no server target")?;
                let (email, password) = args.credentials.get()?;
                let form = scenario::obtain_login_form(target, host, timeout).await?;
                let template = scenario::login_template(host, email, password, &form)?;
                let c = args.login_concurrency.map_or(
                    shape.concurrency.min(scenario::MAX_LOGIN_CONCURRENCY),
                    |c| c as usize,
                );
                (target, template, c)
            }
        };
        prepared.push(Prepared {
            scenario: s,
            target,
            template: Arc::new(template),
            concurrency,
        })
    }

    let mut json = match &args.json {
        Some(path) => {
            let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
            Some(BufWriter::new(f))
        }
        None => None,
    };
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if let Some(w) = json.as_mut() {
        let meta = serde_json::json!({
            "type": "meta",
            "unix_time": unix,
            "cpus": cpus,
            "rounds": args.alternate,
            "concurrency": args.concurrency,
            "login_concurrency": args.login_concurrency.map_or(
                (args.concurrency as usize).min(scenario::MAX_LOGIN_CONCURRENCY),
                |c| c as usize
            ),
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "scenarios": scenarios.iter().map(|s| s.name()).collect::<Vec<_>>(),
            "server": server_target.map(|t| t.to_string()),
            "host": host,
            "server_pid": args.server_pid,
        });
        writeln!(w, "{meta}")?;
        w.flush()?;
    }

    eprintln!(
        "{} round(s) of {} | {} s warm-up + {} s measured per run | {} CPUs",
        args.alternate,
        scenarios
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", "),
        args.warmup,
        args.duration,
        cpus
    );
    let mut runs: Vec<RunStats> = Vec::new();
    for round in 1..=args.alternate {
        for p in &prepared {
            let shape = client::LoadShape {
                concurrency: p.concurrency,
                ..shape
            };
            let sampler = match (args.server_pid, p.scenario.needs_server()) {
                (Some(pid), true) => Some(procmem::RssSampler::start(pid)),
                _ => None,
            };
            let mut r = client::run_load(
                p.target,
                p.template.clone(),
                shape,
                p.scenario.name(),
                round,
            )
            .await?;
            if let (Some(sampler), Some(pid)) = (sampler, args.server_pid) {
                r.server_rss_peak_mb = sampler.finish().await;
                r.server_rss_after_mb = procmem::read_mb(pid, "VmRSS");
            }
            println!("{}", report::run_line(&r, args.alternate));
            if let Some(w) = json.as_mut() {
                writeln!(w, "{}", report::run_json(&r))?;
                w.flush()?;
            }
            runs.push(r);
        }
    }
    if let Some(s) = trivial_server {
        s.stop()?;
    }

    let order: Vec<String> = scenarios.iter().map(|s| s.name().to_owned()).collect();
    let summaries = stats::summarise(&order, &runs, Scenario::Trivial.name());
    println!();
    print!("{}", report::table(&summaries));
    if let Some(w) = json.as_mut() {
        for s in &summaries {
            writeln!(w, "{}", report::summary_json(s))?;
        }
        w.flush()?;
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, report::markdown(&summaries))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let failed: Vec<&str> = summaries
        .iter()
        .filter(|s| s.ok == 0)
        .map(|s| s.scenario.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("no successful requests in: {}", failed.join(", "));
    }
    Ok(())
}
