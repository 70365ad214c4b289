//! The platforms' public keys: each registration's JWKS, fetched over HTTP (at most 256 kB) and
//! kept in memory for ten minutes; a token whose `kid` is not among them makes one fresh fetch
//! (a platform that rotated its key), at most once every two seconds per JWKS URL and one at a
//! time (tokens arriving together wait for the same fetch), so unknown `kid`s cannot make us
//! hammer an LMS.

use super::jwt;
use rsa::RsaPublicKey;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};
use zk_kernel::Platform;

const FRESH_FOR: Duration = Duration::from_secs(600);
/// The most of a JWKS we read (a platform's keys are a few kB).
const MAX_JWKS_BYTES: usize = 256 * 1024;
const REFETCH_AFTER: Duration = Duration::from_secs(2);

type Keys = Vec<(Option<String>, RsaPublicKey)>;

/// The key cache and the HTTP client of one process (a platform extension).
pub struct PlatformKeys {
    client: reqwest::Client,
    cache: Mutex<HashMap<String, (Instant, Keys)>>,
    /// One fetch per JWKS URL at a time: tokens that arrive together wait for it.
    fetching: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for PlatformKeys {
    fn default() -> Self {
        Self {
            client: http_client(),
            cache: Mutex::default(),
            fetching: Mutex::default(),
        }
    }
}

/// The client the LTI service calls platforms with: short timeouts, no redirects followed
/// (a JWKS or token URL is where the admin said it is).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Why no key was found.
#[derive(Debug)]
pub enum KeyError {
    /// The JWKS could not be fetched or read.
    Unreachable(String),
    /// The JWKS has no key with this `kid` (after one fresh fetch).
    Unknown,
}

impl PlatformKeys {
    /// This process's cache.
    pub fn of(p: &Platform) -> std::sync::Arc<Self> {
        p.extensions.get_or_init(Self::default)
    }

    /// The key of `kid` (or the only key, when the token names none) at `jwks_url`.
    pub async fn key(&self, jwks_url: &str, kid: Option<&str>) -> Result<RsaPublicKey, KeyError> {
        if let Some(found) = self.cached(jwks_url, kid) {
            return found;
        }
        // One fetch at a time per URL; who waited uses what it brought.
        let lock = self
            .fetching
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(jwks_url.to_owned())
            .or_default()
            .clone();
        let _one = lock.lock().await;
        if let Some(found) = self.cached(jwks_url, kid) {
            return found;
        }
        let keys = self.fetch(jwks_url).await?;
        let found = pick(&keys, kid);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(jwks_url.to_owned(), (Instant::now(), keys));
        found.ok_or(KeyError::Unknown)
    }

    /// The answer from memory: the key when the cache has it; `Unknown` when the cache was
    /// fetched so recently that fetching again is not allowed; `None` when a fetch is due.
    fn cached(&self, jwks_url: &str, kid: Option<&str>) -> Option<Result<RsaPublicKey, KeyError>> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (at, keys) = cache.get(jwks_url)?;
        if at.elapsed() >= FRESH_FOR {
            return None;
        }
        match pick(keys, kid) {
            Some(k) => Some(Ok(k)),
            None if at.elapsed() < REFETCH_AFTER => Some(Err(KeyError::Unknown)),
            None => None,
        }
    }

    async fn fetch(&self, url: &str) -> Result<Keys, KeyError> {
        let res = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| KeyError::Unreachable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(KeyError::Unreachable(format!("status {}", res.status())));
        }
        let bytes = read_body(res, MAX_JWKS_BYTES)
            .await
            .map_err(KeyError::Unreachable)?;
        let doc: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| KeyError::Unreachable(e.to_string()))?;
        Ok(jwt::keys_of_jwks(&doc))
    }

    /// The shared HTTP client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// A platform's answer, at most `max` bytes: read chunk by chunk, so an answer without a length
/// or with a false one is cut off at the limit (an error), never held whole.
pub async fn read_body(mut res: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    if res.content_length().is_some_and(|n| n > max as u64) {
        return Err(format!("the answer is larger than {max} bytes"));
    }
    let mut out = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
        if out.len() + chunk.len() > max {
            return Err(format!("the answer is larger than {max} bytes"));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// [`read_body`] as text (lossy), for the platform's answers an admin reads.
pub async fn read_text(res: reqwest::Response, max: usize) -> String {
    match read_body(res, max).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => e,
    }
}

/// The most we read of a platform's answer to one call (a token, a score, a configuration).
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// The most we read of one page of a course's memberships.
pub const MAX_ROSTER_PAGE_BYTES: usize = 16 * 1024 * 1024;

fn pick(keys: &Keys, kid: Option<&str>) -> Option<RsaPublicKey> {
    match kid {
        Some(kid) => keys
            .iter()
            .find(|(k, _)| k.as_deref() == Some(kid))
            .map(|(_, key)| key.clone()),
        None if keys.len() == 1 => Some(keys[0].1.clone()),
        None => None,
    }
}
