//! The LTI service's SQL, all of it. Every function runs inside the caller's tenant transaction
//! (row-level security sees one member); the private half of a tool key is read only through
//! `lti.signing_key`.

use serde::Serialize;
use sqlx::PgConnection;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// A registration as the admin sees it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub name: String,
    /// `moodle`, `canvas`, `brightspace` or `other`.
    pub family: String,
    pub issuer: String,
    pub client_id: String,
    pub auth_url: String,
    pub jwks_url: String,
    pub token_url: String,
    /// `manual` or `dynamic`.
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_launch_at: Option<OffsetDateTime>,
    /// The deployment ids that may launch.
    pub deployments: Vec<String>,
}

const REGISTRATION: &str = "r.id, r.name, r.family, r.issuer, r.client_id, r.auth_url, r.jwks_url,
    r.token_url, r.source, r.created_at, r.disabled_at, r.last_launch_at,
    coalesce((SELECT array_agg(d.deployment_id ORDER BY d.deployment_id) FROM lti.deployments d
              WHERE d.tenant_id = r.tenant_id AND d.registration_id = r.id), '{}') AS deployments";

/// What a new registration holds.
pub struct NewRegistration<'a> {
    pub name: &'a str,
    pub family: &'a str,
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub auth_url: &'a str,
    pub jwks_url: &'a str,
    pub token_url: &'a str,
    pub source: &'a str,
    pub deployments: &'a [String],
    pub created_by: Option<Uuid>,
}

/// Inserts a registration with its deployments; `None` when the issuer and client id are
/// registered already.
pub async fn insert_registration(
    conn: &mut PgConnection,
    tenant: TenantId,
    new: &NewRegistration<'_>,
) -> AppResult<Option<Uuid>> {
    let id = Uuid::new_v4();
    let inserted = sqlx::query(
        "INSERT INTO lti.registrations (tenant_id, id, name, family, issuer, client_id, auth_url,
             jwks_url, token_url, source, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (tenant_id, issuer, client_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(id)
    .bind(new.name)
    .bind(new.family)
    .bind(new.issuer)
    .bind(new.client_id)
    .bind(new.auth_url)
    .bind(new.jwks_url)
    .bind(new.token_url)
    .bind(new.source)
    .bind(new.created_by)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO lti.deployments (tenant_id, registration_id, deployment_id)
         SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(id)
    .bind(new.deployments)
    .execute(conn)
    .await?;
    Ok(Some(id))
}

/// The member's registrations, newest first.
pub async fn registrations(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> AppResult<Vec<RegistrationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REGISTRATION} FROM lti.registrations r WHERE r.tenant_id = $1 ORDER BY r.created_at DESC"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// One registration of the member.
pub async fn registration(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<RegistrationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REGISTRATION} FROM lti.registrations r WHERE r.tenant_id = $1 AND r.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// The enabled registrations of the member for an issuer (and client id, when given).
pub async fn enabled_for_issuer(
    conn: &mut PgConnection,
    tenant: TenantId,
    issuer: &str,
    client_id: Option<&str>,
) -> AppResult<Vec<RegistrationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REGISTRATION} FROM lti.registrations r
         WHERE r.tenant_id = $1 AND r.issuer = $2 AND ($3::text IS NULL OR r.client_id = $3)
           AND r.disabled_at IS NULL"
    ))
    .bind(tenant)
    .bind(issuer)
    .bind(client_id)
    .fetch_all(conn)
    .await?)
}

/// Disables or enables a registration; false when the member has no such registration.
pub async fn set_disabled(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    disabled: bool,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE lti.registrations SET disabled_at = CASE WHEN $3 THEN coalesce(disabled_at, now()) END
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(disabled)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Stores a new tool key of a registration and retires the ones before it.
pub async fn insert_key(
    conn: &mut PgConnection,
    tenant: TenantId,
    registration: Uuid,
    kid: &str,
    public_jwk: &serde_json::Value,
    private_pem: &str,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE lti.tool_keys SET retired_at = now()
         WHERE tenant_id = $1 AND registration_id = $2 AND retired_at IS NULL",
    )
    .bind(tenant)
    .bind(registration)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO lti.tool_keys (tenant_id, id, registration_id, kid, public_jwk, private_pem)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(registration)
    .bind(kid)
    .bind(public_jwk)
    .bind(private_pem)
    .execute(conn)
    .await?;
    Ok(())
}

