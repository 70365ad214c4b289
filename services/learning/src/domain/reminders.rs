//! Reminders by mail: a deadline within 7 days, a passport entry expiring within 60 days (whose
//! learner is re-enrolled in the same transaction: see `renew`). A job
//! in every process finds what is due and sends each reminder once: the "sent" row and the
//! outbox row are written in one transaction, and the row's key refuses a second one (also when
//! two processes find the same reminder at once, or after a restart).

use super::proof::dutch_long_date;
use crate::repo::reminders as repo;
use std::time::Duration;
use zk_kernel::{mail::Mailer, AppResult, Platform, TenantId};

/// The mail for a reminder: subject and body, in Dutch.
pub fn mail(kind: &str, title: &str, due: &str, url: &str) -> (String, String) {
    let date = dutch_long_date(due);
    if kind == "expiry" {
        (
            format!("Uw bewijs voor \"{title}\" verloopt op {date}"),
            format!(
                "Goedendag,\n\nUw afronding van de module \"{title}\" is geldig tot {date}. U bent opnieuw ingeschreven: rond de module vóór die datum opnieuw af, zodat uw bekwaamheidspaspoort geldig blijft:\n{url}\n\nMet vriendelijke groet"
            ),
        )
    } else {
        (
            format!("Herinnering: rond \"{title}\" af vóór {date}"),
            format!(
                "Goedendag,\n\nU staat ingeschreven voor de module \"{title}\". Rond haar af vóór {date}:\n{url}\n\nMet vriendelijke groet"
            ),
        )
    }
}

/// Sends the reminders due now; returns how many mails this call queued.
pub async fn run_once(p: &Platform) -> AppResult<usize> {
    let due = {
        let mut conn = p.db.app.acquire().await?;
        repo::due(&mut conn, 500).await?
    };
    let mut sent = 0;
    for d in &due {
        let tenant = TenantId(d.tenant_id);
        let mut tx = p.db.begin_tenant(tenant).await?;
        if !repo::mark_sent(&mut tx, tenant, d).await? {
            continue;
        }
        let renewed = if d.kind == "expiry" {
            renew(p, &mut tx, tenant, d).await?
        } else {
            None
        };
        if let Some(email) = repo::active_email(&mut tx, tenant, d.user_id).await? {
            let url = format!(
                "{}/leren/modules/{}",
                p.config.tenant_url(&d.slug),
                d.module_id
            );
            let title = d.title.as_deref().unwrap_or("uw module");
            let (subject, body) = mail(&d.kind, title, &d.due.to_string(), &url);
            Mailer::enqueue(&mut tx, tenant, &email, &subject, &body).await?;
            sent += 1;
        }
        tx.commit().await?;
        if let Some(user) = renewed {
            super::learning::progress_changed(p, user);
        }
    }
    if sent > 0 {
        tracing::info!(sent, "reminders queued");
    }
    Ok(sent)
}

/// Re-enrols the learner of an expiring passport entry (inside the reminder's transaction): the
/// enrolment starts a new cycle on the version the member shows now, due when the old
/// completion stops being valid (or in 30 days when that date has passed). Nothing happens when
/// the enrolment was renewed or completed again since.
async fn renew(
    p: &Platform,
    tx: &mut sqlx::PgConnection,
    tenant: TenantId,
    d: &repo::Due,
) -> AppResult<Option<uuid::Uuid>> {
    use crate::repo::learning as enrolments;
    let Some(e) = enrolments::enrolment(tx, tenant, d.subject_id, None, true).await? else {
        return Ok(None);
    };
    let same = e
        .completed_at
        .is_some_and(|at| at.date().to_string() == d.cycle);
    if !same {
        return Ok(None);
    }
    let Ok(shown) = zk_content::domain::catalog::published(p, tenant, e.module_id).await else {
        return Ok(None);
    };
    let today = time::OffsetDateTime::now_utc().date();
    let deadline = if d.due >= today {
        d.due
    } else {
        today + time::Duration::days(30)
    };
    if !enrolments::renew(tx, tenant, e.id, shown.version, Some(deadline)).await? {
        return Ok(None);
    }
    enrolments::notify_progress(tx, e.user_id).await?;
    tracing::info!(enrolment.id = %e.id, "re-enrolled on expiry");
    Ok(Some(e.user_id))
}

/// Runs [`run_once`] every fifteen minutes, the first time a minute after start-up.
pub fn spawn(p: Platform) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            if let Err(e) = run_once(&p).await {
                tracing::warn!(error.code = e.code, "reminders failed; will retry");
            }
            tokio::time::sleep(Duration::from_secs(900)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mails_name_the_module_and_the_date_in_dutch() {
        let (subject, body) = mail(
            "deadline",
            "Tillen",
            "2027-03-01",
            "https://x/leren/modules/1",
        );
        assert_eq!(subject, "Herinnering: rond \"Tillen\" af vóór 1 maart 2027");
        assert!(body.contains("https://x/leren/modules/1"));
        let (subject, body) = mail("expiry", "Tillen", "2027-03-01", "u");
        assert!(subject.contains("verloopt op 1 maart 2027"));
        assert!(body.contains("opnieuw ingeschreven"));
    }
}
