//! Mails that tell people, through the outbox, in the member's name: enrolled (someone enrolled
//! you; all new enrolments of one person in one mail), a deadline in 7 days, tomorrow (or
//! today), once when overdue, a refresher due (a passport entry expiring within 60 days, whose
//! learner is re-enrolled in the same transaction: see `renew`), and for teachers and admins who
//! asked for it, Monday's overview of who is late.
//!
//! A job in every process finds what is due and sends each mail once: the "sent" row and the
//! outbox row are written in one transaction, and the row's key (member, kind, subject, cycle)
//! refuses a second one — also when two processes find the same mail at once, or after a
//! restart. Only active accounts get mail (not invited, not blocked). Enrolling someone wakes the
//! job, so the enrolled mail leaves within seconds rather than at the next quarter of an hour.

use super::group::Viewer;
use super::people::{self, PeopleQuery, Person};
use crate::repo::reminders as repo;
use std::{collections::BTreeMap, time::Duration};
use time::{Date, Weekday};
use uuid::Uuid;
use zk_kernel::{
    authz::Role,
    mail::Mailer,
    text::{amsterdam_today, dutch_date},
    AppResult, Platform, TenantId,
};

/// The most people named in Monday's overview (the rest are behind the link).
pub const DIGEST_NAMES: i64 = 20;

/// Who a mail comes from: the member, and its portal's address.
#[derive(Clone, Copy, Debug)]
pub struct Sender<'a> {
    pub member: &'a str,
    pub portal: &'a str,
}

/// "1 {one}" or "{n} {many}".
fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Greeting, text, the member's signature, and why the mail came.
fn letter(text: &str, from: Sender<'_>) -> String {
    format!(
        "Goedendag,\n\n{text}\n\nMet vriendelijke groet,\n{member}\n\n--\nU krijgt deze mail van {member} via het leerportaal {portal}. Welke mails u krijgt, ziet u op {portal}/mijn-account.",
        member = from.member,
        portal = from.portal,
    )
}

/// A module someone was enrolled in, for the enrolled mail.
#[derive(Clone, Debug)]
pub struct Enrolled {
    pub title: String,
    pub deadline: Option<Date>,
    pub url: String,
}

/// "U bent ingeschreven voor …, uiterlijk …", with the link to each module.
pub fn enrolled_mail(items: &[Enrolled], from: Sender<'_>) -> (String, String) {
    let subject = match items {
        [one] => format!("U bent ingeschreven voor \"{}\"", one.title),
        _ => format!(
            "U bent ingeschreven voor {}",
            count(items.len() as i64, "module", "modules")
        ),
    };
    let list: Vec<String> = items
        .iter()
        .map(|e| {
            let when = e.deadline.map_or_else(
                || "zonder uiterste datum".to_owned(),
                |d| format!("uiterlijk {} afronden", dutch_date(d)),
            );
            format!("- \"{}\", {when}:\n  {}", e.title, e.url)
        })
        .collect();
    let text = format!(
        "{} heeft u ingeschreven voor:\n{}\n\nU logt in met uw e-mailadres op {}.",
        from.member,
        list.join("\n"),
        from.portal
    );
    (subject, letter(&text, from))
}

