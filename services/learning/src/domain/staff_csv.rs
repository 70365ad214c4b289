//! Reading a staff file (pure): the bytes as HR exports them, whatever Excel did to them — a
//! byte-order mark, semicolons as separators (Dutch Excel), Windows-1252 instead of UTF-8,
//! UTF-16 ("Unicode-tekst"), quoted fields with line breaks — into rows with their line numbers.
//! Checking the rows against the member's accounts, groups and modules is `staff_import`'s job.
//!
//! The format is the `csv` crate's and the decoding `encoding_rs`'s: both take time in
//! proportion to the file, whatever its shape. What we add is linear too (one pass per field,
//! lists deduplicated in a set), and every field and list is capped, so a 4 MB file is read in
//! a fraction of a second. Still CPU work: callers run it on `zk_kernel::cpu`.

use std::collections::HashSet;
use zk_kernel::{AppError, AppResult};

/// At most this many staff rows per file.
pub const MAX_ROWS: usize = 10_000;
/// At most this many bytes per file (10,000 rows of a few columns fit many times over).
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// At most this many characters per field (names have 200, departments 100, an e-mail address
/// 254; a list of groups or modules fits too).
pub const MAX_FIELD_CHARS: usize = 1_000;
/// At most this many names in one list of groups or modules.
pub const MAX_LIST_ITEMS: usize = 50;

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
    let (text, encoding) = match encoding_rs::Encoding::for_bom(bytes) {
        Some((bom, len)) => {
            let (encoding, message) = if bom == encoding_rs::UTF_8 {
                (
                    Encoding::Utf8,
                    "Het bestand zegt UTF-8 te zijn, maar is dat niet. Sla het in Excel op als 'CSV UTF-8'.",
                )
            } else {
                (
                    Encoding::Utf16,
                    "Het bestand kon niet als UTF-16 worden gelezen. Sla het in Excel op als 'CSV UTF-8'.",
                )
            };
            let text = bom
                .decode_without_bom_handling_and_without_replacement(&bytes[len..])
                .ok_or_else(|| file_error("file_encoding", message))?;
            (text.into_owned(), encoding)
        }
        None => match std::str::from_utf8(bytes) {
            Ok(text) => (text.to_owned(), Encoding::Utf8),
            // The five bytes Windows-1252 leaves unassigned become C1 control characters,
            // which are refused below.
            Err(_) => (
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
                    .into_owned(),
                Encoding::Windows1252,
            ),
        },
    };
    if has_control_characters(&text) {
        return Err(file_error(
            "file_encoding",
            "Dit lijkt geen tekstbestand. Sla de lijst in Excel op als 'CSV UTF-8' of 'CSV (gescheiden door lijstscheidingsteken)'.",
        ));
    }
    Ok((text, encoding))
}

/// Whether the text holds control characters other than tab and line breaks, looked for in its
/// UTF-8 bytes (one pass, no decoding): C0 and DEL are single bytes, C1 is 0xC2 0x80..=0x9F.
fn has_control_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => false,
        0x00..=0x1F | 0x7F => true,
        0xC2 => matches!(bytes.get(i + 1), Some(0x80..=0x9F)),
        _ => false,
    })
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

/// The columns a staff file may have, by the names HR uses (Dutch or English, any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    /// The whole name (or, beside a first-name column and no last-name column, the surname).
    Name,
    FirstName,
    /// What someone is called ("Roepnaam"): preferred to the first names when both are there.
    CallName,
    /// The tussenvoegsel ("de", "van der").
    Prefix,
    LastName,
    Email,
    Department,
    Groups,
    Modules,
}

/// The column a header names: letters and digits only, any case, so `E-mail`, `e mail` and
/// `EMAIL` are one column, and `First name` is `firstname`. AFAS, Nmbrs, Visma/Raet and Excel
/// lists name the parts of a name in separate columns.
fn column(header: &str) -> Option<Column> {
    let h: String = header
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match h.as_str() {
        "naam" | "name" | "volledigenaam" | "fullname" => Some(Column::Name),
        "voornaam" | "voornamen" | "firstname" | "givenname" | "forename" => {
            Some(Column::FirstName)
        }
        "roepnaam" => Some(Column::CallName),
        "tussenvoegsel" | "tussenvoegsels" | "voorvoegsel" | "voorvoegsels" | "prefix" => {
            Some(Column::Prefix)
        }
        "achternaam" | "geslachtsnaam" | "lastname" | "surname" | "familyname" | "familienaam" => {
            Some(Column::LastName)
        }
        "email" | "emailadres" | "mail" | "emailaddress" => Some(Column::Email),
        "afdeling" | "department" | "team" => Some(Column::Department),
        "groep" | "groepen" | "group" | "groups" => Some(Column::Groups),
        "module" | "modules" | "inschrijving" | "inschrijvingen" | "enrolments" | "enrollments" => {
            Some(Column::Modules)
        }
        _ => None,
    }
}

