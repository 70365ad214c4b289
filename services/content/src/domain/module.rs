//! A module (leereenheid): metadata and an ordered list of blocks, each with an id that stays the
//! same across versions. Pure types and checks; storage is in `repo::modules`.
//!
//! Two levels of checks: [`check_draft`] runs on every save (the document must be well formed and
//! safe), [`check_publishable`] adds what a learner needs before a version is frozen (at least one
//! block, captions on every video: WCAG 1.2.2).

use pulldown_cmark::{Event, Options, Parser, Tag};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;
use zk_kernel::{AppError, AppResult};

/// The document of a module, as drafted and as frozen in a version.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleDoc {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub target_group: String,
    /// mbo level 2, 3 or 4; `None` when the module is not tied to a level.
    #[serde(default)]
    pub mbo_level: Option<i16>,
    /// Estimated study time.
    pub minutes: i32,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub blocks: Vec<Block>,
    /// A module contributed by a member: who, under which licence. Set only when an operator
    /// publishes a candidate; never taken from what an author sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<Attribution>,
    /// How often a learner may try the module's quizzes; none: as often as they like.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryPolicy>,
    /// For modules on risky procedures: how many months a completion stays valid in the
    /// learner's competence passport (1–120); none: it doesn't expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_months: Option<u16>,
    /// Show the questions of its quizzes, and their options, in another order for every
    /// attempt (scoring goes by id, so the order never matters for the score).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shuffle: bool,
}

/// A retry policy for a module's quizzes: after every `attempts` tries at a quiz, the learner
/// waits `wait_minutes` before the next one.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// 1 to 20.
    pub attempts: u8,
    /// 0 to 10,080 (a week).
    pub wait_minutes: u32,
}

/// Credit for a contributed module.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attribution {
    pub member_id: Uuid,
    pub member: String,
    /// `CC-BY-4.0` or `CC-BY-SA-4.0`.
    pub licence: String,
    pub candidate_id: Uuid,
}

impl ModuleDoc {
    /// A document without content (a holder for blocks).
    pub fn empty() -> Self {
        Self {
            title: String::new(),
            summary: String::new(),
            target_group: String::new(),
            mbo_level: None,
            minutes: 0,
            tags: vec![],
            language: default_language(),
            blocks: vec![],
            attribution: None,
            retry: None,
            validity_months: None,
            shuffle: false,
        }
    }
}

fn default_language() -> String {
    "nl".into()
}

/// One block. `id` is absent for a block the author adds; the server gives it one.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Block {
    #[serde(default)]
    pub id: Option<Uuid>,
    /// NZK marks blocks of a shared module that members may hide in their overlay.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    #[serde(flatten)]
    pub body: BlockBody,
}

/// What a block holds. Media blocks refer to an uploaded object by its key.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockBody {
    Text {
        markdown: String,
    },
    Video {
        media: String,
        #[serde(default)]
        poster: Option<String>,
        /// WebVTT captions; required before publishing.
        #[serde(default)]
        captions: Option<String>,
        #[serde(default)]
        title: String,
    },
    Document {
        media: String,
        #[serde(default)]
        title: String,
    },
    Image {
        media: String,
        #[serde(default)]
        alt: String,
    },
    Quiz {
        questions: Vec<Question>,
        /// Percentage of questions answered correctly needed to pass.
        pass_mark: u8,
    },
    Link {
        url: String,
        label: String,
    },
    /// An e-learning package (SCORM 1.2, SCORM 2004 or cmi5): an uploaded zip of kind
    /// `package`, played from the member's package host. What its manifest says is kept with the
    /// media file; a new upload is a new file, so a version keeps the package it was made with.
    Package {
        media: String,
        #[serde(default)]
        title: String,
    },
}

/// A quiz question: single choice (exactly one correct option) or multiple choice.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub prompt: String,
    #[serde(default)]
    pub multiple: bool,
    pub options: Vec<QuizOption>,
}

/// An answer option with its feedback.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuizOption {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub correct: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feedback: String,
}

impl BlockBody {
    /// The machine name of the block type.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Video { .. } => "video",
            Self::Document { .. } => "document",
            Self::Image { .. } => "image",
            Self::Quiz { .. } => "quiz",
            Self::Link { .. } => "link",
            Self::Package { .. } => "package",
        }
    }
}

