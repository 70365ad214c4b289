//! 80/20 overlays: a member's accents on a shared module, kept against block ids (never a copy),
//! and how they are laid over whichever shared version the member shows. Pure functions.
//!
//! The rules:
//! - an accent sits before or after a named shared block and follows that block wherever a new
//!   version moves it;
//! - an accent whose block is gone from the version shown is an orphan: it stays visible, moved
//!   to the end and flagged (never dropped);
//! - a block can be hidden only while NZK marks it optional; if a new version makes it required,
//!   it shows again;
//! - a member's pass mark for a quiz may be stricter than NZK's, never more lenient.

use super::module::{self, Block, BlockBody, ModuleDoc};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use zk_kernel::{AppError, AppResult};

pub use crate::model::Position;

/// One of the member's own blocks, anchored to a shared block.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Accent {
    pub anchor: Uuid,
    pub position: Position,
    pub block: Block,
}

/// The member's accents on one shared module.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// The member's own introduction, shown above the module.
    #[serde(default)]
    pub intro_markdown: String,
    /// Optional shared blocks the member leaves out.
    #[serde(default)]
    pub hidden: Vec<Uuid>,
    /// Stricter pass marks per quiz block.
    #[serde(default)]
    pub pass_marks: HashMap<Uuid, u8>,
    #[serde(default)]
    pub accents: Vec<Accent>,
}

/// Who a shown block comes from.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Nzk,
    Own,
}

/// A block as shown, with where it came from.
#[derive(Clone, Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ShownBlock {
    pub origin: Origin,
    /// An accent whose anchor is gone from this version (shown at the end).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub orphaned: bool,
    #[serde(flatten)]
    pub block: Block,
}

/// Checks an overlay against the shared version it is saved on; gives new accents ids.
/// `known_accent_ids` are the ids the overlay had: an accent may keep one of those or get a new
/// one, nothing else.
pub fn check(
    overlay: &mut Overlay,
    shared: &ModuleDoc,
    known_accent_ids: &HashSet<Uuid>,
) -> AppResult<()> {
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
    let by_id: HashMap<Uuid, &Block> = shared
        .blocks
        .iter()
        .filter_map(|b| b.id.map(|id| (id, b)))
        .collect();
    for (i, id) in overlay.hidden.iter().enumerate() {
        match by_id.get(id) {
            None => {
                return Err(AppError::validation(
                    format!("hidden[{i}]"),
                    "unknown_block",
                    "Dit blok hoort niet bij deze module.",
                ))
            }
            Some(b) if !b.optional => {
                return Err(AppError::validation(
                    format!("hidden[{i}]"),
                    "not_optional",
                    "Dit blok is verplicht: de Nationale Zorgklas heeft het niet als optioneel gemarkeerd.",
                ))
            }
            Some(_) => {}
        }
    }
    for (id, mark) in &overlay.pass_marks {
        let field = format!("pass_marks.{id}");
        let Some(Block {
            body: BlockBody::Quiz { pass_mark, .. },
            ..
        }) = by_id.get(id).copied()
        else {
            return Err(AppError::validation(
                field,
                "unknown_block",
                "Dit is geen toets van deze module.",
            ));
        };
        if *mark < *pass_mark || *mark > 100 {
            return Err(AppError::validation(
                field,
                "pass_mark_out_of_bounds",
                format!(
                    "Kies een cesuur van {pass_mark} tot 100 %: strenger dan de Nationale Zorgklas mag, soepeler niet."
                ),
            ));
        }
    }
    if overlay.accents.len() > 100 {
        return Err(AppError::validation(
            "accents",
            "too_many_blocks",
            "Voeg hoogstens 100 eigen blokken toe.",
        ));
    }
    let mut seen = HashSet::new();
    for (i, accent) in overlay.accents.iter().enumerate() {
        if !by_id.contains_key(&accent.anchor) {
            return Err(AppError::validation(
                format!("accents[{i}].anchor"),
                "unknown_block",
                "Kies een blok van deze module om uw blok bij te plaatsen.",
            ));
        }
        if let Some(id) = accent.block.id {
            if !known_accent_ids.contains(&id) || !seen.insert(id) {
                return Err(AppError::validation(
                    format!("accents[{i}].block.id"),
                    "unknown_block",
                    "Dit blok hoort niet bij uw aanvulling. Laat het id weg voor een nieuw blok.",
                ));
            }
        }
        module::check_block(&format!("accents[{i}].block"), &accent.block.body)?;
        module::check_block_publishable(&format!("accents[{i}].block"), &accent.block.body)?;
    }
    for accent in &mut overlay.accents {
        accent.block.optional = false;
        module::assign_block_ids(&mut accent.block);
    }
    Ok(())
}

/// The ids of the overlay's own blocks.
pub fn accent_ids(overlay: &Overlay) -> HashSet<Uuid> {
    overlay.accents.iter().filter_map(|a| a.block.id).collect()
}

/// Accents whose anchor is not in `shared` (they would show at the end).
pub fn orphans<'a>(overlay: &'a Overlay, shared: &ModuleDoc) -> Vec<&'a Accent> {
    let ids: HashSet<Uuid> = module::block_ids(shared).collect();
    overlay
        .accents
        .iter()
        .filter(|a| !ids.contains(&a.anchor))
        .collect()
}

