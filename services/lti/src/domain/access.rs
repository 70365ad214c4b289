//! Calling a platform's services (grades, rosters): an OAuth2 access token by the client
//! credentials grant with a JWT client assertion signed with the registration's tool key
//! (1EdTech Security Framework), kept in memory until shortly before it expires.

use super::{
    jwt,
    platform_keys::{read_text, PlatformKeys, MAX_ANSWER_BYTES},
};
use crate::repo;
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};
use uuid::Uuid;
use zk_kernel::{crypto, Platform, TenantId};

/// AGS scopes.
pub const SCOPE_LINEITEM: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem";
pub const SCOPE_SCORE: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/score";
pub const SCOPE_RESULT: &str = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly";
/// NRPS scope.
pub const SCOPE_MEMBERSHIPS: &str =
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

/// Tokens per (registration, scopes).
#[derive(Default)]
pub struct TokenCache(Mutex<HashMap<(Uuid, String), (String, Instant)>>);

/// What went wrong when calling a platform: the HTTP status (none when unreachable) and the
/// platform's answer (its start), for the admin to see.
#[derive(Debug, Clone)]
pub struct CallError {
    pub status: Option<u16>,
    pub message: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "HTTP {s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl CallError {
    pub fn new(status: Option<u16>, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.len() > 500 {
            let mut end = 500;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        Self { status, message }
    }
}

/// The signed client assertion for `client_id` at `token_url`.
pub fn client_assertion(
    client_id: &str,
    token_url: &str,
    kid: &str,
    key: &rsa::RsaPrivateKey,
    now: i64,
) -> anyhow::Result<String> {
    jwt::sign(
        &json!({
            "iss": client_id,
            "sub": client_id,
            "aud": token_url,
            "iat": now,
            "exp": now + 300,
            "jti": crypto::random_token(),
        }),
        kid,
        key,
    )
}

/// An access token for `scopes` of a registration of `tenant`.
pub async fn token(
    p: &Platform,
    tenant: TenantId,
    registration: Uuid,
    client_id: &str,
    token_url: &str,
    scopes: &[&str],
) -> Result<String, CallError> {
    let scope = scopes.join(" ");
    let cache = p.extensions.get_or_init(TokenCache::default);
    let key = (registration, scope.clone());
    if let Some((token, until)) = cache.0.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        if Instant::now() < *until {
            return Ok(token.clone());
        }
    }
    if token_url.is_empty() {
        return Err(CallError::new(
            None,
            "Deze koppeling heeft geen token-adres.",
        ));
    }
    let mut tx =
        p.db.begin_tenant(tenant)
            .await
            .map_err(|e| CallError::new(None, e.message.to_string()))?;
    let signing = repo::signing_key(&mut tx, registration)
        .await
        .map_err(|e| CallError::new(None, e.message.to_string()))?;
    let _ = tx.commit().await;
    let Some((kid, pem)) = signing else {
        return Err(CallError::new(None, "Geen sleutel voor deze koppeling."));
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let assertion = jwt::private_from_pem(&pem)
        .and_then(|k| client_assertion(client_id, token_url, &kid, &k, now))
        .map_err(|e| CallError::new(None, e.to_string()))?;
    let res = PlatformKeys::of(p)
        .client()
        .post(token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.as_str()),
            ("scope", scope.as_str()),
        ])
        .send()
        .await
        .map_err(|e| CallError::new(None, e.to_string()))?;
    let status = res.status().as_u16();
    let body = read_text(res, MAX_ANSWER_BYTES).await;
    if !(200..300).contains(&status) {
        return Err(CallError::new(Some(status), body));
    }
    let doc: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let Some(token) = doc.get("access_token").and_then(Value::as_str) else {
        return Err(CallError::new(
            Some(status),
            "no access_token in the answer",
        ));
    };
    let lives = doc
        .get("expires_in")
        .and_then(Value::as_u64)
        .unwrap_or(3600);
    let until = Instant::now() + Duration::from_secs(lives.saturating_sub(60).max(1));
    cache
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, (token.to_owned(), until));
    Ok(token.to_owned())
}

/// Forgets a token the platform refused (401), so the next call asks for a new one.
pub fn forget(p: &Platform, registration: Uuid, scopes: &[&str]) {
    let cache = p.extensions.get_or_init(TokenCache::default);
    cache
        .0
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&(registration, scopes.join(" ")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_assertion_names_the_client_and_the_token_endpoint() {
        let key = jwt::new_key().unwrap();
        let t = client_assertion("c-1", "https://lms.example/token", "k1", &key, 1_000).unwrap();
        let claims = jwt::decode(&t)
            .unwrap()
            .verify(&key.to_public_key())
            .unwrap();
        assert_eq!(claims["iss"], "c-1");
        assert_eq!(claims["sub"], "c-1");
        assert_eq!(claims["aud"], "https://lms.example/token");
        assert_eq!(claims["exp"], 1_300);
        assert!(claims["jti"].as_str().unwrap().len() >= 32);
    }
}