const MAX_BLOCKS: usize = 200;
const MAX_MARKDOWN: usize = 50_000;

fn invalid(field: String, code: &'static str, message: &'static str) -> AppError {
    AppError::validation(field, code, message)
}

fn check_len(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    message: &'static str,
) -> AppResult<()> {
    let n = value.trim().chars().count();
    if n < min || value.chars().count() > max {
        return Err(invalid(field.into(), "invalid_length", message));
    }
    Ok(())
}

/// Checks a draft as saved: metadata in range, every block well formed and safe, ids unique.
/// `known_ids` are the block ids the module already has (in its draft or any version): a block
/// that names an id outside them is refused, so a reorder cannot smuggle in another module's
/// blocks.
pub fn check_draft(doc: &ModuleDoc, known_ids: &HashSet<Uuid>) -> AppResult<()> {
    check_len(
        "title",
        &doc.title,
        1,
        200,
        "Geef een titel van 1 tot 200 tekens.",
    )?;
    check_len(
        "summary",
        &doc.summary,
        0,
        2000,
        "De samenvatting mag hoogstens 2000 tekens hebben.",
    )?;
    check_len(
        "target_group",
        &doc.target_group,
        0,
        200,
        "De doelgroep mag hoogstens 200 tekens hebben.",
    )?;
    if let Some(level) = doc.mbo_level {
        if !(2..=4).contains(&level) {
            return Err(invalid(
                "mbo_level".into(),
                "invalid_level",
                "Kies mbo-niveau 2, 3 of 4, of geen niveau.",
            ));
        }
    }
    if !(1..=6000).contains(&doc.minutes) {
        return Err(invalid(
            "minutes".into(),
            "invalid_minutes",
            "Geef de studieduur in minuten (1 tot 6000).",
        ));
    }
    if doc.tags.len() > 20 {
        return Err(invalid(
            "tags".into(),
            "too_many_tags",
            "Geef hoogstens 20 competenties of trefwoorden.",
        ));
    }
    for (i, tag) in doc.tags.iter().enumerate() {
        check_len(
            &format!("tags[{i}]"),
            tag,
            1,
            60,
            "Een trefwoord heeft 1 tot 60 tekens.",
        )?;
    }
    if !["nl", "en"].contains(&doc.language.as_str()) {
        return Err(invalid(
            "language".into(),
            "invalid_language",
            "Kies Nederlands (nl) of Engels (en).",
        ));
    }
    if doc.validity_months.is_some_and(|m| !(1..=120).contains(&m)) {
        return Err(invalid(
            "validity_months".into(),
            "invalid_validity",
            "Geef de geldigheid in maanden (1 tot 120), of laat haar leeg.",
        ));
    }
    if let Some(r) = doc.retry {
        if !(1..=20).contains(&r.attempts) {
            return Err(invalid(
                "retry.attempts".into(),
                "invalid_retry",
                "Geef 1 tot 20 pogingen per ronde.",
            ));
        }
        if r.wait_minutes > 10_080 {
            return Err(invalid(
                "retry.wait_minutes".into(),
                "invalid_retry",
                "De wachttijd is hoogstens een week (10.080 minuten).",
            ));
        }
    }
    if doc.blocks.len() > MAX_BLOCKS {
        return Err(invalid(
            "blocks".into(),
            "too_many_blocks",
            "Een module heeft hoogstens 200 blokken.",
        ));
    }
    let mut seen = HashSet::new();
    for (i, block) in doc.blocks.iter().enumerate() {
        if let Some(id) = block.id {
            if !known_ids.contains(&id) {
                return Err(invalid(
                    format!("blocks[{i}].id"),
                    "unknown_block",
                    "Dit blok hoort niet bij deze module. Laat het id weg voor een nieuw blok.",
                ));
            }
            if !seen.insert(id) {
                return Err(invalid(
                    format!("blocks[{i}].id"),
                    "duplicate_block",
                    "Dit blok staat twee keer in de module.",
                ));
            }
        }
        check_block(&format!("blocks[{i}]"), &block.body)?;
    }
    Ok(())
}

