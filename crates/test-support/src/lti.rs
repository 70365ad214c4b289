//! LTI 1.3 platforms for tests, as real processes: `lti-provider-mock` (PyPI; OIDC login
//! initiation, RS256 id_tokens signed with its own key, JWKS) and the tests' own platform
//! (`tests/peers/lti_platform.py`, jwcrypto: its own keys, OpenID configuration, dynamic
//! registration, a token endpoint that checks our client assertion, line items, scores and
//! memberships that record what they receive). Both run from `.venv-peers` (`scripts/test.sh`
//! installs them); the test plays the browser in between.

use std::{collections::BTreeMap, path::PathBuf, process::Stdio, time::Duration};
use tokio::process::{Child, Command};

fn venv_bin(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../.venv-peers/bin/{name}"))
}

/// A browser's cookies for one site, enough for the mock's (name=value, no attributes kept).
#[derive(Default, Clone, Debug)]
pub struct Jar(BTreeMap<String, String>);

impl Jar {
    /// Takes the cookies a response sets.
    pub fn take(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let raw = v.to_str().unwrap_or_default();
            let pair = raw.split(';').next().unwrap_or_default();
            if let Some((k, val)) = pair.split_once('=') {
                if val.is_empty() {
                    self.0.remove(k.trim());
                } else {
                    self.0.insert(k.trim().to_owned(), val.to_owned());
                }
            }
        }
    }

    /// The `Cookie` header.
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The `name="…" value="…"` inputs of an HTML form (the mock writes each on its own lines).
pub fn form_inputs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<input").skip(1) {
        let tag = part.split('>').next().unwrap_or_default();
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            tag.find(&key).map(|i| {
                let rest = &tag[i + key.len()..];
                rest[..rest.find('"').unwrap_or(rest.len())].to_owned()
            })
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, v.replace("&amp;", "&").replace("&quot;", "\"")));
        }
    }
    out
}

/// A form's `action`.
pub fn form_action(html: &str) -> Option<String> {
    let i = html.find("action=\"")?;
    let rest = &html[i + 8..];
    Some(rest[..rest.find('"')?].replace("&amp;", "&"))
}

/// A running `lti-provider-mock`; stopped when dropped.
pub struct LtiMock {
    _child: Child,
    _dir: PathBuf,
    /// Its issuer: its own address unless started with another ([`LtiMock::start_as`]).
    pub issuer: String,
    /// Where it answers, `http://127.0.0.1:{port}`.
    pub url: String,
    http: reqwest::Client,
    jar: Jar,
}

/// The mock's fixed client id and deployment.
pub const MOCK_CLIENT_ID: &str = "lti-provider-mock";
pub const MOCK_DEPLOYMENT: &str = "1";

impl LtiMock {
    /// Starts the mock with the tool's login and launch URLs, its users (`id`, `given_name`,
    /// `family_name`, `email`) and courses (`id`, `name`) as JSON.
    pub async fn start(
        login_url: &str,
        launch_url: &str,
        users: &serde_json::Value,
        courses: &serde_json::Value,
    ) -> anyhow::Result<Self> {
        Self::start_as(None, login_url, launch_url, users, courses).await
    }

    /// [`LtiMock::start`] with the issuer `issuer` (`iss` of its logins and tokens) instead of
    /// its own address: an LMS whose pages are on another origin than its OIDC endpoints (a
    /// browser test frames the tool in a page of that origin).
    pub async fn start_as(
        issuer: Option<&str>,
        login_url: &str,
        launch_url: &str,
        users: &serde_json::Value,
        courses: &serde_json::Value,
    ) -> anyhow::Result<Self> {
        let uvicorn = venv_bin("uvicorn");
        anyhow::ensure!(
            uvicorn.is_file(),
            "lti-provider-mock not installed (scripts/test.sh installs it)"
        );
        let port = crate::free_port();
        let url = format!("http://127.0.0.1:{port}");
        let issuer = issuer.map_or_else(|| url.clone(), str::to_owned);
        // It reads `.env` from its working directory: an empty one of its own.
        let dir =
            std::env::temp_dir().join(format!("zk-ltimock-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        let child = Command::new(uvicorn)
            .args([
                "lti_provider_mock.server:app",
                "--host",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .args(["--workers", "1", "--log-level", "warning"])
            .current_dir(&dir)
            .env("LTI_PROVIDER_MOCK__LTI__ISS", &issuer)
            .env("LTI_PROVIDER_MOCK__LTI__LOGIN_URL", login_url)
            .env("LTI_PROVIDER_MOCK__LTI__LAUNCH_URL", launch_url)
            .env("LTI_PROVIDER_MOCK__USERS", users.to_string())
            .env("LTI_PROVIDER_MOCK__COURSES", courses.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        for _ in 0..200 {
            if let Ok(r) = http.get(format!("{url}/jwks")).send().await {
                if r.status().is_success() {
                    return Ok(Self {
                        _child: child,
                        _dir: dir,
                        issuer,
                        url,
                        http,
                        jar: Jar::default(),
                    });
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("lti-provider-mock did not start on port {port}")
    }

    /// The mock's JWKS URL.
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.url)
    }

    /// The mock's authorisation URL.
    pub fn auth_url(&self) -> String {
        format!("{}/authorize", self.url)
    }

    /// Logs in to the mock as `user` and opens course `course`: the login initiation form it
    /// sends to the tool (its fields, in order).
    pub async fn start_launch(
        &mut self,
        user: &str,
        course: &str,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let res = self
            .http
            .post(format!("{}/login", self.url))
            .form(&[("userid", user)])
            .send()
            .await?;
        self.jar.take(&res);
        let res = self
            .http
            .get(format!("{}/courses/{course}", self.url))
            .header("cookie", self.jar.header())
            .send()
            .await?;
        self.jar.take(&res);
        anyhow::ensure!(res.status().is_success(), "course page: {}", res.status());
        Ok(form_inputs(&res.text().await?))
    }

    /// Follows the tool's redirect to the mock's authorisation URL: the `id_token` and `state`
    /// it posts back to the tool.
    pub async fn authorize(&mut self, url: &str) -> anyhow::Result<(String, String)> {
        let res = self
            .http
            .get(url)
            .header("cookie", self.jar.header())
            .send()
            .await?;
        self.jar.take(&res);
        anyhow::ensure!(res.status().is_success(), "authorize: {}", res.status());
        let fields = form_inputs(&res.text().await?);
        let get = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Ok((get("id_token"), get("state")))
    }
}