/// A name as HR systems split it, each part as written in its column (empty when the file has
/// no such column).
#[derive(Clone, Copy, Debug, Default)]
pub struct NameParts<'a> {
    /// The `naam` column.
    pub full: &'a str,
    pub first: &'a str,
    pub call: &'a str,
    pub prefix: &'a str,
    pub last: &'a str,
}

/// One name from its parts: the call name (else the first name), the tussenvoegsel as written
/// ("de", not "De": the Dutch rule after a first name, and HR systems keep it so) and the last
/// name, single spaces between, nothing for an empty part. A filled `naam` column is the whole
/// name; beside a first name and without a last name it is the surname (some exports write
/// `Voornaam;Naam`), unless it already starts with the first name.
pub fn full_name(parts: NameParts<'_>) -> String {
    let given = if parts.call.trim().is_empty() {
        parts.first
    } else {
        parts.call
    };
    let join = |pieces: &[&str]| {
        pieces
            .iter()
            .flat_map(|p| p.split_whitespace())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let full = parts.full.trim();
    if full.is_empty() {
        return join(&[given, parts.prefix, parts.last]);
    }
    let given = join(&[given]);
    let starts_with_given = full
        .strip_prefix(given.as_str())
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
    if given.is_empty() || !parts.last.trim().is_empty() || starts_with_given {
        full.to_owned()
    } else {
        join(&[&given, parts.prefix, full])
    }
}

/// A list in one field: values separated by `|` or `,` (or `;` in a comma-separated file), at
/// most [`MAX_LIST_ITEMS`] of them, each name kept once (any case).
fn list(field: &str, sep: char, line: usize, column: &str) -> AppResult<Vec<String>> {
    let mut names = Vec::new();
    // The separators are ASCII, so they are found in the bytes, and every piece between them
    // is whole characters.
    let mut start = 0;
    for (i, b) in field.bytes().enumerate().chain([(field.len(), b'|')]) {
        if b == b'|' || b == b',' || (b == b';' && sep != ';') {
            let v = field[start..i].trim();
            start = i + 1;
            if v.is_empty() {
                continue;
            }
            if names.len() == MAX_LIST_ITEMS {
                return Err(file_error(
                    "too_many_items",
                    format!(
                        "Regel {line}: de kolom {column} noemt meer dan {MAX_LIST_ITEMS} namen. Zet een medewerker in minder groepen of modules tegelijk."
                    ),
                ));
            }
            names.push(v);
        }
    }
    let mut seen = HashSet::with_capacity(names.len());
    Ok(names
        .into_iter()
        .filter(|v| seen.insert(v.to_lowercase()))
        .map(str::to_owned)
        .collect())
}

/// A field as the row keeps it: trimmed, line breaks as `\n`, at most [`MAX_FIELD_CHARS`].
fn field(raw: &str, line: usize) -> AppResult<String> {
    // Bytes first: a long field is refused without counting its characters.
    if raw.len() > MAX_FIELD_CHARS && raw.chars().count() > MAX_FIELD_CHARS {
        return Err(file_error(
            "field_too_long",
            format!(
                "Regel {line}: een veld is langer dan {} tekens. Controleer of de lijst goed is opgeslagen, met één medewerker per regel.",
                zk_kernel::text::dutch_number(MAX_FIELD_CHARS as i64)
            ),
        ));
    }
    let v = raw.trim();
    Ok(if v.contains('\r') {
        v.replace('\r', "")
    } else {
        v.to_owned()
    })
}

/// Reads a staff file: header first (needs an e-mail column; unknown columns are ignored), at
/// most [`MAX_ROWS`] rows. Blank lines are left out; every row keeps the line it starts on.
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
    let mut records = Records {
        text: text.as_bytes(),
        reader: csv::ReaderBuilder::new()
            .delimiter(sep as u8)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes()),
        record: csv::StringRecord::new(),
    };
    let Some(header_at) = records.read_next()? else {
        return Err(file_error(
            "file_empty",
            "Het bestand is leeg. Kies een CSV-bestand met een kopregel en één regel per medewerker.",
        ));
    };
    let mut columns = Vec::with_capacity(records.record.len());
    for h in records.record.iter() {
        columns.push(column(&field(h, header_at)?));
    }
    if !columns.contains(&Some(Column::Email)) {
        return Err(file_error(
            "missing_column",
            "De kopregel heeft geen kolom 'e-mail'. Gebruik de kolommen naam (of voornaam, tussenvoegsel en achternaam), e-mail, afdeling, groepen en modules.",
        ));
    }
    let split_name = columns.iter().any(|c| {
        matches!(
            c,
            Some(Column::FirstName | Column::CallName | Column::Prefix | Column::LastName)
        )
    });
    let mut rows = Vec::new();
    while let Some(line) = records.read_next()? {
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
        let [mut first, mut call, mut prefix, mut last] = Default::default();
        for (col, raw) in columns.iter().zip(records.record.iter()) {
            let v = field(raw, line)?;
            match col {
                Some(Column::Name) => row.name = v,
                Some(Column::FirstName) => first = v,
                Some(Column::CallName) => call = v,
                Some(Column::Prefix) => prefix = v,
                Some(Column::LastName) => last = v,
                Some(Column::Email) => row.email = v,
                Some(Column::Department) => row.department = v,
                Some(Column::Groups) => row.groups = list(&v, sep, line, "groepen")?,
                Some(Column::Modules) => row.modules = list(&v, sep, line, "modules")?,
                None => {}
            }
        }
        if split_name {
            row.name = full_name(NameParts {
                full: &row.name,
                first: &first,
                call: &call,
                prefix: &prefix,
                last: &last,
            });
        }
        rows.push(row);
    }
    Ok(StaffFile {
        encoding,
        separator: sep,
        rows,
    })
}

