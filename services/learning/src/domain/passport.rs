//! The competence passport (bekwaamheidspaspoort): per learner every completed module with its
//! competences (the module's tags), the date, the version and — for modules on risky procedures,
//! whose author set a validity — until when it is valid. An entry within 60 days of its end
//! "verloopt binnenkort"; teachers (for their groups' learners) and admins (for the member) get
//! a list of those. The learner takes the passport along as CSV or PDF.

use super::{group::Viewer, proof};
use crate::repo::{groups, learning as repo};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;
use zk_kernel::{AppResult, Platform, TenantId};

/// How long before its end an entry "expires soon".
pub const SOON_DAYS: i64 = 60;

/// Where an entry stands today.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    Expiring,
    Expired,
}

/// One completed module in a passport.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub user_id: Uuid,
    pub learner: String,
    pub module_id: Uuid,
    pub title: String,
    /// The module's competence tags.
    pub competences: Vec<String>,
    #[schema(format = Date)]
    pub completed_on: String,
    pub version: i32,
    /// The completion's score in percent (none for a module without quizzes).
    pub score: Option<i16>,
    /// None: the completion doesn't expire.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<String>,
    pub status: Status,
}

/// `months` calendar months after `date` (the last day of a shorter month when needed).
pub fn add_months(date: Date, months: u16) -> Date {
    let total = i32::from(date.month() as u8) - 1 + i32::from(months);
    let year = date.year() + total / 12;
    let month = time::Month::try_from((total % 12 + 1) as u8).unwrap_or(time::Month::December);
    let mut day = date.day();
    loop {
        if let Ok(d) = Date::from_calendar_date(year, month, day) {
            return d;
        }
        day -= 1;
    }
}

/// Where an entry valid until `until` stands on `today`.
pub fn status(until: Option<Date>, today: Date) -> Status {
    match until {
        None => Status::Valid,
        Some(u) if u < today => Status::Expired,
        Some(u) if u - today <= Duration::days(SOON_DAYS) => Status::Expiring,
        Some(_) => Status::Valid,
    }
}

fn entries(rows: Vec<repo::Completion>, today: Date) -> Vec<Entry> {
    rows.into_iter()
        .map(|r| {
            let done = r.completed_at.date();
            let until = r.doc.0.validity_months.map(|m| add_months(done, m));
            Entry {
                user_id: r.user_id,
                learner: r.learner,
                module_id: r.module_id,
                title: r.doc.0.title.clone(),
                competences: r.doc.0.tags.clone(),
                completed_on: done.to_string(),
                version: r.completed_version,
                score: r.score,
                valid_until: until.map(|u| u.to_string()),
                status: status(until, today),
            }
        })
        .collect()
}

/// The learner's own passport, newest first.
pub async fn of_learner(p: &Platform, tenant: TenantId, user: Uuid) -> AppResult<Vec<Entry>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::completions(&mut tx, tenant, Some(user), None).await?;
    tx.commit().await?;
    Ok(entries(rows, OffsetDateTime::now_utc().date()))
}

/// Entries that expire soon or have expired: the member's for an admin, those of the learners
/// in a teacher's groups for a teacher; soonest first.
pub async fn expiring(p: &Platform, tenant: TenantId, viewer: Viewer) -> AppResult<Vec<Entry>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = if viewer.is_admin {
        repo::completions(&mut tx, tenant, None, None).await?
    } else {
        let learners = groups::learners_taught_by(&mut tx, tenant, viewer.user).await?;
        repo::completions(&mut tx, tenant, None, Some(&learners)).await?
    };
    tx.commit().await?;
    let mut out: Vec<Entry> = entries(rows, OffsetDateTime::now_utc().date())
        .into_iter()
        .filter(|e| e.status != Status::Valid)
        .collect();
    out.sort_by(|a, b| a.valid_until.cmp(&b.valid_until));
    Ok(out)
}

fn status_nl(s: Status) -> &'static str {
    match s {
        Status::Valid => "geldig",
        Status::Expiring => "verloopt binnenkort",
        Status::Expired => "verlopen",
    }
}

