//! Whether the worker trains and how fast (Play, Step, slow motion), and the test hooks armed
//! for the next step.

use std::time::{Duration, Instant};

/// The longest wait between two batches at a set speed.
const SLOWEST_SLOT: Duration = Duration::from_secs(3600);

/// Whether the worker trains, and how fast.
pub(super) struct Pacing {
    /// Playing (Play until Pause).
    pub(super) running: bool,
    /// Step requests not trained yet.
    pub(super) pending_steps: u32,
    /// While playing, at most this many batches per second.
    pub(super) speed: Option<f64>,
    /// The next batch's time slot in slow motion.
    pub(super) next_at: Instant,
}

impl Pacing {
    pub(super) fn new() -> Self {
        Self {
            running: false,
            pending_steps: 0,
            speed: None,
            next_at: Instant::now(),
        }
    }

    pub(super) fn busy(&self) -> bool {
        self.running || self.pending_steps > 0
    }

    /// Slow motion: while playing at a set speed, how long until the next batch's time slot.
    pub(super) fn until_slot(&self) -> Option<Duration> {
        (self.running && self.pending_steps == 0)
            .then(|| self.next_at.saturating_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }

    /// Whether a batch is due now; if so its time slot is taken (the next one is set).
    pub(super) fn take_slot(&mut self) -> bool {
        if !self.busy() || (self.pending_steps == 0 && Instant::now() < self.next_at) {
            return false;
        }
        if let Some(bps) = self.speed {
            // A tiny speed (1e-300 batches/s) would be a slot too far for a `Duration`: it
            // panicked the worker. At most one batch an hour is as slow as it gets.
            let slot = Duration::try_from_secs_f64(1.0 / bps)
                .map_or(SLOWEST_SLOT, |d| d.min(SLOWEST_SLOT));
            self.next_at = Instant::now() + slot;
        }
        true
    }

    /// Training stops (a failure): no Play, no pending Steps.
    pub(super) fn stop(&mut self) {
        self.running = false;
        self.pending_steps = 0;
    }

    /// Counts a trained batch against the Step requests; `true` when it was the last one
    /// (training pauses).
    pub(super) fn step_done(&mut self) -> bool {
        if self.pending_steps == 0 {
            return false;
        }
        self.pending_steps -= 1;
        self.pending_steps == 0 && !self.running
    }
}

/// Test hooks armed for the next step.
#[derive(Default)]
pub(super) struct Faults {
    /// Fail as if the wgpu device had been lost.
    pub(super) device_lost: bool,
    /// Panic as a bug in a step would.
    pub(super) panic: bool,
}
