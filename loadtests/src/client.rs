//! The HTTP side: one keep-alive HTTP/1.1 connection per worker over raw hyper, request
//! templates, success rules, and the closed-loop run itself.

use crate::{
    stats::{RunStats, WorkerTally},
    target::Target,
};
use anyhow::Context;
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::{sync::Arc, time::Duration};
use tokio::{net::TcpStream, task::JoinHandle, time::Instant};

/// A single HTTP/1.1 connection; requests on it go one after another (keep-alive, no pipelining).
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    driver: JoinHandle<()>,
}

impl Conn {
    /// Opens a TCP connection (`TCP_NODELAY`) to `target` and does the HTTP/1.1 handshake.
    pub async fn connect(target: Target) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(target.addr())
            .await
            .with_context(|| format!("connecting to {target}"))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(async move {
            // The connection ends when the server closes it or the sender is dropped; the
            // worker notices through the sender.
            let _ = conn.await;
        });
        Ok(Self { sender, driver })
    }

    /// False once the server has closed the connection.
    pub fn is_usable(&self) -> bool {
        !self.sender.is_closed()
    }

    /// Sends `req` and reads the whole response body.
    pub async fn send(&mut self, req: Request<Full<Bytes>>) -> anyhow::Result<Response<Bytes>> {
        self.sender.ready().await?;
        let res = self.sender.send_request(req).await?;
        let (parts, body) = res.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Response::from_parts(parts, body))
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// What counts as a successful response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Any 2xx or 3xx status.
    TwoOrThree,
    /// Exactly `200 OK`.
    Ok200,
    /// `303 See Other` with a `Set-Cookie: <name>=<non-empty value>`.
    SeeOtherWithCookie(&'static str),
}

impl Expect {
    /// Applies the rule to a response's status and headers.
    pub fn is_success(self, status: StatusCode, headers: &HeaderMap) -> bool {
        match self {
            Expect::TwoOrThree => status.is_success() || status.is_redirection(),
            Expect::Ok200 => status == StatusCode::OK,
            Expect::SeeOtherWithCookie(name) => {
                status == StatusCode::SEE_OTHER && cookie_from_set_cookie(headers, name).is_some()
            }
        }
    }
}

/// The value of cookie `name` in the response's `Set-Cookie` headers (non-empty values only).
pub fn cookie_from_set_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_owned())
}

/// Makes the path and body of the `n`-th request of a template whose requests differ each time
/// (`n` counts from 0 over all workers and rounds).
pub trait Generate: std::fmt::Debug + Send + Sync {
    /// The origin-form URI and the body of request `n`.
    fn make(&self, n: usize) -> (Uri, Bytes);
}

/// A request that is sent over and over: built once, cloned per request.
#[derive(Clone, Debug)]
pub struct Template {
    /// Method.
    pub method: Method,
    /// Origin-form URI (path and query).
    pub uri: Uri,
    /// All headers, including `Host`.
    pub headers: HeaderMap,
    /// Request body (empty for GET).
    pub body: Bytes,
    /// The success rule.
    pub expect: Expect,
    /// When not empty, requests go to these paths in turn instead of `uri`.
    pub rotate: Arc<Vec<Uri>>,
    /// When set, each request's path and body come from here instead (the content type and
    /// the other headers stay those of the template).
    pub generate: Option<Arc<dyn Generate>>,
    next: Arc<std::sync::atomic::AtomicUsize>,
}

