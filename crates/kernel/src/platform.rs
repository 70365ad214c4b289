//! `Platform`: the shared parts of one process, built once at start-up and cloned into every
//! service's state.

use crate::{
    auth::SessionStore,
    authz::Authz,
    config::Config,
    db::Db,
    mail::Mailer,
    metrics::Metrics,
    objects::{FsStore, ObjectStore, S3Store},
    tenancy::{Branding, Directory, Tenant, TenantId, TenantStatus},
    web::Theme,
};
use sqlx::postgres::PgListener;
use std::{sync::Arc, time::Duration};

/// How often the notification listener checks that its connection is alive.
const LISTENER_CHECK: Duration = Duration::from_secs(10);

/// Everything a service needs from the kernel. Cloned per request (axum state), so it is one
/// `Arc`; fields are reached through `Deref` (`platform.db`, `platform.config`, …).
#[derive(Clone)]
pub struct Platform(Arc<PlatformParts>);

/// The shared parts behind [`Platform`].
pub struct PlatformParts {
    pub config: Arc<Config>,
    pub db: Db,
    pub directory: Arc<Directory>,
    pub sessions: Arc<SessionStore>,
    pub authz: Authz,
    pub theme: Arc<Theme>,
    pub mailer: Mailer,
    pub objects: Arc<dyn ObjectStore>,
    pub metrics: Arc<Metrics>,
    /// Change counters that caches put in their keys (`zk_changed` notifications).
    pub generations: Arc<crate::generations::Generations>,
    /// Per-platform parts that a service starts on first use (one of each type), such as the
    /// content service's batching writer of learners' progress.
    pub extensions: Extensions,
}

/// A map from a type to its one value, made on first use.
#[derive(Default)]
pub struct Extensions(
    std::sync::Mutex<
        std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>,
    >,
);

impl Extensions {
    /// The value of type `T`, made with `init` the first time.
    pub fn get_or_init<T: Send + Sync + 'static>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let value = map
            .entry(std::any::TypeId::of::<T>())
            .or_insert_with(|| Arc::new(init()))
            .clone();
        match value.downcast::<T>() {
            Ok(v) => v,
            // The map holds a `T` under `T`'s id; nothing else is ever put there.
            Err(_) => unreachable!("extension of the wrong type"),
        }
    }

    /// The value of type `T` if it was made already.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&std::any::TypeId::of::<T>())
            .and_then(|v| v.clone().downcast::<T>().ok())
    }
}

impl std::ops::Deref for Platform {
    type Target = PlatformParts;
    fn deref(&self) -> &PlatformParts {
        &self.0
    }
}

