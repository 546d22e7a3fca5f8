//! Compare mode: two losses trained side by side from one fork of the current run — the same
//! weights, the same batches to come, each with a fresh Adam state — on two worker threads
//! that are stepped together.

use std::sync::Arc;
use std::time::Duration;

use super::error::AppError;
use super::run::{Evaluator, Reaction, RunView, reduce};
use super::shared::{Notify, RunStatus};
use crate::losses::LossSpec;
use crate::training::{
    BackendInfo, BatchSnapshot, Command, Event, SendError, Trainer, WorkerHandle,
};

/// One side of the comparison: a worker whose events go through the same reducer as the main
/// run's.
pub struct CompareSide {
    pub label: String,
    pub spec: LossSpec,
    worker: WorkerHandle,
    evaluator: Option<Evaluator>,
    pub view: RunView,
    pub status: RunStatus,
    /// What went wrong on this side (the first failure, or the backend change).
    pub failed: Option<String>,
    /// What this side's worker was last told to do, to know when it has come to rest.
    motion: Motion,
}

/// A worker's transport state as far as the app can tell from what it sent and heard back.
#[derive(Debug, Default, Clone, Copy)]
struct Motion {
    /// Play was sent (and no Pause since).
    playing: bool,
    /// Pause was sent to a playing worker; its `Paused` event has not arrived yet.
    awaiting_pause: bool,
    /// Steps were sent: the step the worker stands at when they are all done.
    expect: Option<u64>,
}

impl Motion {
    /// The worker trains no batch now and none is on its way.
    fn at_rest(&self, step: u64) -> bool {
        !self.playing && !self.awaiting_pause && self.expect.is_none_or(|e| step >= e)
    }

    fn sent(&mut self, command: &Command, step: u64) {
        match command {
            Command::Play => (self.playing, self.expect) = (true, None),
            Command::Pause => {
                self.awaiting_pause |= self.playing;
                self.playing = false;
            }
            Command::Step if !self.playing => {
                self.expect = Some(self.expect.unwrap_or(step).max(step) + 1);
            }
            _ => {}
        }
    }

    fn paused(&mut self, step: u64) {
        self.awaiting_pause = false;
        if self.expect.is_some_and(|e| step >= e) {
            self.expect = None;
        }
    }
}

impl CompareSide {
    fn new(trainer: Trainer, backend: BackendInfo, notify: &Notify) -> std::io::Result<Self> {
        let spec = trainer.config().loss.clone();
        let seed = trainer.config().seed;
        let step = trainer.step_count();
        let n = Arc::clone(notify);
        let worker = WorkerHandle::spawn_fork(trainer, backend, Box::new(move || n()))?;
        Ok(Self {
            label: spec.label(),
            spec,
            worker,
            evaluator: Evaluator::spawn(seed, notify).ok(),
            view: RunView {
                step,
                start_step: step,
                ..RunView::default()
            },
            status: RunStatus::Starting,
            failed: None,
            motion: Motion::default(),
        })
    }

    /// Whether the side's worker is up (its first evaluation has arrived).
    pub fn started(&self) -> bool {
        self.status != RunStatus::Starting
    }

    fn poll(&mut self) {
        for event in self.worker.drain_events() {
            if let Event::Paused { step } = &event {
                self.motion.paused(*step);
            }
            for reaction in reduce(&mut self.view, &mut self.status, event) {
                self.react(reaction);
            }
        }
        if let Some(evaluator) = &mut self.evaluator
            && let Some(failure) = evaluator.drain_into(&mut self.view)
        {
            self.failed.get_or_insert(failure);
        }
        self.view.batch = self.worker.latest_batch();
    }

    fn react(&mut self, reaction: Reaction) {
        match reaction {
            Reaction::Evaluate(held_out) => {
                if let Some(evaluator) = &self.evaluator {
                    evaluator.request(held_out);
                }
            }
            Reaction::RestartEvaluation => {
                if let Some(evaluator) = &mut self.evaluator {
                    evaluator.restart();
                }
            }
            // Compare mode draws no t-SNE.
            Reaction::Tsne(_) => {}
            Reaction::DeviceLost { step, why } => {
                self.failed = Some(format!(
                    "the GPU failed ({why}); this side goes on on the CPU from step {step}, \
                     so the two sides no longer share a device"
                ));
            }
            Reaction::Notice { text, .. } => {
                self.failed = Some(text);
            }
        }
    }
}

