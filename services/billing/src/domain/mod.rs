//! Billing rules as plain functions: tiers, money, the state machine, what is due and how to pay
//! it, input validation and the webhook signature.

pub mod due;
pub mod money;
pub mod signature;
pub mod state;
pub mod tiers;
pub mod validate;
