//! Who is late or behind: the member's enrolments as a list of people — name, department,
//! groups, module, state (not started, in progress, late, completed, expiring), progress,
//! deadline, days overdue, last activity — filtered by group, department, module and state,
//! sorted, paged with a total, and exported as CSV or XLSX. Admins see the whole member; a
//! teacher sees the learners of the groups they teach. One statement per page
//! (`repo::people`); a module's number of blocks comes from the in-process cache of shown
//! modules.

use super::{group::Viewer, passport::SOON_DAYS};
use crate::repo::people::{self as repo, Filter, Order, PersonRow, Window};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::Date;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use zk_content::domain::catalog;
use zk_kernel::{
    paging::{Paging, PerPage},
    text::amsterdam,
    AppError, AppResult, Platform, TenantId,
};

/// Days before its end a completion "expires soon" (the passport's).
const SOON: i32 = SOON_DAYS as i32;

/// People per page unless asked otherwise, and at most.
pub const PER_PAGE: PerPage = PerPage::new(50, 200);
/// The most rows an export holds.
pub const MAX_EXPORT: u32 = 20_000;

/// Where an enrolment stands.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentState {
    NotStarted,
    InProgress,
    /// Open past its deadline.
    Late,
    Completed,
    /// Completed, and the completion stops counting within 60 days (or has).
    Expiring,
}

impl EnrolmentState {
    /// The name in the API and the query string.
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentState::NotStarted => "not_started",
            EnrolmentState::InProgress => "in_progress",
            EnrolmentState::Late => "late",
            EnrolmentState::Completed => "completed",
            EnrolmentState::Expiring => "expiring",
        }
    }

    /// Every state, in the order the filter offers them.
    pub const ALL: [EnrolmentState; 5] = [
        EnrolmentState::Late,
        EnrolmentState::NotStarted,
        EnrolmentState::InProgress,
        EnrolmentState::Expiring,
        EnrolmentState::Completed,
    ];

    fn parse(raw: &str) -> Option<EnrolmentState> {
        EnrolmentState::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// In Dutch, for exports.
    pub fn nl(self) -> &'static str {
        match self {
            EnrolmentState::NotStarted => "niet begonnen",
            EnrolmentState::InProgress => "bezig",
            EnrolmentState::Late => "te laat",
            EnrolmentState::Completed => "afgerond",
            EnrolmentState::Expiring => "verloopt binnenkort",
        }
    }
}

/// The list's query string, as the page and the API send it (all optional).
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// A group's id.
    #[serde(default, alias = "groep")]
    pub group: Option<String>,
    /// A department, as the staff import wrote it (any case).
    #[serde(default, alias = "afdeling")]
    pub department: Option<String>,
    /// A module's id.
    #[serde(default)]
    pub module: Option<String>,
    /// `late`, `not_started`, `in_progress`, `expiring` or `completed`.
    #[serde(default)]
    pub state: Option<String>,
    /// Part of a name or e-mail address.
    #[serde(default)]
    pub q: Option<String>,
    /// `urgency` (late first; the default), `name`, `department`, `deadline` or `activity`.
    #[serde(default)]
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[serde(default)]
    pub dir: Option<String>,
    /// From 1.
    #[serde(default)]
    pub page: Option<String>,
    /// 1 to 200; 50 when left out.
    #[serde(default)]
    pub per_page: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn uuid_field(field: &'static str, raw: Option<&str>) -> AppResult<Option<Uuid>> {
    raw.map(|r| {
        r.parse().map_err(|_| {
            AppError::validation(
                field,
                "invalid_id",
                "Kies een bestaande waarde uit de lijst.",
            )
        })
    })
    .transpose()
}

/// A parsed query.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub filter: Filter,
    pub order: Order,
    pub descending: bool,
    pub paging: Paging,
}

impl PeopleQuery {
    /// Checks every parameter; a wrong one is a 422 naming it.
    pub fn parse(&self) -> AppResult<Parsed> {
        let state = match blank(&self.state) {
            None => None,
            Some(raw) => Some(EnrolmentState::parse(raw).ok_or_else(|| {
                AppError::validation(
                    "state",
                    "invalid_state",
                    "Kies te laat, niet begonnen, bezig, verloopt binnenkort of afgerond.",
                )
            })?),
        };
        let order = match blank(&self.sort).unwrap_or("urgency") {
            "urgency" => Order::Urgency,
            "name" => Order::Name,
            "department" => Order::Department,
            "deadline" => Order::Deadline,
            "activity" => Order::Activity,
            _ => {
                return Err(AppError::validation(
                    "sort",
                    "invalid_sort",
                    "Sorteer op urgency, name, department, deadline of activity.",
                ))
            }
        };
        let descending = match blank(&self.dir).unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(AppError::validation(
                    "dir",
                    "invalid_sort",
                    "Kies asc of desc.",
                ))
            }
        };
        let q = blank(&self.q).map(|q| q.chars().take(100).collect::<String>());
        Ok(Parsed {
            filter: Filter {
                group: uuid_field("group", blank(&self.group))?,
                department: blank(&self.department).map(str::to_owned),
                module: uuid_field("module", blank(&self.module))?,
                state: state.map(EnrolmentState::as_str),
                taught_by: None,
                q,
                user: None,
            },
            order,
            descending,
            paging: Paging::parse(blank(&self.page), blank(&self.per_page), PER_PAGE)?,
        })
    }
}

