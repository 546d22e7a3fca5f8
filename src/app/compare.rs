//! Compare mode: two losses trained side by side from one fork of the current run — the same
//! weights, the same batches to come, each with a fresh Adam state — on two worker threads
//! that are stepped together.

use std::sync::Arc;
use std::time::Duration;

use super::eval_job::EvalJob;
use super::{Notify, RunStatus};
use crate::losses::LossSpec;
use crate::training::{BatchSnapshot, Command, EvalPoint, Event, StepStats, Trainer, WorkerHandle};

/// One side of the comparison.
pub struct CompareSide {
    pub label: String,
    pub spec: LossSpec,
    worker: WorkerHandle,
    eval: Option<EvalJob>,
    pub history: Vec<StepStats>,
    pub evals: Vec<EvalPoint>,
    pub batch: Option<Arc<BatchSnapshot>>,
    pub step: u64,
    pub started: bool,
    pub failed: Option<String>,
    seed: u64,
    /// The step both sides started at (their first evaluation comes with `Started`).
    start_step: u64,
    notify: Notify,
}

impl CompareSide {
    fn new(trainer: Trainer, backend: (String, String), notify: &Notify) -> std::io::Result<Self> {
        let spec = trainer.config().loss.clone();
        let seed = trainer.config().seed;
        let step = trainer.step_count();
        let n = Arc::clone(notify);
        let worker =
            WorkerHandle::spawn_fork(trainer, backend.0, backend.1, Box::new(move || n()))?;
        Ok(Self {
            label: spec.label(),
            spec,
            worker,
            eval: EvalJob::spawn(Arc::clone(notify)).ok(),
            history: Vec::new(),
            evals: Vec::new(),
            batch: None,
            step,
            started: false,
            failed: None,
            seed,
            start_step: step,
            notify: Arc::clone(notify),
        })
    }

    fn poll(&mut self) {
        for event in self.worker.drain_events() {
            match event {
                Event::Started { untrained, .. } => {
                    self.started = true;
                    self.evals.push(untrained);
                }
                Event::BatchTrained(stats) => {
                    self.step = stats.step;
                    self.history.push(stats);
                }
                Event::HeldOutEmbedded(held_out) => {
                    if let Some(eval) = &self.eval
                        && held_out.step > self.start_step
                    {
                        eval.request(held_out, self.seed);
                    }
                }
                Event::Failed(text) => self.failed = Some(text),
                Event::BackendChanged { step, why, .. } => {
                    self.history.retain(|h| h.step <= step);
                    self.evals.retain(|e| e.step <= step);
                    self.step = step;
                    self.batch = None;
                    self.eval = EvalJob::spawn(Arc::clone(&self.notify)).ok();
                    self.failed = Some(format!(
                        "the GPU failed ({why}); this side goes on on the CPU from step {step}, \
                         so the two sides no longer share a device"
                    ));
                }
                Event::Paused { .. } | Event::Resumed => {}
            }
        }
        if let Some(eval) = &self.eval {
            for result in eval.drain() {
                match result {
                    Ok(point) => self.evals.push(point),
                    Err(e) => {
                        self.failed.get_or_insert(e);
                    }
                }
            }
        }
        self.batch = self.worker.latest_batch();
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
        backend: (String, String),
        notify: &Notify,
    ) -> Result<Self, String> {
        let mut forks = forks.into_iter();
        let (Some(a), Some(b)) = (forks.next(), forks.next()) else {
            return Err("compare needs two forks".into());
        };
        let a = CompareSide::new(a, backend.clone(), notify).map_err(|e| e.to_string())?;
        let b = CompareSide::new(b, backend, notify).map_err(|e| e.to_string())?;
        Ok(Self {
            sides: [a, b],
            status: RunStatus::Paused,
        })
    }

    pub fn send(&self, command: &Command) {
        for side in &self.sides {
            side.worker.send(command.clone());
        }
    }

    pub fn poll(&mut self) {
        for side in &mut self.sides {
            side.poll();
        }
    }

    /// Both sides have shown a batch of the same step (the panels are in sync).
    pub fn in_sync(&self) -> bool {
        match (&self.sides[0].batch, &self.sides[1].batch) {
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
    let kept = |c: f32| matches!(c as u8, 1 | 2);
    let mut counts = MinedDiff::default();
    let codes = a
        .mining
        .iter()
        .zip(&b.mining)
        .map(|(&x, &y)| match (kept(x), kept(y)) {
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
