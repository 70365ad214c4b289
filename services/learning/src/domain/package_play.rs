//! Playing an e-learning package (SCORM 1.2 and 2004) and tracking it.
//!
//! A learner opens a package block from the module page: [`open`] checks that the block is in
//! the version the learner's enrolment follows and makes a play session with a random token
//! (kept hashed, valid for hours after its last use). The browser is sent to the member's
//! package host (`{slug}.{package_domain}`), another origin without the portal's cookies, where
//! [`player`] gives the player page what it needs: the package's units (SCOs) in manifest order,
//! what each has stored so far (so a learner resumes on any device), and the values the
//! platform sets (learner, entry, credit, total time, mastery score). The run-time in that page
//! hosts the SCORM API and sends each commit with the token (`package_commits`, which batches
//! them): the data model as the SCO has set it, checked by `scorm_data`, stored as the unit's
//! attempt, and read for completion, success and score. When every SCO of the package is done (completed, and not
//! failed), the block is done, and with the module's last block the enrolment is completed with
//! its proof, as for any other block.

use super::{
    learning,
    scorm_data::{self, Version},
};
use crate::repo::{
    learning as enrolments,
    packages::{self as repo, AttemptRow, SessionRow},
};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;
use zk_content::domain::{
    catalog, media,
    module::BlockBody,
    package::{Kind, Manifest, Unit, UnitKind},
};
use zk_kernel::{crypto, AppError, AppResult, Platform, TenantId};

/// The most characters of a player's page-load id.
const MAX_SESSION_ID: usize = 64;

/// The SCORM version of a package, `None` for cmi5 (played elsewhere).
pub fn version_of(kind: Kind) -> Option<Version> {
    match kind {
        Kind::Scorm12 => Some(Version::Scorm12),
        Kind::Scorm2004 { .. } => Some(Version::Scorm2004),
        Kind::Cmi5 => None,
    }
}

pub(crate) fn standard(version: Version) -> &'static str {
    match version {
        Version::Scorm12 => "scorm12",
        Version::Scorm2004 => "scorm2004",
    }
}

pub(crate) fn expired() -> AppError {
    AppError::new(
        StatusCode::GONE,
        "package_session_expired",
        "Deze sessie van de e-learning is verlopen. Open de e-learning opnieuw vanuit de module; wat u al had gedaan is bewaard.",
    )
}

/// The package block `block` of the caller's enrolment `enrolment`: a session for it, and the
/// player's address on the member's package host (`slug`). 404 for another's enrolment, a block
/// that is not in the version followed or not a package, and a package that cannot be read.
pub async fn open(
    p: &Platform,
    tenant: TenantId,
    slug: &str,
    user: Uuid,
    enrolment: Uuid,
    block: Uuid,
) -> AppResult<String> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let e = enrolments::enrolment(&mut tx, tenant, enrolment, Some(user), false)
        .await?
        .ok_or_else(AppError::not_found)?;
    let shown = catalog::published_at_on(p, &mut tx, tenant, e.module_id, e.version, false).await?;
    let media_id = shown
        .blocks
        .iter()
        .find(|b| b.block.id == Some(block))
        .and_then(|b| match &b.block.body {
            BlockBody::Package { media, .. } => media.parse::<Uuid>().ok(),
            _ => None,
        })
        .ok_or_else(AppError::not_found)?;
    // A package that cannot be read (gone, or not the member's) does not open.
    media::package_manifest(&mut tx, media_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let token = crypto::random_token();
    let session = SessionRow {
        id: Uuid::new_v4(),
        enrolment_id: e.id,
        user_id: user,
        block_id: block,
        media_id,
        cycle: e.cycle,
        version: e.version,
        expires_at: time::OffsetDateTime::now_utc(),
    };
    repo::insert_session(&mut tx, tenant, &crypto::token_hash(&token), &session).await?;
    tx.commit().await?;
    tracing::info!(enrolment.id = %e.id, block.id = %block, "package session opened");
    Ok(format!("{}/speler/{token}", p.config.package_url(slug)))
}

/// What the player page shows and its run-time starts with.
#[derive(Debug, Serialize)]
pub struct Player {
    pub title: String,
    /// The package's lines in order (headings included), each with its state.
    pub units: Vec<PlayerUnit>,
    /// What the run-time needs (the page puts it in a JSON script element).
    pub boot: Value,
    /// More than one SCO: the page shows a table of contents and previous/next.
    pub multi: bool,
    /// The package uses sequencing the player doesn't carry out (units play in free order).
    pub sequencing_note: bool,
}

/// A line of the player's table of contents.
#[derive(Debug, Serialize)]
pub struct PlayerUnit {
    pub id: String,
    pub title: String,
    pub depth: u32,
    /// Launchable (a SCO or asset); a heading is not.
    pub playable: bool,
    pub done: bool,
    pub index: Option<usize>,
}

