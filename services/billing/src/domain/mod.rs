//! Billing rules as plain functions: tiers, money, the state machine, input validation and the
//! webhook signature.

pub mod money;
pub mod signature;
pub mod state;
pub mod tiers;
pub mod validate;
