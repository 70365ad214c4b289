//! Small text formats every service hands out: CSV fields for Dutch Excel and Dutch dates.

/// One field of the CSV files we hand out (`;`-separated, for Dutch Excel): quoted when it needs
/// to be (RFC 4180), and never read as a formula by a spreadsheet (a leading `=`, `+`, `-` or `@`
/// gets a `'`).
pub fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if v.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// A day as Dutch text: `1 maart 2027`.
pub fn dutch_date(d: time::Date) -> String {
    format!(
        "{} {} {}",
        d.day(),
        MONTHS[d.month() as usize - 1],
        d.year()
    )
}

/// `2027-03-01` as `1 maart 2027` (other text is returned as it is).
pub fn dutch_date_iso(iso: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(iso, &format).map_or_else(|_| iso.to_owned(), dutch_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("zeg \"hoi\""), "\"zeg \"\"hoi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn dutch_dates() {
        assert_eq!(
            dutch_date(time::macros::date!(2027 - 03 - 01)),
            "1 maart 2027"
        );
        assert_eq!(dutch_date_iso("2026-12-31"), "31 december 2026");
        assert_eq!(dutch_date_iso("morgen"), "morgen");
    }
}