/// The public keys the member's JWKS serves: current ones, and retired ones for an hour.
pub async fn public_keys(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> AppResult<Vec<serde_json::Value>> {
    Ok(sqlx::query_scalar(
        "SELECT public_jwk FROM lti.tool_keys
         WHERE tenant_id = $1 AND (retired_at IS NULL OR retired_at > now() - interval '1 hour')
         ORDER BY created_at DESC",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// The current signing key (kid, PKCS#8 PEM) of a registration of the transaction's member.
pub async fn signing_key(
    conn: &mut PgConnection,
    registration: Uuid,
) -> AppResult<Option<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT kid, private_pem FROM lti.signing_key($1)")
            .bind(registration)
            .fetch_optional(conn)
            .await?,
    )
}

/// A login in flight.
pub struct NewLogin<'a> {
    pub state_hash: &'a [u8],
    pub registration: Uuid,
    pub nonce: &'a str,
    pub login_hint: &'a str,
    pub message_hint: Option<&'a str>,
    pub target_link_uri: &'a str,
    pub deployment_id: Option<&'a str>,
    pub storage_target: Option<&'a str>,
}

/// Stores a login (and drops the member's logins older than a day on the way).
pub async fn insert_login(
    conn: &mut PgConnection,
    tenant: TenantId,
    l: &NewLogin<'_>,
) -> AppResult<()> {
    sqlx::query(
        "DELETE FROM lti.logins WHERE tenant_id = $1 AND created_at < now() - interval '1 day'",
    )
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO lti.logins (tenant_id, state_hash, registration_id, nonce, login_hint,
             message_hint, target_link_uri, deployment_id, storage_target)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(l.state_hash)
    .bind(l.registration)
    .bind(l.nonce)
    .bind(l.login_hint)
    .bind(l.message_hint)
    .bind(l.target_link_uri)
    .bind(l.deployment_id)
    .bind(l.storage_target)
    .execute(conn)
    .await?;
    Ok(())
}

/// A login taken by its launch.
#[derive(Debug, sqlx::FromRow)]
pub struct UsedLogin {
    pub registration_id: Uuid,
    pub nonce: String,
    pub storage_target: Option<String>,
}

/// Takes the login of a state once: unknown, used or older than ten minutes is `None`.
pub async fn use_login(
    conn: &mut PgConnection,
    tenant: TenantId,
    state_hash: &[u8],
) -> AppResult<Option<UsedLogin>> {
    Ok(sqlx::query_as(
        "UPDATE lti.logins SET used_at = now()
         WHERE tenant_id = $1 AND state_hash = $2 AND used_at IS NULL
           AND created_at > now() - interval '10 minutes'
         RETURNING registration_id, nonce, storage_target",
    )
    .bind(tenant)
    .bind(state_hash)
    .fetch_optional(conn)
    .await?)
}

/// A launch whose token passed every check.
pub struct NewLaunch<'a> {
    pub id: Uuid,
    pub registration: Uuid,
    pub state_hash: &'a [u8],
    pub launch: &'a crate::domain::claims::Launch,
    pub target_path: &'a str,
}