/// Checks one block's content; `prefix` names it in errors (`blocks[3]`, `accents[0].block`).
pub fn check_block(prefix: &str, body: &BlockBody) -> AppResult<()> {
    let f = |name: &str| format!("{prefix}.{name}");
    match body {
        BlockBody::Text { markdown } => {
            if markdown.trim().is_empty() || markdown.len() > MAX_MARKDOWN {
                return Err(invalid(
                    f("markdown"),
                    "invalid_length",
                    "Een tekstblok heeft 1 tot 50.000 tekens.",
                ));
            }
            check_markdown(markdown)
                .map_err(|message| invalid(f("markdown"), "unsafe_markdown", message))
        }
        BlockBody::Video {
            media,
            poster,
            captions,
            title,
        } => {
            check_media_key(&f("media"), media)?;
            if let Some(p) = poster {
                check_media_key(&f("poster"), p)?;
            }
            if let Some(c) = captions {
                check_media_key(&f("captions"), c)?;
            }
            check_len(
                &f("title"),
                title,
                0,
                200,
                "Een titel heeft hoogstens 200 tekens.",
            )
        }
        BlockBody::Document { media, title } | BlockBody::Package { media, title } => {
            check_media_key(&f("media"), media)?;
            check_len(
                &f("title"),
                title,
                0,
                200,
                "Een titel heeft hoogstens 200 tekens.",
            )
        }
        BlockBody::Image { media, alt } => {
            check_media_key(&f("media"), media)?;
            if alt.trim().is_empty() {
                return Err(invalid(
                    f("alt"),
                    "missing_alt",
                    "Beschrijf wat de afbeelding laat zien (alternatieve tekst); dat is verplicht voor wie niet kan zien.",
                ));
            }
            check_len(
                &f("alt"),
                alt,
                1,
                500,
                "De alternatieve tekst heeft hoogstens 500 tekens.",
            )
        }
        BlockBody::Quiz {
            questions,
            pass_mark,
        } => {
            if questions.is_empty() || questions.len() > 100 {
                return Err(invalid(
                    f("questions"),
                    "invalid_quiz",
                    "Een toets heeft 1 tot 100 vragen.",
                ));
            }
            if *pass_mark > 100 {
                return Err(invalid(
                    f("pass_mark"),
                    "invalid_pass_mark",
                    "De cesuur is een percentage van 0 tot 100.",
                ));
            }
            for (q, question) in questions.iter().enumerate() {
                let qf = |name: &str| format!("{prefix}.questions[{q}].{name}");
                check_len(
                    &qf("prompt"),
                    &question.prompt,
                    1,
                    1000,
                    "Een vraag heeft 1 tot 1000 tekens.",
                )?;
                if question.options.len() < 2 || question.options.len() > 10 {
                    return Err(invalid(
                        qf("options"),
                        "invalid_quiz",
                        "Een vraag heeft 2 tot 10 antwoordmogelijkheden.",
                    ));
                }
                for (o, option) in question.options.iter().enumerate() {
                    let of = format!("{prefix}.questions[{q}].options[{o}]");
                    check_len(
                        &format!("{of}.text"),
                        &option.text,
                        1,
                        500,
                        "Een antwoord heeft 1 tot 500 tekens.",
                    )?;
                    check_len(
                        &format!("{of}.feedback"),
                        &option.feedback,
                        0,
                        1000,
                        "Feedback heeft hoogstens 1000 tekens.",
                    )?;
                }
                let correct = question.options.iter().filter(|o| o.correct).count();
                if correct == 0 {
                    return Err(invalid(
                        qf("options"),
                        "quiz_no_correct",
                        "Markeer minstens één goed antwoord.",
                    ));
                }
                if !question.multiple && correct > 1 {
                    return Err(invalid(
                        qf("options"),
                        "quiz_single_choice",
                        "Bij een vraag met één antwoord is precies één antwoord goed. Kies 'meerdere antwoorden' als er meer goed zijn.",
                    ));
                }
            }
            Ok(())
        }
        BlockBody::Link { url, label } => {
            check_len(
                &f("label"),
                label,
                1,
                200,
                "Geef de link een omschrijving van 1 tot 200 tekens.",
            )?;
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://"))
                || url.len() > 2000
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(invalid(
                    f("url"),
                    "invalid_url",
                    "Geef een volledig webadres dat begint met https://.",
                ));
            }
            Ok(())
        }
    }
}

