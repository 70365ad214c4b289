//! Validation of the scalar inputs: slugs, names, e-mail addresses, passwords, employee counts
//! (paging is the kernel's `paging::Paging`).
//! Every error names its field and carries a Dutch message.

use zk_kernel::AppError;

/// Slugs that can never be a member (contract: DESIGN.md), plus our own path words.
pub const RESERVED_SLUGS: &[&str] = &[
    "www", "api", "admin", "static", "assets", "beheer", "platform", "console", "nzk", "mail",
    "status",
];

/// A valid, unreserved member slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Validates `^[a-z0-9][a-z0-9-]{1,62}$` and the reserved list.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        let valid = (2..=63).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-');
        if !valid {
            return Err(AppError::validation(
                "slug",
                "invalid_slug",
                "Het webadres mag alleen kleine letters, cijfers en streepjes bevatten, 2 tot 63 tekens, en niet met een streepje beginnen.",
            ));
        }
        if RESERVED_SLUGS.contains(&s) {
            return Err(AppError::validation(
                "slug",
                "reserved_slug",
                format!("Het webadres '{s}' is gereserveerd. Kies een ander."),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A lower-cased e-mail address with one `@` and a dotted domain.
pub fn email(field: &'static str, raw: &str) -> Result<String, AppError> {
    let e = raw.trim().to_lowercase();
    let ok = e.len() <= 254
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        });
    if ok {
        Ok(e)
    } else {
        Err(AppError::validation(
            field,
            "invalid_email",
            "Vul een geldig e-mailadres in.",
        ))
    }
}

/// A display name of 1 to 200 characters.
pub fn name(field: &'static str, raw: &str) -> Result<String, AppError> {
    let n = raw.trim();
    if n.is_empty() || n.chars().count() > 200 || n.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            "invalid_name",
            "Vul een naam in van 1 tot 200 tekens.",
        ));
    }
    Ok(n.to_owned())
}

/// A department name: empty (unknown) or up to 100 characters.
pub fn department(field: &'static str, raw: &str) -> Result<String, AppError> {
    let d = raw.trim();
    if d.chars().count() > 100 || d.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            "invalid_department",
            "Een afdeling heeft ten hoogste 100 tekens.",
        ));
    }
    Ok(d.to_owned())
}

/// An employee count between 0 and 1,000,000.
pub fn employee_count(raw: i64) -> Result<i32, AppError> {
    if (0..=1_000_000).contains(&raw) {
        Ok(raw as i32)
    } else {
        Err(AppError::validation(
            "employee_count",
            "invalid_employee_count",
            "Het aantal medewerkers moet tussen 0 en 1.000.000 liggen.",
        ))
    }
}

/// The most storage an operator can give a member: 10 TiB.
pub const MAX_MEDIA_QUOTA: i64 = 10 << 40;

/// A storage quota in bytes (0 to [`MAX_MEDIA_QUOTA`]); `None` stays `None` (the tier's default).
pub fn media_quota(raw: Option<i64>) -> Result<Option<i64>, AppError> {
    match raw {
        Some(b) if !(0..=MAX_MEDIA_QUOTA).contains(&b) => Err(AppError::validation(
            "media_quota_bytes",
            "invalid_quota",
            "De opslag ligt tussen 0 en 10 TB (10.240 GB).",
        )),
        other => Ok(other),
    }
}

/// A storage quota as an operator types it in GB (`25`, `2,5`); empty is `None` (the tier's
/// default).
pub fn media_quota_gb(raw: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let gb: f64 = raw
        .replace(',', ".")
        .parse()
        .ok()
        .filter(|g: &f64| g.is_finite() && *g >= 0.0)
        .ok_or_else(|| {
            AppError::validation(
                "media_quota_bytes",
                "invalid_quota",
                "Geef de opslag in GB, bijvoorbeeld 25 of 2,5; of laat het veld leeg voor de standaard.",
            )
        })?;
    media_quota(Some((gb * (1u64 << 30) as f64).round() as i64))
}

/// A password of 10 to 200 characters that is not only letters or only digits.
pub fn password(raw: &str) -> Result<&str, AppError> {
    let len = raw.chars().count();
    if !(10..=200).contains(&len) {
        return Err(AppError::validation(
            "password",
            "weak_password",
            "Kies een wachtwoord van minimaal 10 tekens.",
        ));
    }
    if raw.chars().all(char::is_alphabetic) || raw.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::validation(
            "password",
            "weak_password",
            "Gebruik in uw wachtwoord naast letters ook cijfers of leestekens.",
        ));
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_quotas_in_bytes_or_as_typed_in_gb() {
        assert_eq!(media_quota(None).unwrap(), None);
        assert_eq!(media_quota(Some(0)).unwrap(), Some(0));
        assert!(media_quota(Some(-1)).is_err());
        assert!(media_quota(Some(MAX_MEDIA_QUOTA + 1)).is_err());
        assert_eq!(media_quota_gb(" ").unwrap(), None);
        assert_eq!(media_quota_gb("25").unwrap(), Some(25 << 30));
        assert_eq!(media_quota_gb("2,5").unwrap(), Some(5 << 29));
        assert_eq!(
            media_quota_gb("veel").unwrap_err().field.as_deref(),
            Some("media_quota_bytes")
        );
        assert!(media_quota_gb("-1").is_err());
        assert!(media_quota_gb("1e9").is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(Slug::parse("acme-zorg").unwrap().as_str(), "acme-zorg");
        assert_eq!(Slug::parse("a1").unwrap().as_str(), "a1");
        for bad in [
            "a",
            "-acme",
            "Acme",
            "acme_zorg",
            "acme.zorg",
            "",
            &"a".repeat(64),
        ] {
            assert_eq!(Slug::parse(bad).unwrap_err().code, "invalid_slug", "{bad}");
        }
        for reserved in ["www", "api", "admin", "static", "assets", "beheer"] {
            assert_eq!(Slug::parse(reserved).unwrap_err().code, "reserved_slug");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email("email", " Jan@Zorg.NL ").unwrap(), "jan@zorg.nl");
        for bad in [
            "jan",
            "jan@",
            "@zorg.nl",
            "jan@zorg",
            "jan@@zorg.nl",
            "jan zorg@x.nl",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_and_counts() {
        assert!(password("kort1").is_err());
        assert!(password("alleenletters").is_err());
        assert!(password("zorg-klas-2026").is_ok());
        assert!(employee_count(-1).is_err());
        assert_eq!(employee_count(120).unwrap(), 120);
    }
}