/// The live session of `token`; 410 when it is unknown or expired.
async fn live_session(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    token: &str,
) -> AppResult<SessionRow> {
    repo::session(conn, tenant, &crypto::token_hash(token), false)
        .await?
        .ok_or_else(expired)
}

/// The player of session `token` on the member's package host.
pub async fn player(p: &Platform, tenant: TenantId, token: &str) -> AppResult<Player> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let s = live_session(&mut tx, tenant, token).await?;
    let manifest = media::package_manifest(&mut tx, s.media_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let attempts = repo::attempts(&mut tx, tenant, &s).await?;
    let name = repo::learner_name(&mut tx, tenant, s.user_id).await?;
    tx.commit().await?;
    Ok(player_view(&manifest, &s, &attempts, &name, token))
}

/// The player's data from a session's package and attempts (pure). A SCORM unit comes with its
/// stored data and the platform's values; a cmi5 AU is launched through `/speler/{token}/au`.
pub fn player_view(
    manifest: &Manifest,
    s: &SessionRow,
    attempts: &[AttemptRow],
    learner_name: &str,
    token: &str,
) -> Player {
    let attempt = |unit: &str| attempts.iter().find(|a| a.unit == unit);
    let playable: Vec<&Unit> = manifest.units.iter().filter(|u| launchable(u)).collect();
    let mut units = Vec::new();
    let mut boot_units = Vec::new();
    for u in &manifest.units {
        let index = playable.iter().position(|p| p.id == u.id);
        let done = attempt(&u.id).is_some_and(|a| a.done);
        units.push(PlayerUnit {
            id: u.id.clone(),
            title: u.title.clone(),
            depth: u.depth,
            playable: index.is_some(),
            done,
            index,
        });
        if index.is_some() {
            let a = attempt(&u.id);
            let platform = version_of(manifest.kind)
                .map(|v| platform_values(v, u, a, s.user_id, learner_name))
                .unwrap_or_default();
            boot_units.push(json!({
                "id": u.id,
                "title": u.title,
                "sco": u.kind == UnitKind::Sco,
                "au": u.kind == UnitKind::Au,
                "launch": format!("/pakket/{}/{}", s.media_id, u.launch.as_deref().unwrap_or_default()),
                "done": done,
                "data": a.map(|a| a.data.0.clone()).unwrap_or_default(),
                "platform": platform,
            }));
        }
    }
    let boot = json!({
        "standard": version_of(manifest.kind).map_or("cmi5", standard),
        "commit": format!("/speler/{token}/commit"),
        "au": format!("/speler/{token}/au"),
        "start": start_index(&playable, attempts),
        "units": boot_units,
    });
    Player {
        title: manifest.title.clone(),
        multi: playable.len() > 1,
        sequencing_note: manifest.unsupported_sequencing,
        units,
        boot,
    }
}

/// A line the player can open: a SCO, an asset or a cmi5 AU with a launch file in the package.
pub(crate) fn launchable(u: &Unit) -> bool {
    matches!(u.kind, UnitKind::Sco | UnitKind::Asset | UnitKind::Au)
        && u.launch.as_deref().is_some_and(|l| !l.contains("://"))
}

/// Where the player starts: the unit last worked on if it is not done, else the first one not
/// done, else the first.
fn start_index(playable: &[&Unit], attempts: &[AttemptRow]) -> usize {
    let position = |unit: &str| playable.iter().position(|u| u.id == unit);
    if let Some(i) = attempts
        .iter()
        .max_by_key(|a| a.updated_at)
        .filter(|a| !a.done)
        .and_then(|a| position(&a.unit))
    {
        return i;
    }
    playable
        .iter()
        .position(|u| !attempts.iter().any(|a| a.unit == u.id && a.done))
        .unwrap_or(0)
}

