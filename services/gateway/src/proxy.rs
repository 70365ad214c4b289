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
    Learning,
    Billing,
    Lti,
}

/// The LTI service's paths (the LMS-facing routes, the admin page and the API).
const LTI: &[&str] = &["/lti/**", "/beheer/lms/**", "/api/v1/lti/**"];

/// The learning service's paths: `*` is one segment, a trailing `/**` the path itself or
/// anything below it. Checked before the others (it owns some paths inside content's `/leren`:
/// the module and path pages show a learner's progress).
const LEARNING: &[&str] = &[
    "/",
    "/api/v1/learning/**",
    "/api/v1/imports/**",
    "/bewijs/**",
    "/beheer/import/**",
    "/leren/inschrijvingen/**",
    "/leren/paspoort",
    "/leren/paspoort.csv",
    "/leren/paspoort.pdf",
    "/leren/overzicht",
    "/leren/overzicht.csv",
    "/leren/mensen.csv",
    "/leren/mensen.xlsx",
    "/leren/mensen/**",
    "/leren/platformoverzicht",
    "/leren/platformoverzicht.csv",
    "/leren/groepen/**",
    "/leren/bewijzen/**",
    "/leren/modules/*",
    "/leren/modules/*/inschrijven",
    "/leren/modules/*/zelf-inschrijven",
    "/leren/modules/*/inschrijvingen/**",
    "/leren/trajecten/*",
    "/leren/trajecten/*/inschrijvingen",
    "/speler/**",
];
const CONTENT: &[&str] = &[
    "/api/v1/catalog/**",
    "/api/v1/content/**",
    "/leren/**",
    "/media/**",
    "/pakket/**",
];
const BILLING: &[&str] = &[
    "/api/v1/billing/**",
    "/abonnement/**",
    "/console/abonnementen/**",
];

/// Whether `path` matches `pattern` (see [`LEARNING`]).
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, rest_ok) = match pattern.strip_suffix("/**") {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    if pattern == "/" {
        return path == "/";
    }
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (None, Some(_)) => return rest_ok,
            (Some(_), None) => return false,
            (Some(w), Some(g)) if w == "*" && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// Which service owns a path. Everything not claimed by LTI, learning, content or billing is the
/// tenant service's (portal shell pages, accounts, console).
pub fn service_for_path(path: &str) -> Upstream {
    let owns = |patterns: &[&str]| patterns.iter().any(|p| matches(p, path));
    if owns(LTI) {
        Upstream::Lti
    } else if owns(LEARNING) {
        Upstream::Learning
    } else if owns(CONTENT) {
        Upstream::Content
    } else if owns(BILLING) {
        Upstream::Billing
    } else {
        Upstream::Tenant
    }
}

/// The base URLs of the services (like `http://127.0.0.1:8081`).
#[derive(Clone, Debug)]
pub struct Upstreams {
    pub tenant: String,
    pub content: String,
    pub learning: String,
    pub billing: String,
    pub lti: String,
}

#[derive(Clone)]
struct ProxyState {
    client: Client<HttpConnector, Body>,
    upstreams: Upstreams,
}

/// A router that forwards every request to its service.
pub fn proxy_router(upstreams: Upstreams) -> Router {
    let client = Client::builder(TokioExecutor::new()).build_http();
    Router::new()
        .fallback(forward)
        .with_state(ProxyState { client, upstreams })
}

async fn forward(State(s): State<ProxyState>, mut req: Request) -> Response {
    let up = &s.upstreams;
    let base = match service_for_path(req.uri().path()) {
        Upstream::Tenant => &up.tenant,
        Upstream::Content => &up.content,
        Upstream::Learning => &up.learning,
        Upstream::Billing => &up.billing,
        Upstream::Lti => &up.lti,
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
        use Upstream::*;
        for (path, service) in [
            ("/api/v1/catalog", Content),
            ("/api/v1/catalog/x", Content),
            ("/api/v1/learning/enrolments/mine", Learning),
            ("/api/v1/imports", Learning),
            ("/api/v1/catalogus", Tenant),
            ("/api/v1/content/modules/m1/cartridge", Content),
            ("/api/v1/content/export", Content),
            ("/api/v1/content/cartridges", Content),
            ("/api/v1/billing/plan", Billing),
            ("/console/abonnementen/noord", Billing),
            ("/console/leden/noord", Tenant),
            ("/inloggen", Tenant),
            ("/", Learning),
            ("/leren", Content),
            ("/leren/auteur/x", Content),
            ("/leren/modules/m1", Learning),
            ("/leren/modules/m1/waardering", Content),
            ("/leren/modules/m1/inschrijven", Learning),
            ("/leren/modules/m1/inschrijvingen/verplaatsen", Learning),
            ("/leren/modules//inschrijven", Content),
            ("/leren/trajecten/p1", Learning),
            ("/leren/trajecten/p1/overnemen", Content),
            ("/leren/paspoort.pdf", Learning),
            ("/leren/paspoortx", Content),
            ("/beheer/import/1/starten", Learning),
            ("/beheer", Tenant),
            ("/bewijs/ABC", Learning),
            ("/media/o/t/1/x", Content),
            ("/pakket/1/index.html", Content),
            ("/lti/login", Lti),
            ("/lti/launch/abc", Lti),
            ("/beheer/lms", Lti),
            ("/beheer/lms/x/uitschakelen", Lti),
            ("/api/v1/lti/registrations", Lti),
            ("/beheer/lmsx", Tenant),
        ] {
            assert_eq!(service_for_path(path), service, "{path}");
        }
    }
}
