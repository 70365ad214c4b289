//! Importing staff from HR's CSV file: name, e-mail, department, optional groups and module
//! enrolments. First a preview: the file is read (`staff_csv`) and every row is checked against
//! the member's accounts, groups and catalogue, and stored with its plan (new account, existing
//! account, or the problem) — no account, group membership or enrolment is written. Reading and
//! checking run on the CPU pool (`zk_kernel::cpu`), one file per member at a time
//! (`import_turns`, taken by the route before the upload is read). Then the
//! admin starts it and a background job applies the rows in batches of [`BATCH`]: each row in
//! its own savepoint, so a row is either fully applied (account, learner role, invitation mail,
//! department, groups, enrolments) or rolled back and reported with its reason. A row's outcome
//! is written in the same transaction as the row itself, so a batch cut off by a crash is taken
//! up again from the first row without an outcome. A re-import of the same file finds every
//! account, membership and enrolment in place: `unchanged`, and no new invitations.

use super::{staff_csv, staff_names};
use crate::repo::{
    self, groups as group_repo,
    imports::{ImportLine, ImportRow, NewLine},
    learning as enrolments,
};
use bytes::Bytes;
use serde::Serialize;
use std::{collections::HashMap, time::Duration};
use uuid::Uuid;
use zk_kernel::{cpu, db::TenantTx, AppError, AppResult, Platform, Tenant, TenantId};
use zk_tenant::domain::{
    staff::{self, blocked, StaffAccount},
    validate,
};

/// Rows per transaction of the job.
pub const BATCH: i64 = 200;

/// An import with the rows to show: all rows with a problem, and the first ones otherwise.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportView {
    #[serde(flatten)]
    pub import: ImportRow,
    /// The rows with a problem (at most 1,000), or with `?all=1` the first 1,000 rows.
    pub lines: Vec<ImportLine>,
}

/// The member's groups and catalogue, to resolve the names in a row.
struct Lookup {
    groups: HashMap<String, Uuid>,
    titles: HashMap<String, Vec<(Uuid, i32)>>,
    ids: HashMap<Uuid, i32>,
}

impl Lookup {
    async fn load(p: &Platform, tenant: TenantId) -> AppResult<Self> {
        let mut tx = p.db.begin_tenant(tenant).await?;
        let groups = group_repo::list(&mut tx, tenant, None).await?;
        tx.commit().await?;
        let mut titles: HashMap<String, Vec<(Uuid, i32)>> = HashMap::new();
        let mut ids = HashMap::new();
        for (id, version, title) in zk_content::domain::catalog::index(p, tenant).await? {
            titles
                .entry(title.trim().to_lowercase())
                .or_default()
                .push((id, version));
            ids.insert(id, version);
        }
        Ok(Self {
            groups: groups
                .into_iter()
                .map(|g| (g.name.trim().to_lowercase(), g.id))
                .collect(),
            titles,
            ids,
        })
    }

    fn group(&self, name: &str) -> AppResult<Uuid> {
        self.groups
            .get(&name.trim().to_lowercase())
            .copied()
            .ok_or_else(|| {
                AppError::validation(
                    "groups",
                    "unknown_group",
                    format!("Onbekende groep '{name}'. Maak de groep eerst aan onder Groepen, of verbeter de naam."),
                )
            })
    }

    /// A module by its id or its exact title (any case).
    fn module(&self, name: &str) -> AppResult<(Uuid, i32)> {
        if let Ok(id) = name.trim().parse::<Uuid>() {
            if let Some(v) = self.ids.get(&id) {
                return Ok((id, *v));
            }
        }
        match self.titles.get(&name.trim().to_lowercase()).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some([_, _, ..]) => Err(AppError::validation(
                "modules",
                "ambiguous_module",
                format!("Er zijn meerdere modules met de titel '{name}'. Gebruik de id van de module."),
            )),
            _ => Err(AppError::validation(
                "modules",
                "unknown_module",
                format!("Onbekende module '{name}'. Gebruik de titel uit de catalogus of de id van de module."),
            )),
        }
    }
}

