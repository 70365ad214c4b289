//! Configuration from the environment (`ZK_*`, `DATABASE_URL`), read once at start-up.
//!
//! Every variable has a default that works for the embedded mode; `.env.example` lists them all.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// A secret string whose `Debug` output never shows the value.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Platform configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Owner connection (runs migrations). `None` means: start the embedded cluster.
    pub database_url: Option<Secret>,
    /// Connection of the RLS-bound application role; derived from `database_url` when unset.
    pub app_database_url: Option<Secret>,
    /// Maximum connections of the application pool.
    pub db_max_connections: u32,
    /// Base domain; members live at `{slug}.{base_domain}`.
    pub base_domain: String,
    /// Where e-learning packages play, away from the portals: `{slug}.{package_domain}`
    /// (`ZK_PACKAGE_DOMAIN`, default `pakket.{base_domain}`). Another origin, so a package's
    /// script never gets a portal's cookies or pages.
    pub package_domain: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Scheme and port used in links we send (mails, printed URLs): `http://{host}:{port}`.
    pub public_scheme: String,
    /// Port used in links; `None` = the listen port.
    pub public_port: Option<u16>,
    /// Directory for embedded state (database cluster, objects).
    pub data_dir: PathBuf,
    /// Theme and locales directory (`tenants/`); `None` = the copy built into the binary.
    pub theme_dir: Option<PathBuf>,
    /// SMTP server URL (lettre syntax); `None` = mails only go to the outbox table.
    pub smtp_url: Option<Secret>,
    /// Sender address of mails.
    pub mail_from: String,
    /// How often the SMTP worker looks for unsent mail.
    pub mail_poll: Duration,
    /// S3 endpoint and bucket; `None` = file-system object store under `data_dir/objects`.
    pub s3: Option<S3Config>,
    /// Session lifetime.
    pub session_ttl: Duration,
    /// Maximum request body size in bytes (uploads included).
    pub body_limit: usize,
    /// Request timeout.
    pub request_timeout: Duration,
    /// Proxies in front of this process that append to `X-Forwarded-For` (the gateway in split
    /// mode counts as one). The client address is taken this many entries from the right;
    /// 0 = the header is ignored and the connection's address is used.
    pub trusted_proxy_hops: usize,
    /// Server key for CSRF tokens (HMAC). Every process of one deployment needs the same key;
    /// unset, each process makes a random one at start (fine for one process).
    pub secret_key: Secret,
    /// True when `secret_key` was made at start because `ZK_SECRET_KEY` is unset.
    pub secret_key_generated: bool,
    /// Bearer token that `/metrics` requires; `None` = open (embedded/dev default).
    pub metrics_token: Option<Secret>,
    /// Upstream services for the gateway in split mode.
    pub upstreams: Upstreams,
    /// Media uploads larger than this use multipart upload (bytes).
    pub media_multipart_threshold: u64,
    /// Size of each part of a multipart upload (bytes; S3 needs at least 5 MiB).
    pub media_part_size: u64,
    /// How long an unconfirmed upload may stay before the sweeper removes it.
    pub media_upload_ttl: Duration,
    /// Stripe; `None` = billing offline (operators put members on a manual plan).
    pub stripe: Option<StripeConfig>,
    /// How long a member whose payment is overdue keeps its portal before it is suspended.
    pub billing_grace: Duration,
    /// How often the billing job looks for members whose grace period or paid-until day ended.
    pub billing_poll: Duration,
    /// Where members pay by bank transfer and whom they ask about billing (`ZK_BILLING_*`).
    pub billing_payee: BillingPayee,
    /// Whether this process runs the LTI service's background job (grades to the LMSs, daily
    /// roster syncs); `ZK_JOBS=false` for a process that only answers requests.
    pub jobs: bool,
}

