//! Accounts of one tenant (`tenant.users`, RLS).

use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{error::ResultExt, AppError, AppResult, TenantId};

/// A user row without its password hash.
#[derive(Clone, Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// From HR's staff list (import); empty when not known.
    pub department: String,
    /// `invited`, `active` or `disabled` (blocked).
    pub status: String,
    /// The last successful login; `null` for who never logged in.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, email, display_name, department, status, last_login_at";

/// Inserts an invited user; a taken e-mail address is a 409 on `email`.
pub async fn insert_invited(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
) -> AppResult<UserRow> {
    sqlx::query_as(&format!(
        "INSERT INTO tenant.users (tenant_id, id, email) VALUES ($1, $2, $3) RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(email)
    .fetch_one(conn)
    .await
    .on_constraint("users_email_key", || {
        AppError::conflict(
            "email",
            "email_taken",
            "Er bestaat al een account met dit e-mailadres.",
        )
    })
}

/// One user by id (404 when not in this tenant).
pub async fn by_id(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<UserRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.users WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Whether the user asked for Monday's overview of who is late (teachers and admins).
pub async fn weekly_digest(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT weekly_digest FROM tenant.users WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Turns Monday's overview on or off for the user.
pub async fn set_weekly_digest(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    on: bool,
) -> AppResult<()> {
    sqlx::query("UPDATE tenant.users SET weekly_digest = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(on)
        .execute(conn)
        .await?;
    Ok(())
}

/// One user by e-mail, with the password hash (for login).
pub async fn credentials(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
) -> AppResult<Option<(Uuid, String, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT id, status, password_hash FROM tenant.users WHERE tenant_id = $1 AND email = $2",
    )
    .bind(tenant)
    .bind(email)
    .fetch_optional(conn)
    .await?)
}

/// One user by e-mail.
pub async fn by_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
) -> AppResult<Option<UserRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.users WHERE tenant_id = $1 AND email = $2"
    ))
    .bind(tenant)
    .bind(email)
    .fetch_optional(conn)
    .await?)
}

/// Accepts an invitation: sets the first password, activates the account and optionally sets
/// the display name — only for an account that is still invited and has no password (an active
/// account's password is never set through an invitation). `false` when it is not.
pub async fn accept_invitation(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    password_hash: &str,
    display_name: Option<&str>,
) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE tenant.users SET password_hash = $3, status = 'active', display_name = COALESCE($4, display_name)
         WHERE tenant_id = $1 AND id = $2 AND status = 'invited' AND password_hash IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .bind(password_hash)
    .bind(display_name)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a new password (reset link, support task) and activates an invited account. A blocked
/// account is never activated: `false` when the account is blocked (or not of this tenant).
pub async fn set_password(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    password_hash: &str,
) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE tenant.users SET password_hash = $3, status = 'active'
         WHERE tenant_id = $1 AND id = $2 AND status <> 'disabled'",
    )
    .bind(tenant)
    .bind(id)
    .bind(password_hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the user has never set a password, locking their row (404 for other tenants' ids).
pub async fn lock_is_pending(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT password_hash IS NULL FROM tenant.users WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Removes an account that never set a password (its links and roles must be gone first).
pub async fn delete_pending(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<()> {
    sqlx::query(
        "DELETE FROM tenant.users WHERE tenant_id = $1 AND id = $2 AND password_hash IS NULL",
    )
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Blocks (`disabled`) or unblocks a user; unblocking returns an account without a password to
/// `invited`. Returns the user as it is now (404 for ids of other tenants).
pub async fn set_blocked(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    blocked: bool,
) -> AppResult<UserRow> {
    Ok(sqlx::query_as(&format!(
        "UPDATE tenant.users
         SET status = CASE WHEN $3 THEN 'disabled' WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END
         WHERE tenant_id = $1 AND id = $2
         RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(blocked)
    .fetch_one(conn)
    .await?)
}

/// The users with these e-mail addresses (one statement, for an import's preview).
pub async fn by_emails(
    conn: &mut PgConnection,
    tenant: TenantId,
    emails: &[String],
) -> AppResult<Vec<UserRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.users WHERE tenant_id = $1 AND email = ANY($2)"
    ))
    .bind(tenant)
    .bind(emails)
    .fetch_all(conn)
    .await?)
}

/// Inserts an invited user with a name and department (import); `None` when the address was
/// taken meanwhile.
pub async fn insert_staff(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
    name: &str,
    department: &str,
) -> AppResult<Option<UserRow>> {
    Ok(sqlx::query_as(&format!(
        "INSERT INTO tenant.users (tenant_id, id, email, display_name, department) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, email) DO NOTHING RETURNING {COLUMNS}"
    ))
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(email)
    .bind(name)
    .bind(department)
    .fetch_optional(conn)
    .await?)
}

/// Sets name and department where they differ; true when something changed.
pub async fn set_profile(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    name: &str,
    department: &str,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE tenant.users SET display_name = $3, department = $4
         WHERE tenant_id = $1 AND id = $2 AND (display_name, department) IS DISTINCT FROM ($3, $4)",
    )
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(department)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Notes a successful login.
pub async fn touch_login(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<()> {
    sqlx::query("UPDATE tenant.users SET last_login_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What the users table asks for; every part is optional but the paging. `order_by` is one of
/// the fixed orderings of `domain::user_list` (never user input).
pub struct Search<'a> {
    /// A `LIKE` pattern (wildcards in the input escaped) matched on name and e-mail.
    pub pattern: Option<&'a str>,
    pub role: Option<&'a str>,
    pub status: Option<&'a str>,
    pub department: Option<&'a str>,
    pub order_by: &'static str,
    pub limit: i64,
    pub offset: i64,
}

/// A user in the users table, with roles.
#[derive(Debug, FromRow)]
pub struct ListedUser {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub roles: Vec<String>,
    pub total: i64,
}

/// The filter of [`search`] and [`count`]: `$1` tenant, `$2` name/e-mail pattern, `$3` role,
/// `$4` status, `$5` department (each `NULL` for any).
const SEARCH_WHERE: &str = "WHERE tenant_id = $1
    AND ($2::text IS NULL OR email ILIKE $2 OR display_name ILIKE $2)
    AND ($3::text IS NULL OR EXISTS (
        SELECT 1 FROM tenant.casbin_rule c
        WHERE c.ptype = 'g' AND c.v0 = u.id::text AND c.v1 = $3 AND c.v2 = tenant.authz_domain()))
    AND ($4::text IS NULL OR status = $4)
    AND ($5::text IS NULL OR lower(department) = lower($5))";

/// One page of the tenant's users matching `search`, each with their roles and the number of
/// matches in all (one statement; the roles are looked up for the page's rows only).
pub async fn search(
    conn: &mut PgConnection,
    tenant: TenantId,
    search: &Search<'_>,
) -> AppResult<Vec<ListedUser>> {
    let order = search.order_by;
    Ok(sqlx::query_as(&format!(
        "WITH page AS (
            SELECT {COLUMNS}, count(*) OVER () AS total FROM tenant.users u
            {SEARCH_WHERE}
            ORDER BY {order} LIMIT $6 OFFSET $7
         )
         SELECT page.*, ARRAY(
                SELECT c.v1::text FROM tenant.casbin_rule c
                WHERE c.ptype = 'g' AND c.v0 = page.id::text AND c.v2 = tenant.authz_domain()
                ORDER BY c.v1) AS roles
         FROM page ORDER BY {order}"
    ))
    .bind(tenant)
    .bind(search.pattern)
    .bind(search.role)
    .bind(search.status)
    .bind(search.department)
    .bind(search.limit)
    .bind(search.offset)
    .fetch_all(conn)
    .await?)
}

/// How many users match (for a page past the last one, where [`search`] has no row to tell).
pub async fn count(
    conn: &mut PgConnection,
    tenant: TenantId,
    search: &Search<'_>,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT count(*) FROM tenant.users u {SEARCH_WHERE}"
    ))
    .bind(tenant)
    .bind(search.pattern)
    .bind(search.role)
    .bind(search.status)
    .bind(search.department)
    .fetch_one(conn)
    .await?)
}

/// The departments the tenant's users are in (for the filter), by name.
pub async fn departments(conn: &mut PgConnection, tenant: TenantId) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT min(department) FROM tenant.users WHERE tenant_id = $1 AND department <> ''
         GROUP BY lower(department) ORDER BY lower(min(department))",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await?)
}

