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

// A calendar date as `YYYY-MM-DD` in JSON (`#[serde(with = "zk_kernel::text::iso_date")]`, or
// `iso_date::option`); `time`'s own serde writes `[year, ordinal]`.
time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

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

/// A day as Dutch tables write it: `01-03-2027` (dd-mm-jjjj).
pub fn dutch_short_date(d: time::Date) -> String {
    format!("{:02}-{:02}-{}", d.day(), d.month() as u8, d.year())
}

/// A day written `YYYY-MM-DD` (as the API and date fields write it).
pub fn parse_iso_date(iso: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(iso, &format).ok()
}

/// `2027-03-01` as `1 maart 2027` (other text is returned as it is).
pub fn dutch_date_iso(iso: &str) -> String {
    parse_iso_date(iso).map_or_else(|| iso.to_owned(), dutch_date)
}

/// Today's date in the Netherlands (what "late" and "today" mean to a member's people).
pub fn amsterdam_today() -> time::Date {
    amsterdam(time::OffsetDateTime::now_utc()).date()
}

/// A moment in Dutch local time: the offset of Europe/Amsterdam at that moment, looked up in
/// the IANA time zone database that `tzdb_data` compiles in (CET, CEST in summer, and whatever
/// the Netherlands or the EU decide next, with a crate update).
pub fn amsterdam(t: time::OffsetDateTime) -> time::OffsetDateTime {
    // Whole seconds, as the database counts; a moment the database can't place (none in
    // `OffsetDateTime`'s range) stays in CET rather than failing a page.
    let offset = tzdb_data::time_zone::europe::AMSTERDAM
        .find_local_time_type(t.unix_timestamp())
        .map_or(3600, |local| local.ut_offset());
    t.to_offset(time::UtcOffset::from_whole_seconds(offset).unwrap_or(time::UtcOffset::UTC))
}

/// A moment as Dutch text in Dutch local time: `30 november 2026 om 13:05`.
pub fn dutch_datetime(t: time::OffsetDateTime) -> String {
    let local = amsterdam(t);
    format!(
        "{} om {:02}:{:02}",
        dutch_date(local.date()),
        local.hour(),
        local.minute()
    )
}

/// A moment as the API writes it (RFC 3339).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A size in bytes as people read it, in Dutch notation: `800 kB`, `12,5 MB`, `1,2 GB`
/// (powers of 1024, one decimal below 100).
pub fn dutch_bytes(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    let (value, unit) = if b >= 1024.0 * 1024.0 * 1024.0 {
        (b / (1024.0 * 1024.0 * 1024.0), "GB")
    } else if b >= 1024.0 * 1024.0 {
        (b / (1024.0 * 1024.0), "MB")
    } else {
        (b / 1024.0, "kB")
    };
    let text = if value < 100.0 {
        format!("{:.1}", (value * 10.0).round() / 10.0)
    } else {
        format!("{value:.0}")
    };
    format!("{} {unit}", text.trim_end_matches(".0").replace('.', ","))
}