impl Template {
    /// A template with a `Host` header and no body.
    pub fn new(method: Method, path: &str, host: &str, expect: Expect) -> anyhow::Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            HeaderValue::from_str(host).context("invalid Host header")?,
        );
        headers.insert(header::USER_AGENT, HeaderValue::from_static("zk-load/0.1"));
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/html,*/*"));
        Ok(Self {
            method,
            uri: path.parse().context("invalid path")?,
            headers,
            body: Bytes::new(),
            expect,
            rotate: Arc::new(Vec::new()),
            generate: None,
            next: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        })
    }

    /// Sends the requests to these paths in turn (every worker takes the next one).
    pub fn rotating(mut self, paths: &[String]) -> anyhow::Result<Self> {
        let uris = paths
            .iter()
            .map(|p| p.parse().with_context(|| format!("invalid path {p}")))
            .collect::<anyhow::Result<Vec<Uri>>>()?;
        self.rotate = Arc::new(uris);
        Ok(self)
    }

    /// Adds (or replaces) a header.
    pub fn header(mut self, name: header::HeaderName, value: &str) -> anyhow::Result<Self> {
        let value =
            HeaderValue::from_str(value).with_context(|| format!("invalid value for {name}"))?;
        self.headers.insert(name, value);
        Ok(self)
    }

    /// Makes each request's path and body with `g`, and sets the body's `Content-Type`.
    pub fn generated(mut self, content_type: &'static str, g: Arc<dyn Generate>) -> Self {
        self.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.generate = Some(g);
        self
    }

    /// Sets the body and its `Content-Type`/`Content-Length`.
    pub fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        let body = body.into();
        self.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        self.body = body;
        self
    }

    /// A fresh request from the template.
    pub fn request(&self) -> Request<Full<Bytes>> {
        if let Some(g) = &self.generate {
            let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (uri, body) = g.make(n);
            let mut headers = self.headers.clone();
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            let mut req = Request::new(Full::new(body));
            *req.method_mut() = self.method.clone();
            *req.uri_mut() = uri;
            *req.headers_mut() = headers;
            return req;
        }
        let mut req = Request::new(Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = if self.rotate.is_empty() {
            self.uri.clone()
        } else {
            let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.rotate[i % self.rotate.len()].clone()
        };
        *req.headers_mut() = self.headers.clone();
        req
    }
}

/// How long and how hard to run.
#[derive(Clone, Copy, Debug)]
pub struct LoadShape {
    /// Concurrent workers (each with its own connection).
    pub concurrency: usize,
    /// Un-measured warm-up.
    pub warmup: Duration,
    /// Measured duration.
    pub duration: Duration,
    /// Per-request timeout (counts as a transport error).
    pub request_timeout: Duration,
}

/// Runs a closed-loop benchmark of `template` against `target` and returns the merged statistics.
///
/// Every worker sends its next request as soon as the previous one completed. Requests that
/// *start* during the warm-up are not counted; no request starts after the end, so the run
/// stops by itself (at most one request timeout late).
pub async fn run_load(
    target: Target,
    template: Arc<Template>,
    shape: LoadShape,
    scenario: &str,
    round: u32,
) -> anyhow::Result<RunStats> {
    let start = Instant::now();
    let measure_from = start + shape.warmup;
    let end = measure_from + shape.duration;
    let workers: Vec<JoinHandle<(WorkerTally, Instant)>> = (0..shape.concurrency.max(1))
        .map(|_| {
            tokio::spawn(worker(
                target,
                template.clone(),
                measure_from,
                end,
                shape.request_timeout,
            ))
        })
        .collect();
    let mut tallies = Vec::with_capacity(workers.len());
    let mut last_done = end;
    for w in workers {
        let (tally, done) = w.await.context("worker panicked")?;
        last_done = last_done.max(done);
        tallies.push(tally);
    }
    // Requests started just before the end finish a little after it; they count, so the
    // window they finished in counts too.
    let elapsed = last_done
        .saturating_duration_since(measure_from)
        .as_secs_f64();
    Ok(RunStats::from_tallies(
        scenario,
        round,
        shape.concurrency.max(1),
        elapsed,
        tallies,
    ))
}

/// One closed-loop worker. Returns its tally and when its last counted request finished.
async fn worker(
    target: Target,
    template: Arc<Template>,
    measure_from: Instant,
    end: Instant,
    timeout: Duration,
) -> (WorkerTally, Instant) {
    let mut tally = WorkerTally {
        latencies_us: Vec::with_capacity(16 * 1024),
        ..Default::default()
    };
    let mut conn: Option<Conn> = None;
    let mut last_done = measure_from;
    loop {
        if Instant::now() >= end {
            break;
        }
        let mut c = match conn.take().filter(Conn::is_usable) {
            Some(c) => c,
            None => match tokio::time::timeout(timeout, Conn::connect(target)).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    transport_error(&mut tally, Instant::now() >= measure_from, format!("{e:#}"));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                Err(_) => {
                    transport_error(
                        &mut tally,
                        Instant::now() >= measure_from,
                        "connect timed out".into(),
                    );
                    continue;
                }
            },
        };
        let req = template.request();
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let counted = sent >= measure_from;
        match tokio::time::timeout(timeout, c.send(req)).await {
            Ok(Ok(res)) => {
                let done = Instant::now();
                if counted {
                    last_done = last_done.max(done);
                    *tally.statuses.entry(res.status().as_u16()).or_insert(0) += 1;
                    if template.expect.is_success(res.status(), res.headers()) {
                        let us = done.saturating_duration_since(sent).as_micros();
                        tally
                            .latencies_us
                            .push(u32::try_from(us).unwrap_or(u32::MAX));
                    } else {
                        tally.bad_responses += 1;
                    }
                }
                conn = Some(c);
            }
            Ok(Err(e)) => {
                if counted {
                    last_done = last_done.max(Instant::now());
                }
                transport_error(&mut tally, counted, format!("{e:#}"));
            }
            Err(_) => {
                if counted {
                    last_done = last_done.max(Instant::now());
                }
                transport_error(
                    &mut tally,
                    counted,
                    format!("request timed out after {timeout:?}"),
                );
            }
        }
    }
    (tally, last_done)
}

fn transport_error(tally: &mut WorkerTally, counted: bool, msg: String) {
    if counted {
        tally.transport_errors += 1;
    }
    if tally.first_error.is_none() {
        tally.first_error = Some(msg);
    }
}

/// Sends one request from `template` on a fresh connection.
pub async fn send_once(
    target: Target,
    template: &Template,
    timeout: Duration,
) -> anyhow::Result<Response<Bytes>> {
    let fut = async {
        let mut c = Conn::connect(target).await?;
        c.send(template.request()).await
    };
    tokio::time::timeout(timeout, fut)
        .await
        .with_context(|| format!("no response from {target} within {timeout:?}"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in cookies {
            h.append(header::SET_COOKIE, HeaderValue::from_str(c).expect("valid"));
        }
        h
    }

    #[test]
    fn finds_session_cookie() {
        let h = headers(&[
            "zk_csrf=abc; Path=/",
            "zk_session=s3cr3t; Path=/; HttpOnly; SameSite=Lax",
        ]);
        assert_eq!(
            cookie_from_set_cookie(&h, "zk_session").as_deref(),
            Some("s3cr3t")
        );
        assert_eq!(cookie_from_set_cookie(&h, "zk_lang"), None);
        // A cleared cookie is not a session.
        assert_eq!(
            cookie_from_set_cookie(&headers(&["zk_session=; Max-Age=0"]), "zk_session"),
            None
        );
    }

    #[test]
    fn success_rules() {
        let with = headers(&["zk_session=x; Path=/"]);
        let without = headers(&[]);
        let login = Expect::SeeOtherWithCookie("zk_session");
        assert!(login.is_success(StatusCode::SEE_OTHER, &with));
        assert!(!login.is_success(StatusCode::SEE_OTHER, &without));
        assert!(!login.is_success(StatusCode::OK, &with));
        assert!(Expect::Ok200.is_success(StatusCode::OK, &without));
        assert!(!Expect::Ok200.is_success(StatusCode::SEE_OTHER, &without));
        assert!(Expect::TwoOrThree.is_success(StatusCode::NO_CONTENT, &without));
        assert!(Expect::TwoOrThree.is_success(StatusCode::FOUND, &without));
        assert!(!Expect::TwoOrThree.is_success(StatusCode::NOT_FOUND, &without));
    }
}
