//! Verification of Stripe's `Stripe-Signature` header, done here rather than by a library: the
//! header is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>[,v1=…]`; a signature is
//! accepted when one `v1` matches (compared in constant time) and the timestamp is within the
//! tolerance of now.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far the timestamp may be from now (Stripe's libraries use five minutes).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// No Stripe-Signature header.
    Missing,
    /// The header has no timestamp or no v1 signature.
    Malformed,
    /// The timestamp is outside the tolerance.
    Stale,
    /// No v1 signature matches.
    Mismatch,
}

impl SignatureError {
    /// A stable code for logs and the error body.
    pub fn code(self) -> &'static str {
        match self {
            SignatureError::Missing => "signature_missing",
            SignatureError::Malformed => "signature_malformed",
            SignatureError::Stale => "signature_stale",
            SignatureError::Mismatch => "signature_mismatch",
        }
    }
}

/// The hex signature of `body` at `timestamp` (also used by tests to sign events).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Checks `header` for `body` against `secret` at `now` (unix seconds).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let expected = sign(secret, timestamp, body);
    let matches = signatures
        .iter()
        .any(|s| bool::from(s.as_bytes().ct_eq(expected.as_bytes())));
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn accepts_a_correct_signature_among_others() {
        let sig = sign(SECRET, 1_000, BODY);
        let header = format!("t=1000,v1=deadbeef,v1={sig},v0=old");
        assert_eq!(verify(Some(&header), BODY, SECRET, 1_100), Ok(()));
    }

    #[test]
    fn refuses_forged_stale_missing_and_malformed() {
        let sig = sign(SECRET, 1_000, BODY);
        let ok = format!("t=1000,v1={sig}");
        assert_eq!(
            verify(None, BODY, SECRET, 1_000),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(Some("v1=abc"), BODY, SECRET, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some("t=1000"), BODY, SECRET, 1_000),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(Some(&ok), BODY, "whsec_other", 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&ok), br#"{"id":"evt_2"}"#, SECRET, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&ok), BODY, SECRET, 1_000 + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(Some(&ok), BODY, SECRET, 1_000 - TOLERANCE_SECS - 1),
            Err(SignatureError::Stale)
        );
    }
}
