//! Who is calling: sessions (browser cookie) and API bearer tokens, resolved to a [`Principal`].
//!
//! Both are bound to their tenant: the lookup runs in the tenant transaction of the host the
//! request came in on, so a credential of member A presented on member B's host finds nothing.
//! Lookups are cached briefly; logout and revocation notify `zk_session_revoked` to evict.

use crate::{
    crypto,
    db::{self, TenantTx},
    error::AppResult,
    tenancy::TenantId,
};
use serde::Serialize;
use sqlx::PgPool;
use std::{
    collections::HashMap,
    sync::RwLock,
    time::{Duration, Instant},
};
use time::OffsetDateTime;
use uuid::Uuid;

/// How the principal proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Credential {
    Session,
    Token,
}

/// An authenticated user of one tenant (operators are users of the platform tenant).
#[derive(Clone, Serialize)]
pub struct Principal {
    pub tenant_id: TenantId,
    pub user_id: Uuid,
    pub credential: Credential,
    /// The name the user chose (may be empty); kept so pages need no query to greet them.
    pub display_name: String,
}

// Only ids in logs: the display name is personal data.
impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("tenant_id", &self.tenant_id)
            .field("user_id", &self.user_id)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl Principal {
    /// True for NZK operators (users of the platform tenant).
    pub fn is_operator(&self) -> bool {
        self.tenant_id == TenantId::PLATFORM
    }
}

const CACHE_TTL: Duration = Duration::from_secs(30);

/// An API token as its owner and the member's admins see it (never the token itself).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: Uuid,
    pub label: String,
    pub created_at: OffsetDateTime,
    /// `None` when it was never used.
    pub last_used_at: Option<OffsetDateTime>,
    pub expires_at: OffsetDateTime,
}

struct Cached {
    principal: Principal,
    expires_at: OffsetDateTime,
    fetched: Instant,
}

/// Creates, looks up and revokes sessions and tokens.
pub struct SessionStore {
    pool: PgPool,
    ttl: Duration,
    cache: RwLock<HashMap<Vec<u8>, Cached>>,
}

