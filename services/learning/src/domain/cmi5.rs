//! cmi5's statement rules (pure): what the LMS knows of one launch of an assignable unit (AU),
//! and whether a statement the AU sends may be stored and what it changes. The cmi5
//! specification (Quartz) is the reference: 7.1 (first and last statement, cmi5 defined and
//! cmi5 allowed statements), 8.1 (the launch's actor, registration and activityId), 9.2–9.6
//! (actor, verbs and their ordering, object, result, context) and 10.0 (launchMode, moveOn,
//! masteryScore). 6.3 lets the LMS reject statements that break section 9; this module says
//! which, with a stable code and a Dutch message.
//!
//! A "cmi5 defined" statement uses a cmi5 verb and carries the cmi5 category
//! ([`CATEGORY_CMI5`]); a "cmi5 allowed" statement uses any verb without that category. A cmi5
//! verb without the category is an allowed statement about something else (a part of the AU);
//! about the AU itself it is refused here, as a report would read it as the AU's own status.

pub use zk_content::domain::package::MoveOn;

use axum::http::StatusCode;
use serde_json::Value;
use std::borrow::Cow;
use uuid::Uuid;
use zk_kernel::AppError;

#[cfg(test)]
mod tests;

/// Verb "Launched" (9.3.1), sent by the LMS only.
pub const LAUNCHED: &str = "http://adlnet.gov/expapi/verbs/launched";
/// Verb "Initialized" (9.3.2): the AU's first statement of a session.
pub const INITIALIZED: &str = "http://adlnet.gov/expapi/verbs/initialized";
/// Verb "Completed" (9.3.3): once per registration.
pub const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
/// Verb "Passed" (9.3.4): once per registration.
pub const PASSED: &str = "http://adlnet.gov/expapi/verbs/passed";
/// Verb "Failed" (9.3.5): never after "Passed" in the registration.
pub const FAILED: &str = "http://adlnet.gov/expapi/verbs/failed";
/// Verb "Abandoned" (9.3.6), sent by the LMS only.
pub const ABANDONED: &str = "https://w3id.org/xapi/adl/verbs/abandoned";
/// Verb "Waived" (9.3.7), sent by the LMS only.
pub const WAIVED: &str = "https://w3id.org/xapi/adl/verbs/waived";
/// Verb "Terminated" (9.3.8): the AU's last statement of a session.
pub const TERMINATED: &str = "http://adlnet.gov/expapi/verbs/terminated";
/// Verb "Satisfied" (9.3.9), sent by the LMS only.
pub const SATISFIED: &str = "https://w3id.org/xapi/adl/verbs/satisfied";

/// Every cmi5 defined verb, in the order of section 9.3.
pub const VERBS: [&str; 9] = [
    LAUNCHED,
    INITIALIZED,
    COMPLETED,
    PASSED,
    FAILED,
    ABANDONED,
    WAIVED,
    TERMINATED,
    SATISFIED,
];

/// The verbs only the LMS may use in cmi5 defined statements.
pub const LMS_VERBS: [&str; 4] = [LAUNCHED, ABANDONED, WAIVED, SATISFIED];

/// The category activity that makes a statement "cmi5 defined" (9.6.2.1).
pub const CATEGORY_CMI5: &str = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
/// The category activity of defined statements whose result has `success` or `completion`
/// (9.6.2.2).
pub const CATEGORY_MOVEON: &str = "https://w3id.org/xapi/cmi5/context/categories/moveon";
/// The context extension holding the session id (9.6.3.1).
pub const EXT_SESSION_ID: &str = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
/// The context extension holding the masteryScore on passed/failed statements (9.6.3.2).
pub const EXT_MASTERY_SCORE: &str = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";

/// How the LMS launched the AU (10.0 `launchMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaunchMode {
    /// Completion-related data is recorded.
    Normal,
    /// Looking around without judgement: only initialized, terminated and allowed statements.
    Browse,
    /// Revisiting completed material: only initialized, terminated and allowed statements.
    Review,
}

/// What the LMS has recorded so far. `completed` and `passed` hold for the registration (all
/// sessions of the AU); the other flags for this session only.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct State {
    /// The AU sent "Initialized" in this session.
    pub initialized: bool,
    /// The AU sent "Completed" in this registration.
    pub completed: bool,
    /// The AU sent "Passed" in this registration.
    pub passed: bool,
    /// The AU sent "Passed" or "Failed" in this session.
    pub judged: bool,
    /// The AU sent "Terminated" in this session.
    pub terminated: bool,
    /// The LMS recorded "Abandoned" for this session.
    pub abandoned: bool,
}

