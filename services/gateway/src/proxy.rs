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

/// The base URLs of the services (like `http://127.0.0.1:8081`). A service may run as several
/// processes: its setting then lists them separated by commas, and the gateway takes them in
/// turn.
#[derive(Clone, Debug)]
pub struct Upstreams {
    pub tenant: String,
    pub content: String,
    pub learning: String,
    pub billing: String,
    pub lti: String,
}

/// The processes of one service and whose turn it is.
#[derive(Debug, Default)]
struct Pool {
    bases: Vec<String>,
    next: std::sync::atomic::AtomicUsize,
}

impl Pool {
    fn new(setting: &str) -> Self {
        Self {
            bases: setting
                .split(',')
                .map(|b| b.trim().trim_end_matches('/').to_owned())
                .filter(|b| !b.is_empty())
                .collect(),
            next: Default::default(),
        }
    }

    /// The bases in the order to try them for one request: the next in turn first, then the
    /// others.
    fn order(&self) -> impl Iterator<Item = &str> {
        let n = self.bases.len().max(1);
        let start = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % n;
        (0..self.bases.len()).map(move |i| self.bases[(start + i) % n].as_str())
    }
}

#[derive(Clone)]
struct ProxyState {
    client: Client<HttpConnector, Body>,
    pools: std::sync::Arc<[Pool; 5]>,
    body_limit: usize,
}

/// A router that forwards every request to its service; request bodies up to `body_limit`
/// bytes (larger: 413).
pub fn proxy_router(upstreams: Upstreams, body_limit: usize) -> Router {
    let client = Client::builder(TokioExecutor::new()).build_http();
    let pools = [
        Pool::new(&upstreams.tenant),
        Pool::new(&upstreams.content),
        Pool::new(&upstreams.learning),
        Pool::new(&upstreams.billing),
        Pool::new(&upstreams.lti),
    ];
    Router::new().fallback(forward).with_state(ProxyState {
        client,
        pools: std::sync::Arc::new(pools),
        body_limit,
    })
}

/// Whether a request may be sent again after an answer was lost (RFC 9110 9.2.2).
fn idempotent(method: &axum::http::Method) -> bool {
    use axum::http::Method;
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
    )
}

/// Forwards a request to a process of its service. When a process can't be reached (it is
/// stopping for a rolling restart, or gone) the request goes to the next one: any request whose
/// connection failed (nothing was sent), and an idempotent one whose answer was lost. Only when
/// every process failed is the answer 502.
async fn forward(State(s): State<ProxyState>, req: Request) -> Response {
    let pool = &s.pools[match service_for_path(req.uri().path()) {
        Upstream::Tenant => 0,
        Upstream::Content => 1,
        Upstream::Learning => 2,
        Upstream::Billing => 3,
        Upstream::Lti => 4,
    }];
    let (mut parts, body) = req.into_parts();
    // Appends the address this request came from, as every proxy does; the service counts the
    // gateway as one trusted hop (`ZK_TRUSTED_PROXY_HOPS`).
    if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>().copied() {
        let prior: Vec<&str> = parts
            .headers
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
            parts.headers.insert("x-forwarded-for", v);
        }
    }
    // A body up to the limit is kept whole, so that it can go to another process; a larger one
    // (an upload to the file store) streams through to one process, which is not retried.
    let length = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let chunked = parts
        .headers
        .contains_key(axum::http::header::TRANSFER_ENCODING);
    if chunked || length.is_some_and(|n| n > s.body_limit) {
        let Some(base) = pool.order().next() else {
            return unavailable();
        };
        return send_once(&s, parts, body, base).await;
    }
    let body = match axum::body::to_bytes(body, s.body_limit).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Het verzoek is te groot.",
            )
            .into_response()
        }
    };
    let pq = parts
        .uri
        .path_and_query()
        .map(PathAndQuery::as_str)
        .unwrap_or("/")
        .to_owned();
    let may_repeat = idempotent(&parts.method);
    for base in pool.order() {
        let Ok(uri) = format!("{base}{pq}").parse::<Uri>() else {
            return AppError::internal(anyhow::anyhow!("bad upstream uri")).into_response();
        };
        let mut head = parts.clone();
        head.uri = uri;
        let req = Request::from_parts(head, Body::from(body.clone()));
        match s.client.request(req).await {
            Ok(res) => return res.map(Body::new).into_response(),
            Err(e) if e.is_connect() || may_repeat => {
                tracing::warn!(error = %e, upstream = base, "upstream unavailable; trying the next");
            }
            Err(e) => {
                tracing::warn!(error = %e, upstream = base, "upstream lost a request");
                break;
            }
        }
    }
    unavailable()
}

/// A request with a streamed body, to one process.
async fn send_once(
    s: &ProxyState,
    mut parts: axum::http::request::Parts,
    body: Body,
    base: &str,
) -> Response {
    let pq = parts
        .uri
        .path_and_query()
        .map(PathAndQuery::as_str)
        .unwrap_or("/");
    let Ok(uri) = format!("{base}{pq}").parse::<Uri>() else {
        return AppError::internal(anyhow::anyhow!("bad upstream uri")).into_response();
    };
    parts.uri = uri;
    match s.client.request(Request::from_parts(parts, body)).await {
        Ok(res) => res.map(Body::new).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, upstream = base, "upstream unavailable");
            unavailable()
        }
    }
}

fn unavailable() -> Response {
    AppError::new(
        StatusCode::BAD_GATEWAY,
        "upstream_unavailable",
        "Een onderdeel van het platform is tijdelijk niet bereikbaar.",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_of_several_processes_takes_them_in_turn() {
        let pool = Pool::new("http://a:1, http://b:2/,");
        assert_eq!(pool.bases, ["http://a:1", "http://b:2"]);
        let first: Vec<&str> = pool.order().collect();
        let second: Vec<&str> = pool.order().collect();
        assert_eq!(first, ["http://a:1", "http://b:2"]);
        assert_eq!(second, ["http://b:2", "http://a:1"]);
        assert!(idempotent(&axum::http::Method::GET) && !idempotent(&axum::http::Method::POST));
    }

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
