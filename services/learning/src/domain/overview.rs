//! Learning overviews: the member's (admins) per module with completion and pass rates, overdue
//! enrolments and completions per month, and NZK's (operators) per member and module, counts
//! only. Computed on request, so current within a request of a learner's action.

use crate::repo::overview as repo;
use serde::Serialize;
use uuid::Uuid;
use zk_kernel::{AppResult, Platform, TenantId};

/// Whole percent of `part` in `whole` (0 when there is no whole).
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// One module in the member's overview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModuleRow {
    pub module_id: Uuid,
    pub title: String,
    pub enrolled: i64,
    pub completed: i64,
    /// Completed, in whole percent of the enrolled.
    pub completion_rate: i64,
    /// Open enrolments past their deadline.
    pub overdue: i64,
    pub attempts: i64,
    /// Passed attempts, in whole percent of all attempts.
    pub pass_rate: i64,
}

/// The member's overview.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberOverview {
    pub enrolled: i64,
    pub completed: i64,
    pub completion_rate: i64,
    pub overdue: i64,
    pub attempts: i64,
    pub pass_rate: i64,
    pub modules: Vec<ModuleRow>,
    /// Completions per month, the last twelve months (`YYYY-MM`).
    pub per_month: Vec<MonthCount>,
}

/// Completions in one month.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonthCount {
    pub month: String,
    pub completed: i64,
}

pub use repo::Learners;

/// The member's overview (admins), of all its learners or those of a group or department.
pub async fn member(p: &Platform, tenant: TenantId, who: &Learners) -> AppResult<MemberOverview> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::per_module(&mut tx, tenant, who).await?;
    let months = repo::completions_per_month(&mut tx, tenant, who).await?;
    tx.commit().await?;
    let sum = |f: fn(&repo::ModuleTotals) -> i64| rows.iter().map(f).sum::<i64>();
    let (enrolled, completed, overdue, attempts, passed) = (
        sum(|r| r.enrolled),
        sum(|r| r.completed),
        sum(|r| r.overdue),
        sum(|r| r.attempts),
        sum(|r| r.passed),
    );
    Ok(MemberOverview {
        enrolled,
        completed,
        completion_rate: percent(completed, enrolled),
        overdue,
        attempts,
        pass_rate: percent(passed, attempts),
        modules: rows
            .into_iter()
            .map(|r| ModuleRow {
                module_id: r.module_id,
                title: r.title.unwrap_or_else(|| "—".into()),
                completion_rate: percent(r.completed, r.enrolled),
                pass_rate: percent(r.passed, r.attempts),
                enrolled: r.enrolled,
                completed: r.completed,
                overdue: r.overdue,
                attempts: r.attempts,
            })
            .collect(),
        per_month: months
            .into_iter()
            .map(|(month, completed)| MonthCount { month, completed })
            .collect(),
    })
}

/// The overview as CSV for Dutch Excel (BOM, `;`).
pub fn csv(o: &MemberOverview) -> String {
    let mut out = String::from(
        "\u{feff}Module;Ingeschreven;Afgerond;Afgerond %;Te laat;Pogingen;Geslaagd %\r\n",
    );
    for m in &o.modules {
        let title = zk_kernel::text::csv_field(&m.title);
        out.push_str(&format!(
            "{title};{};{};{};{};{};{}\r\n",
            m.enrolled, m.completed, m.completion_rate, m.overdue, m.attempts, m.pass_rate
        ));
    }
    out
}

/// One member and module in NZK's overview (no people).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlatformRow {
    pub member: String,
    pub module_id: Uuid,
    pub title: String,
    pub enrolled: i64,
    pub completed: i64,
    pub completion_rate: i64,
}