/// What the LMS knows of one launch of an AU, and the state so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The registration id given in the launch URL.
    pub registration: Uuid,
    /// The session id given in the context template.
    pub session_id: String,
    /// The actor's `account.homePage`.
    pub actor_home_page: String,
    /// The actor's `account.name`.
    pub actor_name: String,
    /// The AU's activity id given in the launch URL (not the publisher's id).
    pub activity_id: String,
    /// When the AU counts as done.
    pub move_on: MoveOn,
    /// The scaled score needed to pass (0..=1), when the course gives one.
    pub mastery_score: Option<f64>,
    /// How the AU was launched.
    pub launch_mode: LaunchMode,
    /// What happened so far.
    pub state: State,
}

/// What an accepted statement changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect {
    /// The session started.
    Initialized,
    /// The AU is completed.
    Completed,
    /// The learner passed, with the scaled score when the AU sent one.
    Passed(Option<f64>),
    /// The learner failed, with the scaled score when the AU sent one.
    Failed(Option<f64>),
    /// The session ended.
    Terminated,
    /// Nothing (a cmi5 allowed statement): stored, but no part of the AU's status.
    None,
}

impl State {
    /// The state after an accepted statement's effect.
    pub fn after(self, effect: Effect) -> State {
        let mut s = self;
        match effect {
            Effect::Initialized => s.initialized = true,
            Effect::Completed => s.completed = true,
            Effect::Passed(_) => {
                s.passed = true;
                s.judged = true;
            }
            Effect::Failed(_) => s.judged = true,
            Effect::Terminated => s.terminated = true,
            Effect::None => {}
        }
        s
    }
}

/// Whether the AU's `moveOn` criterion is met (10.0): NotApplicable always is.
pub fn satisfied(move_on: MoveOn, state: &State) -> bool {
    match move_on {
        MoveOn::Passed => state.passed,
        MoveOn::Completed => state.completed,
        MoveOn::CompletedAndPassed => state.completed && state.passed,
        MoveOn::CompletedOrPassed => state.completed || state.passed,
        MoveOn::NotApplicable => true,
    }
}

/// A refusal with its status, field, code and Dutch message.
fn refuse(
    status: StatusCode,
    field: &'static str,
    code: &'static str,
    message: impl Into<Cow<'static, str>>,
) -> AppError {
    AppError::new(status, code, message).with_field(field)
}

/// A statement that breaks cmi5's rules (400, as the xAPI answers a bad statement).
fn bad(field: &'static str, code: &'static str, message: impl Into<Cow<'static, str>>) -> AppError {
    refuse(StatusCode::BAD_REQUEST, field, code, message)
}

/// The string at `pointer`, if any.
fn text<'a>(statement: &'a Value, pointer: &str) -> Option<&'a str> {
    statement.pointer(pointer).and_then(Value::as_str)
}

/// Whether the context's `category` list (or single activity) holds an activity with `id`.
fn has_category(statement: &Value, id: &str) -> bool {
    match statement.pointer("/context/contextActivities/category") {
        Some(Value::Array(list)) => list.iter().any(|a| text(a, "/id") == Some(id)),
        Some(one @ Value::Object(_)) => text(one, "/id") == Some(id),
        _ => false,
    }
}

/// Checks the parts every statement of the launch shares: the actor (9.2, 8.1), the
/// registration (9.6.1) and the session id (9.6.3.1).
fn check_launch(session: &Session, statement: &Value) -> Result<(), AppError> {
    let agent = matches!(text(statement, "/actor/objectType"), None | Some("Agent"));
    if !agent
        || text(statement, "/actor/account/homePage") != Some(session.actor_home_page.as_str())
        || text(statement, "/actor/account/name") != Some(session.actor_name.as_str())
    {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "actor",
            "cmi5_wrong_actor",
            "De actor van de melding is niet de cursist van deze sessie.",
        ));
    }
    let registration =
        text(statement, "/context/registration").and_then(|r| r.parse::<Uuid>().ok());
    if registration != Some(session.registration) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "context.registration",
            "cmi5_wrong_registration",
            "De melding hoort niet bij de inschrijving van deze sessie (context.registration).",
        ));
    }
    if extension(statement, EXT_SESSION_ID).and_then(Value::as_str)
        != Some(session.session_id.as_str())
    {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "context.extensions",
            "cmi5_wrong_session",
            "De melding noemt niet de sessie-id van deze sessie.",
        ));
    }
    Ok(())
}