/// Stores a verified launch as `pending`.
pub async fn insert_launch(
    conn: &mut PgConnection,
    tenant: TenantId,
    n: &NewLaunch<'_>,
) -> AppResult<()> {
    let l = n.launch;
    sqlx::query(
        "INSERT INTO lti.launches (tenant_id, id, registration_id, state_hash, deployment_id,
             message_type, subject, name, email, lti_roles, target_path, resource_link_id,
             context_id, context_title, lineitem_url, ags_scopes, memberships_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(tenant)
    .bind(n.id)
    .bind(n.registration)
    .bind(n.state_hash)
    .bind(&l.deployment_id)
    .bind(&l.message_type)
    .bind(&l.subject)
    .bind(&l.name)
    .bind(&l.email)
    .bind(&l.roles)
    .bind(n.target_path)
    .bind(&l.resource_link_id)
    .bind(&l.context_id)
    .bind(&l.context_title)
    .bind(&l.lineitem_url)
    .bind(&l.ags_scopes)
    .bind(&l.memberships_url)
    .execute(conn)
    .await?;
    Ok(())
}

/// A pending launch, as its completion needs it.
#[derive(Debug, sqlx::FromRow)]
pub struct PendingLaunch {
    pub registration_id: Uuid,
    pub issuer: String,
    pub subject: String,
    pub name: String,
    pub email: Option<String>,
    pub lti_roles: Vec<String>,
    pub target_path: String,
}

/// Takes a pending launch of the last five minutes once, if `state_hash` is its login's.
pub async fn take_pending(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    state_hash: &[u8],
) -> AppResult<Option<PendingLaunch>> {
    Ok(sqlx::query_as(
        "UPDATE lti.launches l SET status = 'done', completed_at = now()
         FROM lti.registrations r
         WHERE l.tenant_id = $1 AND l.id = $2 AND l.state_hash = $3 AND l.status = 'pending'
           AND l.created_at > now() - interval '5 minutes'
           AND r.tenant_id = l.tenant_id AND r.id = l.registration_id AND r.disabled_at IS NULL
         RETURNING l.registration_id, r.issuer, l.subject, l.name, l.email, l.lti_roles, l.target_path",
    )
    .bind(tenant)
    .bind(id)
    .bind(state_hash)
    .fetch_optional(conn)
    .await?)
}

/// The storage target of a pending launch's login (for the postMessage check), if it has one.
pub async fn pending_storage(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<Option<String>>> {
    Ok(sqlx::query_scalar(
        "SELECT g.storage_target FROM lti.launches l
         JOIN lti.logins g ON g.tenant_id = l.tenant_id AND g.state_hash = l.state_hash
         WHERE l.tenant_id = $1 AND l.id = $2 AND l.status = 'pending'",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Records the account a launch opened as, and the launch time on registration and link.
pub async fn finish_launch(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    registration: Uuid,
    user: Uuid,
) -> AppResult<()> {
    sqlx::query("UPDATE lti.launches SET user_id = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(user)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE lti.registrations SET last_launch_at = now() WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(registration)
    .execute(conn)
    .await?;
    Ok(())
}

/// The account linked to an LMS user, with its status.
pub async fn linked_account(
    conn: &mut PgConnection,
    tenant: TenantId,
    issuer: &str,
    subject: &str,
) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "UPDATE lti.accounts SET last_launch_at = now()
         WHERE tenant_id = $1 AND issuer = $2 AND subject = $3 RETURNING user_id",
    )
    .bind(tenant)
    .bind(issuer)
    .bind(subject)
    .fetch_optional(conn)
    .await?)
}

/// Links an LMS user to an account.
pub async fn link_account(
    conn: &mut PgConnection,
    tenant: TenantId,
    issuer: &str,
    subject: &str,
    user: Uuid,
    registration: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO lti.accounts (tenant_id, issuer, subject, user_id, registration_id)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant)
    .bind(issuer)
    .bind(subject)
    .bind(user)
    .bind(registration)
    .execute(conn)
    .await?;
    Ok(())
}

/// A launch as the admin and the API list it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct LaunchRow {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub deployment_id: String,
    pub message_type: String,
    /// `pending`, `done` or `discarded`.
    pub status: String,
    /// The account it opened as (when done).
    pub user_id: Option<Uuid>,
    pub target_path: String,
    pub context_title: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// The member's last 50 launches, newest first.
pub async fn launches(conn: &mut PgConnection, tenant: TenantId) -> AppResult<Vec<LaunchRow>> {
    Ok(sqlx::query_as(
        "SELECT id, registration_id, deployment_id, message_type, status, user_id, target_path,
                context_title, created_at
         FROM lti.launches WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 50",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}
