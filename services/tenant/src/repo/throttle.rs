//! Failed-login bookkeeping (`tenant.login_throttle`, keys are hashes).

use sqlx::PgConnection;
use zk_kernel::{crypto, AppResult};

/// Failures under `key` within the last `window_secs`.
pub async fn recent_failures(
    conn: &mut PgConnection,
    key: &str,
    window_secs: i64,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM tenant.login_throttle WHERE key_hash = $1 AND failed_at > now() - make_interval(secs => $2)",
    )
    .bind(crypto::token_hash(key))
    .bind(window_secs as f64)
    .fetch_one(conn)
    .await?)
}

/// Records one failure under each key.
pub async fn record_failure(conn: &mut PgConnection, keys: &[&str]) -> AppResult<()> {
    for key in keys {
        sqlx::query("INSERT INTO tenant.login_throttle (key_hash) VALUES ($1)")
            .bind(crypto::token_hash(key))
            .execute(&mut *conn)
            .await?;
    }
    // Old rows are pruned on the way.
    sqlx::query("DELETE FROM tenant.login_throttle WHERE failed_at < now() - interval '1 day'")
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets the failures under a key (after a successful login).
pub async fn clear(conn: &mut PgConnection, key: &str) -> AppResult<()> {
    sqlx::query("DELETE FROM tenant.login_throttle WHERE key_hash = $1")
        .bind(crypto::token_hash(key))
        .execute(conn)
        .await?;
    Ok(())
}
