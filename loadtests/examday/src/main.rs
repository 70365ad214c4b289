//! An exam morning, as goose user journeys (`loadtests/examday.sh` provisions and runs it).
//!
//! - **Learners** (already logged in: their sessions were made before the run, as they persist
//!   in real life) open the exam module, then answer its quiz of 16 questions over 8 pages: each
//!   page is saved (`POST …/pagina/{n}`, 303) and the next page is opened, with a think time of
//!   30–90 s (divided by `ZK_EXAM_SCALE`) between pages; the last page hands the quiz in. Then
//!   the goose user takes the next learner (every learner sits the exam once).
//! - **Teachers** open their group's overview every 30 s (÷ scale).
//! - **Admins** open the member's overview every 60 s (÷ scale).
//!
//! Time compression: with `ZK_EXAM_SCALE` = 50, one goose learner thinks 0.6–1.8 s and so
//! sends what 50 real learners send; the number of learners a run stands for is goose learners
//! × scale. Goose's own report is written with `--report-file`; this program also keeps every
//! request's latency per step (after `ZK_EXAM_WARMUP` seconds of ramp-up; errors from the start) and writes `ZK_EXAM_OUT` (JSON): per step the count, errors and
//! p50/p95/p99, and per learner the pages whose save was acknowledged (for the database check).
//!
//! Inputs (`ZK_EXAM_DIR`): `exam.json` (`module`, `block`, `questions`: [{`id`, `options`}]),
//! `learners.tsv` (host, session token, enrolment), `teachers.tsv` and `admins.tsv` (host,
//! session token, path). `ZK_EXAM_OFFSET` and `ZK_EXAM_COUNT` pick this run's slice of learners.

use goose::prelude::*;
use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex, OnceLock,
    },
    time::{Duration, Instant},
};

struct Exam {
    module: String,
    block: String,
    /// Per question: its id and its options' ids.
    questions: Vec<(String, Vec<String>)>,
}

struct Account {
    host: String,
    token: String,
    /// A learner's enrolment; a teacher's or admin's page.
    target: String,
}

#[derive(Default)]
struct Step {
    micros: Vec<u32>,
    errors: u64,
    statuses: BTreeMap<u16, u64>,
}

struct Data {
    exam: Exam,
    learners: Vec<Account>,
    teachers: Vec<Account>,
    admins: Vec<Account>,
    next_learner: AtomicUsize,
    next_teacher: AtomicUsize,
    next_admin: AtomicUsize,
    steps: Mutex<BTreeMap<&'static str, Step>>,
    /// Per learner index: pages whose save was acknowledged (303), and whether the hand-in was.
    acks: Mutex<BTreeMap<usize, (u32, bool)>>,
}

static DATA: OnceLock<Data> = OnceLock::new();
/// When the attack started, and how long its ramp-up lasts: latencies before then are left out
/// (every goose user sits down at once then, which no exam morning does); errors always count.
static START: OnceLock<(Instant, Duration)> = OnceLock::new();

fn data() -> &'static Data {
    DATA.get().expect("data loaded before the attack")
}

const PAGES: usize = 8;
const PER_PAGE: usize = 2;

fn env_num(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn accounts(path: &std::path::Path) -> anyhow::Result<Vec<Account>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let mut next = || f.next().unwrap_or_default().to_owned();
            Account {
                host: next(),
                token: next(),
                target: next(),
            }
        })
        .collect())
}

fn load() -> anyhow::Result<Data> {
    let dir = std::path::PathBuf::from(std::env::var("ZK_EXAM_DIR")?);
    let exam: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("exam.json"))?)?;
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let questions = exam["questions"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("exam.json has no questions"))?
        .iter()
        .map(|q| {
            let options = q["options"]
                .as_array()
                .map_or(vec![], |o| o.iter().map(s).collect());
            (s(&q["id"]), options)
        })
        .collect::<Vec<_>>();
    anyhow::ensure!(
        questions.len() == PAGES * PER_PAGE,
        "the exam has 16 questions"
    );
    let offset = env_num("ZK_EXAM_OFFSET", 0.0) as usize;
    let count = env_num("ZK_EXAM_COUNT", f64::MAX) as usize;
    let learners: Vec<Account> = accounts(&dir.join("learners.tsv"))?
        .into_iter()
        .skip(offset)
        .take(count)
        .collect();
    anyhow::ensure!(!learners.is_empty(), "no learners in this slice");
    Ok(Data {
        exam: Exam {
            module: s(&exam["module"]),
            block: s(&exam["block"]),
            questions,
        },
        learners,
        teachers: accounts(&dir.join("teachers.tsv"))?,
        admins: accounts(&dir.join("admins.tsv"))?,
        next_learner: AtomicUsize::new(0),
        next_teacher: AtomicUsize::new(0),
        next_admin: AtomicUsize::new(0),
        steps: Mutex::new(BTreeMap::new()),
        acks: Mutex::new(BTreeMap::new()),
    })
}