/// One person's enrolment in the list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Person {
    pub user_id: Uuid,
    /// The name, or the e-mail address when no name is known.
    pub name: String,
    pub email: String,
    pub department: String,
    /// The groups they learn in.
    pub groups: Vec<String>,
    pub enrolment_id: Uuid,
    pub module_id: Uuid,
    pub title: String,
    pub state: EnrolmentState,
    pub done: i32,
    /// Blocks of the version they follow.
    pub blocks: i32,
    /// Whole percent done.
    pub percent: i32,
    #[serde(with = "zk_kernel::text::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<Date>,
    /// Days past the deadline (late ones only).
    pub days_overdue: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_activity_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<time::OffsetDateTime>,
    /// Until when a completion counts (modules with a validity).
    #[serde(with = "zk_kernel::text::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<Date>,
}

/// One page of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeoplePage {
    pub items: Vec<Person>,
    /// Enrolments that match, on every page.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub pages: u32,
}

/// The member's date today (Europe/Amsterdam, as its people live it).
pub fn today() -> Date {
    zk_kernel::text::amsterdam_today()
}

/// Days `deadline` lies before `today` (a late enrolment's days overdue).
pub fn days_overdue(deadline: Option<Date>, today: Date) -> Option<i64> {
    deadline
        .filter(|d| *d < today)
        .map(|d| (today - d).whole_days())
}

fn state_of(raw: &str) -> EnrolmentState {
    EnrolmentState::parse(raw).unwrap_or(EnrolmentState::NotStarted)
}

/// The rows as people, with each module's number of blocks from the cache of shown modules.
async fn people(p: &Platform, tenant: TenantId, rows: Vec<PersonRow>, today: Date) -> Vec<Person> {
    let mut blocks: HashMap<(Uuid, i32), i32> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let key = (r.module_id, r.version);
        let total = match blocks.get(&key) {
            Some(n) => *n,
            None => {
                let n = catalog::published_at(p, tenant, r.module_id, r.version, false)
                    .await
                    .map(|m| i32::try_from(m.blocks.len()).unwrap_or(i32::MAX))
                    .unwrap_or(r.done_count);
                blocks.insert(key, n);
                n
            }
        };
        let state = state_of(&r.state);
        let completed = matches!(state, EnrolmentState::Completed | EnrolmentState::Expiring);
        let total = total.max(r.done_count).max(1);
        let percent = if completed {
            100
        } else {
            r.done_count * 100 / total
        };
        out.push(Person {
            name: if r.display_name.trim().is_empty() {
                r.email.clone()
            } else {
                r.display_name
            },
            user_id: r.user_id,
            email: r.email,
            department: r.department,
            groups: r.groups,
            enrolment_id: r.enrolment_id,
            module_id: r.module_id,
            title: r.title.unwrap_or_else(|| "—".into()),
            state,
            done: r.done_count,
            blocks: total,
            percent,
            days_overdue: if state == EnrolmentState::Late {
                days_overdue(r.deadline, today)
            } else {
                None
            },
            deadline: r.deadline,
            last_activity_at: r.last_activity_at,
            completed_at: r.completed_at,
            valid_until: r.valid_until,
        });
    }
    out
}

/// One page of the list for `viewer` (a teacher: their groups' learners only).
pub async fn list(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    query: &Parsed,
) -> AppResult<PeoplePage> {
    let mut filter = query.filter.clone();
    if !viewer.is_admin {
        filter.taught_by = Some(viewer.user);
    }
    let today = today();
    let paging = query.paging;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let window = Window {
        order: query.order,
        descending: query.descending,
        today,
        soon_days: SOON,
        limit: paging.limit(),
        offset: paging.offset(),
    };
    let rows = repo::page(&mut tx, tenant, &filter, window).await?;
    tx.commit().await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok(PeoplePage {
        items: people(p, tenant, rows, today).await,
        total,
        page: paging.page(),
        per_page: paging.per_page(),
        pages: paging.pages(total),
    })
}

/// Every enrolment of one person (their learning record), late first.
pub async fn of_person(p: &Platform, tenant: TenantId, user: Uuid) -> AppResult<Vec<Person>> {
    let today = today();
    let filter = Filter {
        user: Some(user),
        ..Filter::default()
    };
    let window = Window {
        order: Order::Urgency,
        descending: false,
        today,
        soon_days: SOON,
        limit: i64::from(MAX_EXPORT),
        offset: 0,
    };
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::page(&mut tx, tenant, &filter, window).await?;
    tx.commit().await?;
    Ok(people(p, tenant, rows, today).await)
}

