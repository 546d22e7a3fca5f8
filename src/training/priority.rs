//! The background threads' priority: they yield to the window.

/// Lowers the calling thread's priority to about nice 9: the window's background threads
/// (training, evaluation, the live t-SNE) call it first. On a machine whose window is drawn on
/// the CPU (llvmpipe), training at full speed otherwise takes the core the window's frames need
/// (frame interval p50 50–63 ms at full speed under Xvfb on 2 cores); with it, they take what the
/// window leaves, and alone (a hardware adapter, an idle window) they run as fast as before.
/// Lowering one's own priority needs no permission; where it fails, the priority stays.
pub fn yield_to_the_window() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    if let Ok(low) = ThreadPriorityValue::try_from(25u8)
        && let Err(e) = set_current_thread_priority(ThreadPriority::Crossplatform(low))
    {
        log::debug!("a background thread keeps its priority: {e:?}");
    }
}
