//! One run as the panels see it, and the one reducer that turns a worker's [`Event`]s into it.
//! The main run and each side of compare mode reduce their events through [`reduce`] and score
//! their held-out embeddings through an [`Evaluator`], so a rolled-back step or a backend
//! change is handled the same way everywhere.

use std::sync::Arc;

use super::eval_job::EvalJob;
use super::shared::{Notify, RunStatus};
use crate::embedding::TsneLayout;
use crate::metrics::Retrieval;
use crate::training::history::thin_evals;
use crate::training::worker::HeldOutEmbedding;
use crate::training::{
    BackendInfo, BatchSnapshot, EvalPoint, Event, LossHistory, Monitor, Warning,
};

/// Everything the panels draw of one run.
#[derive(Debug, Clone, Default)]
pub struct RunView {
    /// The backend training runs on (`None` until the worker has started).
    pub backend: Option<BackendInfo>,
    pub step: u64,
    /// The training loss, bounded: old steps are merged as the run grows.
    pub history: LossHistory,
    /// The held-out evaluations, at most [`crate::training::history::EVALS_CAP`].
    pub evals: Vec<EvalPoint>,
    pub raw_baseline: Option<Retrieval>,
    pub untrained: Option<EvalPoint>,
    pub batch: Option<Arc<BatchSnapshot>>,
    /// The newest layout (the live view's current frame).
    pub tsne: Option<Arc<TsneLayout>>,
    /// The live view's newest frame (iteration, rate, moving).
    pub live: Option<crate::embedding::LiveFrame>,
    /// One layout every `tsne_every` steps (the timeline), at most [`super::TSNE_HISTORY`].
    pub tsne_history: Vec<Arc<TsneLayout>>,
    /// The embeddings the view was last given (a projection switch lays them out again).
    pub live_fed: Option<Arc<HeldOutEmbedding>>,
    /// The step whose layout the timeline waits for, and the layout's iteration when it first
    /// showed that step's embeddings.
    pub tsne_record_at: Option<(u64, Option<usize>)>,
    /// The newest held-out embeddings (the raw 2-D / 3-D view).
    pub held_out: Option<Arc<HeldOutEmbedding>>,
    /// Training steps per second over the last second of training.
    pub steps_per_second: f64,
    /// The step the run started at (0, or a loaded model's step).
    pub start_step: u64,
    /// The run's pathology warnings, oldest first (at most [`WARNINGS_CAP`]): the worker's
    /// (batches, divergence) and those of the evaluations (overfitting).
    pub warnings: Vec<Warning>,
    /// Warnings already handed out by [`RunView::take_new_warnings`].
    pub(super) announced: usize,
    /// The evaluation side of the run's [`Monitor`] (the worker watches the batches): it sees
    /// every batch's loss and every finished evaluation.
    pub(super) monitor: Monitor,
}

/// Warnings a view keeps (each kind warns once per episode, so a run rarely has more than a
/// few; the cap bounds a run left for days).
pub const WARNINGS_CAP: usize = 256;

/// What the owner of a run must do after an event, beyond the view the reducer updated.
#[derive(Debug)]
pub enum Reaction {
    /// Score these held-out embeddings (on the evaluation job).
    Evaluate(Arc<HeldOutEmbedding>),
    /// Lay these embeddings out (main run only).
    Tsne(Arc<HeldOutEmbedding>),
    /// The steps after `step` were dropped: queued evaluations belong to them.
    RestartEvaluation,
    /// The training device failed and training goes on with the view's (new) backend from
    /// `step`.
    DeviceLost { step: u64, why: String },
    /// Tell the user.
    Notice { text: String, is_error: bool },
}

/// The one reducer: applies `event` to the view and the status, and says what else to do.
pub fn reduce(view: &mut RunView, status: &mut RunStatus, event: Event) -> Vec<Reaction> {
    match event {
        Event::Started {
            backend,
            raw_baseline,
            untrained,
        } => {
            view.backend = Some(backend);
            view.raw_baseline = Some(raw_baseline);
            // The first "best" the overfitting check compares with (never warns by itself).
            view.monitor.observe_eval(&untrained);
            view.evals.push(untrained);
            // A run loaded from a checkpoint starts trained: its first point is no baseline.
            view.step = untrained.step;
            view.start_step = untrained.step;
            if untrained.step == 0 {
                view.untrained = Some(untrained);
            }
            if *status == RunStatus::Starting {
                *status = RunStatus::Paused;
            }
            Vec::new()
        }
        Event::BatchTrained(stats) => {
            view.step = stats.step;
            view.monitor.observe_loss(stats.loss);
            view.history.push(stats);
            Vec::new()
        }
        Event::Warning(warning) => {
            view.push_warning(warning);
            Vec::new()
        }
        Event::HeldOutEmbedded(held_out) => held_out_embedded(view, &held_out),
        Event::Paused { step } => {
            let mut reactions = Vec::new();
            if step < view.step && view.history.last_step().is_some_and(|s| s > step) {
                // The worker rolled a broken update back: its points are not the run's.
                view.drop_after(step);
                reactions.push(Reaction::RestartEvaluation);
            }
            view.step = view.step.max(step);
            if *status == RunStatus::Running {
                *status = RunStatus::Paused;
            }
            reactions
        }
        Event::Resumed => {
            *status = RunStatus::Running;
            Vec::new()
        }
        Event::BackendChanged { backend, step, why } => {
            // The steps after the mirrored model are trained again on the new backend.
            view.drop_after(step);
            view.backend = Some(backend);
            vec![
                Reaction::RestartEvaluation,
                Reaction::DeviceLost { step, why },
            ]
        }
        Event::Failed(text) => {
            if *status == RunStatus::Running {
                *status = RunStatus::Paused;
            }
            vec![Reaction::Notice {
                text,
                is_error: true,
            }]
        }
    }
}

