//! A member's billing state and the rules that derive it. The state is always derived from the
//! current facts (Stripe's subscription and open invoices, or the manual plan's paid-until day)
//! and the clock, never from the order in which events arrived.
//!
//! none → active → past_due → suspended → canceled, and back to active on payment. Members in
//! none, active and past_due use their portal (past_due shows admins a banner); suspended and
//! canceled members are suspended (nothing is deleted), except that their admins can still log
//! in and pay.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::{Date, OffsetDateTime, Time};
use utoipa::ToSchema;

/// A member's billing state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// No membership yet.
    None,
    /// Paid.
    Active,
    /// A payment is overdue; the portal stays open during the grace period.
    PastDue,
    /// Overdue beyond the grace period: the portal is closed until payment.
    Suspended,
    /// The membership ended.
    Canceled,
}

impl State {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            State::None => "none",
            State::Active => "active",
            State::PastDue => "past_due",
            State::Suspended => "suspended",
            State::Canceled => "canceled",
        }
    }
    /// From the stored text (unknown text reads as none).
    pub fn parse(s: &str) -> State {
        match s {
            "active" => State::Active,
            "past_due" => State::PastDue,
            "suspended" => State::Suspended,
            "canceled" => State::Canceled,
            _ => State::None,
        }
    }
    /// Whether the member's portal is open in this state.
    pub fn portal_open(self) -> bool {
        !matches!(self, State::Suspended | State::Canceled)
    }
}

/// Past due since `since`: still past due within the grace period, suspended after it.
fn overdue(since: OffsetDateTime, now: OffsetDateTime, grace: Duration) -> State {
    if now - since >= grace {
        State::Suspended
    } else {
        State::PastDue
    }
}

/// The state of a member paid through Stripe.
///
/// `status` is the subscription's status as Stripe gives it now (None: no subscription);
/// `overdue_since` is when the oldest unpaid invoice failed or passed its due date (None: no
/// invoice is overdue).
pub fn from_stripe(
    status: Option<&str>,
    overdue_since: Option<OffsetDateTime>,
    now: OffsetDateTime,
    grace: Duration,
) -> State {
    match status {
        None => State::None,
        Some("canceled" | "incomplete_expired") => State::Canceled,
        Some(s) => match overdue_since {
            Some(since) => overdue(since, now, grace),
            // Stripe may call it past_due before we saw the failed invoice: overdue from now.
            None if matches!(s, "past_due" | "unpaid") => State::PastDue,
            None if matches!(s, "active" | "trialing") => State::Active,
            // incomplete (first payment not made yet), paused.
            None => State::None,
        },
    }
}

/// The state of a member on a manual plan, paid until the end of `paid_until` (UTC).
pub fn from_manual(paid_until: Option<Date>, now: OffsetDateTime, grace: Duration) -> State {
    match paid_until {
        None => State::None,
        Some(day) if now.date() <= day => State::Active,
        Some(day) => {
            let since = day
                .next_day()
                .unwrap_or(day)
                .with_time(Time::MIDNIGHT)
                .assume_utc();
            overdue(since, now, grace)
        }
    }
}

/// When a manual plan's payment became overdue (the day after paid-until), if it has.
pub fn manual_overdue_since(
    paid_until: Option<Date>,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let day = paid_until?;
    (now.date() > day).then(|| {
        day.next_day()
            .unwrap_or(day)
            .with_time(Time::MIDNIGHT)
            .assume_utc()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const GRACE: Duration = Duration::from_secs(14 * 86_400);

    #[test]
    fn stripe_states() {
        let now = datetime!(2026-12-01 12:00 UTC);
        assert_eq!(from_stripe(None, None, now, GRACE), State::None);
        assert_eq!(
            from_stripe(Some("incomplete"), None, now, GRACE),
            State::None
        );
        assert_eq!(from_stripe(Some("active"), None, now, GRACE), State::Active);
        assert_eq!(
            from_stripe(Some("past_due"), None, now, GRACE),
            State::PastDue
        );
        let failed = datetime!(2026-11-25 12:00 UTC);
        assert_eq!(
            from_stripe(Some("active"), Some(failed), now, GRACE),
            State::PastDue
        );
        let long_ago = datetime!(2026-11-17 12:00 UTC);
        assert_eq!(
            from_stripe(Some("past_due"), Some(long_ago), now, GRACE),
            State::Suspended
        );
        assert_eq!(
            from_stripe(Some("canceled"), Some(long_ago), now, GRACE),
            State::Canceled
        );
    }

    #[test]
    fn manual_states_follow_the_paid_until_day() {
        let day = date!(2026 - 12 - 31);
        assert_eq!(
            from_manual(None, datetime!(2026-12-01 0:00 UTC), GRACE),
            State::None
        );
        assert_eq!(
            from_manual(Some(day), datetime!(2026-12-31 23:59 UTC), GRACE),
            State::Active
        );
        assert_eq!(
            from_manual(Some(day), datetime!(2027-01-01 0:00 UTC), GRACE),
            State::PastDue
        );
        assert_eq!(
            from_manual(Some(day), datetime!(2027-01-14 23:59 UTC), GRACE),
            State::PastDue
        );
        assert_eq!(
            from_manual(Some(day), datetime!(2027-01-15 0:00 UTC), GRACE),
            State::Suspended
        );
        assert_eq!(
            manual_overdue_since(Some(day), datetime!(2027-01-02 0:00 UTC)),
            Some(datetime!(2027-01-01 0:00 UTC))
        );
    }

    #[test]
    fn only_suspended_and_canceled_close_the_portal() {
        assert!(State::None.portal_open());
        assert!(State::PastDue.portal_open());
        assert!(!State::Suspended.portal_open());
        assert!(!State::Canceled.portal_open());
        for s in [
            State::None,
            State::Active,
            State::PastDue,
            State::Suspended,
            State::Canceled,
        ] {
            assert_eq!(State::parse(s.as_str()), s);
        }
    }
}
