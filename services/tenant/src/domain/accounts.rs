//! Accounts of a tenant: invitations, roles, blocking, withdrawing invitations. API tokens are
//! in `tokens`, passwords and the ways in in `credentials`.
//! Signing in (login, accepting an invitation, password reset) is in `signin`. Operators are the
//! accounts of the platform tenant, so the same code serves them.

use super::{
    credentials::{self, NewPassword},
    invitations::{self, INVITE_VALID_FOR},
    validate,
};
use crate::repo::{self, invites::Purpose, users::UserRow};
use serde::Serialize;
use std::collections::BTreeSet;
use time::Duration;
use uuid::Uuid;
use zk_kernel::{
    authz::{self, Role},
    AppError, AppResult, Platform, Tenant,
};

/// How long a password-reset link stays valid.
pub const RESET_VALID_FOR: Duration = Duration::hours(1);

/// A user with their roles.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    #[serde(flatten)]
    pub user: UserRow,
    pub roles: Vec<Role>,
}

/// Parses role names for a tenant: member roles for members, `operator` for the platform.
pub fn parse_roles(tenant: &Tenant, names: &[String]) -> AppResult<Vec<Role>> {
    let mut roles = BTreeSet::new();
    for name in names {
        let allowed = match Role::parse(name.trim()) {
            Some(Role::Operator) => tenant.is_platform,
            Some(_) => !tenant.is_platform,
            None => false,
        };
        if !allowed {
            return Err(AppError::validation(
                "roles",
                "invalid_role",
                format!("Onbekende rol: '{}'.", name.trim()),
            ));
        }
        roles.extend(Role::parse(name.trim()));
    }
    Ok(roles.into_iter().collect())
}

/// An invited account and its link.
pub struct Invited {
    pub user: UserRow,
    pub roles: Vec<Role>,
    pub invite_url: String,
}

/// Invites a new user with roles (and optionally a name and department) and mails the link, in
/// one transaction.
pub async fn invite(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    name: &str,
    department: &str,
    roles: &[String],
) -> AppResult<Invited> {
    let email = validate::email("email", email)?;
    let name = match name.trim() {
        "" => String::new(),
        n => validate::name("display_name", n)?,
    };
    let department = validate::department("department", department)?;
    let roles = parse_roles(tenant, roles)?;
    if roles.is_empty() {
        return Err(AppError::validation(
            "roles",
            "roles_required",
            "Kies ten minste één rol.",
        ));
    }
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = repo::users::insert_staff(&mut tx, tenant.id, &email, &name, &department)
        .await?
        .ok_or_else(email_taken)?;
    for role in &roles {
        authz::grant_role(&mut tx, tenant.id, user.id, *role).await?;
    }
    let invite_url = invitations::send(platform, tenant, &mut tx, user.id, &email).await?;
    tx.commit().await?;
    platform.authz.reload().await?;
    Ok(Invited {
        user,
        roles,
        invite_url,
    })
}

/// Support task (`zorgklas user create`, `operator create`): creates the account or adds the role
/// to an existing one. With a password the account is active at once; otherwise a one-time
/// set-password link is returned.
pub async fn ensure_user(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    role: Role,
    password: Option<&str>,
) -> AppResult<(UserRow, Option<String>)> {
    let email = validate::email("email", email)?;
    parse_roles(tenant, &[role.as_str().to_owned()])?;
    let hash = match password {
        Some(p) => Some(platform.hash_password(validate::password(p)?).await?),
        None => None,
    };
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = match repo::users::by_email(&mut tx, tenant.id, &email).await? {
        Some(u) if u.status == "disabled" => return Err(account_blocked()),
        Some(u) => u,
        None => repo::users::insert_invited(&mut tx, tenant.id, &email).await?,
    };
    authz::grant_role(&mut tx, tenant.id, user.id, role).await?;
    let link_url = match &hash {
        Some(h) => {
            // Like a reset: the printed invitation and every older link, session and token end.
            if !credentials::set_password(&mut tx, tenant.id, user.id, h, NewPassword::Reset)
                .await?
            {
                return Err(account_blocked());
            }
            None
        }
        None => {
            let purpose = if user.status == "active" {
                Purpose::Reset
            } else {
                Purpose::Invite
            };
            let valid = if purpose == Purpose::Reset {
                RESET_VALID_FOR
            } else {
                INVITE_VALID_FOR
            };
            let token = repo::invites::create(&mut tx, tenant.id, user.id, purpose, valid).await?;
            let path = if purpose == Purpose::Reset {
                "wachtwoord-herstellen"
            } else {
                "uitnodiging"
            };
            Some(invitations::link(platform, tenant, path, &token))
        }
    };
    let user = repo::users::by_id(&mut tx, tenant.id, user.id).await?;
    tx.commit().await?;
    if hash.is_some() {
        platform.sessions.clear();
    }
    platform.authz.reload().await?;
    Ok((user, link_url))
}

