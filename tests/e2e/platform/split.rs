//! Split mode: gateway, tenant, content, learning and billing as five processes of the real
//! binary; the core flow (operator creates member → admin accepts invite → logs in on the
//! subdomain), a learner's day (home, a block done, a quiz, the proof) and a request to each
//! service pass through the gateway, each answered by the process that owns it.

use crate::support::*;
use std::{process::Stdio, time::Duration};
use tokio::process::{Child, Command};
use zk_test_support::free_port;

/// Starts the binary as one `service` on `port` against the app's database.
fn spawn(
    app: &TestApp,
    service: &str,
    port: u16,
    gateway_port: u16,
    extra: &[(&str, String)],
) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zorgklas"));
    cmd.args([
        "serve",
        "--service",
        service,
        "--listen",
        &format!("127.0.0.1:{port}"),
    ])
    .env("DATABASE_URL", &app.db.owner_url)
    .env("ZK_APP_DATABASE_URL", &app.db.app_url)
    .env("ZK_PUBLIC_PORT", gateway_port.to_string())
    .env(
        "ZK_DATA_DIR",
        std::env::temp_dir().join(format!("zk-split-{}", app.db.name)),
    )
    .env("ZK_TRUSTED_PROXY_HOPS", "1")
    .env("RUST_LOG", "warn")
    .stdout(Stdio::null())
    .kill_on_drop(true);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn zorgklas")
}

async fn wait_healthy(client: &reqwest::Client, port: u16) {
    for _ in 0..100 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("process on port {port} did not become healthy");
}

fn cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

