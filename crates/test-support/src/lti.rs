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

/// The tests' own LTI 1.3 platform (`tests/peers/lti_platform.py`, jwcrypto) on a free port;
/// stopped when dropped. It signs id_tokens with its published key or, to be refused, with
/// `alg: none`, HS256 over its public key, an unpublished key or an unknown `kid`
/// ([`sign`](Self::sign)); serves its OpenID configuration, dynamic registration, a token
/// endpoint that checks the tool's client assertion, AGS line items and scores and NRPS
/// memberships; and records everything it receives ([`recorded`](Self::recorded)).
pub struct LtiPlatform {
    _child: Child,
    /// Its issuer, `http://127.0.0.1:{port}`.
    pub issuer: String,
    http: reqwest::Client,
}

impl LtiPlatform {
    /// Starts the platform from `.venv-peers` (jwcrypto; `scripts/test.sh` installs it) and
    /// waits until its JWKS answers. `ZK_LTI_PLATFORM_LOG=FILE` keeps its stderr.
    pub async fn start() -> anyhow::Result<Self> {
        let python = venv_bin("python");
        anyhow::ensure!(
            python.is_file(),
            "no .venv-peers (scripts/test.sh makes it)"
        );
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/peers/lti_platform.py"
        );
        let port = crate::free_port();
        let issuer = format!("http://127.0.0.1:{port}");
        let mut child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(match std::env::var_os("ZK_LTI_PLATFORM_LOG") {
                Some(path) => Stdio::from(std::fs::File::create(path)?),
                None => Stdio::null(),
            })
            .kill_on_drop(true)
            .spawn()?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?;
        for _ in 0..200 {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("the LTI platform exited ({status}); is jwcrypto in .venv-peers?");
            }
            if let Ok(r) = http.get(format!("{issuer}/jwks")).send().await {
                if r.status().is_success() {
                    return Ok(Self {
                        _child: child,
                        issuer,
                        http,
                    });
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("the LTI platform did not start on port {port}")
    }

    /// Its JWKS URL (the published key only).
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.issuer)
    }

    /// Its authorisation URL (it answers with the query it got; the test signs the token).
    pub fn auth_url(&self) -> String {
        format!("{}/auth", self.issuer)
    }

    /// Its OAuth2 token URL (client credentials with a JWT client assertion).
    pub fn token_url(&self) -> String {
        format!("{}/token", self.issuer)
    }

    /// Its dynamic registration endpoint.
    pub fn registration_url(&self) -> String {
        format!("{}/register", self.issuer)
    }

    /// Its OpenID configuration URL (what an LMS hands a tool to start dynamic registration).
    pub fn openid_configuration_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    /// Merges `changes` into its configuration: `registration_token`, `tool_jwks_url` (and
    /// `client_ids`) for clients registered by hand, `members`, `page_size`, `fail_scores`,
    /// `context_title`, `lineitems` (`{context: [line item]}`, made at once).
    pub async fn config(&self, changes: serde_json::Value) {
        self.call("/_config", &changes).await;
    }

    /// An id_token with `claims`, signed as `variant` says: `rs256` (its published key, kid
    /// `platform-1`), `none`, `hs256_public` (HMAC with its public key's PEM as the secret),
    /// `other_key` (an unpublished key under kid `platform-1`) or `unknown_kid`.
    pub async fn sign(&self, claims: &serde_json::Value, variant: &str) -> String {
        self.sign_with_kid(claims, variant, None).await
    }

    /// [`sign`](Self::sign) with the header's `kid` given.
    pub async fn sign_with_kid(
        &self,
        claims: &serde_json::Value,
        variant: &str,
        kid: Option<&str>,
    ) -> String {
        let body = serde_json::json!({"claims": claims, "variant": variant, "kid": kid});
        let answer = self.call("/_sign", &body).await;
        answer["id_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no id_token from the LTI platform: {answer}"))
            .to_owned()
    }

    /// Checks `jwt`'s RS256 signature against the JWKS at `jwks_url` (fetched by the platform,
    /// hosts under `.localhost` from 127.0.0.1): `{"valid", "header", "claims", "error"}`.
    pub async fn verify(&self, jwt: &str, jwks_url: &str) -> serde_json::Value {
        self.call(
            "/_verify",
            &serde_json::json!({"jwt": jwt, "jwks_url": jwks_url}),
        )
        .await
    }

    /// What it received so far: `registrations`, `token_requests`, `lineitems`, `scores`,
    /// `failed_scores`, `membership_requests`, and `jwks_fetches` (how often its JWKS was read).
    pub async fn recorded(&self) -> serde_json::Value {
        let res = self
            .http
            .get(format!("{}/_recorded", self.issuer))
            .send()
            .await
            .expect("the LTI platform answers");
        res.json().await.expect("JSON from the LTI platform")
    }

    async fn call(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let res = self
            .http
            .post(format!("{}{path}", self.issuer))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the LTI platform ({path}): {e}"));
        let status = res.status();
        let answer: serde_json::Value = res.json().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "the LTI platform ({path}): {status} {answer}"
        );
        answer
    }
}
