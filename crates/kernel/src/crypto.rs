//! Random tokens, token hashing, HMAC and password hashing.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, SaltString},
    Argon2,
};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 32 random bytes, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token: what the database stores instead of the token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The CSRF token of a browser: an HMAC under the server key of what the token is bound to (the
/// session cookie, or before login an anonymous cookie), URL-safe base64. Nobody without the key
/// can make a token for a cookie, and a token is worth nothing with another cookie.
pub fn csrf_token(key: &[u8], bound_to: &str) -> String {
    use base64::Engine;
    let mac = hmac_sha256(key, format!("zk-csrf-v1:{bound_to}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
}

/// Constant-time equality of two strings.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

thread_local! {
    /// argon2's working memory (19 MiB with the default parameters), kept per thread and reused,
    /// so hashing does not allocate and free 19 MiB each time (which left the allocator holding
    /// hundreds of MB under load).
    static ARGON2_BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// argon2id of `password` and `salt` into `out`, in this thread's reused memory.
fn argon2id_raw(
    params: &argon2::Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> anyhow::Result<()> {
    let argon2 = Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
    );
    ARGON2_BLOCKS
        .with(|blocks| {
            let mut blocks = blocks.borrow_mut();
            if blocks.len() < params.block_count() {
                blocks.resize(params.block_count(), argon2::Block::default());
            }
            argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..])
        })
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Hashes a password with argon2id (the crate's default parameters: 19 MiB, t=2, p=1) into a
/// PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let params = argon2::Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_raw = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = [0u8; 32];
    argon2id_raw(&params, password.as_bytes(), salt_raw, &mut out)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params)
            .map_err(|e| anyhow::anyhow!("params: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(
            argon2::password_hash::Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?,
        ),
    };
    Ok(phc.to_string())
}

/// Checks a password against a stored argon2id PHC string (constant-time comparison).
pub fn verify_password(password: &str, stored: &str) -> bool {
    let check = || -> anyhow::Result<bool> {
        let parsed = PasswordHash::new(stored).map_err(|e| anyhow::anyhow!("{e}"))?;
        if parsed.algorithm != argon2::ARGON2ID_IDENT {
            return Ok(false);
        }
        let params = argon2::Params::try_from(&parsed).map_err(|e| anyhow::anyhow!("{e}"))?;
        let salt = parsed.salt.ok_or_else(|| anyhow::anyhow!("no salt"))?;
        let mut salt_buf = [0u8; 64];
        let salt_raw = salt
            .decode_b64(&mut salt_buf)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let expected = parsed.hash.ok_or_else(|| anyhow::anyhow!("no hash"))?;
        let mut out = vec![0u8; expected.len()];
        argon2id_raw(&params, password.as_bytes(), salt_raw, &mut out)?;
        use subtle::ConstantTimeEq;
        Ok(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
    };
    check().unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so timing does not reveal it.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no-such-account").unwrap_or_default())
}

type HashJob = Box<dyn FnOnce() + Send>;

/// The password-hashing threads: one per core, started on first use. Each argon2 run takes
/// 19 MiB; on a fixed set of threads that memory is reused instead of piling up in the malloc
/// arenas of many short-lived blocking threads, and no more hashes run at once than there are
/// cores.
fn hashing_queue() -> &'static std::sync::Mutex<std::sync::mpsc::Sender<HashJob>> {
    static QUEUE: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<HashJob>>> =
        std::sync::OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("zk-hash-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        std::sync::Mutex::new(tx)
    })
}

async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    hashing_queue()
        .lock()
        .map_err(|_| anyhow::anyhow!("hashing queue poisoned"))?
        .send(Box::new(move || {
            let _ = tx.send(work());
        }))
        .map_err(|_| anyhow::anyhow!("hashing threads stopped"))?;
    Ok(rx.await?)
}

/// [`hash_password`] on a hashing thread.
pub async fn hash_password_async(password: String) -> anyhow::Result<String> {
    on_hashing_thread(move || hash_password(&password)).await?
}

/// [`verify_password`] on a hashing thread.
pub async fn verify_password_async(password: String, stored: String) -> bool {
    on_hashing_thread(move || verify_password(&password, &stored))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_interoperate_with_the_argon2_crate() {
        use argon2::{PasswordHasher, PasswordVerifier};
        // Ours verified by the crate, and the crate's verified by ours.
        let ours = hash_password("zorg-wachtwoord-1").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"zorg-wachtwoord-1", &parsed)
            .is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"ander-wachtwoord-2", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("ander-wachtwoord-2", &theirs));
        assert!(!verify_password("ander-wachtwoord-3", &theirs));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
    }

    #[test]
    fn tokens_are_unique_and_hash_is_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(token_hash("a"), token_hash("a"));
        assert_ne!(token_hash("a"), token_hash("b"));
    }

    #[tokio::test]
    async fn hashing_threads_hash_and_verify() {
        let h = hash_password_async("zorg-klas-1".into()).await.unwrap();
        assert!(verify_password_async("zorg-klas-1".into(), h.clone()).await);
        assert!(!verify_password_async("zorg-klas-2".into(), h).await);
    }

    #[test]
    fn hmac_matches_rfc_4231_and_csrf_tokens_are_bound() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let t = csrf_token(b"k", "s:session-a");
        assert_eq!(t.len(), 43);
        assert_eq!(t, csrf_token(b"k", "s:session-a"));
        assert_ne!(t, csrf_token(b"k", "s:session-b"));
        assert_ne!(t, csrf_token(b"other-key", "s:session-a"));
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
