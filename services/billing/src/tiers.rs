//! Membership tiers by number of employees (prices per month, excl. 21% BTW, billed yearly).

/// A tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    pub name: &'static str,
    /// Smallest employee count of the tier.
    pub from_employees: u32,
    pub monthly_cents: u64,
}

/// Dutch VAT (BTW) in percent.
pub const VAT_PERCENT: u64 = 21;

/// The tiers, smallest first.
pub const TIERS: [Tier; 4] = [
    Tier {
        name: "0-49",
        from_employees: 0,
        monthly_cents: 4_900,
    },
    Tier {
        name: "50-249",
        from_employees: 50,
        monthly_cents: 9_900,
    },
    Tier {
        name: "250-499",
        from_employees: 250,
        monthly_cents: 26_000,
    },
    Tier {
        name: "500+",
        from_employees: 500,
        monthly_cents: 39_000,
    },
];

impl Tier {
    /// Twelve months, excl. VAT.
    pub fn yearly_cents(self) -> u64 {
        self.monthly_cents * 12
    }
    /// Twelve months incl. 21% VAT, rounded half up to the cent.
    pub fn yearly_incl_vat_cents(self) -> u64 {
        (self.yearly_cents() * (100 + VAT_PERCENT) + 50) / 100
    }
}

/// The tier for a number of employees.
pub fn tier_for(employees: u32) -> Tier {
    TIERS
        .iter()
        .rev()
        .find(|t| employees >= t.from_employees)
        .copied()
        .unwrap_or(TIERS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_boundaries() {
        assert_eq!(tier_for(0).monthly_cents, 4_900);
        assert_eq!(tier_for(49).monthly_cents, 4_900);
        assert_eq!(tier_for(50).monthly_cents, 9_900);
        assert_eq!(tier_for(249).monthly_cents, 9_900);
        assert_eq!(tier_for(250).monthly_cents, 26_000);
        assert_eq!(tier_for(499).monthly_cents, 26_000);
        assert_eq!(tier_for(500).monthly_cents, 39_000);
        assert_eq!(tier_for(10_000).name, "500+");
    }

    #[test]
    fn yearly_prices() {
        assert_eq!(tier_for(10).yearly_cents(), 58_800);
        assert_eq!(tier_for(10).yearly_incl_vat_cents(), 71_148);
        assert_eq!(tier_for(600).yearly_incl_vat_cents(), 566_280);
    }
}
