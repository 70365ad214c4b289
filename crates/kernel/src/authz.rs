//! Authorisation: casbin RBAC with domains, policies in PostgreSQL.
//!
//! Domain `platform` holds the `operator` role; every member tenant is a domain (its uuid) with
//! the roles `admin`, `author`, `teacher`, `reviewer`, `learner`. The role → permission rules are
//! seeded by migration; role grants are written in the caller's transaction (so a failed request
//! leaves none behind) and every change notifies `zk_authz`, on which each process reloads.
//!
//! Handlers state what they need in their signature: `Require<perm::UsersWrite>`. The
//! extractors' `FromRequestParts` impls live with the other extractors in `http::extract`, so the
//! policy engine imports nothing of the HTTP plumbing.

use crate::{db::TenantTx, error::AppResult, tenancy::TenantId};
use casbin::{CoreApi, DefaultModel, Enforcer, RbacApi};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::{collections::HashMap, marker::PhantomData, sync::Arc};
use tokio::sync::RwLock;
use uuid::Uuid;

const MODEL: &str = r#"
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && ((p.dom == "*" && r.dom != "platform") || r.dom == p.dom) && r.obj == p.obj && r.act == p.act
"#;

/// The roles of the platform.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Operator,
    Admin,
    Author,
    Teacher,
    Reviewer,
    Learner,
}

impl Role {
    /// Roles a member tenant can grant.
    pub const MEMBER_ROLES: [Role; 5] = [
        Role::Admin,
        Role::Author,
        Role::Teacher,
        Role::Reviewer,
        Role::Learner,
    ];

    /// The name used in policies and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::Author => "author",
            Role::Teacher => "teacher",
            Role::Reviewer => "reviewer",
            Role::Learner => "learner",
        }
    }

    /// Parses a role name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "operator" => Role::Operator,
            "admin" => Role::Admin,
            "author" => Role::Author,
            "teacher" => Role::Teacher,
            "reviewer" => Role::Reviewer,
            "learner" => Role::Learner,
            _ => return None,
        })
    }
}

type DecisionKey = (TenantId, Uuid, &'static str, &'static str);
type Cache<K, V> = Arc<std::sync::RwLock<HashMap<K, V>>>;

/// The shared casbin enforcer of one process, with a cache of its decisions and of users' roles
/// (both emptied whenever the policies are reloaded).
#[derive(Clone)]
pub struct Authz {
    enforcer: Arc<RwLock<Enforcer>>,
    decisions: Cache<DecisionKey, bool>,
    roles: Cache<(TenantId, Uuid), Vec<Role>>,
}

/// Entries kept before a cache is emptied (bounds memory under many users).
const CACHE_LIMIT: usize = 100_000;

impl Authz {
    /// Loads the model and every policy through casbin's sqlx adapter (on the owner pool: the
    /// adapter issues `CREATE TABLE IF NOT EXISTS`, which the app role may not).
    pub async fn load(owner: PgPool) -> anyhow::Result<Self> {
        let model = DefaultModel::from_str(MODEL).await?;
        let adapter = sqlx_adapter::SqlxAdapter::new_with_pool(owner).await?;
        let mut enforcer = Enforcer::new(model, adapter).await?;
        enforcer.enable_auto_save(false);
        Ok(Self {
            enforcer: Arc::new(RwLock::new(enforcer)),
            decisions: Arc::default(),
            roles: Arc::default(),
        })
    }

    /// Re-reads every policy (on `zk_authz` notifications, and after our own grants).
    pub async fn reload(&self) -> anyhow::Result<()> {
        let mut enforcer = self.enforcer.write().await;
        enforcer.load_policy().await?;
        // Cleared while the write lock is held, so no decision of the old policy can be cached
        // after this point.
        self.decisions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.roles
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        Ok(())
    }

