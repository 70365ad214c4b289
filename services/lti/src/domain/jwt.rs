//! JSON Web Tokens as LTI 1.3 uses them: RS256 only (RSASSA-PKCS1-v1_5 with SHA-256), keys as
//! JWKs. Pure functions: signing with our keys, verifying a platform's token against its key,
//! and the JWK form of a public key.
//!
//! Nothing but `RS256` is ever accepted: `alg: none`, `HS256` (a platform's public key used as
//! an HMAC secret) and every other algorithm are refused before any key is looked at.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use rsa::{
    pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding},
    traits::PublicKeyParts,
    BigUint, Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey,
};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The size of the tool keys we make.
pub const KEY_BITS: usize = 2048;

/// Why a token could not be read or verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON.
    Malformed,
    /// Another algorithm than RS256 (including `none` and `HS256`).
    Algorithm(String),
    /// The signature does not check against the key.
    Signature,
    /// A key that is no usable RSA key (too small, bad encoding).
    Key,
}

/// The header fields we read.
#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
}

/// A token split into its parts, not yet verified.
#[derive(Debug, Clone)]
pub struct Unverified {
    pub header: Header,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

/// Splits and decodes a compact JWS. Checks the algorithm (RS256 only) but not the signature.
pub fn decode(token: &str) -> Result<Unverified, JwtError> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Header = B64
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    if header.alg != "RS256" {
        return Err(JwtError::Algorithm(header.alg));
    }
    let claims: Value = B64
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(Value::is_object)
        .ok_or(JwtError::Malformed)?;
    let signature = B64.decode(s).map_err(|_| JwtError::Malformed)?;
    Ok(Unverified {
        header,
        claims,
        signing_input: format!("{h}.{c}"),
        signature,
    })
}

impl Unverified {
    /// The claims, if the signature checks against `key`.
    pub fn verify(self, key: &RsaPublicKey) -> Result<Value, JwtError> {
        if key.size() * 8 < KEY_BITS {
            return Err(JwtError::Key);
        }
        let digest = Sha256::digest(self.signing_input.as_bytes());
        key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, &self.signature)
            .map_err(|_| JwtError::Signature)?;
        Ok(self.claims)
    }
}

/// Signs `claims` with RS256 under `kid`.
pub fn sign(claims: &Value, kid: &str, key: &RsaPrivateKey) -> anyhow::Result<String> {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let input = format!(
        "{}.{}",
        B64.encode(serde_json::to_vec(&header)?),
        B64.encode(serde_json::to_vec(claims)?)
    );
    let digest = Sha256::digest(input.as_bytes());
    let signature = key.sign(Pkcs1v15Sign::new::<Sha256>(), &digest)?;
    Ok(format!("{input}.{}", B64.encode(signature)))
}

/// A new RSA key pair (2048 bits). Takes a moment: run it off the async threads.
pub fn new_key() -> anyhow::Result<RsaPrivateKey> {
    Ok(RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS)?)
}

/// The PKCS#8 PEM of a private key (what the database keeps).
pub fn private_pem(key: &RsaPrivateKey) -> anyhow::Result<String> {
    Ok(key.to_pkcs8_pem(LineEnding::LF)?.to_string())
}

/// A private key from its PKCS#8 PEM.
pub fn private_from_pem(pem: &str) -> anyhow::Result<RsaPrivateKey> {
    Ok(RsaPrivateKey::from_pkcs8_pem(pem)?)
}

/// The public JWK of a key (`kty`, `alg`, `use`, `kid`, `n`, `e`).
pub fn public_jwk(key: &RsaPublicKey, kid: &str) -> Value {
    json!({
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": B64.encode(key.n().to_bytes_be()),
        "e": B64.encode(key.e().to_bytes_be()),
    })
}

/// The RSA public key of a JWK, with its `kid`. Only RSA keys meant for signing (`use` absent
/// or `sig`, `alg` absent or `RS256`) of at least [`KEY_BITS`] bits.
pub fn key_from_jwk(jwk: &Value) -> Option<(Option<String>, RsaPublicKey)> {
    if jwk.get("kty").and_then(Value::as_str) != Some("RSA") {
        return None;
    }
    if jwk
        .get("use")
        .and_then(Value::as_str)
        .is_some_and(|u| u != "sig")
        || jwk
            .get("alg")
            .and_then(Value::as_str)
            .is_some_and(|a| a != "RS256")
    {
        return None;
    }
    let n = B64.decode(jwk.get("n")?.as_str()?).ok()?;
    let e = B64.decode(jwk.get("e")?.as_str()?).ok()?;
    let key = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).ok()?;
    if key.size() * 8 < KEY_BITS {
        return None;
    }
    let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_owned);
    Some((kid, key))
}

