//! The SCORM run-time data model as the server sees it on a Commit: the SCO's runtime (in the
//! browser) sends the elements the SCO has set as a flat map of element → string value
//! (`cmi.core.lesson_status` → `passed`, `cmi.interactions.0.id` → `q1`, …). [`check_commit`]
//! refuses what the SCO may not set or what is malformed, naming the element, [`outcome`] reads
//! what the platform records (completed, passed, score, bookmark, session time), and
//! [`parse_timespan_12`], [`parse_duration_2004`] and [`add_time`] handle the two time formats.
//!
//! Sources: the SCORM 1.2 RTE (section 3.4, the `cmi` data model) and the SCORM 2004 4th edition
//! RTE (section 4, IEEE 1484.11.1). Where the specification is strict to the point of losing a
//! learner's work, this module is lenient on purpose (see [`check_commit`]).
//!
//! Pure and synchronous: no HTTP, no database.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use zk_kernel::AppError;

/// The SCORM version whose data model a SCO speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// SCORM 1.2 (`cmi.core.*`).
    Scorm12,
    /// SCORM 2004 (2nd, 3rd or 4th edition; checked against the 4th).
    Scorm2004,
}

impl Version {
    /// The version's name in messages.
    fn name(self) -> &'static str {
        match self {
            Self::Scorm12 => "SCORM 1.2",
            Self::Scorm2004 => "SCORM 2004",
        }
    }
}

/// The most elements one commit may hold.
pub const MAX_ELEMENTS: usize = 5_000;
/// The most bytes (element names and values together) one commit may hold.
pub const MAX_TOTAL_BYTES: usize = 1 << 20;
/// SCORM 1.2 `cmi.suspend_data`, in characters: the specification's 4,096 is far too little for
/// Storyline or Captivate, which write more; like the major LMSs, 64 KiB is accepted.
pub const MAX_SUSPEND_DATA_12: usize = 65_536;
/// SCORM 2004 `cmi.suspend_data` (4th edition), in characters.
pub const MAX_SUSPEND_DATA_2004: usize = 64_000;
/// Free text the learner types (responses, comments, descriptions), in characters: more than
/// the specifications' minimums so that a long answer does not cost the whole commit.
const MAX_FREE_TEXT: usize = 65_536;

/// What kind of refusal a [`CommitError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// More than [`MAX_ELEMENTS`] elements.
    TooManyElements,
    /// More than [`MAX_TOTAL_BYTES`] in all.
    TooLarge,
    /// The element is not in the version's data model (or its index is malformed).
    UnknownElement,
    /// The element is read-only for the SCO (set by the platform), or a keyword
    /// (`_children`, `_count`, `_version`).
    ReadOnly,
    /// The value has the wrong format or is not in the element's vocabulary.
    BadValue,
    /// The value is a number outside the element's range.
    OutOfRange,
    /// The value is longer than the element allows.
    TooLong,
    /// A collection's indexes do not run 0, 1, 2, … without a gap.
    IndexGap,
    /// SCORM 2004: an interaction's or objective's element without its `id`.
    MissingId,
}

impl Refusal {
    /// The stable snake_case code of this kind of refusal.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooManyElements => "scorm_too_many_elements",
            Self::TooLarge => "scorm_commit_too_large",
            Self::UnknownElement => "scorm_unknown_element",
            Self::ReadOnly => "scorm_read_only",
            Self::BadValue => "scorm_bad_value",
            Self::OutOfRange => "scorm_out_of_range",
            Self::TooLong => "scorm_value_too_long",
            Self::IndexGap => "scorm_index_gap",
            Self::MissingId => "scorm_missing_id",
        }
    }
}

/// A refused commit: the first problem found, with the element it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitError {
    /// What kind of problem.
    pub kind: Refusal,
    /// The element concerned (`cmi` for the commit as a whole).
    pub element: String,
    /// What is wrong, in Dutch.
    pub message: String,
}

impl CommitError {
    /// The stable snake_case code of the refusal (see [`Refusal::code`]).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// A refusal of this kind about `element`.
    fn new(kind: Refusal, element: &str, message: String) -> Self {
        Self {
            kind,
            element: element.to_owned(),
            message,
        }
    }
}

impl fmt::Display for CommitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.element, self.code(), self.message)
    }
}

impl std::error::Error for CommitError {}

impl From<CommitError> for AppError {
    /// A 422 whose field is the element.
    fn from(e: CommitError) -> Self {
        AppError::validation(e.element, e.kind.code(), e.message)
    }
}

/// How an element's value must look.
#[derive(Clone, Copy, Debug)]
enum Format {
    /// One of these words.
    Vocab(&'static [&'static str]),
    /// A decimal number (no exponent) in `min..=max`; `blank` also allows `""` (SCORM 1.2's
    /// CMIBlank, for scores).
    Decimal { min: f64, max: f64, blank: bool },
    /// An integer in `min..=max`.
    Integer { min: i64, max: i64 },
    /// Any text of at most this many characters.
    Text(usize),
    /// An identifier: no control characters, at least `min` and at most `max` characters.
    Identifier { min: usize, max: usize },
    /// SCORM 1.2 CMITimespan `HHHH:MM:SS.SS`.
    Timespan12,
    /// SCORM 1.2 CMITime `HH:MM:SS.SS`.
    Time12,
    /// SCORM 2004 timeinterval, an ISO 8601 duration.
    Duration2004,
    /// SCORM 2004 time, an ISO 8601 point in time.
    Timestamp2004,
    /// One of these words, or a decimal number.
    VocabOrDecimal(&'static [&'static str]),
    /// SCORM 2004 `adl.nav.request`.
    NavRequest,
}

/// What the SCO may do with an element.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Set by the platform only.
    ReadOnly,
    /// `_children`, `_count`, `_version`.
    Keyword,
    /// The SCO may set it, in this format.
    Write(Format),
}

const ANY: f64 = f64::INFINITY;
const STATUS_12: &[&str] = &[
    "passed",
    "completed",
    "failed",
    "incomplete",
    "browsed",
    "not attempted",
];
const EXIT_12: &[&str] = &["time-out", "suspend", "logout", ""];
const TYPE_12: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
];
const RESULT_12: &[&str] = &["correct", "wrong", "unanticipated", "neutral"];
const COMPLETION_2004: &[&str] = &["completed", "incomplete", "not attempted", "unknown"];
const SUCCESS_2004: &[&str] = &["passed", "failed", "unknown"];
const EXIT_2004: &[&str] = &["time-out", "suspend", "logout", "normal", ""];
const TYPE_2004: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "likert",
    "matching",
    "performance",
    "sequencing",
    "numeric",
    "other",
];
const RESULT_2004: &[&str] = &["correct", "incorrect", "unanticipated", "neutral"];
const NAV_2004: &[&str] = &[
    "continue",
    "previous",
    "choice",
    "jump",
    "exit",
    "exitAll",
    "abandon",
    "abandonAll",
    "suspendAll",
    "_none_",
];

/// A SCORM 1.2 score (raw, min or max): CMIDecimal or CMIBlank, 0–100 (as the conformance
/// test suite and the common runtimes require).
const SCORE_12: Format = Format::Decimal {
    min: 0.0,
    max: 100.0,
    blank: true,
};
/// Any decimal number.
const DECIMAL: Format = Format::Decimal {
    min: -ANY,
    max: ANY,
    blank: false,
};
/// SCORM 2004 `score.scaled`.
const SCALED: Format = Format::Decimal {
    min: -1.0,
    max: 1.0,
    blank: false,
};
/// SCORM 2004 `progress_measure`.
const PROGRESS: Format = Format::Decimal {
    min: 0.0,
    max: 1.0,
    blank: false,
};
/// SCORM 1.2 CMIIdentifier (may be empty per the specification).
const ID_12: Format = Format::Identifier { min: 0, max: 255 };
/// SCORM 2004 long_identifier_type.
const ID_2004: Format = Format::Identifier { min: 1, max: 4000 };