/// Checks one row; the first problem found, else whether its account exists.
fn check(
    row: &staff_csv::StaffRow,
    lookup: &Lookup,
    existing: &HashMap<String, String>,
    seen: &mut HashMap<String, usize>,
) -> Result<(String, &'static str), AppError> {
    let email = validate::email("email", &row.email).map_err(|_| {
        AppError::validation(
            "email",
            "invalid_email",
            if row.email.is_empty() {
                "Het e-mailadres ontbreekt.".to_owned()
            } else {
                format!("'{}' is geen geldig e-mailadres.", row.email)
            },
        )
    })?;
    if let Some(first) = seen.get(&email) {
        return Err(AppError::validation(
            "email",
            "duplicate_email",
            format!("Dit e-mailadres staat ook op regel {first}; alleen die regel telt."),
        ));
    }
    seen.insert(email.clone(), row.line);
    if row.name.is_empty() {
        return Err(AppError::validation(
            "name",
            "name_required",
            "De naam ontbreekt.",
        ));
    }
    if row.name.chars().count() > 200 {
        return Err(AppError::validation(
            "name",
            "name_too_long",
            "De naam is langer dan 200 tekens.",
        ));
    }
    if row.department.chars().count() > 100 {
        return Err(AppError::validation(
            "department",
            "department_too_long",
            "De afdeling is langer dan 100 tekens.",
        ));
    }
    for g in &row.groups {
        lookup.group(g)?;
    }
    for m in &row.modules {
        lookup.module(m)?;
    }
    match existing.get(&email).map(String::as_str) {
        Some("disabled") => Err(blocked()),
        Some(_) => Ok((email, "existing")),
        None => Ok((email, "new")),
    }
}

/// Reads and checks a file into a preview; nothing of the member's staff is written. A file
/// that can't be read at all is refused on `file`.
pub async fn preview(
    p: &Platform,
    tenant: &Tenant,
    by: Uuid,
    file_name: &str,
    bytes: Bytes,
) -> AppResult<ImportRow> {
    let file = cpu::run(move || staff_csv::parse(&bytes)).await??;
    if file.rows.is_empty() {
        return Err(AppError::validation(
            "file",
            "file_empty",
            "Het bestand heeft een kopregel maar geen medewerkers.",
        ));
    }
    let lookup = Lookup::load(p, tenant.id).await?;
    let emails: Vec<String> = file
        .rows
        .iter()
        .map(|r| r.email.trim().to_lowercase())
        .collect();
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let existing = staff::statuses(&mut tx, tenant.id, &emails).await?;
    let (file, checked) = cpu::run(move || {
        let mut seen = HashMap::new();
        let checked: Vec<_> = file
            .rows
            .iter()
            .map(|row| {
                (
                    check(row, &lookup, &existing, &mut seen),
                    staff_names::name_warning(row.line, &row.name),
                )
            })
            .collect();
        (file, checked)
    })
    .await?;
    let lines: Vec<NewLine> = file
        .rows
        .iter()
        .zip(&checked)
        .map(|(row, (c, warning))| {
            let (email, plan, code, message) = match c {
                Ok((email, plan)) => (email.as_str(), *plan, None, None),
                Err(e) => (
                    row.email.as_str(),
                    "error",
                    Some(e.code),
                    Some(e.message.to_string()),
                ),
            };
            NewLine {
                line: i32::try_from(row.line).unwrap_or(i32::MAX),
                name: &row.name,
                email,
                department: &row.department,
                groups: &row.groups,
                modules: &row.modules,
                plan,
                code,
                message,
                warning_code: warning.as_ref().map(|w| w.code),
                warning_message: warning.as_ref().map(|w| w.message.clone()),
            }
        })
        .collect();
    let id = Uuid::new_v4();
    let name: String = file_name.chars().take(200).collect();
    let total = i32::try_from(lines.len()).unwrap_or(i32::MAX);
    repo::imports::insert(
        &mut tx,
        tenant.id,
        id,
        by,
        &name,
        file.encoding.as_str(),
        total,
    )
    .await?;
    repo::imports::insert_lines(&mut tx, tenant.id, id, &lines).await?;
    repo::imports::delete_stale_previews(&mut tx, tenant.id).await?;
    let row = repo::imports::get(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    tracing::info!(import.id = %id, rows = total, "staff import previewed");
    Ok(row)
}

/// Which rows to show with an import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Rows {
    /// Only the counts (for a progress bar).
    None,
    /// The rows with a problem or failure.
    #[default]
    Problems,
    /// Every row.
    All,
}

