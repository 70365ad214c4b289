//! One real database per test, cloned from a template that holds the migrated schema.
//!
//! The template's name carries a hash of the migrations, so a changed migration builds a new one;
//! an advisory lock keeps parallel test processes from building it twice.

use sqlx::{postgres::PgConnectOptions, ConnectOptions, Connection, Executor, PgConnection};
use std::str::FromStr;
use zk_kernel::{config::Config, db::MIGRATOR, Platform};

/// Server URL for tests (owner = superuser, trust auth).
pub fn server_url() -> String {
    std::env::var("ZK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".into())
}

fn url_for(server: &str, db: &str, user: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(server)?;
    url.set_path(&format!("/{db}"));
    url.set_username(user)
        .map_err(|_| anyhow::anyhow!("bad url"))?;
    Ok(url.to_string())
}

/// A fresh database for one test.
pub struct TestDb {
    pub name: String,
    /// Owner (superuser) URL: for assertions that must see every row.
    pub owner_url: String,
    /// Application-role URL: what the platform uses (RLS applies).
    pub app_url: String,
}

fn migrations_hash() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for m in MIGRATOR.iter() {
        h.update(m.version.to_le_bytes());
        h.update(&*m.checksum);
    }
    hex::encode(&h.finalize()[..6])
}

/// The superuser of a server URL (who owns the test databases).
fn owner_of(server: &str) -> anyhow::Result<String> {
    Ok(url::Url::parse(server)?.username().to_owned())
}

async fn admin_conn(server: &str) -> anyhow::Result<PgConnection> {
    Ok(PgConnectOptions::from_str(server)?
        .log_statements(tracing::log::LevelFilter::Off)
        .connect()
        .await?)
}

impl TestDb {
    /// Creates a database from the migrated template (building the template if needed).
    pub async fn new() -> anyhow::Result<Self> {
        Self::new_on(&server_url()).await
    }

    /// [`TestDb::new`] on another server (superuser URL `server`), such as a test's own
    /// cluster ([`crate::cluster::TestCluster`]).
    pub async fn new_on(server: &str) -> anyhow::Result<Self> {
        let owner = owner_of(server)?;
        let template = format!("zk_tpl_{}", migrations_hash());
        let mut admin = admin_conn(server).await?;
        admin.execute("SELECT pg_advisory_lock(727274)").await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&template)
                .fetch_one(&mut admin)
                .await?;
        if !exists {
            let building = format!("{template}_build");
            admin
                .execute(format!("DROP DATABASE IF EXISTS {building}").as_str())
                .await?;
            admin
                .execute(format!("CREATE DATABASE {building}").as_str())
                .await?;
            let mut conn = PgConnection::connect(&url_for(server, &building, &owner)?).await?;
            MIGRATOR.run(&mut conn).await?;
            conn.close().await?;
            admin
                .execute(format!("ALTER DATABASE {building} RENAME TO {template}").as_str())
                .await?;
        }
        admin.execute("SELECT pg_advisory_unlock(727274)").await?;
        let name = format!("zk_t_{}", uuid::Uuid::new_v4().simple());
        let mut attempts = 0;
        loop {
            match admin
                .execute(format!("CREATE DATABASE {name} TEMPLATE {template}").as_str())
                .await
            {
                Ok(_) => break,
                // "source database is being accessed by other users": another test is cloning.
                Err(e) if attempts < 20 => {
                    attempts += 1;
                    tracing::debug!(error = %e, "retrying database clone");
                    tokio::time::sleep(std::time::Duration::from_millis(100 * attempts)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        admin.close().await?;
        Ok(Self {
            owner_url: url_for(server, &name, &owner)?,
            app_url: url_for(server, &name, "zorgklas_app")?,
            name,
        })
    }

    /// An empty database (no migrations), for tests of `zorgklas migrate` itself.
    pub async fn empty() -> anyhow::Result<Self> {
        let server = server_url();
        let mut admin = admin_conn(&server).await?;
        let name = format!("zk_t_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        admin.close().await?;
        Ok(Self {
            owner_url: url_for(&server, &name, "postgres")?,
            app_url: url_for(&server, &name, "zorgklas_app")?,
            name,
        })
    }

    /// A platform configuration pointing at this database; objects under a fresh temp dir.
    pub fn config(&self) -> Config {
        let mut c = Config::for_tests(&self.owner_url, &self.app_url);
        c.data_dir = std::env::temp_dir().join(format!("zk-test-{}", self.name));
        c
    }

    /// Starts the platform kernel on this database.
    pub async fn platform(&self) -> anyhow::Result<Platform> {
        Platform::start(self.config()).await
    }

    /// A connection as the owner (sees every row; for assertions).
    pub async fn owner(&self) -> anyhow::Result<PgConnection> {
        Ok(PgConnection::connect(&self.owner_url).await?)
    }

    /// A connection as the application role (RLS applies).
    pub async fn app(&self) -> anyhow::Result<PgConnection> {
        Ok(PgConnection::connect(&self.app_url).await?)
    }
}
