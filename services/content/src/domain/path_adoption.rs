//! 80/20 for learning paths: a member adopts a shared path and adds its own accents — its own
//! (or other shared) modules anchored before or after named modules of the path, its own
//! introduction, and optional modules left out. Not a copy: the accents are kept against module
//! ids and laid over whichever shared version the member shows, with the same rules as module
//! overlays:
//! - an accent follows its anchor module wherever a new version moves it;
//! - an accent whose anchor is gone from the version shown is an orphan: it stays in the path,
//!   moved to the end and flagged on the admin's dashboard (never dropped);
//! - a module can be left out only while NZK marks it optional.

use super::{adoption::Follow, module, overlay::Position};
use crate::model::PathDoc;
use crate::repo::{modules::Owner, path_adoptions as repo, paths};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;
use zk_kernel::{AppError, AppResult, Platform, TenantId};

pub use crate::model::{PathAccent, PathOverlay};

/// What the member sends to adopt a path or change its accents.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PathAdoptionInput {
    #[serde(default)]
    pub follow: Follow,
    #[serde(flatten)]
    pub overlay: PathOverlay,
}

/// Most modules a member adds to one path.
pub const MAX_ACCENTS: usize = 20;

/// Checks an overlay against the shared version it is saved on. `kept` are the accents the
/// overlay had: an accent whose anchor is gone may stay as it was (an orphan), not be made anew.
pub fn check(overlay: &PathOverlay, shared: &PathDoc, kept: &[PathAccent]) -> AppResult<()> {
    if overlay.intro_markdown.chars().count() > 5000 {
        return Err(AppError::validation(
            "intro_markdown",
            "invalid_length",
            "De eigen inleiding heeft hoogstens 5000 tekens.",
        ));
    }
    if !overlay.intro_markdown.trim().is_empty() {
        module::check_markdown(&overlay.intro_markdown)
            .map_err(|m| AppError::validation("intro_markdown", "unsafe_markdown", m))?;
    }
    let in_path: HashSet<Uuid> = shared.modules.iter().copied().collect();
    for (i, id) in overlay.hidden.iter().enumerate() {
        if !in_path.contains(id) {
            return Err(AppError::validation(
                format!("hidden[{i}]"),
                "unknown_module",
                "Deze module hoort niet bij dit leertraject.",
            ));
        }
        if !shared.optional.contains(id) {
            return Err(AppError::validation(
                format!("hidden[{i}]"),
                "not_optional",
                "Deze module is verplicht: de Nationale Zorgklas heeft haar niet als optioneel gemarkeerd.",
            ));
        }
    }
    if overlay.accents.len() > MAX_ACCENTS {
        return Err(AppError::validation(
            "accents",
            "too_many_modules",
            format!("Voeg hoogstens {MAX_ACCENTS} eigen modules toe."),
        ));
    }
    let mut added = HashSet::new();
    for (i, accent) in overlay.accents.iter().enumerate() {
        if !in_path.contains(&accent.anchor) && !kept.contains(accent) {
            return Err(AppError::validation(
                format!("accents[{i}].anchor"),
                "unknown_module",
                "Kies een module van dit leertraject om uw module bij te plaatsen.",
            ));
        }
        if in_path.contains(&accent.module) || !added.insert(accent.module) {
            return Err(AppError::validation(
                format!("accents[{i}].module"),
                "duplicate_module",
                "Deze module staat al in het leertraject.",
            ));
        }
    }
    Ok(())
}

/// Accents whose anchor is not in `shared` (they show at the end).
pub fn orphans<'a>(overlay: &'a PathOverlay, shared: &PathDoc) -> Vec<&'a PathAccent> {
    overlay
        .accents
        .iter()
        .filter(|a| !shared.modules.contains(&a.anchor))
        .collect()
}

/// A module of the path as a learner takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub module: Uuid,
    /// Added by the member.
    pub accent: bool,
    /// An accent whose anchor is gone (shown at the end).
    pub orphaned: bool,
}

