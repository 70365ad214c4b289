//! What a member whose payment is overdue is told: how much, with which payment reference, and
//! whether it can pay now online. The amount itself comes from `billing.member_facts()` (one
//! rule for the member's page and the operators' page); this decides how to present it.

use super::state::State;

/// The ways to pay what is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HowToPay {
    /// The payment reference for a bank transfer: the open invoices' numbers. `None` on a manual
    /// plan (NZK's own invoice carries it).
    pub reference: Option<String>,
    /// "Nu betalen": pay the open invoices now through the payment step (Stripe online).
    pub pay_now: bool,
    /// Nothing is owed (a canceled membership is restarted on the billing page instead).
    pub nothing_due: bool,
}

/// How the member can pay `due_incl_vat_cents`: by bank transfer with the invoices' numbers as
/// reference, or online when billing runs through Stripe and invoices are open while the member
/// is past due or suspended.
pub fn how_to_pay(
    state: State,
    stripe_member: bool,
    online: bool,
    due_incl_vat_cents: i64,
    references: &[String],
) -> HowToPay {
    let overdue = matches!(state, State::PastDue | State::Suspended);
    HowToPay {
        reference: (!references.is_empty()).then(|| references.join(", ")),
        pay_now: online && stripe_member && overdue && !references.is_empty(),
        nothing_due: due_incl_vat_cents <= 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_suspended_stripe_member_with_open_invoices_can_pay_now() {
        let h = how_to_pay(State::Suspended, true, true, 143_748, &refs(&["NZK-0001"]));
        assert_eq!(h.reference.as_deref(), Some("NZK-0001"));
        assert!(h.pay_now);
        assert!(!h.nothing_due);
    }

    #[test]
    fn several_open_invoices_are_all_named() {
        let h = how_to_pay(State::PastDue, true, true, 1, &refs(&["A-1", "A-2"]));
        assert_eq!(h.reference.as_deref(), Some("A-1, A-2"));
    }

    #[test]
    fn no_pay_now_offline_on_a_manual_plan_or_without_open_invoices() {
        let offline = how_to_pay(State::Suspended, true, false, 100, &refs(&["A-1"]));
        assert!(!offline.pay_now, "billing offline");
        let manual = how_to_pay(State::Suspended, false, true, 71_148, &[]);
        assert!(!manual.pay_now);
        assert_eq!(manual.reference, None, "NZK's own invoice carries it");
        assert!(!manual.nothing_due, "the year's price is due");
        let canceled = how_to_pay(State::Canceled, true, true, 0, &[]);
        assert!(!canceled.pay_now);
        assert!(canceled.nothing_due);
    }
}
