//! Accounts of a tenant: invitations, accepting them, login with throttling, logout, password
//! reset, roles, API tokens. Operators are the accounts of the platform tenant, so the same code
//! serves them.

use super::{throttle, validate};
use crate::repo::{self, invites::Purpose, throttle::Key, users::UserRow};
use axum::http::StatusCode;
use serde::Serialize;
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zk_kernel::{
    auth::SessionStore,
    authz::{self, Role},
    mail::Mailer,
    AppError, AppResult, Platform, Tenant, TenantId,
};

/// How long a password-reset link stays valid.
pub const RESET_VALID_FOR: Duration = Duration::hours(1);

/// A user with their roles.
#[derive(Clone, Debug, Serialize)]
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

/// The link a user follows for an invite or reset token.
fn link(platform: &Platform, tenant: &Tenant, path: &str, token: &str) -> String {
    let base = if tenant.is_platform {
        platform.config.platform_url()
    } else {
        platform.config.tenant_url(&tenant.slug)
    };
    format!("{base}/{path}/{token}")
}

/// An invited account and its link.
pub struct Invited {
    pub user: UserRow,
    pub roles: Vec<Role>,
    pub invite_url: String,
}

/// Invites a new user with roles and mails the link, in one transaction.
pub async fn invite(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    roles: &[String],
) -> AppResult<Invited> {
    let email = validate::email("email", email)?;
    let roles = parse_roles(tenant, roles)?;
    if roles.is_empty() {
        return Err(AppError::validation(
            "roles",
            "roles_required",
            "Kies ten minste één rol.",
        ));
    }
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = repo::users::insert_invited(&mut tx, tenant.id, &email).await?;
    for role in &roles {
        authz::grant_role(&mut tx, tenant.id, user.id, *role).await?;
    }
    let token = repo::invites::create(
        &mut tx,
        tenant.id,
        user.id,
        Purpose::Invite,
        super::members::INVITE_VALID_FOR,
    )
    .await?;
    let invite_url = link(platform, tenant, "uitnodiging", &token);
    let body = format!(
        "U bent uitgenodigd voor het leerportaal van {}.\n\nKies via deze link een wachtwoord (7 dagen geldig):\n{invite_url}\n",
        tenant.name
    );
    Mailer::enqueue(
        &mut tx,
        tenant.id,
        &email,
        &format!("Uitnodiging: {}", tenant.name),
        &body,
    )
    .await?;
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
            if !repo::users::activate(&mut tx, tenant.id, user.id, h, None).await? {
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
                super::members::INVITE_VALID_FOR
            };
            let token = repo::invites::create(&mut tx, tenant.id, user.id, purpose, valid).await?;
            let path = if purpose == Purpose::Reset {
                "wachtwoord-herstellen"
            } else {
                "uitnodiging"
            };
            Some(link(platform, tenant, path, &token))
        }
    };
    let user = repo::users::by_id(&mut tx, tenant.id, user.id).await?;
    tx.commit().await?;
    platform.authz.reload().await?;
    Ok((user, link_url))
}

fn account_blocked() -> AppError {
    AppError::validation(
        "email",
        "account_blocked",
        "Dit account is geblokkeerd. Deblokkeer het eerst.",
    )
}

/// Takes one attempt under `keys`; 429 (and nothing counted) when a limit is reached.
async fn take_attempt(platform: &Platform, keys: &[Key], err: fn() -> AppError) -> AppResult<()> {
    if repo::throttle::take(&platform.db.app, keys, throttle::WINDOW_SECS).await? {
        Ok(())
    } else {
        tracing::warn!("attempt throttled");
        Err(err())
    }
}

fn too_many_requests() -> AppError {
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "Te veel verzoeken achter elkaar. Wacht een kwartier en probeer het opnieuw.",
    )
}

/// Checks a one-time link without using it (to show the form or a clear error).
pub async fn check_link(
    platform: &Platform,
    tenant: &Tenant,
    token: &str,
    purpose: Purpose,
) -> AppResult<UserRow> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let invite = usable_link(&mut tx, tenant.id, token, purpose).await?;
    let user = repo::users::by_id(&mut tx, tenant.id, invite.user_id).await?;
    tx.commit().await?;
    Ok(user)
}