#[tokio::test]
async fn core_flow_through_separate_processes() {
    let app = app().await;
    let op = app.operator("op@nzk.test").await;
    let (gw, tp, cp, lp, bp, xp) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let _tenant = spawn(&app, "tenant", tp, gw, &[]);
    let _content = spawn(&app, "content", cp, gw, &[]);
    let _learning = spawn(&app, "learning", lp, gw, &[]);
    let _billing = spawn(&app, "billing", bp, gw, &[]);
    let _lti = spawn(&app, "lti", xp, gw, &[]);
    let _gateway = spawn(
        &app,
        "gateway",
        gw,
        gw,
        &[
            ("ZK_TENANT_URL", format!("http://127.0.0.1:{tp}")),
            ("ZK_CONTENT_URL", format!("http://127.0.0.1:{cp}")),
            ("ZK_LEARNING_URL", format!("http://127.0.0.1:{lp}")),
            ("ZK_BILLING_URL", format!("http://127.0.0.1:{bp}")),
            ("ZK_LTI_URL", format!("http://127.0.0.1:{xp}")),
        ],
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for port in [tp, cp, lp, bp, xp, gw] {
        wait_healthy(&client, port).await;
    }
    let url = |path: &str| format!("http://127.0.0.1:{gw}{path}");
    let member_host = format!("split-zorg.localhost:{gw}");

    let res = client
        .post(url("/api/v1/tenants"))
        .header("host", format!("localhost:{gw}"))
        .bearer_auth(op.token())
        .json(&json!({ "slug": "split-zorg", "name": "Split Zorg", "admin_email": "beheer@split.test", "employee_count": 120 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: serde_json::Value = res.json().await.unwrap();
    let invite = body["invite_url"].as_str().unwrap().to_owned();
    assert!(
        invite.starts_with(&format!("http://split-zorg.localhost:{gw}/uitnodiging/")),
        "{invite}"
    );
    let path = invite.split_once(&format!(":{gw}")).unwrap().1.to_owned();

    let form = client
        .get(url(&path))
        .header("host", &member_host)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let anonymous = cookie(&form, "zk_csrf").expect("csrf cookie from the tenant process");
    let html = form.text().await.unwrap();
    assert!(html.contains("beheer@split.test"));
    // The form's token is bound to that cookie by the tenant process's key.
    let csrf = zk_test_support::csrf_field(&html).expect("csrf field");

    let res = client
        .post(url(&path))
        .header("host", &member_host)
        .header("cookie", format!("zk_csrf={anonymous}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("password", "Split-Zorg-2026"),
            ("password_confirm", "Split-Zorg-2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let session = cookie(&res, "zk_session").expect("session");

    let res = client
        .post(url("/inloggen"))
        .header("host", &member_host)
        .header("cookie", format!("zk_csrf={anonymous}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "beheer@split.test"),
            ("password", "Split-Zorg-2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "login on the subdomain");
    let session2 = cookie(&res, "zk_session").expect("login session");
    assert_ne!(session, session2);

    let home = client
        .get(url("/"))
        .header("host", &member_host)
        .header("cookie", format!("zk_session={session2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("Split Zorg"));

    // Billing and content answer from their own processes, with the same session.
    let plan = client
        .get(url("/api/v1/billing/plan"))
        .header("host", &member_host)
        .header("cookie", format!("zk_session={session2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(plan.status(), 200);
    let plan: serde_json::Value = plan.json().await.unwrap();
    assert_eq!(plan["tier"], "50-249");
    assert_eq!(plan["yearly_excl_vat_cents"], 118_800);
    let catalog = client
        .get(url("/api/v1/catalog"))
        .header("host", &member_host)
        .header("cookie", format!("zk_session={session2}"))
        .send()
        .await
        .unwrap();
    assert_eq!(catalog.status(), 200);
    // The gateway routed them: the billing process counted the request, the tenant process did not.
    let billing_metrics = client
        .get(format!("http://127.0.0.1:{bp}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        billing_metrics.contains("route=\"/api/v1/billing/plan\",status=\"200\""),
        "{billing_metrics}"
    );
    let tenant_metrics = client
        .get(format!("http://127.0.0.1:{tp}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!tenant_metrics.contains("/api/v1/billing/plan"));
    learners_day(&app, &client, op.token(), gw, lp).await;

    // The LTI service answers its routes through the gateway: the member's (empty) JWKS.
    let jwks = client
        .get(url("/lti/jwks"))
        .header("host", format!("split-zorg.localhost:{gw}"))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
    assert_eq!(jwks.json::<Value>().await.unwrap(), json!({"keys": []}));
    let lti_metrics = client
        .get(format!("http://127.0.0.1:{xp}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        lti_metrics.contains("route=\"/lti/jwks\",status=\"200\""),
        "{lti_metrics}"
    );

    // Unknown hosts get a 404 from the process behind the gateway.
    let unknown = client
        .get(url("/"))
        .header("host", format!("nergens.localhost:{gw}"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

/// A learner's day through the gateway: NZK publishes a module with a quiz (content), the
/// member's admin enrols a learner (learning), who logs in (tenant), finds it on their home,
/// opens it, marks the text and the link done, passes the quiz and gets the proof, which anyone
/// can check (learning). The learning process answered every learning request.
async fn learners_day(app: &TestApp, client: &reqwest::Client, operator: &str, gw: u16, lp: u16) {
    let url = |path: &str| format!("http://127.0.0.1:{gw}{path}");
    let (nzk, member_host) = (
        format!("localhost:{gw}"),
        format!("split-zorg.localhost:{gw}"),
    );
    let res = client
        .post(url("/api/v1/content/modules"))
        .header("host", &nzk)
        .bearer_auth(operator)
        .json(&module("Valpreventie", "Kijk eerst om je heen."))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let draft: Value = res.json().await.unwrap();
    let module = draft["id"].as_str().unwrap().to_owned();
    let res = client
        .post(url(&format!("/api/v1/content/modules/{module}/publish")))
        .header("host", &nzk)
        .bearer_auth(operator)
        .json(&json!({"change_note": "Eerste versie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let blocks = &draft["draft"]["blocks"];
    let id = |i: usize| blocks[i]["id"].as_str().unwrap().to_owned();
    let question = &blocks[1]["questions"][0];

    let member = app.existing_member("split-zorg").await;
    let learner = member.user("zorg@split.test", Role::Learner).await;
    let admin = member.token_for("beheer@split.test").await;
    let token = learner.token();
    let res = client
        .post(url("/api/v1/learning/enrolments"))
        .header("host", &member_host)
        .bearer_auth(&admin)
        .json(&json!({"user_id": learner.id, "module_id": module}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let enrolment = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let session = learner.login().await.cookie;
    let page = |path: String| {
        let session = session.clone();
        let member_host = member_host.clone();
        async move {
            let res = client
                .get(url(&path))
                .header("host", &member_host)
                .header("cookie", format!("zk_session={session}"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path}");
            res.text().await.unwrap()
        }
    };
    assert!(page("/".into()).await.contains("Valpreventie"));
    assert!(page(format!("/leren/modules/{module}"))
        .await
        .contains("Kijk eerst om je heen."));
    for block in [id(0), id(2)] {
        let res = client
            .post(url(&format!(
                "/api/v1/learning/enrolments/{enrolment}/blocks/{block}/done"
            )))
            .header("host", &member_host)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let right = question["options"][0]["id"].as_str().unwrap();
    let res = client
        .post(url(&format!(
            "/api/v1/learning/enrolments/{enrolment}/attempts"
        )))
        .header("host", &member_host)
        .bearer_auth(token)
        .json(&json!({"block_id": id(1), "answers": {question["id"].as_str().unwrap(): [right]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = client
        .get(url("/api/v1/learning/proofs/mine"))
        .header("host", &member_host)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let proofs: Value = res.json().await.unwrap();
    let proof = &proofs["items"][0];
    assert_eq!(proof["module_title"], "Valpreventie", "{proofs}");
    assert!(
        page(format!("/leren/bewijzen/{}", proof["id"].as_str().unwrap()))
            .await
            .contains("Valpreventie")
    );
    let check = client
        .get(url(&format!("/bewijs/{}", proof["code"].as_str().unwrap())))
        .header("host", &member_host)
        .send()
        .await
        .unwrap();
    assert_eq!(check.status(), 200);

    let metrics = client
        .get(format!("http://127.0.0.1:{lp}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for route in [
        "route=\"/\",status=\"200\"",
        "route=\"/leren/modules/{id}\",status=\"200\"",
        "route=\"/api/v1/learning/enrolments/{id}/blocks/{block}/done\",status=\"200\"",
        "route=\"/api/v1/learning/enrolments/{id}/attempts\",status=\"201\"",
        "route=\"/bewijs/{code}\",status=\"200\"",
    ] {
        assert!(metrics.contains(route), "{route} in {metrics}");
    }
}

/// The routes a service's router declares (`.route("…"` in its source), with `{…}` segments
/// filled in.
fn declared_routes(file: &str) -> Vec<String> {
    let source =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
            .expect("router source");
    source
        .split(".route(")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('"')?;
            let rest = &rest[start + 1..];
            Some(rest[..rest.find('"')?].to_owned())
        })
        .map(|path| {
            path.split('/')
                .map(|seg| if seg.starts_with('{') { "x" } else { seg })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

#[test]
fn the_gateway_forwards_every_route_to_the_service_that_declares_it() {
    use zk_gateway::{service_for_path, Upstream};
    let mut wrong = Vec::new();
    for (file, owner) in [
        ("services/tenant/src/lib.rs", Upstream::Tenant),
        ("services/content/src/routes/mod.rs", Upstream::Content),
        ("services/learning/src/routes/mod.rs", Upstream::Learning),
        ("services/billing/src/lib.rs", Upstream::Billing),
        ("services/lti/src/routes/mod.rs", Upstream::Lti),
    ] {
        let routes = declared_routes(file);
        assert!(routes.len() > 10, "{file}: {routes:?}");
        for path in routes {
            if service_for_path(&path) != owner {
                wrong.push(format!(
                    "{path}: declared by {owner:?}, forwarded to {:?}",
                    service_for_path(&path)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A rolling restart (issue 25, item 3): two learning processes behind the gateway, learners
/// working through it; each process in turn gets SIGTERM, finishes what it was doing, exits 0
/// and is started again, while the gateway sends new requests to the other one. Not one request
/// fails, and every block a learner was told was done is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_of_two_learning_processes_fails_no_request() {
    use std::sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    };
    // More blocks than the learners write in the time the restarts take: they write until told
    // to stop, so that requests are in flight during both restarts however fast the machine is.
    const BLOCKS: usize = 200;
    let app = app().await;
    let m = app.member("rollend").await;
    let blocks: Vec<Value> = (0..BLOCKS)
        .map(|i| json!({"type": "text", "markdown": format!("Stap {i}.")}))
        .collect();
    let module = m
        .author()
        .await
        .publish_module(json!({"title": "Rollend", "minutes": 10, "blocks": blocks}))
        .await;
    let admin = m.admin().await;
    let mut learners = Vec::new();
    for n in 0..3 {
        let learner = m
            .user(&format!("leerling{n}@rollend.test"), Role::Learner)
            .await;
        let e = admin.enrol(&learner, &module.id).await;
        learners.push((learner.token().to_owned(), e.id.clone()));
    }

    let (gw, one, two, nobody) = (free_port(), free_port(), free_port(), free_port());
    let mut processes = [
        spawn(&app, "learning", one, gw, &[]),
        spawn(&app, "learning", two, gw, &[]),
    ];
    let elsewhere = format!("http://127.0.0.1:{nobody}");
    let _gateway = spawn(
        &app,
        "gateway",
        gw,
        gw,
        &[
            ("ZK_TENANT_URL", elsewhere.clone()),
            ("ZK_CONTENT_URL", elsewhere.clone()),
            (
                "ZK_LEARNING_URL",
                format!("http://127.0.0.1:{one},http://127.0.0.1:{two}"),
            ),
            ("ZK_BILLING_URL", elsewhere.clone()),
            ("ZK_LTI_URL", elsewhere),
        ],
    );
    let client = reqwest::Client::new();
    for port in [one, two, gw] {
        wait_healthy(&client, port).await;
    }
    let host = format!("rollend.localhost:{gw}");
    let url = move |path: &str| format!("http://127.0.0.1:{gw}{path}");

    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let (answered, writes) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for (token, enrolment) in learners.clone() {
        let (client, host, module) = (client.clone(), host.clone(), module.clone());
        let (failures, answered, writes) = (failures.clone(), answered.clone(), writes.clone());
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let mut written = 0;
            for i in 0..BLOCKS {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let res = client
                    .post(url(&format!(
                        "/api/v1/learning/enrolments/{enrolment}/blocks/{}/done",
                        module.block(i)
                    )))
                    .header("host", &host)
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await;
                answered.fetch_add(1, Ordering::SeqCst);
                match res {
                    Ok(r) if r.status() == 200 => {}
                    Ok(r) => failures
                        .lock()
                        .unwrap()
                        .push(format!("write: {}", r.status())),
                    Err(e) => failures.lock().unwrap().push(format!("write: {e}")),
                }
                writes.fetch_add(1, Ordering::SeqCst);
                written += 1;
                tokio::time::sleep(Duration::from_millis(60)).await;
            }
            written
        }));
    }
    let mut readers = Vec::new();
    for (token, _) in learners.clone() {
        let (client, host) = (client.clone(), host.clone());
        let (failures, answered, stop) = (failures.clone(), answered.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let res = client
                    .get(url("/api/v1/learning/enrolments/mine"))
                    .header("host", &host)
                    .bearer_auth(&token)
                    .send()
                    .await;
                answered.fetch_add(1, Ordering::SeqCst);
                match res {
                    Ok(r) if r.status() == 200 => {}
                    Ok(r) => failures
                        .lock()
                        .unwrap()
                        .push(format!("read: {}", r.status())),
                    Err(e) => failures.lock().unwrap().push(format!("read: {e}")),
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }

    // One process after the other: SIGTERM, a clean exit, started again, healthy.
    for (i, port) in [one, two].into_iter().enumerate() {
        let before = writes.load(Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while writes.load(Ordering::SeqCst) < before + 6 {
            assert!(
                std::time::Instant::now() < deadline,
                "the learners stopped writing"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let pid = processes[i].id().expect("a running process").to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(20), processes[i].wait())
            .await
            .expect("the process stops within its grace period")
            .unwrap();
        assert!(
            status.success(),
            "SIGTERM ends the process with 0: {status}"
        );
        processes[i] = spawn(&app, "learning", port, gw, &[]);
        wait_healthy(&client, port).await;
    }
    // A few more writes on the restarted processes, then stop.
    let before = writes.load(Ordering::SeqCst);
    while writes.load(Ordering::SeqCst) < before + 6 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let mut written = 0;
    for w in writers {
        written += w.await.unwrap();
    }
    for r in readers {
        r.await.unwrap();
    }
    let failures = failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {failures:?}",
        failures.len(),
        answered.load(Ordering::SeqCst)
    );
    let mut owner = app.db.owner().await.unwrap();
    let done: i64 = sqlx::query_scalar("SELECT count(*) FROM content.block_progress")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert!(
        written < BLOCKS * learners.len(),
        "the learners were still writing when the restarts were done"
    );
    assert_eq!(done, written as i64);
}
