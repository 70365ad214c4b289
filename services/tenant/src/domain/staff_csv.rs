//! Reading a staff file (pure): the bytes as HR exports them, whatever Excel did to them — a
//! byte-order mark, semicolons as separators (Dutch Excel), Windows-1252 instead of UTF-8,
//! UTF-16 ("Unicode-tekst"), quoted fields with line breaks — into rows with their line numbers.
//! Checking the rows against the member's accounts, groups and modules is `staff_import`'s job.

use zk_kernel::{AppError, AppResult};

/// At most this many staff rows per file.
pub const MAX_ROWS: usize = 10_000;
/// At most this many bytes per file (10,000 rows of a few columns fit many times over).
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// How the file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Windows1252,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// One staff row as written in the file (fields trimmed; lists split).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaffRow {
    /// The row's first line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub email: String,
    pub department: String,
    pub groups: Vec<String>,
    pub modules: Vec<String>,
}

/// A read file.
#[derive(Debug)]
pub struct StaffFile {
    pub encoding: Encoding,
    pub separator: char,
    pub rows: Vec<StaffRow>,
}

fn file_error(code: &'static str, message: impl Into<std::borrow::Cow<'static, str>>) -> AppError {
    AppError::validation("file", code, message)
}

/// Decodes the bytes: UTF-8 (with or without BOM), UTF-16 with BOM, otherwise Windows-1252 (what
/// Excel on a Dutch Windows writes for "CSV (gescheiden door lijstscheidingsteken)"). A file with
/// NUL bytes or control characters is not a text file.
pub fn decode(bytes: &[u8]) -> AppResult<(String, Encoding)> {
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let text = std::str::from_utf8(rest).map_err(|_| {
            file_error(
                "file_encoding",
                "Het bestand zegt UTF-8 te zijn, maar is dat niet. Sla het in Excel op als 'CSV UTF-8'.",
            )
        })?;
        (text.to_owned(), Encoding::Utf8)
    } else if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let little = bytes[0] == 0xFF;
        let body = &bytes[2..];
        if body.len() & 1 == 1 {
            return Err(file_error(
                "file_encoding",
                "Het bestand kon niet als UTF-16 worden gelezen. Sla het in Excel op als 'CSV UTF-8'.",
            ));
        }
        let units = body.chunks_exact(2).map(|c| {
            if little {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        let text: String = char::decode_utf16(units)
            .collect::<Result<_, _>>()
            .map_err(|_| {
                file_error(
                    "file_encoding",
                    "Het bestand kon niet als UTF-16 worden gelezen. Sla het in Excel op als 'CSV UTF-8'.",
                )
            })?;
        (text, Encoding::Utf16)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), Encoding::Utf8)
    } else {
        (
            bytes.iter().map(|&b| windows_1252(b)).collect(),
            Encoding::Windows1252,
        )
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(file_error(
            "file_encoding",
            "Dit lijkt geen tekstbestand. Sla de lijst in Excel op als 'CSV UTF-8' of 'CSV (gescheiden door lijstscheidingsteken)'.",
        ));
    }
    Ok((text, encoding))
}

/// One Windows-1252 byte as a character (the five unassigned bytes become control characters,
/// which `decode` refuses).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The separator: whichever of `;`, `,` and tab occurs most in the header line (outside quotes).
pub fn separator(header: &str) -> char {
    let mut counts = [(';', 0usize), (',', 0), ('\t', 0)];
    let mut quoted = false;
    for c in header.chars() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted {
            for (s, n) in &mut counts {
                if c == *s {
                    *n += 1;
                }
            }
        }
    }
    // Ties go to the semicolon: Dutch Excel's choice.
    counts
        .iter()
        .fold(
            (';', 0),
            |best, &(s, n)| if n > best.1 { (s, n) } else { best },
        )
        .0
}

/// Splits text into records of fields (RFC 4180: quotes, doubled quotes, line breaks inside
/// quotes; CRLF or LF), each with the line it starts on. Blank lines are left out.
pub fn records(text: &str, sep: char) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let (mut field, mut fields) = (String::new(), Vec::new());
    let (mut line, mut start, mut quoted) = (1usize, 1usize, false);
    let mut chars = text.chars().peekable();
    let mut push_record = |fields: &mut Vec<String>, field: &mut String, start: usize| {
        fields.push(std::mem::take(field));
        let record = std::mem::take(fields);
        if !(record.len() == 1 && record[0].trim().is_empty()) {
            out.push((start, record));
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                '\r' => {}
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            '\r' => {}
            '\n' => {
                push_record(&mut fields, &mut field, start);
                line += 1;
                start = line;
            }
            c if c == sep => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        push_record(&mut fields, &mut field, start);
    }
    out
}

/// The columns a staff file may have, by the names HR uses (Dutch or English, any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Name,
    Email,
    Department,
    Groups,
    Modules,
}

fn column(header: &str) -> Option<Column> {
    let h: String = header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match h.as_str() {
        "naam" | "name" | "volledigenaam" | "fullname" => Some(Column::Name),
        "email" | "emailadres" | "mail" | "emailaddress" => Some(Column::Email),
        "afdeling" | "department" | "team" => Some(Column::Department),
        "groep" | "groepen" | "group" | "groups" => Some(Column::Groups),
        "module" | "modules" | "inschrijving" | "inschrijvingen" | "enrolments" | "enrollments" => {
            Some(Column::Modules)
        }
        _ => None,
    }
}