fn email_taken() -> AppError {
    AppError::conflict(
        "email",
        "email_taken",
        "Er bestaat al een account met dit e-mailadres.",
    )
}

fn account_blocked() -> AppError {
    AppError::validation(
        "email",
        "account_blocked",
        "Dit account is geblokkeerd. Deblokkeer het eerst.",
    )
}

/// One user of the tenant (404 for ids of other tenants).
pub async fn get_user(platform: &Platform, tenant: &Tenant, id: Uuid) -> AppResult<UserView> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = repo::users::by_id(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    let roles = platform.authz.roles(tenant.id, user.id).await;
    Ok(UserView { user, roles })
}

/// Whether the user gets Monday's overview of who is late.
pub async fn weekly_digest(platform: &Platform, tenant: &Tenant, id: Uuid) -> AppResult<bool> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let on = repo::users::weekly_digest(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(on)
}

/// Turns Monday's overview of who is late on or off: for a member's teachers and admins, who
/// follow people (others are refused on `weekly_digest`).
pub async fn set_weekly_digest(
    platform: &Platform,
    tenant: &Tenant,
    id: Uuid,
    on: bool,
) -> AppResult<()> {
    let roles = platform.authz.roles(tenant.id, id).await;
    let follows_people = roles.contains(&Role::Admin) || roles.contains(&Role::Teacher);
    if on && (tenant.is_platform || !follows_people) {
        return Err(AppError::validation(
            "weekly_digest",
            "digest_not_for_role",
            "Het overzicht van wie te laat is, is er voor docenten en beheerders.",
        ));
    }
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    repo::users::set_weekly_digest(&mut tx, tenant.id, id, on).await?;
    tx.commit().await?;
    tracing::info!(user.id = %id, on, "weekly digest set");
    Ok(())
}

/// Replaces a user's roles. An admin cannot take away their own admin role (no lock-out).
pub async fn set_roles(
    platform: &Platform,
    tenant: &Tenant,
    actor: Uuid,
    id: Uuid,
    names: &[String],
) -> AppResult<UserView> {
    let roles = parse_roles(tenant, names)?;
    if actor == id && !roles.contains(&Role::Admin) && !tenant.is_platform {
        return Err(AppError::validation(
            "roles",
            "cannot_remove_own_admin",
            "U kunt uw eigen beheerdersrol niet intrekken.",
        ));
    }
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = repo::users::by_id(&mut tx, tenant.id, id).await?;
    authz::set_roles(&mut tx, tenant.id, user.id, &roles).await?;
    tx.commit().await?;
    platform.authz.reload().await?;
    Ok(UserView { user, roles })
}

/// Blocks a user (every session and token stops working, in every process) or unblocks them.
/// Nobody can block themselves.
pub async fn set_blocked(
    platform: &Platform,
    tenant: &Tenant,
    actor: Uuid,
    id: Uuid,
    blocked: bool,
) -> AppResult<UserView> {
    if blocked && actor == id {
        return Err(AppError::validation(
            "id",
            "cannot_block_self",
            "U kunt uw eigen account niet blokkeren.",
        ));
    }
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = repo::users::set_blocked(&mut tx, tenant.id, id, blocked).await?;
    if blocked {
        // Links, sessions and API tokens die with the access: unblocking revives none of them.
        super::credentials::end_access(&mut tx, tenant.id, id).await?;
    }
    tx.commit().await?;
    platform.sessions.clear();
    tracing::info!(user.id = %id, blocked, "user access changed");
    let roles = platform.authz.roles(tenant.id, id).await;
    Ok(UserView { user, roles })
}

/// Withdraws the invitation of an account that never set a password: its links stop working and
/// the pending account is removed with its roles (so the address can be invited again later).
/// An account in use is blocked instead (409).
pub async fn revoke_invitation(
    platform: &Platform,
    tenant: &Tenant,
    id: Uuid,
) -> AppResult<UserRow> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    if !repo::users::lock_is_pending(&mut tx, tenant.id, id).await? {
        return Err(AppError::conflict(
            "id",
            "not_pending",
            "Dit account is al in gebruik. Blokkeer het als deze persoon geen toegang meer mag hebben.",
        ));
    }
    let user = repo::users::by_id(&mut tx, tenant.id, id).await?;
    repo::invites::delete_for_user(&mut tx, tenant.id, id).await?;
    authz::revoke_roles(&mut tx, id).await?;
    repo::users::delete_pending(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    platform.authz.reload().await?;
    tracing::info!(user.id = %id, "invitation revoked");
    Ok(user)
}
