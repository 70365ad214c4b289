//! A small Rust tokenizer for the structure checks: identifiers, `::` and single punctuation,
//! with comments, strings, character literals, lifetimes and numbers left out. Enough to read
//! `use` trees, paths and attributes; not a parser.

/// One token of Rust source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// An identifier or keyword (`$crate` reads as `crate`, `r#type` as `type`).
    Ident(String),
    /// `::`
    PathSep,
    /// Any other single punctuation character.
    Punct(char),
}

impl Tok {
    /// True for the identifier `name`.
    pub fn is(&self, name: &str) -> bool {
        matches!(self, Tok::Ident(s) if s == name)
    }

    /// The identifier, if this is one.
    pub fn ident(&self) -> Option<&str> {
        match self {
            Tok::Ident(s) => Some(s),
            _ => None,
        }
    }
}

/// The tokens of `src`.
pub fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let is_ident_start = |ch: char| ch.is_alphabetic() || ch == '_';
    let is_ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            i = skip_block_comment(&c, i);
        } else if ch == '"' {
            i = skip_string(&c, i + 1);
        } else if ch == '\'' {
            i = skip_char_or_lifetime(&c, i);
        } else if ch.is_ascii_digit() {
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
        } else if is_ident_start(ch) {
            let start = i;
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            match (word.as_str(), at(i)) {
                ("r" | "br" | "cr", '"' | '#') => {
                    let mut hashes = 0;
                    while at(i + hashes) == '#' {
                        hashes += 1;
                    }
                    if at(i + hashes) == '"' {
                        i = skip_raw_string(&c, i + hashes + 1, hashes);
                    } else if word == "r" && hashes == 1 && is_ident_start(at(i + 1)) {
                        // A raw identifier, `r#type`.
                        let start = i + 1;
                        i = start;
                        while i < c.len() && is_ident(c[i]) {
                            i += 1;
                        }
                        out.push(Tok::Ident(c[start..i].iter().collect()));
                    } else {
                        out.push(Tok::Ident(word));
                    }
                }
                ("b" | "c", '"') => i = skip_string(&c, i + 1),
                ("b", '\'') => i = skip_char_or_lifetime(&c, i),
                _ => out.push(Tok::Ident(word)),
            }
        } else if ch == '$' && is_ident_start(at(i + 1)) {
            // `$crate` in a macro is the crate; other metavariables are left out.
            i += 1;
        } else if ch == ':' && at(i + 1) == ':' {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// Index after the (nested) block comment starting at `i`.
fn skip_block_comment(c: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Index after the closing quote of a string whose body starts at `i`.
fn skip_string(c: &[char], mut i: usize) -> usize {
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Index after the closing `"###` of a raw string whose body starts at `i`.
fn skip_raw_string(c: &[char], mut i: usize, hashes: usize) -> usize {
    while i < c.len() {
        if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// Index after a character literal (`'a'`, `'\n'`, `'\u{2192}'`) or a lifetime (`'a`) at `i`
/// (which points at the quote, or at the `b` of a byte literal).
fn skip_char_or_lifetime(c: &[char], mut i: usize) -> usize {
    if c[i] == 'b' {
        i += 1;
    }
    if c.get(i + 1) == Some(&'\\') {
        i += 3;
        while i < c.len() && c[i] != '\'' {
            i += 1;
        }
        return i + 1;
    }
    if c.get(i + 2) == Some(&'\'') {
        return i + 3;
    }
    i += 1;
    while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::{tokenize, Tok};

    fn idents(src: &str) -> Vec<String> {
        tokenize(src)
            .into_iter()
            .filter_map(|t| t.ident().map(str::to_owned))
            .collect()
    }

    #[test]
    fn comments_strings_chars_and_lifetimes_are_left_out() {
        let src = r####"
            // use crate::a;
            /* use crate::b; /* nested */ use crate::c; */
            let s = "use crate::d; \" still";
            let r = r#"use crate::e; "quoted""#;
            let b = b"crate::f";
            let q = '"'; let e = '\''; let l: &'static str = x;
            $crate::g::h
        "####;
        assert_eq!(
            idents(src),
            [
                "let", "s", "let", "r", "let", "b", "let", "q", "let", "e", "let", "l", "str", "x",
                "crate", "g", "h"
            ]
        );
        assert_eq!(tokenize("a::b")[1], Tok::PathSep);
    }
}