/// Whether `d` looks like an ISO 8601 duration (`P`, then digits, `.` and designators, with at
/// least one number: `PT4M30S`, `P1DT2H`, `PT0.5S`, `P2W`).
fn is_duration(d: &str) -> bool {
    let Some(rest) = d.strip_prefix('P') else {
        return false;
    };
    let mut digits = false;
    let mut number = false;
    for (i, c) in rest.char_indices() {
        match c {
            '0'..='9' | '.' | ',' => number = true,
            'Y' | 'M' | 'W' | 'D' | 'H' | 'S' if number => {
                number = false;
                digits = true;
            }
            'T' if !number && !rest[..i].contains('T') => {}
            _ => return false,
        }
    }
    digits && !number && !rest.ends_with('T')
}

/// The context extension `id` of a statement.
fn extension<'a>(statement: &'a Value, id: &str) -> Option<&'a Value> {
    statement
        .pointer("/context/extensions")
        .and_then(|e| e.get(id))
}

/// Checks the result of a defined statement (9.5): `score` only on passed/failed, `success`
/// true on passed and false on failed and absent elsewhere, `completion` true on completed and
/// absent elsewhere, `duration` on completed, passed, failed and terminated; and the moveOn
/// category (9.6.2.2) exactly when `success` or `completion` is there. Gives the scaled score.
fn check_result(verb: &str, statement: &Value) -> Result<Option<f64>, AppError> {
    let judged = verb == PASSED || verb == FAILED;
    let score = statement.pointer("/result/score");
    if score.is_some() && !judged {
        return Err(bad(
            "result.score",
            "cmi5_result_not_allowed",
            "Alleen een 'passed'- of 'failed'-melding mag een score hebben.",
        ));
    }
    let scaled = match statement.pointer("/result/score/scaled") {
        None => None,
        Some(v) => match v.as_f64() {
            Some(s) if (0.0..=1.0).contains(&s) => Some(s),
            _ => {
                return Err(bad(
                    "result.score.scaled",
                    "cmi5_invalid_score",
                    "De geschaalde score moet een getal van 0 tot en met 1 zijn.",
                ))
            }
        },
    };
    let success = statement.pointer("/result/success");
    let wanted = match verb {
        PASSED => Some(true),
        FAILED => Some(false),
        _ => None,
    };
    if success.map(Value::as_bool) != wanted.map(Some) {
        let message = match wanted {
            Some(true) => "Een 'passed'-melding moet result.success = true hebben.",
            Some(false) => "Een 'failed'-melding moet result.success = false hebben.",
            None => "Alleen een 'passed'- of 'failed'-melding mag result.success hebben.",
        };
        return Err(bad("result.success", "cmi5_invalid_success", message));
    }
    let completion = statement.pointer("/result/completion");
    let wanted = (verb == COMPLETED).then_some(true);
    if completion.map(Value::as_bool) != wanted.map(Some) {
        let message = match wanted {
            Some(_) => "Een 'completed'-melding moet result.completion = true hebben.",
            None => "Alleen een 'completed'-melding mag result.completion hebben.",
        };
        return Err(bad("result.completion", "cmi5_invalid_completion", message));
    }
    match statement.pointer("/result/duration") {
        Some(d) if !d.as_str().is_some_and(is_duration) => {
            return Err(bad(
                "result.duration",
                "cmi5_invalid_duration",
                "De duur (result.duration) moet een ISO 8601-duur zijn, zoals PT4M30S.",
            ));
        }
        None if verb != INITIALIZED => {
            return Err(bad("result.duration", "cmi5_missing_duration",
                "Een 'completed'-, 'passed'-, 'failed'- of 'terminated'-melding moet een duur hebben (result.duration)."));
        }
        _ => {}
    }
    let moveon = success.is_some() || completion.is_some();
    if has_category(statement, CATEGORY_MOVEON) != moveon {
        let message = if moveon {
            "Een melding met result.success of result.completion moet de moveOn-categorie hebben."
        } else {
            "Alleen een melding met result.success of result.completion mag de moveOn-categorie hebben."
        };
        return Err(bad(
            "context.contextActivities.category",
            "cmi5_moveon_category",
            message,
        ));
    }
    Ok(scaled)
}

/// Checks a passed/failed statement's score against the masteryScore (9.3.4, 9.3.5, 9.5.1):
/// passed needs at least the masteryScore, failed less; the masteryScore extension, when
/// there, must be the session's (9.6.3.2).
fn check_mastery(
    session: &Session,
    verb: &str,
    scaled: Option<f64>,
    statement: &Value,
) -> Result<(), AppError> {
    let Some(mastery) = session.mastery_score else {
        return Ok(());
    };
    if let Some(given) = extension(statement, EXT_MASTERY_SCORE) {
        if given.as_f64().is_none_or(|g| (g - mastery).abs() > 1e-9) {
            return Err(bad(
                "context.extensions",
                "cmi5_wrong_mastery_score",
                format!(
                    "De melding noemt een andere beheersingsscore dan de {mastery} van deze sessie."
                ),
            ));
        }
    }
    match scaled {
        Some(s) if verb == PASSED && s < mastery => Err(bad(
            "result.score.scaled",
            "cmi5_below_mastery",
            format!(
                "Geslaagd kan niet met score {s}: die ligt onder de beheersingsscore {mastery}."
            ),
        )),
        Some(s) if verb == FAILED && s >= mastery => Err(bad(
            "result.score.scaled",
            "cmi5_above_mastery",
            format!("Gezakt kan niet met score {s}: die haalt de beheersingsscore {mastery}."),
        )),
        _ => Ok(()),
    }
}

