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

/// Until when a link made now works, as a Dutch date (the last day on which it works).
pub(crate) fn valid_until(valid_for: Duration) -> String {
    let until = zk_kernel::text::amsterdam(time::OffsetDateTime::now_utc() + valid_for);
    zk_kernel::text::dutch_date(until.date())
}

/// The invitation mail: subject and body. It says who invites (the member), to what (its
/// learning portal, with the address to log in on later) and until when the link works.
pub(crate) fn invite_mail(
    platform: &Platform,
    tenant: &Tenant,
    invite_url: &str,
) -> (String, String) {
    let portal = if tenant.is_platform {
        platform.config.platform_url()
    } else {
        platform.config.tenant_url(&tenant.slug)
    };
    (
        format!("Uitnodiging van {}: uw leerportaal", tenant.name),
        format!(
            "Goedendag,\n\n{name} nodigt u uit voor het leerportaal van {name} bij de Nationale Zorgklas: \
             e-learnings en trainingen voor uw werk, op {portal}.\n\n\
             Kies via deze link een wachtwoord. De link werkt tot en met {until}:\n{invite_url}\n\n\
             Daarna logt u in op {portal} met dit e-mailadres.\n\n\
             Werkt de link niet meer? Vraag de beheerder van {name} om een nieuwe uitnodiging.\n",
            name = tenant.name,
            until = valid_until(INVITE_VALID_FOR),
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
    let (subject, body) = invite_mail(platform, tenant, &url);
    Mailer::enqueue(tx, tenant.id, email, &subject, &body).await?;
    Ok(url)
}
