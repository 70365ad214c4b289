//! Reading a cartridge (pure and synchronous, over the checked zip): its manifest, then per
//! organization item what it becomes: pages → text blocks (and the files they show → image,
//! document or video blocks), QTI multiple choice / multiple response → quiz blocks, web links →
//! link blocks. Everything else is named in `skipped` with the reason. Nothing is stored here.

mod files;

use super::{html, qti, refuse, Skipped};
use crate::domain::media::Kind;
use crate::domain::module::{self, Block, BlockBody};
use crate::domain::package::PackageFiles;
use bytes::Bytes;
use roxmltree::Node;
use std::collections::HashMap;
use std::io::{Read, Seek};
use uuid::Uuid;
use zk_kernel::AppResult;

/// A file to store as a confirmed media object of the member.
#[derive(Debug)]
pub struct NewFile {
    /// The media id the blocks already name.
    pub id: Uuid,
    pub kind: Kind,
    pub filename: String,
    pub bytes: Bytes,
}

/// A module to create as a draft.
#[derive(Debug)]
pub struct NewModule {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// What a cartridge becomes.
#[derive(Debug, Default)]
pub struct Prepared {
    pub modules: Vec<NewModule>,
    pub files: Vec<NewFile>,
    pub skipped: Vec<Skipped>,
}

struct Resource {
    kind: String,
    href: Option<String>,
    files: Vec<String>,
}

/// The blocks of an item before files are read.
enum Planned {
    Block(BlockBody),
    File {
        item: String,
        title: String,
        path: String,
        label: String,
        poster: Option<String>,
        captions: Option<String>,
    },
}

fn is(n: Node<'_, '_>, name: &str) -> bool {
    n.tag_name().name() == name
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(*c, name))
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(move |c| is(*c, name))
}

