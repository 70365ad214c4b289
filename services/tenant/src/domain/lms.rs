//! Accounts of people a member's own LMS sends (LTI 1.3 launches): made on their first launch
//! from the name and address the LMS gives, active without a password and without an
//! invitation (they come in through the LMS; a reset link gives them a password if they want
//! one), with the roles the launch carries.

use crate::{domain::validate, repo};
use uuid::Uuid;
use zk_kernel::{
    authz::{self, Role},
    db::TenantTx,
    AppError, AppResult, Platform, TenantId,
};

/// Roles an LMS may vouch for: an account holding any other (admin, author, reviewer) is never
/// opened through a launch, whatever address the LMS sends.
const LMS_ROLES: &[Role] = &[Role::Learner, Role::Teacher];

/// An LMS user's account: its id, and whether a role was granted (the caller then reloads the
/// policies once it committed; a returning user with the same roles costs no reload).
pub struct LmsAccount {
    pub id: Uuid,
    pub granted: bool,
}

/// Grants the LMS roles of `roles` that `user` lacks (from the policies in memory); true when
/// one was granted.
async fn grant_missing(
    p: &Platform,
    tx: &mut TenantTx,
    tenant: TenantId,
    user: Uuid,
    roles: &[Role],
) -> AppResult<bool> {
    let has = p.authz.roles(tenant, user).await;
    let mut granted = false;
    for role in roles
        .iter()
        .filter(|r| LMS_ROLES.contains(r) && !has.contains(r))
    {
        authz::grant_role(tx, tenant, user, *role).await?;
        granted = true;
    }
    Ok(granted)
}

/// Finds or makes the account for an LMS user inside `tx` and grants `roles` it lacks. `email`
/// is the address the LMS sent (checked here); `None` makes a placeholder address under
/// `lms.invalid` (no mail reaches it).
pub async fn lms_account(
    p: &Platform,
    tx: &mut TenantTx,
    tenant: TenantId,
    email: Option<&str>,
    name: &str,
    placeholder: &str,
    roles: &[Role],
) -> AppResult<LmsAccount> {
    let email = match email.map(|e| validate::email("email", e)) {
        Some(Ok(e)) => e,
        _ => format!("lms-{placeholder}@lms.invalid"),
    };
    let name: String = name.trim().chars().take(200).collect();
    let id = match repo::users::by_email(tx, tenant, &email).await? {
        Some(u) if u.status == "disabled" => return Err(blocked()),
        Some(u) => {
            let has = p.authz.roles(tenant, u.id).await;
            if has.iter().any(|r| !LMS_ROLES.contains(r)) {
                return Err(AppError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "lms_account_privileged",
                    "Dit e-mailadres hoort bij een beheerder of auteur van dit portaal. Log rechtstreeks in op het portaal.",
                ));
            }
            if u.status == "invited" {
                repo::users::activate_without_password(tx, tenant, u.id).await?;
            }
            u.id
        }
        None => repo::users::insert_linked(tx, tenant, &email, &name).await?,
    };
    let granted = grant_missing(p, tx, tenant, id, roles).await?;
    Ok(LmsAccount { id, granted })
}

/// A returning LMS user's account inside `tx`: refused when blocked; roles of the launch that it
/// lacks are granted (never taken: an admin may have given more). True when one was granted.
pub async fn relaunch(
    p: &Platform,
    tx: &mut TenantTx,
    tenant: TenantId,
    user: Uuid,
    roles: &[Role],
) -> AppResult<bool> {
    let u = repo::users::by_id(tx, tenant, user).await?;
    if u.status == "disabled" {
        return Err(blocked());
    }
    grant_missing(p, tx, tenant, user, roles).await
}

fn blocked() -> AppError {
    AppError::new(
        axum::http::StatusCode::FORBIDDEN,
        "account_blocked",
        "Uw account op dit portaal is geblokkeerd. Vraag uw opleidingsafdeling.",
    )
}