/// NZK's overview across members (operators).
pub async fn platform(p: &Platform) -> AppResult<Vec<PlatformRow>> {
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    let rows = repo::platform(&mut tx).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| PlatformRow {
            completion_rate: percent(r.completed, r.enrolled),
            member: r.member,
            module_id: r.module_id,
            title: r.title,
            enrolled: r.enrolled,
            completed: r.completed,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_runs_no_formulas() {
        let o = MemberOverview {
            enrolled: 1,
            completed: 0,
            completion_rate: 0,
            overdue: 0,
            attempts: 0,
            pass_rate: 0,
            modules: vec![ModuleRow {
                module_id: Uuid::nil(),
                title: "=1+1".into(),
                enrolled: 1,
                completed: 0,
                completion_rate: 0,
                overdue: 0,
                attempts: 0,
                pass_rate: 0,
            }],
            per_month: vec![],
        };
        assert_eq!(csv(&o).lines().nth(1), Some("'=1+1;1;0;0;0;0;0"));
    }

    #[test]
    fn percentages_round_to_whole_numbers() {
        assert_eq!(super::percent(1, 3), 33);
        assert_eq!(super::percent(2, 3), 67);
        assert_eq!(super::percent(0, 0), 0);
        assert_eq!(super::percent(5, 5), 100);
    }
}

/// NZK's overview summed up: per member and per module (across members), most enrolments first.
#[derive(Debug, Serialize)]
pub struct PlatformSummary {
    pub enrolled: i64,
    pub completed: i64,
    pub completion_rate: i64,
    pub members: Vec<Summed>,
    pub modules: Vec<Summed>,
}

/// Counts under one name (a member or a module).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summed {
    pub name: String,
    pub enrolled: i64,
    pub completed: i64,
    pub completion_rate: i64,
}

fn sum_by(rows: &[PlatformRow], key: impl Fn(&PlatformRow) -> &str) -> Vec<Summed> {
    let mut map: std::collections::BTreeMap<&str, (i64, i64)> = std::collections::BTreeMap::new();
    for r in rows {
        let e = map.entry(key(r)).or_default();
        e.0 += r.enrolled;
        e.1 += r.completed;
    }
    let mut out: Vec<Summed> = map
        .into_iter()
        .map(|(name, (enrolled, completed))| Summed {
            name: name.to_owned(),
            enrolled,
            completed,
            completion_rate: percent(completed, enrolled),
        })
        .collect();
    out.sort_by(|a, b| {
        b.enrolled
            .cmp(&a.enrolled)
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// Sums NZK's rows per member and per module.
pub fn summary(rows: &[PlatformRow]) -> PlatformSummary {
    let enrolled = rows.iter().map(|r| r.enrolled).sum();
    let completed = rows.iter().map(|r| r.completed).sum();
    PlatformSummary {
        enrolled,
        completed,
        completion_rate: percent(completed, enrolled),
        members: sum_by(rows, |r| &r.member),
        modules: sum_by(rows, |r| &r.title),
    }
}

/// NZK's rows as CSV for Dutch Excel: member, module, counts (no people).
pub fn platform_csv(rows: &[PlatformRow]) -> String {
    let mut out = String::from("\u{feff}Lid;Module;Ingeschreven;Afgerond;Afgerond %\r\n");
    for r in rows {
        out.push_str(&format!(
            "{};{};{};{};{}\r\n",
            zk_kernel::text::csv_field(&r.member),
            zk_kernel::text::csv_field(&r.title),
            r.enrolled,
            r.completed,
            r.completion_rate
        ));
    }
    out
}

#[cfg(test)]
mod platform_tests {
    use super::*;

    fn row(member: &str, title: &str, enrolled: i64, completed: i64) -> PlatformRow {
        PlatformRow {
            member: member.into(),
            module_id: Uuid::nil(),
            title: title.into(),
            enrolled,
            completed,
            completion_rate: percent(completed, enrolled),
        }
    }

    #[test]
    fn nzk_sums_per_member_and_per_module() {
        let rows = [
            row("Noord", "Tillen", 10, 5),
            row("Noord", "Hygiëne", 4, 4),
            row("Zuid", "Tillen", 6, 1),
        ];
        let s = summary(&rows);
        assert_eq!((s.enrolled, s.completed, s.completion_rate), (20, 10, 50));
        assert_eq!(
            s.members,
            vec![
                Summed {
                    name: "Noord".into(),
                    enrolled: 14,
                    completed: 9,
                    completion_rate: 64
                },
                Summed {
                    name: "Zuid".into(),
                    enrolled: 6,
                    completed: 1,
                    completion_rate: 17
                },
            ]
        );
        assert_eq!(
            s.modules[0],
            Summed {
                name: "Tillen".into(),
                enrolled: 16,
                completed: 6,
                completion_rate: 38
            }
        );
        let csv = platform_csv(&[row("=Noord", "Tillen", 1, 0)]);
        assert!(csv.contains("'=Noord;Tillen;1;0;0"), "{csv}");
    }
}