    /// Whether `user` of `tenant` may do `action` on `object`.
    pub async fn allowed(
        &self,
        tenant: TenantId,
        user: Uuid,
        object: &'static str,
        action: &'static str,
    ) -> bool {
        let key = (tenant, user, object, action);
        if let Some(allowed) = self
            .decisions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return *allowed;
        }
        let e = self.enforcer.read().await;
        let allowed = e
            .enforce((
                user.to_string(),
                tenant.authz_domain(),
                object.to_string(),
                action.to_string(),
            ))
            .unwrap_or(false);
        let mut cache = self.decisions.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() > CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, allowed);
        allowed
    }

    /// The roles of a user in a tenant.
    pub async fn roles(&self, tenant: TenantId, user: Uuid) -> Vec<Role> {
        if let Some(roles) = self
            .roles
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(tenant, user))
        {
            return roles.clone();
        }
        let e = self.enforcer.read().await;
        let mut roles: Vec<Role> = e
            .get_roles_for_user(&user.to_string(), Some(&tenant.authz_domain()))
            .iter()
            .filter_map(|r| Role::parse(r))
            .collect();
        roles.sort();
        let mut cache = self.roles.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() > CACHE_LIMIT {
            cache.clear();
        }
        cache.insert((tenant, user), roles.clone());
        roles
    }
}

/// Replaces the roles of a user in a tenant, inside the caller's transaction. Grants go through
/// `tenant.grant_role`/`tenant.revoke_roles`, which take the domain from the transaction's tenant:
/// the app role cannot write `casbin_rule` directly.
pub async fn set_roles(
    tx: &mut TenantTx,
    tenant: TenantId,
    user: Uuid,
    roles: &[Role],
) -> AppResult<()> {
    revoke_roles(tx, user).await?;
    for role in roles {
        grant_role(tx, tenant, user, *role).await?;
    }
    Ok(())
}

/// Removes every role of a user in the transaction's tenant.
pub async fn revoke_roles(tx: &mut TenantTx, user: Uuid) -> AppResult<()> {
    sqlx::query("SELECT tenant.revoke_roles($1)")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes one role from a user in the transaction's tenant (a no-op when not granted).
pub async fn revoke_role(tx: &mut TenantTx, user: Uuid, role: Role) -> AppResult<()> {
    sqlx::query("SELECT tenant.revoke_role($1, $2)")
        .bind(user)
        .bind(role.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Grants a role, inside the caller's transaction (a no-op when already granted). `tenant` must
/// be the transaction's tenant; the database refuses anything else.
pub async fn grant_role(
    tx: &mut TenantTx,
    tenant: TenantId,
    user: Uuid,
    role: Role,
) -> AppResult<()> {
    debug_assert_eq!(tenant == TenantId::PLATFORM, role == Role::Operator);
    sqlx::query("SELECT tenant.grant_role($1, $2)")
        .bind(user)
        .bind(role.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A permission a route needs: an object and an action in the policy table.
pub trait Permission: Send + Sync + 'static {
    const OBJECT: &'static str;
    const ACTION: &'static str;
}

/// Declares permission marker types: `permission!(UsersWrite = "users", "write");`
#[macro_export]
macro_rules! permission {
    ($($(#[$doc:meta])* $name:ident = $obj:literal, $act:literal;)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub struct $name;
            impl $crate::authz::Permission for $name {
                const OBJECT: &'static str = $obj;
                const ACTION: &'static str = $act;
            }
        )+
    };
}

/// Extractor: the request's principal holds permission `P` on the host's tenant.
/// No principal → 401; principal without the permission → 403.
pub struct Require<P: Permission> {
    pub principal: crate::auth::Principal,
    _perm: PhantomData<P>,
}

impl<P: Permission> Require<P> {
    /// The proof that `principal` holds `P` (made by the extractor in `http::extract`).
    pub(crate) fn new(principal: crate::auth::Principal) -> Self {
        Self {
            principal,
            _perm: PhantomData,
        }
    }
}

/// Extractor: any logged-in principal of the host's tenant (401 otherwise).
pub struct Authenticated(pub crate::auth::Principal);