/// The link behind `token` if it can still be used: not used, not revoked, not expired, and its
/// account not blocked. Locks the link and the account until the transaction ends.
async fn usable_link(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    token: &str,
    purpose: Purpose,
) -> AppResult<repo::invites::InviteRow> {
    let invite = repo::invites::find(conn, tenant, token, purpose)
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "invalid_link",
                "Deze link is ongeldig. Vraag een nieuwe aan.",
            )
        })?;
    if invite.used_at.is_some() {
        return Err(AppError::new(
            StatusCode::GONE,
            "link_used",
            "Deze link is al gebruikt. Log in of vraag een nieuwe link aan.",
        ));
    }
    if invite.revoked_at.is_some() || invite.user_status == "disabled" {
        return Err(link_revoked());
    }
    if invite.expires_at < OffsetDateTime::now_utc() {
        return Err(AppError::new(
            StatusCode::GONE,
            "link_expired",
            "Deze link is verlopen. Vraag een nieuwe aan bij uw beheerder.",
        ));
    }
    Ok(invite)
}

fn link_revoked() -> AppError {
    AppError::new(
        StatusCode::GONE,
        "link_revoked",
        "Deze link is ingetrokken. Neem contact op met de beheerder van uw organisatie.",
    )
}

/// Checks the token of a posted link form before any hashing: a wrong token costs one attempt of
/// the client address and one indexed lookup, never an argon2 run. Returns the keys the attempt
/// was taken under; the caller gives it back once the link has been used (a whole team may accept
/// their invitations from one office address), so parallel posts of one link are bounded too.
async fn check_link_form(
    platform: &Platform,
    tenant: &Tenant,
    token: &str,
    purpose: Purpose,
    client_ip: &str,
) -> AppResult<Vec<Key>> {
    let keys = throttle::link_form(client_ip);
    take_attempt(platform, &keys, too_many_requests).await?;
    check_link(platform, tenant, token, purpose).await?;
    Ok(keys)
}

/// Accepts an invitation: sets the password, activates the account, uses the link, starts a
/// session. Returns the session token.
pub async fn accept_invite(
    platform: &Platform,
    tenant: &Tenant,
    token: &str,
    password: &str,
    display_name: &str,
    client_ip: &str,
) -> AppResult<String> {
    let password = validate::password(password)?;
    let display_name = display_name.trim();
    let display_name = if display_name.is_empty() {
        None
    } else {
        Some(validate::name("display_name", display_name)?)
    };
    let keys = check_link_form(platform, tenant, token, Purpose::Invite, client_ip).await?;
    // Hashed outside the transaction, so no connection waits on the (deliberately slow) hash; the
    // link is checked again under lock below, as it may have been used or revoked meanwhile.
    let hash = platform.hash_password(password).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let invite = usable_link(&mut tx, tenant.id, token, Purpose::Invite).await?;
    if !repo::users::activate(
        &mut tx,
        tenant.id,
        invite.user_id,
        &hash,
        display_name.as_deref(),
    )
    .await?
    {
        return Err(link_revoked());
    }
    repo::invites::mark_used(&mut tx, tenant.id, invite.id).await?;
    let session = platform
        .sessions
        .create(&mut tx, tenant.id, invite.user_id)
        .await?;
    tx.commit().await?;
    repo::throttle::release(&platform.db.app, &keys).await?;
    tracing::info!(user.id = %invite.user_id, "invitation accepted");
    Ok(session)
}

/// Logs in with e-mail and password. The attempt is counted before the hash runs (per account
/// and address, per account, per address); over a limit the answer is 429 without hashing.
/// Returns the session token.
pub async fn login(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    password: &str,
    client_ip: &str,
) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    let keys = throttle::login(tenant.id, &email, client_ip);
    take_attempt(platform, &keys, AppError::too_many_attempts).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let found = repo::users::credentials(&mut tx, tenant.id, &email).await?;
    tx.commit().await?;
    // The hash is checked outside any transaction: no connection waits on it.
    let (user_id, ok) = match &found {
        Some((id, status, Some(hash))) if status == "active" => {
            (Some(*id), platform.verify_password(password, hash).await)
        }
        _ => {
            // Same work whether or not the account exists.
            platform
                .verify_password(password, zk_kernel::crypto::dummy_hash())
                .await;
            (None, false)
        }
    };
    let Some(user_id) = user_id.filter(|_| ok) else {
        // The attempt stays counted.
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Het e-mailadres of het wachtwoord klopt niet.",
        ));
    };
    // A success is no failure: the account's counters go, the address gets its attempt back.
    repo::throttle::clear_account(&platform.db.app, &throttle::account(tenant.id, &email)).await?;
    repo::throttle::release(&platform.db.app, &keys[2..]).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let session = platform
        .sessions
        .create(&mut tx, tenant.id, user_id)
        .await?;
    tx.commit().await?;
    tracing::info!(user.id = %user_id, "logged in");
    Ok(session)
}