/// An import with its rows to show, at most 1,000 (404 for another member's).
pub async fn view(p: &Platform, tenant: TenantId, id: Uuid, rows: Rows) -> AppResult<ImportView> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let import = repo::imports::get(&mut tx, tenant, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let lines = match rows {
        Rows::None => Vec::new(),
        _ => repo::imports::lines(&mut tx, tenant, id, rows == Rows::Problems, 1000).await?,
    };
    tx.commit().await?;
    Ok(ImportView { import, lines })
}

/// Every row of an import with what happened to it, as CSV for Dutch Excel (BOM, `;`).
pub async fn report_csv(p: &Platform, tenant: TenantId, id: Uuid) -> AppResult<String> {
    use zk_kernel::text::csv_field as f;
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::imports::get(&mut tx, tenant, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let lines = repo::imports::lines(&mut tx, tenant, id, false, i64::MAX).await?;
    tx.commit().await?;
    let mut out = String::from(
        "\u{feff}regel;naam;e-mail;afdeling;groepen;modules;uitkomst;code;reden;waarschuwing\r\n",
    );
    for l in lines {
        let outcome =
            l.outcome
                .as_deref()
                .unwrap_or(if l.plan == "error" { "fout" } else { "wacht" });
        out.push_str(&format!(
            "{};{};{};{};{};{};{};{};{};{}\r\n",
            l.line,
            f(&l.name),
            f(&l.email),
            f(&l.department),
            f(&l.groups.join("|")),
            f(&l.modules.join("|")),
            f(outcome_nl(outcome)),
            f(l.code.as_deref().unwrap_or("")),
            f(l.message.as_deref().unwrap_or("")),
            f(l.warning_message.as_deref().unwrap_or("")),
        ));
    }
    Ok(out)
}

/// Where a row stands, in Dutch (pages): what the import did, else `fout` for an error,
/// `waarschuwing` for a row imported with a warning, `wacht` for one waiting.
pub fn line_state_nl(line: &ImportLine) -> &'static str {
    match (&line.outcome, line.plan.as_str(), &line.warning_code) {
        (Some(outcome), _, _) => outcome_nl(outcome),
        (None, "error", _) => "fout",
        (None, _, Some(_)) => "waarschuwing",
        (None, _, None) => "wacht",
    }
}

/// An outcome in Dutch (report and pages).
pub fn outcome_nl(outcome: &str) -> &'static str {
    match outcome {
        "created" => "aangemaakt",
        "updated" => "bijgewerkt",
        "unchanged" => "ongewijzigd",
        "failed" => "mislukt",
        "skipped" => "overgeslagen",
        "fout" => "fout",
        _ => "wacht",
    }
}