/// The records of a file one by one, each with the line it starts on.
struct Records<'a> {
    text: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    /// The current record.
    record: csv::StringRecord,
}

impl Records<'_> {
    /// Reads the next record that is not blank into `self.record`; its first line, or `None` at
    /// the end.
    fn read_next(&mut self) -> AppResult<Option<usize>> {
        loop {
            // The reader's position is where the previous record ended: the line breaks of
            // blank lines in between still lie before this record.
            let at = self.reader.position().clone();
            let more = self.reader.read_record(&mut self.record).map_err(|_| {
                file_error(
                    "file_encoding",
                    "Het bestand kon niet worden gelezen. Sla de lijst in Excel op als 'CSV UTF-8'.",
                )
            })?;
            if !more {
                return Ok(None);
            }
            if self.record.len() == 1 && self.record[0].trim().is_empty() {
                continue;
            }
            let skipped = self
                .text
                .get(usize::try_from(at.byte()).unwrap_or(usize::MAX)..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .filter(|&&b| b == b'\n')
                .count();
            return Ok(Some(
                usize::try_from(at.line()).unwrap_or(usize::MAX) + skipped,
            ));
        }
    }
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
    fn name_parts_in_separate_columns_become_one_name() {
        // Nmbrs/Excel, AFAS (Roepnaam, Voorvoegsel, Geslachtsnaam) and an English export, with
        // headers in any case and with spaces.
        for file in [
            "voornaam;tussenvoegsel;achternaam;e-mail\nAnna;de;Vries;a@noord.nl\nBram;;Bos;b@noord.nl\n",
            "Roepnaam;Voorvoegsel;Geslachtsnaam;E-mailadres\nAnna;de;Vries;a@noord.nl\nBram;;Bos;b@noord.nl\n",
            "First name,Prefix,Last name,Email\n Anna , de ,  Vries,a@noord.nl\nBram,,Bos,b@noord.nl\n",
            " VOORNAAM \tTussen voegsel\tSurname\tE-mail\nAnna\tde\tVries\ta@noord.nl\nBram\t\tBos\tb@noord.nl\n",
        ] {
            let f = parse(file.as_bytes()).unwrap();
            let names: Vec<&str> = f.rows.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(names, vec!["Anna de Vries", "Bram Bos"], "{file}");
        }
        // A single name column keeps working, as written.
        let f = parse(b"Naam;E-mail\nAnna  de Vries;a@noord.nl\n").unwrap();
        assert_eq!(f.rows[0].name, "Anna  de Vries");
        // The call name goes before the first names; a filled full name column wins.
        let f = parse(
            "Voornamen;Roepnaam;Tussenvoegsel;Achternaam;Naam;E-mail\n\
             Johanna Maria;Anja;van der;Berg;;a@noord.nl\n\
             Johanna;;van der;Berg;Jo van der Berg;j@noord.nl\n\
             ;;;;;leeg@noord.nl\n"
                .as_bytes(),
        )
        .unwrap();
        let names: Vec<&str> = f.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["Anja van der Berg", "Jo van der Berg", ""]);
    }

    #[test]
    fn a_full_name_is_made_of_its_parts_with_single_spaces() {
        let name = |full, first, call, prefix, last| {
            full_name(NameParts {
                full,
                first,
                call,
                prefix,
                last,
            })
        };
        assert_eq!(name("", "Anna", "", "de", "Vries"), "Anna de Vries");
        assert_eq!(name("", "Anna", "", "", "Vries"), "Anna Vries");
        assert_eq!(name("", " Anna ", "", "  ", " Vries "), "Anna Vries");
        assert_eq!(
            name("", "Anna", "", "van  der", "Berg"),
            "Anna van der Berg"
        );
        // The tussenvoegsel as written: HR keeps "de"; a Belgian "Van" stays a capital.
        assert_eq!(name("", "Jean", "", "Van", "Damme"), "Jean Van Damme");
        assert_eq!(name("", "Anna Maria", "Anja", "", "Vries"), "Anja Vries");
        assert_eq!(name("", "", "", "", "Vries"), "Vries");
        assert_eq!(name("", "Anna", "", "", ""), "Anna");
        assert_eq!(name("", "", "", "", ""), "");
        // `Voornaam;Naam`: the name is the surname, unless it is the whole name already.
        assert_eq!(name("de Vries", "Anna", "", "", ""), "Anna de Vries");
        assert_eq!(name("Vries", "Anna", "", "de", ""), "Anna de Vries");
        assert_eq!(name("Anna de Vries", "Anna", "", "", ""), "Anna de Vries");
        // Beside a last name, a filled name column is the whole name.
        assert_eq!(name("Jo Berg", "Johanna", "", "", "Berg"), "Jo Berg");
        assert_eq!(name("Anna de Vries", "", "", "", ""), "Anna de Vries");
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

    #[test]
    fn rows_keep_the_line_they_start_on() {
        let file = "email;naam\r\n\r\n   \r\na@noord.nl;\"Twee\r\nregels\"\r\n\n\nb@noord.nl;B\rc@noord.nl;C";
        let f = parse(file.as_bytes()).unwrap();
        let lines: Vec<(usize, &str)> = f.rows.iter().map(|r| (r.line, r.email.as_str())).collect();
        assert_eq!(
            lines,
            vec![(4, "a@noord.nl"), (8, "b@noord.nl"), (8, "c@noord.nl")]
        );
        assert_eq!(f.rows[0].name, "Twee\nregels");
    }

    #[test]
    fn other_encodings_and_what_is_not_text() {
        let mut big_endian = vec![0xFE, 0xFF];
        for u in "email;naam\nz@noord.nl;Zoë\n".encode_utf16() {
            big_endian.extend_from_slice(&u.to_be_bytes());
        }
        let f = parse(&big_endian).unwrap();
        assert_eq!(
            (f.encoding, f.rows[0].name.as_str()),
            (Encoding::Utf16, "Zoë")
        );
        big_endian.push(0);
        assert_eq!(parse(&big_endian).unwrap_err().code, "file_encoding");
        // 0x81 is unassigned in Windows-1252: not a text file.
        assert_eq!(
            parse(b"email\n\x81@noord.nl\xE9\n").unwrap_err().code,
            "file_encoding"
        );
    }

    #[test]
    fn long_fields_are_refused_with_their_line() {
        let row = |name: &str| format!("naam;email\nA;a@noord.nl\n{name};b@noord.nl\n");
        let f = parse(row(&"ë".repeat(MAX_FIELD_CHARS)).as_bytes()).unwrap();
        assert_eq!(f.rows[1].name.chars().count(), MAX_FIELD_CHARS);
        let e = parse(row(&"a".repeat(MAX_FIELD_CHARS + 1)).as_bytes()).unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.code),
            (Some("file"), "field_too_long")
        );
        assert!(e.message.starts_with("Regel 3: "), "{}", e.message);
        assert!(e.message.contains("1.000 tekens"), "{}", e.message);
        // Unknown columns too, and the header.
        let e = parse(format!("email;notitie\na@noord.nl;{}\n", "x".repeat(2000)).as_bytes())
            .unwrap_err();
        assert_eq!(e.code, "field_too_long");
        let e = parse(format!("email;{}\n", "x".repeat(2000)).as_bytes()).unwrap_err();
        assert!(e.message.starts_with("Regel 1: "), "{}", e.message);
    }

    #[test]
    fn lists_are_deduplicated_in_any_case_and_capped() {
        let f = parse(b"email;groepen;modules\na@noord.nl;Linde|linde|LINDE| Nacht ,nacht;Hygi\xC3\xABne|HYGI\xC3\x8BNE\n").unwrap();
        assert_eq!(f.rows[0].groups, vec!["Linde", "Nacht"]);
        assert_eq!(f.rows[0].modules, vec!["Hygiëne"]);
        let names = |n: usize| {
            (0..n)
                .map(|i| format!("g{i}"))
                .collect::<Vec<_>>()
                .join("|")
        };
        // Fifty names at most, counted as written (a name twice counts twice).
        let file = format!(
            "email;groepen\na@noord.nl;{}|G0|g1||\n",
            names(MAX_LIST_ITEMS - 2)
        );
        assert_eq!(
            parse(file.as_bytes()).unwrap().rows[0].groups.len(),
            MAX_LIST_ITEMS - 2
        );
        let file = format!("email;modules\n\na@noord.nl;{}|G0\n", names(MAX_LIST_ITEMS));
        let e = parse(file.as_bytes()).unwrap_err();
        assert_eq!(
            (e.field.as_deref(), e.code),
            (Some("file"), "too_many_items")
        );
        assert!(
            e.message.starts_with("Regel 3: de kolom modules"),
            "{}",
            e.message
        );
    }

    /// What the security review found quadratic (issue 20, finding 2), each shape of about a
    /// megabyte: the old parser took minutes on them; read now in one pass each.
    #[test]
    fn adversarial_shapes_take_time_in_proportion_to_their_size() {
        let start = std::time::Instant::now();
        let mb = 1024 * 1024;
        let quotes = "a\"".repeat(mb / 2);
        let doubled = format!("\"{}\"", "a\"\"".repeat(mb / 3));
        let spaces_then_quotes = format!("{}x{}", " ".repeat(mb / 2), "\"".repeat(mb / 2));
        let items = (0..100_000)
            .map(|i| format!("g{i}"))
            .collect::<Vec<_>>()
            .join("|");
        for field in [&quotes, &doubled, &spaces_then_quotes, &items] {
            let file = format!("email;naam;groepen\na@noord.nl;{field};{field}\n");
            assert_eq!(parse(file.as_bytes()).unwrap_err().code, "field_too_long");
        }
        // The list itself, without the field cap: 100,000 names, all the same or all different.
        let same = vec!["Linde"; 100_000].join("|");
        for list_field in [&same, &items] {
            let e = list(list_field, ';', 2, "groepen").unwrap_err();
            assert_eq!(e.code, "too_many_items");
        }
        // A full file of rows at the caps: 4 MB, every field quoted with quotes inside.
        let name = format!("\"{}\"", "Anna \"\"de\"\" Vries ".repeat(20));
        let groups = format!("\"{}\"", vec!["Linde"; 50].join("|"));
        let mut file = String::from("naam;email;groepen\n");
        let mut i = 0;
        while file.len() < MAX_BYTES - 1_000 {
            file.push_str(&format!("{name};p{i}@noord.nl;{groups}\n"));
            i += 1;
        }
        let f = parse(file.as_bytes()).unwrap();
        assert_eq!(f.rows.len(), i);
        assert_eq!(f.rows[0].groups, vec!["Linde"]);
        // Unoptimised and beside other tests, but far from the old parser's minutes.
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }
}
