//! Types used across the learning service's files, defined once below all of them: a quiz
//! attempt's answers and its score (the repo keeps them, the domain computes them), and what
//! enrolling many people did.

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

/// What enrolling a group (or a department, or a path's learners) did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupEnrolled {
    /// Learners enrolled now.
    pub enrolled: usize,
    /// Learners who were enrolled in the module already (left as they were).
    pub already: usize,
}
