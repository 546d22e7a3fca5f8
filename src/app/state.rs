//! [`AppState`]: what the panels read, and the frame's [`AppState::poll`] — drain the worker's
//! events through the one reducer, collect evaluations, finished jobs and t-SNE layouts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::compare::CompareRun;
use super::job_output::JobOutput;
use super::jobs::{JobInfo, JobKind, Jobs};
use super::run::{Evaluator, Reaction, RunView, reduce};
use super::shared::{Notice, Notify, RunStatus, Settings};
use crate::data::{DataSource, Dataset};
use crate::embedding::LiveTsne;
use crate::losses::LossSpec;
use crate::training::{Checkpoint, Command, TrainConfig, WorkerHandle};

/// The app between frames: settings, the running worker and its view, compare mode, notices
/// and background jobs.
pub struct AppState {
    pub settings: Settings,
    /// The configuration the running worker was started with.
    pub active_config: TrainConfig,
    pub status: RunStatus,
    pub view: RunView,
    pub notices: Vec<Notice>,
    /// Two losses side by side (compare mode), while active.
    pub compare: Option<CompareRun>,
    /// The lesson whose text is shown, if any.
    pub lesson: Option<usize>,
    pub(super) data: Arc<Dataset>,
    /// Where `data` came from.
    pub(super) data_source: DataSource,
    pub(super) worker: Option<WorkerHandle>,
    /// Metrics of the current worker's held-out embeddings.
    pub(super) evaluator: Option<Evaluator>,
    /// The embedding view's layout thread.
    pub(super) live: Option<LiveTsne>,
    pub(super) notify: Notify,
    pub(super) jobs: Jobs<JobOutput>,
    /// The run to start once the data set being loaded arrives (Reset with new data).
    pub(super) start_after_load: Option<Option<Checkpoint>>,
    /// A comparison to start as soon as the (new) run is ready (lessons).
    pub(super) pending_compare: Option<LossSpec>,
    rate_window: (Instant, u64),
}

impl AppState {
    pub fn new(mut settings: Settings, data: Arc<Dataset>, notify: Notify) -> Self {
        let mut notices = Vec::new();
        if let Err(e) = settings.tsne.validate() {
            // Saved by another version, or edited by hand.
            notices.push(Notice::error(format!(
                "saved t-SNE settings ignored ({e}): the defaults are used"
            )));
            settings.tsne = crate::embedding::TsneSettings::default();
        }
        if settings
            .speed
            .is_some_and(|s| !super::shared::SPEEDS.contains(&s))
        {
            notices.push(Notice::error(format!(
                "saved pace ignored ({:?} batches/s is not in 1..=1000): {} batches/s is used",
                settings.speed,
                super::shared::DEFAULT_SPEED
            )));
            settings.speed = Some(super::shared::DEFAULT_SPEED);
        }
        let mut state = Self {
            active_config: settings.config.clone(),
            settings,
            status: RunStatus::Starting,
            view: RunView::default(),
            notices,
            compare: None,
            lesson: None,
            data_source: DataSource::Digits,
            data,
            worker: None,
            evaluator: None,
            live: None,
            jobs: Jobs::new(Arc::clone(&notify)),
            notify,
            start_after_load: None,
            pending_compare: None,
            rate_window: (Instant::now(), 0),
        };
        state.live = state.spawn_live();
        state.restart_worker(None);
        state
    }

    pub fn data(&self) -> &Arc<Dataset> {
        &self.data
    }

    /// The background jobs still running (loading, saving, forking, exporting).
    pub fn jobs(&self) -> &[JobInfo] {
        self.jobs.running()
    }

    /// `None` without a training worker, else whether its thread still runs (tests check
    /// that a run shown as training has one).
    pub fn worker_alive(&self) -> Option<bool> {
        self.worker.as_ref().map(WorkerHandle::is_alive)
    }

    /// Whether a Save model is waiting for the worker or the disk.
    pub fn save_pending(&self) -> bool {
        self.jobs.is_running(JobKind::SaveModel)
    }

    /// Whether a comparison is being prepared (forks requested, not yet arrived).
    pub fn compare_pending(&self) -> bool {
        self.jobs.is_running(JobKind::Fork) || self.pending_compare.is_some()
    }

    /// Whether the settings differ from the running worker's in a way only Reset applies.
    pub fn reset_pending(&self) -> bool {
        let mut a = self.settings.config.clone();
        a.loss = self.active_config.loss.clone();
        a.learning_rate = self.active_config.learning_rate;
        a != self.active_config
    }

    /// Drains worker events and finished jobs. Call once per frame before drawing.
    pub fn poll(&mut self) {
        let events = self
            .worker
            .as_ref()
            .map(WorkerHandle::drain_events)
            .unwrap_or_default();
        for event in events {
            let reactions = reduce(&mut self.view, &mut self.status, event);
            self.react(reactions);
        }
        if let Some(evaluator) = &mut self.evaluator
            && let Some(failure) = evaluator.drain_into(&mut self.view)
        {
            self.notices.push(Notice::error(format!(
                "{failure} (later failures are not shown)"
            )));
        }
        for warning in self.view.take_new_warnings() {
            self.notices.push(Notice::warning(&warning));
        }
        if let Some(worker) = &self.worker {
            self.view.batch = worker.latest_batch();
            if !worker.is_alive() && self.status != RunStatus::Stopped {
                self.status = RunStatus::Stopped;
            }
        }
        self.poll_live();
        self.poll_jobs();
        self.poll_compare();
        self.measure_rate();
    }

