//! The named scenarios and the requests they send.
//!
//! * `trivial` — `GET /` on the in-process axum handler (the baseline).
//! * `home` — `GET /` on a member's subdomain of a running Zorgklas server, logged in as a
//!   learner (`Cookie: zk_session=…`); only `200` counts.
//! * `login` — `POST /inloggen` with a double-submit CSRF token; only `303` with a
//!   `Set-Cookie: zk_session=…` counts.

use crate::client::{cookie_from_set_cookie, send_once, Expect, Template};
use crate::target::Target;
use anyhow::{bail, Context};
use http::{header, Method};
use rand::{distributions::Alphanumeric, Rng};
use std::time::Duration;

/// Name of the session cookie the Zorgklas server sets.
pub const SESSION_COOKIE: &str = "zk_session";
/// Name of the CSRF cookie (its value must equal the form's `csrf` field).
pub const CSRF_COOKIE: &str = "zk_csrf";
/// The login form's path.
pub const LOGIN_PATH: &str = "/inloggen";

/// A scenario name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Scenario {
    /// In-process trivial axum handler (baseline).
    Trivial,
    /// Learner home page on a member subdomain.
    Home,
    /// Login form POST (password hashing included).
    Login,
}

impl Scenario {
    /// The scenario's name as used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Trivial => "trivial",
            Scenario::Home => "home",
            Scenario::Login => "login",
        }
    }

    /// True when the scenario needs a running Zorgklas server.
    pub fn needs_server(self) -> bool {
        !matches!(self, Scenario::Trivial)
    }
}

/// A random 43-character token (the length of 32 random bytes in unpadded base64url), made once
/// per process and used both as the `zk_csrf` cookie and the form's `csrf` field.
pub fn csrf_token() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(43)
        .map(char::from)
        .collect()
}

/// `GET /` on the trivial server.
pub fn trivial_template(target: Target) -> anyhow::Result<Template> {
    Template::new(Method::GET, "/", &target.to_string(), Expect::TwoOrThree)
}

/// `GET <path>` on a member subdomain with the session cookie.
pub fn home_template(host: &str, path: &str, session: &str) -> anyhow::Result<Template> {
    Template::new(Method::GET, path, host, Expect::Ok200)?
        .header(header::COOKIE, &format!("{SESSION_COOKIE}={session}"))
}

/// `POST /inloggen` with `email`, `password` and the double-submit CSRF token.
pub fn login_template(
    host: &str,
    email: &str,
    password: &str,
    csrf: &str,
) -> anyhow::Result<Template> {
    let form =
        serde_urlencoded::to_string([("email", email), ("password", password), ("csrf", csrf)])
            .context("encoding the login form")?;
    Ok(Template::new(
        Method::POST,
        LOGIN_PATH,
        host,
        Expect::SeeOtherWithCookie(SESSION_COOKIE),
    )?
    .header(header::COOKIE, &format!("{CSRF_COOKIE}={csrf}"))?
    .body("application/x-www-form-urlencoded", form))
}

/// Logs in once and returns the value of the `zk_session` cookie.
pub async fn obtain_session(
    target: Target,
    host: &str,
    email: &str,
    password: &str,
    timeout: Duration,
) -> anyhow::Result<String> {
    let template = login_template(host, email, password, &csrf_token())?;
    let res = send_once(target, &template, timeout)
        .await
        .with_context(|| format!("logging in as {email} at {target} (Host: {host})"))?;
    if let (true, Some(session)) = (
        res.status() == http::StatusCode::SEE_OTHER,
        cookie_from_set_cookie(res.headers(), SESSION_COOKIE),
    ) {
        return Ok(session);
    }
    let body = String::from_utf8_lossy(res.body());
    let snippet: String = body.chars().take(300).collect();
    bail!(
        "login as {email} at {target} (Host: {host}) did not give a session: status {}, location {:?}, body starts {:?}",
        res.status(),
        res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()),
        snippet
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_token_shape() {
        let t = csrf_token();
        assert_eq!(t.len(), 43);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(t, csrf_token());
    }

    #[test]
    fn login_request_is_double_submit() {
        let t =
            login_template("bench.localhost:18080", "a+b@x.test", "p&q=r", "T").expect("template");
        assert_eq!(t.method, Method::POST);
        assert_eq!(t.uri.path(), "/inloggen");
        assert_eq!(t.headers[header::HOST], "bench.localhost:18080");
        assert_eq!(t.headers[header::COOKIE], "zk_csrf=T");
        assert_eq!(
            t.headers[header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            &t.body[..],
            b"email=a%2Bb%40x.test&password=p%26q%3Dr&csrf=T"
        );
        assert_eq!(
            t.headers[header::CONTENT_LENGTH],
            t.body.len().to_string().as_str()
        );
    }
}