/// The two sides.
pub struct CompareRun {
    pub sides: [CompareSide; 2],
    pub status: RunStatus,
}

impl CompareRun {
    /// Starts both workers from two forks of the same run.
    pub fn start(
        forks: Vec<Trainer>,
        backend: BackendInfo,
        notify: &Notify,
    ) -> Result<Self, AppError> {
        let mut forks = forks.into_iter();
        let (Some(a), Some(b)) = (forks.next(), forks.next()) else {
            return Err(AppError::Worker("compare needs two forks".into()));
        };
        let thread = |e: std::io::Error| AppError::Thread("compare".into(), e.to_string());
        let a = CompareSide::new(a, backend.clone(), notify).map_err(thread)?;
        let b = CompareSide::new(b, backend, notify).map_err(thread)?;
        Ok(Self {
            sides: [a, b],
            status: RunStatus::Paused,
        })
    }

    /// Sends `command` to both sides. A side whose queue cannot take it says so; a stopped
    /// side has already reported why.
    pub fn send(&mut self, command: &Command) {
        for i in 0..self.sides.len() {
            self.send_to(i, command);
        }
    }

    /// Sends `command` to side `i` (0 = A, 1 = B) alone.
    pub fn send_to(&mut self, i: usize, command: &Command) {
        let side = &mut self.sides[i];
        match side.worker.send(command.clone()) {
            Ok(()) => side.motion.sent(command, side.view.step),
            Err(e @ SendError::Full(_)) => {
                side.failed.get_or_insert(e.to_string());
            }
            Err(e) => log::debug!("compare: {e}"),
        }
    }

    /// Takes both sides' news; once both are at rest on different steps, steps the one behind.
    ///
    /// The two workers train independently, so a Pause sent to both stops them wherever each
    /// happens to be (say A at 524, B at 526). When neither has a batch on its way (each has
    /// reported the end of its Play or Steps), the side behind is stepped, one batch at a time,
    /// until both stand at the same step and show the same batch.
    pub fn poll(&mut self) {
        for side in &mut self.sides {
            side.poll();
        }
        let rest =
            |s: &CompareSide| s.started() && s.failed.is_none() && s.motion.at_rest(s.view.step);
        if self.status == RunStatus::Running || !self.sides.iter().all(rest) {
            return;
        }
        let (a, b) = (self.sides[0].view.step, self.sides[1].view.step);
        if a != b {
            self.send_to(usize::from(b < a), &Command::Step);
        }
    }

    /// Both sides have shown a batch of the same step (the panels are in sync).
    pub fn in_sync(&self) -> bool {
        match (&self.sides[0].view.batch, &self.sides[1].view.batch) {
            (Some(a), Some(b)) => a.step == b.step,
            _ => false,
        }
    }

    pub fn shutdown(&mut self) {
        for side in &mut self.sides {
            side.worker.shutdown(Duration::from_secs(2));
        }
    }
}

/// Kept-pair differences between the two sides' batches of the same step: cells kept by both,
/// only by A, only by B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MinedDiff {
    pub both: usize,
    pub only_a: usize,
    pub only_b: usize,
}

/// Per-cell diff codes (0 neither, 1 both, 2 only A, 3 only B) and their counts.
pub fn mined_diff(a: &BatchSnapshot, b: &BatchSnapshot) -> (Vec<u8>, MinedDiff) {
    let mut counts = MinedDiff::default();
    let codes = a
        .mining
        .iter()
        .zip(&b.mining)
        .map(|(x, y)| match (x.is_kept(), y.is_kept()) {
            (true, true) => {
                counts.both += 1;
                1
            }
            (true, false) => {
                counts.only_a += 1;
                2
            }
            (false, true) => {
                counts.only_b += 1;
                3
            }
            (false, false) => 0,
        })
        .collect();
    (codes, counts)
}
