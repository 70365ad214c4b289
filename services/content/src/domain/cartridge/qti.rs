//! Quizzes as QTI 1.2.1 in the Common Cartridge profile: [`write`] makes an assessment of a quiz
//! block (single choice as `cc.multiple_choice.v0p1`, multiple choice as
//! `cc.multiple_response.v0p1`; the right answers as `respcondition`s that set `SCORE` to 100,
//! each option's feedback as `itemfeedback` shown by a condition of its own); [`read`] reads one
//! back, keeping the questions of those two profiles (and true/false, a single choice) and
//! naming every other question it leaves out.

use super::xml::Xml;
use super::Skipped;
use crate::domain::module::{Question, QuizOption};
use roxmltree::Node;

/// The QTI namespace of the cartridge profile.
pub const NS: &str = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2";
const SINGLE: &str = "cc.multiple_choice.v0p1";
const MULTIPLE: &str = "cc.multiple_response.v0p1";
const TRUE_FALSE: &str = "cc.true_false.v0p1";

fn metadata(x: &mut Xml, fields: &[(&str, &str)]) {
    x.open("qtimetadata", &[]);
    for (label, entry) in fields {
        x.open("qtimetadatafield", &[]);
        x.leaf("fieldlabel", &[], label);
        x.leaf("fieldentry", &[], entry);
        x.close();
    }
    x.close();
}

fn material(x: &mut Xml, text: &str) {
    x.open("material", &[]);
    x.leaf("mattext", &[("texttype", "text/plain")], text);
    x.close();
}

/// The assessment of a quiz block: `ident` its identifier, `title` its title.
pub fn write(ident: &str, title: &str, questions: &[Question], pass_mark: u8) -> String {
    let mut x = Xml::new();
    x.open(
        "questestinterop",
        &[
            ("xmlns", NS),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.imsglobal.org/xsd/ims_qtiasiv1p2 http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_qtiasiv1p2p1_v1p0.xsd",
            ),
        ],
    );
    x.open("assessment", &[("ident", ident), ("title", title)]);
    let pass = pass_mark.to_string();
    metadata(
        &mut x,
        &[
            ("cc_profile", "cc.exam.v0p1"),
            ("qmd_assessmenttype", "Examination"),
            ("cc_maxattempts", "unlimited"),
            // Not a CC field: our pass mark, read back by our import (others ignore it).
            ("zk_pass_mark", pass.as_str()),
        ],
    );
    x.open("section", &[("ident", "root_section")]);
    for (qi, q) in questions.iter().enumerate() {
        let qid = format!("q{}", qi + 1);
        let oid = |oi: usize| format!("{qid}_o{}", oi + 1);
        let item_title = format!("Vraag {}", qi + 1);
        x.open(
            "item",
            &[("ident", qid.as_str()), ("title", item_title.as_str())],
        );
        x.open("itemmetadata", &[]);
        metadata(
            &mut x,
            &[("cc_profile", if q.multiple { MULTIPLE } else { SINGLE })],
        );
        x.close();
        x.open("presentation", &[]);
        material(&mut x, &q.prompt);
        let card = if q.multiple { "Multiple" } else { "Single" };
        x.open(
            "response_lid",
            &[("ident", "response1"), ("rcardinality", card)],
        );
        x.open("render_choice", &[]);
        for (oi, o) in q.options.iter().enumerate() {
            x.open("response_label", &[("ident", oid(oi).as_str())]);
            material(&mut x, &o.text);
            x.close();
        }
        x.close().close().close();
        x.open("resprocessing", &[]);
        x.open("outcomes", &[]);
        x.empty(
            "decvar",
            &[
                ("maxvalue", "100"),
                ("minvalue", "0"),
                ("varname", "SCORE"),
                ("vartype", "Decimal"),
            ],
        );
        x.close();
        for (oi, o) in q.options.iter().enumerate() {
            if o.feedback.is_empty() {
                continue;
            }
            x.open("respcondition", &[("continue", "Yes")]);
            x.open("conditionvar", &[]);
            x.leaf("varequal", &[("respident", "response1")], &oid(oi));
            x.close();
            x.empty(
                "displayfeedback",
                &[
                    ("feedbacktype", "Response"),
                    ("linkrefid", format!("{}_fb", oid(oi)).as_str()),
                ],
            );
            x.close();
        }
        x.open("respcondition", &[("continue", "No")]);
        x.open("conditionvar", &[]);
        if q.multiple {
            x.open("and", &[]);
            for (oi, o) in q.options.iter().enumerate() {
                if o.correct {
                    x.leaf("varequal", &[("respident", "response1")], &oid(oi));
                } else {
                    x.open("not", &[]);
                    x.leaf("varequal", &[("respident", "response1")], &oid(oi));
                    x.close();
                }
            }
            x.close();
        } else if let Some(oi) = q.options.iter().position(|o| o.correct) {
            x.leaf("varequal", &[("respident", "response1")], &oid(oi));
        }
        x.close();
        x.leaf("setvar", &[("action", "Set"), ("varname", "SCORE")], "100");
        x.close();
        x.close();
        for (oi, o) in q.options.iter().enumerate() {
            if o.feedback.is_empty() {
                continue;
            }
            x.open(
                "itemfeedback",
                &[("ident", format!("{}_fb", oid(oi)).as_str())],
            );
            x.open("flow_mat", &[]);
            material(&mut x, &o.feedback);
            x.close().close();
        }
        x.close();
    }
    x.finish()
}