/// A media reference: the id of an uploaded file (`POST /api/v1/content/media`). Here only its
/// shape; that it exists, is the owner's (or the portfolio's), is confirmed and of the right kind
/// is checked against the database by [`media_refs`]' callers.
fn check_media_key(field: &str, key: &str) -> AppResult<()> {
    if key.parse::<Uuid>().is_ok() {
        Ok(())
    } else {
        Err(invalid(
            field.into(),
            "invalid_media",
            "Kies een bestand dat u hebt geüpload.",
        ))
    }
}

/// Every media file a list of blocks refers to: (field, id, kind it must be).
pub fn media_refs(prefix: &str, blocks: &[Block]) -> Vec<(String, Uuid, &'static str)> {
    let mut out = Vec::new();
    let mut add = |field: String, v: &str, kind: &'static str| {
        if let Ok(id) = v.parse() {
            out.push((field, id, kind));
        }
    };
    for (i, b) in blocks.iter().enumerate() {
        let f = |name: &str| format!("{prefix}[{i}].{name}");
        match &b.body {
            BlockBody::Video {
                media,
                poster,
                captions,
                ..
            } => {
                add(f("media"), media, "video");
                if let Some(p) = poster {
                    add(f("poster"), p, "image");
                }
                if let Some(c) = captions {
                    add(f("captions"), c, "captions");
                }
            }
            BlockBody::Document { media, .. } => add(f("media"), media, "document"),
            BlockBody::Image { media, .. } => add(f("media"), media, "image"),
            BlockBody::Package { media, .. } => add(f("media"), media, "package"),
            _ => {}
        }
    }
    out
}

/// Points every media reference of `blocks` through `map` (old id → new id).
pub fn remap_media(blocks: &mut [Block], map: &std::collections::HashMap<Uuid, Uuid>) {
    let swap = |v: &mut String| {
        if let Some(new) = v.parse().ok().and_then(|id: Uuid| map.get(&id)) {
            *v = new.to_string();
        }
    };
    for b in blocks {
        match &mut b.body {
            BlockBody::Video {
                media,
                poster,
                captions,
                ..
            } => {
                swap(media);
                if let Some(p) = poster {
                    swap(p);
                }
                if let Some(c) = captions {
                    swap(c);
                }
            }
            BlockBody::Document { media, .. }
            | BlockBody::Image { media, .. }
            | BlockBody::Package { media, .. } => swap(media),
            _ => {}
        }
    }
}

/// Markdown an author may save: no raw HTML (it could run script or break the page), no images
/// (they need an image block with alternative text), links only to http(s), mailto or the site.
pub fn check_markdown(markdown: &str) -> Result<(), &'static str> {
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => {
                return Err("HTML is niet toegestaan in tekst. Gebruik Markdown voor opmaak.")
            }
            Event::Start(Tag::Image { .. }) => {
                return Err(
                    "Zet een afbeelding in een eigen afbeeldingsblok, met een beschrijving.",
                )
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                let lower = dest_url.to_ascii_lowercase();
                let safe = ["http://", "https://", "mailto:"]
                    .iter()
                    .any(|p| lower.starts_with(p))
                    || (dest_url.starts_with('/') && !dest_url.starts_with("//"));
                if !safe {
                    return Err("Een link in de tekst moet beginnen met https://, mailto: of /.");
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks what publishing needs beyond a valid draft.
pub fn check_publishable(doc: &ModuleDoc) -> AppResult<()> {
    if doc.blocks.is_empty() {
        return Err(invalid(
            "blocks".into(),
            "empty_module",
            "Voeg minstens één blok toe voordat u publiceert.",
        ));
    }
    for (i, block) in doc.blocks.iter().enumerate() {
        check_block_publishable(&format!("blocks[{i}]"), &block.body)?;
    }
    Ok(())
}

/// What one block needs before learners see it: captions on a video.
pub fn check_block_publishable(prefix: &str, body: &BlockBody) -> AppResult<()> {
    if let BlockBody::Video { captions: None, .. } = body {
        return Err(invalid(
            format!("{prefix}.captions"),
            "captions_required",
            "Voeg ondertiteling (WebVTT) toe aan deze video voordat u publiceert (WCAG 1.2.2).",
        ));
    }
    Ok(())
}

/// Gives every new block, question and option an id, so ids stay stable from the first save on.
pub fn assign_ids(doc: &mut ModuleDoc) {
    doc.blocks.iter_mut().for_each(assign_block_ids);
}

/// Gives a block, and a quiz's questions and options, an id where they have none.
pub fn assign_block_ids(block: &mut Block) {
    block.id.get_or_insert_with(Uuid::new_v4);
    if let BlockBody::Quiz { questions, .. } = &mut block.body {
        for q in questions {
            q.id.get_or_insert_with(Uuid::new_v4);
            for o in &mut q.options {
                o.id.get_or_insert_with(Uuid::new_v4);
            }
        }
    }
}

/// Trims tags and drops duplicates, keeping the author's order.
pub fn normalise(doc: &mut ModuleDoc) {
    doc.title = doc.title.trim().to_owned();
    doc.summary = doc.summary.trim().to_owned();
    doc.target_group = doc.target_group.trim().to_owned();
    let mut seen = HashSet::new();
    doc.tags = doc
        .tags
        .iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| seen.insert(t.clone()))
        .collect();
}

/// The block ids of a document.
pub fn block_ids(doc: &ModuleDoc) -> impl Iterator<Item = Uuid> + '_ {
    doc.blocks.iter().filter_map(|b| b.id)
}