/// A reminder about one module: `deadline` (7 days before), `deadline_1` (tomorrow or today),
/// `overdue`, or `expiry` (a refresher due; `due` is when the current completion ends).
pub fn reminder_mail(
    kind: &str,
    title: &str,
    due: Date,
    today: Date,
    url: &str,
    from: Sender<'_>,
) -> (String, String) {
    let date = dutch_date(due);
    match kind {
        "expiry" => (
            format!("Opfrissen: uw bewijs voor \"{title}\" verloopt op {date}"),
            letter(
                &format!(
                    "Uw afronding van de module \"{title}\" is geldig tot {date}. U bent opnieuw ingeschreven: rond de module vóór die datum opnieuw af, zodat uw bekwaamheidspaspoort geldig blijft:\n{url}"
                ),
                from,
            ),
        ),
        "overdue" => (
            format!("\"{title}\" is over de uiterste datum"),
            letter(
                &format!(
                    "De uiterste datum voor de module \"{title}\" was {date}. Rond haar zo snel mogelijk af:\n{url}\n\nLukt dat niet, overleg dan met uw leidinggevende of docent."
                ),
                from,
            ),
        ),
        "deadline_1" => {
            let when = if due <= today { "Vandaag" } else { "Morgen" };
            (
                format!("{when} is de uiterste datum voor \"{title}\""),
                letter(
                    &format!(
                        "{when} ({date}) is de uiterste datum voor de module \"{title}\". U kunt verder waar u was:\n{url}"
                    ),
                    from,
                ),
            )
        }
        _ => {
            let left = count((due - today).whole_days(), "dag", "dagen");
            (
                format!("Herinnering: rond \"{title}\" uiterlijk {date} af"),
                letter(
                    &format!(
                        "U staat ingeschreven voor de module \"{title}\". Rond haar uiterlijk {date} af; u heeft nog {left}:\n{url}"
                    ),
                    from,
                ),
            )
        }
    }
}

/// Monday's overview of who is late: the first names (most overdue first), how many in all, and
/// the link to the whole list.
pub fn digest_mail(
    late: &[Person],
    total: i64,
    teacher: bool,
    url: &str,
    from: Sender<'_>,
) -> (String, String) {
    let subject = format!(
        "Wie is te laat: {} bij {}",
        count(total, "inschrijving", "inschrijvingen"),
        from.member
    );
    let scope = if teacher {
        "in uw groepen"
    } else {
        "bij uw organisatie"
    };
    let mut lines: Vec<String> = late
        .iter()
        .map(|person| {
            let days = person.days_overdue.unwrap_or(0);
            format!(
                "- {}: \"{}\", {} te laat",
                person.name,
                person.title,
                count(days, "dag", "dagen")
            )
        })
        .collect();
    if total > late.len() as i64 {
        lines.push(format!("- en nog {}", total - late.len() as i64));
    }
    let text = format!(
        "Deze inschrijvingen {scope} zijn over de uiterste datum:\n{}\n\nDe hele lijst, met filters en export:\n{url}\n\nU krijgt dit overzicht elke maandag omdat u erom vroeg; uitzetten kan op {}/mijn-account.",
        lines.join("\n"),
        from.portal
    );
    (subject, letter(&text, from))
}

/// The ISO week of `day`, as the digest's cycle: `2026-W50`.
pub fn iso_week(day: Date) -> String {
    let (year, week, _) = day.to_iso_week_date();
    format!("{year}-W{week:02}")
}

/// Sends what is due now; returns how many mails this call queued.
pub async fn run_once(p: &Platform) -> AppResult<usize> {
    run_once_on(p, amsterdam_today()).await
}

/// [`run_once`] on the Netherlands' date `today`, which decides whether it is Monday (the
/// overview's day); the other mails follow the database's clock.
pub async fn run_once_on(p: &Platform, today: Date) -> AppResult<usize> {
    let due = {
        let mut conn = p.db.app.acquire().await?;
        repo::due(&mut conn, 500).await?
    };
    let mut sent = 0;
    // All new enrolments of one person in one mail.
    let mut enrolled: BTreeMap<(Uuid, Uuid), Vec<&repo::Due>> = BTreeMap::new();
    for d in &due {
        if d.kind == "enrolled" {
            enrolled
                .entry((d.tenant_id, d.user_id))
                .or_default()
                .push(d);
        } else if send_reminder(p, d, today).await? {
            sent += 1;
        }
    }
    for items in enrolled.values() {
        if send_enrolled(p, items).await? {
            sent += 1;
        }
    }
    if today.weekday() == Weekday::Monday {
        sent += send_digests(p, today).await?;
    }
    if sent > 0 {
        tracing::info!(sent, "learning mails queued");
    }
    Ok(sent)
}

fn module_url(p: &Platform, slug: &str, module: Uuid) -> String {
    format!("{}/leren/modules/{module}", p.config.tenant_url(slug))
}