/// Lays the overlay over a shared version: the modules in the order a learner takes them.
pub fn apply(shared: &PathDoc, overlay: &PathOverlay) -> Vec<Step> {
    let own = |a: &PathAccent, orphaned: bool| Step {
        module: a.module,
        accent: true,
        orphaned,
    };
    let mut out = Vec::with_capacity(shared.modules.len() + overlay.accents.len());
    for m in &shared.modules {
        let anchored = |p: Position| {
            overlay
                .accents
                .iter()
                .filter(move |a| a.anchor == *m && a.position == p)
        };
        out.extend(anchored(Position::Before).map(|a| own(a, false)));
        if !(shared.optional.contains(m) && overlay.hidden.contains(m)) {
            out.push(Step {
                module: *m,
                accent: false,
                orphaned: false,
            });
        }
        out.extend(anchored(Position::After).map(|a| own(a, false)));
    }
    out.extend(orphans(overlay, shared).into_iter().map(|a| own(a, true)));
    out
}

/// An adopted path as the admin sees it.
#[derive(Debug, Serialize)]
pub struct PathAdoptionState {
    pub path_id: Uuid,
    pub title: String,
    pub follow: Follow,
    /// The NZK version learners see now.
    pub shown_version: i32,
    pub latest_version: i32,
    /// Added modules whose anchor is gone from the shown version (shown at the end).
    pub orphaned: usize,
    pub overlay: PathOverlay,
}

impl PathAdoptionState {
    /// A newer NZK version waits for the admin (review mode).
    pub fn update_waiting(&self) -> bool {
        self.shown_version < self.latest_version
    }
}

/// Adopts `path` (a published shared path) or replaces the accents of its adoption, checked
/// against the version the member shows; added modules must be published and the member's own
/// or shared (`accents[i].module`, `unknown_module`).
pub async fn save(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    path: Uuid,
    input: PathAdoptionInput,
) -> AppResult<PathAdoptionState> {
    let PathAdoptionInput {
        follow,
        mut overlay,
    } = input;
    overlay.intro_markdown = overlay.intro_markdown.trim().to_owned();
    let mut seen = HashSet::new();
    overlay.hidden.retain(|m| seen.insert(*m));
    let mut tx = p.db.begin_tenant(tenant).await?;
    let (latest, latest_doc) = paths::latest_shared(&mut tx, path)
        .await?
        .ok_or_else(AppError::not_found)?;
    let existing = repo::get(&mut tx, tenant, path, true).await?;
    let pinned = match (&existing, follow) {
        (Some(a), Follow::Review) if a.follow == "review" => a.pinned_version,
        _ => latest,
    };
    let shown_doc = if pinned == latest {
        latest_doc.0
    } else {
        paths::shared_version(&mut tx, path, pinned)
            .await?
            .ok_or_else(AppError::not_found)?
            .0
    };
    let kept = existing.map(|a| a.overlay.0.accents).unwrap_or_default();
    check(&overlay, &shown_doc, &kept)?;
    let wanted: Vec<Uuid> = overlay.accents.iter().map(|a| a.module).collect();
    let usable = paths::modules(&mut tx, Owner::Member(tenant), &wanted).await?;
    if let Some(i) = wanted
        .iter()
        .position(|m| !usable.iter().any(|u| u.0 == *m))
    {
        return Err(AppError::validation(
            format!("accents[{i}].module"),
            "unknown_module",
            "Kies een gepubliceerde module uit uw eigen aanbod of dat van de Nationale Zorgklas.",
        ));
    }
    repo::upsert(&mut tx, tenant, path, follow.as_str(), pinned, &overlay, by).await?;
    tx.commit().await?;
    super::changed(p, Owner::Member(tenant));
    tracing::info!(path.id = %path, follow = follow.as_str(), "path adoption saved");
    Ok(PathAdoptionState {
        path_id: path,
        follow,
        shown_version: pinned,
        latest_version: latest,
        orphaned: orphans(&overlay, &shown_doc).len(),
        title: shown_doc.title,
        overlay,
    })
}

/// Moves an adopted path in review mode to the latest NZK version.
pub async fn accept_latest(p: &Platform, tenant: TenantId, path: Uuid) -> AppResult<i32> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let (latest, _) = paths::latest_shared(&mut tx, path)
        .await?
        .ok_or_else(AppError::not_found)?;
    if repo::set_pinned(&mut tx, tenant, path, latest).await? == 0 {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    super::changed(p, Owner::Member(tenant));
    Ok(latest)
}

/// Ends an adoption: the accents go, the shared path stays in the catalogue.
pub async fn remove(p: &Platform, tenant: TenantId, path: Uuid) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    if repo::delete(&mut tx, tenant, path).await? == 0 {
        return Err(AppError::not_found());
    }
    tx.commit().await?;
    super::changed(p, Owner::Member(tenant));
    Ok(())
}

