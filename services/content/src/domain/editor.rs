//! What the authoring pages do to a draft, as plain functions over the document: set the
//! metadata, add a block from a form, move or remove one, change a text block. The result is
//! saved (and checked) by `authoring::save`.

use super::module::{Block, BlockBody, ModuleDoc, Question, QuizOption, RetryPolicy};
use uuid::Uuid;
use zk_kernel::{AppError, AppResult};

/// The fields of the editor's forms, by name.
pub struct Fields<'a>(pub &'a [(String, String)]);

impl Fields<'_> {
    /// The first value of `name`, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    }
    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }
}

fn number<T: std::str::FromStr>(
    f: &Fields,
    name: &'static str,
    message: &'static str,
) -> AppResult<T> {
    f.get(name)
        .parse()
        .map_err(|_| AppError::validation(name, "invalid_number", message))
}

/// Sets title, summary, target group, level, minutes, tags (comma-separated) and language.
pub fn set_meta(doc: &mut ModuleDoc, f: &Fields) -> AppResult<()> {
    doc.title = f.get("title");
    doc.summary = f.get("summary");
    doc.target_group = f.get("target_group");
    doc.mbo_level = match f.get("mbo_level").as_str() {
        "" => None,
        v => Some(v.parse().map_err(|_| {
            AppError::validation(
                "mbo_level",
                "invalid_level",
                "Kies mbo-niveau 2, 3 of 4, of geen niveau.",
            )
        })?),
    };
    doc.minutes = number(f, "minutes", "Geef de studieduur in hele minuten.")?;
    doc.tags = f
        .get("tags")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(lang) = f.opt("language") {
        doc.language = lang;
    }
    doc.validity_months = match f.opt("validity_months") {
        None => None,
        Some(_) => Some(number(
            f,
            "validity_months",
            "Geef de geldigheid in hele maanden.",
        )?),
    };
    doc.shuffle = f.get("shuffle") == "1";
    // Empty attempts: as many tries as the learner likes.
    doc.retry = match f.opt("retry_attempts") {
        None => None,
        Some(_) => Some(RetryPolicy {
            attempts: number(
                f,
                "retry_attempts",
                "Geef het aantal pogingen als heel getal.",
            )?,
            wait_minutes: match f.opt("retry_wait") {
                None => 0,
                Some(_) => number(f, "retry_wait", "Geef de wachttijd in hele minuten.")?,
            },
        }),
    };
    Ok(())
}

/// A new block from the add-block form (`type` and that type's fields).
pub fn block_from(f: &Fields) -> AppResult<Block> {
    let body = match f.get("type").as_str() {
        "text" => BlockBody::Text {
            markdown: f.get("markdown"),
        },
        "image" => BlockBody::Image {
            media: f.get("media"),
            alt: f.get("alt"),
        },
        "video" => BlockBody::Video {
            media: f.get("media"),
            poster: f.opt("poster"),
            captions: f.opt("captions"),
            title: f.get("title"),
        },
        "document" => BlockBody::Document {
            media: f.get("media"),
            title: f.get("title"),
        },
        "package" => BlockBody::Package {
            media: f.get("media"),
            title: f.get("title"),
        },
        "link" => BlockBody::Link {
            url: f.get("url"),
            label: f.get("label"),
        },
        "quiz" => {
            let correct = f.all("correct");
            let options: Vec<QuizOption> = (1..=6)
                .filter_map(|i| {
                    let text = f.get(&format!("option{i}"));
                    (!text.is_empty()).then(|| QuizOption {
                        id: None,
                        text,
                        correct: correct.contains(&i.to_string().as_str()),
                        feedback: f.get(&format!("feedback{i}")),
                    })
                })
                .collect();
            BlockBody::Quiz {
                questions: vec![Question {
                    id: None,
                    prompt: f.get("prompt"),
                    multiple: !f.get("multiple").is_empty(),
                    options,
                }],
                pass_mark: number(f, "pass_mark", "Geef de cesuur als percentage (0 tot 100).")?,
            }
        }
        _ => {
            return Err(AppError::validation(
                "type",
                "invalid_block_type",
                "Kies een soort blok: tekst, afbeelding, video, document, link of toets.",
            ))
        }
    };
    Ok(Block {
        id: None,
        optional: !f.get("optional").is_empty(),
        body,
    })
}

fn position(doc: &ModuleDoc, block: Uuid) -> AppResult<usize> {
    doc.blocks
        .iter()
        .position(|b| b.id == Some(block))
        .ok_or_else(AppError::not_found)
}

/// Moves a block one place up or down (at the edge nothing changes).
pub fn move_block(doc: &mut ModuleDoc, block: Uuid, up: bool) -> AppResult<()> {
    let i = position(doc, block)?;
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    if let Some(j) = j.filter(|j| *j < doc.blocks.len()) {
        doc.blocks.swap(i, j);
    }
    Ok(())
}

