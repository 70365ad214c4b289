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
    let dl = l.deep_linking.as_ref();
    sqlx::query(
        "INSERT INTO lti.launches (tenant_id, id, registration_id, state_hash, deployment_id,
             message_type, subject, name, email, lti_roles, target_path, resource_link_id,
             context_id, context_title, lineitem_url, ags_scopes, memberships_url,
             deep_link_return_url, accept_types, accept_multiple, deep_link_data, lineitems_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $20, $21, $22)",
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
    .bind(dl.map(|d| d.return_url.as_str()))
    .bind(dl.map(|d| d.accept_types.clone()).unwrap_or_default())
    .bind(dl.is_some_and(|d| d.accept_multiple))
    .bind(dl.and_then(|d| d.data.as_deref()))
    .bind(&l.lineitems_url)
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
    pub message_type: String,
    pub resource_link_id: Option<String>,
    pub lineitem_url: Option<String>,
    pub lineitems_url: Option<String>,
    pub ags_scopes: Vec<String>,
    pub context_id: Option<String>,
    pub context_title: Option<String>,
    pub memberships_url: Option<String>,
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
         RETURNING l.registration_id, r.issuer, l.subject, l.name, l.email, l.lti_roles, l.target_path,
                   l.message_type, l.resource_link_id, l.lineitem_url, l.lineitems_url, l.ags_scopes,
                   l.context_id, l.context_title, l.memberships_url",
    )
    .bind(tenant)
    .bind(id)
    .bind(state_hash)
    .fetch_optional(conn)
    .await?)
}

/// Gives a pending launch of the last five minutes whose state is `state_hash` and whose login
/// used the platform's storage a one-time hand-off (two minutes); returns the launch's name.
pub async fn set_handoff(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    state_hash: &[u8],
    handoff_hash: &[u8],
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE lti.launches l SET handoff_hash = $4, handoff_until = now() + interval '2 minutes'
         FROM lti.logins g
         WHERE l.tenant_id = $1 AND l.id = $2 AND l.state_hash = $3 AND l.status = 'pending'
           AND l.handoff_hash IS NULL AND l.created_at > now() - interval '5 minutes'
           AND g.tenant_id = l.tenant_id AND g.state_hash = l.state_hash AND g.storage_target IS NOT NULL",
    )
    .bind(tenant)
    .bind(id)
    .bind(state_hash)
    .bind(handoff_hash)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The name of the person a hand-off opens as (for them to confirm), if it is still valid.
pub async fn handoff_name(
    conn: &mut PgConnection,
    tenant: TenantId,
    handoff_hash: &[u8],
) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM lti.launches
         WHERE tenant_id = $1 AND handoff_hash = $2 AND status = 'pending' AND handoff_until > now()",
    )
    .bind(tenant)
    .bind(handoff_hash)
    .fetch_optional(conn)
    .await?)
}

