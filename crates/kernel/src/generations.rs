//! Change counters for caches: a service's tables send `NOTIFY zk_changed, '<topic>:<tenant id>'`
//! (or `'<topic>:*'` for a change every tenant sees, such as a new shared module), every process
//! counts them here, and a cache puts [`Generations::of`] into its keys. A change therefore makes
//! the old entries unreachable in every process, without a query on the read path.
//!
//! Counters only grow, and a key uses their sum (this process's epoch, the topic's shared counter
//! and the tenant's counter), so any change gives a new value. After a lost listener connection
//! the epoch moves and every key changes.

use crate::tenancy::TenantId;
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        RwLock,
    },
};
use uuid::Uuid;

/// The notification channel.
pub const CHANNEL: &str = "zk_changed";

/// Per-topic, per-tenant change counters.
#[derive(Default)]
pub struct Generations {
    epoch: AtomicU64,
    counters: RwLock<HashMap<(String, Option<Uuid>), u64>>,
}

impl Generations {
    /// The generation of `topic` for `tenant`: changes whenever anything in that topic changes
    /// for the tenant or for every tenant.
    pub fn of(&self, topic: &str, tenant: TenantId) -> u64 {
        let counters = self.counters.read().unwrap_or_else(|e| e.into_inner());
        let get = |t: Option<Uuid>| {
            counters
                .get(&(topic.to_owned(), t))
                .copied()
                .unwrap_or_default()
        };
        self.epoch.load(Ordering::Acquire) + get(None) + get(Some(tenant.0))
    }

    /// Counts a change of `topic` for `tenant`, or for every tenant with `None`. Writers call
    /// this after their commit so their own next read is fresh at once; other processes count
    /// it when the notification arrives (counting twice is harmless).
    pub fn bump(&self, topic: &str, tenant: Option<TenantId>) {
        let mut counters = self.counters.write().unwrap_or_else(|e| e.into_inner());
        *counters
            .entry((topic.to_owned(), tenant.map(|t| t.0)))
            .or_default() += 1;
    }

    /// Every key changes (the listener reconnected and may have missed notifications).
    pub fn bump_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// Reads a notification payload `topic:tenant-id` or `topic:*`.
    pub fn apply_payload(&self, payload: &str) {
        match payload.split_once(':') {
            Some((topic, "*")) => self.bump(topic, None),
            Some((topic, id)) => match id.parse() {
                Ok(id) => self.bump(topic, Some(TenantId(id))),
                Err(_) => self.bump_all(),
            },
            None => self.bump_all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_gives_a_new_generation_for_whom_it_concerns() {
        let g = Generations::default();
        let (a, b) = (TenantId(Uuid::new_v4()), TenantId(Uuid::new_v4()));
        let (a0, b0) = (g.of("content", a), g.of("content", b));
        g.apply_payload(&format!("content:{}", a.0));
        assert_ne!(g.of("content", a), a0);
        assert_eq!(g.of("content", b), b0, "B is not concerned");
        assert_eq!(g.of("other", a), 0);
        let (a1, b1) = (g.of("content", a), g.of("content", b));
        g.apply_payload("content:*");
        assert!(g.of("content", a) > a1 && g.of("content", b) > b1);
        let o = g.of("other", b);
        g.apply_payload("rubbish");
        assert!(g.of("other", b) > o);
    }
}