/// The values the platform sets for a SCO before it starts (read-only for the SCO): who the
/// learner is, whether this is a first launch or a resume, credit and mode, the total time so
/// far, the mastery score, and the status the SCO left last time.
pub fn platform_values(
    version: Version,
    unit: &Unit,
    attempt: Option<&AttemptRow>,
    user: Uuid,
    learner_name: &str,
) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    let mut set = |k: &str, val: String| {
        v.insert(k.to_owned(), val);
    };
    let data = attempt.map(|a| &a.data.0);
    let exit = |key: &str| data.and_then(|d| d.get(key)).map(String::as_str);
    let seconds = attempt.map_or(0.0, |a| a.seconds);
    match version {
        Version::Scorm12 => {
            set("cmi.core.student_id", user.to_string());
            set("cmi.core.student_name", learner_name.to_owned());
            set("cmi.core.credit", "credit".into());
            set("cmi.core.lesson_mode", "normal".into());
            set(
                "cmi.core.entry",
                match (attempt, exit("cmi.core.exit")) {
                    (None, _) => "ab-initio",
                    (Some(_), Some("suspend")) => "resume",
                    _ => "",
                }
                .into(),
            );
            set(
                "cmi.core.total_time",
                scorm_data::format_timespan_12(seconds),
            );
            if let Some(m) = unit.mastery_score {
                set("cmi.student_data.mastery_score", trim_number(m * 100.0));
            }
            if data.and_then(|d| d.get("cmi.core.lesson_status")).is_none() {
                set("cmi.core.lesson_status", "not attempted".into());
            }
        }
        Version::Scorm2004 => {
            set("cmi.learner_id", user.to_string());
            set("cmi.learner_name", learner_name.to_owned());
            set("cmi.credit", "credit".into());
            set("cmi.mode", "normal".into());
            set(
                "cmi.entry",
                match (attempt, exit("cmi.exit")) {
                    (None, _) => "ab-initio",
                    (Some(_), Some("suspend")) => "resume",
                    _ => "",
                }
                .into(),
            );
            set("cmi.total_time", scorm_data::format_duration_2004(seconds));
            if let Some(m) = unit.mastery_score {
                set("cmi.scaled_passing_score", trim_number(m));
            }
            if data.and_then(|d| d.get("cmi.completion_status")).is_none() {
                set("cmi.completion_status", "unknown".into());
            }
            if data.and_then(|d| d.get("cmi.success_status")).is_none() {
                set("cmi.success_status", "unknown".into());
            }
        }
    }
    v
}

/// A number without trailing zeros (`80`, `0.8`).
fn trim_number(n: f64) -> String {
    let s = format!("{n:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// One commit from the player's run-time.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitInput {
    /// The unit (the SCO's item identifier in the manifest).
    pub unit: String,
    /// The player's page load (a random id the run-time makes): a session's time counts once.
    pub session: String,
    /// The commit's number in that page load (1, 2, …): a late older commit changes nothing.
    #[serde(default)]
    pub seq: u64,
    /// The data model as the SCO has set it: element → value (every element it set, not only
    /// the changed ones).
    pub values: BTreeMap<String, String>,
}

/// What a commit recorded.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommitAnswer {
    pub completed: bool,
    pub passed: Option<bool>,
    /// 0..1.
    pub score: Option<f64>,
    /// The unit is done (completed and not failed; it stays done).
    pub unit_done: bool,
    /// Every SCO of the package is done: the block is done.
    pub block_done: bool,
    /// The enrolment is complete (this was the module's last open block).
    pub module_completed: bool,
    /// All sessions of the unit, in seconds.
    pub total_seconds: f64,
}

/// After a unit's attempt changed inside the caller's transaction (the enrolment `e` locked):
/// when the unit is done and so is every other unit of the package (an AU with moveOn
/// NotApplicable counts as done), the block is done, and the module completes with its proof
/// when it was the last block. Returns (block done, module completed now).
pub(crate) async fn block_after(
    p: &Platform,
    tx: &mut sqlx::PgConnection,
    tenant: TenantId,
    s: &SessionRow,
    manifest: &Manifest,
    e: &mut enrolments::EnrolmentRow,
    unit_done: bool,
) -> AppResult<(bool, bool)> {
    let block_done = e.done.contains(&s.block_id);
    if !unit_done || block_done {
        return Ok((block_done, false));
    }
    let finished = repo::units_done(tx, tenant, s).await?;
    let all = manifest.units.iter().filter(|u| launchable(u)).all(|u| {
        finished.contains(&u.id)
            || u.move_on == Some(zk_content::domain::package::MoveOn::NotApplicable)
    });
    if !all {
        return Ok((false, false));
    }
    let shown = catalog::published_at_on(p, tx, tenant, e.module_id, e.version, false).await?;
    let still_there = shown.blocks.iter().any(|b| {
        b.block.id == Some(s.block_id)
            && matches!(&b.block.body, BlockBody::Package { media, .. } if *media == s.media_id.to_string())
    });
    if !still_there {
        return Ok((false, false));
    }
    enrolments::insert_done(tx, tenant, e.id, s.block_id, shown.version).await?;
    e.done.push(s.block_id);
    let every = shown
        .blocks
        .iter()
        .filter_map(|b| b.block.id)
        .all(|b| e.done.contains(&b));
    if every && e.completed_at.is_none() {
        learning::complete_in(tx, tenant, e, &shown).await?;
        return Ok((true, true));
    }
    Ok((true, false))
}

