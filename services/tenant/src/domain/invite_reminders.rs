//! Reminders of invitations nobody accepted: three days after the invitation (while it is valid
//! for at least another day) the invitee gets one mail with a fresh link, which replaces the
//! first (that one stops working). A job in every process
//! sends each reminder once: the reminder's row and the mail are written in one transaction,
//! and the row's key (member, account) refuses a second one — also when two processes find the
//! same account at once, or after a restart.

use super::invitations::{self, INVITE_VALID_FOR};
use crate::repo::{self, invites::Purpose};
use std::time::Duration;
use zk_kernel::{mail::Mailer, AppResult, Platform, TenantId};

/// The reminder mail: subject and body.
pub fn mail(member: &str, url: &str) -> (String, String) {
    (
        format!("Herinnering: uw uitnodiging voor {member}"),
        format!(
            "Goedendag,\n\nU bent uitgenodigd voor het leerportaal van {member}, maar u heeft nog geen wachtwoord gekozen. Dat kan via deze link, die werkt tot en met {}; de link uit de eerste mail werkt niet meer:\n{url}\n\nMet vriendelijke groet",
            super::invitations::valid_until(super::invitations::INVITE_VALID_FOR)
        ),
    )
}

/// Sends the reminders due now; returns how many mails this call queued.
pub async fn run_once(p: &Platform) -> AppResult<usize> {
    let due = {
        let mut conn = p.db.app.acquire().await?;
        repo::invites::due_reminders(&mut conn, 500).await?
    };
    let mut sent = 0;
    for (tenant_id, user_id) in due {
        let Some(tenant) = p.directory.load(TenantId(tenant_id)).await? else {
            continue;
        };
        let mut tx = p.db.begin_tenant(tenant.id).await?;
        if !repo::invites::mark_reminded(&mut tx, tenant.id, user_id).await? {
            continue;
        }
        let user = repo::users::by_id(&mut tx, tenant.id, user_id).await?;
        if user.status != "invited" {
            continue;
        }
        // The reminder's link replaces the first: one open invitation link at a time.
        repo::invites::revoke_open(&mut tx, tenant.id, user_id).await?;
        let token = repo::invites::create(
            &mut tx,
            tenant.id,
            user_id,
            Purpose::Invite,
            INVITE_VALID_FOR,
        )
        .await?;
        let url = invitations::link(p, &tenant, "uitnodiging", &token);
        let (subject, body) = mail(&tenant.name, &url);
        Mailer::enqueue(&mut tx, tenant.id, &user.email, &subject, &body).await?;
        tx.commit().await?;
        sent += 1;
    }
    if sent > 0 {
        tracing::info!(sent, "invitation reminders queued");
    }
    Ok(sent)
}

/// Runs [`run_once`] every fifteen minutes, the first time a minute after start-up.
pub fn spawn(p: Platform) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            if let Err(e) = run_once(&p).await {
                tracing::warn!(
                    error.code = e.code,
                    "invitation reminders failed; will retry"
                );
            }
            tokio::time::sleep(Duration::from_secs(900)).await;
        }
    });
}
