//! Validation of billing input. Every error names its field and says in Dutch what is wrong.

use zk_kernel::AppError;

/// The largest headcount we accept (anything above is a typing error).
pub const MAX_EMPLOYEES: i64 = 1_000_000;

/// EU member states' VAT prefixes (Greece is EL).
const EU_VAT_PREFIXES: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// A number of employees: 0 to a million.
pub fn employee_count(raw: i64) -> Result<i32, AppError> {
    if raw < 0 {
        return Err(AppError::validation(
            "employee_count",
            "invalid_employee_count",
            "Het aantal medewerkers kan niet negatief zijn.",
        ));
    }
    if raw > MAX_EMPLOYEES {
        return Err(AppError::validation(
            "employee_count",
            "invalid_employee_count",
            "Dat aantal medewerkers is niet aannemelijk (meer dan een miljoen). Controleer het getal.",
        ));
    }
    Ok(raw as i32)
}

/// A headcount typed in a form.
pub fn employee_count_text(raw: &str) -> Result<i32, AppError> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| *c != '.' && *c != ' ')
        .collect();
    match cleaned.parse::<i64>() {
        Ok(n) => employee_count(n),
        Err(_) => Err(AppError::validation(
            "employee_count",
            "invalid_employee_count",
            "Vul het aantal medewerkers in als heel getal, bijvoorbeeld 120.",
        )),
    }
}

/// A BTW (VAT) number, normalised to upper case without spaces or dots: a Dutch number is
/// `NL` + 9 digits + `B` + 2 digits; another EU number is its country prefix and 2 to 13 letters
/// or digits. Empty input is no number.
pub fn vat_number(raw: &str) -> Result<Option<String>, AppError> {
    let v: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    if v.is_empty() {
        return Ok(None);
    }
    let (prefix, rest) = v.split_at(v.len().min(2));
    let ok = if prefix == "NL" {
        rest.len() == 12
            && rest[..9].bytes().all(|b| b.is_ascii_digit())
            && &rest[9..10] == "B"
            && rest[10..].bytes().all(|b| b.is_ascii_digit())
    } else {
        EU_VAT_PREFIXES.contains(&prefix)
            && (2..=13).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    };
    if ok {
        Ok(Some(v))
    } else {
        Err(AppError::validation(
            "vat_number",
            "invalid_vat_number",
            "Dit is geen geldig btw-identificatienummer. Een Nederlands nummer ziet eruit als NL123456789B01.",
        ))
    }
}

/// A KvK number: 8 digits (empty: none).
pub fn kvk_number(raw: &str) -> Result<Option<String>, AppError> {
    let v: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(v))
    } else {
        Err(AppError::validation(
            "kvk_number",
            "invalid_kvk_number",
            "Een KvK-nummer bestaat uit 8 cijfers.",
        ))
    }
}

/// A required text of at most `max` characters.
pub fn required(
    field: &'static str,
    label: &str,
    raw: &str,
    max: usize,
) -> Result<String, AppError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(AppError::validation(
            field,
            "required",
            format!("Vul {label} in."),
        ));
    }
    if v.chars().count() > max {
        return Err(AppError::validation(
            field,
            "too_long",
            format!("{label} mag hoogstens {max} tekens lang zijn."),
        ));
    }
    Ok(v.to_owned())
}

/// An invoice e-mail address.
pub fn email(field: &'static str, raw: &str) -> Result<String, AppError> {
    let e = raw.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(e)
    } else {
        Err(AppError::validation(
            field,
            "invalid_email",
            "Vul een geldig e-mailadres in, bijvoorbeeld facturen@zorggroep.nl.",
        ))
    }
}

/// A Dutch postcode (1234 AB), normalised with one space.
pub fn postal_code(raw: &str) -> Result<String, AppError> {
    let v: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let ok = v.len() == 6
        && v[..4].bytes().all(|b| b.is_ascii_digit())
        && !v.starts_with('0')
        && v[4..].bytes().all(|b| b.is_ascii_uppercase());
    if ok {
        Ok(format!("{} {}", &v[..4], &v[4..]))
    } else {
        Err(AppError::validation(
            "postal_code",
            "invalid_postal_code",
            "Vul een postcode in als 1234 AB.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: AppError) -> String {
        e.field.map(|f| f.into_owned()).unwrap_or_default()
    }

    #[test]
    fn headcounts() {
        assert_eq!(employee_count(0).unwrap(), 0);
        assert_eq!(employee_count_text(" 1.250 ").unwrap(), 1_250);
        assert_eq!(field(employee_count(-1).unwrap_err()), "employee_count");
        assert_eq!(
            field(employee_count(MAX_EMPLOYEES + 1).unwrap_err()),
            "employee_count"
        );
        assert_eq!(
            field(employee_count_text("veel").unwrap_err()),
            "employee_count"
        );
    }

    #[test]
    fn vat_numbers() {
        assert_eq!(
            vat_number("nl 8234.56.789 b01").unwrap().as_deref(),
            Some("NL823456789B01")
        );
        assert_eq!(
            vat_number("DE123456789").unwrap().as_deref(),
            Some("DE123456789")
        );
        assert_eq!(vat_number("").unwrap(), None);
        for bad in [
            "NL123",
            "NL123456789X01",
            "XX123456789",
            "US123456789",
            "NL12345678B01",
        ] {
            assert_eq!(field(vat_number(bad).unwrap_err()), "vat_number", "{bad}");
        }
    }

    #[test]
    fn kvk_and_postcode() {
        assert_eq!(
            kvk_number("1234 5678").unwrap().as_deref(),
            Some("12345678")
        );
        assert_eq!(field(kvk_number("1234567").unwrap_err()), "kvk_number");
        assert_eq!(postal_code("3511ab").unwrap(), "3511 AB");
        assert_eq!(field(postal_code("0123 AB").unwrap_err()), "postal_code");
    }
}
