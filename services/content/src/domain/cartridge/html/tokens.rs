//! A tolerant reading of HTML into text, start tags (with their attributes) and end tags, and
//! character references decoded: enough to take a page apart, never to render it.

/// A start tag.
#[derive(Debug, PartialEq)]
pub(super) struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Written as `<x/>`: no content, no end tag.
    pub closed: bool,
}

#[derive(Debug, PartialEq)]
pub(super) enum Tok<'a> {
    Text(&'a str),
    Open(Tag),
    Close(String),
}

/// Splits HTML into text, start tags (with attributes) and end tags; comments, doctypes and the
/// content of `script` and `style` are left out.
pub(super) fn tokens(html: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            let end = html[i..].find('<').map_or(b.len(), |n| i + n);
            out.push(Tok::Text(&html[i..end]));
            i = end;
            continue;
        }
        let rest = &html[i..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(b.len(), |n| i + n + 3);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            i = rest.find('>').map_or(b.len(), |n| i + n + 1);
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').map_or(b.len(), |n| i + 2 + n + 1);
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            out.push(Tok::Close(name.to_ascii_lowercase()));
            i = end;
        } else if rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            let (tok, len) = start_tag(rest);
            i += len;
            if let Tok::Open(Tag {
                name,
                closed: false,
                ..
            }) = &tok
            {
                if name == "script" || name == "style" {
                    let close = format!("</{name}");
                    let lower = html[i..].to_ascii_lowercase();
                    i = lower.find(&close).map_or(b.len(), |n| i + n);
                    out.push(tok);
                    continue;
                }
            }
            out.push(tok);
        } else {
            out.push(Tok::Text("<"));
            i += 1;
        }
    }
    out
}

/// A start tag at the beginning of `s`, and how many bytes it takes.
fn start_tag(s: &str) -> (Tok<'_>, usize) {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b':') {
        i += 1;
    }
    let name = s[1..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut closed = false;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            closed = b[i] == b'/';
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'>' {
            i += 1;
            break;
        }
        closed = false;
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let key = s[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vs = i + 1;
                i = vs;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = decode_entities(&s[vs..i.min(b.len())]);
                i = (i + 1).min(b.len());
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = decode_entities(&s[vs..i]);
            }
        }
        if key.is_empty() {
            i += 1;
        } else {
            attrs.push((key, value));
        }
    }
    (
        Tok::Open(Tag {
            name,
            attrs,
            closed,
        }),
        i.min(b.len()),
    )
}

/// Replaces character references (`&amp;`, `&#233;`, `&eacute;`, …); unknown ones stay as text.
pub(super) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .map(|n| n + 1);
        let decoded = match end {
            Some(e) if rest.as_bytes().get(e) == Some(&b';') => {
                entity(&rest[1..e]).map(|c| (c, e + 1))
            }
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n).filter(|c| !c.is_control() || c.is_whitespace());
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "eacute" => 'é',
        "egrave" => 'è',
        "euml" => 'ë',
        "ecirc" => 'ê',
        "aacute" => 'á',
        "agrave" => 'à',
        "auml" => 'ä',
        "iuml" => 'ï',
        "iacute" => 'í',
        "ouml" => 'ö',
        "oacute" => 'ó',
        "uuml" => 'ü',
        "uacute" => 'ú',
        "ccedil" => 'ç',
        "Eacute" => 'É',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "middot" => '·',
        "bull" => '•',
        "copy" => '©',
        "reg" => '®',
        "euro" => '€',
        _ => return None,
    })
}