/// NZK's bank account and billing contact, shown to a member whose portal is closed for
/// non-payment. The defaults are demo values, not a real account.
#[derive(Clone, Debug)]
pub struct BillingPayee {
    /// IBAN for payment by bank transfer (`ZK_BILLING_IBAN`).
    pub iban: String,
    /// Name of the account holder (`ZK_BILLING_BENEFICIARY`).
    pub beneficiary: String,
    /// E-mail address for questions about billing (`ZK_BILLING_CONTACT_EMAIL`).
    pub contact_email: String,
    /// Phone number for questions about billing (`ZK_BILLING_CONTACT_PHONE`).
    pub contact_phone: String,
}

impl BillingPayee {
    /// The demo values: a clearly fake IBAN and NZK's demo contact.
    pub fn demo() -> Self {
        Self {
            iban: "NL00 BANK 0123 4567 89".into(),
            beneficiary: "Stichting Nationale Zorgklas".into(),
            contact_email: "facturatie@zorgklas.localhost".into(),
            contact_phone: "030 123 45 67".into(),
        }
    }

    fn from_env() -> Self {
        let demo = Self::demo();
        Self {
            iban: var("ZK_BILLING_IBAN").unwrap_or(demo.iban),
            beneficiary: var("ZK_BILLING_BENEFICIARY").unwrap_or(demo.beneficiary),
            contact_email: var("ZK_BILLING_CONTACT_EMAIL").unwrap_or(demo.contact_email),
            contact_phone: var("ZK_BILLING_CONTACT_PHONE").unwrap_or(demo.contact_phone),
        }
    }
}

/// Stripe settings (`ZK_STRIPE_*`).
#[derive(Clone, Debug)]
pub struct StripeConfig {
    /// Secret API key (`sk_live_…`, `sk_test_…`).
    pub secret_key: Secret,
    /// Publishable key for Stripe.js in the checkout page (`pk_…`).
    pub publishable_key: String,
    /// API base URL; `https://api.stripe.com/` unless a test server is used.
    pub api_base: Option<String>,
    /// Where the checkout page loads Stripe.js from.
    pub js_url: String,
    /// Signing secret of the webhook endpoint (`whsec_…`); unset = every webhook is refused.
    pub webhook_secret: Option<Secret>,
}

/// S3 settings.
#[derive(Clone, Debug)]
pub struct S3Config {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: Secret,
    pub secret_key: Secret,
}

/// Addresses of the services when they run as separate processes.
#[derive(Clone, Debug, Default)]
pub struct Upstreams {
    pub tenant: Option<String>,
    pub content: Option<String>,
    pub learning: Option<String>,
    pub billing: Option<String>,
    pub lti: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} has an invalid value: {v:?}")),
    }
}

/// The key test configurations use (test clients make CSRF tokens with it).
pub const TEST_SECRET_KEY: &str = "zorgklas-test-secret-key-0123456789abcdef";

/// `ZK_SECRET_KEY` (at least 32 characters), or a random key for this process; the flag says
/// whether the key was made here.
fn secret_key() -> anyhow::Result<(Secret, bool)> {
    match var("ZK_SECRET_KEY") {
        Some(k) if k.trim().len() >= 32 => Ok((Secret::new(k.trim()), false)),
        Some(_) => anyhow::bail!(
            "ZK_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)"
        ),
        None => Ok((Secret::new(crate::crypto::random_token()), true)),
    }
}

