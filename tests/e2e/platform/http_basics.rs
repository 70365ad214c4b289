//! Probes, metrics, OpenAPI coverage, security headers, unknown hosts, language switch.

use crate::support::*;

/// Every JSON route of the platform (method, path template, host side).
const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/tenants"),
    ("post", "/api/v1/tenants"),
    ("get", "/api/v1/tenants/{slug}"),
    ("put", "/api/v1/tenants/{slug}"),
    ("get", "/api/v1/tenants/{slug}/overview"),
    ("post", "/api/v1/tenants/{slug}/admins"),
    ("post", "/api/v1/tenants/{slug}/suspend"),
    ("post", "/api/v1/tenants/{slug}/resume"),
    ("get", "/api/v1/outbox"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("post", "/api/v1/users/bulk"),
    ("get", "/api/v1/users/{id}"),
    ("put", "/api/v1/users/{id}/roles"),
    ("post", "/api/v1/users/{id}/block"),
    ("post", "/api/v1/users/{id}/unblock"),
    ("delete", "/api/v1/users/{id}/invitation"),
    ("get", "/api/v1/me/tokens"),
    ("get", "/api/v1/learning/people"),
    ("get", "/api/v1/learning/people-search"),
    ("delete", "/api/v1/me/tokens/{id}"),
    ("get", "/api/v1/users/{id}/tokens"),
    ("delete", "/api/v1/users/{id}/tokens/{token_id}"),
    ("get", "/api/v1/branding"),
    ("put", "/api/v1/branding"),
    ("put", "/api/v1/branding/logo"),
    ("put", "/api/v1/branding/illustration"),
    ("delete", "/api/v1/branding/illustration"),
    ("get", "/api/v1/learning/departments"),
    ("post", "/api/v1/learning/path-enrolments"),
    ("get", "/api/v1/learning/path-enrolments/mine"),
    ("post", "/api/v1/learning/departments/enrolments"),
    ("get", "/api/v1/learning/proofs"),
    ("get", "/api/v1/imports"),
    ("post", "/api/v1/imports"),
    ("get", "/api/v1/imports/{id}"),
    ("delete", "/api/v1/imports/{id}"),
    ("post", "/api/v1/imports/{id}/start"),
    ("get", "/api/v1/catalog"),
    ("get", "/api/v1/catalog/{id}"),
    ("get", "/api/v1/content/modules"),
    ("post", "/api/v1/content/modules"),
    ("get", "/api/v1/content/modules/{id}"),
    ("put", "/api/v1/content/modules/{id}"),
    ("post", "/api/v1/content/modules/{id}/publish"),
    ("get", "/api/v1/content/modules/{id}/cartridge"),
    ("get", "/api/v1/content/export"),
    ("post", "/api/v1/content/cartridges"),
    ("get", "/api/v1/content/adoptions"),
    ("put", "/api/v1/content/adoptions/{id}"),
    ("delete", "/api/v1/content/adoptions/{id}"),
    ("post", "/api/v1/content/adoptions/{id}/accept"),
    ("get", "/api/v1/content/ratings/{id}"),
    ("put", "/api/v1/content/ratings/{id}"),
    ("get", "/api/v1/content/reports"),
    ("post", "/api/v1/content/reports"),
    ("post", "/api/v1/content/reports/{id}/resolve"),
    ("get", "/api/v1/content/proposals"),
    ("post", "/api/v1/content/proposals"),
    ("post", "/api/v1/content/proposals/{id}/vote"),
    ("delete", "/api/v1/content/proposals/{id}/vote"),
    ("post", "/api/v1/content/proposals/{id}/status"),
    ("post", "/api/v1/content/modules/{id}/contribute"),
    ("get", "/api/v1/content/candidates"),
    ("get", "/api/v1/content/candidates/waiting"),
    ("get", "/api/v1/content/candidates/{id}"),
    ("post", "/api/v1/content/candidates/{id}/comments"),
    ("post", "/api/v1/content/candidates/{id}/review"),
    ("post", "/api/v1/content/candidates/{id}/publish"),
    ("post", "/api/v1/content/media"),
    ("get", "/api/v1/content/media/usage"),
    ("post", "/api/v1/content/media/{id}/confirm"),
    ("delete", "/api/v1/content/media/{id}"),
    ("get", "/api/v1/content/paths"),
    ("post", "/api/v1/content/paths"),
    ("get", "/api/v1/content/paths/{id}"),
    ("put", "/api/v1/content/paths/{id}"),
    ("post", "/api/v1/content/paths/{id}/publish"),
    ("get", "/api/v1/content/path-adoptions"),
    ("put", "/api/v1/content/path-adoptions/{id}"),
    ("delete", "/api/v1/content/path-adoptions/{id}"),
    ("post", "/api/v1/content/path-adoptions/{id}/accept"),
    ("post", "/api/v1/learning/enrolments"),
    ("get", "/api/v1/learning/enrolments/mine"),
    (
        "post",
        "/api/v1/learning/enrolments/{id}/blocks/{block}/done",
    ),
    ("post", "/api/v1/learning/enrolments/{id}/attempts"),
    (
        "get",
        "/api/v1/learning/enrolments/{id}/quizzes/{block}/answers",
    ),
    (
        "put",
        "/api/v1/learning/enrolments/{id}/quizzes/{block}/answers",
    ),
    ("patch", "/api/v1/learning/enrolments/{id}"),
    ("delete", "/api/v1/learning/enrolments/{id}"),
    ("get", "/api/v1/learning/people/{id}"),
    ("post", "/api/v1/learning/modules/{id}/move-enrolments"),
    ("put", "/api/v1/learning/modules/{id}/self-enrolment"),
    ("get", "/api/v1/learning/proofs/mine"),
    ("post", "/api/v1/learning/proofs/{id}/revoke"),
    ("get", "/api/v1/learning/groups"),
    ("post", "/api/v1/learning/groups"),
    ("put", "/api/v1/learning/groups/{id}/members/{user}"),
    ("delete", "/api/v1/learning/groups/{id}/members/{user}"),
    ("post", "/api/v1/learning/groups/{id}/enrolments"),
    ("get", "/api/v1/learning/groups/{id}/progress"),
    ("get", "/api/v1/learning/passport"),
    ("get", "/api/v1/learning/expiring"),
    ("get", "/api/v1/learning/overview"),
    ("get", "/api/v1/learning/platform-overview"),
    ("get", "/api/v1/catalog/paths"),
    ("get", "/api/v1/catalog/paths/{id}"),
    ("get", "/api/v1/billing/plan"),
    ("get", "/api/v1/billing/subscription"),
    ("post", "/api/v1/billing/checkout"),
    ("post", "/api/v1/billing/checkout/complete"),
    ("post", "/api/v1/billing/webhooks/stripe"),
    ("get", "/api/v1/lti/registrations"),
    ("post", "/api/v1/lti/registrations"),
    ("get", "/api/v1/lti/registrations/{id}"),
    ("post", "/api/v1/lti/registrations/{id}/disable"),
    ("post", "/api/v1/lti/registrations/{id}/enable"),
    ("post", "/api/v1/lti/registrations/{id}/rotate-key"),
    ("get", "/api/v1/lti/launches"),
    ("post", "/speler/{token}/commit"),
    ("post", "/api/v1/lti/registration-links"),
    ("get", "/api/v1/lti/grades"),
    ("get", "/api/v1/lti/rosters"),
    ("post", "/api/v1/lti/rosters/{id}/sync"),
    ("put", "/api/v1/lti/rosters/{id}/daily"),
    ("get", "/api/v1/lti/rosters/{id}/members"),
    ("get", "/api/v1/billing/members"),
    ("get", "/api/v1/billing/members.csv"),
    ("put", "/api/v1/billing/members/{slug}/manual-plan"),
    ("get", "/api/v1/billing/tiers"),
    ("put", "/api/v1/billing/tiers/{number}"),
    ("post", "/api/v1/billing/catalogue/sync"),
    ("get", "/api/v1/billing/headcount-preview"),
    ("put", "/api/v1/billing/headcount"),
    ("post", "/api/v1/billing/payment-method"),
];

