//! Paging of lists: `page` and `per_page` as a query string sends them, checked and bounded, and
//! the `LIMIT`/`OFFSET` they stand for.
//!
//! Every paged route (API and page) reads its paging here, so a value that is no page
//! (`9223372036854775807`, `-1`, `0`, `abc`) is a 422 naming its parameter everywhere, and a page
//! past the last one is an empty page. Both numbers are `u32` and bounded, so the offset, computed
//! in `i64`, can't overflow or turn negative.

use crate::{error::AppError, text::dutch_number, AppResult};

/// The highest page number anyone can ask for: far past any list we keep, and small enough that
/// page × per page is an offset PostgreSQL reads without effort.
pub const MAX_PAGE: u32 = 100_000;

/// How many rows a list shows per page unless asked otherwise, and at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerPage {
    pub default: u32,
    pub max: u32,
}

impl PerPage {
    /// A list's rows per page; `default` must lie in `1..=max` (checked when a `const` is built).
    pub const fn new(default: u32, max: u32) -> Self {
        assert!(
            default >= 1 && default <= max,
            "default must lie in 1..=max"
        );
        Self { default, max }
    }
}

/// One page of a list: page 1 to [`MAX_PAGE`], 1 to the list's maximum rows per page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    page: u32,
    per_page: u32,
}

impl Paging {
    /// Reads `page` and `per_page` as sent. Left out, empty or blank is the first page and the
    /// list's default; anything else must be a whole number in range, or it is a 422 naming the
    /// parameter (code `invalid_number`).
    pub fn parse(page: Option<&str>, per_page: Option<&str>, limits: PerPage) -> AppResult<Self> {
        let page = whole_number(page, 1, MAX_PAGE).ok_or_else(|| {
            AppError::validation(
                "page",
                "invalid_number",
                format!(
                    "Geef een paginanummer van 1 tot en met {}.",
                    dutch_number(i64::from(MAX_PAGE))
                ),
            )
        })?;
        let per_page = whole_number(per_page, limits.default, limits.max).ok_or_else(|| {
            AppError::validation(
                "per_page",
                "invalid_number",
                format!(
                    "Geef een aantal per pagina van 1 tot en met {}.",
                    dutch_number(i64::from(limits.max))
                ),
            )
        })?;
        Ok(Self { page, per_page })
    }

    /// The first page of `per_page` rows (at least one), for callers that page on their own.
    pub fn first(per_page: u32) -> Self {
        Self {
            page: 1,
            per_page: per_page.max(1),
        }
    }

    /// The page after this one, unless this is [`MAX_PAGE`].
    pub fn next(self) -> Option<Self> {
        (self.page < MAX_PAGE).then(|| Self {
            page: self.page + 1,
            ..self
        })
    }

    /// The page number, from 1.
    pub fn page(self) -> u32 {
        self.page
    }

    /// Rows per page, from 1.
    pub fn per_page(self) -> u32 {
        self.per_page
    }

    /// `LIMIT`: rows per page.
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    /// `OFFSET`: the rows on the pages before this one (at most `MAX_PAGE × u32::MAX`, which
    /// fits an `i64` many times over).
    pub fn offset(self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }

    /// How many pages `total` rows fill: at least 1, so an empty list is "page 1 of 1".
    pub fn pages(self, total: i64) -> u32 {
        let total = u64::try_from(total).unwrap_or(0);
        let pages = total.div_ceil(u64::from(self.per_page)).max(1);
        u32::try_from(pages).unwrap_or(u32::MAX)
    }
}

/// A whole number from `1` to `max` in plain digits; left out or blank is `default`.
fn whole_number(raw: Option<&str>, default: u32, max: u32) -> Option<u32> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Some(default);
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Too many digits for a u32 fails to parse, so no value wraps around.
    raw.parse::<u32>().ok().filter(|n| (1..=max).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: PerPage = PerPage::new(50, 200);

    fn parse(page: Option<&str>, per_page: Option<&str>) -> AppResult<Paging> {
        Paging::parse(page, per_page, LIMITS)
    }

    #[test]
    fn left_out_empty_or_blank_is_the_first_page_of_the_default() {
        for blank in [None, Some(""), Some("   "), Some("\t")] {
            let p = parse(blank, blank).unwrap();
            assert_eq!((p.page(), p.per_page()), (1, 50), "{blank:?}");
            assert_eq!((p.offset(), p.limit()), (0, 50));
        }
    }

    #[test]
    fn whole_numbers_in_range_are_read_around_whitespace() {
        let p = parse(Some(" 3 "), Some("20")).unwrap();
        assert_eq!((p.page(), p.per_page()), (3, 20));
        assert_eq!((p.offset(), p.limit()), (40, 20));
        let last = parse(Some("100000"), Some("200")).unwrap();
        assert_eq!(last.page(), MAX_PAGE);
        assert_eq!(last.offset(), 99_999 * 200);
        assert_eq!(parse(Some("007"), None).unwrap().page(), 7);
    }

    #[test]
    fn anything_else_is_a_422_naming_the_parameter() {
        for bad in [
            "9223372036854775807",
            "99999999999999999999",
            "4294967296",
            "4294967295",
            "100001",
            "-1",
            "0",
            "abc",
            "1e3",
            "1.5",
            "+5",
            "\0",
            "2 3",
            "٣",
        ] {
            let e = parse(Some(bad), None).unwrap_err();
            assert_eq!(e.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                (e.field.as_deref(), e.code),
                (Some("page"), "invalid_number"),
                "page={bad:?}"
            );
            assert_eq!(e.message, "Geef een paginanummer van 1 tot en met 100.000.");
            let e = parse(None, Some(bad)).unwrap_err();
            assert_eq!(
                (e.field.as_deref(), e.code),
                (Some("per_page"), "invalid_number"),
                "per_page={bad:?}"
            );
            assert_eq!(
                e.message,
                "Geef een aantal per pagina van 1 tot en met 200."
            );
        }
        let e = parse(None, Some("201")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("per_page"));
    }

    #[test]
    fn pages_are_at_least_one_and_round_up() {
        let p = Paging::first(50);
        assert_eq!(p.pages(0), 1);
        assert_eq!(p.pages(-5), 1);
        assert_eq!(p.pages(50), 1);
        assert_eq!(p.pages(51), 2);
        assert_eq!(Paging::first(1).pages(i64::MAX), u32::MAX);
    }

    #[test]
    fn first_and_next_stay_in_range() {
        assert_eq!(Paging::first(0).per_page(), 1);
        let second = Paging::first(10).next().unwrap();
        assert_eq!((second.page(), second.offset()), (2, 10));
        let last = parse(Some("100000"), None).unwrap();
        assert_eq!(last.next(), None);
    }
}
