//! Passwords and the ways into an account. Whenever a password is set — accepting an
//! invitation, a reset link, the support command — every other open link of the account is
//! revoked and its sessions and API tokens end, in the caller's transaction: no older link,
//! cookie or token outlives the new password. Blocking ends the same ways in.

use crate::repo;
use uuid::Uuid;
use zk_kernel::{auth::SessionStore, db::TenantTx, AppResult, TenantId};

/// How a password comes to be set.
#[derive(Clone, Copy, Debug)]
pub enum NewPassword<'a> {
    /// The first password, through an invitation: only for an account that is still invited
    /// and has none.
    Invitation { display_name: Option<&'a str> },
    /// Through a reset link, or by support (`zorgklas user create --password`): any account
    /// that is not blocked.
    Reset,
}

/// Sets the password and ends every other way in; `false` (and nothing changed) when the
/// account may not get a password this way. The link that was used must be marked used first.
/// The caller clears the process's session cache after commit.
pub async fn set_password(
    tx: &mut TenantTx,
    tenant: TenantId,
    user: Uuid,
    hash: &str,
    how: NewPassword<'_>,
) -> AppResult<bool> {
    let set = match how {
        NewPassword::Invitation { display_name } => {
            repo::users::accept_invitation(tx, tenant, user, hash, display_name).await?
        }
        NewPassword::Reset => repo::users::set_password(tx, tenant, user, hash).await?,
    };
    if set {
        end_access(tx, tenant, user).await?;
    }
    Ok(set)
}

/// Ends every way into the account: open invitation and reset links, sessions (in every
/// process, through the revocation notice) and API tokens.
pub async fn end_access(tx: &mut TenantTx, tenant: TenantId, user: Uuid) -> AppResult<()> {
    repo::invites::revoke_open(tx, tenant, user).await?;
    SessionStore::revoke_user_sessions(tx, tenant, user).await?;
    SessionStore::revoke_user_tokens(tx, tenant, user).await?;
    Ok(())
}