/// Whether an outcome makes a unit done: completed and not failed.
pub fn unit_done(o: &scorm_data::Outcome) -> bool {
    o.completed && o.passed != Some(false)
}

/// Checks a player's page-load id (pure).
pub(crate) fn check_session_id(session: &str) -> AppResult<()> {
    if session.is_empty() || session.len() > MAX_SESSION_ID || session.chars().any(char::is_control)
    {
        return Err(AppError::validation(
            "session",
            "invalid_session",
            "De speler stuurde geen geldig sessienummer mee.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::types::Json;

    fn unit(id: &str, kind: UnitKind, mastery: Option<f64>) -> Unit {
        Unit {
            id: id.into(),
            title: id.to_uppercase(),
            kind,
            launch: (kind != UnitKind::Heading).then(|| format!("{id}/index.html")),
            depth: 0,
            mastery_score: mastery,
            move_on: None,
            launch_method: None,
            activity_type: None,
        }
    }

    fn attempt(unit: &str, done: bool, data: &[(&str, &str)], minute: i64) -> AttemptRow {
        AttemptRow {
            unit: unit.into(),
            data: Json(
                data.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            completed: done,
            passed: None,
            score: None,
            location: None,
            seconds: 90.5,
            done,
            updated_at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute),
        }
    }

    #[test]
    fn the_player_starts_where_the_learner_was() {
        let (a, b, c) = (
            unit("a", UnitKind::Sco, None),
            unit("b", UnitKind::Sco, None),
            unit("c", UnitKind::Sco, None),
        );
        let playable = [&a, &b, &c];
        assert_eq!(start_index(&playable, &[]), 0);
        // The last unit worked on, not done yet.
        let tried = [attempt("a", true, &[], 1), attempt("c", false, &[], 2)];
        assert_eq!(start_index(&playable, &tried), 2);
        // The last one is done: the first not done.
        let tried = [attempt("c", false, &[], 1), attempt("a", true, &[], 2)];
        assert_eq!(start_index(&playable, &tried), 1);
        // All done: from the start.
        let all = [
            attempt("a", true, &[], 1),
            attempt("b", true, &[], 2),
            attempt("c", true, &[], 3),
        ];
        assert_eq!(start_index(&playable, &all), 0);
    }

    #[test]
    fn a_first_launch_and_a_resume_get_their_entry_and_time() {
        let u = unit("a", UnitKind::Sco, Some(0.8));
        let user = Uuid::nil();
        let first = platform_values(Version::Scorm12, &u, None, user, "Sanne de Vries");
        assert_eq!(first["cmi.core.entry"], "ab-initio");
        assert_eq!(first["cmi.core.lesson_status"], "not attempted");
        assert_eq!(first["cmi.student_data.mastery_score"], "80");
        assert_eq!(first["cmi.core.total_time"], "0000:00:00.00");
        assert_eq!(first["cmi.core.student_name"], "Sanne de Vries");
        let suspended = attempt(
            "a",
            false,
            &[
                ("cmi.core.exit", "suspend"),
                ("cmi.core.lesson_status", "incomplete"),
            ],
            1,
        );
        let again = platform_values(Version::Scorm12, &u, Some(&suspended), user, "");
        assert_eq!(again["cmi.core.entry"], "resume");
        assert_eq!(again["cmi.core.total_time"], "0000:01:30.50");
        // The SCO's own status is in its data, not set over it.
        assert!(!again.contains_key("cmi.core.lesson_status"));
        let v2004 = platform_values(Version::Scorm2004, &u, Some(&suspended), user, "");
        assert_eq!(v2004["cmi.entry"], "");
        assert_eq!(v2004["cmi.scaled_passing_score"], "0.8");
        assert_eq!(v2004["cmi.total_time"], "PT1M30.5S");
        assert_eq!(v2004["cmi.completion_status"], "unknown");
    }

    #[test]
    fn a_unit_is_done_when_completed_and_not_failed() {
        let o = |completed, passed| scorm_data::Outcome {
            completed,
            passed,
            score: None,
            location: None,
            session_seconds: None,
        };
        assert!(unit_done(&o(true, None)));
        assert!(unit_done(&o(true, Some(true))));
        assert!(!unit_done(&o(true, Some(false))));
        assert!(!unit_done(&o(false, Some(true))));
    }

    #[test]
    fn headings_and_web_addresses_are_not_played() {
        assert!(launchable(&unit("a", UnitKind::Sco, None)));
        assert!(launchable(&unit("b", UnitKind::Asset, None)));
        assert!(!launchable(&unit("h", UnitKind::Heading, None)));
        let mut far = unit("c", UnitKind::Sco, None);
        far.launch = Some("https://elders.example/sco.html".into());
        assert!(!launchable(&far));
    }
}