/// The member's adopted paths with orphaned accents and waiting versions, each with the shared
/// version it shows.
pub async fn list(p: &Platform, tenant: TenantId) -> AppResult<Vec<(PathAdoptionState, PathDoc)>> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::overview(&mut tx, tenant).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let state = PathAdoptionState {
                path_id: r.path_id,
                title: r.title,
                follow: Follow::from_stored(&r.follow),
                shown_version: r.shown_version,
                latest_version: r.latest_version,
                orphaned: orphans(&r.overlay.0, &r.shown_doc.0).len(),
                overlay: r.overlay.0,
            };
            (state, r.shown_doc.0)
        })
        .collect())
}

/// One adopted path with the shared version it shows (for the editor).
pub async fn get(
    p: &Platform,
    tenant: TenantId,
    path: Uuid,
) -> AppResult<(PathAdoptionState, PathDoc)> {
    list(p, tenant)
        .await?
        .into_iter()
        .find(|(a, _)| a.path_id == path)
        .ok_or_else(AppError::not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(modules: &[Uuid], optional: &[Uuid]) -> PathDoc {
        PathDoc {
            title: "Gedeeld".into(),
            summary: String::new(),
            modules: modules.to_vec(),
            optional: optional.to_vec(),
        }
    }

    fn accent(anchor: Uuid, position: Position, module: Uuid) -> PathAccent {
        PathAccent {
            anchor,
            position,
            module,
        }
    }

    fn steps(s: &[Step]) -> Vec<(Uuid, bool, bool)> {
        s.iter().map(|s| (s.module, s.accent, s.orphaned)).collect()
    }

    #[test]
    fn added_modules_follow_their_anchor_and_orphans_go_to_the_end() {
        let [a, b, c, x, y] = [(); 5].map(|_| Uuid::new_v4());
        let v1 = path(&[a, b, c], &[b]);
        let overlay = PathOverlay {
            intro_markdown: "Bij ons".into(),
            hidden: vec![b],
            accents: vec![
                accent(c, Position::Before, x),
                accent(a, Position::After, y),
            ],
        };
        check(&overlay, &v1, &[]).unwrap();
        assert_eq!(
            steps(&apply(&v1, &overlay)),
            vec![
                (a, false, false),
                (y, true, false),
                (x, true, false),
                (c, false, false)
            ]
        );
        // v2: C moves to the front, A is gone, B is required now.
        let v2 = path(&[c, b], &[]);
        assert_eq!(
            steps(&apply(&v2, &overlay)),
            vec![
                (x, true, false),
                (c, false, false),
                (b, false, false),
                (y, true, true)
            ]
        );
        assert_eq!(orphans(&overlay, &v2).len(), 1);
        // The orphan may stay when the overlay is saved on v2 again, but not be made anew.
        let mut again = overlay.clone();
        again.hidden.clear();
        check(&again, &v2, &overlay.accents).unwrap();
        let e = check(&again, &v2, &[]).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("unknown_module", Some("accents[1].anchor"))
        );
    }

    #[test]
    fn bad_overlays_name_the_field() {
        let [a, b, x] = [(); 3].map(|_| Uuid::new_v4());
        let v = path(&[a, b], &[b]);
        let case = |o: PathOverlay| {
            let e = check(&o, &v, &[]).unwrap_err();
            (e.code, e.field.unwrap_or_default())
        };
        assert_eq!(
            case(PathOverlay {
                hidden: vec![a],
                ..Default::default()
            }),
            ("not_optional", "hidden[0]".into())
        );
        assert_eq!(
            case(PathOverlay {
                hidden: vec![x],
                ..Default::default()
            }),
            ("unknown_module", "hidden[0]".into())
        );
        assert_eq!(
            case(PathOverlay {
                accents: vec![accent(a, Position::After, b)],
                ..Default::default()
            }),
            ("duplicate_module", "accents[0].module".into())
        );
        assert_eq!(
            case(PathOverlay {
                accents: vec![accent(a, Position::After, x), accent(b, Position::After, x)],
                ..Default::default()
            }),
            ("duplicate_module", "accents[1].module".into())
        );
        assert_eq!(
            case(PathOverlay {
                intro_markdown: "<script>x</script>".into(),
                ..Default::default()
            }),
            ("unsafe_markdown", "intro_markdown".into())
        );
    }
}