    fn react(&mut self, reactions: Vec<Reaction>) {
        for reaction in reactions {
            match reaction {
                Reaction::Evaluate(held_out) => {
                    // Every held-out embedding moves the live view (a t-SNE step's comes below).
                    if !held_out.tsne && !self.settings.tsne.on_training {
                        self.feed_live(&held_out, false);
                    }
                    if let Some(evaluator) = &self.evaluator {
                        evaluator.request(held_out);
                    }
                }
                Reaction::Tsne(held_out) => self.feed_live(&held_out, true),
                Reaction::RestartEvaluation => {
                    if let Some(evaluator) = &mut self.evaluator {
                        evaluator.restart();
                    }
                }
                Reaction::DeviceLost { step, why } => {
                    // The reducer has just set the new backend.
                    if let Some(backend) = &self.view.backend {
                        self.notices.push(Notice::error(format!(
                            "{} ({why}): training goes on with {backend} from step {step}.",
                            backend.reason
                        )));
                    }
                }
                Reaction::Notice { text, is_error } => {
                    self.notices.push(Notice::new(text, is_error));
                }
            }
        }
    }

    fn poll_jobs(&mut self) {
        for (info, result) in self.jobs.drain() {
            self.on_job_finished(&info, result);
        }
    }

    fn poll_compare(&mut self) {
        if self.pending_compare.is_some()
            && self.status == RunStatus::Paused
            && let Some(other) = self.pending_compare.take()
        {
            self.request_compare(other);
        }
        if let Some(c) = &mut self.compare {
            c.poll();
        }
    }

    fn measure_rate(&mut self) {
        let (since, at_step) = self.rate_window;
        let elapsed = since.elapsed().as_secs_f64();
        if self.status == RunStatus::Running && elapsed >= 1.0 {
            self.view.steps_per_second = (self.view.step.saturating_sub(at_step)) as f64 / elapsed;
            self.rate_window = (Instant::now(), self.view.step);
        }
    }

    /// Restarts the steps-per-second window (training starts).
    pub(super) fn start_rate_window(&mut self) {
        self.rate_window = (Instant::now(), self.view.step);
    }

    /// A new run for the settings' configuration; with a checkpoint, the run starts from its
    /// model. When the configured data set is not the loaded one, it is loaded on a job first
    /// and the run starts when it arrives.
    pub(super) fn restart_worker(&mut self, checkpoint: Option<Checkpoint>) {
        self.stop_run();
        if let Err(e) = self.settings.config.validate() {
            self.fail(format!("configuration: {e}"));
            return;
        }
        if self.settings.config.data != self.data_source {
            self.start_after_load = Some(checkpoint);
            self.load_data(self.settings.config.data.clone());
            return;
        }
        self.start_worker(checkpoint);
    }

    /// Stops whatever belongs to the current run: compare, the worker, its jobs.
    fn stop_run(&mut self) {
        self.stop_compare();
        self.jobs.forget(JobKind::SaveModel);
        self.jobs.forget(JobKind::LoadData);
        self.start_after_load = None;
        if let Some(mut old) = self.worker.take() {
            old.shutdown(Duration::from_secs(2));
        }
        if let Some(live) = &self.live {
            live.clear();
        }
        self.view = RunView::default();
        self.status = RunStatus::Starting;
    }

    /// Starts the worker on the loaded data.
    pub(super) fn start_worker(&mut self, checkpoint: Option<Checkpoint>) {
        self.active_config = self.settings.config.clone();
        self.status = RunStatus::Starting;
        self.evaluator = match Evaluator::spawn(self.active_config.seed, &self.notify) {
            Ok(evaluator) => Some(evaluator),
            Err(e) => {
                self.fail(format!("evaluation job could not start: {e}"));
                return;
            }
        };
        let notify = Arc::clone(&self.notify);
        let notify: crate::training::worker::Notify = Box::new(move || notify());
        let spawned = match checkpoint {
            Some(c) => WorkerHandle::spawn_checkpoint(c, Arc::clone(&self.data), notify),
            None => WorkerHandle::spawn(self.active_config.clone(), Arc::clone(&self.data), notify),
        };
        match spawned {
            Ok(handle) => {
                self.worker = Some(handle);
                if self.settings.tsne.on_training {
                    self.send(Command::SetTsneOnTraining(true));
                }
                if self.settings.speed.is_some() {
                    self.send(Command::SetSpeed(self.settings.speed));
                }
            }
            Err(e) => self.fail(format!("training thread could not start: {e}")),
        }
    }

    pub(super) fn stop_compare(&mut self) {
        if let Some(mut c) = self.compare.take() {
            c.shutdown();
        }
        self.jobs.forget(JobKind::Fork);
    }

    pub(super) fn fail(&mut self, text: String) {
        self.status = RunStatus::Stopped;
        self.notices.push(Notice::error(text));
    }

    /// Sends a command to the worker; one the queue cannot take becomes a notice (a stopped
    /// worker has already reported why, and the status says so).
    pub(super) fn send(&mut self, command: Command) {
        let Some(worker) = &self.worker else {
            return;
        };
        match worker.send(command) {
            Ok(()) => {}
            Err(e @ crate::training::SendError::Stopped(_)) => log::debug!("{e}"),
            Err(e) => self.notices.push(Notice::error(e.to_string())),
        }
    }

    /// Stops the worker (on exit). Returns whether it stopped within `timeout`.
    pub fn shutdown(&mut self, timeout: Duration) -> bool {
        self.stop_compare();
        self.worker.take().is_none_or(|mut w| w.shutdown(timeout))
    }
}