/// Puts the blocks in `order`, which must name every block of the draft exactly once.
pub fn reorder(doc: &mut ModuleDoc, order: &[Uuid]) -> AppResult<()> {
    let mut current: Vec<Uuid> = doc.blocks.iter().filter_map(|b| b.id).collect();
    let mut wanted = order.to_vec();
    current.sort();
    wanted.sort();
    if current != wanted || order.len() != doc.blocks.len() {
        return Err(AppError::validation(
            "order",
            "invalid_order",
            "De nieuwe volgorde moet elk blok van deze module precies één keer noemen.",
        ));
    }
    doc.blocks
        .sort_by_key(|b| b.id.and_then(|id| order.iter().position(|o| *o == id)));
    Ok(())
}

/// Removes a block.
pub fn remove_block(doc: &mut ModuleDoc, block: Uuid) -> AppResult<()> {
    let i = position(doc, block)?;
    doc.blocks.remove(i);
    Ok(())
}

/// Changes a block in place from the editor's form for its kind: the text; a link's address and
/// label; a picture's description (and file); a video's title, file and captions; a document's
/// title and file; a quiz's question, answers and pass mark. The block keeps its id, so
/// progress and accents that refer to it stay valid. Fields left empty keep files as they are.
pub fn edit_block(doc: &mut ModuleDoc, block: Uuid, f: &Fields) -> AppResult<()> {
    let i = position(doc, block)?;
    let keep = |current: &mut String, new: String| {
        if !new.is_empty() {
            *current = new;
        }
    };
    match &mut doc.blocks[i].body {
        BlockBody::Text { markdown } => *markdown = f.get("markdown"),
        BlockBody::Link { url, label } => {
            *url = f.get("url");
            *label = f.get("label");
        }
        BlockBody::Image { media, alt } => {
            keep(media, f.get("media"));
            *alt = f.get("alt");
        }
        BlockBody::Video {
            media,
            captions,
            title,
            ..
        } => {
            keep(media, f.get("media"));
            if let Some(c) = f.opt("captions") {
                *captions = Some(c);
            }
            *title = f.get("title");
        }
        BlockBody::Document { media, title } | BlockBody::Package { media, title } => {
            keep(media, f.get("media"));
            *title = f.get("title");
        }
        BlockBody::Quiz {
            questions,
            pass_mark,
        } => {
            *pass_mark = number(f, "pass_mark", "Geef de cesuur als percentage (0 tot 100).")?;
            *questions = quiz_questions(f, questions);
        }
    }
    Ok(())
}

/// Answer slots per question in the editor's form (more when a question already has more).
pub const OPTION_SLOTS: usize = 6;