#[tokio::test]
async fn probes_and_metrics() {
    let app = app().await;
    let text = |host: &str, path: &str| app.visitor(host).get(path).send();
    assert_eq!(text("", "/healthz").await.text(), "ok");
    assert_eq!(text("nergens", "/healthz").await.text(), "ok");
    assert_eq!(text("", "/readyz").await.text(), "ready");
    assert_eq!(text("127.0.0.1", "/readyz").await.text(), "ready");
    // Readiness and metrics are no business of a member's portal (nor of an unknown host).
    app.member("metriek").await;
    for host in ["metriek", "nergens"] {
        for path in ["/readyz", "/metrics"] {
            let res = app
                .visitor(host)
                .get(path)
                .expect(StatusCode::NOT_FOUND)
                .await;
            assert!(!res.text().contains("zk_http_requests_total"));
        }
    }
    let nzk = app.visitor("");
    nzk.get("/inloggen").expect(StatusCode::OK).await;
    let metrics = nzk.get("/metrics").send().await.text();
    assert!(
        metrics.contains(
            "zk_http_requests_total{method=\"GET\",route=\"/inloggen\",status=\"200\"} 1"
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn english_error_pages_never_show_a_raw_message_key() {
    let app = app().await;
    // 405 has no English text of its own: the page falls back to the Dutch message.
    let page = app
        .visitor("")
        .get("/uitloggen")
        .cookie("zk_lang=en")
        .expect(StatusCode::METHOD_NOT_ALLOWED)
        .await
        .text();
    assert!(!page.contains("error.method_not_allowed"), "{page}");
    assert!(
        page.contains("Deze methode is hier niet toegestaan."),
        "{page}"
    );
    assert!(
        page.contains("Something went wrong"),
        "generic English title: {page}"
    );
    // A code with an English text uses it.
    let page = app
        .visitor("nergens")
        .get("/")
        .cookie("zk_lang=en")
        .send()
        .await
        .text();
    assert!(
        page.contains("This address does not belong to a portal"),
        "{page}"
    );
}

#[tokio::test]
async fn care_workers_see_words_on_error_pages_and_staff_also_the_code() {
    let app = app().await;
    let m = app.member("zorg-fout").await;
    let missing = "/leren/modules/6f1c2b9e-0000-4000-8000-000000000009";
    let learner = m.learner().await.login().await;
    let page = learner
        .get(missing)
        .expect(StatusCode::NOT_FOUND)
        .await
        .text();
    assert!(
        !page.contains("error-code") && !page.contains("not_found") && !page.contains("(404)"),
        "no machine code for a care worker: {page}"
    );
    assert!(page.contains("<h1"), "{page}");
    let admin = m.admin().await.login().await;
    let page = admin
        .get(missing)
        .expect(StatusCode::NOT_FOUND)
        .await
        .text();
    assert!(
        page.contains("data-testid=\"error-code\">not_found</code>"),
        "staff get the code for support: {page}"
    );
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = app_with(|c| {
        c.metrics_token = Some(zk_kernel::config::Secret::new("geheim-metrics-token"))
    })
    .await;
    let nzk = app.visitor("");
    nzk.get("/metrics").expect(StatusCode::UNAUTHORIZED).await;
    nzk.get("/metrics")
        .bearer("fout")
        .expect(StatusCode::UNAUTHORIZED)
        .await;
    let res = nzk
        .get("/metrics")
        .bearer("geheim-metrics-token")
        .expect(StatusCode::OK)
        .await;
    assert!(res.text().contains("zk_http_requests_total"));
}

#[tokio::test]
async fn openapi_documents_every_json_route_and_every_documented_route_exists() {
    let app = app().await;
    let nzk = app.visitor("");
    let doc = nzk.get("/api/v1/openapi.json").send().await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    // Generated from the handlers' types (billing so far; the other services follow): the plan's
    // response is the `Plan` struct the handler returns, errors the kernel's envelope.
    let plan = &doc["paths"]["/api/v1/billing/plan"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["$ref"];
    assert_eq!(plan, "#/components/schemas/Plan");
    assert!(
        doc["components"]["schemas"]["Plan"]["properties"]["yearly_incl_vat_cents"].is_object()
    );
    assert!(doc["components"]["schemas"]["Error"]["properties"]["error"].is_object());
    // Every `$ref` points at something the document holds.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/").skip(1) {
        let path = r.split('"').next().unwrap();
        let mut node = &doc;
        for part in path.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "dangling $ref #/{path}");
    }
    let mut documented = 0;
    for (_, ops) in doc["paths"].as_object().unwrap() {
        documented += ops.as_object().unwrap().len();
    }
    for (method, path) in API_ROUTES {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing in OpenAPI"
        );
        let concrete = path
            .replace("{number}", "1")
            .replace("{slug}", "x")
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{token_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{token}", "t");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = nzk.request(m, &concrete).send().await;
        // Routed: public (200) or asking for credentials (401); an unrouted path would be 404/405.
        // Stripe's webhook needs no login but Stripe: with billing offline it is not there.
        // A package player's commits answer on the members' package hosts only.
        if path.starts_with("/speler/") {
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} {path}");
            continue;
        }
        if *path == "/api/v1/billing/webhooks/stripe" {
            assert_eq!(
                res.status,
                StatusCode::NOT_FOUND,
                "the webhook is off while billing is offline"
            );
            continue;
        }
        assert!(
            matches!(res.status, StatusCode::OK | StatusCode::UNAUTHORIZED),
            "{method} {path}: {} {}",
            res.status,
            res.text()
        );
    }
    assert_eq!(
        documented,
        API_ROUTES.len(),
        "the document lists exactly the routes of the platform"
    );
}

#[tokio::test]
async fn security_headers_unknown_hosts_and_language() {
    let app = app().await;
    let nzk = app.visitor("");
    let res = nzk.get("/inloggen").send().await;
    let csp = res.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert_eq!(res.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        res.headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(res.headers.contains_key("x-request-id"));
    let csrf = res
        .headers
        .get_all("set-cookie")
        .iter()
        .find(|v| v.to_str().unwrap().starts_with("zk_csrf="))
        .unwrap();
    assert!(csrf.to_str().unwrap().contains("HttpOnly; SameSite=Lax"));

    let unknown = app
        .visitor("bestaat-niet")
        .get("/")
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert!(
        unknown.text().contains("hoort niet bij een portaal"),
        "{}",
        unknown.text()
    );
    assert!(unknown.text().contains("<html lang=\"nl\">"));
    // It leads to the NZK site, in NZK's look (the theme's stylesheet answers on any host), in
    // words: no machine code for whoever typed the address (staff see codes, care workers not).
    assert!(unknown.text().contains("href=\"http://localhost:8080\""));
    assert!(!unknown.text().contains("unknown_host"));
    assert!(
        !unknown.text().contains("/theme.css"),
        "no member's theme on a host that is no member"
    );
    assert!(
        !unknown.text().contains("href=\"/inloggen\""),
        "no login on a dead host"
    );
    let css = app
        .visitor("bestaat-niet")
        .get("/static/app.css")
        .expect(StatusCode::OK)
        .await;
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let custom = app
        .visitor("leren.example.org")
        .get("/api/v1/me")
        .expect(StatusCode::NOT_FOUND)
        .await;
    assert_eq!(custom.error_code(), "unknown_host");

    let switch = nzk
        .get("/taal/en")
        .header("referer", "http://localhost:8080/inloggen")
        .expect(StatusCode::SEE_OTHER)
        .await;
    assert_eq!(switch.location().unwrap(), "/inloggen");
    assert_eq!(switch.set_cookie("zk_lang").unwrap(), "en");
    let english = nzk
        .get("/inloggen")
        .cookie("zk_lang=en")
        .send()
        .await
        .text();
    assert!(english.contains("<html lang=\"en\">") && english.contains("Forgot your password?"));
}

#[tokio::test]
async fn verified_custom_domains_resolve_to_their_member() {
    let app = app().await;
    let m = app.member("eigen").await;
    // Written straight into the table: domains are verified by hand (DNS), not through the API.
    let mut owner = app.db.owner().await.unwrap();
    sqlx::query("INSERT INTO tenant.tenant_domains (tenant_id, domain, verified_at) VALUES ($1, 'leren.eigen-zorg.nl', now()), ($1, 'nog.niet.nl', NULL)")
        .bind(m.id.0)
        .execute(&mut owner)
        .await
        .unwrap();
    let page = app
        .visitor("leren.eigen-zorg.nl")
        .get("/inloggen")
        .expect(StatusCode::OK)
        .await;
    assert!(page.text().contains("Zorg eigen"));
    app.visitor("nog.niet.nl")
        .get("/inloggen")
        .expect(StatusCode::NOT_FOUND)
        .await;
}