async fn send_enrolled(p: &Platform, items: &[&repo::Due]) -> AppResult<bool> {
    let Some(first) = items.first() else {
        return Ok(false);
    };
    let tenant = TenantId(first.tenant_id);
    let mut tx = p.db.begin_tenant(tenant).await?;
    let mut list = Vec::new();
    for d in items {
        if repo::mark_sent(&mut tx, tenant, &d.kind, d.subject_id, &d.cycle).await? {
            list.push(Enrolled {
                title: d.title.clone().unwrap_or_else(|| "uw module".into()),
                deadline: d.due,
                url: module_url(p, &d.slug, d.module_id),
            });
        }
    }
    let mut queued = false;
    if !list.is_empty() {
        if let Some(email) = repo::active_email(&mut tx, tenant, first.user_id).await? {
            let portal = p.config.tenant_url(&first.slug);
            let from = Sender {
                member: &first.member_name,
                portal: &portal,
            };
            let (subject, body) = enrolled_mail(&list, from);
            Mailer::enqueue(&mut tx, tenant, &email, &subject, &body).await?;
            queued = true;
        }
    }
    tx.commit().await?;
    Ok(queued)
}

async fn send_reminder(p: &Platform, d: &repo::Due, today: Date) -> AppResult<bool> {
    let Some(due) = d.due else {
        return Ok(false);
    };
    let tenant = TenantId(d.tenant_id);
    let mut tx = p.db.begin_tenant(tenant).await?;
    if !repo::mark_sent(&mut tx, tenant, &d.kind, d.subject_id, &d.cycle).await? {
        return Ok(false);
    }
    let renewed = if d.kind == "expiry" {
        renew(p, &mut tx, tenant, d, due).await?
    } else {
        None
    };
    let mut queued = false;
    if let Some(email) = repo::active_email(&mut tx, tenant, d.user_id).await? {
        let url = module_url(p, &d.slug, d.module_id);
        let portal = p.config.tenant_url(&d.slug);
        let from = Sender {
            member: &d.member_name,
            portal: &portal,
        };
        let title = d.title.as_deref().unwrap_or("uw module");
        let (subject, body) = reminder_mail(&d.kind, title, due, today, &url, from);
        Mailer::enqueue(&mut tx, tenant, &email, &subject, &body).await?;
        queued = true;
    }
    tx.commit().await?;
    if let Some(user) = renewed {
        super::learning::progress_changed(p, user);
    }
    Ok(queued)
}