/// The passport as CSV the way Dutch Excel reads it: UTF-8 with a byte-order mark, `;` between
/// fields, dates as day-month-year.
pub fn csv(entries: &[Entry]) -> String {
    let date = |iso: &str| {
        let mut p = iso.splitn(3, '-');
        match (p.next(), p.next(), p.next()) {
            (Some(y), Some(m), Some(d)) => format!("{d}-{m}-{y}"),
            _ => iso.to_owned(),
        }
    };
    let mut out =
        String::from("\u{feff}Module;Competenties;Afgerond op;Versie;Score;Geldig tot;Status\r\n");
    for e in entries {
        let row = [
            zk_kernel::text::csv_field(&e.title),
            zk_kernel::text::csv_field(&e.competences.join(", ")),
            date(&e.completed_on),
            e.version.to_string(),
            e.score.map(|s| format!("{s}%")).unwrap_or_default(),
            e.valid_until.as_deref().map(date).unwrap_or_default(),
            status_nl(e.status).to_owned(),
        ];
        out.push_str(&row.join(";"));
        out.push_str("\r\n");
    }
    out
}

/// The passport as an A4 PDF: who, where, and a line per entry.
pub fn pdf(learner: &str, member: &str, entries: &[Entry]) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, tree, page, regular, bold, content) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
    );
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut pg = pdf.page(page);
    pg.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
    pg.parent(tree);
    pg.contents(content);
    {
        let mut resources = pg.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
    }
    drop(pg);
    for (id, name) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let mut c = Content::new();
    let line = |c: &mut Content, font: &[u8], size: f32, y: f32, text: &str| {
        c.begin_text();
        c.set_font(Name(font), size);
        c.next_line(56.0, y);
        c.show(Str(&proof::win_ansi(text)));
        c.end_text();
    };
    line(&mut c, b"F2", 22.0, 780.0, "Bekwaamheidspaspoort");
    line(&mut c, b"F1", 12.0, 756.0, &format!("{learner} · {member}"));
    let mut y = 720.0;
    // One page: the most recent entries that fit (the CSV holds all of them).
    for e in entries.iter().take(28) {
        let until = e
            .valid_until
            .as_deref()
            .map(|u| format!("geldig tot {}", proof::dutch_long_date(u)))
            .unwrap_or_else(|| "verloopt niet".to_owned());
        line(&mut c, b"F2", 11.0, y, &e.title);
        line(
            &mut c,
            b"F1",
            9.0,
            y - 12.0,
            &format!(
                "Afgerond op {} (versie {}) · {until} · {}",
                proof::dutch_long_date(&e.completed_on),
                e.version,
                status_nl(e.status)
            ),
        );
        y -= 24.0;
    }
    line(
        &mut c,
        b"F1",
        8.0,
        60.0,
        "Bewijzen van deelname, geen diploma's. De Nationale Zorgklas geeft geen diploma's uit.",
    );
    pdf.stream(content, &c.finish());
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn validity_runs_in_calendar_months_and_warns_sixty_days_ahead() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 29), 12), date!(2027 - 11 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 29), 24), date!(2028 - 11 - 29));
        let today = date!(2026 - 11 - 29);
        assert_eq!(status(None, today), Status::Valid);
        assert_eq!(status(Some(date!(2027 - 03 - 01)), today), Status::Valid);
        assert_eq!(status(Some(date!(2027 - 01 - 28)), today), Status::Expiring);
        assert_eq!(status(Some(today), today), Status::Expiring);
        assert_eq!(status(Some(date!(2026 - 11 - 28)), today), Status::Expired);
    }

    #[test]
    fn csv_reads_in_dutch_excel_and_runs_no_formulas() {
        let e = Entry {
            user_id: Uuid::nil(),
            learner: "A".into(),
            module_id: Uuid::nil(),
            title: "=HYPERLINK(\"x\")".into(),
            competences: vec!["tillen".into(), "veiligheid".into()],
            completed_on: "2026-11-29".into(),
            version: 2,
            score: Some(85),
            valid_until: Some("2027-11-29".into()),
            status: Status::Valid,
        };
        let out = csv(&[e]);
        assert!(out.starts_with('\u{feff}'));
        let row = out.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "\"'=HYPERLINK(\"\"x\"\")\";tillen, veiligheid;29-11-2026;2;85%;29-11-2027;geldig"
        );
    }
}