/// Takes the pending launch of a hand-off once: its id and state hash.
pub async fn take_handoff(
    conn: &mut PgConnection,
    tenant: TenantId,
    handoff_hash: &[u8],
) -> AppResult<Option<(Uuid, Vec<u8>)>> {
    Ok(sqlx::query_as(
        "UPDATE lti.launches SET handoff_until = now()
         WHERE tenant_id = $1 AND handoff_hash = $2 AND status = 'pending' AND handoff_until > now()
         RETURNING id, state_hash",
    )
    .bind(tenant)
    .bind(handoff_hash)
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

/// Links a learner's launch of a module to the LMS line item its result goes to (kept up to
/// date when they launch again).
#[allow(clippy::too_many_arguments)]
pub async fn upsert_grade_link(
    conn: &mut PgConnection,
    tenant: TenantId,
    registration: Uuid,
    user: Uuid,
    subject: &str,
    module: Uuid,
    resource_link_id: &str,
    lineitem_url: Option<&str>,
    lineitems_url: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO lti.grade_links (tenant_id, id, registration_id, user_id, subject, module_id,
             resource_link_id, lineitem_url, lineitems_url)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, registration_id, subject, resource_link_id) DO UPDATE
         SET module_id = EXCLUDED.module_id, user_id = EXCLUDED.user_id,
             lineitem_url = coalesce(EXCLUDED.lineitem_url, lti.grade_links.lineitem_url),
             lineitems_url = coalesce(EXCLUDED.lineitems_url, lti.grade_links.lineitems_url)",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(registration)
    .bind(user)
    .bind(subject)
    .bind(module)
    .bind(resource_link_id)
    .bind(lineitem_url)
    .bind(lineitems_url)
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues a score for every linked learner whose result changed (across members).
pub async fn queue_grades(pool: &sqlx::PgPool) -> AppResult<i32> {
    Ok(sqlx::query_scalar("SELECT lti.queue_grades()")
        .fetch_one(pool)
        .await?)
}

/// A score due to be sent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueGrade {
    pub tenant_id: Uuid,
    pub id: i64,
    pub link_id: Uuid,
    pub registration_id: Uuid,
    pub subject: String,
    pub lineitem_url: Option<String>,
    pub lineitems_url: Option<String>,
    pub resource_link_id: String,
    pub module_id: Uuid,
    pub score_given: i16,
    pub completed_at: OffsetDateTime,
    pub attempts: i32,
    pub client_id: String,
    pub token_url: String,
}

/// Scores not yet accepted by an LMS across members (enabled registrations), and how long the
/// oldest has waited in seconds (for `/metrics`).
pub async fn grade_queue_depth(pool: &sqlx::PgPool) -> AppResult<(i64, f64)> {
    Ok(
        sqlx::query_as("SELECT depth, oldest_seconds FROM lti.grade_queue_depth()")
            .fetch_one(pool)
            .await?,
    )
}

/// The scores due now (across members), the oldest unsent one per link.
pub async fn due_grades(pool: &sqlx::PgPool, max: i32) -> AppResult<Vec<DueGrade>> {
    Ok(sqlx::query_as("SELECT * FROM lti.due_grades($1)")
        .bind(max)
        .fetch_all(pool)
        .await?)
}

/// Takes a due score for two minutes (another process skips it meanwhile); false when another
/// process took it first or it was sent.
pub async fn lease_grade(conn: &mut PgConnection, tenant: TenantId, id: i64) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE lti.grade_queue SET next_at = now() + interval '2 minutes'
         WHERE tenant_id = $1 AND id = $2 AND sent_at IS NULL AND next_at <= now()",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Records a score the platform accepted.
pub async fn grade_sent(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i64,
    status: u16,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE lti.grade_queue SET sent_at = now(), attempts = attempts + 1, last_status = $3,
             last_error = NULL
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(i32::from(status))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed try and when to try again.
pub async fn grade_failed(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i64,
    status: Option<u16>,
    error: &str,
    retry_in_secs: i64,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE lti.grade_queue SET attempts = attempts + 1, last_status = $3, last_error = $4,
             next_at = now() + make_interval(secs => $5)
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(status.map(i32::from))
    .bind(error)
    .bind(retry_in_secs as f64)
    .execute(conn)
    .await?;
    Ok(())
}

/// Remembers the line item we created in the LMS for a link.
pub async fn set_lineitem(
    conn: &mut PgConnection,
    tenant: TenantId,
    link: Uuid,
    url: &str,
) -> AppResult<()> {
    sqlx::query("UPDATE lti.grade_links SET lineitem_url = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(link)
        .bind(url)
        .execute(conn)
        .await?;
    Ok(())
}

/// A score in the queue, as the admin sees it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct GradeRow {
    pub id: i64,
    pub registration_id: Uuid,
    pub user_id: Uuid,
    pub module_id: Uuid,
    /// 0 to 100.
    pub score_given: i16,
    /// `sent`, `waiting` (to be tried again) or `new`.
    pub state: String,
    pub attempts: i32,
    /// The platform's last HTTP status.
    pub last_status: Option<i32>,
    /// The platform's last answer when it failed (status and the start of its body).
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<OffsetDateTime>,
}

/// The member's last 100 scores, newest first.
pub async fn grades(conn: &mut PgConnection, tenant: TenantId) -> AppResult<Vec<GradeRow>> {
    Ok(sqlx::query_as(
        "SELECT q.id, g.registration_id, g.user_id, g.module_id, q.score_given,
                CASE WHEN q.sent_at IS NOT NULL THEN 'sent' WHEN q.attempts > 0 THEN 'waiting' ELSE 'new' END AS state,
                q.attempts, q.last_status, q.last_error, q.created_at, q.sent_at
         FROM lti.grade_queue q JOIN lti.grade_links g ON g.tenant_id = q.tenant_id AND g.id = q.link_id
         WHERE q.tenant_id = $1 ORDER BY q.id DESC LIMIT 100",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// A deep-linking launch its teacher is choosing for.
#[derive(Debug, sqlx::FromRow)]
pub struct DeepLinkLaunch {
    pub registration_id: Uuid,
    pub deployment_id: String,
    pub client_id: String,
    pub issuer: String,
    pub deep_link_return_url: String,
    pub accept_types: Vec<String>,
    pub accept_multiple: bool,
    pub deep_link_data: Option<String>,
}

/// The opened deep-linking launch `id` of `user` from the last hour, not yet answered.
pub async fn deep_link_launch(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    user: Uuid,
) -> AppResult<Option<DeepLinkLaunch>> {
    Ok(sqlx::query_as(
        "SELECT l.registration_id, l.deployment_id, r.client_id, r.issuer, l.deep_link_return_url,
                l.accept_types, l.accept_multiple, l.deep_link_data
         FROM lti.launches l JOIN lti.registrations r ON r.tenant_id = l.tenant_id AND r.id = l.registration_id
         WHERE l.tenant_id = $1 AND l.id = $2 AND l.user_id = $3 AND l.status = 'done'
           AND l.message_type = 'LtiDeepLinkingRequest' AND l.deep_link_return_url IS NOT NULL
           AND l.completed_at > now() - interval '1 hour' AND r.disabled_at IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .bind(user)
    .fetch_optional(conn)
    .await?)
}

/// Marks a deep-linking launch answered (once).
pub async fn deep_link_answered(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE lti.launches SET status = 'linked' WHERE tenant_id = $1 AND id = $2 AND status = 'done'",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Stores a registration link (its token's hash) valid until `expires`.
pub async fn insert_registration_link(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    by: Option<Uuid>,
    valid_days: i32,
) -> AppResult<OffsetDateTime> {
    Ok(sqlx::query_scalar(
        "INSERT INTO lti.registration_links (tenant_id, token_hash, created_by, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(days => $4)) RETURNING expires_at",
    )
    .bind(tenant)
    .bind(token_hash)
    .bind(by)
    .bind(valid_days)
    .fetch_one(conn)
    .await?)
}

/// Uses a registration link once; false when unknown, used or expired.
pub async fn use_registration_link(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE lti.registration_links SET used_at = now()
         WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(tenant)
    .bind(token_hash)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Whether a registration link is still usable (without using it).
pub async fn registration_link_open(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM lti.registration_links
                        WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now())",
    )
    .bind(tenant)
    .bind(token_hash)
    .fetch_one(conn)
    .await?)
}

/// Records which registration a link made.
pub async fn link_registration(
    conn: &mut PgConnection,
    tenant: TenantId,
    token_hash: &[u8],
    registration: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE lti.registration_links SET registration_id = $3 WHERE tenant_id = $1 AND token_hash = $2",
    )
    .bind(tenant)
    .bind(token_hash)
    .bind(registration)
    .execute(conn)
    .await?;
    Ok(())
}

/// An LMS course roster mirrored into a group.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct RosterRow {
    pub id: Uuid,
    pub registration_id: Uuid,
    pub context_id: String,
    pub context_title: String,
    pub memberships_url: String,
    /// The member's group the roster fills (made on the first sync).
    pub group_id: Option<Uuid>,
    /// Synced every day when true.
    pub daily: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub synced_at: Option<OffsetDateTime>,
    /// The platform's answer when the last sync failed.
    pub last_error: Option<String>,
}

const ROSTER: &str = "id, registration_id, context_id, context_title, memberships_url, group_id,
    daily, synced_at, last_error";

/// Remembers (or refreshes) the roster service of an LMS course a launch came from.
pub async fn upsert_roster(
    conn: &mut PgConnection,
    tenant: TenantId,
    registration: Uuid,
    context_id: &str,
    context_title: &str,
    memberships_url: &str,
) -> AppResult<Uuid> {
    Ok(sqlx::query_scalar(
        "INSERT INTO lti.rosters (tenant_id, id, registration_id, context_id, context_title, memberships_url)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, registration_id, context_id) DO UPDATE
         SET memberships_url = EXCLUDED.memberships_url,
             context_title = CASE WHEN EXCLUDED.context_title = '' THEN lti.rosters.context_title
                                  ELSE EXCLUDED.context_title END
         RETURNING id",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(registration)
    .bind(context_id)
    .bind(context_title)
    .bind(memberships_url)
    .fetch_one(conn)
    .await?)
}

/// The member's rosters.
pub async fn rosters(conn: &mut PgConnection, tenant: TenantId) -> AppResult<Vec<RosterRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROSTER} FROM lti.rosters WHERE tenant_id = $1 ORDER BY context_title, context_id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// One roster of the member.
pub async fn roster(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<Option<RosterRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROSTER} FROM lti.rosters WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Sets whether a roster syncs daily.
pub async fn set_roster_daily(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    daily: bool,
) -> AppResult<bool> {
    Ok(
        sqlx::query("UPDATE lti.rosters SET daily = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .bind(daily)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Records a sync's outcome (and the group it filled).
pub async fn roster_synced(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    group: Option<Uuid>,
    error: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE lti.rosters SET synced_at = now(), last_error = $4, group_id = coalesce($3, group_id)
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(group)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a roster member seen in this sync (back again if they had left).
pub async fn roster_member_seen(
    conn: &mut PgConnection,
    tenant: TenantId,
    roster: Uuid,
    subject: &str,
    user: Uuid,
    role: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO lti.roster_members (tenant_id, roster_id, subject, user_id, role)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, roster_id, subject) DO UPDATE
         SET seen_at = now(), left_at = NULL, role = EXCLUDED.role, user_id = EXCLUDED.user_id",
    )
    .bind(tenant)
    .bind(roster)
    .bind(subject)
    .bind(user)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks who was not in this sync's roster as left (nothing is deleted); returns how many.
pub async fn roster_leavers(
    conn: &mut PgConnection,
    tenant: TenantId,
    roster: Uuid,
    seen: &[String],
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE lti.roster_members SET left_at = now()
         WHERE tenant_id = $1 AND roster_id = $2 AND left_at IS NULL AND NOT (subject = ANY($3))",
    )
    .bind(tenant)
    .bind(roster)
    .bind(seen)
    .execute(conn)
    .await?
    .rows_affected())
}

/// The members of a roster with whether they left.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RosterMemberRow {
    pub user_id: Uuid,
    /// `learner` or `teacher`.
    pub role: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub left_at: Option<OffsetDateTime>,
}

/// A roster's members.
pub async fn roster_members(
    conn: &mut PgConnection,
    tenant: TenantId,
    roster: Uuid,
) -> AppResult<Vec<RosterMemberRow>> {
    Ok(sqlx::query_as(
        "SELECT user_id, role, left_at FROM lti.roster_members
         WHERE tenant_id = $1 AND roster_id = $2 ORDER BY subject",
    )
    .bind(tenant)
    .bind(roster)
    .fetch_all(conn)
    .await?)
}

/// The rosters due a daily sync (across members).
pub async fn due_rosters(pool: &sqlx::PgPool, max: i32) -> AppResult<Vec<(Uuid, Uuid)>> {
    Ok(
        sqlx::query_as("SELECT tenant_id, id FROM lti.due_rosters($1)")
            .bind(max)
            .fetch_all(pool)
            .await?,
    )
}