impl SessionStore {
    /// A store with sessions living `ttl`.
    pub fn new(pool: PgPool, ttl: Duration) -> Self {
        Self {
            pool,
            ttl,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// Session lifetime.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Starts a session for `user_id` inside the caller's tenant transaction; returns the token.
    pub async fn create(
        &self,
        tx: &mut TenantTx,
        tenant: TenantId,
        user_id: Uuid,
    ) -> AppResult<String> {
        let token = crypto::random_token();
        let expires_at = OffsetDateTime::now_utc() + self.ttl;
        sqlx::query("INSERT INTO tenant.sessions (tenant_id, token_hash, user_id, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(crypto::token_hash(&token))
            .bind(user_id)
            .bind(expires_at)
            .execute(&mut **tx)
            .await?;
        // Expired sessions of this tenant are cleaned up on the way.
        sqlx::query("DELETE FROM tenant.sessions WHERE tenant_id = $1 AND expires_at < now()")
            .bind(tenant)
            .execute(&mut **tx)
            .await?;
        Ok(token)
    }

    /// The principal of a session cookie on `tenant`'s host, if the session is valid there.
    pub async fn session(&self, tenant: TenantId, token: &str) -> AppResult<Option<Principal>> {
        self.lookup(tenant, token, Credential::Session).await
    }

    /// The principal of a bearer token on `tenant`'s host, if the token is valid there.
    pub async fn bearer(&self, tenant: TenantId, token: &str) -> AppResult<Option<Principal>> {
        self.lookup(tenant, token, Credential::Token).await
    }

    async fn lookup(
        &self,
        tenant: TenantId,
        token: &str,
        kind: Credential,
    ) -> AppResult<Option<Principal>> {
        let mut key = crypto::token_hash(token);
        let hash = key.clone();
        key.extend_from_slice(tenant.0.as_bytes());
        key.push(kind as u8);
        let now = OffsetDateTime::now_utc();
        if let Some(c) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            if c.fetched.elapsed() < CACHE_TTL && c.expires_at > now {
                return Ok(Some(c.principal.clone()));
            }
        }
        let mut tx = db::begin_tenant(&self.pool, tenant).await?;
        let row: Option<(Uuid, Option<OffsetDateTime>, String)> = match kind {
            Credential::Session => sqlx::query_as(
                "SELECT s.user_id, s.expires_at, u.display_name FROM tenant.sessions s
                 JOIN tenant.users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
                 WHERE s.tenant_id = $1 AND s.token_hash = $2 AND s.expires_at > now() AND u.status = 'active'",
            ),
            // A token's use is recorded on the way (at most once per cache period and process).
            Credential::Token => sqlx::query_as(
                "WITH t AS (
                     UPDATE tenant.api_tokens SET last_used_at = now()
                     WHERE tenant_id = $1 AND token_hash = $2 AND revoked_at IS NULL AND expires_at > now()
                     RETURNING tenant_id, user_id, expires_at)
                 SELECT t.user_id, t.expires_at, u.display_name FROM t
                 JOIN tenant.users u ON u.tenant_id = t.tenant_id AND u.id = t.user_id
                 WHERE u.status = 'active'",
            ),
        }
        .bind(tenant)
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some((user_id, expires_at, display_name)) = row else {
            return Ok(None);
        };
        let principal = Principal {
            tenant_id: tenant,
            user_id,
            credential: kind,
            display_name,
        };
        let expires_at = expires_at.unwrap_or(now + CACHE_TTL);
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() > 100_000 {
            cache.clear();
        }
        cache.insert(
            key,
            Cached {
                principal: principal.clone(),
                expires_at,
                fetched: Instant::now(),
            },
        );
        Ok(Some(principal))
    }

    /// Ends a session (logout). Other processes evict it through `zk_session_revoked`.
    pub async fn revoke_session(&self, tenant: TenantId, token: &str) -> AppResult<()> {
        let hash = crypto::token_hash(token);
        let mut tx = db::begin_tenant(&self.pool, tenant).await?;
        sqlx::query("DELETE FROM tenant.sessions WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        notify_revoked(&mut tx).await?;
        tx.commit().await?;
        self.clear();
        Ok(())
    }

    /// Ends every session of a user (password reset, disabling), inside the caller's transaction.
    pub async fn revoke_user_sessions(
        tx: &mut TenantTx,
        tenant: TenantId,
        user_id: Uuid,
    ) -> AppResult<()> {
        sqlx::query("DELETE FROM tenant.sessions WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        notify_revoked(tx).await
    }

    /// Ends every API token of a user (password reset, blocking), inside the caller's
    /// transaction; returns how many were still open.
    pub async fn revoke_user_tokens(
        tx: &mut TenantTx,
        tenant: TenantId,
        user_id: Uuid,
    ) -> AppResult<u64> {
        let n = sqlx::query(
            "UPDATE tenant.api_tokens SET revoked_at = now()
             WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL",
        )
        .bind(tenant)
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        notify_revoked(tx).await?;
        Ok(n)
    }

    /// Issues an API bearer token for a user valid for `valid_for`, inside the caller's
    /// transaction; returns the token (only its hash is kept).
    pub async fn create_token(
        tx: &mut TenantTx,
        tenant: TenantId,
        user_id: Uuid,
        label: &str,
        valid_for: time::Duration,
    ) -> AppResult<String> {
        let token = format!("zk_{}", crypto::random_token());
        sqlx::query("INSERT INTO tenant.api_tokens (tenant_id, id, user_id, token_hash, label, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(tenant)
            .bind(Uuid::new_v4())
            .bind(user_id)
            .bind(crypto::token_hash(&token))
            .bind(label)
            .bind(OffsetDateTime::now_utc() + valid_for)
            .execute(&mut **tx)
            .await?;
        Ok(token)
    }

    /// The API tokens of a user that were not revoked (expired ones included), newest first.
    pub async fn tokens_of(
        tx: &mut TenantTx,
        tenant: TenantId,
        user_id: Uuid,
    ) -> AppResult<Vec<TokenInfo>> {
        Ok(sqlx::query_as(
            "SELECT id, label, created_at, last_used_at, expires_at FROM tenant.api_tokens
             WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL
             ORDER BY created_at DESC, id LIMIT 200",
        )
        .bind(tenant)
        .bind(user_id)
        .fetch_all(&mut **tx)
        .await?)
    }

    /// Revokes one API token of a user; false when there is no such open token.
    pub async fn revoke_token(
        tx: &mut TenantTx,
        tenant: TenantId,
        user_id: Uuid,
        id: Uuid,
    ) -> AppResult<bool> {
        let n = sqlx::query(
            "UPDATE tenant.api_tokens SET revoked_at = now()
             WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(tenant)
        .bind(user_id)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        notify_revoked(tx).await?;
        Ok(n == 1)
    }

    /// Forgets every cached lookup (on revocation notices).
    pub fn clear(&self) {
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

async fn notify_revoked(tx: &mut TenantTx) -> AppResult<()> {
    sqlx::query("SELECT pg_notify('zk_session_revoked', '')")
        .execute(&mut **tx)
        .await?;
    Ok(())
}