fn held_out_embedded(view: &mut RunView, held_out: &Arc<HeldOutEmbedding>) -> Vec<Reaction> {
    let mut reactions = Vec::new();
    if held_out.eval {
        view.held_out = Some(Arc::clone(held_out));
        // The first point (step 0, or the step a loaded model starts at) comes with `Started`.
        if held_out.step > view.start_step {
            reactions.push(Reaction::Evaluate(Arc::clone(held_out)));
        }
    }
    if held_out.tsne {
        reactions.push(Reaction::Tsne(Arc::clone(held_out)));
    }
    reactions
}

impl RunView {
    /// Records a held-out evaluation, thinning old ones so that the list stays bounded.
    pub fn push_eval(&mut self, point: EvalPoint) {
        if let Some(warning) = self.monitor.observe_eval(&point) {
            self.push_warning(warning);
        }
        self.evals.push(point);
        thin_evals(&mut self.evals);
    }

    fn push_warning(&mut self, warning: Warning) {
        if self.warnings.len() == WARNINGS_CAP {
            self.warnings.remove(0);
            self.announced = self.announced.saturating_sub(1);
        }
        self.warnings.push(warning);
    }

    /// The warnings not handed out before (each warning once): the main run turns them into
    /// notices.
    pub fn take_new_warnings(&mut self) -> Vec<Warning> {
        let new = self.warnings[self.announced..].to_vec();
        self.announced = self.warnings.len();
        new
    }

    /// Forgets what the run did after `step` (it is trained again): curves and the shown
    /// batch.
    pub fn drop_after(&mut self, step: u64) {
        self.history.drop_after(step);
        self.evals.retain(|e| e.step <= step);
        self.step = step;
        if self.batch.as_ref().is_some_and(|b| b.step > step) {
            self.batch = None;
        }
    }
}

/// Scores a run's held-out embeddings on a `pairscope-eval` job (a fresh job per run, so that
/// two runs' points never mix).
pub struct Evaluator {
    job: Option<EvalJob>,
    seed: u64,
    notify: Notify,
    /// An evaluation of this run failed (reported once).
    failed: bool,
}

impl Evaluator {
    /// A job for a run of `seed`; `Err` says why the thread could not start.
    pub fn spawn(seed: u64, notify: &Notify) -> std::io::Result<Self> {
        Ok(Self {
            job: Some(EvalJob::spawn(Arc::clone(notify))?),
            seed,
            notify: Arc::clone(notify),
            failed: false,
        })
    }

    /// Queues an evaluation. When the job is behind the request is dropped: the curve gets
    /// one point fewer, which is the design (evaluation never slows training).
    pub fn request(&self, held_out: Arc<HeldOutEmbedding>) {
        let step = held_out.step;
        if let Some(job) = &self.job
            && !job.request(held_out, self.seed)
        {
            log::debug!("evaluation of step {step} dropped: the job is behind");
        }
    }

    /// A fresh job: queued evaluations of dropped steps are forgotten.
    pub fn restart(&mut self) {
        self.job = EvalJob::spawn(Arc::clone(&self.notify)).ok();
    }

    /// Adds finished evaluations to `view`; returns the first failure of the run (reported
    /// once; later ones go to the log).
    pub fn drain_into(&mut self, view: &mut RunView) -> Option<String> {
        let mut first_failure = None;
        for result in self.job.as_ref().map(EvalJob::drain).unwrap_or_default() {
            match result {
                Ok(point) => view.push_eval(point),
                Err(e) if !self.failed => {
                    self.failed = true;
                    first_failure = Some(e.to_string());
                }
                Err(e) => log::warn!("{e}"),
            }
        }
        first_failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::StepStats;

    fn stats(step: u64) -> StepStats {
        StepStats {
            step,
            loss: 1.0 / step as f64,
            positive_pairs: 1,
            negative_pairs: 1,
        }
    }

    #[test]
    fn a_rolled_back_step_drops_its_points_and_restarts_evaluation() {
        let mut view = RunView::default();
        let mut status = RunStatus::Running;
        for s in 1..=5 {
            reduce(&mut view, &mut status, Event::BatchTrained(stats(s)));
        }
        let reactions = reduce(&mut view, &mut status, Event::Paused { step: 3 });
        assert_eq!(view.step, 3);
        assert_eq!(view.history.last().map(|h| h.step), Some(3));
        assert_eq!(status, RunStatus::Paused);
        assert!(matches!(reactions[..], [Reaction::RestartEvaluation]));
    }

    #[test]
    fn an_ordinary_pause_keeps_every_point() {
        let mut view = RunView::default();
        let mut status = RunStatus::Running;
        reduce(&mut view, &mut status, Event::BatchTrained(stats(1)));
        assert!(reduce(&mut view, &mut status, Event::Paused { step: 1 }).is_empty());
        assert_eq!(view.history.len(), 1);
    }
}
