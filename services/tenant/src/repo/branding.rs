//! Branding of a tenant (`tenant.branding`, RLS).

use sqlx::PgConnection;
use zk_kernel::{AppResult, TenantId};

/// Creates the default branding row of a new tenant.
pub async fn insert_default(conn: &mut PgConnection, tenant: TenantId) -> AppResult<()> {
    sqlx::query("INSERT INTO tenant.branding (tenant_id) VALUES ($1)")
        .bind(tenant)
        .execute(conn)
        .await?;
    Ok(())
}

/// Saves colours, welcome text and support address.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    primary: &str,
    accent: &str,
    welcome_markdown: &str,
    support_email: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE tenant.branding SET primary_color = $2, accent_color = $3, welcome_markdown = $4, support_email = $5
         WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(primary)
    .bind(accent)
    .bind(welcome_markdown)
    .bind(support_email)
    .execute(conn)
    .await?;
    Ok(())
}

/// Points the branding at a new logo; returns the previous key so its object can be removed.
pub async fn set_logo(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    content_type: &str,
) -> AppResult<Option<String>> {
    let old: Option<String> =
        sqlx::query_scalar("SELECT logo_key FROM tenant.branding WHERE tenant_id = $1 FOR UPDATE")
            .bind(tenant)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "UPDATE tenant.branding SET logo_key = $2, logo_content_type = $3 WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(key)
    .bind(content_type)
    .execute(conn)
    .await?;
    Ok(old)
}

/// The support address of the tenant of the transaction's tenant.
pub async fn support_email(conn: &mut PgConnection, tenant: TenantId) -> AppResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT support_email FROM tenant.branding WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(conn)
            .await?,
    )
}

/// Sets only the support address (an operator's edit in the console).
pub async fn set_support_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    support_email: Option<&str>,
) -> AppResult<()> {
    sqlx::query("UPDATE tenant.branding SET support_email = $2 WHERE tenant_id = $1")
        .bind(tenant)
        .bind(support_email)
        .execute(conn)
        .await?;
    Ok(())
}

/// Points the branding at a new illustration with its description; returns the previous key so
/// its object can be removed.
pub async fn set_illustration(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: Option<&str>,
    content_type: Option<&str>,
    alt: &str,
) -> AppResult<Option<String>> {
    let old: Option<String> = sqlx::query_scalar(
        "SELECT illustration_key FROM tenant.branding WHERE tenant_id = $1 FOR UPDATE",
    )
    .bind(tenant)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE tenant.branding SET illustration_key = $2, illustration_content_type = $3, illustration_alt = $4
         WHERE tenant_id = $1",
    )
    .bind(tenant)
    .bind(key)
    .bind(content_type)
    .bind(alt)
    .execute(conn)
    .await?;
    Ok(old)
}