/// The keys of a JWKS document (`{"keys": [...]}`) that [`key_from_jwk`] accepts.
pub fn keys_of_jwks(doc: &Value) -> Vec<(Option<String>, RsaPublicKey)> {
    doc.get("keys")
        .and_then(Value::as_array)
        .map(|keys| keys.iter().filter_map(key_from_jwk).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HS256, made here only to prove it is refused (the classic attack: the platform's public
    /// key used as the HMAC secret).
    fn hs256(key: &[u8], input: &str) -> Vec<u8> {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    fn key() -> RsaPrivateKey {
        static KEY: std::sync::OnceLock<RsaPrivateKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| new_key().unwrap()).clone()
    }

    #[test]
    fn a_signed_token_verifies_with_its_public_key_and_jwk() {
        let k = key();
        let claims = json!({"iss": "https://lms.example", "sub": "42"});
        let token = sign(&claims, "k1", &k).unwrap();
        let jwk = public_jwk(&k.to_public_key(), "k1");
        let (kid, public) = key_from_jwk(&jwk).unwrap();
        assert_eq!(kid.as_deref(), Some("k1"));
        let t = decode(&token).unwrap();
        assert_eq!(t.header.kid.as_deref(), Some("k1"));
        assert_eq!(t.verify(&public).unwrap(), claims);
        // The PEM round trip keeps the key.
        let again = private_from_pem(&private_pem(&k).unwrap()).unwrap();
        assert_eq!(again.to_public_key(), k.to_public_key());
    }

    #[test]
    fn changed_claims_or_another_key_fail_the_signature() {
        let k = key();
        let token = sign(&json!({"sub": "1"}), "k1", &k).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = B64.encode(br#"{"sub":"2"}"#);
        parts[1] = &forged;
        let t = decode(&parts.join(".")).unwrap();
        assert_eq!(t.verify(&k.to_public_key()), Err(JwtError::Signature));
        let other = new_key().unwrap();
        let t = decode(&token).unwrap();
        assert_eq!(t.verify(&other.to_public_key()), Err(JwtError::Signature));
    }

    #[test]
    fn none_and_hs256_are_refused_before_any_key() {
        let claims = B64.encode(br#"{"sub":"1"}"#);
        let none = format!("{}.{claims}.", B64.encode(br#"{"alg":"none"}"#));
        assert_eq!(
            decode(&none).unwrap_err(),
            JwtError::Algorithm("none".into())
        );
        // HS256 signed with the public key's PEM as the secret.
        let k = key();
        let public_pem = serde_json::to_string(&public_jwk(&k.to_public_key(), "k1")).unwrap();
        let input = format!("{}.{claims}", B64.encode(br#"{"alg":"HS256","kid":"k1"}"#));
        let mac = hs256(public_pem.as_bytes(), &input);
        let hs = format!("{input}.{}", B64.encode(mac));
        assert_eq!(
            decode(&hs).unwrap_err(),
            JwtError::Algorithm("HS256".into())
        );
    }

    #[test]
    fn malformed_tokens_and_weak_keys_are_refused() {
        for bad in ["", "a.b", "a.b.c.d", "!!.??.**", "e30.e30"] {
            assert_eq!(decode(bad).unwrap_err(), JwtError::Malformed, "{bad}");
        }
        // Claims that are no object.
        let t = format!(
            "{}.{}.",
            B64.encode(br#"{"alg":"RS256"}"#),
            B64.encode(b"[1]")
        );
        assert_eq!(decode(&t).unwrap_err(), JwtError::Malformed);
        // A 512-bit key or a key for encryption is not taken from a JWKS.
        let small = RsaPrivateKey::new(&mut rand::rngs::OsRng, 512).unwrap();
        assert!(key_from_jwk(&public_jwk(&small.to_public_key(), "s")).is_none());
        let mut enc = public_jwk(&key().to_public_key(), "e");
        enc["use"] = json!("enc");
        assert!(key_from_jwk(&enc).is_none());
        let doc = json!({"keys": [public_jwk(&key().to_public_key(), "ok"), enc, {"kty": "EC"}]});
        assert_eq!(keys_of_jwks(&doc).len(), 1);
    }
}