/// Sends a reset link when an active account has this address; answers the same either way.
/// Throttled per address and per account (whether or not it exists), so nobody can flood a
/// mailbox.
pub async fn request_reset(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    client_ip: &str,
) -> AppResult<()> {
    let email = validate::email("email", email)?;
    let keys = throttle::reset_request(tenant.id, &email, client_ip);
    take_attempt(platform, &keys, too_many_requests).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    if let Some(user) = repo::users::by_email(&mut tx, tenant.id, &email)
        .await?
        .filter(|u| u.status == "active")
    {
        let token =
            repo::invites::create(&mut tx, tenant.id, user.id, Purpose::Reset, RESET_VALID_FOR)
                .await?;
        let url = link(platform, tenant, "wachtwoord-herstellen", &token);
        let body = format!(
            "U heeft gevraagd uw wachtwoord voor {} opnieuw in te stellen.\n\nDat kan via deze link (1 uur geldig):\n{url}\n\n\
             Heeft u dit niet gevraagd? Dan kunt u dit bericht negeren.\n",
            tenant.name
        );
        Mailer::enqueue(
            &mut tx,
            tenant.id,
            &email,
            "Wachtwoord opnieuw instellen",
            &body,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a new password through a reset link, ends every session of the account and lifts a
/// login lock on it (the reset link is the way back in for a locked-out user).
pub async fn reset_password(
    platform: &Platform,
    tenant: &Tenant,
    token: &str,
    password: &str,
    client_ip: &str,
) -> AppResult<()> {
    let password = validate::password(password)?;
    let keys = check_link_form(platform, tenant, token, Purpose::Reset, client_ip).await?;
    let hash = platform.hash_password(password).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let invite = usable_link(&mut tx, tenant.id, token, Purpose::Reset).await?;
    if !repo::users::activate(&mut tx, tenant.id, invite.user_id, &hash, None).await? {
        return Err(link_revoked());
    }
    repo::invites::mark_used(&mut tx, tenant.id, invite.id).await?;
    SessionStore::revoke_user_sessions(&mut tx, tenant.id, invite.user_id).await?;
    let user = repo::users::by_id(&mut tx, tenant.id, invite.user_id).await?;
    tx.commit().await?;
    platform.sessions.clear();
    repo::throttle::release(&platform.db.app, &keys).await?;
    repo::throttle::clear_account(&platform.db.app, &throttle::account(tenant.id, &user.email))
        .await?;
    Ok(())
}

/// Every user of the tenant with their roles.
pub async fn list_users(platform: &Platform, tenant: &Tenant) -> AppResult<Vec<UserView>> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let users = repo::users::list(&mut tx, tenant.id).await?;
    tx.commit().await?;
    let mut out = Vec::with_capacity(users.len());
    for user in users {
        let roles = platform.authz.roles(tenant.id, user.id).await;
        out.push(UserView { user, roles });
    }
    Ok(out)
}

/// One user of the tenant (404 for ids of other tenants).
pub async fn get_user(platform: &Platform, tenant: &Tenant, id: Uuid) -> AppResult<UserView> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let user = repo::users::by_id(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    let roles = platform.authz.roles(tenant.id, user.id).await;
    Ok(UserView { user, roles })
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

/// Issues an API bearer token for a user of the tenant (`zorgklas token create`).
pub async fn create_token(
    platform: &Platform,
    tenant: &Tenant,
    email: &str,
    label: &str,
) -> AppResult<String> {
    let email = validate::email("email", email)?;
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
    let token = SessionStore::create_token(&mut tx, tenant.id, user.id, label).await?;
    tx.commit().await?;
    Ok(token)
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
        // Open invitations and reset links die with the access: unblocking does not revive them.
        repo::invites::revoke_open(&mut tx, tenant.id, id).await?;
        SessionStore::revoke_user_sessions(&mut tx, tenant.id, id).await?;
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
