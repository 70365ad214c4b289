//! Writing a cartridge (pure): modules in, zip bytes out. One organization; under its root item
//! every module is an item with its blocks as child items, in order. Text blocks are pages
//! (Markdown rendered to safe HTML); images, documents and videos are their files shown from a
//! page (captions as `.vtt`); quizzes are QTI assessments; links are web links; packages, and
//! media files not at hand or too large, are LTI links back to the module on the member's portal
//! (listed in a comment at the top of the manifest and in its description).

use super::{html, qti, xml::Xml, CC_NS, LOM_NS, LTI_NS, MAX_FILE, WL_NS};
use crate::domain::module::{Block, BlockBody, ModuleDoc};
use bytes::Bytes;
use std::collections::HashMap;
use std::io::{Cursor, Write};
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};
use zk_kernel::{web::markdown_to_safe_html, AppError, AppResult};

/// A module to write: its id, metadata and the blocks as the member shows them.
#[derive(Clone, Debug)]
pub struct ExportModule {
    pub id: Uuid,
    pub doc: ModuleDoc,
    pub blocks: Vec<Block>,
}

/// A media file's name and bytes.
#[derive(Clone, Debug)]
pub struct MediaFile {
    pub filename: String,
    pub bytes: Bytes,
}

/// The cartridge's bytes and the blocks written as LTI links (title, why).
#[derive(Debug)]
pub struct Written {
    pub zip: Vec<u8>,
    pub as_lti: Vec<(String, String)>,
}

/// A module's item in the organization: its blocks as (resource id, title).
struct ModuleItem {
    id: Uuid,
    title: String,
    children: Vec<(String, String)>,
}

struct Resource {
    id: String,
    kind: &'static str,
    href: Option<String>,
    files: Vec<String>,
}

struct Writer<'a> {
    zip: ZipWriter<Cursor<Vec<u8>>>,
    resources: Vec<Resource>,
    files: &'a HashMap<Uuid, MediaFile>,
    launch: &'a dyn Fn(Uuid) -> String,
    as_lti: Vec<(String, String)>,
}

fn zip_err(e: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::internal(e)
}