/// The document as a learner sees it: quiz answers are scored on the server, so which option is
/// correct and the feedback per option stay out of what is sent (both are skipped when unset).
/// The order in which a learner sees `ids` in one attempt: sorted by a hash of the seed (the
/// enrolment, the quiz and the number of attempts so far) and the id. The same page shows the
/// same order until the learner answers; the next attempt gets another.
pub fn shuffled<T>(items: &mut [T], id: impl Fn(&T) -> Option<Uuid>, seed: &[u8]) {
    items.sort_by_cached_key(|item| {
        zk_kernel::crypto::hmac_sha256(seed, id(item).unwrap_or_default().as_bytes())
    });
}

/// A learner's seed for a quiz: enrolment, quiz block and how many attempts came before.
pub fn shuffle_seed(enrolment: Uuid, block: Uuid, attempts: i64) -> Vec<u8> {
    let mut seed = Vec::with_capacity(40);
    seed.extend_from_slice(enrolment.as_bytes());
    seed.extend_from_slice(block.as_bytes());
    seed.extend_from_slice(&attempts.to_be_bytes());
    seed
}

pub fn learner_view(doc: &ModuleDoc) -> ModuleDoc {
    let mut out = doc.clone();
    out.blocks.iter_mut().for_each(hide_answers);
    out
}

