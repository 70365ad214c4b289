//! A cartridge's web pages, both ways: [`page`] writes the small XHTML page that shows an exported
//! block; [`to_segments`] reads any HTML page (tolerantly, never running or keeping markup) into
//! Markdown text (paragraphs, headings, lists, emphasis and http(s)/mailto links only, every
//! Markdown sign in the text escaped) and the files of the cartridge it shows (images, PDFs,
//! videos with their captions), in the page's order.

use super::xml::escape;

mod tokens;

use tokens::{decode_entities, tokens, Tag, Tok};

/// An exported page: `<title>` and a body (already safe HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"nl\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        escape(title)
    )
}

/// What a page holds, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Markdown (safe: see the module's description).
    Text(String),
    /// A file of the cartridge the page shows: `path` from the cartridge's root; `label` is the
    /// image's alt text, the link's text or the video's title.
    File {
        path: String,
        label: String,
        poster: Option<String>,
        captions: Option<String>,
    },
}

/// Text as Markdown that means only itself: every sign Markdown could read as markup (links,
/// images, HTML, emphasis, code, headings) escaped.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '!' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An http(s) or mailto URL fit for a Markdown link, or none.
fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if !["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
        || url.chars().any(char::is_control)
        || url.len() > 2000
    {
        return None;
    }
    Some(
        url.replace(' ', "%20")
            .replace('(', "%28")
            .replace(')', "%29")
            .replace('<', "%3C")
            .replace('>', "%3E"),
    )
}

/// A page's reference to a file of the cartridge: its path from the root (relative to the
/// page's folder `dir`, `$IMS-CC-FILEBASE$` and percent escapes resolved), if it stays inside.
pub fn resolve(dir: &str, src: &str) -> Option<String> {
    let src = src.split(['#', '?']).next().unwrap_or_default().trim();
    if src.is_empty() || src.starts_with("//") || (src.contains(':') && !src.starts_with('$')) {
        return None;
    }
    let (base, rel) = match src
        .strip_prefix("$IMS-CC-FILEBASE$/")
        .or_else(|| src.strip_prefix("$IMS_CC_FILEBASE$/"))
    {
        Some(r) => ("web_resources", r),
        None if src.starts_with('$') => return None,
        None if src.starts_with('/') => ("", &src[1..]),
        None => (dir, src),
    };
    let rel = percent_decode(rel)?;
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "aside",
    "nav",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "table",
    "tr",
    "br",
    "hr",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "body",
    "td",
    "th",
];

/// Reads a page at folder `dir` (from the cartridge root); `is_file` says whether a path is a
/// file of the cartridge.
pub fn to_segments(html: &str, dir: &str, is_file: &dyn Fn(&str) -> bool) -> Vec<Segment> {
    let mut r = Reader {
        out: Vec::new(),
        text: String::new(),
        para: String::new(),
        link: None,
        file_link: None,
        video: None,
        skip: 0,
    };
    for tok in tokens(html) {
        match tok {
            Tok::Text(t) => r.text(t),
            Tok::Open(tag) => r.open(&tag, dir, is_file),
            Tok::Close(name) => r.close(&name),
        }
    }
    r.end_paragraph();
    r.flush_text();
    r.out
}

struct Reader {
    out: Vec<Segment>,
    /// Markdown of finished paragraphs not yet emitted.
    text: String,
    /// The paragraph being read.
    para: String,
    /// An open http(s) link: its URL and where its text starts in `para`.
    link: Option<(String, usize)>,
    /// An open link to a file of the cartridge: its path and its text so far.
    file_link: Option<(String, String)>,
    video: Option<Segment>,
    /// Depth inside elements whose content is not text (head, title, script, style, …).
    skip: usize,
}

const SKIPPED: &[&str] = &[
    "head", "title", "script", "style", "noscript", "template", "svg", "math", "select",
];

impl Reader {
    fn text(&mut self, t: &str) {
        if self.skip > 0 {
            return;
        }
        let decoded = decode_entities(t);
        let collapsed: String = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut piece = String::new();
        if decoded.starts_with(char::is_whitespace) && !collapsed.is_empty() {
            piece.push(' ');
        }
        piece.push_str(&collapsed);
        if decoded.ends_with(char::is_whitespace) && !decoded.trim().is_empty() {
            piece.push(' ');
        }
        if decoded.trim().is_empty() && !decoded.is_empty() {
            piece = " ".into();
        }
        if let Some((_, label)) = &mut self.file_link {
            label.push_str(&piece);
            return;
        }
        if self.para.is_empty() || self.para.ends_with(' ') {
            piece = piece.trim_start().to_owned();
        }
        self.para.push_str(&escape_markdown(&piece));
    }

