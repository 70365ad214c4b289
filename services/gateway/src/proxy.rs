//! Split mode: forwarding requests to the service that owns their path.

use axum::http::StatusCode;
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{uri::PathAndQuery, HeaderValue, Uri},
    response::{IntoResponse, Response},
    Router,
};
use hyper_util::{
    client::legacy::{connect::HttpConnector, Client},
    rt::TokioExecutor,
};
use std::net::SocketAddr;
use zk_kernel::AppError;

/// A service behind the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upstream {
    Tenant,
    Content,
    Billing,
}

/// Which service owns a path. Everything not claimed by content or billing is the tenant
/// service's (portal shell pages, accounts, console).
pub fn service_for_path(path: &str) -> Upstream {
    const CONTENT: &[&str] = &[
        "/api/v1/catalog",
        "/api/v1/content",
        "/api/v1/learning",
        "/bewijs",
        "/leren",
        "/media",
    ];
    const BILLING: &[&str] = &["/api/v1/billing", "/abonnement", "/console/abonnementen"];
    let owns = |prefixes: &[&str]| {
        prefixes.iter().any(|p| {
            path == *p
                || path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    if owns(CONTENT) {
        Upstream::Content
    } else if owns(BILLING) {
        Upstream::Billing
    } else {
        Upstream::Tenant
    }
}

#[derive(Clone)]
struct ProxyState {
    client: Client<HttpConnector, Body>,
    tenant: String,
    content: String,
    billing: String,
}

/// A router that forwards every request to its service (base URLs like `http://127.0.0.1:8081`).
pub fn proxy_router(tenant: String, content: String, billing: String) -> Router {
    let client = Client::builder(TokioExecutor::new()).build_http();
    Router::new().fallback(forward).with_state(ProxyState {
        client,
        tenant,
        content,
        billing,
    })
}

async fn forward(State(s): State<ProxyState>, mut req: Request) -> Response {
    let base = match service_for_path(req.uri().path()) {
        Upstream::Tenant => &s.tenant,
        Upstream::Content => &s.content,
        Upstream::Billing => &s.billing,
    };
    let pq = req
        .uri()
        .path_and_query()
        .map(PathAndQuery::as_str)
        .unwrap_or("/");
    let Ok(uri) = format!("{base}{pq}").parse::<Uri>() else {
        return AppError::internal(anyhow::anyhow!("bad upstream uri")).into_response();
    };
    // Appends the address this request came from, as every proxy does; the service counts the
    // gateway as one trusted hop (`ZK_TRUSTED_PROXY_HOPS`).
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let prior: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let mut list = prior.join(", ");
        if !list.is_empty() {
            list.push_str(", ");
        }
        list.push_str(&addr.ip().to_string());
        if let Ok(v) = HeaderValue::from_str(&list) {
            req.headers_mut().insert("x-forwarded-for", v);
        }
    }
    *req.uri_mut() = uri;
    match s.client.request(req).await {
        Ok(res) => res.map(Body::new).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "upstream unavailable");
            AppError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
                "Een onderdeel van het platform is tijdelijk niet bereikbaar.",
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_services() {
        assert_eq!(service_for_path("/api/v1/catalog"), Upstream::Content);
        assert_eq!(service_for_path("/api/v1/catalog/x"), Upstream::Content);
        assert_eq!(
            service_for_path("/api/v1/learning/enrolments/mine"),
            Upstream::Content
        );
        assert_eq!(service_for_path("/api/v1/catalogus"), Upstream::Tenant);
        assert_eq!(service_for_path("/api/v1/billing/plan"), Upstream::Billing);
        assert_eq!(
            service_for_path("/console/abonnementen/noord"),
            Upstream::Billing
        );
        assert_eq!(service_for_path("/console/leden/noord"), Upstream::Tenant);
        assert_eq!(service_for_path("/inloggen"), Upstream::Tenant);
        assert_eq!(service_for_path("/"), Upstream::Tenant);
    }
}