/// The SCORM 1.2 rule for an element pattern (indexes replaced by `n`).
fn rule_12(pattern: &str) -> Option<Rule> {
    use Format::*;
    use Rule::*;
    Some(match pattern {
        "cmi._children"
        | "cmi._version"
        | "cmi.core._children"
        | "cmi.core.score._children"
        | "cmi.objectives._children"
        | "cmi.objectives._count"
        | "cmi.objectives.n.score._children"
        | "cmi.student_data._children"
        | "cmi.student_preference._children"
        | "cmi.interactions._children"
        | "cmi.interactions._count"
        | "cmi.interactions.n.objectives._count"
        | "cmi.interactions.n.correct_responses._count" => Keyword,
        "cmi.core.student_id"
        | "cmi.core.student_name"
        | "cmi.core.credit"
        | "cmi.core.entry"
        | "cmi.core.total_time"
        | "cmi.core.lesson_mode"
        | "cmi.launch_data"
        | "cmi.comments_from_lms"
        | "cmi.student_data.mastery_score"
        | "cmi.student_data.max_time_allowed"
        | "cmi.student_data.time_limit_action" => ReadOnly,
        "cmi.core.lesson_location" => Write(Text(255)),
        "cmi.core.lesson_status" | "cmi.objectives.n.status" => Write(Vocab(STATUS_12)),
        "cmi.core.score.raw"
        | "cmi.core.score.min"
        | "cmi.core.score.max"
        | "cmi.objectives.n.score.raw"
        | "cmi.objectives.n.score.min"
        | "cmi.objectives.n.score.max" => Write(SCORE_12),
        "cmi.core.exit" => Write(Vocab(EXIT_12)),
        "cmi.core.session_time" | "cmi.interactions.n.latency" => Write(Timespan12),
        "cmi.suspend_data" => Write(Text(MAX_SUSPEND_DATA_12)),
        "cmi.comments"
        | "cmi.interactions.n.correct_responses.n.pattern"
        | "cmi.interactions.n.student_response" => Write(Text(MAX_FREE_TEXT)),
        "cmi.objectives.n.id" | "cmi.interactions.n.id" | "cmi.interactions.n.objectives.n.id" => {
            Write(ID_12)
        }
        "cmi.student_preference.audio" => Write(Integer { min: -1, max: 100 }),
        "cmi.student_preference.language" => Write(Text(255)),
        "cmi.student_preference.speed" => Write(Integer {
            min: -100,
            max: 100,
        }),
        "cmi.student_preference.text" => Write(Integer { min: -1, max: 1 }),
        "cmi.interactions.n.time" => Write(Time12),
        "cmi.interactions.n.type" => Write(Vocab(TYPE_12)),
        "cmi.interactions.n.weighting" => Write(DECIMAL),
        "cmi.interactions.n.result" => Write(VocabOrDecimal(RESULT_12)),
        _ => return None,
    })
}

/// The SCORM 2004 (4th edition) rule for an element pattern (indexes replaced by `n`).
fn rule_2004(pattern: &str) -> Option<Rule> {
    use Format::*;
    use Rule::*;
    Some(match pattern {
        "cmi._version"
        | "cmi.comments_from_learner._children"
        | "cmi.comments_from_learner._count"
        | "cmi.comments_from_lms._children"
        | "cmi.comments_from_lms._count"
        | "cmi.interactions._children"
        | "cmi.interactions._count"
        | "cmi.interactions.n.objectives._count"
        | "cmi.interactions.n.correct_responses._count"
        | "cmi.learner_preference._children"
        | "cmi.objectives._children"
        | "cmi.objectives._count"
        | "cmi.objectives.n.score._children"
        | "cmi.score._children"
        | "adl.data._children"
        | "adl.data._count" => Keyword,
        "cmi.comments_from_lms.n.comment"
        | "cmi.comments_from_lms.n.location"
        | "cmi.comments_from_lms.n.timestamp"
        | "cmi.completion_threshold"
        | "cmi.credit"
        | "cmi.entry"
        | "cmi.launch_data"
        | "cmi.learner_id"
        | "cmi.learner_name"
        | "cmi.max_time_allowed"
        | "cmi.mode"
        | "cmi.scaled_passing_score"
        | "cmi.time_limit_action"
        | "cmi.total_time"
        | "adl.data.n.id" => ReadOnly,
        "cmi.comments_from_learner.n.comment"
        | "cmi.interactions.n.correct_responses.n.pattern"
        | "cmi.interactions.n.learner_response"
        | "cmi.interactions.n.description"
        | "cmi.objectives.n.description" => Write(Text(MAX_FREE_TEXT)),
        "cmi.comments_from_learner.n.location" => Write(Text(250)),
        "cmi.comments_from_learner.n.timestamp" | "cmi.interactions.n.timestamp" => {
            Write(Timestamp2004)
        }
        "cmi.completion_status" | "cmi.objectives.n.completion_status" => {
            Write(Vocab(COMPLETION_2004))
        }
        "cmi.success_status" | "cmi.objectives.n.success_status" => Write(Vocab(SUCCESS_2004)),
        "cmi.exit" => Write(Vocab(EXIT_2004)),
        "cmi.interactions.n.id" | "cmi.interactions.n.objectives.n.id" | "cmi.objectives.n.id" => {
            Write(ID_2004)
        }
        "cmi.interactions.n.type" => Write(Vocab(TYPE_2004)),
        "cmi.interactions.n.weighting"
        | "cmi.score.raw"
        | "cmi.score.min"
        | "cmi.score.max"
        | "cmi.objectives.n.score.raw"
        | "cmi.objectives.n.score.min"
        | "cmi.objectives.n.score.max" => Write(DECIMAL),
        "cmi.interactions.n.result" => Write(VocabOrDecimal(RESULT_2004)),
        "cmi.interactions.n.latency" | "cmi.session_time" => Write(Duration2004),
        "cmi.learner_preference.audio_level" | "cmi.learner_preference.delivery_speed" => {
            Write(Decimal {
                min: 0.0,
                max: ANY,
                blank: false,
            })
        }
        "cmi.learner_preference.language" => Write(Text(250)),
        "cmi.learner_preference.audio_captioning" => Write(Integer { min: -1, max: 1 }),
        "cmi.location" => Write(Text(1000)),
        "cmi.score.scaled" | "cmi.objectives.n.score.scaled" => Write(SCALED),
        "cmi.progress_measure" | "cmi.objectives.n.progress_measure" => Write(PROGRESS),
        "cmi.suspend_data" | "adl.data.n.store" => Write(Text(MAX_SUSPEND_DATA_2004)),
        "adl.nav.request" => Write(NavRequest),
        _ => return None,
    })
}

/// An element split into its pattern (each index replaced by `n`) and its indexes, each with
/// the collection it indexes (`cmi.interactions`, `cmi.interactions.0.objectives`, …).
struct Parsed {
    pattern: String,
    indexes: Vec<(String, u32)>,
}

/// Splits an element; `None` when an index is not a plain non-negative number (`01`, `-1`,
/// too large) or a part is empty.
fn parse_element(element: &str) -> Option<Parsed> {
    let mut pattern = String::with_capacity(element.len());
    let mut indexes = Vec::new();
    let mut prefix_end = 0;
    for (i, part) in element.split('.').enumerate() {
        if part.is_empty() {
            return None;
        }
        if i > 0 {
            pattern.push('.');
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return None;
            }
            let n: u32 = part.parse().ok()?;
            indexes.push((element[..prefix_end.max(1) - 1].to_owned(), n));
            pattern.push('n');
        } else {
            pattern.push_str(part);
        }
        prefix_end += part.len() + 1;
    }
    Some(Parsed { pattern, indexes })
}

