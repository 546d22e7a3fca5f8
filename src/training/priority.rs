//! The background threads' priority: they yield to the window.

/// Lowers the calling thread's priority to the lowest nice level (19): the window's background
/// threads (training, evaluation, the live t-SNE) call it first. On a machine whose window is
/// drawn on the CPU (llvmpipe), training at full speed otherwise takes the cores the window's
/// frames need: under Xvfb on 2 cores the frame interval was p50 50–63 ms at normal priority,
/// 50.8–52.6 ms at nice ≈ 9 (training ≈ 480 steps/s beside it) and 44.5–45.3 ms at nice 19
/// (≈ 355 steps/s). Alone (a hardware adapter, an idle window) they run as fast as before.
/// Lowering one's own priority needs no permission; where it fails, the priority stays.
pub fn yield_to_the_window() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    if let Ok(low) = ThreadPriorityValue::try_from(0u8)
        && let Err(e) = set_current_thread_priority(ThreadPriority::Crossplatform(low))
    {
        log::debug!("a background thread keeps its priority: {e:?}");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// The calling thread's nice value (field 19 of `/proc/thread-self/stat`).
    fn nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("procfs");
        let after_name = &stat[stat.rfind(')').expect("stat format") + 1..];
        after_name
            .split_whitespace()
            .nth(16)
            .and_then(|v| v.parse().ok())
            .expect("nice field")
    }

    #[test]
    fn a_background_thread_ends_at_the_lowest_priority() {
        let (before, after) = std::thread::Builder::new()
            .name("priority-test".into())
            .spawn(|| {
                let before = nice();
                crate::training::priority::yield_to_the_window();
                (before, nice())
            })
            .expect("spawn")
            .join()
            .expect("thread");
        assert_eq!(after, 19, "nice {before} → {after}");
    }
}