/// The member's latest imports.
pub async fn recent(p: &Platform, tenant: TenantId) -> AppResult<Vec<ImportRow>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::imports::recent(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Starts a previewed import (starting it again is fine: it runs once) and sets the job to work
/// at once.
pub async fn start(p: &Platform, tenant: TenantId, id: Uuid) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let queued = repo::imports::queue(&mut tx, tenant, id).await?;
    if !queued && repo::imports::get(&mut tx, tenant, id).await?.is_none() {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    if queued {
        tracing::info!(import.id = %id, "staff import started");
        let p = p.clone();
        tokio::spawn(async move {
            if let Err(e) = run_once(&p).await {
                tracing::warn!(error.code = e.code, "staff import failed; the job retries");
            }
        });
    }
    Ok(())
}

/// Throws away a preview (a started import can't be).
pub async fn discard(p: &Platform, tenant: TenantId, id: Uuid) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    if !repo::imports::delete_preview(&mut tx, tenant, id).await? {
        return Err(match repo::imports::get(&mut tx, tenant, id).await? {
            None => AppError::not_found(),
            Some(_) => AppError::conflict(
                "id",
                "import_started",
                "Deze import is al gestart en kan niet meer worden weggegooid.",
            ),
        });
    }
    tx.commit().await?;
    Ok(())
}

/// Works through every queued import; returns how many rows this call handled.
pub async fn run_once(p: &Platform) -> AppResult<usize> {
    let queued = {
        let mut conn = p.db.app.acquire().await?;
        repo::imports::queued(&mut conn).await?
    };
    let mut handled = 0;
    for (tenant, id) in queued {
        handled += run_import(p, TenantId(tenant), id).await?;
    }
    Ok(handled)
}

async fn run_import(p: &Platform, tenant_id: TenantId, id: Uuid) -> AppResult<usize> {
    let Some(tenant) = p.directory.load(tenant_id).await? else {
        return Ok(0);
    };
    let mut handled = 0;
    loop {
        // Groups and catalogue as they are now: a group removed since the preview fails its rows.
        let lookup = Lookup::load(p, tenant_id).await?;
        let mut tx = p.db.begin_tenant(tenant_id).await?;
        if !repo::imports::lock_queued(&mut tx, tenant_id, id).await? {
            return Ok(handled);
        }
        let rows = repo::imports::waiting(&mut tx, tenant_id, id, BATCH).await?;
        if rows.is_empty() {
            repo::imports::finish(&mut tx, tenant_id, id).await?;
            tx.commit().await?;
            super::mail_wake::wake();
            tracing::info!(import.id = %id, "staff import done");
            return Ok(handled);
        }
        let by = repo::imports::created_by(&mut tx, tenant_id, id).await?;
        let mut created = false;
        for row in &rows {
            let (outcome, err) = if row.plan == "error" {
                ("skipped", None)
            } else {
                repo::imports::savepoint(&mut tx).await?;
                match apply(p, &mut tx, &tenant, &lookup, by, row).await {
                    Ok(outcome) => {
                        repo::imports::release(&mut tx).await?;
                        created |= outcome == "created";
                        (outcome, None)
                    }
                    Err(e) => {
                        repo::imports::rollback_to(&mut tx).await?;
                        if e.status.is_server_error() {
                            tracing::warn!(import.id = %id, line = row.line, error.code = e.code, "staff row failed");
                        }
                        ("failed", Some(e))
                    }
                }
            };
            repo::imports::set_outcome(
                &mut tx,
                tenant_id,
                id,
                row.line,
                outcome,
                err.as_ref().map(|e| e.code),
                err.as_ref().map(|e| e.message.as_ref()),
            )
            .await?;
        }
        tx.commit().await?;
        handled += rows.len();
        if created {
            p.authz.reload().await.map_err(AppError::internal)?;
        }
    }
}