/// Monday's overviews: for each teacher or admin who asked, who is late in their groups or
/// member. Nothing is mailed when nobody is late (the week counts as done all the same).
async fn send_digests(p: &Platform, today: Date) -> AppResult<usize> {
    let week = iso_week(today);
    let due = {
        let mut conn = p.db.app.acquire().await?;
        repo::due_digests(&mut conn, &week, 500).await?
    };
    let mut sent = 0;
    for d in &due {
        let tenant = TenantId(d.tenant_id);
        let roles = p.authz.roles(tenant, d.user_id).await;
        let is_admin = roles.contains(&Role::Admin);
        let late = if is_admin || roles.contains(&Role::Teacher) {
            let query = PeopleQuery {
                state: Some("late".into()),
                per_page: Some(DIGEST_NAMES.to_string()),
                ..PeopleQuery::default()
            }
            .parse()?;
            let viewer = Viewer {
                user: d.user_id,
                is_admin,
            };
            Some(people::list(p, tenant, viewer, &query).await?)
        } else {
            None
        };
        let mut tx = p.db.begin_tenant(tenant).await?;
        if !repo::mark_sent(&mut tx, tenant, "digest", d.user_id, &week).await? {
            continue;
        }
        if let Some(page) = late.filter(|page| page.total > 0) {
            if let Some(email) = repo::active_email(&mut tx, tenant, d.user_id).await? {
                let portal = p.config.tenant_url(&d.slug);
                let url = if is_admin {
                    format!("{portal}/leren/overzicht?state=late#wie-is-te-laat")
                } else {
                    format!("{portal}/leren/groepen")
                };
                let from = Sender {
                    member: &d.member_name,
                    portal: &portal,
                };
                let (subject, body) = digest_mail(&page.items, page.total, !is_admin, &url, from);
                Mailer::enqueue(&mut tx, tenant, &email, &subject, &body).await?;
                sent += 1;
            }
        }
        tx.commit().await?;
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
    valid_until: Date,
) -> AppResult<Option<Uuid>> {
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
    let deadline = if valid_until >= today {
        valid_until
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

/// Runs [`run_once`] every fifteen minutes (the first time a minute after start-up), and a few
/// seconds after this process enrolled someone.
pub fn spawn(p: Platform) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            if let Err(e) = run_once(&p).await {
                tracing::warn!(error.code = e.code, "learning mails failed; will retry");
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(900)) => {}
                () = super::mail_wake::signal().notified() => {
                    // Let a bulk enrolment finish, so one person gets one mail.
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const FROM: Sender<'static> = Sender {
        member: "Zorggroep Noord",
        portal: "https://noord.zorgklas.nl",
    };

    #[test]
    fn reminders_name_the_module_the_date_in_dutch_and_the_member() {
        let today = date!(2027 - 02 - 22);
        let (subject, body) = reminder_mail(
            "deadline",
            "Tillen",
            date!(2027 - 03 - 01),
            today,
            "https://x/leren/modules/1",
            FROM,
        );
        assert_eq!(
            subject,
            "Herinnering: rond \"Tillen\" uiterlijk 1 maart 2027 af"
        );
        assert!(body.contains("nog 7 dagen"), "{body}");
        assert!(body.contains("https://x/leren/modules/1"));
        assert!(body.contains("Met vriendelijke groet,\nZorggroep Noord"));
        assert!(body.contains("https://noord.zorgklas.nl/mijn-account"));
        let (subject, _) = reminder_mail("deadline_1", "Tillen", today, today, "u", FROM);
        assert_eq!(subject, "Vandaag is de uiterste datum voor \"Tillen\"");
        let (subject, _) = reminder_mail(
            "deadline_1",
            "Tillen",
            date!(2027 - 02 - 23),
            today,
            "u",
            FROM,
        );
        assert!(subject.starts_with("Morgen"));
        let (subject, body) =
            reminder_mail("overdue", "Tillen", date!(2027 - 02 - 20), today, "u", FROM);
        assert_eq!(subject, "\"Tillen\" is over de uiterste datum");
        assert!(body.contains("was 20 februari 2027"));
        let (subject, body) =
            reminder_mail("expiry", "Tillen", date!(2027 - 03 - 01), today, "u", FROM);
        assert!(subject.contains("verloopt op 1 maart 2027"));
        assert!(body.contains("opnieuw ingeschreven"));
    }

    #[test]
    fn one_enrolled_mail_lists_every_new_module_with_its_deadline() {
        let one = Enrolled {
            title: "Tillen".into(),
            deadline: Some(date!(2027 - 03 - 01)),
            url: "https://x/leren/modules/1".into(),
        };
        let (subject, body) = enrolled_mail(std::slice::from_ref(&one), FROM);
        assert_eq!(subject, "U bent ingeschreven voor \"Tillen\"");
        assert!(body.contains("Zorggroep Noord heeft u ingeschreven voor:"));
        assert!(body.contains(
            "- \"Tillen\", uiterlijk 1 maart 2027 afronden:\n  https://x/leren/modules/1"
        ));
        let two = Enrolled {
            title: "Handhygiëne".into(),
            deadline: None,
            url: "u2".into(),
        };
        let (subject, body) = enrolled_mail(&[one, two], FROM);
        assert_eq!(subject, "U bent ingeschreven voor 2 modules");
        assert!(body.contains("\"Handhygiëne\", zonder uiterste datum"));
    }

    #[test]
    fn weeks_are_iso_weeks_and_counts_agree_with_their_noun() {
        assert_eq!(iso_week(date!(2026 - 12 - 07)), "2026-W50");
        assert_eq!(iso_week(date!(2027 - 01 - 01)), "2026-W53");
        assert_eq!(count(1, "dag", "dagen"), "1 dag");
        assert_eq!(count(0, "dag", "dagen"), "0 dagen");
        assert_eq!(count(3, "dag", "dagen"), "3 dagen");
    }
}
