//! OpenAPI component names in the source: every type deriving `ToSchema`, under the name utoipa
//! gives it (the type's name, or `#[schema(as = a::b::Name)]` as `a.b.Name`).

use super::tokens::Tok;

/// A type deriving `ToSchema`.
#[derive(Debug)]
pub struct Schema {
    /// The component name in the OpenAPI document.
    pub component: String,
    /// The Rust type's name.
    pub rust_type: String,
}

/// The `ToSchema` types of one file.
pub fn schemas(tokens: &[Tok]) -> Vec<Schema> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some(end) = derives_to_schema(tokens, i) {
            let mut alias = None;
            let mut j = end;
            // Further attributes and the visibility, up to `struct`/`enum`/`type` and its name.
            while let Some(tok) = tokens.get(j) {
                match tok {
                    Tok::Punct('#') => {
                        let close = matching(tokens, j + 1);
                        alias = alias.or_else(|| schema_as(&tokens[j..close]));
                        j = close;
                    }
                    Tok::Ident(k) if matches!(k.as_str(), "struct" | "enum" | "type" | "union") => {
                        if let Some(Tok::Ident(name)) = tokens.get(j + 1) {
                            out.push(Schema {
                                component: alias.clone().unwrap_or_else(|| name.clone()),
                                rust_type: name.clone(),
                            });
                        }
                        break;
                    }
                    _ => j += 1,
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// If `#[derive(..)]` at `i` lists `ToSchema`, the index after it.
fn derives_to_schema(tokens: &[Tok], i: usize) -> Option<usize> {
    let starts = tokens.get(i) == Some(&Tok::Punct('#'))
        && tokens.get(i + 1) == Some(&Tok::Punct('['))
        && tokens.get(i + 2).is_some_and(|t| t.is("derive"));
    if !starts {
        return None;
    }
    let end = matching(tokens, i + 1);
    tokens[i..end]
        .iter()
        .any(|t| t.is("ToSchema"))
        .then_some(end)
}

/// The index after the bracket group opening at `open` (`[`, `(` or `{`).
fn matching(tokens: &[Tok], open: usize) -> usize {
    let mut depth = 0;
    for (k, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('[' | '(' | '{') => depth += 1,
            Tok::Punct(']' | ')' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The name of `as = a::b::Name<T>` in a `#[schema(..)]` attribute: `a.b.Name`.
fn schema_as(attr: &[Tok]) -> Option<String> {
    if !attr.get(2).is_some_and(|t| t.is("schema")) {
        return None;
    }
    let at = attr
        .windows(2)
        .position(|w| w[0].is("as") && w[1] == Tok::Punct('='))?;
    let mut segs = Vec::new();
    for t in &attr[at + 2..] {
        match t {
            Tok::Ident(s) => segs.push(s.as_str()),
            Tok::PathSep => {}
            _ => break,
        }
    }
    Some(segs.join("."))
}

#[cfg(test)]
mod tests {
    use super::{super::tokens::tokenize, schemas};

    #[test]
    fn names_are_the_types_or_their_schema_as() {
        let src = r#"
            /// A row.
            #[derive(Debug, utoipa::ToSchema, sqlx::FromRow)]
            #[serde(rename_all = "snake_case")]
            #[schema(as = Member)]
            pub struct MemberRow { id: u32 }
            #[derive(ToSchema)]
            pub(crate) enum Kind { A }
            #[derive(Serialize)]
            struct NotASchema;
            #[derive(ToSchema)]
            #[schema(as = api::Page<T>)]
            struct Page<T> { items: Vec<T> }
        "#;
        let found: Vec<(String, String)> = schemas(&tokenize(src))
            .into_iter()
            .map(|s| (s.component, s.rust_type))
            .collect();
        let pairs = [
            ("Member", "MemberRow"),
            ("Kind", "Kind"),
            ("api.Page", "Page"),
        ];
        assert_eq!(
            found,
            pairs.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
        );
    }
}
