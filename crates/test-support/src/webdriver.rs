//! A minimal W3C WebDriver client for browser tests against headless Chromium.
//!
//! [`Browser::start`] spawns `/usr/bin/chromedriver` on a free loopback port,
//! opens a session driving `/usr/bin/chromium` in headless mode with a fresh
//! profile directory, and hands back a [`Browser`]. Dropping the `Browser`
//! deletes the session (best effort), kills chromedriver and removes the
//! profile directory.
//!
//! Chromium resolves `*.localhost` to loopback by itself, so a test can serve
//! the application on `127.0.0.1:PORT` and navigate to
//! `http://acme.localhost:PORT/` to exercise host-based tenant routing.
//!
//! Tests should call [`browser_available`] first and skip when it is false,
//! so the suite still passes on machines without Chromium installed.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use zk_test_support::webdriver::{browser_available, Browser};
//! if !browser_available() {
//!     return Ok(());
//! }
//! let browser = Browser::start().await?;
//! browser.goto("http://acme.localhost:8080/").await?;
//! browser.find("input#email").await?.send_keys("a@example.org").await?;
//! browser.find("button[type=submit]").await?.click().await?;
//! # Ok(())
//! # }
//! ```

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use serde_json::{json, Value};

/// Path of the Chromium binary driven by [`Browser`].
pub const CHROMIUM_BIN: &str = "/usr/bin/chromium";
/// Path of the chromedriver binary spawned by [`Browser`].
pub const CHROMEDRIVER_BIN: &str = "/usr/bin/chromedriver";

/// The key under which W3C WebDriver returns element references (the
/// "web element identifier" of the spec).
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The key used by pre-W3C (JSON wire protocol) drivers.
const LEGACY_ELEMENT_KEY: &str = "ELEMENT";
/// Chromium's `CookieControlsMode::kBlockThirdParty`: the value of the profile preference
/// `profile.cookie_controls_mode` that blocks third-party cookies (0 allows them, 2 blocks
/// them in incognito windows only).
const BLOCK_THIRD_PARTY_COOKIES: u8 = 1;
/// How long to wait for chromedriver to answer `GET /status`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`Browser::find`] polls for an element to appear.
const FIND_TIMEOUT: Duration = Duration::from_secs(5);
/// Interval between polls.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Upper bound for a single WebDriver HTTP call (page loads included).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// True when both `/usr/bin/chromium` and `/usr/bin/chromedriver` exist, i.e.
/// when browser tests can run on this machine.
pub fn browser_available() -> bool {
    Path::new(CHROMIUM_BIN).exists() && Path::new(CHROMEDRIVER_BIN).exists()
}

/// Low-level WebDriver HTTP transport bound to one session.
#[derive(Clone, Debug)]
struct Wire {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    session_url: String,
}

impl Wire {
    async fn get(&self, path: &str) -> Result<Value> {
        let url = format!("{}{}", self.session_url, path);
        let resp = self.http.get(&url).send().await;
        decode(resp, "GET", &url).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        let url = format!("{}{}", self.session_url, path);
        let resp = self.http.post(&url).json(&body).send().await;
        decode(resp, "POST", &url).await
    }

    async fn delete(&self, path: &str) -> Result<Value> {
        let url = format!("{}{}", self.session_url, path);
        let resp = self.http.delete(&url).send().await;
        decode(resp, "DELETE", &url).await
    }

    /// Turns a WebDriver element reference object into an [`Element`].
    fn element(&self, value: &Value) -> Result<Element> {
        let id = value
            .get(ELEMENT_KEY)
            .or_else(|| value.get(LEGACY_ELEMENT_KEY))
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("not a WebDriver element reference: {value}"))?;
        Ok(Element {
            wire: self.clone(),
            id: id.to_owned(),
        })
    }
}

/// Reads a WebDriver response, returning its `value` or an error carrying the
/// WebDriver `error` code and `message`.
async fn decode(
    resp: reqwest::Result<reqwest::Response>,
    method: &str,
    url: &str,
) -> Result<Value> {
    let resp = resp.with_context(|| format!("WebDriver request {method} {url} failed"))?;
    let status = resp.status();
    let text = resp
        .text()
        .await
        .with_context(|| format!("reading WebDriver response to {method} {url}"))?;
    let body: Value = serde_json::from_str(&text).with_context(|| {
        format!("WebDriver response to {method} {url} is not JSON ({status}): {text}")
    })?;
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        let message = value.get("message").and_then(Value::as_str).unwrap_or("");
        bail!("WebDriver error `{error}` on {method} {url}: {message}");
    }
    if !status.is_success() {
        bail!("WebDriver {method} {url} returned {status}: {text}");
    }
    Ok(value)
}