/// A list in one field: values separated by `|` or `,` (or `;` in a comma-separated file).
fn list(field: &str, sep: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in field.split(|c| c == '|' || c == ',' || (c == ';' && sep != ';')) {
        let v = v.trim();
        if !v.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(v)) {
            out.push(v.to_owned());
        }
    }
    out
}

/// Reads a staff file: header first (needs an e-mail column; unknown columns are ignored), at
/// most [`MAX_ROWS`] rows.
pub fn parse(bytes: &[u8]) -> AppResult<StaffFile> {
    if bytes.len() > MAX_BYTES {
        return Err(file_error(
            "file_too_large",
            "Het bestand is groter dan 4 MB. Splits de lijst in delen.",
        ));
    }
    let (text, encoding) = decode(bytes)?;
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let sep = separator(header_line);
    let mut records = records(&text, sep).into_iter();
    let Some((_, header)) = records.next() else {
        return Err(file_error(
            "file_empty",
            "Het bestand is leeg. Kies een CSV-bestand met een kopregel en één regel per medewerker.",
        ));
    };
    let columns: Vec<Option<Column>> = header.iter().map(|h| column(h)).collect();
    if !columns.contains(&Some(Column::Email)) {
        return Err(file_error(
            "missing_column",
            "De kopregel heeft geen kolom 'e-mail'. Gebruik de kolommen naam, e-mail, afdeling, groepen en modules.",
        ));
    }
    let mut rows = Vec::new();
    for (line, fields) in records {
        if rows.len() == MAX_ROWS {
            return Err(file_error(
                "too_many_rows",
                format!(
                    "Het bestand heeft meer dan {MAX_ROWS} medewerkers. Splits de lijst in delen."
                ),
            ));
        }
        let mut row = StaffRow {
            line,
            ..StaffRow::default()
        };
        for (col, value) in columns.iter().zip(&fields) {
            let v = value.trim();
            match col {
                Some(Column::Name) => row.name = v.to_owned(),
                Some(Column::Email) => row.email = v.to_owned(),
                Some(Column::Department) => row.department = v.to_owned(),
                Some(Column::Groups) => row.groups = list(v, sep),
                Some(Column::Modules) => row.modules = list(v, sep),
                None => {}
            }
        }
        rows.push(row);
    }
    Ok(StaffFile {
        encoding,
        separator: sep,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_with_bom_and_semicolons_is_read() {
        let file = b"\xEF\xBB\xBFNaam;E-mail;Afdeling;Groepen\r\nAnna de Vries;anna@noord.nl;De Linde;Linde|Nacht\r\n\r\nBram;bram@noord.nl;;\r\n";
        let f = parse(file).unwrap();
        assert_eq!(f.encoding, Encoding::Utf8);
        assert_eq!(f.separator, ';');
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[0].name, "Anna de Vries");
        assert_eq!(f.rows[0].groups, vec!["Linde", "Nacht"]);
        assert_eq!(f.rows[1].line, 4);
        assert_eq!(f.rows[1].department, "");
    }

    #[test]
    fn windows_1252_is_read_as_such() {
        // "Jürgen Müller" and the euro sign, as Excel on Windows writes them.
        let file = b"naam,email\nJ\xFCrgen M\xFCller \x80,jurgen@noord.nl\n";
        let f = parse(file).unwrap();
        assert_eq!(f.encoding, Encoding::Windows1252);
        assert_eq!(f.rows[0].name, "Jürgen Müller €");
    }

    #[test]
    fn utf16_with_bom_is_read() {
        let text = "naam\temail\nZoë\tzoe@noord.nl\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let f = parse(&bytes).unwrap();
        assert_eq!(f.encoding, Encoding::Utf16);
        assert_eq!(f.separator, '\t');
        assert_eq!(f.rows[0].name, "Zoë");
    }

    #[test]
    fn binary_files_and_missing_columns_are_refused_by_field() {
        let e = parse(b"PK\x03\x04\x00\x00binary").unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.code),
            (Some("file"), "file_encoding")
        );
        let e = parse(b"naam;afdeling\nAnna;Linde\n").unwrap_err();
        assert_eq!(e.code, "missing_column");
        assert_eq!(parse(b"").unwrap_err().code, "file_empty");
    }

    #[test]
    fn quotes_and_line_breaks_inside_fields() {
        let file = "naam,email,groepen\n\"Vries, Anna de\",anna@noord.nl,\"Linde, Nacht\"\n\"Regel\neen\",b@noord.nl,\"zegt \"\"hoi\"\"\"\nC,c@noord.nl,\n";
        let f = parse(file.as_bytes()).unwrap();
        assert_eq!(f.rows[0].name, "Vries, Anna de");
        assert_eq!(f.rows[0].groups, vec!["Linde", "Nacht"]);
        assert_eq!(f.rows[1].name, "Regel\neen");
        assert_eq!(f.rows[1].groups, vec!["zegt \"hoi\""]);
        assert_eq!(f.rows[2].line, 5);
    }

    #[test]
    fn more_than_the_maximum_of_rows_is_refused() {
        let mut file = String::from("email\n");
        for i in 0..MAX_ROWS {
            file.push_str(&format!("p{i}@noord.nl\n"));
        }
        assert_eq!(parse(file.as_bytes()).unwrap().rows.len(), MAX_ROWS);
        file.push_str("een.te.veel@noord.nl\n");
        assert_eq!(parse(file.as_bytes()).unwrap_err().code, "too_many_rows");
    }
}
