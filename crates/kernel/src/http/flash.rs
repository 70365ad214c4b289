//! Flash messages: a short success message that survives the redirect after a form post
//! (post/redirect/get) and is shown once, in the layout's status region.
//!
//! The message travels in a host-only cookie, MAC'd under the server key and bound to the tenant,
//! so nobody can plant a message of their own (a sibling subdomain, say). `see_other_with_flash`
//! (in `page`) sets it; the context middleware reads it on the next page request and clears it
//! in that response.

use super::{percent_decode, set_cookie, url_encode};
use crate::{config::Config, crypto, tenancy::TenantId};
use axum::{
    http::{header, HeaderMap, HeaderValue},
    response::Response,
};

/// How long a flash waits for the page it is meant for.
const MAX_AGE_SECS: u64 = 60;
/// Longer messages are cut (cookies have a size limit).
const MAX_CHARS: usize = 400;

fn mac(config: &Config, tenant: TenantId, payload: &str) -> String {
    use base64::Engine;
    let mac = crypto::hmac_sha256(
        config.secret_key.expose().as_bytes(),
        format!("zk-flash-v1:{tenant}:{payload}").as_bytes(),
    );
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
}

/// The cookie value for `message` on `tenant`'s host: `mac~payload`.
fn encode(config: &Config, tenant: TenantId, message: &str) -> String {
    let cut: String = message.chars().take(MAX_CHARS).collect();
    let payload = url_encode(&cut);
    format!("{}~{payload}", mac(config, tenant, &payload))
}

/// The message in a cookie value, if its MAC holds for this tenant.
fn decode(config: &Config, tenant: TenantId, value: &str) -> Option<String> {
    let (sent_mac, payload) = value.split_once('~')?;
    crypto::constant_time_eq(&mac(config, tenant, payload), sent_mac)
        .then(|| percent_decode(payload))
}

/// The flash message the request carries (page requests only).
pub(super) fn read(config: &Config, tenant: TenantId, headers: &HeaderMap) -> Option<String> {
    super::cookie(headers, config.flash_cookie())
        .filter(|v| !v.is_empty())
        .and_then(|v| decode(config, tenant, v))
}

/// Clears a shown flash, unless the response is itself a redirect (the message waits for the
/// page it leads to) or sets a new one.
pub(super) fn clear_after(config: &Config, res: &mut Response) {
    if res.status().is_redirection() {
        return;
    }
    let name = config.flash_cookie();
    let sets_new = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{name}="))));
    if !sets_new {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(name, "", Some(0), config.secure_cookies()),
        );
    }
}

/// The `Set-Cookie` value that carries `message` to the next page of `tenant`'s host.
pub(super) fn set_cookie_for(config: &Config, tenant: TenantId, message: &str) -> HeaderValue {
    set_cookie(
        config.flash_cookie(),
        &encode(config, tenant, message),
        Some(MAX_AGE_SECS),
        config.secure_cookies(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn config() -> Config {
        Config::for_tests("postgres://unused", "postgres://unused")
    }

    #[test]
    fn a_message_comes_back_only_on_its_own_tenant_and_unaltered() {
        let c = config();
        let a = TenantId(Uuid::new_v4());
        let b = TenantId(Uuid::new_v4());
        let v = encode(&c, a, "3 gebruikers geblokkeerd: Ann; Bob & \"Céline\"~");
        assert!(!v.contains([';', ' ', ',', '"']), "cookie-safe: {v}");
        assert_eq!(
            decode(&c, a, &v).as_deref(),
            Some("3 gebruikers geblokkeerd: Ann; Bob & \"Céline\"~")
        );
        assert_eq!(decode(&c, b, &v), None, "bound to the tenant");
        let (m, _) = v.split_once('~').unwrap();
        assert_eq!(decode(&c, a, &format!("{m}~Iets%20anders")), None);
        assert_eq!(decode(&c, a, "geen-mac"), None);
    }

    #[test]
    fn long_messages_are_cut() {
        let c = config();
        let a = TenantId(Uuid::new_v4());
        let long = "é".repeat(1000);
        assert_eq!(
            decode(&c, a, &encode(&c, a, &long))
                .unwrap()
                .chars()
                .count(),
            MAX_CHARS
        );
    }
}