/// One request as the account, timed; `Ok(body)` when the status is `expect`.
async fn send(
    user: &mut GooseUser,
    step: &'static str,
    account: &Account,
    method: GooseMethod,
    path: &str,
    form: Option<&[(String, String)]>,
    expect: u16,
) -> Result<String, Box<TransactionError>> {
    let mut rb = user
        .get_request_builder(&method, path)?
        .header("Host", &account.host)
        .header("Cookie", format!("zk_session={}", account.token));
    if let Some(form) = form {
        rb = rb.form(form);
    }
    let request = GooseRequest::builder()
        .method(method)
        .path(path)
        .name(step)
        .expect_status_code(expect)
        .set_request_builder(rb)
        .build();
    let started = Instant::now();
    let result = user.request(request).await;
    let (status, body) = match result {
        Ok(goose) => match goose.response {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(_) => (0, String::new()),
        },
        Err(_) => (0, String::new()),
    };
    let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
    let warmed_up = START
        .get()
        .is_none_or(|(t0, warmup)| started.duration_since(*t0) >= *warmup);
    {
        let mut steps = data().steps.lock().unwrap();
        let s = steps.entry(step).or_default();
        if warmed_up {
            s.micros.push(micros);
        }
        *s.statuses.entry(status).or_default() += 1;
        if status != expect {
            s.errors += 1;
        }
    }
    if status == expect {
        Ok(body)
    } else {
        Err(Box::new(TransactionError::Custom(format!(
            "{step}: {status}, expected {expect}"
        ))))
    }
}

fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// A learner's place in the exam (goose session data).
#[derive(Clone)]
struct Sitting {
    learner: usize,
    /// The page on screen (1-based).
    page: usize,
    csrf: String,
}

fn quiz_path(enrolment: &str, page: usize) -> String {
    format!(
        "/leren/inschrijvingen/{enrolment}/toetsen/{}/pagina/{page}",
        data().exam.block
    )
}

/// A new learner sits down: the module page, then the quiz's first page.
async fn sit_down(user: &mut GooseUser) -> TransactionResult {
    let d = data();
    let i = d.next_learner.fetch_add(1, Ordering::Relaxed);
    let Some(account) = d.learners.get(i) else {
        // Every learner of this slice has sat the exam: this goose user waits out the run.
        user.set_session_data(Sitting {
            learner: usize::MAX,
            page: 0,
            csrf: String::new(),
        });
        return Ok(());
    };
    let module = format!("/leren/modules/{}", d.exam.module);
    send(
        user,
        "learner: module page",
        account,
        GooseMethod::Get,
        &module,
        None,
        200,
    )
    .await?;
    let html = send(
        user,
        "learner: quiz page",
        account,
        GooseMethod::Get,
        &quiz_path(&account.target, 1),
        None,
        200,
    )
    .await?;
    user.set_session_data(Sitting {
        learner: i,
        page: 1,
        csrf: csrf(&html),
    });
    Ok(())
}

/// The learner answers the page on screen (after thinking) and goes on: the next page, or the
/// hand-in and then the next learner.
async fn answer_page(user: &mut GooseUser) -> TransactionResult {
    let d = data();
    let Some(sitting) = user.get_session_data::<Sitting>() else {
        return sit_down(user).await;
    };
    let (i, page, token) = (sitting.learner, sitting.page, sitting.csrf.clone());
    if i == usize::MAX {
        return Ok(());
    }
    if page == 0 {
        return sit_down(user).await;
    }
    let account = &d.learners[i];
    let mut form = vec![("csrf".to_owned(), token)];
    for q in (page - 1) * PER_PAGE..page * PER_PAGE {
        let (id, options) = &d.exam.questions[q];
        form.push(("shown".into(), id.clone()));
        // Learners mostly know it: the first option (right) for 3 of 4 questions.
        let pick = if (i + q) % 4 == 3 { 1 } else { 0 };
        form.push((format!("q_{id}"), options[pick].clone()));
    }
    let last = page == PAGES;
    form.push((
        "actie".into(),
        if last { "inleveren" } else { "volgende" }.into(),
    ));
    let path = quiz_path(&account.target, page);
    let step = if last {
        "learner: hand in"
    } else {
        "learner: save page"
    };
    let saved = send(
        user,
        step,
        account,
        GooseMethod::Post,
        &path,
        Some(&form),
        303,
    )
    .await;
    if saved.is_ok() {
        let mut acks = d.acks.lock().unwrap();
        let a = acks.entry(i).or_insert((0, false));
        if last {
            a.1 = true;
        } else {
            a.0 += 1;
        }
    }
    if last {
        // Done (or refused): the next learner sits down after the think time.
        if let Some(s) = user.get_session_data_mut::<Sitting>() {
            s.page = 0;
        }
        return saved.map(|_| ());
    }
    saved?;
    let html = send(
        user,
        "learner: quiz page",
        account,
        GooseMethod::Get,
        &quiz_path(&account.target, page + 1),
        None,
        200,
    )
    .await?;
    if let Some(s) = user.get_session_data_mut::<Sitting>() {
        s.page = page + 1;
        s.csrf = csrf(&html);
    }
    Ok(())
}

