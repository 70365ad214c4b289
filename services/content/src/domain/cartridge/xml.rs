//! A small XML writer: elements, attributes and text, every value escaped. Enough for a
//! cartridge's manifest, its QTI, web links and LTI links; nothing is ever concatenated unescaped.

/// Escapes text and attribute values (`&`, `<`, `>`, both quotes) and drops the characters XML
/// 1.0 cannot hold (control characters other than tab, newline and carriage return).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// An XML document being written, indented two spaces a level.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
    open: Vec<String>,
    /// Whether the element opened last still waits for its `>`.
    pending: bool,
}

impl Xml {
    /// A document starting with the XML declaration.
    pub fn new() -> Self {
        Self {
            out: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".into(),
            ..Self::default()
        }
    }

    fn close_pending(&mut self) {
        if self.pending {
            self.out.push('>');
            self.pending = false;
        }
    }

    fn indent(&mut self) {
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    /// Opens `<name attr="value" …>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.close_pending();
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(v));
            self.out.push('"');
        }
        self.open.push(name.to_owned());
        self.pending = true;
        self
    }

    /// Closes the element opened last (`/>` when it is empty).
    pub fn close(&mut self) -> &mut Self {
        let Some(name) = self.open.pop() else {
            return self;
        };
        if self.pending {
            self.out.push_str("/>");
            self.pending = false;
        } else {
            if self.out.ends_with('\n') {
                for _ in 0..self.open.len() {
                    self.out.push_str("  ");
                }
            }
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
        self.out.push('\n');
        self
    }

    /// `<name attrs>text</name>` on one line.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.open(name, attrs);
        self.close_pending();
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.open.pop();
        self
    }

    /// An empty element `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.open(name, attrs).close()
    }

    /// A comment; `--` in the text is broken up, as XML wants.
    pub fn comment(&mut self, text: &str) -> &mut Self {
        self.close_pending();
        self.indent();
        self.out.push_str("<!-- ");
        self.out.push_str(&escape(text).replace("--", "- -"));
        self.out.push_str(" -->\n");
        self
    }

    /// The document, every element closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_the_document_parses() {
        let mut x = Xml::new();
        x.open("a", &[("t", "\"x\" & <y>")]);
        x.leaf("b", &[], "1 < 2 & 'drie'\u{1}");
        x.comment("niet -- hier");
        x.empty("c", &[("k", "v")]);
        let s = x.finish();
        let doc = roxmltree::Document::parse(&s).unwrap();
        let a = doc.root_element();
        assert_eq!(a.attribute("t"), Some("\"x\" & <y>"));
        let b = a.children().find(|n| n.has_tag_name("b")).unwrap();
        assert_eq!(b.text(), Some("1 < 2 & 'drie'"));
        assert!(a.children().any(|n| n.has_tag_name("c")));
    }
}