/// Whether an error produced by [`decode`] is WebDriver's `no such element`.
fn is_no_such_element(err: &anyhow::Error) -> bool {
    err.to_string().contains("`no such element`")
}

/// Whether `buf` holds a complete HTTP/1.1 response: all headers, and as many
/// body bytes as `Content-Length` announces (none when it is absent).
fn http_response_complete(buf: &[u8]) -> bool {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    buf.len() >= end + 4 + length
}

/// Picks a free loopback port by binding port 0 and releasing it.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Creates a fresh, empty directory for a Chromium profile.
fn fresh_profile_dir() -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("zk-chromium-{}-{nanos}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating Chromium profile dir {}", dir.display()))?;
    Ok(dir)
}

/// A headless Chromium driven through a chromedriver child process.
///
/// Owns the chromedriver process, the WebDriver session and the temporary
/// profile directory; all three are cleaned up on drop.
#[derive(Debug)]
pub struct Browser {
    wire: Wire,
    child: Child,
    port: u16,
    session_id: String,
    session_open: bool,
    profile_dir: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a phone-sized
    /// 360x800 window.
    pub async fn start() -> Result<Browser> {
        Self::start_with_size(360, 800).await
    }

    /// Starts chromedriver and a headless Chromium session whose window is
    /// `width` x `height` CSS pixels.
    pub async fn start_with_size(width: u32, height: u32) -> Result<Browser> {
        Self::start_with_prefs(width, height, json!({})).await
    }

    /// [`Browser::start_with_size`] with third-party cookies blocked, as a person's browser
    /// may have them ("Block third-party cookies" in Chromium's settings: the profile
    /// preference `profile.cookie_controls_mode` = 1). A page inside a frame of another site
    /// then neither gets nor sets cookies.
    pub async fn start_without_third_party_cookies(width: u32, height: u32) -> Result<Browser> {
        Self::start_with_prefs(
            width,
            height,
            json!({ "profile.cookie_controls_mode": BLOCK_THIRD_PARTY_COOKIES }),
        )
        .await
    }

    /// Starts a session whose profile has the preferences `prefs` (chromedriver writes them
    /// into the fresh profile before Chromium starts).
    async fn start_with_prefs(width: u32, height: u32, prefs: Value) -> Result<Browser> {
        if !browser_available() {
            bail!("{CHROMIUM_BIN} or {CHROMEDRIVER_BIN} is not installed");
        }
        let port = free_port()?;
        let profile_dir = fresh_profile_dir()?;
        let mut child = Command::new(CHROMEDRIVER_BIN)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("spawning {CHROMEDRIVER_BIN}"))?;

