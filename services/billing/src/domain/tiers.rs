//! Membership tiers by number of employees. The tiers are data (`billing.tiers`, seeded by a
//! migration, prices changed by operators); these functions work on the list as loaded.

use super::money;
use serde::Serialize;
use utoipa::ToSchema;

/// A tier as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema, sqlx::FromRow)]
pub struct Tier {
    /// 1 for the smallest tier.
    pub number: i16,
    /// Display name (the employee range, e.g. `50-249`).
    pub name: String,
    /// Smallest employee count of the tier.
    pub from_employees: i32,
    /// Price per month excl. BTW, in cents.
    pub monthly_cents: i32,
    /// Bumped when an operator changes the price; part of the Stripe plan id.
    pub price_version: i32,
}

impl Tier {
    /// Twelve months excl. BTW, in cents.
    pub fn yearly_cents(&self) -> i64 {
        i64::from(self.monthly_cents) * 12
    }
    /// BTW on the yearly price (one invoice line), in cents.
    pub fn yearly_vat_cents(&self) -> i64 {
        money::vat_cents(self.yearly_cents())
    }
    /// Twelve months incl. BTW, in cents.
    pub fn yearly_incl_vat_cents(&self) -> i64 {
        self.yearly_cents() + self.yearly_vat_cents()
    }
    /// The stable id of the tier's yearly plan in Stripe: `zk-tier-1-yearly`, and after a price
    /// change `zk-tier-1-yearly-v2`. Creating it again never makes a second plan.
    pub fn plan_id(&self) -> String {
        if self.price_version <= 1 {
            format!("zk-tier-{}-yearly", self.number)
        } else {
            format!("zk-tier-{}-yearly-v{}", self.number, self.price_version)
        }
    }
    /// The stable id of the tier's product in Stripe.
    pub fn product_id(&self) -> String {
        format!("zk-tier-{}", self.number)
    }
    /// The largest employee count of the tier, given the tiers (None for the top tier).
    pub fn to_employees(&self, tiers: &[Tier]) -> Option<i32> {
        tiers
            .iter()
            .filter(|t| t.from_employees > self.from_employees)
            .map(|t| t.from_employees - 1)
            .min()
    }
}

/// The tier for a number of employees: the one with the largest lower bound not above it.
pub fn tier_for(tiers: &[Tier], employees: i32) -> Option<&Tier> {
    tiers
        .iter()
        .filter(|t| employees >= t.from_employees)
        .max_by_key(|t| t.from_employees)
}

/// Which way a new headcount moves a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TierMove {
    /// Same tier.
    Same,
    /// Higher tier: changed now, with proration.
    Up,
    /// Lower tier: changed at the next renewal.
    Down,
}

/// How moving from one tier to another is applied.
pub fn tier_move(current: &Tier, new: &Tier) -> TierMove {
    match new.from_employees.cmp(&current.from_employees) {
        std::cmp::Ordering::Equal => TierMove::Same,
        std::cmp::Ordering::Greater => TierMove::Up,
        std::cmp::Ordering::Less => TierMove::Down,
    }
}

#[cfg(test)]
pub(crate) fn seed() -> Vec<Tier> {
    [
        (1, "0-49", 0, 4_900),
        (2, "50-249", 50, 9_900),
        (3, "250-499", 250, 26_000),
        (4, "500+", 500, 39_000),
    ]
    .into_iter()
    .map(|(number, name, from_employees, monthly_cents)| Tier {
        number,
        name: name.into(),
        from_employees,
        monthly_cents,
        price_version: 1,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_boundaries() {
        let tiers = seed();
        let m = |n| tier_for(&tiers, n).unwrap().monthly_cents;
        assert_eq!(m(0), 4_900);
        assert_eq!(m(49), 4_900);
        assert_eq!(m(50), 9_900);
        assert_eq!(m(249), 9_900);
        assert_eq!(m(250), 26_000);
        assert_eq!(m(499), 26_000);
        assert_eq!(m(500), 39_000);
        assert_eq!(tier_for(&tiers, 10_000).unwrap().name, "500+");
        assert_eq!(
            tier_for(&tiers, 50).unwrap().to_employees(&tiers),
            Some(249)
        );
        assert_eq!(tier_for(&tiers, 600).unwrap().to_employees(&tiers), None);
    }

    #[test]
    fn yearly_prices_and_plan_ids() {
        let tiers = seed();
        let yearly: Vec<i64> = tiers.iter().map(Tier::yearly_cents).collect();
        assert_eq!(yearly, [58_800, 118_800, 312_000, 468_000]);
        assert_eq!(tiers[0].yearly_incl_vat_cents(), 71_148);
        assert_eq!(tiers[3].yearly_incl_vat_cents(), 566_280);
        assert_eq!(tiers[0].plan_id(), "zk-tier-1-yearly");
        let mut changed = tiers[1].clone();
        changed.price_version = 2;
        assert_eq!(changed.plan_id(), "zk-tier-2-yearly-v2");
    }

    #[test]
    fn a_year_of_each_tier_sums_to_the_seed_figures() {
        for (tier, yearly) in seed().iter().zip([58_800, 118_800, 312_000, 468_000]) {
            let (subtotal, tax, total) = money::invoice_totals(&[tier.yearly_cents()]);
            assert_eq!(subtotal, yearly);
            assert_eq!(tax, yearly * 21 / 100);
            assert_eq!(total, subtotal + tax);
        }
    }

    #[test]
    fn moves() {
        let t = seed();
        assert_eq!(tier_move(&t[1], &t[2]), TierMove::Up);
        assert_eq!(tier_move(&t[2], &t[0]), TierMove::Down);
        assert_eq!(tier_move(&t[3], &t[3]), TierMove::Same);
    }
}
