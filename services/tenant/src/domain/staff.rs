//! Accounts for a member's staff, as HR's file lists them (the learning service's staff import
//! orchestrates; the accounts are this service's): a new address becomes an invited learner with
//! its invitation mail, a known one gets its name and department brought in line. Each call
//! works inside the caller's transaction, so the import applies a row — account, groups and
//! enrolments — all or nothing.

use super::invitations;
use crate::repo;
use std::collections::HashMap;
use uuid::Uuid;
use zk_kernel::{
    authz::{self, Role},
    db::TenantTx,
    AppError, AppResult, Platform, Tenant, TenantId,
};

/// What [`ensure_staff_account`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffAccount {
    /// A new invited learner, with its invitation mail queued.
    Created,
    /// An existing account whose name or department changed.
    Updated,
    /// An existing account as it was.
    Unchanged,
}

/// The status (`invited`, `active`, `disabled`) of the accounts among these addresses (one
/// statement).
pub async fn statuses(
    tx: &mut TenantTx,
    tenant: TenantId,
    emails: &[String],
) -> AppResult<HashMap<String, String>> {
    Ok(repo::users::by_emails(tx, tenant, emails)
        .await?
        .into_iter()
        .map(|u| (u.email, u.status))
        .collect())
}

/// The refusal of a row whose account is blocked.
pub fn blocked() -> AppError {
    AppError::validation(
        "email",
        "account_blocked",
        "Dit account is geblokkeerd; de regel wordt overgeslagen. Deblokkeer het eerst als dat de bedoeling is.",
    )
}

/// Finds or creates the account of a staff member inside `tx`: an existing one gets `name` and
/// `department`; a new one is invited as learner (role, link and mail in the same transaction).
/// A blocked account is refused ([`blocked`]).
pub async fn ensure_staff_account(
    p: &Platform,
    tx: &mut TenantTx,
    tenant: &Tenant,
    email: &str,
    name: &str,
    department: &str,
) -> AppResult<(Uuid, StaffAccount)> {
    let t = tenant.id;
    match repo::users::by_email(tx, t, email).await? {
        Some(u) if u.status == "disabled" => Err(blocked()),
        Some(u) => {
            let changed = repo::users::set_profile(tx, t, u.id, name, department).await?;
            let how = if changed {
                StaffAccount::Updated
            } else {
                StaffAccount::Unchanged
            };
            Ok((u.id, how))
        }
        None => {
            let u = repo::users::insert_staff(tx, t, email, name, department)
                .await?
                .ok_or_else(|| {
                    AppError::conflict(
                        "email",
                        "email_taken",
                        "Er bestaat al een account met dit e-mailadres.",
                    )
                })?;
            authz::grant_role(tx, t, u.id, Role::Learner).await?;
            invitations::send(p, tenant, tx, u.id, email).await?;
            Ok((u.id, StaffAccount::Created))
        }
    }
}
