//! Throttling policy: which counters an attempt is taken under, and their limits.
//!
//! Every attempt is counted *before* any password hash runs (see `repo::throttle::take`), so
//! parallel attempts beyond a limit are refused without hashing. A stranger who knows an e-mail
//! address can lock that account only from their own address (5 tries); from anywhere the account
//! has a separate, higher ceiling, and a password-reset link works while it is locked (and clears
//! its counters).

use crate::repo::throttle::Key;
use zk_kernel::{crypto, TenantId};

/// The window every limit counts in (a fixed window per key).
pub const WINDOW_SECS: i32 = 15 * 60;
/// Failed logins per account from one client address.
pub const LOGIN_PER_ACCOUNT_AND_ADDRESS: i32 = 5;
/// Failed logins per account from all addresses together.
pub const LOGIN_PER_ACCOUNT: i32 = 50;
/// Failed logins per client address, whatever the account (care organisations often share one
/// address behind NAT, so this is not low).
pub const LOGIN_PER_ADDRESS: i32 = 50;
/// Password-reset mails per account.
pub const RESET_MAILS_PER_ACCOUNT: i32 = 3;
/// Password-reset requests per client address.
pub const RESET_MAILS_PER_ADDRESS: i32 = 20;
/// Posts of the invitation and reset forms per client address (a wrong token costs one).
pub const LINK_FORMS_PER_ADDRESS: i32 = 20;

/// The account an e-mail address names on a tenant (hashed; no address is stored).
pub fn account(tenant: TenantId, email: &str) -> Vec<u8> {
    crypto::token_hash(&format!("acct:{tenant}:{}", email.trim().to_lowercase()))
}

fn key(text: String, account: Option<&[u8]>, limit: i32) -> Key {
    Key {
        hash: crypto::token_hash(&text),
        account: account.map(<[u8]>::to_vec),
        limit,
    }
}

/// A login attempt for `email` on `tenant` from `ip`.
pub fn login(tenant: TenantId, email: &str, ip: &str) -> Vec<Key> {
    let acct = account(tenant, email);
    let a = hex::encode(&acct);
    vec![
        key(
            format!("login:acct-ip:{a}:{ip}"),
            Some(&acct),
            LOGIN_PER_ACCOUNT_AND_ADDRESS,
        ),
        key(format!("login:acct:{a}"), Some(&acct), LOGIN_PER_ACCOUNT),
        key(format!("login:ip:{ip}"), None, LOGIN_PER_ADDRESS),
    ]
}

/// A request for a password-reset mail.
pub fn reset_request(tenant: TenantId, email: &str, ip: &str) -> Vec<Key> {
    let acct = account(tenant, email);
    vec![
        key(
            format!("reset:acct:{}", hex::encode(&acct)),
            None,
            RESET_MAILS_PER_ACCOUNT,
        ),
        key(format!("reset:ip:{ip}"), None, RESET_MAILS_PER_ADDRESS),
    ]
}

/// A post of an invitation or reset form.
pub fn link_form(ip: &str) -> Vec<Key> {
    vec![key(format!("link:ip:{ip}"), None, LINK_FORMS_PER_ADDRESS)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn login_keys_separate_accounts_addresses_and_tenants() {
        let t = TenantId(Uuid::from_u128(7));
        let u = TenantId(Uuid::from_u128(8));
        let a = login(t, "Sam@Zorg.test", "10.0.0.1");
        let b = login(t, "sam@zorg.test", "10.0.0.2");
        assert_eq!(
            a[1].hash, b[1].hash,
            "one account, whatever the case or address"
        );
        assert_ne!(a[0].hash, b[0].hash, "account+address differs per address");
        assert_ne!(a[2].hash, b[2].hash);
        assert_ne!(login(u, "sam@zorg.test", "10.0.0.1")[1].hash, a[1].hash);
        assert_eq!(a[0].account, a[1].account);
        assert!(a[2].account.is_none());
        assert!(a[0].limit < a[1].limit, "the account ceiling is higher");
    }
}
