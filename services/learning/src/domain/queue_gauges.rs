//! The learning service's queues on `/metrics`: the batching writers' requests waiting in memory
//! (`zk_queue_depth{queue="progress"|"package"|"quiz_answers"}`) and the staff imports started and not done
//! (`zk_queue_depth{queue="imports"}`, `zk_queue_oldest_seconds{queue="imports"}`).

use super::{package_commits, progress_writer, quiz_pages};
use zk_kernel::{
    metrics::{queue_depth, queue_gauges},
    Platform,
};

/// Registers the gauges (read at every scrape).
pub fn register(p: &Platform) {
    let platform = p.clone();
    p.metrics.add_gauges("learning_queues", move || {
        let p = platform.clone();
        async move {
            let mut gauges = Vec::with_capacity(4);
            for (queue, waiting) in [
                ("progress", progress_writer::waiting(&p)),
                ("package", package_commits::waiting(&p)),
                ("quiz_answers", quiz_pages::waiting(&p)),
            ] {
                gauges.push(queue_depth(queue, waiting as i64));
            }
            let (depth, oldest) = crate::repo::imports::queue_depth(&p.db.app).await?;
            gauges.extend(queue_gauges("imports", depth, oldest));
            Ok::<_, anyhow::Error>(gauges)
        }
    });
}
