//! In-process HTTP: requests through a router with `oneshot`, with the Host header of a member
//! (`slug.localhost`) or of the NZK side (`localhost`), cookies and bearer tokens.

use axum::{body::Body, Router};
use http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The anonymous CSRF cookie test requests send when they have no session.
pub const CSRF_COOKIE_VALUE: &str = "test-csrf-token-0123456789abcdefghijklmnopq";

/// The CSRF token the platform expects with a session cookie (tests run with the test key).
pub fn csrf_for_session(session: &str) -> String {
    zk_kernel::crypto::csrf_token(
        zk_kernel::config::TEST_SECRET_KEY.as_bytes(),
        &format!("s:{session}"),
    )
}

/// The CSRF token the platform expects with an anonymous CSRF cookie.
pub fn csrf_for_anonymous(cookie: &str) -> String {
    zk_kernel::crypto::csrf_token(
        zk_kernel::config::TEST_SECRET_KEY.as_bytes(),
        &format!("a:{cookie}"),
    )
}

/// The value of a page's `csrf` form field, as a browser would submit it.
pub fn csrf_field(html: &str) -> Option<String> {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

/// A client for one router.
#[derive(Clone)]
pub struct TestClient {
    router: Router,
}

/// A request being built.
pub struct TestRequest {
    router: Router,
    method: Method,
    host: String,
    path: String,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    body: Body,
    /// Form fields, encoded at `send` with the CSRF token that fits the request's cookies.
    form: Option<Vec<(String, String)>>,
}

/// A response, fully read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestClient {
    /// A client for `router` (with its layers).
    pub fn new(router: Router) -> Self {
        Self { router }
    }

    /// The router this client sends to (to serve it on a real port, for example).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// A request to `path` on `host`: `""` = the NZK side, else a member slug (or a full host
    /// when it contains a dot).
    pub fn request(&self, method: Method, host: &str, path: &str) -> TestRequest {
        let host = if host.is_empty() {
            "localhost".to_owned()
        } else if host.contains('.') {
            host.to_owned()
        } else {
            format!("{host}.localhost")
        };
        TestRequest {
            router: self.router.clone(),
            method,
            host,
            path: path.to_owned(),
            headers: vec![],
            cookies: vec![],
            body: Body::empty(),
            form: None,
        }
    }

    /// A `GET` request (see [`TestClient::request`]).
    pub fn get(&self, host: &str, path: &str) -> TestRequest {
        self.request(Method::GET, host, path)
    }
    /// A `POST` request (see [`TestClient::request`]).
    pub fn post(&self, host: &str, path: &str) -> TestRequest {
        self.request(Method::POST, host, path)
    }
    /// A `PUT` request (see [`TestClient::request`]).
    pub fn put(&self, host: &str, path: &str) -> TestRequest {
        self.request(Method::PUT, host, path)
    }
    /// A `DELETE` request (see [`TestClient::request`]).
    pub fn delete(&self, host: &str, path: &str) -> TestRequest {
        self.request(Method::DELETE, host, path)
    }
}

impl TestRequest {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
    /// `Authorization: Bearer …`
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }
    /// Adds a cookie (`name=value`).
    pub fn cookie(mut self, pair: &str) -> Self {
        self.cookies.push(pair.to_owned());
        self
    }
    /// The session cookie of a browser session, with the CSRF header a script would send.
    pub fn session(self, token: &str) -> Self {
        self.cookie(&format!("zk_session={token}"))
            .header("x-csrf-token", &csrf_for_session(token))
    }
    /// A JSON body.
    pub fn json(mut self, value: &Value) -> Self {
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self.body = Body::from(value.to_string());
        self
    }
    /// A raw body with a content type.
    pub fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.headers
            .push(("content-type".into(), content_type.to_owned()));
        self.body = Body::from(bytes.into());
        self
    }
    /// A body that arrives in parts, as from a slow upload: every `Vec` sent on the other end of
    /// `chunks` is the next part, and the body ends when that end is dropped. With a channel of
    /// capacity 1, a second `send` returns once the server has taken the first part.
    pub fn body_in_parts(
        mut self,
        content_type: &str,
        chunks: tokio::sync::mpsc::Receiver<Vec<u8>>,
    ) -> Self {
        self.headers
            .push(("content-type".into(), content_type.to_owned()));
        let parts = futures_util::stream::unfold(chunks, |mut chunks| async move {
            let chunk = chunks.recv().await?;
            Some((Ok::<_, std::io::Error>(chunk), chunks))
        });
        self.body = Body::from_stream(parts);
        self
    }
    /// A form post with the CSRF token a browser would have: bound to the session cookie when
    /// the request has one (added before or after this call), else to the anonymous cookie.
    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        self.form = Some(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        );
        self
    }

    /// Sends the request and asserts the response's status; a mismatch panics with the
    /// request, the caller's line and the body.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> impl std::future::Future<Output = TestResponse> {
        let caller = std::panic::Location::caller();
        let what = format!("{} {}{}", self.method, self.host, self.path);
        async move {
            let res = self.send().await;
            assert_eq!(
                res.status,
                status,
                "{what} (at {caller}); body: {}",
                res.text()
            );
            res
        }
    }

    /// Sends the request through the router.
    pub async fn send(mut self) -> TestResponse {
        if let Some(fields) = self.form.take() {
            let session = self
                .cookies
                .iter()
                .find_map(|c| c.strip_prefix("zk_session="))
                .map(str::to_owned);
            let token = match session {
                Some(s) => csrf_for_session(&s),
                None => {
                    self.cookies.push(format!("zk_csrf={CSRF_COOKIE_VALUE}"));
                    csrf_for_anonymous(CSRF_COOKIE_VALUE)
                }
            };
            let mut all = vec![("csrf".to_owned(), token)];
            all.extend(fields);
            let encoded = serde_urlencoded::to_string(&all).unwrap_or_default();
            self = self.body("application/x-www-form-urlencoded", encoded);
        }
        let mut builder = Request::builder()
            .method(self.method)
            .uri(&self.path)
            .header(header::HOST, format!("{}:8080", self.host));
        for (k, v) in &self.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if !self.cookies.is_empty() {
            builder = builder.header(header::COOKIE, self.cookies.join("; "));
        }
        let req = builder.body(self.body).expect("valid request");
        let res = self.router.oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }
}

impl TestResponse {
    /// The body as JSON (panics with the body text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// `error.code` of an error envelope.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    /// `error.field` of an error envelope.
    pub fn error_field(&self) -> String {
        self.json()["error"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    /// The `id` of the JSON object this response holds (panics without one).
    pub fn id(&self) -> String {
        let body = self.json();
        body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in: {body}"))
            .to_owned()
    }
    /// The value of a cookie this response sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }
    /// The `Location` header.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    /// Asserts the status, showing the body on failure.
    #[track_caller]
    pub fn assert_status(&self, expected: StatusCode) -> &Self {
        assert_eq!(
            self.status,
            expected,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }
}