fn title_of(n: Node<'_, '_>) -> String {
    child(n, "title")
        .map(|t| {
            t.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        })
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the cartridge in `files`.
pub fn prepare<R: Read + Seek>(files: &mut PackageFiles<R>) -> AppResult<Prepared> {
    if !files.contains("imsmanifest.xml") {
        return Err(refuse(
            "cartridge_manifest_missing",
            "De cartridge heeft geen imsmanifest.xml in de hoofdmap; dit is geen (volledige) Common Cartridge.",
        ));
    }
    let size = files.get("imsmanifest.xml").map_or(0, |e| e.size);
    if size > files.limits().max_manifest_size {
        return Err(refuse(
            "cartridge_manifest_broken",
            "imsmanifest.xml is te groot.",
        ));
    }
    let bytes = files.read("imsmanifest.xml")?;
    let text = String::from_utf8(bytes).map_err(|_| {
        refuse(
            "cartridge_manifest_broken",
            "imsmanifest.xml in de cartridge klopt niet: het is geen UTF-8.",
        )
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        refuse(
            "cartridge_manifest_broken",
            format!("imsmanifest.xml in de cartridge klopt niet: {e}."),
        )
    })?;
    let root = doc.root_element();
    if !is(root, "manifest") {
        return Err(refuse(
            "cartridge_manifest_broken",
            "imsmanifest.xml in de cartridge klopt niet: het hoofdelement is geen manifest.",
        ));
    }
    let schema = child(root, "metadata")
        .and_then(|m| child(m, "schema"))
        .and_then(|s| s.text())
        .unwrap_or_default()
        .trim()
        .to_owned();
    let cc_namespace = root
        .tag_name()
        .namespace()
        .is_some_and(|ns| ns.contains("imscc"));
    if !(schema.contains("Common Cartridge") || schema.contains("Thin CC") || cc_namespace) {
        return Err(refuse(
            "cartridge_not_cc",
            if schema.contains("SCORM") {
                "Dit is een SCORM-pakket, geen Common Cartridge. Voeg het aan een module toe als e-learningblok.".to_owned()
            } else {
                format!(
                    "Dit is geen Common Cartridge (schema: {}).",
                    if schema.is_empty() {
                        "onbekend"
                    } else {
                        &schema
                    }
                )
            },
        ));
    }
    let cartridge_title = root
        .descendants()
        .find(|n| is(*n, "general"))
        .and_then(|g| child(g, "title"))
        .map(|t| {
            t.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect::<String>()
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Geïmporteerde module".into());
    let mut resources = HashMap::new();
    if let Some(rs) = child(root, "resources") {
        for r in children(rs, "resource") {
            let Some(id) = r.attribute("identifier") else {
                continue;
            };
            resources.insert(
                id.to_owned(),
                Resource {
                    kind: r.attribute("type").unwrap_or_default().to_owned(),
                    href: r.attribute("href").map(str::to_owned),
                    files: children(r, "file")
                        .filter_map(|f| f.attribute("href").map(str::to_owned))
                        .collect(),
                },
            );
        }
    }
    // Top-level items: those under the organization's one root item (CC), or the organization's
    // own items.
    let mut top: Vec<Node<'_, '_>> = Vec::new();
    if let Some(org) = child(root, "organizations").and_then(|o| child(o, "organization")) {
        let items: Vec<_> = children(org, "item").collect();
        top = match items.as_slice() {
            [one] if one.attribute("identifierref").is_none() => children(*one, "item").collect(),
            _ => items,
        };
    }
    let mut r = Reader {
        files,
        resources: &resources,
        prepared: Prepared::default(),
        stored: HashMap::new(),
    };
    let mut loose: Vec<Planned> = Vec::new();
    for item in &top {
        if children(*item, "item").next().is_some() {
            let mut planned = Vec::new();
            for c in children(*item, "item") {
                r.item(c, &mut planned, 0)?;
            }
            r.module(
                &title_of(*item),
                item.attribute("identifier").unwrap_or_default(),
                planned,
            )?;
        } else {
            r.item(*item, &mut loose, 0)?;
        }
    }
    if !loose.is_empty() {
        r.module(&cartridge_title, "", loose)?;
    }
    Ok(r.prepared)
}

struct Reader<'a, R> {
    files: &'a mut PackageFiles<R>,
    resources: &'a HashMap<String, Resource>,
    prepared: Prepared,
    /// Files stored once, however often they are shown: path → media id.
    stored: HashMap<String, Uuid>,
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

impl<R: Read + Seek> Reader<'_, R> {
    fn skip(&mut self, item: &str, title: &str, reason: impl Into<String>) {
        self.prepared.skipped.push(Skipped {
            item: item.to_owned(),
            title: title.to_owned(),
            reason: reason.into(),
        });
    }

    fn text_file(&mut self, path: &str) -> Option<String> {
        let size = self.files.get(path)?.size;
        if size > 16 << 20 {
            return None;
        }
        let bytes = self.files.read(path).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// What one item becomes (a folder: a heading and its items).
    fn item(&mut self, item: Node<'_, '_>, out: &mut Vec<Planned>, depth: usize) -> AppResult<()> {
        let ident = item.attribute("identifier").unwrap_or_default().to_owned();
        let title = title_of(item);
        if children(item, "item").next().is_some() {
            if !title.is_empty() {
                out.push(Planned::Block(BlockBody::Text {
                    markdown: format!("## {}", html::escape_markdown(&title)),
                }));
            }
            if depth > 20 {
                self.skip(&ident, &title, "Deze map ligt te diep in de cartridge.");
                return Ok(());
            }
            for c in children(item, "item") {
                self.item(c, out, depth + 1)?;
            }
            return Ok(());
        }
        let resources = self.resources;
        let Some(res) = item
            .attribute("identifierref")
            .and_then(|id| resources.get(id))
        else {
            if item.attribute("identifierref").is_some() {
                self.skip(
                    &ident,
                    &title,
                    "Dit onderdeel verwijst naar een bron die niet in de cartridge staat.",
                );
            } else if !title.is_empty() {
                out.push(Planned::Block(BlockBody::Text {
                    markdown: format!("## {}", html::escape_markdown(&title)),
                }));
            }
            return Ok(());
        };
        let kind = res.kind.as_str();
        let first = res.href.clone().or_else(|| res.files.first().cloned());
        if kind == "webcontent" {
            let Some(href) =
                first.map(|h| h.split(['#', '?']).next().unwrap_or_default().to_owned())
            else {
                self.skip(&ident, &title, "Deze webpagina heeft geen bestand.");
                return Ok(());
            };
            let Some(path) = html::resolve("", &href).filter(|p| self.files.contains(p)) else {
                self.skip(
                    &ident,
                    &title,
                    format!("Het bestand {href} staat niet in de cartridge."),
                );
                return Ok(());
            };
            let lower = path.to_ascii_lowercase();
            if lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".xhtml") {
                let Some(page) = self.text_file(&path) else {
                    self.skip(
                        &ident,
                        &title,
                        "Deze webpagina is te groot of niet te lezen.",
                    );
                    return Ok(());
                };
                let files = &*self.files;
                let segments = html::to_segments(&page, parent(&path), &|p| files.contains(p));
                let before = out.len();
                for s in segments {
                    match s {
                        html::Segment::Text(md) => push_text(out, &md),
                        html::Segment::File {
                            path,
                            label,
                            poster,
                            captions,
                        } => out.push(Planned::File {
                            item: ident.clone(),
                            title: title.clone(),
                            path,
                            label,
                            poster,
                            captions,
                        }),
                    }
                }
                if out.len() == before {
                    self.skip(&ident, &title, "Deze webpagina is leeg.");
                }
            } else {
                out.push(Planned::File {
                    item: ident.clone(),
                    title: title.clone(),
                    path,
                    label: String::new(),
                    poster: None,
                    captions: None,
                });
            }
        } else if kind.starts_with("imswl_xmlv1p") {
            let link = first
                .and_then(|f| self.text_file(&f))
                .and_then(|x| weblink(&x));
            match link {
                Some((url, label)) => {
                    let label = if label.is_empty() {
                        title.clone()
                    } else {
                        label
                    };
                    let body = BlockBody::Link {
                        url,
                        label: label.chars().take(200).collect(),
                    };
                    if module::check_block("link", &body).is_ok() {
                        out.push(Planned::Block(body));
                    } else {
                        self.skip(
                            &ident,
                            &title,
                            "Deze weblink heeft geen geldig http(s)-adres.",
                        );
                    }
                }
                None => self.skip(&ident, &title, "Deze weblink is niet te lezen."),
            }
        } else if kind.starts_with("imsqti_xmlv1p2") && kind.ends_with("/assessment") {
            let Some(xml) = first.and_then(|f| self.text_file(&f)) else {
                self.skip(
                    &ident,
                    &title,
                    "Het bestand van deze toets staat niet in de cartridge.",
                );
                return Ok(());
            };
            match qti::read(&xml) {
                Ok(quiz) => {
                    for mut s in quiz.skipped {
                        s.item = format!("{ident}/{}", s.item);
                        self.prepared.skipped.push(s);
                    }
                    if quiz.questions.is_empty() {
                        self.skip(
                            &ident,
                            &title,
                            "Geen van de vragen van deze toets kon worden overgenomen.",
                        );
                    } else {
                        let mut questions = quiz.questions;
                        if questions.len() > 100 {
                            self.skip(&ident, &title, "Deze toets heeft meer dan 100 vragen; alleen de eerste 100 zijn overgenomen.");
                            questions.truncate(100);
                        }
                        out.push(Planned::Block(BlockBody::Quiz {
                            questions,
                            pass_mark: quiz.pass_mark.unwrap_or(50),
                        }));
                    }
                }
                Err(reason) => self.skip(
                    &ident,
                    &title,
                    format!("Deze toets kon niet worden gelezen: {reason}."),
                ),
            }
        } else {
            let reason = if kind.starts_with("imsdt_xmlv1p") {
                "Een discussie kan niet worden overgenomen.".to_owned()
            } else if kind.starts_with("imsbasiclti_xmlv1p") {
                "Een LTI-link naar een ander systeem kan niet worden overgenomen.".to_owned()
            } else if kind.contains("question-bank") {
                "Een vragenbank kan niet worden overgenomen.".to_owned()
            } else {
                format!("Dit soort onderdeel ({kind}) kan niet worden overgenomen.")
            };
            self.skip(&ident, &title, reason);
        }
        Ok(())
    }
}

/// Adds a page's Markdown as a new text block (more than one where it would grow past 50,000
/// bytes, split between paragraphs).
fn push_text(out: &mut Vec<Planned>, md: &str) {
    const MAX: usize = 50_000;
    let mut current = String::new();
    for para in md.split("\n\n") {
        let mut para = para.to_owned();
        if para.len() > MAX {
            let mut end = MAX;
            while !para.is_char_boundary(end) {
                end -= 1;
            }
            para.truncate(end);
        }
        if !current.is_empty() && current.len() + para.len() + 2 > MAX {
            out.push(Planned::Block(BlockBody::Text {
                markdown: std::mem::take(&mut current),
            }));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(&para);
    }
    if !current.trim().is_empty() {
        out.push(Planned::Block(BlockBody::Text { markdown: current }));
    }
}

/// A web link's URL and title.
fn weblink(xml: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let root = doc.root_element();
    let url = root
        .descendants()
        .find(|n| is(*n, "url"))?
        .attribute("href")?
        .trim()
        .to_owned();
    let title = child(root, "title")
        .and_then(|t| t.text())
        .unwrap_or_default()
        .trim()
        .to_owned();
    Some((url, title))
}
