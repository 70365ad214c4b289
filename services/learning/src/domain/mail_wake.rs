//! The signal that wakes this process's mail job (`reminders`) soon after someone is enrolled,
//! so the "enrolled" mail leaves within seconds. It sits below the modules that enrol and the job
//! that sends, so neither imports the other for it.

use std::sync::OnceLock;
use tokio::sync::Notify;

pub(crate) fn signal() -> &'static Notify {
    static WAKE: OnceLock<Notify> = OnceLock::new();
    WAKE.get_or_init(Notify::new)
}

/// Asks this process's job to look for mails soon (after an enrolment).
pub fn wake() {
    signal().notify_one();
}