/// Every matching row (at most [`MAX_EXPORT`]) for an export.
pub async fn all(
    p: &Platform,
    tenant: TenantId,
    viewer: Viewer,
    query: &Parsed,
) -> AppResult<Vec<Person>> {
    let mut filter = query.filter.clone();
    if !viewer.is_admin {
        filter.taught_by = Some(viewer.user);
    }
    let today = today();
    let mut tx = p.db.begin_tenant(tenant).await?;
    let window = Window {
        order: query.order,
        descending: query.descending,
        today,
        soon_days: SOON,
        limit: i64::from(MAX_EXPORT),
        offset: 0,
    };
    let rows = repo::page(&mut tx, tenant, &filter, window).await?;
    tx.commit().await?;
    Ok(people(p, tenant, rows, today).await)
}

/// The columns of an export, in Dutch.
const HEADERS: [&str; 12] = [
    "Naam",
    "E-mailadres",
    "Afdeling",
    "Groepen",
    "Module",
    "Status",
    "Voortgang %",
    "Uiterste datum",
    "Dagen te laat",
    "Laatste activiteit",
    "Afgerond op",
    "Geldig tot",
];

/// A row's cells as text (dates as dd-mm-jjjj, the way tables show them).
fn cells(person: &Person) -> [String; 12] {
    let date = |d: Option<Date>| d.map(zk_kernel::text::dutch_short_date).unwrap_or_default();
    let moment = |t: Option<time::OffsetDateTime>| {
        t.map(|t| zk_kernel::text::dutch_short_date(amsterdam(t).date()))
            .unwrap_or_default()
    };
    [
        person.name.clone(),
        person.email.clone(),
        person.department.clone(),
        person.groups.join(", "),
        person.title.clone(),
        person.state.nl().to_owned(),
        person.percent.to_string(),
        date(person.deadline),
        person
            .days_overdue
            .map(|d| d.to_string())
            .unwrap_or_default(),
        moment(person.last_activity_at),
        moment(person.completed_at),
        date(person.valid_until),
    ]
}

/// The list as CSV for Dutch Excel (BOM, `;`, formula characters neutralised).
pub fn csv(people: &[Person]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADERS.join(";"));
    out.push_str("\r\n");
    for person in people {
        let row: Vec<String> = cells(person)
            .iter()
            .map(|c| zk_kernel::text::csv_field(c))
            .collect();
        out.push_str(&row.join(";"));
        out.push_str("\r\n");
    }
    out
}

/// The list as an Excel workbook (one sheet, a header row, numbers as numbers).
pub fn xlsx(people: &[Person]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::internal(e);
    sheet.set_name("Leeroverzicht").map_err(fail)?;
    for (col, h) in (0u16..).zip(HEADERS) {
        sheet.write_with_format(0, col, h, &bold).map_err(fail)?;
    }
    for (row, person) in (1u32..).zip(people) {
        for (col, cell) in (0u16..).zip(cells(person)) {
            // Progress and days overdue as numbers, the rest as text (never a formula: a
            // name starting with '=' stays text).
            match col {
                6 => {
                    sheet
                        .write_number(row, col, f64::from(person.percent))
                        .map_err(fail)?;
                }
                8 if person.days_overdue.is_some() => {
                    sheet
                        .write_number(row, col, person.days_overdue.unwrap_or_default() as f64)
                        .map_err(fail)?;
                }
                _ => {
                    sheet.write_string(row, col, cell).map_err(fail)?;
                }
            }
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_overdue_count_from_the_deadline() {
        let today = time::macros::date!(2026 - 12 - 07);
        assert_eq!(
            days_overdue(Some(time::macros::date!(2026 - 12 - 05)), today),
            Some(2)
        );
        assert_eq!(days_overdue(Some(today), today), None);
        assert_eq!(days_overdue(None, today), None);
    }

    #[test]
    fn a_wrong_parameter_is_named() {
        let bad = |q: PeopleQuery| q.parse().unwrap_err().field;
        let q = |f: fn(&mut PeopleQuery)| {
            let mut q = PeopleQuery::default();
            f(&mut q);
            q
        };
        assert_eq!(
            bad(q(|q| q.state = Some("kwijt".into()))).as_deref(),
            Some("state")
        );
        assert_eq!(
            bad(q(|q| q.sort = Some("salaris".into()))).as_deref(),
            Some("sort")
        );
        assert_eq!(
            bad(q(|q| q.group = Some("groep-1".into()))).as_deref(),
            Some("group")
        );
        assert_eq!(
            bad(q(|q| q.page = Some("-1".into()))).as_deref(),
            Some("page")
        );
        let ok = q(|q| q.state = Some("late".into())).parse().unwrap();
        assert_eq!(ok.filter.state, Some("late"));
        assert_eq!(ok.order, Order::Urgency);
    }
}
