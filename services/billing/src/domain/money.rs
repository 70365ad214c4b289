//! Money in integer cents, and BTW the way Stripe computes it: per invoice line, rounded half
//! away from zero (a credit line's tax is the mirror of a charge's).

/// Dutch VAT (BTW) in percent.
pub const VAT_PERCENT: i64 = 21;

/// BTW on one invoice line of `amount` cents (negative for credits).
pub fn vat_cents(amount: i64) -> i64 {
    let abs = (amount.abs() * VAT_PERCENT + 50) / 100;
    abs * amount.signum()
}

/// An invoice's subtotal, BTW and total from its lines (cents excl. BTW).
pub fn invoice_totals(lines: &[i64]) -> (i64, i64, i64) {
    let subtotal: i64 = lines.iter().sum();
    let tax: i64 = lines.iter().map(|&l| vat_cents(l)).sum();
    (subtotal, tax, subtotal + tax)
}

/// The proration of a change from a yearly price `old` to `new` at `now` within the period
/// `[start, end)` (unix seconds): a credit for the unused time of the old price and a charge for
/// the rest of the period at the new price, each rounded to the cent as Stripe does.
pub fn proration_lines(old: i64, new: i64, start: i64, end: i64, now: i64) -> (i64, i64) {
    let period = (end - start).max(1);
    let left = (end - now).clamp(0, period);
    let part = |amount: i64| {
        ((amount as i128 * left as i128 * 2 + period as i128) / (2 * period as i128)) as i64
    };
    (-part(old), part(new))
}

/// Euros with a decimal comma and thousands dots, as Dutch invoices write them: `€ 1.188,00`.
pub fn euro_nl(cents: i64) -> String {
    zk_kernel::text::dutch_euro(cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_is_per_line_and_half_away_from_zero() {
        assert_eq!(vat_cents(58_800), 12_348);
        assert_eq!(vat_cents(50), 11); // 10.5 → 11
        assert_eq!(vat_cents(-50), -11);
        assert_eq!(vat_cents(0), 0);
        // Two lines of 50 cents: 11 + 11, not round(21.0) = 21.
        assert_eq!(invoice_totals(&[50, 50]), (100, 22, 122));
    }

    #[test]
    fn proration_halfway() {
        let (credit, charge) = proration_lines(58_800, 118_800, 0, 1_000, 500);
        assert_eq!((credit, charge), (-29_400, 59_400));
        assert_eq!(proration_lines(58_800, 118_800, 0, 1_000, 1_000), (0, 0));
    }

    #[test]
    fn dutch_euros() {
        assert_eq!(euro_nl(118_800), "€ 1.188,00");
        assert_eq!(euro_nl(71_148), "€ 711,48");
        assert_eq!(euro_nl(566_280), "€ 5.662,80");
        assert_eq!(euro_nl(-2_940), "-€ 29,40");
    }
}