/// Takes the answers and feedback out of a quiz block.
pub fn hide_answers(block: &mut Block) {
    if let BlockBody::Quiz { questions, .. } = &mut block.body {
        for q in questions {
            for o in &mut q.options {
                o.correct = false;
                o.feedback.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_shuffled_order_holds_within_an_attempt_and_changes_with_the_next() {
        let ids: Vec<Uuid> = (1..=8u128).map(Uuid::from_u128).collect();
        let order = |attempts: i64| {
            let mut v = ids.clone();
            shuffled(
                &mut v,
                |u| Some(*u),
                &shuffle_seed(Uuid::from_u128(99), Uuid::from_u128(7), attempts),
            );
            v
        };
        assert_eq!(order(0), order(0));
        assert_ne!(order(0), order(1));
        let mut sorted = order(1);
        sorted.sort();
        assert_eq!(sorted, ids);
    }

    fn doc(blocks: serde_json::Value) -> ModuleDoc {
        serde_json::from_value(json!({
            "title": "Medicatie veilig toedienen", "minutes": 30, "mbo_level": 3,
            "tags": [" Medicatie ", "medicatie", "veiligheid"], "blocks": blocks
        }))
        .unwrap()
    }

    fn err(d: &ModuleDoc) -> AppError {
        check_draft(d, &HashSet::new()).unwrap_err()
    }

    #[test]
    fn a_good_draft_passes_and_gets_ids() {
        let mut d = doc(json!([
            {"type": "text", "markdown": "# Inleiding\n\nLees [de richtlijn](https://example.org)."},
            {"type": "quiz", "pass_mark": 50, "questions": [{"prompt": "Wie?", "options": [
                {"text": "Ik", "correct": true, "feedback": "Goed"}, {"text": "Jij"}]}]},
            {"type": "link", "url": "https://example.org/a", "label": "Richtlijn"}
        ]));
        normalise(&mut d);
        assert_eq!(d.tags, vec!["medicatie", "veiligheid"]);
        check_draft(&d, &HashSet::new()).unwrap();
        assign_ids(&mut d);
        assert_eq!(block_ids(&d).count(), 3);
        check_publishable(&d).unwrap();
    }

    #[test]
    fn unsafe_markdown_is_refused() {
        for md in [
            "<script>alert(1)</script>",
            "hallo <img src=x onerror=alert(1)>",
            "[klik](javascript:alert(1))",
            "![foto](https://example.org/x.png)",
        ] {
            let e = err(&doc(json!([{"type": "text", "markdown": md}])));
            assert_eq!(
                (e.code, e.field.as_deref()),
                ("unsafe_markdown", Some("blocks[0].markdown")),
                "{md}"
            );
        }
    }

    #[test]
    fn image_needs_alt_and_quiz_a_correct_answer() {
        let e = err(&doc(
            json!([{"type": "image", "media": Uuid::new_v4(), "alt": "  "}]),
        ));
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("missing_alt", Some("blocks[0].alt"))
        );
        let e = err(&doc(
            json!([{"type": "quiz", "pass_mark": 60, "questions": [
            {"prompt": "?", "options": [{"text": "a"}, {"text": "b"}]}]}]),
        ));
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("quiz_no_correct", Some("blocks[0].questions[0].options"))
        );
        let e = err(&doc(
            json!([{"type": "quiz", "pass_mark": 60, "questions": [
            {"prompt": "?", "options": [{"text": "a", "correct": true}, {"text": "b", "correct": true}]}]}]),
        ));
        assert_eq!(e.code, "quiz_single_choice");
    }

    #[test]
    fn foreign_and_duplicate_block_ids_are_refused() {
        let id = Uuid::new_v4();
        let d = doc(json!([{"id": id, "type": "text", "markdown": "a"}]));
        assert_eq!(err(&d).code, "unknown_block");
        let known = HashSet::from([id]);
        check_draft(&d, &known).unwrap();
        let d = doc(
            json!([{"id": id, "type": "text", "markdown": "a"}, {"id": id, "type": "text", "markdown": "b"}]),
        );
        assert_eq!(check_draft(&d, &known).unwrap_err().code, "duplicate_block");
    }

    #[test]
    fn video_needs_captions_to_publish_but_not_to_save() {
        let d = doc(json!([{"type": "video", "media": Uuid::new_v4()}]));
        check_draft(&d, &HashSet::new()).unwrap();
        let e = check_publishable(&d).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("captions_required", Some("blocks[0].captions"))
        );
        assert_eq!(
            check_publishable(&doc(json!([]))).unwrap_err().code,
            "empty_module"
        );
    }

    #[test]
    fn metadata_bounds_and_links() {
        let mut d = doc(json!([]));
        d.mbo_level = Some(5);
        assert_eq!(err(&d).field.as_deref(), Some("mbo_level"));
        let mut d = doc(json!([]));
        d.minutes = 0;
        assert_eq!(err(&d).field.as_deref(), Some("minutes"));
        let d = doc(json!([{"type": "link", "url": "javascript:alert(1)", "label": "x"}]));
        assert_eq!(err(&d).code, "invalid_url");
        let d = doc(json!([{"type": "document", "media": "../etc/passwd"}]));
        assert_eq!(err(&d).code, "invalid_media");
        let (v, c) = (Uuid::new_v4(), Uuid::new_v4());
        let d = doc(
            json!([{"type": "video", "media": v, "captions": c}, {"type": "text", "markdown": "x"}]),
        );
        let refs = media_refs("blocks", &d.blocks);
        assert_eq!(
            refs,
            vec![
                ("blocks[0].media".to_owned(), v, "video"),
                ("blocks[0].captions".to_owned(), c, "captions")
            ]
        );
    }

    #[test]
    fn learners_never_get_the_answers() {
        let d = doc(
            json!([{"type": "quiz", "pass_mark": 50, "questions": [{"prompt": "?", "options": [
            {"text": "a", "correct": true, "feedback": "ja"}, {"text": "b"}]}]}]),
        );
        let v = serde_json::to_string(&learner_view(&d)).unwrap();
        assert!(!v.contains("\"correct\":true") && !v.contains("ja"), "{v}");
    }
}
