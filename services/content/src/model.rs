//! Types the content service's repo keeps and its domain works with, defined once below both:
//! a learning path's document, a member's accents on a shared path, and where an accent sits.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where an accent sits relative to its anchor block.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Before,
    After,
}

/// The document of a path.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PathDoc {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Module ids, in the order a learner takes them.
    pub modules: Vec<Uuid>,
    /// Modules of the path a member who adopts it may leave out (NZK's marking).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optional: Vec<Uuid>,
}

/// One module the member adds to the path, anchored to a module of the path.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PathAccent {
    /// A module of the shared path.
    pub anchor: Uuid,
    pub position: Position,
    /// The added module: one of the member's own published modules or a shared one.
    pub module: Uuid,
}

/// The member's accents on one shared path.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PathOverlay {
    /// The member's own introduction, shown above the path.
    #[serde(default)]
    pub intro_markdown: String,
    /// Optional modules of the path the member leaves out.
    #[serde(default)]
    pub hidden: Vec<Uuid>,
    #[serde(default)]
    pub accents: Vec<PathAccent>,
}