impl Writer<'_> {
    fn add(&mut self, path: &str, bytes: &[u8], deflate: bool) -> AppResult<()> {
        let method = if deflate {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let opts = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        self.zip.start_file(path, opts).map_err(zip_err)?;
        self.zip.write_all(bytes).map_err(zip_err)
    }

    /// The file of media `id` at `dir/role/filename`, if at hand; its path from `dir`.
    fn media(
        &mut self,
        dir: &str,
        role: &str,
        id: &str,
        files: &mut Vec<String>,
    ) -> AppResult<Option<String>> {
        let Some(f) = id.parse::<Uuid>().ok().and_then(|id| self.files.get(&id)) else {
            return Ok(None);
        };
        if f.bytes.len() as u64 > MAX_FILE {
            return Ok(None);
        }
        let rel = format!("{role}/{}", f.filename);
        let path = format!("{dir}/{rel}");
        let bytes = f.bytes.clone();
        self.add(&path, &bytes, false)?;
        files.push(path);
        Ok(Some(rel))
    }

    fn page(
        &mut self,
        id: &str,
        dir: &str,
        title: &str,
        body: &str,
        mut files: Vec<String>,
    ) -> AppResult<()> {
        let href = format!("{dir}/index.html");
        self.add(&href, html::page(title, body).as_bytes(), true)?;
        files.insert(0, href.clone());
        self.resources.push(Resource {
            id: id.into(),
            kind: "webcontent",
            href: Some(href),
            files,
        });
        Ok(())
    }

    fn lti(&mut self, id: &str, dir: &str, module: Uuid, title: &str, why: &str) -> AppResult<()> {
        let mut x = Xml::new();
        x.open(
            "cartridge_basiclti_link",
            &[
                ("xmlns", LTI_NS),
                (
                    "xmlns:blti",
                    "http://www.imsglobal.org/xsd/imsbasiclti_v1p0",
                ),
                ("xmlns:lticm", "http://www.imsglobal.org/xsd/imslticm_v1p0"),
                ("xmlns:lticp", "http://www.imsglobal.org/xsd/imslticp_v1p0"),
            ],
        );
        x.leaf("blti:title", &[], title);
        x.leaf("blti:description", &[], why);
        let url = (self.launch)(module);
        x.leaf("blti:launch_url", &[], &url);
        if url.starts_with("https://") {
            x.leaf("blti:secure_launch_url", &[], &url);
        }
        x.open("blti:vendor", &[]);
        x.leaf("lticp:code", &[], "zorgklas");
        x.leaf("lticp:name", &[], "Zorgklas");
        x.close();
        let path = format!("{dir}/lti.xml");
        self.add(&path, x.finish().as_bytes(), true)?;
        self.resources.push(Resource {
            id: id.into(),
            kind: "imsbasiclti_xmlv1p3",
            href: None,
            files: vec![path],
        });
        self.as_lti.push((title.into(), why.into()));
        Ok(())
    }

    /// Writes one block's files and resource; returns the item's title.
    fn block(&mut self, module: Uuid, n: usize, block: &Block) -> AppResult<(String, String)> {
        let bid = block.id.unwrap_or_else(Uuid::new_v4);
        let (rid, dir) = (format!("r-{bid}"), format!("b-{bid}"));
        let missing = "Het bestand kon niet worden meegenomen (niet beschikbaar of groter dan 200 MB); de link opent het op het platform.";
        let title = match &block.body {
            BlockBody::Text { markdown } => {
                let title = text_title(markdown, n);
                self.page(&rid, &dir, &title, &markdown_to_safe_html(markdown), vec![])?;
                title
            }
            BlockBody::Image { media, alt } => {
                let title = short(alt, "Afbeelding");
                let mut files = vec![];
                match self.media(&dir, "media", media, &mut files)? {
                    Some(src) => {
                        let body = format!(
                            "<p><img src=\"{}\" alt=\"{}\"/></p>",
                            super::xml::escape(&src),
                            super::xml::escape(alt)
                        );
                        self.page(&rid, &dir, &title, &body, files)?;
                    }
                    None => self.lti(&rid, &dir, module, &title, missing)?,
                }
                title
            }
            BlockBody::Document { media, title } => {
                let title = short(title, "Document");
                let mut files = vec![];
                match self.media(&dir, "media", media, &mut files)? {
                    Some(src) => {
                        let body = format!(
                            "<p><a href=\"{}\">{}</a></p>",
                            super::xml::escape(&src),
                            super::xml::escape(&title)
                        );
                        self.page(&rid, &dir, &title, &body, files)?;
                    }
                    None => self.lti(&rid, &dir, module, &title, missing)?,
                }
                title
            }
            BlockBody::Video {
                media,
                poster,
                captions,
                title,
            } => {
                let title = short(title, "Video");
                let mut files = vec![];
                match self.media(&dir, "media", media, &mut files)? {
                    Some(src) => {
                        let e = super::xml::escape;
                        let mut body = format!(
                            "<video controls=\"controls\" title=\"{}\" src=\"{}\"",
                            e(&title),
                            e(&src)
                        );
                        if let Some(p) = poster {
                            if let Some(p) = self.media(&dir, "poster", p, &mut files)? {
                                body.push_str(&format!(" poster=\"{}\"", e(&p)));
                            }
                        }
                        body.push('>');
                        if let Some(c) = captions {
                            if let Some(c) = self.media(&dir, "captions", c, &mut files)? {
                                body.push_str(&format!(
                                    "<track kind=\"captions\" srclang=\"nl\" label=\"Nederlands\" src=\"{}\"/>",
                                    e(&c)
                                ));
                            }
                        }
                        body.push_str("</video>");
                        self.page(&rid, &dir, &title, &body, files)?;
                    }
                    None => self.lti(&rid, &dir, module, &title, missing)?,
                }
                title
            }
            BlockBody::Quiz {
                questions,
                pass_mark,
            } => {
                let title = format!("Toets {n}");
                let path = format!("{dir}/assessment.xml");
                let xml = qti::write(&format!("a-{bid}"), &title, questions, *pass_mark);
                self.add(&path, xml.as_bytes(), true)?;
                self.resources.push(Resource {
                    id: rid.clone(),
                    kind: "imsqti_xmlv1p2/imscc_xmlv1p3/assessment",
                    href: None,
                    files: vec![path],
                });
                title
            }
            BlockBody::Link { url, label } => {
                let mut x = Xml::new();
                x.open("webLink", &[("xmlns", WL_NS)]);
                x.leaf("title", &[], label);
                x.empty("url", &[("href", url.as_str()), ("target", "_blank")]);
                let path = format!("{dir}/weblink.xml");
                self.add(&path, x.finish().as_bytes(), true)?;
                self.resources.push(Resource {
                    id: rid.clone(),
                    kind: "imswl_xmlv1p3",
                    href: None,
                    files: vec![path],
                });
                label.clone()
            }
            BlockBody::Package { title, .. } => {
                let title = short(title, "E-learning");
                self.lti(
                    &rid,
                    &dir,
                    module,
                    &title,
                    "Een e-learningpakket (SCORM of cmi5) speelt alleen op het platform; de link opent de module daar.",
                )?;
                title
            }
        };
        Ok((rid, title))
    }
}

