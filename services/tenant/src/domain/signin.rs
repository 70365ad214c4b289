//! Signing in: login, accepting an invitation, asking for and using a password-reset link.
//!
//! Every attempt is counted before any password hash runs (`throttle`), a link's token is checked
//! before the new password is hashed, and no link activates a blocked account.

use super::{
    accounts::RESET_VALID_FOR,
    credentials::{self, NewPassword},
    invitations::link,
    throttle, validate,
};
use crate::repo::{self, invites::Purpose, throttle::Key, users::UserRow};
use axum::http::StatusCode;
use time::OffsetDateTime;
use zk_kernel::{mail::Mailer, AppError, AppResult, Platform, Tenant, TenantId};

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
    // An invitation is the way to a first password only: an account in use is never taken
    // over by an invitation link that stayed open.
    if purpose == Purpose::Invite && (invite.user_status != "invited" || invite.has_password) {
        return Err(AppError::new(
            StatusCode::GONE,
            "account_already_active",
            "Dit account is al in gebruik. Log in, of vraag via 'Wachtwoord vergeten' een nieuw wachtwoord aan.",
        ));
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
        "Deze link is ingetrokken of vervangen door een nieuwere. Gebruik de link uit de nieuwste mail, of neem contact op met de beheerder van uw organisatie.",
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

/// Accepts an invitation of an account that is still invited: sets the first password,
/// activates the account, uses the link (every other link, session and token of the account
/// ends), starts a session. Returns the session token.
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
    repo::invites::mark_used(&mut tx, tenant.id, invite.id).await?;
    let how = NewPassword::Invitation {
        display_name: display_name.as_deref(),
    };
    if !credentials::set_password(&mut tx, tenant.id, invite.user_id, &hash, how).await? {
        return Err(link_revoked());
    }
    let session = platform
        .sessions
        .create(&mut tx, tenant.id, invite.user_id)
        .await?;
    repo::users::touch_login(&mut tx, tenant.id, invite.user_id).await?;
    tx.commit().await?;
    platform.sessions.clear();
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
    // An empty form asks for what is missing (no attempt is counted: no password was tried).
    if email.is_empty() {
        return Err(AppError::validation(
            "email",
            "email_required",
            "Vul uw e-mailadres in.",
        ));
    }
    if password.is_empty() {
        return Err(AppError::validation(
            "password",
            "password_required",
            "Vul uw wachtwoord in.",
        ));
    }
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
    let address_keys: Vec<Key> = keys.into_iter().filter(|k| k.account.is_none()).collect();
    repo::throttle::release(&platform.db.app, &address_keys).await?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let session = platform
        .sessions
        .create(&mut tx, tenant.id, user_id)
        .await?;
    repo::users::touch_login(&mut tx, tenant.id, user_id).await?;
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

/// Sets a new password through a reset link, ends every session, API token and other open link
/// of the account and lifts a login lock on it (the reset link is the way back in for a locked-out user).
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
    repo::invites::mark_used(&mut tx, tenant.id, invite.id).await?;
    let how = NewPassword::Reset;
    if !credentials::set_password(&mut tx, tenant.id, invite.user_id, &hash, how).await? {
        return Err(link_revoked());
    }
    let user = repo::users::by_id(&mut tx, tenant.id, invite.user_id).await?;
    tx.commit().await?;
    platform.sessions.clear();
    repo::throttle::release(&platform.db.app, &keys).await?;
    repo::throttle::clear_account(&platform.db.app, &throttle::account(tenant.id, &user.email))
        .await?;
    Ok(())
}
