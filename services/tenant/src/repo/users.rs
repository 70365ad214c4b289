//! Accounts of one tenant (`tenant.users`, RLS).

use serde::Serialize;
use sqlx::{FromRow, PgConnection};
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
    pub status: String,
}

const COLUMNS: &str = "id, email, display_name, department, status";

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

/// All users of the tenant, by e-mail.
pub async fn list(conn: &mut PgConnection, tenant: TenantId) -> AppResult<Vec<UserRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.users WHERE tenant_id = $1 ORDER BY email"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await?)
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

/// Sets the password (and activates the account), optionally the display name. A blocked
/// account is never activated: `false` when the account is blocked (or not of this tenant).
pub async fn activate(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    password_hash: &str,
    display_name: Option<&str>,
) -> AppResult<bool> {
    let done = sqlx::query(
        "UPDATE tenant.users SET password_hash = $3, status = 'active', display_name = COALESCE($4, display_name)
         WHERE tenant_id = $1 AND id = $2 AND status <> 'disabled'",
    )
    .bind(tenant)
    .bind(id)
    .bind(password_hash)
    .bind(display_name)
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