    fn end_paragraph(&mut self) {
        if let Some((url, at)) = self.link.take() {
            self.finish_link(&url, at);
        }
        let p = self.para.trim().to_owned();
        self.para.clear();
        let bare = p.trim_start_matches(['#', '-', ' ']).trim();
        if bare.is_empty() || bare == "\\*" || bare.chars().all(|c| c == '*') {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        self.text.push_str(&p);
    }

    fn flush_text(&mut self) {
        let t = std::mem::take(&mut self.text);
        if !t.trim().is_empty() {
            self.out.push(Segment::Text(t));
        }
    }

    fn file(&mut self, seg: Segment) {
        self.end_paragraph();
        self.flush_text();
        self.out.push(seg);
    }

    fn finish_link(&mut self, url: &str, at: usize) {
        let label = self.para[at..].trim().to_owned();
        self.para.truncate(at);
        let label = if label.is_empty() {
            escape_markdown(url)
        } else {
            label
        };
        self.para.push_str(&format!("[{label}]({url})"));
    }

    fn open(&mut self, tag: &Tag, dir: &str, is_file: &dyn Fn(&str) -> bool) {
        let (name, attrs, closed) = (tag.name.as_str(), &tag.attrs, tag.closed);
        let attr = |k: &str| {
            attrs
                .iter()
                .find(|(a, _)| a == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        if SKIPPED.contains(&name) {
            if !closed {
                self.skip += 1;
            }
            return;
        }
        if self.skip > 0 {
            return;
        }
        let local = |src: &str| resolve(dir, src).filter(|p| is_file(p));
        if BLOCKS.contains(&name) {
            self.end_paragraph();
            match name {
                "h1" => self.para.push_str("# "),
                "h2" => self.para.push_str("## "),
                "h3" | "h4" | "h5" | "h6" => self.para.push_str("### "),
                "li" => self.para.push_str("- "),
                _ => {}
            }
            return;
        }
        match name {
            "em" | "i" => self.para.push('*'),
            "strong" | "b" => self.para.push_str("**"),
            "a" => {
                let href = attr("href");
                if let Some(path) = local(href) {
                    self.file_link = Some((path, String::new()));
                } else if let Some(url) = safe_url(href) {
                    if self.link.is_none() {
                        self.link = Some((url, self.para.len()));
                    }
                }
            }
            "img" => {
                let src = attr("src");
                if let Some(path) = local(src) {
                    self.file(Segment::File {
                        path,
                        label: attr("alt").trim().to_owned(),
                        poster: None,
                        captions: None,
                    });
                } else if let Some(url) = safe_url(src) {
                    let alt = attr("alt").trim();
                    let label = if alt.is_empty() { "afbeelding" } else { alt };
                    self.para
                        .push_str(&format!("[{}]({url})", escape_markdown(label)));
                }
            }
            "video" => {
                self.video = Some(Segment::File {
                    path: local(attr("src")).unwrap_or_default(),
                    label: attr("title").trim().to_owned(),
                    poster: local(attr("poster")),
                    captions: None,
                });
            }
            "source" => {
                if let Some(Segment::File { path, .. }) = &mut self.video {
                    if path.is_empty() {
                        *path = local(attr("src")).unwrap_or_default();
                    }
                }
            }
            "track" => {
                if let Some(Segment::File { captions, .. }) = &mut self.video {
                    if captions.is_none() {
                        *captions = local(attr("src"));
                    }
                }
            }
            "object" | "embed" | "iframe" => {
                let src = if name == "object" {
                    attr("data")
                } else {
                    attr("src")
                };
                if let Some(path) = local(src) {
                    self.file(Segment::File {
                        path,
                        label: attr("title").trim().to_owned(),
                        poster: None,
                        captions: None,
                    });
                    if name == "object" && !closed {
                        // Its fallback content would repeat the file.
                        self.skip += 1;
                    }
                } else if let Some(url) = safe_url(src) {
                    let title = attr("title").trim();
                    let label = if title.is_empty() { &url } else { title };
                    self.para
                        .push_str(&format!("[{}]({url})", escape_markdown(label)));
                    if name == "object" && !closed {
                        self.skip += 1;
                    }
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        if SKIPPED.contains(&name) || (name == "object" && self.skip > 0) {
            self.skip = self.skip.saturating_sub(1);
            return;
        }
        if self.skip > 0 {
            return;
        }
        if BLOCKS.contains(&name) {
            self.end_paragraph();
            return;
        }
        match name {
            "em" | "i" => self.para.push('*'),
            "strong" | "b" => self.para.push_str("**"),
            "a" => {
                if let Some((path, label)) = self.file_link.take() {
                    self.file(Segment::File {
                        path,
                        label: label.split_whitespace().collect::<Vec<_>>().join(" "),
                        poster: None,
                        captions: None,
                    });
                } else if let Some((url, at)) = self.link.take() {
                    self.finish_link(&url, at);
                }
            }
            "video" => {
                if let Some(v) = self.video.take() {
                    if matches!(&v, Segment::File { path, .. } if !path.is_empty()) {
                        self.file(v);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(html: &str) -> Vec<Segment> {
        let files = [
            "b/foto.png",
            "b/protocol.pdf",
            "b/film.mp4",
            "b/film.vtt",
            "web_resources/x.png",
        ];
        to_segments(html, "b", &|p| files.contains(&p))
    }

    #[test]
    fn text_keeps_paragraphs_headings_and_safe_links_only() {
        let segs = read(
            "<html><head><title>Weg</title><script>alert('<p>x</p>')</script></head><body>\
             <h1>Inleiding</h1><p>Lees <a href=\"https://example.org/a b\">de richtlijn</a>.</p>\
             <p onclick=\"x()\">Niet <a href=\"javascript:alert(1)\">dit</a> &amp; <b>vet</b> &lt;script&gt; [x](javascript:y) &eacute;</p>\
             <ul><li>een</li><li>twee</li></ul></body></html>",
        );
        let [Segment::Text(md)] = segs.as_slice() else {
            panic!("{segs:?}")
        };
        assert_eq!(
            md,
            "# Inleiding\n\nLees [de richtlijn](https://example.org/a%20b).\n\nNiet dit & **vet** \\<script\\> \\[x\\](javascript:y) é\n\n- een\n\n- twee"
        );
        crate::domain::module::check_markdown(md).unwrap();
    }

    #[test]
    fn files_of_the_cartridge_become_segments_in_order() {
        let segs = read(
            "<p>Voor</p><img src=\"foto.png\" alt=\"Een foto\"/><p><a href=\"protocol.pdf\">Het protocol</a></p>\
             <video title=\"Film\" controls=\"controls\"><source src=\"film.mp4\"/><track kind=\"captions\" src=\"film.vtt\"/></video>\
             <img src=\"$IMS-CC-FILEBASE$/x.png\" alt=\"\"><img src=\"../../etc/passwd\"><p>Na</p>",
        );
        assert_eq!(segs.len(), 6, "{segs:?}");
        assert_eq!(segs[0], Segment::Text("Voor".into()));
        assert_eq!(
            segs[1],
            Segment::File {
                path: "b/foto.png".into(),
                label: "Een foto".into(),
                poster: None,
                captions: None
            }
        );
        assert!(
            matches!(&segs[2], Segment::File { path, label, .. } if path == "b/protocol.pdf" && label == "Het protocol")
        );
        assert!(
            matches!(&segs[3], Segment::File { path, captions: Some(c), label, .. } if path == "b/film.mp4" && c == "b/film.vtt" && label == "Film")
        );
        assert!(matches!(&segs[4], Segment::File { path, .. } if path == "web_resources/x.png"));
        assert_eq!(segs[5], Segment::Text("Na".into()));
    }

    #[test]
    fn paths_stay_inside_the_cartridge() {
        assert_eq!(resolve("a/b", "../c.png").as_deref(), Some("a/c.png"));
        assert_eq!(resolve("a", "../../c.png"), None);
        assert_eq!(resolve("a", "https://x/c.png"), None);
        assert_eq!(
            resolve("a", "mijn%20foto.png").as_deref(),
            Some("a/mijn foto.png")
        );
    }
}