/// Lays the overlay over a shared version: the blocks in the order a learner sees them. An
/// accent whose anchor is gone (an orphan, see [`orphans`]) is left out: a note out of its
/// context (in a medication-safety module, say) is worse than none. It shows again once the
/// member's admin places it again; until then the admin's pages name it.
pub fn apply(shared: &ModuleDoc, overlay: &Overlay) -> Vec<ShownBlock> {
    let own = |a: &Accent, orphaned: bool| ShownBlock {
        origin: Origin::Own,
        orphaned,
        block: a.block.clone(),
    };
    let hidden: HashSet<Uuid> = overlay.hidden.iter().copied().collect();
    let mut out = Vec::with_capacity(shared.blocks.len() + overlay.accents.len());
    for b in &shared.blocks {
        let id = b.id;
        let anchored = |p: Position| {
            overlay
                .accents
                .iter()
                .filter(move |a| Some(a.anchor) == id && a.position == p)
        };
        out.extend(anchored(Position::Before).map(|a| own(a, false)));
        let hide = b.optional && id.is_some_and(|id| hidden.contains(&id));
        if !hide {
            let mut block = b.clone();
            if let (BlockBody::Quiz { pass_mark, .. }, Some(id)) = (&mut block.body, id) {
                if let Some(mark) = overlay.pass_marks.get(&id) {
                    *pass_mark = (*mark).max(*pass_mark).min(100);
                }
            }
            out.push(ShownBlock {
                origin: Origin::Nzk,
                orphaned: false,
                block,
            });
        }
        out.extend(anchored(Position::After).map(|a| own(a, false)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shared(blocks: serde_json::Value) -> ModuleDoc {
        serde_json::from_value(json!({"title": "Gedeeld", "minutes": 10, "blocks": blocks}))
            .unwrap()
    }

    fn ids(shown: &[ShownBlock]) -> Vec<(Origin, Uuid, bool)> {
        shown
            .iter()
            .map(|s| (s.origin, s.block.id.unwrap(), s.orphaned))
            .collect()
    }

    #[test]
    fn accents_follow_their_blocks_and_orphans_are_left_out() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let v1 = shared(json!([
            {"id": a, "type": "text", "markdown": "A"},
            {"id": b, "type": "text", "markdown": "B", "optional": true},
            {"id": c, "type": "text", "markdown": "C"}
        ]));
        let mut overlay: Overlay = serde_json::from_value(json!({
            "hidden": [b],
            "accents": [
                {"anchor": c, "position": "before", "block": {"type": "text", "markdown": "voor C"}},
                {"anchor": a, "position": "after", "block": {"type": "text", "markdown": "na A"}}
            ]
        }))
        .unwrap();
        check(&mut overlay, &v1, &HashSet::new()).unwrap();
        let (voor_c, na_a) = (
            overlay.accents[0].block.id.unwrap(),
            overlay.accents[1].block.id.unwrap(),
        );
        use Origin::*;
        assert_eq!(
            ids(&apply(&v1, &overlay)),
            vec![
                (Nzk, a, false),
                (Own, na_a, false),
                (Own, voor_c, false),
                (Nzk, c, false)
            ]
        );
        // v2: C moves to the front, A is removed, B becomes required.
        let v2 = shared(json!([
            {"id": c, "type": "text", "markdown": "C2"},
            {"id": b, "type": "text", "markdown": "B"}
        ]));
        assert_eq!(
            ids(&apply(&v2, &overlay)),
            vec![(Own, voor_c, false), (Nzk, c, false), (Nzk, b, false)],
            "the accent that lost its anchor is not shown to learners"
        );
        assert_eq!(orphans(&overlay, &v2).len(), 1, "but its admin is told");
    }

    #[test]
    fn bad_overlays_name_the_field() {
        let (a, q) = (Uuid::new_v4(), Uuid::new_v4());
        let v = shared(json!([
            {"id": a, "type": "text", "markdown": "A"},
            {"id": q, "type": "quiz", "pass_mark": 60, "questions": [{"prompt": "?", "options": [{"text": "x", "correct": true}, {"text": "y"}]}]}
        ]));
        let mut o: Overlay = serde_json::from_value(json!({"hidden": [a]})).unwrap();
        assert_eq!(
            check(&mut o, &v, &HashSet::new()).unwrap_err().code,
            "not_optional"
        );
        let mut o: Overlay =
            serde_json::from_value(json!({"pass_marks": {q.to_string(): 50}})).unwrap();
        let e = check(&mut o, &v, &HashSet::new()).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (
                "pass_mark_out_of_bounds",
                Some(format!("pass_marks.{q}").as_str())
            )
        );
        let mut o: Overlay =
            serde_json::from_value(json!({"pass_marks": {q.to_string(): 80}})).unwrap();
        check(&mut o, &v, &HashSet::new()).unwrap();
        let shown = apply(&v, &o);
        assert!(matches!(
            shown[1].block.body,
            BlockBody::Quiz { pass_mark: 80, .. }
        ));
        let mut o: Overlay = serde_json::from_value(json!({"accents": [
            {"anchor": Uuid::new_v4(), "position": "after", "block": {"type": "text", "markdown": "x"}}]})).unwrap();
        assert_eq!(
            check(&mut o, &v, &HashSet::new())
                .unwrap_err()
                .field
                .as_deref(),
            Some("accents[0].anchor")
        );
        let mut o: Overlay = serde_json::from_value(json!({"accents": [
            {"anchor": a, "position": "after", "block": {"type": "text", "markdown": "<script>x</script>"}}]})).unwrap();
        assert_eq!(
            check(&mut o, &v, &HashSet::new()).unwrap_err().code,
            "unsafe_markdown"
        );
    }
}
