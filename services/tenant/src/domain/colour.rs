//! Colours and WCAG 2.1 contrast. Portal text on the primary colour and accent-coloured links on
//! white must both reach AA for normal text (4.5:1).

use zk_kernel::AppError;

/// WCAG AA minimum contrast for normal text.
pub const AA_NORMAL_TEXT: f64 = 4.5;

/// A colour as `#rrggbb` (lower case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    /// Parses `#rgb` or `#rrggbb`.
    pub fn parse(s: &str) -> Option<Rgb> {
        let hex = s.trim().strip_prefix('#')?;
        let expanded: String = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex.to_owned(),
            _ => return None,
        };
        let v = u32::from_str_radix(&expanded, 16).ok()?;
        Some(Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
    }

    /// `#rrggbb`.
    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance (WCAG 2.1).
    pub fn luminance(self) -> f64 {
        let ch = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(self.0) + 0.7152 * ch(self.1) + 0.0722 * ch(self.2)
    }
}

/// The same hue made darker, step by step, until white on it reaches AA (4.5:1): the colour an
/// admin is offered instead of one that is too light. A colour that already reaches AA is
/// returned as it is.
pub fn darker_for_aa(c: Rgb) -> Rgb {
    let mut factor = 1.0_f64;
    loop {
        let scale = |v: u8| (f64::from(v) * factor).floor().clamp(0.0, 255.0) as u8;
        let candidate = Rgb(scale(c.0), scale(c.1), scale(c.2));
        if contrast(candidate, Rgb::WHITE) >= AA_NORMAL_TEXT || factor <= 0.0 {
            return candidate;
        }
        factor -= 0.01;
    }
}

/// A contrast ratio as Dutch text: one decimal with a comma (`1,6:1`).
pub fn dutch_ratio(ratio: f64) -> String {
    format!("{ratio:.1}:1").replace('.', ",")
}

/// Contrast ratio between two colours (1 to 21).
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Parses a colour field and checks it against white text/background.
pub fn brand_colour(field: &'static str, raw: &str) -> Result<Rgb, AppError> {
    let c = Rgb::parse(raw).ok_or_else(|| {
        AppError::validation(
            field,
            "invalid_colour",
            "Gebruik een kleur in de vorm #rrggbb, bijvoorbeeld #1d4f91.",
        )
    })?;
    let ratio = contrast(c, Rgb::WHITE);
    if ratio < AA_NORMAL_TEXT {
        return Err(AppError::validation(
            field,
            "insufficient_contrast",
            format!(
                "De kleur {} geeft te weinig contrast met wit ({}; minimaal 4,5:1 volgens WCAG AA). Kies een donkerdere kleur, bijvoorbeeld {}.",
                c.to_hex(),
                dutch_ratio(ratio),
                darker_for_aa(c).to_hex()
            ),
        ));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_too_light_colour_gets_a_darker_suggestion_of_the_same_hue_that_passes() {
        for hex in ["#ffee00", "#ffffff", "#7fb3ff", "#e06666", "#777777"] {
            let c = Rgb::parse(hex).unwrap();
            let d = darker_for_aa(c);
            assert!(
                contrast(d, Rgb::WHITE) >= AA_NORMAL_TEXT,
                "{hex} → {}",
                d.to_hex()
            );
            // The same hue, only darker.
            assert!(d.0 <= c.0 && d.1 <= c.1 && d.2 <= c.2);
        }
        let ok = Rgb::parse("#1d4f91").unwrap();
        assert_eq!(darker_for_aa(ok), ok);
        assert_eq!(dutch_ratio(1.6349), "1,6:1");
        let e = brand_colour("primary_color", "#ffee00").unwrap_err();
        assert!(e.message.contains("1,2:1"), "{}", e.message);
        assert!(e.message.contains("bijvoorbeeld #"), "{}", e.message);
    }

    #[test]
    fn contrast_matches_wcag_reference_values() {
        assert!((contrast(Rgb(0, 0, 0), Rgb::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast(Rgb::WHITE, Rgb::WHITE) - 1.0).abs() < 0.01);
        // #767676 on white is the classic 4.54:1 boundary colour.
        assert!((contrast(Rgb::parse("#767676").unwrap(), Rgb::WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn brand_colours() {
        assert_eq!(
            brand_colour("primary_color", "#1D4F91").unwrap().to_hex(),
            "#1d4f91"
        );
        assert_eq!(
            brand_colour("primary_color", "#000").unwrap().to_hex(),
            "#000000"
        );
        assert_eq!(
            brand_colour("primary_color", "geel").unwrap_err().code,
            "invalid_colour"
        );
        let e = brand_colour("accent_color", "#ffff00").unwrap_err();
        assert_eq!(e.code, "insufficient_contrast");
        assert_eq!(e.field.as_deref(), Some("accent_color"));
    }
}
