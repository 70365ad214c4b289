//! Filling in the locale files' messages: `{name}` placeholders, and singular and plural that
//! agree with a number in the ICU MessageFormat style the translators know:
//! `{count, plural, one {# blok} other {# blokken}}` (`=0 {…}` for an exact number; `#` is the
//! number). Dutch and English share the rule: "one" is exactly 1, everything else "other".
//!
//! One pass over the message: a value filled in is never read again as a placeholder, so a
//! title with braces in it stays as it is.

/// `template` with `args` filled in (names not given stay as written).
pub fn format(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = matching_brace(after) else {
            out.push_str(after);
            return out;
        };
        let inner = &after[1..close];
        match fill(inner, args) {
            Some(text) => out.push_str(&text),
            None => out.push_str(&after[..=close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of the `}` that closes the `{` at the start of `s`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// One placeholder's text, if `args` has its name.
fn fill(inner: &str, args: &[(&str, &str)]) -> Option<String> {
    let mut parts = inner.splitn(3, ',');
    let name = parts.next()?.trim();
    let value = args.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)?;
    match (parts.next().map(str::trim), parts.next()) {
        (None, _) => Some(value.to_owned()),
        (Some("plural"), Some(options)) => Some(plural(value, options, args)),
        _ => None,
    }
}

/// The plural category of `n` in Dutch and English.
fn category(n: &str) -> &'static str {
    if n.trim() == "1" {
        "one"
    } else {
        "other"
    }
}

/// Chooses among `=N {…}`, `one {…}` and `other {…}` for `value`; `#` becomes the number and
/// the chosen text's own placeholders are filled in too.
fn plural(value: &str, options: &str, args: &[(&str, &str)]) -> String {
    let mut choices = Vec::new();
    let mut rest = options;
    while let Some(open) = rest.find('{') {
        let Some(close) = matching_brace(&rest[open..]) else {
            break;
        };
        choices.push((rest[..open].trim(), &rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    let value = value.trim();
    let pick = |wanted: &str| {
        choices
            .iter()
            .find(|(selector, _)| *selector == wanted)
            .map(|(_, text)| *text)
    };
    let text = pick(&format!("={value}"))
        .or_else(|| pick(category(value)))
        .or_else(|| pick("other"))
        .unwrap_or_default();
    format(&text.replace('#', value), args)
}

#[cfg(test)]
mod tests {
    use super::format;

    const BLOCKS: &str = "{count, plural, one {# blok} other {# blokken}} klaar";

    #[test]
    fn singular_and_plural_agree_with_the_number() {
        assert_eq!(format(BLOCKS, &[("count", "1")]), "1 blok klaar");
        assert_eq!(format(BLOCKS, &[("count", "2")]), "2 blokken klaar");
        assert_eq!(format(BLOCKS, &[("count", "0")]), "0 blokken klaar");
        assert_eq!(format(BLOCKS, &[("count", "21")]), "21 blokken klaar");
    }

    #[test]
    fn an_exact_number_wins_over_its_category() {
        let m = "{n, plural, =0 {Niemand is te laat} one {# persoon is te laat} other {# mensen zijn te laat}}.";
        assert_eq!(format(m, &[("n", "0")]), "Niemand is te laat.");
        assert_eq!(format(m, &[("n", "1")]), "1 persoon is te laat.");
        assert_eq!(format(m, &[("n", "3")]), "3 mensen zijn te laat.");
    }

    #[test]
    fn placeholders_inside_a_plural_and_around_it_are_filled_in() {
        let m = "{name} heeft {n, plural, one {# dag} other {# dagen}} voor {title}";
        assert_eq!(
            format(
                m,
                &[("name", "Anna"), ("n", "1"), ("title", "Valpreventie")]
            ),
            "Anna heeft 1 dag voor Valpreventie"
        );
    }

    #[test]
    fn values_are_not_read_again_and_unknown_names_stay() {
        assert_eq!(
            format("{title}: {other}", &[("title", "{other} en {title}")]),
            "{other} en {title}: {other}"
        );
        assert_eq!(format("open { zonder eind", &[]), "open { zonder eind");
    }
}
