//! The named scenarios and the requests they send.
//!
//! * `trivial` — `GET /` on the in-process axum handler (the baseline).
//! * `home` — `GET /` on a member's subdomain of a running Zorgklas server, logged in as a
//!   learner (`Cookie: zk_session=…`); only `200` counts.
//! * `catalog` — `GET /leren` (the member's catalogue page: 500 shared and 50 own modules in the
//!   benchmark data), logged in as the learner.
//! * `module` — `GET /leren/modules/{id}` of a shared module the member adopted with accents.
//! * `path` — `GET /leren/trajecten/{id}` of a shared learning path (10 modules) the member
//!   adopted with an own module added.
//! * `search` — `GET /api/v1/catalog?q=…` (Dutch full-text search), with the learner's session.
//! * `progress` — `POST /api/v1/learning/enrolments/{id}/blocks/{block}/done` (a learner marks a
//!   block done: a write, answered after its commit), with the learner's session and the CSRF
//!   header a page's script sends; the paths (the learner's enrolments × their blocks) are taken
//!   in turn from `--progress-paths`.
//! * `scorm` — `POST /speler/{token}/commit` on the member's package host
//!   (`Host: <tenant>.<package-domain>:<port>`): a SCORM 1.2 commit of about 2 KB, each virtual
//!   learner on its own play session (`--scorm-tokens`), answered after its transaction
//!   committed; see `scorm.rs`.
//! * `login` — `POST /inloggen` with the CSRF cookie and token of one login page fetched up front
//!   (the token is an HMAC of the cookie); only `303` with a `Set-Cookie: zk_session=…` counts.

use crate::client::{cookie_from_set_cookie, send_once, Expect, Template};
use crate::target::Target;
use anyhow::{bail, Context};
use http::{header, Method};
use std::time::Duration;

/// Name of the session cookie the Zorgklas server sets.
pub const SESSION_COOKIE: &str = "zk_session";
/// Name of the anonymous CSRF cookie (the form's `csrf` field is the server's HMAC of it).
pub const CSRF_COOKIE: &str = "zk_csrf";
/// The most login workers that make sense against one account from one address: the server lets
/// at most 5 logins of an account from one address be in flight (it counts them before hashing)
/// and answers the rest 429 at once.
pub const MAX_LOGIN_CONCURRENCY: usize = 4;
/// The login form's path.
pub const LOGIN_PATH: &str = "/inloggen";

/// A scenario name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Scenario {
    /// In-process trivial axum handler (baseline).
    Trivial,
    /// Learner home page on a member subdomain.
    Home,
    /// Catalogue page on a member subdomain.
    Catalog,
    /// Module page with the member's overlay.
    Module,
    /// Learning path page with the member's accents.
    Path,
    /// Catalogue search through the JSON API.
    Search,
    /// A learner's "block done" write through the JSON API.
    Progress,
    /// Login form POST (password hashing included).
    Login,
    /// A learner's SCORM commit on the package host (`--scorm-tokens`).
    Scorm,
    /// The admin's list of who is late (`--late-path`, the admin's session).
    Late,
}

impl Scenario {
    /// The scenario's name as used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Trivial => "trivial",
            Scenario::Home => "home",
            Scenario::Catalog => "catalog",
            Scenario::Module => "module",
            Scenario::Path => "path",
            Scenario::Search => "search",
            Scenario::Progress => "progress",
            Scenario::Login => "login",
            Scenario::Scorm => "scorm",
            Scenario::Late => "late",
        }
    }

    /// True when the scenario needs a running Zorgklas server.
    pub fn needs_server(self) -> bool {
        !matches!(self, Scenario::Trivial)
    }

    /// True when the scenario is a page or API call with the learner's session.
    pub fn needs_session(self) -> bool {
        matches!(
            self,
            Scenario::Home
                | Scenario::Catalog
                | Scenario::Module
                | Scenario::Path
                | Scenario::Search
                | Scenario::Progress
                | Scenario::Late
        )
    }
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

