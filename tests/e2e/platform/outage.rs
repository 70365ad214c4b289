//! The database goes away for a moment (issue 25, item 2): a PostgreSQL restart under load fails
//! no request with 500. Reads are tried once more and succeed; a write that can't be done answers
//! 503 with `Retry-After` and keeps nothing, so the client's retry neither loses nor doubles it;
//! the pool reconnects by itself and the notifications between processes resume.
//!
//! The test restarts its own cluster (`TestCluster`), never the server the other tests share.

use crate::support::*;
use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use zk_test_support::cluster::TestCluster;

const BLOCKS: usize = 30;
const LEARNERS: usize = 3;

/// An answer: its status, whether it was a write, and its `Retry-After`.
type Answer = (StatusCode, bool, Option<String>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_restart_under_load_fails_nothing_with_500_and_loses_or_doubles_no_write() {
    let cluster = Arc::new(TestCluster::start().expect("a cluster of the test's own"));
    let app = TestApp::on_server(|p| zorgklas::app(p, None), &cluster.url, |_| {}).await;
    let m = app.member("herstart").await;
    let author = m.author().await;
    let blocks: Vec<Value> = (0..BLOCKS)
        .map(|i| json!({"type": "text", "markdown": format!("Stap {i}.")}))
        .collect();
    let module = author
        .publish_module(json!({"title": "Herstart", "minutes": 10, "blocks": blocks}))
        .await;
    let admin = m.admin().await;
    let mut learners = Vec::new();
    for n in 0..LEARNERS {
        let learner = m
            .user(&format!("leerling{n}@herstart.test"), Role::Learner)
            .await;
        let e = admin.enrol(&learner, &module.id).await;
        learners.push((learner, e));
    }
    // A second process on the same database, its module page cached before the restart.
    let browser = learners[0].0.login().await;
    let there = browser.on(&app.another_process().await);
    let module_path = format!("/leren/modules/{}", module.id);
    assert!(there
        .get(&module_path)
        .send()
        .await
        .text()
        .contains("Herstart"));
    assert!(there.get("/leren").send().await.text().contains("Herstart"));

    // (status, was it a write) of every answer; writes done per learner.
    let answers: Arc<Mutex<Vec<Answer>>> = Arc::default();
    let writes_done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (learner, e) in learners.iter().cloned() {
        let (answers, writes_done) = (answers.clone(), writes_done.clone());
        let module = module.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            for i in 0..BLOCKS {
                let block = module.block(i);
                // The client's own retry: a 503 says nothing was kept and when to try again.
                loop {
                    let res = learner
                        .post(&format!(
                            "/api/v1/learning/enrolments/{}/blocks/{block}/done",
                            e.id
                        ))
                        .json(&json!({}))
                        .send()
                        .await;
                    let retry_after = res
                        .headers
                        .get("retry-after")
                        .map(|v| v.to_str().unwrap().to_owned());
                    answers
                        .lock()
                        .unwrap()
                        .push((res.status, true, retry_after));
                    if res.status == StatusCode::OK {
                        break;
                    }
                    assert_eq!(
                        res.status,
                        StatusCode::SERVICE_UNAVAILABLE,
                        "{}",
                        res.text()
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                done.push(block);
                writes_done.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            (e.id.clone(), done)
        }));
    }
    let mut readers = Vec::new();
    for (learner, _) in &learners {
        let (learner, answers, stop) = (learner.clone(), answers.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let res = learner.get("/api/v1/learning/enrolments/mine").send().await;
                answers.lock().unwrap().push((res.status, false, None));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    {
        let page = browser.clone();
        let (answers, stop, path) = (answers.clone(), stop.clone(), module_path.clone());
        readers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let res = page.get(&path).send().await;
                answers.lock().unwrap().push((res.status, false, None));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }

    // Restart the database while the learners are busy.
    while writes_done.load(Ordering::SeqCst) < LEARNERS * 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut owner = app.db.owner().await.unwrap();
    let started: time::OffsetDateTime = sqlx::query_scalar("SELECT pg_postmaster_start_time()")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    drop(owner);
    let before = answers.lock().unwrap().len();
    tokio::task::spawn_blocking({
        let cluster = cluster.clone();
        move || cluster.restart()
    })
    .await
    .unwrap()
    .expect("pg_ctl restart");
    let mut written = Vec::new();
    for t in tasks {
        written.push(t.await.expect("a writer"));
    }
    stop.store(true, Ordering::SeqCst);
    for r in readers {
        r.await.expect("a reader");
    }

    let mut owner = app.db.owner().await.unwrap();
    let restarted: time::OffsetDateTime = sqlx::query_scalar("SELECT pg_postmaster_start_time()")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert!(restarted > started, "the database was restarted");
    let answers = answers.lock().unwrap().clone();
    assert!(answers.len() > before, "requests went on after the restart");
    // Not one 500: reads succeeded (their retry), writes succeeded or said 503 with Retry-After.
    for (status, write, retry_after) in &answers {
        if *write && *status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(retry_after.as_deref(), Some("2"));
        } else {
            assert_eq!(
                *status,
                StatusCode::OK,
                "a {} answered {status}",
                if *write { "write" } else { "read" }
            );
        }
    }
    // Every block a learner was told was done is done, once; nothing else is.
    for (enrolment, done) in &written {
        let mut rows: Vec<String> = sqlx::query_scalar(
            "SELECT block_id::text FROM content.block_progress WHERE enrolment_id = $1::uuid",
        )
        .bind(enrolment)
        .fetch_all(&mut owner)
        .await
        .unwrap();
        rows.sort();
        let mut expected = done.clone();
        expected.sort();
        assert_eq!(rows, expected);
    }
    let completed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM content.enrolments WHERE completed_at IS NOT NULL",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    assert_eq!(completed, LEARNERS as i64);

    // The notifications resumed: the other process's cached catalogue follows a new module.
    author
        .publish_module(json!({"title": "Nieuw na de herstart", "minutes": 5,
                               "blocks": [{"type": "text", "markdown": "Tekst."}]}))
        .await;
    let mut last = String::new();
    for _ in 0..100 {
        let res = there.get("/leren").send().await;
        last = format!("{} {}", res.status, res.text());
        if last.contains("Nieuw na de herstart") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        last.contains("Nieuw na de herstart"),
        "the other process never heard of the new module: {last}"
    );
}
