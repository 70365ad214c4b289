//! Invitations: how long a link stays valid, the link and the mail, and sending one. Below
//! `accounts`, `members` and `user_list`, which all invite, so none of them imports another for it.

use crate::repo::{self, invites::Purpose};
use time::Duration;
use uuid::Uuid;
use zk_kernel::{db::TenantTx, mail::Mailer, AppResult, Platform, Tenant};

/// How long an invitation link stays valid.
pub const INVITE_VALID_FOR: Duration = Duration::days(7);

/// The link a user follows for an invite or reset token.
pub(crate) fn link(platform: &Platform, tenant: &Tenant, path: &str, token: &str) -> String {
    let base = if tenant.is_platform {
        platform.config.platform_url()
    } else {
        platform.config.tenant_url(&tenant.slug)
    };
    format!("{base}/{path}/{token}")
}

/// The invitation mail: subject and body.
pub(crate) fn invite_mail(tenant: &Tenant, invite_url: &str) -> (String, String) {
    (
        format!("Uitnodiging: {}", tenant.name),
        format!(
            "U bent uitgenodigd voor het leerportaal van {}.\n\nKies via deze link een wachtwoord (7 dagen geldig):\n{invite_url}\n",
            tenant.name
        ),
    )
}

/// Creates an invitation link for `user` and queues the invitation mail to `email`, in `tx`.
/// Returns the link.
pub(crate) async fn send(
    platform: &Platform,
    tenant: &Tenant,
    tx: &mut TenantTx,
    user: Uuid,
    email: &str,
) -> AppResult<String> {
    let token =
        repo::invites::create(tx, tenant.id, user, Purpose::Invite, INVITE_VALID_FOR).await?;
    let url = link(platform, tenant, "uitnodiging", &token);
    let (subject, body) = invite_mail(tenant, &url);
    Mailer::enqueue(tx, tenant.id, email, &subject, &body).await?;
    Ok(url)
}