/// A quiz's questions from the editor's form: `q{n}_prompt`, `q{n}_multiple`, `q{n}_option{m}`,
/// `q{n}_correct` (the numbers of the right answers) and `q{n}_feedback{m}`, numbered as the
/// current questions are, plus one more for a new question. A question or answer keeps its id
/// (learners' answers refer to it); one left empty is removed. The result is checked like any
/// block when the draft is saved.
fn quiz_questions(f: &Fields, current: &[Question]) -> Vec<Question> {
    (1..=current.len() + 1)
        .filter_map(|q| {
            let name = |field: &str| format!("q{q}_{field}");
            let old = current.get(q - 1);
            let correct = f.all(&name("correct"));
            let slots = OPTION_SLOTS.max(old.map_or(0, |o| o.options.len()));
            let options: Vec<QuizOption> = (1..=slots)
                .filter_map(|n| {
                    let text = f.get(&name(&format!("option{n}")));
                    (!text.is_empty()).then(|| QuizOption {
                        id: old.and_then(|o| o.options.get(n - 1)).and_then(|o| o.id),
                        text,
                        correct: correct.contains(&n.to_string().as_str()),
                        feedback: f.get(&name(&format!("feedback{n}"))),
                    })
                })
                .collect();
            let prompt = f.get(&name("prompt"));
            (!prompt.is_empty() || !options.is_empty()).then(|| Question {
                id: old.and_then(|o| o.id),
                prompt,
                multiple: !f.get(&name("multiple")).is_empty(),
                options,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_quiz_from_the_form() {
        let f = fields(&[
            ("type", "quiz"),
            ("prompt", "Wat eerst?"),
            ("option1", "Controleren"),
            ("option2", "Geven"),
            ("option3", ""),
            ("correct", "1"),
            ("feedback2", "Nee"),
            ("pass_mark", "80"),
        ]);
        let b = block_from(&Fields(&f)).unwrap();
        let BlockBody::Quiz {
            questions,
            pass_mark,
        } = b.body
        else {
            panic!("quiz")
        };
        assert_eq!(pass_mark, 80);
        assert_eq!(questions[0].options.len(), 2);
        assert!(questions[0].options[0].correct && !questions[0].options[1].correct);
        assert_eq!(questions[0].options[1].feedback, "Nee");
    }

    #[test]
    fn moving_and_removing() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut doc = ModuleDoc::empty();
        for id in [a, b] {
            doc.blocks.push(Block {
                id: Some(id),
                optional: false,
                body: BlockBody::Text {
                    markdown: "x".into(),
                },
            });
        }
        move_block(&mut doc, a, true).unwrap();
        assert_eq!(doc.blocks[0].id, Some(a), "the first stays first");
        move_block(&mut doc, a, false).unwrap();
        assert_eq!(doc.blocks[1].id, Some(a));
        reorder(&mut doc, &[a, b]).unwrap();
        assert_eq!(doc.blocks[0].id, Some(a));
        assert_eq!(reorder(&mut doc, &[a]).unwrap_err().code, "invalid_order");
        assert_eq!(
            reorder(&mut doc, &[a, Uuid::new_v4()]).unwrap_err().code,
            "invalid_order"
        );
        let f = fields(&[("markdown", "Nieuw")]);
        edit_block(&mut doc, a, &Fields(&f)).unwrap();
        assert!(matches!(&doc.blocks[0].body, BlockBody::Text { markdown } if markdown == "Nieuw"));
        // A quiz replaced in place keeps its id and optional flag.
        doc.blocks[1] = block_from(&Fields(&fields(&[
            ("type", "quiz"),
            ("prompt", "?"),
            ("option1", "a"),
            ("option2", "b"),
            ("correct", "1"),
            ("pass_mark", "50"),
        ])))
        .unwrap();
        doc.blocks[1].id = Some(b);
        let mut ids = doc.clone();
        super::super::module::assign_ids(&mut ids);
        doc.blocks[1] = ids.blocks[1].clone();
        let quiz = |doc: &ModuleDoc| match &doc.blocks[1].body {
            BlockBody::Quiz {
                questions,
                pass_mark,
            } => (questions.clone(), *pass_mark),
            _ => panic!("quiz"),
        };
        let (before, _) = quiz(&doc);
        // The first question changes, a second one is added with feedback.
        let f = fields(&[
            ("q1_prompt", "Wat?"),
            ("q1_option1", "Ja"),
            ("q1_option2", "Nee"),
            ("q1_correct", "2"),
            ("q2_prompt", "En nu?"),
            ("q2_multiple", "1"),
            ("q2_option1", "Dit"),
            ("q2_option2", "Dat"),
            ("q2_option3", "Zus"),
            ("q2_correct", "1"),
            ("q2_correct", "3"),
            ("q2_feedback2", "Nee, niet dat."),
            ("pass_mark", "60"),
        ]);
        edit_block(&mut doc, b, &Fields(&f)).unwrap();
        assert_eq!(doc.blocks[1].id, Some(b), "the quiz keeps its id");
        let (after, mark) = quiz(&doc);
        assert_eq!((mark, after.len()), (60, 2));
        assert_eq!(after[0].id, before[0].id, "the question keeps its id");
        assert_eq!(
            after[0].options.iter().map(|o| o.id).collect::<Vec<_>>(),
            before[0].options.iter().map(|o| o.id).collect::<Vec<_>>(),
            "the answers keep theirs"
        );
        assert!(after[0].options[1].correct && !after[0].options[0].correct);
        assert!(after[1].id.is_none() && after[1].multiple);
        assert_eq!(
            after[1]
                .options
                .iter()
                .map(|o| o.correct)
                .collect::<Vec<_>>(),
            vec![true, false, true]
        );
        assert_eq!(after[1].options[1].feedback, "Nee, niet dat.");
        // Emptying the first question removes it; the second keeps its place in the form.
        let f = fields(&[
            ("q1_prompt", ""),
            ("q2_prompt", "En nu?"),
            ("q2_option1", "Dit"),
            ("q2_correct", "1"),
            ("pass_mark", "60"),
        ]);
        edit_block(&mut doc, b, &Fields(&f)).unwrap();
        let (after, _) = quiz(&doc);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].prompt, "En nu?");
        remove_block(&mut doc, b).unwrap();
        assert_eq!(doc.blocks.len(), 1);
        assert!(remove_block(&mut doc, b).is_err());
        let f = fields(&[("title", " Nieuw "), ("minutes", "abc")]);
        assert_eq!(
            set_meta(&mut doc, &Fields(&f))
                .unwrap_err()
                .field
                .as_deref(),
            Some("minutes")
        );
    }
}
