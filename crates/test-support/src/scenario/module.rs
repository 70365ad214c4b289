//! Modules as tests make them: documents ([`module`], [`quiz_module`], [`text_module`]), and a
//! published [`Module`] with the ids its blocks, questions and options got. Authors of a member
//! publish its own modules; operators publish the shared portfolio.

use super::user::{Requests, User};
use http::StatusCode;
use serde_json::{json, Map, Value};

/// A module document with a text block (`text`), a quiz of one question (pass mark 50) and a
/// link.
pub fn module(title: &str, text: &str) -> Value {
    json!({
        "title": title,
        "summary": "Korte module voor de praktijk.",
        "target_group": "Verzorgenden IG",
        "mbo_level": 3,
        "minutes": 20,
        "tags": ["Veiligheid"],
        "blocks": [
            {"type": "text", "markdown": text},
            {"type": "quiz", "pass_mark": 50, "questions": [{"prompt": "Wat doet u eerst?", "options": [
                {"text": "Controleren", "correct": true, "feedback": "Goed: eerst controleren."},
                {"text": "Toedienen", "feedback": "Nee, eerst controleren."}]}]},
            {"type": "link", "url": "https://www.zorgvoorbeter.nl", "label": "Zorg voor Beter"}
        ]
    })
}

/// A module document of 15 minutes with a text, a quiz of two single-choice questions (pass
/// mark 50; the first option is right, the wrong one of the first question has feedback) and a
/// link.
pub fn quiz_module(title: &str) -> Value {
    json!({
        "title": title, "minutes": 15,
        "blocks": [
            {"type": "text", "markdown": "Goed licht voorkomt vallen."},
            {"type": "quiz", "pass_mark": 50, "questions": [
                {"prompt": "Wat helpt?", "options": [
                    {"text": "Goed licht", "correct": true},
                    {"text": "Losse kleden", "feedback": "Nee: daar struikelt u over."}]},
                {"prompt": "Wie controleert de trap?", "options": [
                    {"text": "Iedereen", "correct": true},
                    {"text": "Niemand"}]}]},
            {"type": "link", "url": "https://www.veiligheid.nl", "label": "VeiligheidNL"}
        ]
    })
}

/// A module document of 5 minutes with one text block per entry of `texts`.
pub fn text_module(title: &str, texts: &[&str]) -> Value {
    let blocks: Vec<Value> = texts
        .iter()
        .map(|t| json!({"type": "text", "markdown": t}))
        .collect();
    json!({"title": title, "minutes": 5, "blocks": blocks})
}

/// A module as its author last saved it: its id and its draft document, with the ids the
/// platform gave its blocks, questions and options.
#[derive(Clone, Debug)]
pub struct Module {
    /// The module's id.
    pub id: String,
    /// The draft document (`title`, `blocks`, …) with ids.
    pub doc: Value,
}

impl Module {
    /// The id of block `i`.
    pub fn block(&self, i: usize) -> String {
        id_of(&self.doc["blocks"][i])
    }

    /// The id of question `q` of the quiz block `block`.
    pub fn question(&self, block: usize, q: usize) -> String {
        id_of(&self.doc["blocks"][block]["questions"][q])
    }

    /// The id of option `o` of question `q` of the quiz block `block`.
    pub fn option(&self, block: usize, q: usize, o: usize) -> String {
        id_of(&self.doc["blocks"][block]["questions"][q]["options"][o])
    }

    /// The right answers to the quiz block `block`: per question id, its correct options.
    pub fn right_answers(&self, block: usize) -> Value {
        let mut answers = Map::new();
        for q in self.doc["blocks"][block]["questions"]
            .as_array()
            .expect("a quiz block")
        {
            let right: Vec<Value> = q["options"]
                .as_array()
                .expect("options")
                .iter()
                .filter(|o| o["correct"] == true)
                .map(|o| o["id"].clone())
                .collect();
            answers.insert(id_of(q), Value::Array(right));
        }
        Value::Object(answers)
    }
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in: {v}"))
        .to_owned()
}

impl User {
    /// Creates a module from `doc` and publishes it as version 1 ("Eerste versie"): an own
    /// module of the user's member, or a shared one when the user is an operator.
    pub async fn publish_module(&self, doc: Value) -> Module {
        let module = self.draft_module(doc).await;
        self.post(&format!("/api/v1/content/modules/{}/publish", module.id))
            .json(&json!({"change_note": "Eerste versie"}))
            .expect(StatusCode::CREATED)
            .await;
        module
    }

    /// Creates a module from `doc` without publishing it.
    pub async fn draft_module(&self, doc: Value) -> Module {
        let created = self
            .post("/api/v1/content/modules")
            .json(&doc)
            .expect(StatusCode::CREATED)
            .await
            .json();
        Module {
            id: id_of(&created),
            doc: created["draft"].clone(),
        }
    }

    /// Saves `doc` as the draft of the module `id` and publishes it with `note`; returns the
    /// new version's number.
    pub async fn publish_version(&self, id: &str, doc: &Value, note: &str) -> i64 {
        self.put(&format!("/api/v1/content/modules/{id}"))
            .json(doc)
            .expect(StatusCode::OK)
            .await;
        self.post(&format!("/api/v1/content/modules/{id}/publish"))
            .json(&json!({"change_note": note}))
            .expect(StatusCode::CREATED)
            .await
            .json()["version"]
            .as_i64()
            .expect("a version number")
    }

    /// The module `id` as its author sees it now (its draft, with ids).
    pub async fn module(&self, id: &str) -> Module {
        let body = self
            .get(&format!("/api/v1/content/modules/{id}"))
            .expect(StatusCode::OK)
            .await
            .json();
        Module {
            id: id.to_owned(),
            doc: body["draft"].clone(),
        }
    }

    /// Creates a learning path from `body` (`title`, `modules`, …) and publishes it; returns
    /// its id.
    pub async fn publish_path(&self, body: Value) -> String {
        let id = self
            .post("/api/v1/content/paths")
            .json(&body)
            .expect(StatusCode::CREATED)
            .await
            .id();
        self.post(&format!("/api/v1/content/paths/{id}/publish"))
            .json(&json!({"change_note": "Eerste versie"}))
            .expect(StatusCode::CREATED)
            .await;
        id
    }
}
