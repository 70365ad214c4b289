//! Throttle counters (`tenant.throttle`, a platform table of key hashes). The app role reaches it
//! only through the SECURITY DEFINER functions of the account-security migration.

use sqlx::PgPool;
use zk_kernel::AppResult;

/// One counter an attempt is taken under.
#[derive(Clone, Debug)]
pub struct Key {
    /// SHA-256 of the key text.
    pub hash: Vec<u8>,
    /// SHA-256 of the account the key belongs to, so its counters can be cleared together.
    pub account: Option<Vec<u8>>,
    /// Attempts allowed within the window.
    pub limit: i32,
}

/// Takes one attempt under every key, atomically (one statement, rows locked in key order).
/// `false`, and nothing counted, when any key has reached its limit within `window_secs`.
pub async fn take(pool: &PgPool, keys: &[Key], window_secs: i32) -> AppResult<bool> {
    let hashes: Vec<&[u8]> = keys.iter().map(|k| k.hash.as_slice()).collect();
    let accounts: Vec<Option<&[u8]>> = keys.iter().map(|k| k.account.as_deref()).collect();
    let limits: Vec<i32> = keys.iter().map(|k| k.limit).collect();
    Ok(
        sqlx::query_scalar("SELECT tenant.throttle_take($1, $2, $3, $4)")
            .bind(hashes)
            .bind(accounts)
            .bind(limits)
            .bind(window_secs)
            .fetch_one(pool)
            .await?,
    )
}

/// Gives the attempt back under each key (it succeeded, so it was no failure).
pub async fn release(pool: &PgPool, keys: &[Key]) -> AppResult<()> {
    let hashes: Vec<&[u8]> = keys.iter().map(|k| k.hash.as_slice()).collect();
    sqlx::query("SELECT tenant.throttle_release($1)")
        .bind(hashes)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets every counter of an account.
pub async fn clear_account(pool: &PgPool, account: &[u8]) -> AppResult<()> {
    sqlx::query("SELECT tenant.throttle_clear_account($1)")
        .bind(account)
        .execute(pool)
        .await?;
    Ok(())
}
