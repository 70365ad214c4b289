//! How pages show the portfolio: the JSON the templates read for a module's blocks and a
//! learning path. Shared by this crate's pages and the learning service's (the module and path
//! pages with a learner's progress), so both show a module the same way.

use crate::domain::{
    module::BlockBody,
    overlay::{Origin, ShownBlock},
    path,
};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::web::markdown_to_safe_html;

/// The blocks of a module page as the template shows them (media through `/leren/media/{id}`,
/// quiz questions without answers, the member's own blocks marked when adopted).
pub fn blocks_json(shown: &[ShownBlock], adopted: bool) -> Vec<Value> {
    shown
        .iter()
        .enumerate()
        .map(|(i, shown)| {
            let b = &shown.block;
            let mut v = match &b.body {
                BlockBody::Text { markdown } => json!({"html": markdown_to_safe_html(markdown)}),
                BlockBody::Video {
                    title,
                    media,
                    poster,
                    captions,
                } => {
                    json!({"title": title, "media": media, "poster": poster, "captions": captions})
                }
                BlockBody::Document { title, media } | BlockBody::Package { title, media } => {
                    json!({"title": title, "media": media})
                }
                BlockBody::Image { alt, media } => json!({"alt": alt, "media": media}),
                BlockBody::Quiz {
                    questions,
                    pass_mark,
                } => json!({
                    "questions": questions.iter().map(|q| json!({
                        "id": q.id, "prompt": q.prompt, "multiple": q.multiple,
                        "options": q.options.iter().map(|o| json!({"id": o.id, "text": o.text})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "pass_mark": pass_mark,
                }),
                BlockBody::Link { url, label } => json!({"url": url, "label": label}),
            };
            v["id"] = json!(b.id);
            v["kind"] = json!(b.body.kind());
            v["own"] = json!(shown.origin == Origin::Own && adopted);
            v["orphaned"] = json!(shown.orphaned);
            v["number"] = json!(i + 1);
            v
        })
        .collect()
}

/// A published path with its modules in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShownPathView {
    pub id: Uuid,
    /// `nzk`, `adopted` (with the member's accents) or `own`.
    pub source: String,
    pub version: i32,
    pub title: String,
    pub summary: String,
    /// The member's own introduction of an adopted path (Markdown).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub intro_markdown: String,
    /// Total study time of the modules.
    pub minutes: i32,
    /// In the order a learner takes them, the member's added modules included.
    pub modules: Vec<path::PathModule>,
}

/// A shown path as the API and the path page show it.
pub fn shown_of(s: path::ShownPath) -> ShownPathView {
    ShownPathView {
        minutes: s.modules.iter().map(|m| m.minutes).sum(),
        id: s.id,
        source: s.source,
        version: s.version,
        title: s.title,
        summary: s.summary,
        intro_markdown: s.intro_markdown,
        modules: s.modules,
    }
}

/// A shown path as the path page's template reads it.
pub fn shown_path_json(s: path::ShownPath) -> Value {
    json!(shown_of(s))
}
