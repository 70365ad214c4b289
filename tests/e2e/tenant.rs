//! The tenant service: members and their accounts, signing in and its defences (mailed links,
//! throttling, CSRF), API tokens, the operators' console, users at scale and branding.

mod accounts;
mod api_tokens;
mod branding;
mod console;
mod csrf;
mod getting_in;
mod links;
mod sign_in;
mod users_at_scale;