/// Applies cmi5's rules to a statement the AU sends in `session`: `Ok` with what it changes,
/// or a 4xx refusal with a stable `cmi5_*` code. The LMS stores accepted statements (also
/// those with [`Effect::None`]) and applies the effect with [`State::after`].
pub fn check(session: &Session, statement: &Value) -> Result<Effect, AppError> {
    let Some(verb) = text(statement, "/verb/id") else {
        return Err(bad(
            "verb.id",
            "cmi5_invalid_statement",
            "De melding heeft geen werkwoord (verb.id).",
        ));
    };
    check_launch(session, statement)?;
    let state = &session.state;
    if state.terminated || state.abandoned {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "verb.id",
            "cmi5_terminated",
            "Deze sessie is beëindigd; er kunnen geen meldingen meer bij.",
        ));
    }
    let cmi5_verb = VERBS.contains(&verb);
    let about_au = text(statement, "/object/id") == Some(session.activity_id.as_str());
    if !has_category(statement, CATEGORY_CMI5) {
        if cmi5_verb && about_au {
            return Err(bad("context.contextActivities.category", "cmi5_missing_category",
                "Een cmi5-melding over de leseenheid zelf moet de cmi5-categorie hebben (context.contextActivities.category)."));
        }
        if !state.initialized {
            return Err(bad(
                "verb.id",
                "cmi5_not_initialized",
                "De eerste melding van een sessie moet 'initialized' zijn.",
            ));
        }
        return Ok(Effect::None);
    }
    if !cmi5_verb {
        return Err(bad(
            "context.contextActivities.category",
            "cmi5_category_not_allowed",
            "Alleen meldingen met een cmi5-werkwoord mogen de cmi5-categorie hebben.",
        ));
    }
    if LMS_VERBS.contains(&verb) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "verb.id",
            "cmi5_lms_verb",
            "Dit werkwoord is voorbehouden aan het leerplatform zelf.",
        ));
    }
    if !about_au {
        return Err(bad(
            "object.id",
            "cmi5_wrong_activity",
            "Het object van een cmi5-melding moet de activiteit van deze leseenheid zijn.",
        ));
    }
    if verb == INITIALIZED && state.initialized {
        return Err(bad(
            "verb.id",
            "cmi5_already_initialized",
            "Deze sessie is al gestart ('initialized').",
        ));
    }
    if verb != INITIALIZED && !state.initialized {
        return Err(bad(
            "verb.id",
            "cmi5_not_initialized",
            "De eerste melding van een sessie moet 'initialized' zijn.",
        ));
    }
    let judging = verb == COMPLETED || verb == PASSED || verb == FAILED;
    if judging && session.launch_mode != LaunchMode::Normal {
        return Err(bad("verb.id", "cmi5_not_normal_mode",
            "In de modus rondkijken of terugkijken telt de leseenheid niet mee: 'completed', 'passed' en 'failed' kunnen niet."));
    }
    match verb {
        COMPLETED if state.completed => {
            return Err(bad(
                "verb.id",
                "cmi5_already_completed",
                "Deze leseenheid is al afgerond ('completed').",
            ));
        }
        PASSED if state.passed => {
            return Err(bad(
                "verb.id",
                "cmi5_already_passed",
                "Voor deze leseenheid is de cursist al geslaagd ('passed').",
            ));
        }
        FAILED if state.passed => {
            return Err(bad(
                "verb.id",
                "cmi5_failed_after_passed",
                "Na 'passed' kan 'failed' niet meer in deze inschrijving.",
            ));
        }
        PASSED | FAILED if state.judged => {
            return Err(bad(
                "verb.id",
                "cmi5_already_judged",
                "In deze sessie is al 'passed' of 'failed' gemeld.",
            ));
        }
        _ => {}
    }
    let scaled = check_result(verb, statement)?;
    check_mastery(session, verb, scaled, statement)?;
    Ok(match verb {
        INITIALIZED => Effect::Initialized,
        COMPLETED => Effect::Completed,
        PASSED => Effect::Passed(scaled),
        FAILED => Effect::Failed(scaled),
        _ => Effect::Terminated,
    })
}
