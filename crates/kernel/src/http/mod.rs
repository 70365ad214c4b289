//! HTTP plumbing shared by every service: the request context (tenant from `Host`, principal from
//! cookie or bearer token, language, CSRF token), the global layers, error pages, extractors and
//! `serve`.

mod context;
mod extract;
mod flash;
mod forms;
mod layers;
mod page;

pub use context::{
    anonymous_csrf_cookie, cross_site_by_design, csrf_matches, is_api, PackageSandbox,
    RequestContext, LANG_COOKIE,
};
pub use extract::{client_ip, ApiJson, ClientIp, CsrfForm};
pub use forms::form_error;
pub use layers::{apply_edge_layers, apply_layers, csp, csp_allowing, infra_routes};
pub use page::see_other_with_flash;

use axum::{
    body::Body,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::Response,
    Router,
};
use std::{future::Future, net::SocketAddr};

/// Percent-encodes a path for a query value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `target` if it is safe to redirect to: a path on the requesting origin, never anything a
/// browser could read as another host. Only URL characters are allowed (no whitespace, control
/// characters or backslashes, which browsers strip or turn into slashes); after decoding percent
/// escapes (repeatedly) the path must start with one slash, hold no `//` and no backslash; and
/// resolved against an origin it must stay on that origin. Anything else is `None`.
pub fn local_path(target: &str) -> Option<&str> {
    const ALLOWED: &[u8] = b"-._~/?=&%+,;:@!*'()#";
    if target.len() > 2048
        || !target.starts_with('/')
        || !target
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || ALLOWED.contains(&b))
    {
        return None;
    }
    let mut decoded = target.to_owned();
    for _ in 0..4 {
        let path = decoded.split(['?', '#']).next().unwrap_or_default();
        if !path.starts_with('/')
            || path.contains("//")
            || path.contains('\\')
            || path.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return None;
        }
        let next = percent_decode(&decoded);
        if next == decoded {
            break;
        }
        decoded = next;
    }
    let base = url::Url::parse("http://zorgklas.invalid/").ok()?;
    let joined = base.join(target).ok()?;
    (joined.host_str() == Some("zorgklas.invalid") && joined.scheme() == "http").then_some(target)
}

/// Decodes `%XX` escapes (invalid ones are left as they are); bytes that are no UTF-8 become U+FFFD.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of a cookie. A name sent twice with different values is ambiguous and reads as
/// absent: a cookie planted for the whole base domain by a sibling subdomain then never wins
/// over (or passes for) the host's own.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v);
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

/// A `Set-Cookie` value: host-only, `HttpOnly; SameSite=Lax; Path=/`, `Secure` outside plain http.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<u64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// True for requests that change state.
pub fn is_mutating(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Serves `router` on `listener` until `shutdown` resolves (shared by `main` and tests). Then it
/// stops accepting connections at once, lets the requests in flight finish (their answers say
/// `Connection: close`), and returns when they have, or after `grace` at the latest (give it
/// the request timeout: no request runs longer). The batching writers answer each request
/// after its commit, so when the requests are done so are their batches; mails and grades wait
/// in PostgreSQL (the outboxes), not in memory.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, finishing the requests in flight");
        let _ = stopping.send(());
    };
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal);
    let server = std::future::IntoFuture::into_future(server);
    tokio::pin!(server);
    tokio::select! {
        served = &mut server => served,
        () = async {
            if stopped.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period; stopping anyway");
            Ok(())
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// An empty body response with a status (used by redirects-after-POST helpers).
pub fn see_other(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn return_targets_stay_on_the_origin() {
        for ok in [
            "/",
            "/beheer",
            "/beheer/huisstijl?opgeslagen=1",
            "/leren/module-1#blok-3",
            "/zoeken?q=wond%20zorg",
        ] {
            assert_eq!(local_path(ok), Some(ok), "{ok}");
        }
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5c%5cevil.example",
            "/%252F%252Fevil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/.//evil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "@evil.example",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