/// The users with these ids, locked for the rest of the transaction, by e-mail. Ids of other
/// tenants are simply not found.
pub async fn lock_many(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
) -> AppResult<Vec<UserRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.users WHERE tenant_id = $1 AND id = ANY($2) ORDER BY email FOR UPDATE"
    ))
    .bind(tenant)
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

/// [`set_blocked`] for many users at once.
pub async fn set_blocked_many(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
    blocked: bool,
) -> AppResult<u64> {
    Ok(sqlx::query(
        "UPDATE tenant.users
         SET status = CASE WHEN $3 THEN 'disabled' WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END
         WHERE tenant_id = $1 AND id = ANY($2)",
    )
    .bind(tenant)
    .bind(ids)
    .bind(blocked)
    .execute(conn)
    .await?
    .rows_affected())
}

/// How many users the tenant has, by status, and its last login.
#[derive(Clone, Debug, Default, Serialize, FromRow, utoipa::ToSchema)]
pub struct UserCounts {
    pub total: i64,
    pub active: i64,
    pub invited: i64,
    pub blocked: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<OffsetDateTime>,
}

/// The tenant's user counts (one statement).
pub async fn counts(conn: &mut PgConnection, tenant: TenantId) -> AppResult<UserCounts> {
    Ok(sqlx::query_as(
        "SELECT count(*) AS total,
                count(*) FILTER (WHERE status = 'active') AS active,
                count(*) FILTER (WHERE status = 'invited') AS invited,
                count(*) FILTER (WHERE status = 'disabled') AS blocked,
                max(last_login_at) AS last_login_at
         FROM tenant.users WHERE tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(conn)
    .await?)
}

/// The tenant's users with a role, by e-mail (at most `limit`).
pub async fn with_role(
    conn: &mut PgConnection,
    tenant: TenantId,
    role: &str,
    limit: i64,
) -> AppResult<Vec<UserRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.users u
         WHERE tenant_id = $1 AND EXISTS (
            SELECT 1 FROM tenant.casbin_rule c
            WHERE c.ptype = 'g' AND c.v0 = u.id::text AND c.v1 = $2 AND c.v2 = tenant.authz_domain())
         ORDER BY email LIMIT $3"
    ))
    .bind(tenant)
    .bind(role)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Inserts an active account without a password (someone a member's LMS sends); returns its id.
pub async fn insert_linked(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
    name: &str,
) -> AppResult<Uuid> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tenant.users (tenant_id, id, email, display_name, status)
         VALUES ($1, $2, $3, $4, 'active') RETURNING id",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(email)
    .bind(name)
    .fetch_one(conn)
    .await?)
}

/// Makes an invited account active without a password (its LMS vouched for it); its open
/// invitation then answers that the account is active, and a reset link gives a password.
pub async fn activate_without_password(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> AppResult<()> {
    sqlx::query("UPDATE tenant.users SET status = 'active' WHERE tenant_id = $1 AND id = $2 AND status = 'invited'")
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