/// A quiz read from an assessment: its questions, its pass mark, and what was left out.
#[derive(Debug, Default)]
pub struct Quiz {
    pub questions: Vec<Question>,
    pub pass_mark: Option<u8>,
    pub skipped: Vec<Skipped>,
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.tag_name().name() == name)
}

fn descendants<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.descendants().filter(move |c| c.tag_name().name() == name)
}

/// Metadata fields of a `qtimetadata` below `n` (not of nested items).
fn meta(n: Node<'_, '_>, label: &str) -> Option<String> {
    descendants(n, "qtimetadatafield")
        .filter(|f| {
            child(*f, "fieldlabel")
                .and_then(|l| l.text())
                .map(str::trim)
                == Some(label)
        })
        .find_map(|f| {
            child(f, "fieldentry")
                .and_then(|e| e.text())
                .map(|t| t.trim().to_owned())
        })
}

/// The text of a `material` (its `mattext`s; HTML turned into plain text).
fn text_of(n: Node<'_, '_>) -> String {
    let raw: String = descendants(n, "mattext")
        .map(|m| {
            let t: String = m
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect();
            if m.attribute("texttype") == Some("text/html") {
                super::html::to_segments(&t, "", &|_| false)
                    .into_iter()
                    .filter_map(|s| match s {
                        super::html::Segment::Text(t) => Some(plain(&t)),
                        super::html::Segment::File { .. } => None,
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Markdown read from HTML back to plain text (questions and options are plain text).
fn plain(md: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in md.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c != '*' {
            out.push(c);
        }
    }
    out
}

/// Reads an assessment; `Err` with a reason when it is not QTI at all.
pub fn read(xml: &str) -> Result<Quiz, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("de QTI klopt niet ({e})"))?;
    let root = doc.root_element();
    let Some(assessment) = descendants(root, "assessment").next() else {
        return Err("het bestand bevat geen QTI-toets (assessment)".into());
    };
    let mut quiz = Quiz {
        pass_mark: meta(assessment, "zk_pass_mark")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p <= 100),
        ..Quiz::default()
    };
    for item in descendants(assessment, "item") {
        let ident = item.attribute("ident").unwrap_or_default().to_owned();
        let prompt = child(item, "presentation")
            .and_then(|p| child(p, "material").or_else(|| descendants(p, "material").next()))
            .map(text_of)
            .unwrap_or_default();
        let profile = child(item, "itemmetadata")
            .and_then(|m| meta(m, "cc_profile"))
            .unwrap_or_default();
        let skip = |reason: &str| Skipped {
            item: ident.clone(),
            title: prompt.chars().take(200).collect(),
            reason: reason.to_owned(),
        };
        if ![SINGLE, MULTIPLE, TRUE_FALSE].contains(&profile.as_str()) {
            quiz.skipped.push(skip(&format!(
                "Dit soort vraag ({}) kan niet worden overgenomen; alleen meerkeuzevragen (één of meer goede antwoorden) en juist/onjuist.",
                if profile.is_empty() { "onbekend" } else { &profile }
            )));
            continue;
        }
        match question(item, prompt.clone(), profile == MULTIPLE) {
            Ok(q) => quiz.questions.push(q),
            Err(reason) => quiz.skipped.push(skip(&reason)),
        }
    }
    Ok(quiz)
}

/// One choice question: options in order, the right ones from the conditions that give score,
/// feedback from the conditions that show an option's `itemfeedback`.
fn question(item: Node<'_, '_>, prompt: String, multiple: bool) -> Result<Question, String> {
    let mut options: Vec<(String, QuizOption)> = descendants(item, "response_label")
        .map(|l| {
            (
                l.attribute("ident").unwrap_or_default().to_owned(),
                QuizOption {
                    id: None,
                    text: text_of(l),
                    correct: false,
                    feedback: String::new(),
                },
            )
        })
        .collect();
    let feedback = |id: &str| {
        descendants(item, "itemfeedback")
            .find(|f| f.attribute("ident") == Some(id))
            .map(text_of)
            .unwrap_or_default()
    };
    for cond in descendants(item, "respcondition") {
        let Some(var) = child(cond, "conditionvar") else {
            continue;
        };
        let scores = child(cond, "setvar").is_some_and(|s| {
            s.text()
                .and_then(|t| t.trim().parse::<f64>().ok())
                .unwrap_or(0.0)
                > 0.0
                && s.attribute("action") != Some("Subtract")
        });
        let positive: Vec<String> = descendants(var, "varequal")
            .filter(|v| !v.ancestors().any(|a| a.tag_name().name() == "not"))
            .filter_map(|v| v.text().map(|t| t.trim().to_owned()))
            .collect();
        if scores {
            for o in &mut options {
                if positive.contains(&o.0) {
                    o.1.correct = true;
                }
            }
        }
        if let (Some(fb), [one]) = (child(cond, "displayfeedback"), positive.as_slice()) {
            let text = feedback(fb.attribute("linkrefid").unwrap_or_default());
            if let Some(o) = options.iter_mut().find(|o| &o.0 == one) {
                if o.1.feedback.is_empty() {
                    o.1.feedback = text;
                }
            }
        }
    }
    let options: Vec<QuizOption> = options.into_iter().map(|(_, o)| o).collect();
    let correct = options.iter().filter(|o| o.correct).count();
    if prompt.is_empty() || prompt.chars().count() > 1000 {
        return Err("De vraag heeft geen tekst of is langer dan 1000 tekens.".into());
    }
    if !(2..=10).contains(&options.len()) {
        return Err("De vraag heeft geen 2 tot 10 antwoordmogelijkheden.".into());
    }
    if options.iter().any(|o| {
        o.text.is_empty() || o.text.chars().count() > 500 || o.feedback.chars().count() > 1000
    }) {
        return Err(
            "Een antwoord is leeg of te lang (hoogstens 500 tekens, feedback 1000).".into(),
        );
    }
    if correct == 0 {
        return Err("Bij deze vraag is geen goed antwoord aangegeven.".into());
    }
    let multiple = multiple || correct > 1;
    Ok(Question {
        id: None,
        prompt,
        multiple,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(text: &str, correct: bool, feedback: &str) -> QuizOption {
        QuizOption {
            id: None,
            text: text.into(),
            correct,
            feedback: feedback.into(),
        }
    }

    #[test]
    fn a_quiz_goes_out_and_comes_back_with_its_answers_and_feedback() {
        let questions = vec![
            Question {
                id: None,
                prompt: "Wat doet u eerst? <b>echt</b> & zo".into(),
                multiple: false,
                options: vec![
                    opt("Controleren", true, "Goed."),
                    opt("Toedienen", false, "Nee."),
                ],
            },
            Question {
                id: None,
                prompt: "Welke zijn juist?".into(),
                multiple: true,
                options: vec![
                    opt("A", true, ""),
                    opt("B", false, "Niet B."),
                    opt("C", true, ""),
                ],
            },
        ];
        let xml = write("quiz1", "Toets", &questions, 70);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().namespace(), Some(NS));
        let quiz = read(&xml).unwrap();
        assert_eq!(quiz.questions, questions);
        assert_eq!(quiz.pass_mark, Some(70));
        assert!(quiz.skipped.is_empty());
    }

    #[test]
    fn other_question_types_are_named_not_dropped() {
        let xml = r#"<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2"><assessment ident="a" title="T"><section ident="s">
          <item ident="essay1"><itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>cc.essay.v0p1</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>
            <presentation><material><mattext texttype="text/html">&lt;p&gt;Schrijf een &lt;b&gt;essay&lt;/b&gt;&lt;/p&gt;</mattext></material><response_str ident="r"/></presentation></item>
          <item ident="tf"><itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>cc.true_false.v0p1</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>
            <presentation><material><mattext>Water is nat.</mattext></material><response_lid ident="r" rcardinality="Single"><render_choice>
              <response_label ident="t"><material><mattext>Juist</mattext></material></response_label>
              <response_label ident="f"><material><mattext>Onjuist</mattext></material></response_label></render_choice></response_lid></presentation>
            <resprocessing><respcondition><conditionvar><varequal respident="r">t</varequal></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing></item>
        </section></assessment></questestinterop>"#;
        let quiz = read(xml).unwrap();
        assert_eq!(quiz.questions.len(), 1);
        assert!(quiz.questions[0].options[0].correct && !quiz.questions[0].options[1].correct);
        assert_eq!(quiz.skipped.len(), 1);
        assert_eq!(quiz.skipped[0].item, "essay1");
        assert_eq!(quiz.skipped[0].title, "Schrijf een essay");
        assert!(quiz.skipped[0].reason.contains("cc.essay.v0p1"));
        assert!(read("<niet").is_err());
    }
}
