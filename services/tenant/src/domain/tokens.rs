//! API bearer tokens: issued for automation (`zorgklas token create`), each with an expiry;
//! their owner and the member's admins see them (name, created, last used, expiry — never the
//! token) and revoke them. A password reset or a block ends all of a user's tokens
//! (`credentials::end_access`).

use super::validate;
use crate::repo;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{
    auth::{SessionStore, TokenInfo},
    AppError, AppResult, Platform, Tenant,
};

/// How long a token lives when nothing else is asked.
pub const DEFAULT_DAYS: u32 = 90;
/// The longest a token may live: automation renews its token at least once a year.
pub const MAX_DAYS: u32 = 365;

/// A token as listed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    /// What it is for (`cli` for tokens made on the command line).
    pub label: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// `null` when never used. Recorded at most about once a minute.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// True once past `expires_at` (it no longer works).
    pub expired: bool,
}

impl From<TokenInfo> for TokenView {
    fn from(t: TokenInfo) -> Self {
        TokenView {
            expired: t.expires_at <= OffsetDateTime::now_utc(),
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
        }
    }
}

/// Checks a token's lifetime in days (1 to [`MAX_DAYS`]).
pub fn lifetime(days: Option<u32>) -> AppResult<Duration> {
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::validation(
            "days",
            "invalid_number",
            format!("Een sleutel is 1 tot en met {MAX_DAYS} dagen geldig."),
        ));
    }
    Ok(Duration::days(i64::from(days)))
}

/// Issues an API bearer token for an active user of the tenant, valid for `days` (default
/// [`DEFAULT_DAYS`]).
pub async fn create(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    label: &str,
    days: Option<u32>,
) -> AppResult<String> {
    let email = validate::email("email", email)?;
    let valid_for = lifetime(days)?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = repo::users::by_email(&mut tx, tenant.id, &email)
        .await?
        .ok_or_else(AppError::not_found)?;
    if user.status != "active" {
        return Err(AppError::validation(
            "email",
            "account_inactive",
            "Dit account is nog niet geactiveerd.",
        ));
    }
    let token = SessionStore::create_token(&mut tx, tenant.id, user.id, label, valid_for).await?;
    tx.commit().await?;
    tracing::info!(user.id = %user.id, "api token issued");
    Ok(token)
}

/// The tokens of a user of the tenant that were not revoked (404 for other tenants' users).
pub async fn list(platform: &Platform, tenant: &Tenant, user: Uuid) -> AppResult<Vec<TokenView>> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    repo::users::by_id(&mut tx, tenant.id, user).await?;
    let tokens = SessionStore::tokens_of(&mut tx, tenant.id, user).await?;
    tx.commit().await?;
    Ok(tokens.into_iter().map(TokenView::from).collect())
}

/// Revokes one token of a user of the tenant: it stops working in every process at once. 404
/// when the user has no such open token.
pub async fn revoke(platform: &Platform, tenant: &Tenant, user: Uuid, id: Uuid) -> AppResult<()> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    if !SessionStore::revoke_token(&mut tx, tenant.id, user, id).await? {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    platform.sessions.clear();
    tracing::info!(user.id = %user, token.id = %id, "api token revoked");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_lives_ninety_days_unless_asked_and_at_most_a_year() {
        assert_eq!(lifetime(None).unwrap(), Duration::days(90));
        assert_eq!(lifetime(Some(365)).unwrap(), Duration::days(365));
        assert_eq!(
            lifetime(Some(0)).unwrap_err().field.as_deref(),
            Some("days")
        );
        assert_eq!(lifetime(Some(366)).unwrap_err().code, "invalid_number");
    }
}
