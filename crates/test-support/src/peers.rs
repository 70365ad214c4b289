//! Real test peers started per test: an S3-compatible server (`s3s-fs`, which checks SigV4
//! signatures) on a free port with its own data directory.

use std::{path::PathBuf, process::Stdio, time::Duration};
use tokio::process::{Child, Command};
use zk_kernel::config::{S3Config, Secret};

/// Where `s3s-fs` is: on PATH or in cargo's bin directory (`scripts/test.sh` installs it).
pub fn s3s_fs_binary() -> Option<PathBuf> {
    let from_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("s3s-fs"))
            .find(|c| c.is_file())
    });
    from_path.or_else(|| {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        Some(home.join("bin/s3s-fs")).filter(|p| p.is_file())
    })
}

/// A running `s3s-fs`; stopped when dropped.
pub struct S3Peer {
    child: Option<Child>,
    /// The directory holding the buckets (one folder each).
    pub data_dir: PathBuf,
    pub config: S3Config,
    port: u16,
}

/// Starts `s3s-fs` on `port` with these credentials and data, and waits until it listens.
async fn spawn_s3s_fs(
    port: u16,
    access: &str,
    secret: &str,
    data_dir: &std::path::Path,
) -> anyhow::Result<Child> {
    let bin = s3s_fs_binary()
        .ok_or_else(|| anyhow::anyhow!("s3s-fs not installed (scripts/test.sh installs it)"))?;
    let child = Command::new(bin)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--access-key",
            access,
            "--secret-key",
            secret,
        ])
        .arg(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("s3s-fs did not start on port {port}")
}

impl S3Peer {
    /// Starts `s3s-fs` with fresh credentials and data directory; the bucket is created by the
    /// platform at start-up.
    pub async fn start(bucket: &str) -> anyhow::Result<Self> {
        let port = crate::free_port();
        let data_dir =
            std::env::temp_dir().join(format!("zk-s3-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir)?;
        let (access, secret) = (
            "zk-test-access",
            format!("zk-test-secret-{}", uuid::Uuid::new_v4().simple()),
        );
        let child = spawn_s3s_fs(port, access, &secret, &data_dir).await?;
        let config = S3Config {
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: bucket.to_owned(),
            region: "us-east-1".into(),
            access_key: Secret::new(access),
            secret_key: Secret::new(secret),
        };
        Ok(Self {
            child: Some(child),
            data_dir,
            config,
            port,
        })
    }

    /// Stops the server (an outage of the object store); its data stays.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts it again on the same port, with the same credentials and data.
    pub async fn start_again(&mut self) -> anyhow::Result<()> {
        self.stop().await;
        let child = spawn_s3s_fs(
            self.port,
            self.config.access_key.expose(),
            self.config.secret_key.expose(),
            &self.data_dir,
        )
        .await?;
        self.child = Some(child);
        Ok(())
    }
}

/// The Python of `.venv-peers` (created by `scripts/test.sh`), when `aiosmtpd` is installed there.
pub fn peers_python() -> Option<PathBuf> {
    let py = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-peers/bin/python");
    let has_aiosmtpd = std::process::Command::new(&py)
        .args(["-c", "import aiosmtpd"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    has_aiosmtpd.then_some(py)
}

/// A running SMTP server (`aiosmtpd`) that stores every message in a maildir; stopped when
/// dropped.
pub struct SmtpPeer {
    _child: Child,
    pub port: u16,
    /// The maildir; delivered messages appear under `new/`.
    pub maildir: PathBuf,
}

impl SmtpPeer {
    /// Starts `aiosmtpd` with the Mailbox handler on a free port.
    pub async fn start() -> anyhow::Result<Self> {
        let py = peers_python().ok_or_else(|| {
            anyhow::anyhow!("aiosmtpd not installed (scripts/test.sh installs it)")
        })?;
        let port = crate::free_port();
        let maildir =
            std::env::temp_dir().join(format!("zk-mail-{}", uuid::Uuid::new_v4().simple()));
        let child = Command::new(py)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Self {
                    _child: child,
                    port,
                    maildir,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("aiosmtpd did not start on port {port}")
    }

    /// The raw messages delivered so far.
    pub fn messages(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter_map(|f| std::fs::read_to_string(f.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A running localstripe (a stateful Stripe API server, PyPI) on a free loopback port, started
/// through `peers/localstripe_peer.py` (which adds `collection_method=send_invoice`); stopped
/// when dropped.
pub struct StripePeer {
    _child: Child,
    pub port: u16,
}

impl StripePeer {
    /// Starts localstripe from `.venv-peers` (installed by `scripts/test.sh`).
    pub async fn start() -> anyhow::Result<Self> {
        let py =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-peers/bin/python");
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/localstripe_peer.py");
        let port = crate::free_port();
        let child = Command::new(py)
            .arg(script)
            .args(["--port", &port.to_string(), "--from-scratch"])
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            // ZK_LOCALSTRIPE_LOG=FILE keeps localstripe's log (its tracebacks) for debugging.
            .stderr(match std::env::var_os("ZK_LOCALSTRIPE_LOG") {
                Some(path) => Stdio::from(std::fs::File::create(path)?),
                None => Stdio::null(),
            })
            .kill_on_drop(true)
            .spawn()?;
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(Self {
                    _child: child,
                    port,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("localstripe did not start on port {port}")
    }

    /// The API base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Registers a webhook endpoint: localstripe posts every event to `url`, signed with
    /// `secret`, about a second after it happens.
    pub async fn register_webhook(&self, url: &str, secret: &str) -> anyhow::Result<()> {
        let res = reqwest::Client::new()
            .post(format!("{}/_config/webhooks/zk", self.url()))
            .basic_auth("sk_test_zk", Some(""))
            .form(&[("url", url), ("secret", secret)])
            .send()
            .await?;
        anyhow::ensure!(
            res.status().is_success(),
            "webhook registration: {}",
            res.status()
        );
        Ok(())
    }

    /// A raw API call (form-encoded), for what tests do in Stripe's place (e.g. a customer
    /// confirming a setup intent with a test card).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<serde_json::Value> {
        let res = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url()))
            .basic_auth("sk_test_zk", Some(""))
            .form(form)
            .send()
            .await?;
        Ok(res.json().await?)
    }
}
