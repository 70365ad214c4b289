//! Names that an encoding mistake has mangled (pure): somewhere between HR's system and our
//! upload a file was saved in a character set that lacks a letter ("Ayşe" becomes "Ay?e") or
//! read in the wrong one (UTF-8 read as Windows-1252 or Latin-1: "Ayşe" becomes "AyÅŸe", "Zoë"
//! becomes "ZoÃ«"). The file itself reads fine, so the preview can't refuse it; it warns, with
//! the name, so the admin fixes the file before the mangled name lands in an invitation.

/// The warning on a preview row: a stable code and a Dutch message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
}

/// What the bytes 0x80..=0x9F become when read as Windows-1252 (0x81, 0x8D, 0x8F, 0x90 and 0x9D
/// are unassigned and stay C1 characters, which [`is_continuation`] takes by range).
const WINDOWS_1252_HIGH: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";

/// Whether `c` is what a UTF-8 continuation byte (0x80..=0xBF) becomes when read as
/// Windows-1252 or Latin-1.
fn is_continuation(c: char) -> bool {
    matches!(c, '\u{80}'..='\u{BF}') || WINDOWS_1252_HIGH.contains(c)
}

/// How many continuation bytes follow a UTF-8 lead byte, by the character that byte becomes in
/// Windows-1252 or Latin-1 (where 0xC2..=0xF4 are `Â`..=`ô`).
fn continuations_after(c: char) -> usize {
    match c {
        '\u{C2}'..='\u{DF}' => 1,
        '\u{E0}'..='\u{EF}' => 2,
        '\u{F0}'..='\u{F4}' => 3,
        _ => 0,
    }
}

/// Whether a name looks mangled by an encoding mistake: the replacement character U+FFFD, a `?`
/// against a letter ("Ay?e", "?zdemir"), or a UTF-8 sequence read as Windows-1252 or Latin-1
/// (a lead byte's letter followed by as many continuation bytes' characters: "Ã©", "Ã«",
/// "Ã¶", "Å\u{178}", "â€™"). Real names don't hold those pairs: "JOÃO" and "Åsa" pass.
pub fn looks_mangled(name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| match c {
        '\u{FFFD}' => true,
        '?' => {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            before.is_some_and(|c| c.is_alphabetic()) || after.is_some_and(|c| c.is_alphabetic())
        }
        _ => {
            let n = continuations_after(c);
            n > 0 && chars.len() > i + n && chars[i + 1..=i + n].iter().all(|&c| is_continuation(c))
        }
    })
}

/// The warning for a row whose name [`looks_mangled`] (`name_mangled`), naming the row (its
/// line in the file) and the name.
pub fn name_warning(line: usize, name: &str) -> Option<Warning> {
    looks_mangled(name).then(|| Warning {
        code: "name_mangled",
        message: format!(
            "Rij {line}: de naam '{name}' lijkt verminkt door een verkeerde tekenset; sla het bestand op als UTF-8 en probeer opnieuw."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names from Dutch care teams, with letters from many languages.
    const NAMES: &[&str] = &[
        "Ayşe Yılmaz",
        "Zoë de Vries",
        "Jürgen Müller",
        "Renée Çelik",
        "Øyvind Ødegård",
        "Łukasz Wójcik",
        "Đorđe Petrović",
        "João Gonçalves",
        "JOÃO SANTOS",
        "Åsa Ståhl",
        "Chloë d’Ancona",
        "Mbalı Öztürk",
        "Fatima-Zahra El Idrissi",
        "Anna (?) Bos",
        "Dương Văn Minh",
    ];

    #[test]
    fn real_names_are_not_flagged() {
        for name in NAMES {
            assert!(!looks_mangled(name), "{name}");
        }
        assert!(!looks_mangled(""));
        assert!(!looks_mangled("?"));
    }

    #[test]
    fn the_examples_of_the_issue_are_flagged() {
        for name in [
            "Ay?e Yılmaz",
            "Ay\u{FFFD}e Yılmaz",
            "AyÅŸe Yılmaz",
            "RenÃ©e",
            "ZoÃ« de Vries",
            "JÃ¶rg",
            "?zdemir",
            "Mehmet Y?",
        ] {
            assert!(looks_mangled(name), "{name}");
        }
    }

    /// Every name above, written as UTF-8 and read as Windows-1252 (what Excel does with a UTF-8
    /// file without a BOM) or as Latin-1, or saved in Windows-1252 with `?` for what it lacks.
    #[test]
    fn every_name_with_a_letter_beyond_ascii_is_flagged_once_mangled() {
        for name in NAMES.iter().filter(|n| !n.is_ascii()) {
            let bytes = name.as_bytes();
            let (as_1252, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            let as_latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
            assert!(looks_mangled(&as_1252), "{name} as {as_1252}");
            assert!(looks_mangled(&as_latin1), "{name} as {as_latin1:?}");
            let (_, _, lossy) = encoding_rs::WINDOWS_1252.encode(name);
            if lossy {
                let questioned: String = name
                    .chars()
                    .map(|c| {
                        if encoding_rs::WINDOWS_1252.encode(&c.to_string()).2 {
                            '?'
                        } else {
                            c
                        }
                    })
                    .collect();
                assert!(looks_mangled(&questioned), "{name} as {questioned}");
            }
        }
    }

    #[test]
    fn the_continuation_table_is_windows_1252() {
        for b in 0x80u8..=0xBF {
            let byte = [b];
            let (c, _, _) = encoding_rs::WINDOWS_1252.decode(&byte);
            let c = c.chars().next().unwrap();
            assert!(is_continuation(c), "{b:#x} as {c:?}");
        }
    }

    #[test]
    fn the_warning_names_the_row_and_the_name() {
        let w = name_warning(4, "Ay?e Yılmaz").unwrap();
        assert_eq!(w.code, "name_mangled");
        assert_eq!(
            w.message,
            "Rij 4: de naam 'Ay?e Yılmaz' lijkt verminkt door een verkeerde tekenset; sla het bestand op als UTF-8 en probeer opnieuw."
        );
        assert_eq!(name_warning(5, "Ayşe Yılmaz"), None);
    }
}