/// The first heading (or line) of a text, as its item's title.
fn text_title(markdown: &str, n: usize) -> String {
    let first = markdown
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let clean: String = first
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`' | '[' | ']' | '\\'))
        .take(80)
        .collect();
    if clean.trim().is_empty() {
        format!("Tekst {n}")
    } else {
        clean.trim().to_owned()
    }
}

fn short(s: &str, default: &str) -> String {
    let s: String = s.trim().chars().take(200).collect();
    if s.is_empty() {
        default.into()
    } else {
        s
    }
}

/// Writes the cartridge of `modules` titled `title`: media bytes from `files` (by media id),
/// LTI links to `launch(module)`.
pub fn write(
    title: &str,
    modules: &[ExportModule],
    files: &HashMap<Uuid, MediaFile>,
    launch: &dyn Fn(Uuid) -> String,
) -> AppResult<Written> {
    let mut w = Writer {
        zip: ZipWriter::new(Cursor::new(Vec::new())),
        resources: Vec::new(),
        files,
        launch,
        as_lti: Vec::new(),
    };
    let mut items: Vec<ModuleItem> = Vec::new();
    for m in modules {
        let mut children = Vec::new();
        for (i, b) in m.blocks.iter().enumerate() {
            children.push(w.block(m.id, i + 1, b)?);
        }
        items.push(ModuleItem {
            id: m.id,
            title: m.doc.title.clone(),
            children,
        });
    }
    let mut x = Xml::new();
    if !w.as_lti.is_empty() {
        let list: Vec<String> = w
            .as_lti
            .iter()
            .map(|(t, why)| format!("{t}: {why}"))
            .collect();
        x.comment(&format!(
            "Als LTI-link naar Zorgklas meegegeven (niet als bestand): {}",
            list.join(" | ")
        ));
    }
    x.open(
        "manifest",
        &[
            ("identifier", format!("zk-{}", Uuid::new_v4()).as_str()),
            ("xmlns", CC_NS),
            ("xmlns:lomimscc", LOM_NS),
            ("xmlns:lom", "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1 http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lommanifest_v1p0.xsd",
            ),
        ],
    );
    x.open("metadata", &[]);
    x.leaf("schema", &[], "IMS Common Cartridge");
    x.leaf("schemaversion", &[], "1.3.0");
    x.open("lomimscc:lom", &[]).open("lomimscc:general", &[]);
    x.open("lomimscc:title", &[]);
    x.leaf("lomimscc:string", &[("language", "nl")], title);
    x.close();
    if !w.as_lti.is_empty() {
        let list: Vec<&str> = w.as_lti.iter().map(|(t, _)| t.as_str()).collect();
        x.open("lomimscc:description", &[]);
        x.leaf(
            "lomimscc:string",
            &[("language", "nl")],
            &format!("Als LTI-link naar Zorgklas: {}", list.join(", ")),
        );
        x.close();
    }
    x.close().close().close();
    x.open("organizations", &[]);
    x.open(
        "organization",
        &[("identifier", "org"), ("structure", "rooted-hierarchy")],
    );
    x.open("item", &[("identifier", "root")]);
    for ModuleItem {
        id,
        title,
        children,
    } in &items
    {
        x.open("item", &[("identifier", format!("m-{id}").as_str())]);
        x.leaf("title", &[], title);
        for (rid, t) in children {
            x.open(
                "item",
                &[
                    ("identifier", format!("i-{}", &rid[2..]).as_str()),
                    ("identifierref", rid.as_str()),
                ],
            );
            x.leaf("title", &[], t);
            x.close();
        }
        x.close();
    }
    x.close().close().close();
    x.open("resources", &[]);
    for r in &w.resources {
        let mut attrs = vec![("identifier", r.id.as_str()), ("type", r.kind)];
        if let Some(h) = &r.href {
            attrs.push(("href", h.as_str()));
        }
        x.open("resource", &attrs);
        for f in &r.files {
            x.empty("file", &[("href", f.as_str())]);
        }
        x.close();
    }
    let manifest = x.finish();
    w.add("imsmanifest.xml", manifest.as_bytes(), true)?;
    let zip = w.zip.finish().map_err(zip_err)?.into_inner();
    Ok(Written {
        zip,
        as_lti: w.as_lti,
    })
}

/// A file name for a title: lower-case ASCII letters, digits and dashes.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.is_empty() {
        "module".into()
    } else {
        out
    }
}