/// The rule for an element, `None` when it is not in the data model.
fn rule(version: Version, element: &str, parsed: &Parsed) -> Option<Rule> {
    if version == Version::Scorm2004 && element.starts_with("adl.nav.request_valid.") {
        // `adl.nav.request_valid.choice.{target=…}` may hold dots in its target.
        return Some(Rule::ReadOnly);
    }
    match version {
        Version::Scorm12 => rule_12(&parsed.pattern),
        Version::Scorm2004 => rule_2004(&parsed.pattern),
    }
}

/// Checks a commit: every element exists in the version's data model, is writable by the SCO,
/// and has a well-formed value; every collection (`cmi.interactions`, `cmi.objectives`, their
/// nested `objectives` and `correct_responses`, `cmi.comments_from_learner`) is indexed 0, 1, 2,
/// … without a gap (the map is the SCO's whole data model as of the commit); in SCORM 2004 an
/// interaction or objective with any element has its `id`. Refuses the first problem found
/// (elements in map order).
///
/// Lenient where the specifications would cost a learner's work: SCORM 1.2
/// `cmi.suspend_data` up to [`MAX_SUSPEND_DATA_12`] characters (the specification says 4,096),
/// learners' responses and comments up to 64 KiB, CMITimespan hours of 1–4 digits and any number
/// of decimals, timestamps with any number of decimals. At most [`MAX_ELEMENTS`] elements and
/// [`MAX_TOTAL_BYTES`] in all.
pub fn check_commit(
    version: Version,
    values: &BTreeMap<String, String>,
) -> Result<(), CommitError> {
    if values.len() > MAX_ELEMENTS {
        return Err(CommitError::new(
            Refusal::TooManyElements,
            "cmi",
            format!(
                "De gegevens bevatten {} elementen; er mogen er hoogstens {MAX_ELEMENTS} zijn.",
                values.len()
            ),
        ));
    }
    let total: usize = values.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > MAX_TOTAL_BYTES {
        return Err(CommitError::new(
            Refusal::TooLarge,
            "cmi",
            format!(
                "De gegevens zijn samen {total} bytes; er mag hoogstens 1 MiB ({MAX_TOTAL_BYTES} bytes) tegelijk komen."
            ),
        ));
    }
    let mut collections: BTreeMap<String, BTreeSet<u32>> = BTreeMap::new();
    for (element, value) in values {
        let unknown = || {
            CommitError::new(
                Refusal::UnknownElement,
                element,
                format!(
                    "{element} bestaat niet in het gegevensmodel van {}.",
                    version.name()
                ),
            )
        };
        let parsed = parse_element(element).ok_or_else(unknown)?;
        match rule(version, element, &parsed).ok_or_else(unknown)? {
            Rule::ReadOnly => {
                return Err(CommitError::new(
                    Refusal::ReadOnly,
                    element,
                    format!("{element} is alleen te lezen: het platform zet het, niet het pakket."),
                ))
            }
            Rule::Keyword => {
                return Err(CommitError::new(
                    Refusal::ReadOnly,
                    element,
                    format!(
                        "{element} is een sleutelwoord van het gegevensmodel en alleen te lezen."
                    ),
                ))
            }
            Rule::Write(format) => check_value(element, value, format)?,
        }
        for (collection, n) in parsed.indexes {
            // adl.data's indexes are the platform's (its ids are read-only): no order to check.
            if collection != "adl.data" {
                collections.entry(collection).or_default().insert(n);
            }
        }
    }
    for (collection, indexes) in &collections {
        if let Some((expected, &found)) = indexes
            .iter()
            .enumerate()
            .find(|&(i, &n)| u32::try_from(i) != Ok(n))
        {
            let prefix = format!("{collection}.{found}.");
            let element = values
                .keys()
                .find(|k| k.starts_with(&prefix))
                .map_or_else(|| format!("{collection}.{found}"), Clone::clone);
            return Err(CommitError::new(
                Refusal::IndexGap,
                &element,
                format!(
                    "{collection}.{found} komt voor zonder {collection}.{expected}: de nummers moeten bij 0 beginnen en zonder gat doorlopen."
                ),
            ));
        }
    }
    if version == Version::Scorm2004 {
        for collection in ["cmi.interactions", "cmi.objectives"] {
            for n in collections.get(collection).into_iter().flatten() {
                let id = format!("{collection}.{n}.id");
                if !values.contains_key(&id) {
                    let prefix = format!("{collection}.{n}.");
                    let element = values
                        .keys()
                        .find(|k| k.starts_with(&prefix))
                        .map_or_else(|| id.clone(), Clone::clone);
                    return Err(CommitError::new(
                        Refusal::MissingId,
                        &element,
                        format!("{element} komt voor zonder {id}; dat moet eerst gezet zijn."),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// At most 40 characters of a value, for a message.
fn shown(value: &str) -> String {
    let mut s: String = value.chars().take(40).collect();
    if value.chars().nth(40).is_some() {
        s.push('…');
    }
    s
}

/// Checks one value against its format.
fn check_value(element: &str, value: &str, format: Format) -> Result<(), CommitError> {
    let bad = |expected: &str| {
        CommitError::new(
            Refusal::BadValue,
            element,
            format!(
                "{element} heeft de ongeldige waarde \"{}\"; verwacht: {expected}.",
                shown(value)
            ),
        )
    };
    let too_long = |max: usize| {
        CommitError::new(
            Refusal::TooLong,
            element,
            format!(
                "{element} is {} tekens lang; er mogen er hoogstens {max} zijn.",
                value.chars().count()
            ),
        )
    };
    let range = |min: String, max: String| {
        CommitError::new(
            Refusal::OutOfRange,
            element,
            format!(
                "{element} moet tussen {min} en {max} liggen, niet {}.",
                shown(value)
            ),
        )
    };
    let words = |vocab: &[&str]| {
        vocab
            .iter()
            .map(|w| if w.is_empty() { "(leeg)" } else { w })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match format {
        Format::Vocab(vocab) => {
            if !vocab.contains(&value) {
                return Err(bad(&format!("een van {}", words(vocab))));
            }
        }
        Format::Decimal { min, max, blank } => {
            if blank && value.is_empty() {
                return Ok(());
            }
            let n =
                parse_decimal(value).ok_or_else(|| bad("een decimaal getal, zoals 85 of 0.5"))?;
            if n < min || n > max {
                let show = |x: f64| {
                    if x.is_infinite() {
                        if x > 0.0 { "oneindig" } else { "min oneindig" }.to_owned()
                    } else {
                        x.to_string()
                    }
                };
                return Err(range(show(min), show(max)));
            }
        }
        Format::Integer { min, max } => {
            let n: i64 = value
                .strip_prefix('-')
                .unwrap_or(value)
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| value.parse().ok())
                .flatten()
                .ok_or_else(|| bad("een geheel getal"))?;
            if n < min || n > max {
                return Err(range(min.to_string(), max.to_string()));
            }
        }
        Format::Text(max) => {
            if value.chars().count() > max {
                return Err(too_long(max));
            }
        }
        Format::Identifier { min, max } => {
            let len = value.chars().count();
            if len > max {
                return Err(too_long(max));
            }
            if len < min || value.chars().any(char::is_control) {
                return Err(bad("een niet-lege naam zonder stuurtekens"));
            }
        }
        Format::Timespan12 => {
            if parse_timespan_12(value).is_none() {
                return Err(bad("een tijdsduur als HHHH:MM:SS.SS, zoals 0000:05:03.50"));
            }
        }
        Format::Time12 => {
            if !is_time_12(value) {
                return Err(bad("een tijdstip als HH:MM:SS, zoals 14:05:00"));
            }
        }
        Format::Duration2004 => {
            if parse_duration_2004(value).is_none() {
                return Err(bad("een ISO 8601-tijdsduur, zoals PT1H5M3.5S"));
            }
        }
        Format::Timestamp2004 => {
            if !is_timestamp_2004(value) {
                return Err(bad("een ISO 8601-tijdstip, zoals 2026-12-07T14:05:00Z"));
            }
        }
        Format::VocabOrDecimal(vocab) => {
            if !vocab.contains(&value) && parse_decimal(value).is_none() {
                return Err(bad(&format!("een van {} of een getal", words(vocab))));
            }
        }
        Format::NavRequest => {
            let request = match value.strip_prefix("{target=") {
                Some(rest) => match rest.split_once('}') {
                    Some((target, request))
                        if !target.is_empty() && matches!(request, "choice" | "jump") =>
                    {
                        request
                    }
                    _ => return Err(bad("een navigatieverzoek als {target=ID}choice")),
                },
                None => value,
            };
            if !NAV_2004.contains(&request) {
                return Err(bad(&format!("een van {}", words(NAV_2004))));
            }
        }
    }
    Ok(())
}

/// A decimal number without exponent (`85`, `-0.5`, `.5`, `85.`), as both versions write them.
fn parse_decimal(value: &str) -> Option<f64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !(int.is_empty() && frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    value.parse().ok().filter(|n: &f64| n.is_finite())
}

/// Digits only, of a length in `lengths`, as a number.
fn digits(s: &str, lengths: std::ops::RangeInclusive<usize>) -> Option<u64> {
    (lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Seconds with an optional fraction (`SS` or `SS.s…`): two digits before the point, at least
/// one after it when there is a point.
fn seconds_60(s: &str) -> Option<f64> {
    let (whole, frac) = match s.split_once('.') {
        Some((whole, frac)) => (whole, Some(frac)),
        None => (s, None),
    };
    let whole = digits(whole, 2..=2).filter(|&n| n < 60)?;
    let frac = match frac {
        Some(f) => {
            digits(f, 1..=9)?;
            format!("0.{f}").parse::<f64>().ok()?
        }
        None => 0.0,
    };
    Some(whole as f64 + frac)
}

/// SCORM 1.2 CMITime `HH:MM:SS[.SS]`, a time of day.
fn is_time_12(value: &str) -> bool {
    let mut parts = value.splitn(3, ':');
    let (Some(h), Some(m), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    digits(h, 2..=2).is_some_and(|h| h < 24)
        && digits(m, 2..=2).is_some_and(|m| m < 60)
        && seconds_60(s).is_some()
}

/// Seconds from a SCORM 1.2 CMITimespan `HHHH:MM:SS.SS` (e.g. `0000:05:03.50` → 303.5).
/// Lenient: hours of 1–4 digits, any number of decimals; minutes and seconds two digits below
/// 60.
pub fn parse_timespan_12(value: &str) -> Option<f64> {
    let mut parts = value.splitn(3, ':');
    let (Some(h), Some(m), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    let h = digits(h, 1..=4)?;
    let m = digits(m, 2..=2).filter(|&m| m < 60)?;
    let s = seconds_60(s)?;
    Some((h * 3600 + m * 60) as f64 + s)
}

/// Seconds from a SCORM 2004 timeinterval, an ISO 8601 duration
/// `P[nY][nM][nW][nD][T[nH][nM][n[.n]S]]` (e.g. `PT1H5M3.5S` → 3903.5). A year counts as 365
/// days and a month as 30 (the RTE does not say); decimals are allowed on the last part, as
/// ISO 8601 permits. `P` alone and an empty `T` part are refused.
pub fn parse_duration_2004(value: &str) -> Option<f64> {
    const DAY: f64 = 86_400.0;
    let rest = value.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return None;
            }
            (date, Some(time))
        }
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut total = 0.0;
    let mut fraction_seen = false;
    let mut parts = |text: &str, units: &[(char, f64)]| -> Option<()> {
        let mut next_unit = 0;
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                number.push(if c == ',' { '.' } else { c });
                continue;
            }
            let at = units[next_unit..].iter().position(|&(u, _)| u == c)? + next_unit;
            if fraction_seen || number.is_empty() {
                return None;
            }
            if number.contains('.') {
                fraction_seen = true;
            }
            let n = parse_decimal(&number)?;
            total += n * units[at].1;
            number.clear();
            next_unit = at + 1;
        }
        number.is_empty().then_some(())
    };
    parts(
        date,
        &[
            ('Y', 365.0 * DAY),
            ('M', 30.0 * DAY),
            ('W', 7.0 * DAY),
            ('D', DAY),
        ],
    )?;
    if let Some(time) = time {
        parts(time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    }
    Some(total)
}

/// SCORM 2004 time: `YYYY[-MM[-DD[Thh[:mm[:ss[.s…][TZD]]]]]]`, TZD `Z`, `±hh` or `±hh:mm`.
fn is_timestamp_2004(value: &str) -> bool {
    let (date, time) = match value.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (value, None),
    };
    let mut d = date.split('-');
    let ok_date = match (d.next(), d.next(), d.next(), d.next()) {
        (Some(y), m, day, None) => {
            digits(y, 4..=4).is_some()
                && m.is_none_or(|m| digits(m, 2..=2).is_some_and(|m| (1..=12).contains(&m)))
                && day.is_none_or(|day| {
                    m.is_some() && digits(day, 2..=2).is_some_and(|d| (1..=31).contains(&d))
                })
        }
        _ => false,
    };
    if !ok_date {
        return false;
    }
    let Some(time) = time else {
        return true;
    };
    if date.len() != 10 {
        return false;
    }
    let (clock, zone) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, None)
    } else if let Some(at) = time.rfind(['+', '-']) {
        (&time[..at], Some(&time[at + 1..]))
    } else {
        (time, None)
    };
    let zone_ok = zone.is_none_or(|z| {
        let (h, m) = z.split_once(':').unwrap_or((z, "00"));
        digits(h, 2..=2).is_some_and(|h| h < 24) && digits(m, 2..=2).is_some_and(|m| m < 60)
    });
    let mut c = clock.splitn(3, ':');
    let clock_ok = match (c.next(), c.next(), c.next()) {
        (Some(h), m, s) => {
            digits(h, 2..=2).is_some_and(|h| h < 24)
                && m.is_none_or(|m| digits(m, 2..=2).is_some_and(|m| m < 60))
                && s.is_none_or(|s| seconds_60(s).is_some())
        }
        _ => false,
    };
    zone_ok && clock_ok
}

/// Hundredths of a second, rounded, from non-negative seconds (NaN and negatives count as 0).
fn centiseconds(seconds: f64) -> u64 {
    let c = (seconds * 100.0).round();
    if c.is_nan() || c <= 0.0 {
        0
    } else {
        // Saturating: f64 → u64 casts clamp.
        c as u64
    }
}

/// Seconds as a SCORM 1.2 CMITimespan `HHHH:MM:SS.SS` (to the hundredth; at most
/// `9999:59:59.99`, the format's limit).
pub fn format_timespan_12(seconds: f64) -> String {
    let c = centiseconds(seconds).min(9_999 * 360_000 + 359_999);
    format!(
        "{:04}:{:02}:{:02}.{:02}",
        c / 360_000,
        c / 6_000 % 60,
        c / 100 % 60,
        c % 100
    )
}

/// Seconds as a SCORM 2004 timeinterval: `PT{h}H{m}M{s}S` with zero parts left out, seconds to
/// the hundredth (`PT1H5M3.5S`; `PT0S` for nothing).
pub fn format_duration_2004(seconds: f64) -> String {
    let c = centiseconds(seconds);
    let (h, m, s, frac) = (c / 360_000, c / 6_000 % 60, c / 100 % 60, c % 100);
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || frac > 0 || (h == 0 && m == 0) {
        out.push_str(&s.to_string());
        if frac > 0 {
            let f = format!("{frac:02}");
            out.push('.');
            out.push_str(f.trim_end_matches('0'));
        }
        out.push('S');
    }
    out
}

/// Adds a session time to a total time, both in the version's format (an empty total counts as
/// nothing yet), and gives the new total in that format; `None` when either is malformed.
pub fn add_time(version: Version, total: &str, session: &str) -> Option<String> {
    let parse = match version {
        Version::Scorm12 => parse_timespan_12,
        Version::Scorm2004 => parse_duration_2004,
    };
    let total = if total.is_empty() { 0.0 } else { parse(total)? };
    let sum = total + parse(session)?;
    Some(match version {
        Version::Scorm12 => format_timespan_12(sum),
        Version::Scorm2004 => format_duration_2004(sum),
    })
}

/// What the platform records of a commit.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The SCO is completed (1.2: `lesson_status` completed or passed, or passed by the mastery
    /// score; 2004: `completion_status` completed).
    pub completed: bool,
    /// Passed (`Some(true)`), failed (`Some(false)`) or not known.
    pub passed: Option<bool>,
    /// The score as a fraction, 0..1.
    pub score: Option<f64>,
    /// The bookmark (`cmi.core.lesson_location`, `cmi.location`), when not empty.
    pub location: Option<String>,
    /// This session's time in seconds (`cmi.core.session_time`, `cmi.session_time`).
    pub session_seconds: Option<f64>,
}

/// A small margin for comparing a score with the mastery score.
const EPSILON: f64 = 1e-9;

/// The score as a fraction from raw, min and max: `(raw − min) / (max − min)`, with min 0 and
/// max 100 when not given (or when max is not above min), clamped to 0..1.
fn from_raw(raw: f64, min: Option<f64>, max: Option<f64>) -> f64 {
    let min = min.unwrap_or(0.0);
    let (min, max) = match max {
        Some(max) if max > min => (min, max),
        _ => (0.0, 100.0),
    };
    ((raw - min) / (max - min)).clamp(0.0, 1.0)
}

/// Interprets a commit (best read after [`check_commit`] accepted it; malformed values count as
/// absent). `mastery_score` is the unit's passing score as a fraction (0..1; see the package's
/// manifest).
///
/// SCORM 1.2: completed when `lesson_status` is completed or passed; passed or failed as the
/// status says; the score from raw/min/max. With a mastery score and a raw score, and a status
/// of completed, passed or failed, the platform decides passed or failed by the score, as the
/// 1.2 RTE has the LMS do (which then also counts as completed when passed); an incomplete SCO
/// is left as is.
///
/// SCORM 2004: completed when `completion_status` is completed; passed or failed as
/// `success_status` says, unless a mastery score (the RTE's `cmi.scaled_passing_score`) and
/// `score.scaled` are both there, when the score decides; the score is `score.scaled` (below 0
/// counted as 0) or else from raw/min/max.
pub fn outcome(
    version: Version,
    values: &BTreeMap<String, String>,
    mastery_score: Option<f64>,
) -> Outcome {
    let get = |element: &str| values.get(element).map(String::as_str);
    let number = |element: &str| get(element).and_then(parse_decimal);
    let text = |element: &str| get(element).filter(|s| !s.is_empty()).map(str::to_owned);
    match version {
        Version::Scorm12 => {
            let status = get("cmi.core.lesson_status").unwrap_or("");
            let score = number("cmi.core.score.raw").map(|raw| {
                from_raw(
                    raw,
                    number("cmi.core.score.min"),
                    number("cmi.core.score.max"),
                )
            });
            let mut passed = match status {
                "passed" => Some(true),
                "failed" => Some(false),
                _ => None,
            };
            if let (Some(mastery), Some(score)) = (mastery_score, score) {
                if matches!(status, "completed" | "passed" | "failed") {
                    passed = Some(score + EPSILON >= mastery);
                }
            }
            Outcome {
                completed: matches!(status, "completed" | "passed") || passed == Some(true),
                passed,
                score,
                location: text("cmi.core.lesson_location"),
                session_seconds: get("cmi.core.session_time").and_then(parse_timespan_12),
            }
        }
        Version::Scorm2004 => {
            let scaled = number("cmi.score.scaled").filter(|s| (-1.0..=1.0).contains(s));
            let score = scaled.map(|s| s.clamp(0.0, 1.0)).or_else(|| {
                number("cmi.score.raw")
                    .map(|raw| from_raw(raw, number("cmi.score.min"), number("cmi.score.max")))
            });
            let passed = match (mastery_score, scaled) {
                (Some(mastery), Some(scaled)) => Some(scaled + EPSILON >= mastery),
                _ => match get("cmi.success_status") {
                    Some("passed") => Some(true),
                    Some("failed") => Some(false),
                    _ => None,
                },
            };
            Outcome {
                completed: get("cmi.completion_status") == Some("completed"),
                passed,
                score,
                location: text("cmi.location"),
                session_seconds: get("cmi.session_time").and_then(parse_duration_2004),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn refused(version: Version, pairs: &[(&str, &str)]) -> CommitError {
        match check_commit(version, &map(pairs)) {
            Err(e) => e,
            Ok(()) => panic!("accepted: {pairs:?}"),
        }
    }

    fn assert_refused(version: Version, pairs: &[(&str, &str)], kind: Refusal, element: &str) {
        let e = refused(version, pairs);
        assert_eq!((e.kind, e.element.as_str()), (kind, element), "{e}");
        assert!(!e.message.is_empty());
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    /// A Storyline-like SCORM 1.2 commit of a finished quiz.
    fn storyline_12_passed() -> BTreeMap<String, String> {
        map(&[
            ("cmi.core.lesson_status", "passed"),
            ("cmi.core.score.raw", "85"),
            ("cmi.core.score.min", "0"),
            ("cmi.core.score.max", "100"),
            ("cmi.core.lesson_location", "slide_12"),
            ("cmi.core.exit", "suspend"),
            ("cmi.core.session_time", "0000:12:05.30"),
            ("cmi.suspend_data", "2a3b4c"),
            ("cmi.interactions.0.id", "Scene1_Slide3_MultiChoice_0_0"),
            ("cmi.interactions.0.type", "choice"),
            ("cmi.interactions.0.student_response", "b"),
            ("cmi.interactions.0.correct_responses.0.pattern", "b"),
            ("cmi.interactions.0.result", "correct"),
            ("cmi.interactions.0.weighting", "1"),
            ("cmi.interactions.0.latency", "0000:00:12.50"),
            ("cmi.interactions.0.time", "14:05:00"),
            ("cmi.interactions.0.objectives.0.id", "quiz"),
            ("cmi.interactions.1.id", "q2"),
            ("cmi.interactions.1.result", "wrong"),
            ("cmi.interactions.2.id", "q3"),
            ("cmi.interactions.2.result", "0.5"),
            ("cmi.objectives.0.id", "quiz"),
            ("cmi.objectives.0.status", "passed"),
            ("cmi.objectives.0.score.raw", "85"),
            ("cmi.student_preference.audio", "-1"),
        ])
    }

    /// A Captivate-like SCORM 2004 commit.
    fn captivate_2004(completion: &str, success: &str, scaled: &str) -> BTreeMap<String, String> {
        map(&[
            ("cmi.completion_status", completion),
            ("cmi.success_status", success),
            ("cmi.score.scaled", scaled),
            ("cmi.score.raw", "90"),
            ("cmi.score.min", "0"),
            ("cmi.score.max", "100"),
            ("cmi.progress_measure", "1"),
            ("cmi.location", "7"),
            ("cmi.exit", "normal"),
            ("cmi.session_time", "PT1H5M3.5S"),
            ("cmi.suspend_data", "abc"),
            ("cmi.interactions.0.id", "urn:captivate:q1"),
            ("cmi.interactions.0.type", "long-fill-in"),
            ("cmi.interactions.0.learner_response", "een lang antwoord"),
            ("cmi.interactions.0.result", "incorrect"),
            (
                "cmi.interactions.0.timestamp",
                "2026-12-07T14:05:00.123+01:00",
            ),
            ("cmi.interactions.0.latency", "PT12.5S"),
            ("cmi.interactions.0.description", "Vraag 1"),
            ("cmi.objectives.0.id", "quiz"),
            ("cmi.objectives.0.success_status", success),
            ("cmi.objectives.0.completion_status", completion),
            ("cmi.objectives.0.score.scaled", scaled),
            ("cmi.objectives.0.progress_measure", "0.5"),
            ("cmi.comments_from_learner.0.comment", "Fijne module"),
            (
                "cmi.comments_from_learner.0.timestamp",
                "2026-12-07T14:05:00Z",
            ),
            ("cmi.learner_preference.audio_captioning", "1"),
            ("adl.nav.request", "{target=sco2}choice"),
            ("adl.data.3.store", "gedeeld"),
        ])
    }

    #[test]
    fn typical_commits_are_accepted() {
        assert_eq!(
            check_commit(Version::Scorm12, &storyline_12_passed()),
            Ok(())
        );
        assert_eq!(
            check_commit(
                Version::Scorm2004,
                &captivate_2004("completed", "passed", "0.9")
            ),
            Ok(())
        );
        assert_eq!(check_commit(Version::Scorm12, &BTreeMap::new()), Ok(()));
    }

    #[test]
    fn scorm_12_passed_with_mastery() {
        let o = outcome(Version::Scorm12, &storyline_12_passed(), Some(0.8));
        assert!(o.completed);
        assert_eq!(o.passed, Some(true));
        assert!(close(o.score, 0.85));
        assert_eq!(o.location.as_deref(), Some("slide_12"));
        assert!(close(o.session_seconds, 725.3));
    }

    #[test]
    fn scorm_12_mastery_decides_over_the_status() {
        let mut v = storyline_12_passed();
        v.insert("cmi.core.lesson_status".into(), "completed".into());
        let o = outcome(Version::Scorm12, &v, Some(0.8));
        assert_eq!((o.completed, o.passed), (true, Some(true)));
        // Below the mastery score: failed, though the SCO said passed.
        v.insert("cmi.core.lesson_status".into(), "passed".into());
        v.insert("cmi.core.score.raw".into(), "79".into());
        let o = outcome(Version::Scorm12, &v, Some(0.8));
        assert_eq!((o.completed, o.passed), (true, Some(false)));
        // Exactly the mastery score passes.
        v.insert("cmi.core.lesson_status".into(), "failed".into());
        v.insert("cmi.core.score.raw".into(), "80".into());
        let o = outcome(Version::Scorm12, &v, Some(0.8));
        assert_eq!((o.completed, o.passed), (true, Some(true)));
        // Raw against max: 40 of 50 is 0.8.
        v.insert("cmi.core.score.raw".into(), "40".into());
        v.insert("cmi.core.score.max".into(), "50".into());
        let o = outcome(Version::Scorm12, &v, Some(0.8));
        assert_eq!(o.passed, Some(true));
        assert!(close(o.score, 0.8));
        // Without a mastery score the status counts.
        let o = outcome(Version::Scorm12, &v, None);
        assert_eq!((o.completed, o.passed), (false, Some(false)));
    }

    #[test]
    fn scorm_12_incomplete_with_large_suspend_data() {
        let data = "x".repeat(10_000);
        let v = map(&[
            ("cmi.core.lesson_status", "incomplete"),
            ("cmi.core.lesson_location", "3"),
            ("cmi.core.exit", "suspend"),
            ("cmi.core.session_time", "00:01:02"),
            ("cmi.suspend_data", &data),
            ("cmi.core.score.raw", "90"),
        ]);
        assert_eq!(check_commit(Version::Scorm12, &v), Ok(()));
        let o = outcome(Version::Scorm12, &v, Some(0.8));
        assert!(!o.completed);
        assert_eq!(
            o.passed, None,
            "an incomplete SCO is not judged by its score"
        );
        assert!(close(o.score, 0.9));
        assert!(close(o.session_seconds, 62.0));
        // Up to 64 KiB is fine, more is refused.
        let max = "x".repeat(MAX_SUSPEND_DATA_12);
        assert_eq!(
            check_commit(Version::Scorm12, &map(&[("cmi.suspend_data", &max)])),
            Ok(())
        );
        let over = "x".repeat(MAX_SUSPEND_DATA_12 + 1);
        assert_refused(
            Version::Scorm12,
            &[("cmi.suspend_data", &over)],
            Refusal::TooLong,
            "cmi.suspend_data",
        );
    }

    #[test]
    fn scorm_2004_suspend_data_limit() {
        let max = "é".repeat(MAX_SUSPEND_DATA_2004);
        assert_eq!(
            check_commit(Version::Scorm2004, &map(&[("cmi.suspend_data", &max)])),
            Ok(())
        );
        let over = "x".repeat(MAX_SUSPEND_DATA_2004 + 1);
        assert_refused(
            Version::Scorm2004,
            &[("cmi.suspend_data", &over)],
            Refusal::TooLong,
            "cmi.suspend_data",
        );
    }

    #[test]
    fn scorm_2004_completed_and_passed() {
        let v = captivate_2004("completed", "passed", "0.9");
        let o = outcome(Version::Scorm2004, &v, None);
        assert!(o.completed);
        assert_eq!(o.passed, Some(true));
        assert!(close(o.score, 0.9));
        assert_eq!(o.location.as_deref(), Some("7"));
        assert!(close(o.session_seconds, 3903.5));
    }

    #[test]
    fn scorm_2004_failed() {
        let v = captivate_2004("completed", "failed", "0.4");
        assert_eq!(check_commit(Version::Scorm2004, &v), Ok(()));
        let o = outcome(Version::Scorm2004, &v, None);
        assert_eq!((o.completed, o.passed), (true, Some(false)));
        assert!(close(o.score, 0.4));
        // The mastery score decides when there is a scaled score.
        let o = outcome(Version::Scorm2004, &v, Some(0.3));
        assert_eq!(o.passed, Some(true));
        let v = captivate_2004("incomplete", "unknown", "-0.5");
        let o = outcome(Version::Scorm2004, &v, None);
        assert_eq!((o.completed, o.passed), (false, None));
        assert!(close(o.score, 0.0), "a negative scaled score counts as 0");
    }

    #[test]
    fn scorm_2004_score_from_raw() {
        let v = map(&[
            ("cmi.score.raw", "15"),
            ("cmi.score.min", "10"),
            ("cmi.score.max", "20"),
        ]);
        assert!(close(outcome(Version::Scorm2004, &v, None).score, 0.5));
        let v = map(&[("cmi.score.raw", "70")]);
        let o = outcome(Version::Scorm2004, &v, Some(0.8));
        assert!(close(o.score, 0.7));
        assert_eq!(o.passed, None, "only score.scaled overrides success_status");
        let o = outcome(Version::Scorm2004, &BTreeMap::new(), None);
        assert_eq!(
            o,
            Outcome {
                completed: false,
                passed: None,
                score: None,
                location: None,
                session_seconds: None
            }
        );
    }

    #[test]
    fn unknown_elements_are_refused() {
        assert_refused(
            Version::Scorm12,
            &[("cmi.completion_status", "completed")],
            Refusal::UnknownElement,
            "cmi.completion_status",
        );
        assert_refused(
            Version::Scorm2004,
            &[("cmi.core.lesson_status", "passed")],
            Refusal::UnknownElement,
            "cmi.core.lesson_status",
        );
        for element in [
            "cmi.interactions.01.id",
            "cmi.interactions.-1.id",
            "cmi.interactions.99999999999.id",
            "cmi.interactions..id",
            "cmi.interactions.x.id",
            "cmi.interactions.0.student_response",
        ] {
            assert_refused(
                Version::Scorm2004,
                &[(element, "a")],
                Refusal::UnknownElement,
                element,
            );
        }
        let e = refused(Version::Scorm12, &[("cmi.core.foo", "1")]);
        assert_eq!(e.code(), "scorm_unknown_element");
        assert!(e.message.contains("SCORM 1.2"), "{}", e.message);
    }

    #[test]
    fn read_only_elements_are_refused() {
        for element in [
            "cmi.core.student_id",
            "cmi.core.student_name",
            "cmi.core.credit",
            "cmi.core.entry",
            "cmi.core.total_time",
            "cmi.core.lesson_mode",
            "cmi.core._children",
            "cmi.interactions._count",
            "cmi.launch_data",
            "cmi.student_data.mastery_score",
        ] {
            assert_refused(
                Version::Scorm12,
                &[(element, "x")],
                Refusal::ReadOnly,
                element,
            );
        }
        for element in [
            "cmi.learner_id",
            "cmi.learner_name",
            "cmi.total_time",
            "cmi.mode",
            "cmi.credit",
            "cmi.entry",
            "cmi.scaled_passing_score",
            "cmi._version",
            "cmi.objectives._count",
            "cmi.comments_from_lms.0.comment",
            "adl.data.0.id",
            "adl.nav.request_valid.choice.{target=a.b}",
        ] {
            assert_refused(
                Version::Scorm2004,
                &[(element, "x")],
                Refusal::ReadOnly,
                element,
            );
        }
        assert_eq!(
            refused(Version::Scorm12, &[("cmi.core.credit", "credit")]).code(),
            "scorm_read_only"
        );
    }

    #[test]
    fn vocabularies_are_checked() {
        let bad: &[(Version, &str, &str)] = &[
            (Version::Scorm12, "cmi.core.lesson_status", "complete"),
            (Version::Scorm12, "cmi.core.lesson_status", "Passed"),
            (Version::Scorm12, "cmi.core.exit", "normal"),
            (Version::Scorm12, "cmi.objectives.0.status", "unknown"),
            (Version::Scorm12, "cmi.interactions.0.type", "long-fill-in"),
            (Version::Scorm12, "cmi.interactions.0.result", "incorrect"),
            (Version::Scorm2004, "cmi.completion_status", "passed"),
            (Version::Scorm2004, "cmi.success_status", "completed"),
            (Version::Scorm2004, "cmi.exit", "quit"),
            (Version::Scorm2004, "cmi.interactions.0.type", "essay"),
            (Version::Scorm2004, "cmi.interactions.0.result", "wrong"),
            (Version::Scorm2004, "adl.nav.request", "jumpAll"),
            (Version::Scorm2004, "adl.nav.request", "{target=}choice"),
            (Version::Scorm2004, "adl.nav.request", "{target=a}continue"),
        ];
        for &(version, element, value) in bad {
            let mut pairs = vec![(element, value)];
            if element.starts_with("cmi.interactions.0.") {
                pairs.push(("cmi.interactions.0.id", "q1"));
            }
            if element.starts_with("cmi.objectives.0.") {
                pairs.push(("cmi.objectives.0.id", "o1"));
            }
            assert_refused(version, &pairs, Refusal::BadValue, element);
        }
        let good = map(&[
            ("cmi.core.lesson_status", "not attempted"),
            ("cmi.core.exit", ""),
            ("cmi.interactions.0.id", "q1"),
            ("cmi.interactions.0.result", "neutral"),
        ]);
        assert_eq!(check_commit(Version::Scorm12, &good), Ok(()));
    }

    #[test]
    fn scores_are_checked() {
        // SCORM 1.2: decimals 0–100, blank allowed.
        for value in ["0", "100", "85.5", ".5", ""] {
            assert_eq!(
                check_commit(Version::Scorm12, &map(&[("cmi.core.score.raw", value)])),
                Ok(()),
                "{value}"
            );
        }
        for value in ["101", "-1", "100.01"] {
            assert_refused(
                Version::Scorm12,
                &[("cmi.core.score.raw", value)],
                Refusal::OutOfRange,
                "cmi.core.score.raw",
            );
        }
        for value in ["85%", "1e2", "NaN", "inf", "+5", "-", ".", "8 5"] {
            assert_refused(
                Version::Scorm12,
                &[("cmi.core.score.max", value)],
                Refusal::BadValue,
                "cmi.core.score.max",
            );
        }
        // SCORM 2004: scaled −1..1, progress 0..1, raw any decimal but not blank.
        for (element, value) in [
            ("cmi.score.scaled", "1.01"),
            ("cmi.score.scaled", "-1.5"),
            ("cmi.progress_measure", "1.2"),
            ("cmi.progress_measure", "-0.1"),
            ("cmi.learner_preference.audio_captioning", "2"),
        ] {
            assert_refused(
                Version::Scorm2004,
                &[(element, value)],
                Refusal::OutOfRange,
                element,
            );
        }
        let ok = map(&[
            ("cmi.score.scaled", "-1"),
            ("cmi.score.raw", "250"),
            ("cmi.score.min", "-20"),
            ("cmi.progress_measure", "0"),
        ]);
        assert_eq!(check_commit(Version::Scorm2004, &ok), Ok(()));
        assert_refused(
            Version::Scorm2004,
            &[("cmi.score.raw", "")],
            Refusal::BadValue,
            "cmi.score.raw",
        );
        assert_refused(
            Version::Scorm12,
            &[("cmi.student_preference.speed", "-101")],
            Refusal::OutOfRange,
            "cmi.student_preference.speed",
        );
        assert_refused(
            Version::Scorm12,
            &[("cmi.student_preference.text", "0.5")],
            Refusal::BadValue,
            "cmi.student_preference.text",
        );
    }

    #[test]
    fn times_are_checked() {
        for value in ["0000:00:00", "00:05:03.5", "9999:59:59.99", "1:02:03.123"] {
            assert_eq!(
                check_commit(Version::Scorm12, &map(&[("cmi.core.session_time", value)])),
                Ok(()),
                "{value}"
            );
        }
        for value in [
            "PT1H",
            "00:60:00",
            "00:00:60",
            "10000:00:00",
            "5:3",
            "00:00:01.",
        ] {
            assert_refused(
                Version::Scorm12,
                &[("cmi.core.session_time", value)],
                Refusal::BadValue,
                "cmi.core.session_time",
            );
        }
        assert_refused(
            Version::Scorm12,
            &[
                ("cmi.interactions.0.id", "q"),
                ("cmi.interactions.0.time", "24:00:00"),
            ],
            Refusal::BadValue,
            "cmi.interactions.0.time",
        );
        for value in [
            "P",
            "PT",
            "00:01:00",
            "PT1.5M30S",
            "PT5S3M",
            "P1H",
            "-PT1S",
            "PT1,5S",
        ] {
            let r = check_commit(Version::Scorm2004, &map(&[("cmi.session_time", value)]));
            if value == "PT1,5S" {
                assert_eq!(r, Ok(()), "ISO 8601 allows a decimal comma");
                continue;
            }
            assert_eq!(r.map_err(|e| e.kind), Err(Refusal::BadValue), "{value}");
        }
        for value in [
            "2026",
            "2026-12",
            "2026-12-07",
            "2026-12-07T14",
            "2026-12-07T14:05:00.5Z",
            "2026-12-07T14:05:00-05",
        ] {
            let v = map(&[
                ("cmi.interactions.0.id", "q"),
                ("cmi.interactions.0.timestamp", value),
            ]);
            assert_eq!(check_commit(Version::Scorm2004, &v), Ok(()), "{value}");
        }
        for value in [
            "07-12-2026",
            "2026-13-01",
            "2026-12-07T25:00",
            "2026-12-07 14:05",
            "26-12-07",
        ] {
            assert_refused(
                Version::Scorm2004,
                &[
                    ("cmi.interactions.0.id", "q"),
                    ("cmi.interactions.0.timestamp", value),
                ],
                Refusal::BadValue,
                "cmi.interactions.0.timestamp",
            );
        }
    }

    #[test]
    fn lengths_are_checked() {
        let long = "x".repeat(1001);
        assert_refused(
            Version::Scorm2004,
            &[("cmi.location", &long)],
            Refusal::TooLong,
            "cmi.location",
        );
        let ok = "x".repeat(1000);
        assert_eq!(
            check_commit(Version::Scorm2004, &map(&[("cmi.location", &ok)])),
            Ok(())
        );
        let long = "x".repeat(256);
        assert_refused(
            Version::Scorm12,
            &[("cmi.core.lesson_location", &long)],
            Refusal::TooLong,
            "cmi.core.lesson_location",
        );
        assert_refused(
            Version::Scorm2004,
            &[("cmi.interactions.0.id", "")],
            Refusal::BadValue,
            "cmi.interactions.0.id",
        );
        assert_refused(
            Version::Scorm12,
            &[("cmi.interactions.0.id", "q\n1")],
            Refusal::BadValue,
            "cmi.interactions.0.id",
        );
        // A long typed answer is kept.
        let answer = "woord ".repeat(2_000);
        let v = map(&[
            ("cmi.interactions.0.id", "q1"),
            ("cmi.interactions.0.student_response", &answer),
        ]);
        assert_eq!(check_commit(Version::Scorm12, &v), Ok(()));
    }

    #[test]
    fn interactions_in_order_are_accepted() {
        let mut v = BTreeMap::new();
        for n in 0..3 {
            v.insert(format!("cmi.interactions.{n}.id"), format!("q{n}"));
            v.insert(format!("cmi.interactions.{n}.type"), "choice".to_owned());
            v.insert(format!("cmi.interactions.{n}.result"), "correct".to_owned());
            v.insert(
                format!("cmi.interactions.{n}.objectives.0.id"),
                "quiz".to_owned(),
            );
        }
        assert_eq!(check_commit(Version::Scorm12, &v), Ok(()));
        assert_eq!(check_commit(Version::Scorm2004, &v), Ok(()));
        // More than ten: the order is numeric, not textual.
        for n in 3..12 {
            v.insert(format!("cmi.interactions.{n}.id"), format!("q{n}"));
        }
        assert_eq!(check_commit(Version::Scorm2004, &v), Ok(()));
    }

    #[test]
    fn index_gaps_are_refused() {
        let e = refused(
            Version::Scorm12,
            &[
                ("cmi.interactions.0.id", "q0"),
                ("cmi.interactions.2.id", "q2"),
                ("cmi.interactions.2.result", "correct"),
            ],
        );
        assert_eq!(e.kind, Refusal::IndexGap);
        assert_eq!(e.code(), "scorm_index_gap");
        assert_eq!(e.element, "cmi.interactions.2.id");
        assert!(e.message.contains("cmi.interactions.1"), "{}", e.message);
        assert_refused(
            Version::Scorm2004,
            &[("cmi.objectives.1.id", "o")],
            Refusal::IndexGap,
            "cmi.objectives.1.id",
        );
        assert_refused(
            Version::Scorm2004,
            &[
                ("cmi.interactions.0.id", "q0"),
                ("cmi.interactions.0.correct_responses.1.pattern", "a"),
            ],
            Refusal::IndexGap,
            "cmi.interactions.0.correct_responses.1.pattern",
        );
        assert_refused(
            Version::Scorm2004,
            &[("cmi.comments_from_learner.3.comment", "hoi")],
            Refusal::IndexGap,
            "cmi.comments_from_learner.3.comment",
        );
    }

    #[test]
    fn scorm_2004_needs_ids() {
        assert_refused(
            Version::Scorm2004,
            &[
                ("cmi.interactions.0.id", "q0"),
                ("cmi.interactions.1.result", "correct"),
            ],
            Refusal::MissingId,
            "cmi.interactions.1.result",
        );
        assert_refused(
            Version::Scorm2004,
            &[("cmi.objectives.0.success_status", "passed")],
            Refusal::MissingId,
            "cmi.objectives.0.success_status",
        );
        // SCORM 1.2 does not require it.
        assert_eq!(
            check_commit(
                Version::Scorm12,
                &map(&[("cmi.objectives.0.status", "passed")])
            ),
            Ok(())
        );
    }

    #[test]
    fn size_limits() {
        let mut v = BTreeMap::new();
        for n in 0..=MAX_ELEMENTS {
            v.insert(format!("cmi.interactions.{n}.id"), "q".to_owned());
        }
        let e = check_commit(Version::Scorm12, &v).err();
        assert_eq!(
            e.map(|e| (e.kind, e.code())),
            Some((Refusal::TooManyElements, "scorm_too_many_elements"))
        );
        let mut v = BTreeMap::new();
        let answer = "x".repeat(60_000);
        for n in 0..20 {
            v.insert(format!("cmi.interactions.{n}.id"), "q".to_owned());
            v.insert(
                format!("cmi.interactions.{n}.student_response"),
                answer.clone(),
            );
        }
        let e = check_commit(Version::Scorm12, &v).err();
        assert_eq!(
            e.map(|e| (e.kind, e.element)),
            Some((Refusal::TooLarge, "cmi".to_owned()))
        );
    }

    #[test]
    fn the_error_becomes_a_validation_error() {
        let e = refused(Version::Scorm12, &[("cmi.core.lesson_status", "klaar")]);
        assert!(
            e.message.contains("klaar") && e.message.contains("passed"),
            "{}",
            e.message
        );
        assert!(e.to_string().contains("scorm_bad_value"));
        let app: AppError = e.into();
        let text = format!("{app:?}");
        assert!(text.contains("scorm_bad_value"), "{text}");
        assert!(text.contains("cmi.core.lesson_status"), "{text}");
    }

    #[test]
    fn timespans_parse_format_and_add() {
        assert!(close(parse_timespan_12("0000:05:03.50"), 303.5));
        assert!(close(parse_timespan_12("12:00:00"), 43_200.0));
        assert!(close(parse_timespan_12("0001:01:01.05"), 3661.05));
        assert_eq!(parse_timespan_12("PT5M"), None);
        assert_eq!(parse_timespan_12(""), None);
        assert_eq!(format_timespan_12(303.5), "0000:05:03.50");
        assert_eq!(format_timespan_12(0.0), "0000:00:00.00");
        assert_eq!(format_timespan_12(-5.0), "0000:00:00.00");
        assert_eq!(format_timespan_12(1e12), "9999:59:59.99");
        assert_eq!(
            add_time(Version::Scorm12, "0000:59:30.75", "00:00:30.30").as_deref(),
            Some("0001:00:01.05")
        );
        assert_eq!(
            add_time(Version::Scorm12, "", "00:01:00").as_deref(),
            Some("0000:01:00.00")
        );
        assert_eq!(add_time(Version::Scorm12, "bad", "00:01:00"), None);
        assert_eq!(add_time(Version::Scorm12, "00:01:00", "PT1M"), None);
    }

    #[test]
    fn durations_parse_format_and_add() {
        assert!(close(parse_duration_2004("PT1H5M3.5S"), 3903.5));
        assert!(close(parse_duration_2004("PT0S"), 0.0));
        assert!(close(parse_duration_2004("P1DT1S"), 86_401.0));
        assert!(close(parse_duration_2004("P1Y2M"), 425.0 * 86_400.0));
        assert!(close(parse_duration_2004("PT0.25H"), 900.0));
        assert!(close(parse_duration_2004("PT90M"), 5400.0));
        assert_eq!(parse_duration_2004("PT1.5H30M"), None);
        assert_eq!(parse_duration_2004("PT1M1H"), None);
        assert_eq!(parse_duration_2004("P1S"), None);
        assert_eq!(parse_duration_2004("PTS"), None);
        assert_eq!(parse_duration_2004("PT1H5"), None);
        assert_eq!(format_duration_2004(3903.5), "PT1H5M3.5S");
        assert_eq!(format_duration_2004(0.0), "PT0S");
        assert_eq!(format_duration_2004(3600.0), "PT1H");
        assert_eq!(format_duration_2004(60.05), "PT1M0.05S");
        assert_eq!(format_duration_2004(90_000.0), "PT25H");
        assert_eq!(
            add_time(Version::Scorm2004, "PT1H5M3.5S", "PT54M57S").as_deref(),
            Some("PT2H0.5S")
        );
        assert_eq!(
            add_time(Version::Scorm2004, "", "PT12.34S").as_deref(),
            Some("PT12.34S")
        );
        assert_eq!(add_time(Version::Scorm2004, "PT1H", "P"), None);
    }
}
