//! Extractors with the platform's error envelope: JSON bodies, CSRF-checked forms, client address,
//! and the principal a handler requires (`authz::Require`, `authz::Authenticated`).

use super::{csrf_matches, RequestContext};
use crate::{
    authz::{Authenticated, Authz, Permission, Require},
    error::AppError,
    platform::Platform,
};
use axum::{
    extract::{rejection::JsonRejection, ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

/// JSON body extractor whose rejections use the platform's error envelope.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Stuur de gegevens als JSON (Content-Type: application/json).",
        ),
        JsonRejection::JsonSyntaxError(_) => AppError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "De JSON in het verzoek is niet geldig.",
        ),
        JsonRejection::JsonDataError(e) => {
            let field = json_error_field(&e.body_text());
            let mut err = AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "Een veld in het verzoek ontbreekt of heeft het verkeerde type.",
            );
            err.field = field.map(Into::into);
            err
        }
        JsonRejection::BytesRejection(_) => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Het verzoek is te groot.",
        ),
        _ => AppError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Het verzoek is ongeldig.",
        ),
    }
}

/// The field a serde data error is about, from axum's text
/// (`…target type: blocks[0]: missing field `markdown` at line 1 column 9`): the path before the
/// message, with the missing field's name added, or for an error at the top level the name in
/// backticks.
fn json_error_field(text: &str) -> Option<String> {
    let rest = text.split_once("target type: ").map_or(text, |(_, r)| r);
    let (path, message) = match rest.split_once(": ") {
        Some((p, m)) if !p.is_empty() && !p.contains(' ') => (Some(p), m),
        _ => (None, rest),
    };
    let quoted = message.split('`').nth(1);
    match (path, message.starts_with("missing field"), quoted) {
        (Some(p), true, Some(name)) => Some(format!("{p}.{name}")),
        (Some(p), _, _) => Some(p.to_owned()),
        (None, _, name) => name.map(str::to_owned),
    }
}

/// A URL-encoded form whose `csrf` field must be the request's CSRF token (bound to the session
/// cookie, or before login to the anonymous cookie; see `RequestContext::csrf`).
pub struct CsrfForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = req
            .extensions()
            .get::<RequestContext>()
            .map(|ctx| ctx.csrf.clone())
            .unwrap_or_default();
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Dit type inhoud wordt niet ondersteund.",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "Het verzoek is te groot.",
                )
            })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "Het formulier is ongeldig.",
            )
        })?;
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        if !sent.is_some_and(|s| csrf_matches(&expected, s)) {
            return Err(AppError::csrf());
        }
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                "Een veld van het formulier ontbreekt of is ongeldig.",
            )
        })?;
        Ok(Self(value))
    }
}

/// The client's address (from the connection, or from `X-Forwarded-For` behind trusted proxies).
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

impl FromRequestParts<Platform> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        platform: &Platform,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(
            parts,
            platform.config.trusted_proxy_hops,
        )))
    }
}

/// The client's address, as [`ClientIp`] does it, for any state.
///
/// Each trusted proxy appends the address it received the request from, so with `trusted_hops`
/// proxies the client is that many entries from the right; everything further left was sent by
/// the client and proves nothing. With fewer entries than hops (a request that skipped an outer
/// proxy) the leftmost entry is the furthest address a trusted proxy saw. Anything that is not an
/// IP address falls back to the connection's address.
pub fn client_ip(parts: &Parts, trusted_hops: usize) -> String {
    let peer = || {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    if trusted_hops == 0 {
        return peer();
    }
    let entries: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let Some(entry) = entries.get(entries.len().saturating_sub(trusted_hops)) else {
        return peer();
    };
    match entry.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => peer(),
    }
}

impl<S: Send + Sync, P: Permission> FromRequestParts<S> for Require<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ctx = parts
            .extensions
            .get::<RequestContext>()
            .ok_or_else(AppError::unauthenticated)?;
        let principal = ctx
            .principal
            .clone()
            .ok_or_else(AppError::unauthenticated)?;
        let authz = parts
            .extensions
            .get::<Authz>()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("authz missing")))?;
        if principal.tenant_id != ctx.tenant.id
            || !authz
                .allowed(ctx.tenant.id, principal.user_id, P::OBJECT, P::ACTION)
                .await
        {
            return Err(AppError::forbidden());
        }
        Ok(Self::new(principal))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ctx = parts
            .extensions
            .get::<RequestContext>()
            .ok_or_else(AppError::unauthenticated)?;
        match &ctx.principal {
            Some(p) if p.tenant_id == ctx.tenant.id => Ok(Self(p.clone())),
            _ => Err(AppError::unauthenticated()),
        }
    }
}

#[cfg(test)]
mod field_tests {
    use super::json_error_field;

    #[test]
    fn the_field_of_a_json_data_error() {
        let f = |t: &str| {
            json_error_field(&format!(
                "Failed to deserialize the JSON body into the target type: {t}"
            ))
        };
        assert_eq!(
            f("missing field `title` at line 1 column 2").as_deref(),
            Some("title")
        );
        assert_eq!(
            f("blocks[0]: missing field `markdown` at line 1 column 9").as_deref(),
            Some("blocks[0].markdown")
        );
        assert_eq!(
            f("follow: unknown variant `soms`, expected `auto` or `review` at line 1 column 9")
                .as_deref(),
            Some("follow")
        );
        assert_eq!(
            f("employee_count: invalid type: string \"x\", expected i64 at line 1 column 5")
                .as_deref(),
            Some("employee_count")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use axum::{extract::ConnectInfo, http::Request};
    use std::net::SocketAddr;

    fn parts(forwarded: &[&str]) -> axum::http::request::Parts {
        let mut req = Request::builder().uri("/");
        for v in forwarded {
            req = req.header("x-forwarded-for", *v);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 9], 4000))));
        parts
    }

    #[test]
    fn the_client_cannot_choose_its_address() {
        // One proxy that appends: the rightmost entry is what it saw; the rest is the client's.
        let p = parts(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(client_ip(&p, 1), "203.0.113.7");
        // Two proxies: one further left.
        let p = parts(&["6.6.6.6, 203.0.113.7, 10.0.0.2"]);
        assert_eq!(client_ip(&p, 2), "203.0.113.7");
        // Several header lines count as one list, in order.
        let p = parts(&["6.6.6.6", "203.0.113.7"]);
        assert_eq!(client_ip(&p, 1), "203.0.113.7");
        // Fewer entries than hops: the furthest address a trusted proxy saw.
        let p = parts(&["203.0.113.7"]);
        assert_eq!(client_ip(&p, 2), "203.0.113.7");
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let p = parts(&["6.6.6.6"]);
        assert_eq!(client_ip(&p, 0), "10.0.0.9");
        let p = parts(&[]);
        assert_eq!(client_ip(&p, 1), "10.0.0.9");
        let p = parts(&["6.6.6.6, not-an-address"]);
        assert_eq!(client_ip(&p, 1), "10.0.0.9");
        let p = parts(&["6.6.6.6, 2001:db8::1"]);
        assert_eq!(client_ip(&p, 1), "2001:db8::1");
    }
}