/// `ZK_TRUSTED_PROXY_HOPS`; the old yes/no `ZK_TRUST_FORWARDED` (which trusted the leftmost,
/// client-controlled entry) is refused with a pointer to its replacement.
fn trusted_proxy_hops() -> anyhow::Result<usize> {
    if var("ZK_TRUST_FORWARDED").is_some_and(|v| !matches!(v.trim(), "false" | "0")) {
        anyhow::bail!(
            "ZK_TRUST_FORWARDED is replaced by ZK_TRUSTED_PROXY_HOPS: the number of proxies in front \
             of this process that append to X-Forwarded-For (1 behind the gateway; see .env.example)"
        );
    }
    parse("ZK_TRUSTED_PROXY_HOPS", 0)
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let base_domain = var("ZK_BASE_DOMAIN")
            .unwrap_or_else(|| "localhost".into())
            .to_lowercase();
        let (secret_key, secret_key_generated) = secret_key()?;
        let s3 = match (var("ZK_S3_ENDPOINT"), var("ZK_S3_BUCKET")) {
            (Some(endpoint), Some(bucket)) => Some(S3Config {
                endpoint,
                bucket,
                region: var("ZK_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                access_key: Secret::new(var("ZK_S3_ACCESS_KEY").unwrap_or_default()),
                secret_key: Secret::new(var("ZK_S3_SECRET_KEY").unwrap_or_default()),
            }),
            _ => None,
        };
        Ok(Self {
            database_url: var("DATABASE_URL").map(Secret::new),
            app_database_url: var("ZK_APP_DATABASE_URL").map(Secret::new),
            db_max_connections: parse("ZK_DB_MAX_CONNECTIONS", 16)?,
            package_domain: var("ZK_PACKAGE_DOMAIN")
                .map(|d| d.to_lowercase())
                .unwrap_or_else(|| format!("pakket.{base_domain}")),
            base_domain,
            listen: parse("ZK_LISTEN", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            public_scheme: var("ZK_PUBLIC_SCHEME").unwrap_or_else(|| "http".into()),
            public_port: var("ZK_PUBLIC_PORT").map(|p| p.parse()).transpose()?,
            data_dir: var("ZK_DATA_DIR")
                .unwrap_or_else(|| ".zorgklas".into())
                .into(),
            theme_dir: var("ZK_THEME_DIR").map(PathBuf::from),
            smtp_url: var("ZK_SMTP_URL").map(Secret::new),
            mail_from: var("ZK_MAIL_FROM")
                .unwrap_or_else(|| "Nationale Zorgklas <noreply@zorgklas.localhost>".into()),
            mail_poll: Duration::from_millis(parse("ZK_MAIL_POLL_MS", 5000)?),
            s3,
            session_ttl: Duration::from_secs(parse::<u64>("ZK_SESSION_TTL_HOURS", 12)? * 3600),
            body_limit: parse("ZK_BODY_LIMIT_BYTES", 2 * 1024 * 1024)?,
            request_timeout: Duration::from_secs(parse("ZK_REQUEST_TIMEOUT_SECS", 30)?),
            trusted_proxy_hops: trusted_proxy_hops()?,
            secret_key,
            secret_key_generated,
            metrics_token: var("ZK_METRICS_TOKEN").map(Secret::new),
            upstreams: Upstreams {
                tenant: var("ZK_TENANT_URL"),
                content: var("ZK_CONTENT_URL"),
                learning: var("ZK_LEARNING_URL"),
                lti: var("ZK_LTI_URL"),
                billing: var("ZK_BILLING_URL"),
            },
            media_multipart_threshold: parse("ZK_MEDIA_MULTIPART_BYTES", 64 * 1024 * 1024)?,
            media_part_size: parse("ZK_MEDIA_PART_BYTES", 64 * 1024 * 1024)?,
            media_upload_ttl: Duration::from_secs(
                parse::<u64>("ZK_MEDIA_UPLOAD_TTL_HOURS", 24)? * 3600,
            ),
            stripe: var("ZK_STRIPE_SECRET_KEY").map(|key| StripeConfig {
                secret_key: Secret::new(key),
                publishable_key: var("ZK_STRIPE_PUBLISHABLE_KEY").unwrap_or_default(),
                api_base: var("ZK_STRIPE_API_BASE"),
                js_url: var("ZK_STRIPE_JS_URL")
                    .unwrap_or_else(|| "https://js.stripe.com/v3/".into()),
                webhook_secret: var("ZK_STRIPE_WEBHOOK_SECRET").map(Secret::new),
            }),
            billing_grace: Duration::from_secs(parse::<u64>("ZK_BILLING_GRACE_DAYS", 14)? * 86_400),
            billing_poll: Duration::from_secs(parse("ZK_BILLING_POLL_SECS", 300)?),
            billing_payee: BillingPayee::from_env(),
            jobs: parse("ZK_JOBS", true)?,
        })
    }

    /// A configuration for tests: fixed secret, given database, no mail server.
    pub fn for_tests(database_url: &str, app_database_url: &str) -> Self {
        Self {
            database_url: Some(Secret::new(database_url)),
            app_database_url: Some(Secret::new(app_database_url)),
            db_max_connections: 5,
            base_domain: "localhost".into(),
            package_domain: "pakket.localhost".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_scheme: "http".into(),
            public_port: Some(8080),
            data_dir: std::env::temp_dir().join("zorgklas-test"),
            theme_dir: None,
            smtp_url: None,
            mail_from: "Nationale Zorgklas <noreply@zorgklas.localhost>".into(),
            mail_poll: Duration::from_millis(200),
            s3: None,
            session_ttl: Duration::from_secs(12 * 3600),
            body_limit: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            trusted_proxy_hops: 0,
            secret_key: Secret::new(TEST_SECRET_KEY),
            secret_key_generated: false,
            metrics_token: None,
            upstreams: Upstreams::default(),
            media_multipart_threshold: 64 * 1024 * 1024,
            media_part_size: 64 * 1024 * 1024,
            media_upload_ttl: Duration::from_secs(24 * 3600),
            stripe: None,
            billing_grace: Duration::from_secs(14 * 86_400),
            billing_poll: Duration::from_secs(3600),
            billing_payee: BillingPayee::demo(),
            jobs: true,
        }
    }

    /// The port that links should carry.
    pub fn link_port(&self) -> u16 {
        self.public_port.unwrap_or(self.listen.port())
    }

    /// `scheme://host[:port]` for a host on this platform.
    pub fn url_for_host(&self, host: &str) -> String {
        let port = self.link_port();
        let default_port = matches!(
            (self.public_scheme.as_str(), port),
            ("http", 80) | ("https", 443)
        );
        if default_port {
            format!("{}://{host}", self.public_scheme)
        } else {
            format!("{}://{host}:{port}", self.public_scheme)
        }
    }

    /// The portal URL of a member.
    pub fn tenant_url(&self, slug: &str) -> String {
        self.url_for_host(&format!("{slug}.{}", self.base_domain))
    }

    /// `scheme://{slug}.{package_domain}[:port]`: where a member's packages play.
    pub fn package_url(&self, slug: &str) -> String {
        self.url_for_host(&format!("{slug}.{}", self.package_domain))
    }

    /// The member slug of a package host (`{slug}.{package_domain}`, normalised), if it is one.
    pub fn package_slug<'a>(&self, host: &'a str) -> Option<&'a str> {
        host.strip_suffix(&self.package_domain)
            .and_then(|h| h.strip_suffix('.'))
            .filter(|label| !label.is_empty() && !label.contains('.'))
    }

    /// The URL of the NZK side (bare base domain).
    pub fn platform_url(&self) -> String {
        self.url_for_host(&self.base_domain)
    }

    /// Whether the platform is served over https: cookies then carry `Secure` and the `__Host-`
    /// prefix (so no sibling subdomain can set them), and responses carry HSTS.
    pub fn secure_cookies(&self) -> bool {
        self.public_scheme == "https"
    }

    /// Name of the session cookie (`__Host-zk_session` over https).
    pub fn session_cookie(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-zk_session"
        } else {
            "zk_session"
        }
    }

    /// Name of the flash-message cookie (`__Host-zk_flash` over https).
    pub fn flash_cookie(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-zk_flash"
        } else {
            "zk_flash"
        }
    }

    /// Name of the anonymous CSRF cookie (`__Host-zk_csrf` over https).
    pub fn csrf_cookie(&self) -> &'static str {
        if self.secure_cookies() {
            "__Host-zk_csrf"
        } else {
            "zk_csrf"
        }
    }
}