impl Platform {
    /// Connects, loads policies and the theme, and starts the notification listener.
    /// Migrations are not run here (`zorgklas migrate`, `demo` and tests do that).
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        if config.secret_key_generated && config.secure_cookies() {
            tracing::warn!(
                "ZK_SECRET_KEY is not set: this process made its own key, so forms only work on \
                 this process and until it restarts; set one key for every process"
            );
        }
        let db = Db::connect(&config)?;
        let migrated: Option<String> =
            sqlx::query_scalar("SELECT to_regclass('tenant.casbin_rule')::text")
                .fetch_one(&db.owner)
                .await?;
        if migrated.is_none() {
            anyhow::bail!("the database has no Zorgklas schema yet: run `zorgklas migrate` first");
        }
        let authz = Authz::load(db.authz.clone()).await?;
        let theme = Theme::load(config.theme_dir.as_deref())?;
        let objects: Arc<dyn ObjectStore> = match &config.s3 {
            Some(s3) => {
                let store = S3Store::new(s3);
                // A store that is down for the moment doesn't keep the platform from starting:
                // what needs no stored file works, the rest answers 503 until it is back.
                if let Err(e) = store.ensure_bucket().await {
                    if !e.chain().any(|c| c.is::<crate::error::StoreUnavailable>()) {
                        return Err(e);
                    }
                    tracing::warn!(error = %e, "object store unreachable at start-up; starting without it");
                }
                Arc::new(store)
            }
            None => Arc::new(FsStore::new(
                config.data_dir.join("objects"),
                config.secret_key.expose().as_bytes(),
            )),
        };
        let platform = Self(Arc::new(PlatformParts {
            directory: Arc::new(Directory::new(db.app.clone(), &config.base_domain)),
            sessions: Arc::new(SessionStore::new(db.app.clone(), config.session_ttl)),
            mailer: Mailer::new(&config)?,
            authz,
            theme: Arc::new(theme),
            objects,
            metrics: Arc::new(Metrics::default()),
            generations: Default::default(),
            extensions: Extensions::default(),
            db,
            config: Arc::new(config),
        }));
        platform.spawn_listener();
        platform.mailer.spawn_delivery(platform.db.app.clone());
        crate::db::add_pool_gauges(&platform.metrics, &platform.db);
        platform
            .mailer
            .add_queue_gauges(&platform.metrics, platform.db.app.clone());
        Ok(platform)
    }

    /// argon2id hash of a password, on the hashing threads, counted in the metrics.
    pub async fn hash_password(&self, password: &str) -> anyhow::Result<String> {
        self.metrics.count_password_hash();
        crate::crypto::hash_password_async(password.to_owned()).await
    }

    /// Checks a password against a stored hash, on the hashing threads, counted in the metrics.
    pub async fn verify_password(&self, password: &str, stored: &str) -> bool {
        self.metrics.count_password_hash();
        crate::crypto::verify_password_async(password.to_owned(), stored.to_owned()).await
    }

    /// A stand-in tenant for pages rendered before any tenant is known (unknown host).
    pub fn fallback_tenant(&self) -> Tenant {
        Tenant {
            id: TenantId::PLATFORM,
            slug: "platform".into(),
            name: "Nationale Zorgklas".into(),
            is_platform: true,
            status: TenantStatus::Active,
            suspended_by_billing: false,
            billing_state: "none".into(),
            employee_count: 0,
            branding: Branding {
                primary_color: "#1d4f91".into(),
                accent_color: "#8a3b12".into(),
                logo_key: None,
                logo_content_type: None,
                illustration_key: None,
                illustration_content_type: None,
                illustration_alt: String::new(),
                welcome_markdown: String::new(),
                welcome_html: String::new(),
                support_email: None,
                version: 0,
            },
        }
    }

    /// Listens on `zk_tenant_changed`, `zk_authz`, `zk_session_revoked` and `zk_changed` and invalidates the
    /// matching in-memory state; after a lost connection everything is dropped and reloaded.
    fn spawn_listener(&self) {
        let platform = self.clone();
        tokio::spawn(async move {
            loop {
                match platform.listen_once().await {
                    Ok(()) => return,
                    Err(e) => tracing::warn!(error = %e, "notification listener lost; retrying"),
                }
                platform.directory.clear();
                platform.sessions.clear();
                platform.generations.bump_all();
                if let Err(e) = platform.authz.reload().await {
                    tracing::warn!(error = %e, "policy reload failed");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn listen_once(&self) -> anyhow::Result<()> {
        let mut listener = PgListener::connect_with(&self.db.app).await?;
        listener
            .listen_all([
                "zk_tenant_changed",
                "zk_authz",
                "zk_session_revoked",
                crate::generations::CHANNEL,
            ])
            .await?;
        tracing::debug!("listening for notifications");
        // Anything that changed while we were not listening.
        self.directory.clear();
        self.generations.bump_all();
        self.authz.reload().await?;
        // A connection that died without telling (seen in a PostgreSQL restart: the listener
        // waited on its socket for many seconds) is found by a ping: every
        // `LISTENER_CHECK`, and at once when a request found the database unreachable.
        let mut check = tokio::time::interval(LISTENER_CHECK);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        check.tick().await;
        loop {
            let next = tokio::select! {
                n = listener.recv() => Some(n),
                _ = check.tick() => None,
                () = crate::error::outage_signal().notified() => None,
            };
            let Some(n) = next else {
                tokio::time::timeout(
                    Duration::from_secs(2),
                    sqlx::query("SELECT 1").execute(&mut listener),
                )
                .await
                .map_err(|_| anyhow::anyhow!("the listener's connection did not answer"))??;
                continue;
            };
            let n = n?;
            match n.channel() {
                "zk_tenant_changed" => match n.payload().parse() {
                    Ok(id) => self.directory.invalidate(TenantId(id)),
                    Err(_) => self.directory.clear(),
                },
                "zk_authz" => self.authz.reload().await?,
                "zk_session_revoked" => self.sessions.clear(),
                crate::generations::CHANNEL => self.generations.apply_payload(n.payload()),
                _ => {}
            }
        }
    }
}