        let result = Self::open_session(&mut child, port, &profile_dir, width, height, prefs).await;
        match result {
            Ok((wire, session_id)) => Ok(Browser {
                wire,
                child,
                port,
                session_id,
                session_open: true,
                profile_dir,
            }),
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&profile_dir);
                Err(err)
            }
        }
    }

    /// Waits for chromedriver to come up, then creates the session.
    async fn open_session(
        child: &mut Child,
        port: u16,
        profile_dir: &Path,
        width: u32,
        height: u32,
        prefs: Value,
    ) -> Result<(Wire, String)> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .context("building HTTP client")?;
        let base = format!("http://127.0.0.1:{port}");

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().context("polling chromedriver")? {
                bail!("chromedriver exited during startup with {status}");
            }
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(resp) => resp.status().is_success(),
                Err(_) => false,
            };
            if ready {
                break;
            }
            if Instant::now() >= deadline {
                bail!(
                    "chromedriver on port {port} did not answer /status within {STARTUP_TIMEOUT:?}"
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }

        let mut caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM_BIN,
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            format!("--window-size={width},{height}"),
                            format!("--user-data-dir={}", profile_dir.display()),
                        ],
                        // Chromium will not make a window narrower than about
                        // 500 px, so `--window-size` alone cannot give a phone
                        // viewport; device-metrics emulation sets it exactly
                        // (as a plain small viewport: no mobile UA, no touch).
                        "mobileEmulation": {
                            "deviceMetrics": {
                                "width": width,
                                "height": height,
                                "pixelRatio": 1.0,
                                "mobile": false,
                                "touch": false
                            }
                        }
                    }
                }
            }
        });
        if prefs.as_object().is_some_and(|p| !p.is_empty()) {
            caps["capabilities"]["alwaysMatch"]["goog:chromeOptions"]["prefs"] = prefs;
        }
        let url = format!("{base}/session");
        let resp = http.post(&url).json(&caps).send().await;
        let value = decode(resp, "POST", &url)
            .await
            .context("creating WebDriver session")?;
        let session_id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("new-session response has no sessionId: {value}"))?
            .to_owned();
        let wire = Wire {
            http,
            session_url: format!("{base}/session/{session_id}"),
        };
        Ok((wire, session_id))
    }

    /// Navigates to `url` and waits for the page load to finish.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.wire.post("/url", json!({ "url": url })).await?;
        Ok(())
    }

    /// The URL of the current page.
    pub async fn current_url(&self) -> Result<String> {
        let v = self.wire.get("/url").await?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("current URL is not a string: {v}"))
    }

    /// The title of the current page.
    pub async fn title(&self) -> Result<String> {
        let v = self.wire.get("/title").await?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("title is not a string: {v}"))
    }

    /// The serialized DOM of the current page.
    pub async fn page_source(&self) -> Result<String> {
        let v = self.wire.get("/source").await?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("page source is not a string: {v}"))
    }

    /// Finds the first element matching the CSS selector `css`, polling for up
    /// to 5 s for it to appear.
    pub async fn find(&self, css: &str) -> Result<Element> {
        let deadline = Instant::now() + FIND_TIMEOUT;
        let body = json!({ "using": "css selector", "value": css });
        loop {
            match self.wire.post("/element", body.clone()).await {
                Ok(v) => return self.wire.element(&v),
                Err(err) if is_no_such_element(&err) && Instant::now() < deadline => {
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
                Err(err) => {
                    return Err(err.context(format!("finding element `{css}`")));
                }
            }
        }
    }

    /// Finds all elements currently matching the CSS selector `css` (no
    /// waiting; the result may be empty).
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self
            .wire
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await
            .with_context(|| format!("finding elements `{css}`"))?;
        v.as_array()
            .ok_or_else(|| anyhow!("find-elements response is not an array: {v}"))?
            .iter()
            .map(|e| self.wire.element(e))
            .collect()
    }

    /// Runs `script` as the body of a synchronous JavaScript function with
    /// `args` as its `arguments`, and returns what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.wire
            .post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Sends the commands that follow (finding, reading, scripts) into the frame whose
    /// `<iframe>` element is `frame`, until [`Browser::leave_frame`].
    pub async fn enter_frame(&self, frame: &Element) -> Result<()> {
        let reference = json!({ ELEMENT_KEY: frame.id });
        self.wire.post("/frame", json!({ "id": reference })).await?;
        Ok(())
    }

    /// Back from a frame to the page around it.
    pub async fn leave_frame(&self) -> Result<()> {
        self.wire.post("/frame/parent", json!({})).await?;
        Ok(())
    }

    /// The handle of the window (tab) the commands go to.
    pub async fn window(&self) -> Result<String> {
        let v = self.wire.get("/window").await?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("window handle is not a string: {v}"))
    }

    /// The handles of every open window (tab).
    pub async fn windows(&self) -> Result<Vec<String>> {
        let v = self.wire.get("/window/handles").await?;
        v.as_array()
            .ok_or_else(|| anyhow!("window handles are not an array: {v}"))?
            .iter()
            .map(|h| {
                h.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow!("window handle is not a string: {h}"))
            })
            .collect()
    }

    /// Sends the commands that follow to the window (tab) `handle`.
    pub async fn switch_to_window(&self, handle: &str) -> Result<()> {
        self.wire
            .post("/window", json!({ "handle": handle }))
            .await?;
        Ok(())
    }

    /// Closes the window (tab) the commands go to, as a person closes a tab; switch to another
    /// window afterwards.
    pub async fn close_window(&self) -> Result<()> {
        self.wire.delete("/window").await?;
        Ok(())
    }

    /// Waits up to `timeout` for a window other than `known` to open, and switches to it.
    pub async fn switch_to_new_window(
        &self,
        known: &[String],
        timeout: Duration,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let windows = self.windows().await?;
            if let Some(new) = windows.iter().find(|h| !known.contains(h)) {
                self.switch_to_window(new).await?;
                return Ok(new.clone());
            }
            if Instant::now() >= deadline {
                bail!("no new window opened within {timeout:?}");
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Saves a PNG screenshot of the viewport to `path`, creating parent
    /// directories as needed.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let v = self.wire.get("/screenshot").await?;
        let b64 = v
            .as_str()
            .ok_or_else(|| anyhow!("screenshot is not a string"))?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .context("decoding screenshot base64")?;
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
        }
        tokio::fs::write(path, png)
            .await
            .with_context(|| format!("writing screenshot {}", path.display()))?;
        Ok(())
    }

    /// Saves a PNG of the whole page, beyond the viewport (Chromium's DevTools
    /// `Page.captureScreenshot` through chromedriver), at the viewport's width.
    pub async fn screenshot_full_page(&self, path: &Path) -> Result<()> {
        let size = self
            .execute(
                "return [document.documentElement.clientWidth, Math.min(document.documentElement.scrollHeight, 8000)];",
                vec![],
            )
            .await?;
        let (width, height) = (
            size[0].as_f64().unwrap_or(360.0),
            size[1].as_f64().unwrap_or(800.0),
        );
        let v = self
            .wire
            .post(
                "/goog/cdp/execute",
                json!({
                    "cmd": "Page.captureScreenshot",
                    "params": {
                        "format": "png",
                        "captureBeyondViewport": true,
                        "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 }
                    }
                }),
            )
            .await?;
        let b64 = v["data"]
            .as_str()
            .ok_or_else(|| anyhow!("full-page screenshot has no data"))?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .context("decoding screenshot base64")?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        tokio::fs::write(path, png)
            .await
            .with_context(|| format!("writing screenshot {}", path.display()))?;
        Ok(())
    }

    /// Polls until the current URL contains `fragment`, returning that URL, or
    /// fails after `timeout` with the last URL seen.
    pub async fn wait_for_url_contains(&self, fragment: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let url = self.current_url().await?;
            if url.contains(fragment) {
                return Ok(url);
            }
            if Instant::now() >= deadline {
                bail!("URL did not come to contain `{fragment}` within {timeout:?}; it is {url}");
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Ends the WebDriver session (closing Chromium) and stops chromedriver.
    /// Dropping the `Browser` does the same, best effort; this reports errors.
    pub async fn quit(mut self) -> Result<()> {
        self.session_open = false;
        self.wire.delete("").await?;
        Ok(())
    }

    /// Deletes the session with a blocking raw HTTP request, for use in
    /// `Drop` where no async runtime can be awaited.
    fn delete_session_blocking(&self) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            self.session_id, self.port
        );
        if stream.write_all(request.as_bytes()).is_ok() {
            // Wait for the reply, which comes once Chromium has quit. It must be
            // read by its length: chromedriver keeps the connection open.
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !http_response_complete(&buf) {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if self.session_open {
            self.delete_session_blocking();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile_dir);
    }
}

/// A reference to a DOM element in a [`Browser`] session.
#[derive(Clone, Debug)]
pub struct Element {
    wire: Wire,
    id: String,
}

impl Element {
    /// The WebDriver element id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Types `text` into the element.
    pub async fn send_keys(&self, text: &str) -> Result<()> {
        self.wire
            .post(
                &format!("/element/{}/value", self.id),
                json!({ "text": text }),
            )
            .await?;
        Ok(())
    }

    /// Clicks the element.
    pub async fn click(&self) -> Result<()> {
        self.wire
            .post(&format!("/element/{}/click", self.id), json!({}))
            .await?;
        Ok(())
    }

    /// Clears an editable element's value.
    pub async fn clear(&self) -> Result<()> {
        self.wire
            .post(&format!("/element/{}/clear", self.id), json!({}))
            .await?;
        Ok(())
    }

    /// The element's rendered (visible) text.
    pub async fn text(&self) -> Result<String> {
        let v = self.wire.get(&format!("/element/{}/text", self.id)).await?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("element text is not a string: {v}"))
    }

    /// The value of attribute `name`, or `None` when the element lacks it.
    pub async fn attr(&self, name: &str) -> Result<Option<String>> {
        let v = self
            .wire
            .get(&format!("/element/{}/attribute/{name}", self.id))
            .await?;
        Ok(match v {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        })
    }

    /// The computed value of CSS property `prop`, e.g. `rgba(255, 0, 0, 1)`
    /// for `background-color`.
    pub async fn css_value(&self, prop: &str) -> Result<String> {
        let v = self
            .wire
            .get(&format!("/element/{}/css/{prop}", self.id))
            .await?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("CSS value is not a string: {v}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>WebDriver smoke</title>
<style>body { background-color: rgb(250, 240, 230); font-family: sans-serif; }</style>
</head><body>
<form id="f" onsubmit="return false">
  <label for="name">Name</label>
  <input id="name" name="name" type="text">
  <button id="go" type="button">Go</button>
</form>
<p id="out"></p>
<script>
  document.getElementById('go').addEventListener('click', function () {
    document.getElementById('out').textContent = 'Hallo, ' + document.getElementById('name').value + '!';
  });
</script>
</body></html>"#;

    #[test]
    fn webdriver_http_response_framing() {
        assert!(!http_response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length:14\r\n"
        ));
        assert!(!http_response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length:14\r\n\r\n{\"value\""
        ));
        assert!(http_response_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length:14\r\n\r\n{\"value\":null}"
        ));
        assert!(http_response_complete(b"HTTP/1.1 204 No Content\r\n\r\n"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn webdriver_drives_a_form() -> Result<()> {
        if !browser_available() {
            eprintln!("skipping: {CHROMIUM_BIN} or {CHROMEDRIVER_BIN} not installed");
            return Ok(());
        }
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(|| async { axum::response::Html(PAGE) }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });

        let browser = Browser::start().await?;
        let url = format!("http://site.localhost:{port}/");
        browser.goto(&url).await?;
        assert_eq!(browser.title().await?, "WebDriver smoke");
        browser
            .wait_for_url_contains("site.localhost", Duration::from_secs(5))
            .await?;

        let input = browser.find("input#name").await?;
        input.send_keys("wrong").await?;
        input.clear().await?;
        input.send_keys("Zorgklas").await?;
        assert_eq!(input.attr("name").await?.as_deref(), Some("name"));
        assert_eq!(input.attr("data-missing").await?, None);
        browser.find("button#go").await?.click().await?;
        assert_eq!(
            browser.find("p#out").await?.text().await?,
            "Hallo, Zorgklas!"
        );
        assert_eq!(browser.find_all("form input, form button").await?.len(), 2);

        let bg = browser
            .find("body")
            .await?
            .css_value("background-color")
            .await?;
        assert!(
            bg.contains("250, 240, 230"),
            "unexpected background-color {bg}"
        );

        let width = browser
            .execute("return arguments[0] + window.innerWidth;", vec![json!(0)])
            .await?;
        assert_eq!(width, json!(360));
        assert!(browser.page_source().await?.contains("id=\"out\""));

        let err = browser
            .execute("throw new Error('boom');", vec![])
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("javascript error"), "unexpected error {err}");

        let dir = fresh_profile_dir()?;
        let shot = dir.join("nested").join("page.png");
        browser.screenshot(&shot).await?;
        let bytes = std::fs::read(&shot)?;
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        std::fs::remove_dir_all(&dir)?;

        browser.quit().await?;

        // A custom size, and cleanup by Drop alone: the session is deleted and
        // chromedriver is killed and reaped.
        let wide = Browser::start_with_size(1024, 700).await?;
        wide.goto(&url).await?;
        let size = wide
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await?;
        assert_eq!(size, json!([1024, 700]));
        let pid = wide.child.id();
        let profile = wide.profile_dir.clone();
        drop(wide);
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists(),
            "chromedriver still running"
        );
        assert!(!profile.exists(), "profile dir left behind");

        server.abort();
        Ok(())
    }
}
