//! A test's own PostgreSQL cluster (initdb and pg_ctl, as the embedded mode makes one): for the
//! tests that restart or stop the database, which must not touch the server every other test
//! shares. Stopped and removed on drop.

use std::path::PathBuf;
use zk_kernel::embedded;

/// A private cluster on a free port of 127.0.0.1, superuser `zorgklas` with trust auth.
pub struct TestCluster {
    dir: PathBuf,
    /// The superuser's URL (`postgres://zorgklas@127.0.0.1:{port}/postgres`).
    pub url: String,
    /// Its port.
    pub port: u16,
}

impl TestCluster {
    /// Creates and starts a cluster in a fresh directory under the system's temp dir.
    pub fn start() -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("zk-test-pg-{}", uuid::Uuid::new_v4().simple()));
        let port = crate::free_port();
        let (url, _) = embedded::start_cluster(&dir, port)?;
        Ok(Self { dir, url, port })
    }

    /// `pg_ctl restart -m fast`: every session is ended, the server is down for a moment and
    /// comes back with the same data, as in a real restart.
    pub fn restart(&self) -> anyhow::Result<()> {
        embedded::restart_cluster(&self.dir)
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let _ = embedded::stop_cluster(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