/// A whole number in Dutch notation: a dot between thousands (`2.001`, `-1.250.000`).
pub fn dutch_number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Euros from cents as Dutch invoices write them: `€ 1.188,00`, `-€ 29,40`.
pub fn dutch_euro(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = dutch_number(i64::try_from(abs / 100).unwrap_or(i64::MAX));
    format!("{sign}€ {euros},{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_read_in_dutch() {
        assert_eq!(dutch_euro(143_748), "€ 1.437,48");
        assert_eq!(dutch_euro(5), "€ 0,05");
        assert_eq!(dutch_euro(-2_940), "-€ 29,40");
    }

    #[test]
    fn table_dates_are_day_month_year() {
        assert_eq!(
            dutch_short_date(time::macros::date!(2027 - 03 - 01)),
            "01-03-2027"
        );
        assert_eq!(
            dutch_short_date(time::macros::date!(2026 - 12 - 31)),
            "31-12-2026"
        );
    }

    #[test]
    fn sizes_read_in_dutch() {
        assert_eq!(dutch_bytes(0), "0 kB");
        assert_eq!(dutch_bytes(800 * 1024), "800 kB");
        assert_eq!(dutch_bytes(12 * 1024 * 1024 + 512 * 1024), "12,5 MB");
        assert_eq!(dutch_bytes(10 << 30), "10 GB");
        assert_eq!(dutch_bytes((1 << 30) + (1 << 28)), "1,3 GB");
        assert_eq!(dutch_bytes(150 << 30), "150 GB");
    }

    #[test]
    fn dutch_numbers_group_thousands_with_dots() {
        assert_eq!(dutch_number(0), "0");
        assert_eq!(dutch_number(999), "999");
        assert_eq!(dutch_number(2001), "2.001");
        assert_eq!(dutch_number(-1_250_000), "-1.250.000");
        assert_eq!(dutch_number(100_000), "100.000");
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("zeg \"hoi\""), "\"zeg \"\"hoi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    /// Both changes of 2026 (29 March, 02:00 CET becomes 03:00 CEST; 25 October, 03:00 CEST
    /// becomes 02:00 CET) at the second, from moments given in UTC and in another offset.
    #[test]
    fn amsterdam_follows_the_time_zone_database_across_both_changes_of_2026() {
        use time::macros::{datetime, offset};
        let hours = |t: time::OffsetDateTime| amsterdam(t).offset().whole_hours();
        for (moment, expected) in [
            (datetime!(2026-03-29 00:59:59 UTC), 1),
            (datetime!(2026-03-29 01:00:00 UTC), 2),
            (datetime!(2026-07-01 12:00 UTC), 2),
            (datetime!(2026-10-25 00:59:59 UTC), 2),
            (datetime!(2026-10-25 01:00:00 UTC), 1),
            (datetime!(2026-12-31 23:00 UTC), 1),
            // The same moments written in New York time.
            (datetime!(2026-03-28 20:59:59 -4), 1),
            (datetime!(2026-03-28 21:00:00 -4), 2),
        ] {
            assert_eq!(hours(moment), expected, "{moment}");
            assert_eq!(amsterdam(moment), moment, "the same moment");
        }
        assert_eq!(
            amsterdam(datetime!(2026-03-29 01:00 UTC)),
            datetime!(2026-03-29 03:00 +2)
        );
        assert_eq!(
            amsterdam(datetime!(2026-10-25 01:00 UTC)).offset(),
            offset!(+1)
        );
        assert_eq!(
            amsterdam(datetime!(2026-10-25 01:00 UTC)).time(),
            time::macros::time!(02:00)
        );
    }

    #[test]
    fn dutch_local_time_follows_summer_time() {
        use time::macros::datetime;
        assert_eq!(
            dutch_datetime(datetime!(2026-11-30 12:00:30.123456 UTC)),
            "30 november 2026 om 13:00"
        );
        assert_eq!(
            dutch_datetime(datetime!(2026-07-01 12:00 UTC)),
            "1 juli 2026 om 14:00"
        );
        assert_eq!(
            dutch_datetime(datetime!(2026-03-29 00:59 UTC)),
            "29 maart 2026 om 01:59"
        );
        assert_eq!(
            dutch_datetime(datetime!(2026-03-29 01:00 UTC)),
            "29 maart 2026 om 03:00"
        );
        assert_eq!(
            dutch_datetime(datetime!(2026-10-25 00:59 UTC)),
            "25 oktober 2026 om 02:59"
        );
        assert_eq!(
            dutch_datetime(datetime!(2026-10-25 01:00 UTC)),
            "25 oktober 2026 om 02:00"
        );
        assert_eq!(
            dutch_datetime(datetime!(2026-12-31 23:30 UTC)),
            "1 januari 2027 om 00:30"
        );
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

    #[test]
    fn api_dates_are_iso_days() {
        #[derive(serde::Serialize)]
        struct Due {
            #[serde(with = "super::iso_date::option")]
            deadline: Option<time::Date>,
        }
        let json = |d| serde_json::to_string(&Due { deadline: d }).unwrap();
        assert_eq!(
            json(Some(time::macros::date!(2027 - 03 - 01))),
            r#"{"deadline":"2027-03-01"}"#
        );
        assert_eq!(json(None), r#"{"deadline":null}"#);
    }
}