/// Which teacher or admin account a goose user is (session data).
#[derive(Clone)]
struct Watcher(usize);

async fn watch(user: &mut GooseUser, admin: bool) -> TransactionResult {
    let d = data();
    let (list, next, step) = if admin {
        (&d.admins, &d.next_admin, "admin: member overview")
    } else {
        (&d.teachers, &d.next_teacher, "teacher: group overview")
    };
    let i = match user.get_session_data::<Watcher>() {
        Some(w) => w.0,
        None => {
            let i = next.fetch_add(1, Ordering::Relaxed) % list.len().max(1);
            user.set_session_data(Watcher(i));
            i
        }
    };
    let Some(account) = list.get(i) else {
        return Ok(());
    };
    let path = account.target.clone();
    send(user, step, account, GooseMethod::Get, &path, None, 200).await?;
    Ok(())
}

async fn teacher_refresh(user: &mut GooseUser) -> TransactionResult {
    watch(user, false).await
}

async fn admin_refresh(user: &mut GooseUser) -> TransactionResult {
    watch(user, true).await
}

/// Redirects are the learner's next step, not the client's: answered 303s are measured as such.
async fn no_redirects(user: &mut GooseUser) -> TransactionResult {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1);
    user.set_client_builder(builder).await?;
    Ok(())
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

fn write_out(elapsed: Duration) -> anyhow::Result<()> {
    let d = data();
    let mut steps = serde_json::Map::new();
    for (name, s) in d.steps.lock().unwrap().iter_mut() {
        s.micros.sort_unstable();
        steps.insert(
            (*name).to_owned(),
            serde_json::json!({
                "count": s.micros.len(), "errors": s.errors,
                "statuses": s.statuses.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
                "p50_ms": percentile(&s.micros, 0.50), "p95_ms": percentile(&s.micros, 0.95),
                "p99_ms": percentile(&s.micros, 0.99),
                "max_ms": s.micros.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
            }),
        );
    }
    let acks: Vec<serde_json::Value> = d
        .acks
        .lock()
        .unwrap()
        .iter()
        .map(|(i, (pages, handed_in))| {
            serde_json::json!({"enrolment": d.learners[*i].target, "pages": pages, "handed_in": handed_in})
        })
        .collect();
    let out = serde_json::json!({
        "seconds": elapsed.as_secs_f64(),
        "learners_started": d.next_learner.load(Ordering::Relaxed).min(d.learners.len()),
        "steps": steps,
        "acks": acks,
    });
    let path = std::env::var("ZK_EXAM_OUT").unwrap_or_else(|_| "examday-out.json".into());
    std::fs::write(path, serde_json::to_vec_pretty(&out)?)?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let loaded = load()?;
    DATA.set(loaded)
        .map_err(|_| anyhow::anyhow!("data loaded twice"))?;
    let scale = env_num("ZK_EXAM_SCALE", 1.0).max(1.0);
    let wait = |secs: f64| Duration::from_secs_f64(secs / scale);
    let started = Instant::now();
    let warmup = Duration::from_secs_f64(env_num("ZK_EXAM_WARMUP", 0.0));
    let _ = START.set((started, warmup));
    GooseAttack::initialize()?
        .register_scenario(
            scenario!("Learner")
                .set_weight(250)?
                .set_wait_time(wait(30.0), wait(90.0))?
                .register_transaction(transaction!(no_redirects).set_on_start())
                .register_transaction(transaction!(answer_page)),
        )
        .register_scenario(
            scenario!("Teacher")
                .set_weight(10)?
                .set_wait_time(wait(30.0), wait(30.0))?
                .register_transaction(transaction!(no_redirects).set_on_start())
                .register_transaction(transaction!(teacher_refresh)),
        )
        .register_scenario(
            scenario!("Admin")
                .set_weight(1)?
                .set_wait_time(wait(60.0), wait(60.0))?
                .register_transaction(transaction!(no_redirects).set_on_start())
                .register_transaction(transaction!(admin_refresh)),
        )
        .execute()
        .await?;
    write_out(started.elapsed())
}