/// Applies one row inside the caller's savepoint: the account (new: invited as learner, with
/// its invitation mail; existing: name and department brought in line), its groups and its
/// enrolments. What it did: `created`, `updated` or `unchanged`.
async fn apply(
    p: &Platform,
    tx: &mut TenantTx,
    tenant: &Tenant,
    lookup: &Lookup,
    by: Uuid,
    row: &ImportLine,
) -> AppResult<&'static str> {
    let t = tenant.id;
    let (user, how) =
        staff::ensure_staff_account(p, tx, tenant, &row.email, &row.name, &row.department).await?;
    let mut outcome = match how {
        StaffAccount::Created => "created",
        StaffAccount::Updated => "updated",
        StaffAccount::Unchanged => "unchanged",
    };
    for g in &row.groups {
        let group = lookup.group(g)?;
        if group_repo::add_member(tx, t, group, user, "learner").await? && outcome == "unchanged" {
            outcome = "updated";
        }
    }
    let mut enrolled = false;
    for m in &row.modules {
        let (module, version) = lookup.module(m)?;
        if enrolments::insert_enrolment(tx, t, Uuid::new_v4(), user, module, version, None, by)
            .await?
        {
            enrolled = true;
        }
    }
    if enrolled {
        enrolments::notify_progress(tx, user).await?;
        if outcome == "unchanged" {
            outcome = "updated";
        }
    }
    Ok(outcome)
}

/// Runs [`run_once`] every ten seconds: picks up imports whose process stopped halfway.
pub fn spawn(p: Platform) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            if let Err(e) = run_once(&p).await {
                tracing::warn!(error.code = e.code, "staff import job failed; will retry");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup() -> Lookup {
        let m = Uuid::from_u128(7);
        Lookup {
            groups: HashMap::from([("de linde".to_owned(), Uuid::from_u128(1))]),
            titles: HashMap::from([
                ("hygiëne".to_owned(), vec![(m, 3)]),
                (
                    "dubbel".to_owned(),
                    vec![(Uuid::from_u128(8), 1), (Uuid::from_u128(9), 1)],
                ),
            ]),
            ids: HashMap::from([(m, 3)]),
        }
    }

    fn row(line: usize, name: &str, email: &str) -> staff_csv::StaffRow {
        staff_csv::StaffRow {
            line,
            name: name.into(),
            email: email.into(),
            ..Default::default()
        }
    }

    #[test]
    fn rows_are_checked_with_the_reason_of_the_first_problem() {
        let l = lookup();
        let existing = HashMap::from([
            ("oud@noord.nl".to_owned(), "active".to_owned()),
            ("weg@noord.nl".to_owned(), "disabled".to_owned()),
        ]);
        let mut seen = HashMap::new();
        let mut ok = row(2, "Anna", " Anna@Noord.nl ");
        ok.groups = vec!["De Linde".into()];
        ok.modules = vec!["Hygiëne".into(), Uuid::from_u128(7).to_string()];
        assert_eq!(
            check(&ok, &l, &existing, &mut seen).unwrap(),
            ("anna@noord.nl".to_owned(), "new")
        );
        let code = |r: &staff_csv::StaffRow, seen: &mut HashMap<String, usize>| {
            check(r, &l, &existing, seen).unwrap_err().code
        };
        assert_eq!(
            code(&row(3, "Anna", "anna@noord.nl"), &mut seen),
            "duplicate_email"
        );
        assert_eq!(code(&row(4, "X", "geen-adres"), &mut seen), "invalid_email");
        assert_eq!(
            code(&row(5, "", "leeg@noord.nl"), &mut seen),
            "name_required"
        );
        assert_eq!(
            code(&row(6, "W", "weg@noord.nl"), &mut seen),
            "account_blocked"
        );
        let mut g = row(7, "G", "g@noord.nl");
        g.groups = vec!["Nacht".into()];
        assert_eq!(code(&g, &mut seen), "unknown_group");
        let mut m = row(8, "M", "m@noord.nl");
        m.modules = vec!["dubbel".into()];
        assert_eq!(code(&m, &mut seen), "ambiguous_module");
        m.line = 9;
        m.email = "m2@noord.nl".into();
        m.modules = vec!["bestaat niet".into()];
        assert_eq!(code(&m, &mut seen), "unknown_module");
        assert_eq!(
            check(&row(10, "Oud", "oud@noord.nl"), &l, &existing, &mut seen)
                .unwrap()
                .1,
            "existing"
        );
    }
}