/// `POST` to the given paths in turn with the session cookie and its CSRF header.
pub fn progress_template(
    host: &str,
    paths: &[String],
    session: &str,
    csrf: &str,
) -> anyhow::Result<Template> {
    let first = paths.first().context("no progress paths")?;
    Template::new(Method::POST, first, host, Expect::Ok200)?
        .header(header::COOKIE, &format!("{SESSION_COOKIE}={session}"))?
        .header(header::HeaderName::from_static("x-csrf-token"), csrf)?
        .header(header::ACCEPT, "application/json")?
        .rotating(paths)
}

/// `POST /speler/{token}/commit` on the package host `host`, path and body from `commits`.
pub fn scorm_template(
    host: &str,
    commits: std::sync::Arc<crate::scorm::Commits>,
) -> anyhow::Result<Template> {
    Ok(Template::new(Method::POST, "/", host, Expect::Ok200)?
        .header(header::ACCEPT, "application/json")?
        .generated("application/json", commits))
}

/// The CSRF token a page hands its scripts (`<meta name="csrf-token" content="…">`).
pub fn meta_csrf(html: &str) -> Option<String> {
    html.split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

/// A login page's CSRF cookie and the form token that goes with it.
#[derive(Clone, Debug)]
pub struct LoginForm {
    pub cookie: String,
    pub token: String,
}

/// `POST /inloggen` with `email`, `password` and a login page's CSRF cookie and token.
pub fn login_template(
    host: &str,
    email: &str,
    password: &str,
    form: &LoginForm,
) -> anyhow::Result<Template> {
    let body = serde_urlencoded::to_string([
        ("email", email),
        ("password", password),
        ("csrf", form.token.as_str()),
    ])
    .context("encoding the login form")?;
    Ok(Template::new(
        Method::POST,
        LOGIN_PATH,
        host,
        Expect::SeeOtherWithCookie(SESSION_COOKIE),
    )?
    .header(header::COOKIE, &format!("{CSRF_COOKIE}={}", form.cookie))?
    .body("application/x-www-form-urlencoded", body))
}

/// The `csrf` field of a page.
fn form_token(html: &str) -> Option<String> {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

/// Fetches the login page once for its CSRF cookie and token.
pub async fn obtain_login_form(
    target: Target,
    host: &str,
    timeout: Duration,
) -> anyhow::Result<LoginForm> {
    let page = Template::new(Method::GET, LOGIN_PATH, host, Expect::Ok200)?;
    let res = send_once(target, &page, timeout)
        .await
        .with_context(|| format!("fetching the login page at {target} (Host: {host})"))?;
    let cookie = cookie_from_set_cookie(res.headers(), CSRF_COOKIE)
        .with_context(|| format!("the login page set no {CSRF_COOKIE} cookie"))?;
    let token = form_token(&String::from_utf8_lossy(res.body()))
        .context("the login page has no csrf field")?;
    Ok(LoginForm { cookie, token })
}

/// Logs in once and returns the value of the `zk_session` cookie.
pub async fn obtain_session(
    target: Target,
    host: &str,
    email: &str,
    password: &str,
    timeout: Duration,
) -> anyhow::Result<String> {
    let form = obtain_login_form(target, host, timeout).await?;
    let template = login_template(host, email, password, &form)?;
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
    fn the_csrf_field_is_read_from_the_page() {
        let html = r#"<form><input type="hidden" name="csrf" value="abc-_12"><input name="x">"#;
        assert_eq!(form_token(html).as_deref(), Some("abc-_12"));
        assert_eq!(form_token("<form></form>"), None);
    }

    #[test]
    fn login_request_carries_the_cookie_and_its_token() {
        let form = LoginForm {
            cookie: "C".into(),
            token: "T".into(),
        };
        let t = login_template("bench.localhost:18080", "a+b@x.test", "p&q=r", &form)
            .expect("template");
        assert_eq!(t.method, Method::POST);
        assert_eq!(t.uri.path(), "/inloggen");
        assert_eq!(t.headers[header::HOST], "bench.localhost:18080");
        assert_eq!(t.headers[header::COOKIE], "zk_csrf=C");
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
