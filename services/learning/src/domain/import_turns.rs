//! One staff file per member at a time: a member's admins can't tie up the CPU pool (and the
//! memory of several 4 MB uploads) with files sent in parallel; the next one gets `import_busy`
//! (429) until the first has its preview. Other members are not affected.
//!
//! The count lives in this process (a map in the platform's extensions), so with several
//! processes a member may have one file read in each.

use axum::http::StatusCode;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use zk_kernel::{AppError, AppResult, Platform, TenantId};

/// Staff files one member may have read at once, per process.
pub const AT_ONCE: usize = 1;

/// Members with a staff file being read, and how many.
#[derive(Default)]
struct Busy(Mutex<HashMap<TenantId, usize>>);

impl Busy {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, usize>> {
        // The map is consistent after every statement: a panic elsewhere leaves nothing torn.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A member's turn to have a staff file read; the next may start when it is dropped.
pub struct Turn {
    busy: Arc<Busy>,
    tenant: TenantId,
}

/// The member's turn, or `import_busy` (429) while [`AT_ONCE`] of its files are being read.
pub fn take(p: &Platform, tenant: TenantId) -> AppResult<Turn> {
    p.extensions.get_or_init(Busy::default).take(tenant)
}

impl Busy {
    fn take(self: Arc<Self>, tenant: TenantId) -> AppResult<Turn> {
        {
            let mut counts = self.counts();
            let n = counts.entry(tenant).or_insert(0);
            if *n >= AT_ONCE {
                return Err(AppError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "import_busy",
                    "Er wordt al een bestand van uw organisatie verwerkt. Probeer het over een minuut opnieuw.",
                ));
            }
            *n += 1;
        }
        Ok(Turn { busy: self, tenant })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut counts = self.busy.counts();
        if let Some(n) = counts.get_mut(&self.tenant) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.tenant);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn one_file_per_member_at_a_time() {
        let busy = Arc::new(Busy::default());
        let (a, b) = (TenantId(Uuid::from_u128(1)), TenantId(Uuid::from_u128(2)));
        let first = busy.clone().take(a).unwrap();
        let e = busy.clone().take(a).err().unwrap();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::TOO_MANY_REQUESTS, "import_busy")
        );
        let other = busy.clone().take(b).unwrap();
        drop(first);
        let again = busy.clone().take(a).unwrap();
        drop((other, again));
        assert!(busy.counts().is_empty(), "nothing kept of members done");
    }
}
