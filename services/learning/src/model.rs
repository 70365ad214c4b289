//! Types the learning repo returns and its domain uses, defined once below both: a quiz
//! attempt's answers and its score.

use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The answers of one attempt: per question id, the chosen option ids.
pub type Answers = BTreeMap<Uuid, Vec<Uuid>>;

/// How one question went.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct QuestionResult {
    pub question_id: Uuid,
    pub correct: bool,
    /// The feedback of each chosen option (in the order chosen), where the author wrote one.
    pub feedback: Vec<String>,
}

/// A scored attempt.
#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Scored {
    pub correct: u32,
    pub questions: u32,
    /// Whole percent, rounded down (for display; passing is decided exactly).
    pub percent: u32,
    pub pass_mark: u8,
    pub passed: bool,
    pub results: Vec<QuestionResult>,
}
