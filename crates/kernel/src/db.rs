//! Database pools, migrations and the tenant-scoped transaction.
//!
//! Two roles: the owner (`DATABASE_URL`) runs migrations and backs the casbin adapter; the
//! application role `zorgklas_app` (no BYPASSRLS, owns nothing) runs every request query.

use crate::{config::Config, error::AppResult, ids::TenantId};
use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool, Postgres, Transaction,
};
use std::{str::FromStr, time::Duration};

/// All migrations of all services, one stream (`migrations/`).
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// The application role's name, created by the first migration.
pub const APP_ROLE: &str = "zorgklas_app";

/// The pools of one process.
#[derive(Clone)]
pub struct Db {
    /// RLS-bound application pool: every request uses this one.
    pub app: PgPool,
    /// Small owner pool with the server's default `search_path`: migrations (sqlx keeps its
    /// `_sqlx_migrations` table in `public`) and start-up checks.
    pub owner: PgPool,
    /// One owner connection with `search_path = tenant` for casbin's sqlx adapter, which names
    /// its table `casbin_rule` without a schema.
    pub authz: PgPool,
}

/// Registers the pools' gauges: `zk_db_pool_connections{pool, state="idle|busy"}` and
/// `zk_db_pool_max{pool}`, read from the pools themselves (no query).
pub fn add_pool_gauges(metrics: &crate::metrics::Metrics, db: &Db) {
    use crate::metrics::Gauge;
    let pools = [
        ("app", db.app.clone()),
        ("owner", db.owner.clone()),
        ("authz", db.authz.clone()),
    ];
    metrics.add_gauges("db_pools", move || {
        let mut gauges = Vec::with_capacity(3 * pools.len());
        for (name, pool) in &pools {
            let (size, idle) = (pool.size(), pool.num_idle() as u32);
            let max = pool.options().get_max_connections();
            const CONNECTIONS: &str = "Open database connections by pool and state.";
            gauges.push(Gauge::new(
                "zk_db_pool_connections",
                CONNECTIONS,
                &[("pool", name), ("state", "idle")],
                f64::from(idle),
            ));
            gauges.push(Gauge::new(
                "zk_db_pool_connections",
                CONNECTIONS,
                &[("pool", name), ("state", "busy")],
                f64::from(size.saturating_sub(idle)),
            ));
            gauges.push(Gauge::new(
                "zk_db_pool_max",
                "The most connections a pool opens.",
                &[("pool", name)],
                f64::from(max),
            ));
        }
        async move { Ok::<_, anyhow::Error>(gauges) }
    });
}

/// A transaction with `app.tenant_id` set: the only way request code touches tenant tables.
pub type TenantTx = Transaction<'static, Postgres>;

impl Db {
    /// Connects both pools (lazily: the first query opens a connection).
    pub fn connect(config: &Config) -> anyhow::Result<Self> {
        let owner_url = config.database_url.as_ref().ok_or_else(|| {
            anyhow::anyhow!("DATABASE_URL is not set and no embedded database was started")
        })?;
        let app_url = match &config.app_database_url {
            Some(url) => url.expose().to_string(),
            None => app_url_from_owner(owner_url.expose())?,
        };
        let owner_options = PgConnectOptions::from_str(owner_url.expose())?;
        let owner = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(owner_options.clone());
        let authz = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(owner_options.options([("search_path", "tenant")]));
        let app = PgPoolOptions::new()
            .max_connections(config.db_max_connections)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(5))
            // No JIT: the app's statements are short and run often; compiling a plan whose
            // estimated cost crosses `jit_above_cost` (the people list over 100,000 enrolments)
            // took 70 ms of a 200 ms statement and saved nothing.
            .connect_lazy_with(
                PgConnectOptions::from_str(&app_url)?
                    .application_name("zorgklas")
                    .options([("jit", "off")]),
            );
        Ok(Self { app, owner, authz })
    }

    /// Applies pending migrations as the owner.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.owner).await?;
        Ok(())
    }

    /// Begins a transaction scoped to `tenant` (RLS sees only its rows).
    pub async fn begin_tenant(&self, tenant: TenantId) -> AppResult<TenantTx> {
        begin_tenant(&self.app, tenant).await
    }
}

/// Begins a transaction on `pool` and sets the tenant in a statement of its own.
pub async fn begin_tenant(pool: &PgPool, tenant: TenantId) -> AppResult<TenantTx> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(tenant.0)
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Switches an open transaction to another tenant (used when one operation creates a tenant and
/// then writes its first rows, atomically).
pub async fn set_tenant(tx: &mut TenantTx, tenant: TenantId) -> AppResult<()> {
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(tenant.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The app role's URL when only the owner's is configured: same server and database, user
/// `zorgklas_app`, no password (local trust/peer auth; set `ZK_APP_DATABASE_URL` otherwise).
pub fn app_url_from_owner(owner: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(owner)?;
    url.set_username(APP_ROLE)
        .map_err(|_| anyhow::anyhow!("DATABASE_URL cannot carry a user name"))?;
    url.set_password(None)
        .map_err(|_| anyhow::anyhow!("DATABASE_URL cannot carry a password"))?;
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn app_url_swaps_user_and_drops_password() {
        let url =
            super::app_url_from_owner("postgres://owner:secret@127.0.0.1:5432/zk?sslmode=disable")
                .unwrap();
        assert_eq!(
            url,
            "postgres://zorgklas_app@127.0.0.1:5432/zk?sslmode=disable"
        );
    }
}
