//! Split mode: gateway, tenant, content and billing as four processes of the real binary; the
//! core flow (operator creates member → admin accepts invite → logs in on the subdomain) and a
//! request to each service pass through the gateway.

use crate::support::App;
use std::{process::Stdio, time::Duration};
use tokio::process::{Child, Command};
use zk_test_support::free_port;

fn spawn(
    app: &App,
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
    let app = App::new().await;
    let (_, op) = app.operator("op@nzk.test").await;
    let (gw, tp, cp, bp) = (free_port(), free_port(), free_port(), free_port());
    let _tenant = spawn(&app, "tenant", tp, gw, &[]);
    let _content = spawn(&app, "content", cp, gw, &[]);
    let _billing = spawn(&app, "billing", bp, gw, &[]);
    let _gateway = spawn(
        &app,
        "gateway",
        gw,
        gw,
        &[
            ("ZK_TENANT_URL", format!("http://127.0.0.1:{tp}")),
            ("ZK_CONTENT_URL", format!("http://127.0.0.1:{cp}")),
            ("ZK_BILLING_URL", format!("http://127.0.0.1:{bp}")),
        ],
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for port in [tp, cp, bp, gw] {
        wait_healthy(&client, port).await;
    }
    let url = |path: &str| format!("http://127.0.0.1:{gw}{path}");
    let member_host = format!("split-zorg.localhost:{gw}");

    let res = client
        .post(url("/api/v1/tenants"))
        .header("host", format!("localhost:{gw}"))
        .bearer_auth(&op)
        .json(&serde_json::json!({ "slug": "split-zorg", "name": "Split Zorg", "admin_email": "beheer@split.test", "employee_count": 120 }))
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
    // Unknown hosts get a 404 from the process behind the gateway.
    let unknown = client
        .get(url("/"))
        .header("host", format!("nergens.localhost:{gw}"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}
