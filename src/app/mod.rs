//! Application state and commands, between the UI and the domain. The UI reads [`AppState`]
//! and emits [`AppCommand`]s; each frame calls [`AppState::poll`] first (drain worker events,
//! collect finished jobs). No egui here, no burn types either.

pub mod compare;
mod eval_job;
pub mod lessons;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use self::compare::CompareRun;
use self::eval_job::EvalJob;
use crate::data::Dataset;
use crate::embedding::{TsneJob, TsneLayout, TsneRequest, TsneSettings};
use crate::losses::LossSpec;
use crate::metrics::Retrieval;
use crate::training::Checkpoint;
use crate::training::worker::HeldOutEmbedding;
use crate::training::{
    BatchSnapshot, Command, EvalPoint, Event, StepStats, TrainConfig, Trainer, WorkerHandle,
};

/// Imperative requests from the UI.
#[derive(Debug, Clone)]
pub enum AppCommand {
    StartTraining,
    Pause,
    /// Exactly one mini-batch.
    StepBatch,
    /// A fresh model (and worker) from the current configuration.
    Reset,
    SetLoss(LossSpec),
    SetLearningRate(f64),
    /// Replace the configuration; takes effect on the next Reset (loss and learning rate at once).
    SetConfig(TrainConfig),
    SetTsneSettings(TsneSettings),
    /// Repeat the current batch for the next `k` steps (0 unfreezes).
    Freeze(u32),
    /// Batches per second while training (`None`: as fast as possible).
    SetSpeed(Option<f64>),
    /// Fork the current run into the current loss (A) and this one (B), trained side by side.
    StartCompare(LossSpec),
    StopCompare,
    /// Load lesson `k` of [`lessons::lessons`] (configuration, text, maybe a comparison).
    ApplyLesson(usize),
    /// Stop waiting for the t-SNE layout being computed (it is discarded).
    CancelTsne,
    /// Show a message (`true`: an error).
    Notice((String, bool)),
    /// Write the run configuration (with the t-SNE settings) as TOML.
    SaveSession(std::path::PathBuf),
    /// Load a run configuration; on any error nothing changes. Applies with a Reset. A model
    /// checkpoint opened here loads as [`AppCommand::LoadModel`].
    OpenSession(std::path::PathBuf),
    /// Write a checkpoint of the trained model (with its configuration).
    SaveModel(std::path::PathBuf),
    /// Start a new run from a checkpoint: its configuration and trained weights.
    LoadModel(std::path::PathBuf),
}

/// Where the run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// The worker is building the model and the baselines.
    Starting,
    /// Ready, not training.
    Paused,
    Running,
    /// The worker failed to start or died; Reset starts a new one.
    Stopped,
}

impl RunStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Paused => "paused",
            Self::Running => "training",
            Self::Stopped => "stopped",
        }
    }
}

/// What persists across launches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub config: TrainConfig,
    pub tsne: TsneSettings,
}

/// A message for the user, shown once in the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// Everything the panels draw.
#[derive(Debug, Clone, Default)]
pub struct RunView {
    pub backend_name: String,
    pub backend_reason: String,
    pub step: u64,
    pub history: Vec<StepStats>,
    pub evals: Vec<EvalPoint>,
    pub raw_baseline: Option<Retrieval>,
    pub untrained: Option<EvalPoint>,
    pub batch: Option<Arc<BatchSnapshot>>,
    /// The newest layout (aligned to the one before it).
    pub tsne: Option<Arc<TsneLayout>>,
    /// Every layout of the run, aligned in turn (the timeline), at most [`TSNE_HISTORY`].
    pub tsne_history: Vec<Arc<TsneLayout>>,
    pub tsne_pending_step: Option<u64>,
    /// The newest held-out embeddings (the raw 2-D / 3-D view).
    pub held_out: Option<Arc<HeldOutEmbedding>>,
    /// Training steps per second over the last second of training.
    pub steps_per_second: f64,
    /// The step the run started at (0, or a loaded model's step).
    pub start_step: u64,
}

pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// Layouts kept for the t-SNE timeline.
pub const TSNE_HISTORY: usize = 200;

pub struct AppState {
    pub settings: Settings,
    /// The configuration the running worker was started with.
    pub active_config: TrainConfig,
    pub status: RunStatus,
    pub view: RunView,
    pub notices: Vec<Notice>,
    data: Arc<Dataset>,
    /// Where `data` came from.
    data_source: crate::data::DataSource,
    worker: Option<WorkerHandle>,
    /// Metrics of the current worker's held-out embeddings (a new job per worker, so that a
    /// Reset never mixes two runs' points).
    eval: Option<EvalJob>,
    /// An evaluation of this run failed (reported once).
    eval_failed: bool,
    tsne: Option<TsneJob>,
    notify: Notify,
    rate_window: (Instant, u64),
    /// Two losses side by side (compare mode), while active.
    pub compare: Option<CompareRun>,
    pending_fork: Option<(
        LossSpec,
        crossbeam_channel::Receiver<Result<Vec<Trainer>, String>>,
    )>,
    /// A checkpoint asked of the worker, and where to write it.
    pending_save: Option<(
        std::path::PathBuf,
        crossbeam_channel::Receiver<Result<crate::training::Checkpoint, String>>,
    )>,
    /// A comparison to start as soon as the (new) run is ready (lessons).
    pending_compare: Option<LossSpec>,
    /// The lesson whose text is shown, if any.
    pub lesson: Option<usize>,
    /// Batches per second while training (`None`: as fast as possible).
    pub speed: Option<f64>,
}

impl AppState {
    pub fn new(settings: Settings, data: Arc<Dataset>, notify: Notify) -> Self {
        let tsne_notify = Arc::clone(&notify);
        let mut notices = Vec::new();
        let tsne = match TsneJob::spawn(Box::new(move || tsne_notify())) {
            Ok(job) => Some(job),
            Err(e) => {
                notices.push(Notice {
                    text: format!("t-SNE job could not start: {e}"),
                    is_error: true,
                });
                None
            }
        };
        let mut state = Self {
            active_config: settings.config.clone(),
            settings,
            status: RunStatus::Starting,
            view: RunView::default(),
            notices,
            data_source: crate::data::DataSource::Digits,
            data,
            worker: None,
            eval: None,
            tsne,
            notify,
            rate_window: (Instant::now(), 0),
            compare: None,
            pending_fork: None,
            pending_save: None,
            eval_failed: false,
            pending_compare: None,
            lesson: None,
            speed: None,
        };
        state.restart_worker();
        state
    }

    pub fn data(&self) -> &Arc<Dataset> {
        &self.data
    }

    /// Loads the configured data set when it changed; on any error the current data stays
    /// and the configuration points at it again (nothing half-loaded replaces it).
    fn load_data(&mut self) {
        if self.settings.config.data == self.data_source {
            return;
        }
        match self.settings.config.data.load() {
            Ok((data, notes)) => {
                self.data = Arc::new(data);
                self.data_source = self.settings.config.data.clone();
                for text in notes.0 {
                    self.notices.push(Notice {
                        text,
                        is_error: false,
                    });
                }
            }
            Err(e) => {
                self.notices.push(Notice {
                    text: format!("data not loaded: {e}"),
                    is_error: true,
                });
                self.settings.config.data = self.data_source.clone();
            }
        }
    }

    fn restart_worker(&mut self) {
        self.restart_worker_from(None);
    }

    /// A new worker for the settings' configuration; with a checkpoint, the run starts from
    /// its model.
    fn restart_worker_from(&mut self, checkpoint: Option<Checkpoint>) {
        self.pending_save = None;
        self.load_data();
        self.stop_compare();
        if let Some(mut old) = self.worker.take() {
            old.shutdown(Duration::from_secs(2));
        }
        if let Some(job) = &self.tsne {
            job.cancel();
        }
        self.view = RunView::default();
        self.status = RunStatus::Starting;
        if let Err(e) = self.settings.config.validate() {
            self.fail(format!("configuration: {e}"));
            return;
        }
        self.active_config = self.settings.config.clone();
        self.eval_failed = false;
        self.eval = match EvalJob::spawn(Arc::clone(&self.notify)) {
            Ok(job) => Some(job),
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
                if self.settings.tsne.on_training {
                    handle.send(Command::SetTsneOnTraining(true));
                }
                if self.speed.is_some() {
                    handle.send(Command::SetSpeed(self.speed));
                }
                self.worker = Some(handle);
            }
            Err(e) => self.fail(format!("training thread could not start: {e}")),
        }
    }

    fn stop_compare(&mut self) {
        if let Some(mut c) = self.compare.take() {
            c.shutdown();
        }
        self.pending_fork = None;
    }

    /// Asks the worker for two forks; the comparison starts when they arrive (see `poll`).
    fn request_compare(&mut self, other: LossSpec) {
        if let Err(e) = other.validate() {
            self.notices.push(Notice {
                text: e.to_string(),
                is_error: true,
            });
            return;
        }
        self.stop_compare();
        if self.status == RunStatus::Running {
            self.send(Command::Pause);
            self.status = RunStatus::Paused;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.send(Command::Fork {
            losses: vec![self.active_config.loss.clone(), other.clone()],
            reply: tx,
        });
        self.pending_fork = Some((other, rx));
    }

    fn fail(&mut self, text: String) {
        self.status = RunStatus::Stopped;
        self.notices.push(Notice {
            text,
            is_error: true,
        });
    }

    fn send(&self, command: Command) {
        if let Some(worker) = &self.worker {
            worker.send(command);
        }
    }

    pub fn apply(&mut self, command: AppCommand) {
        if let Some(compare) = &mut self.compare {
            match command {
                AppCommand::StartTraining => {
                    compare.send(&Command::Play);
                    compare.status = RunStatus::Running;
                    return;
                }
                AppCommand::Pause => {
                    compare.send(&Command::Pause);
                    compare.status = RunStatus::Paused;
                    return;
                }
                AppCommand::StepBatch => {
                    if compare.status != RunStatus::Running {
                        compare.send(&Command::Step);
                    }
                    return;
                }
                AppCommand::Freeze(k) => {
                    compare.send(&Command::Freeze(k));
                    return;
                }
                AppCommand::SetSpeed(s) => {
                    self.speed = s;
                    compare.send(&Command::SetSpeed(s));
                    return;
                }
                _ => {}
            }
        }
        match command {
            AppCommand::Freeze(k) => self.send(Command::Freeze(k)),
            AppCommand::SetSpeed(s) => {
                self.speed = s;
                self.send(Command::SetSpeed(s));
            }
            AppCommand::StartCompare(other) => self.request_compare(other),
            AppCommand::Notice((text, is_error)) => self.notices.push(Notice { text, is_error }),
            AppCommand::SaveSession(path) => {
                let mut config = self.settings.config.clone();
                config.tsne = self.settings.tsne;
                let result = crate::headless::config_toml(&config).and_then(|text| {
                    crate::io::write_atomic(&path, text.as_bytes())
                        .map_err(|e| format!("{}: {e}", path.display()))
                });
                self.notices.push(match result {
                    Ok(()) => Notice {
                        text: format!("saved {}", path.display()),
                        is_error: false,
                    },
                    Err(e) => Notice {
                        text: format!("save session: {e}"),
                        is_error: true,
                    },
                });
            }
            AppCommand::SaveModel(path) => {
                if self.worker.as_ref().is_none_or(|w| !w.is_alive()) {
                    self.notices.push(Notice {
                        text: "save model: no run to save (Reset starts one)".into(),
                        is_error: true,
                    });
                } else {
                    let (tx, rx) = crossbeam_channel::bounded(1);
                    self.send(Command::Checkpoint { reply: tx });
                    self.pending_save = Some((path, rx));
                }
            }
            AppCommand::LoadModel(path) => {
                self.load_model(&path, Checkpoint::read(&path));
            }
            AppCommand::OpenSession(path) => {
                // One read: a model file opens as Load model, anything else as a session.
                let in_file = |e: String| format!("{}: {e}", path.display());
                match std::fs::read_to_string(&path) {
                    Ok(text) if Checkpoint::is_checkpoint(&text) => {
                        self.load_model(&path, Checkpoint::from_toml(&text).map_err(in_file));
                    }
                    Ok(text) => {
                        let config = crate::headless::parse_config(&text).map_err(in_file);
                        self.open_session(&path, config);
                    }
                    Err(e) => self.open_session(&path, Err(in_file(e.to_string()))),
                }
            }
            AppCommand::CancelTsne => {
                if let Some(job) = &self.tsne {
                    job.cancel();
                }
                self.view.tsne_pending_step = None;
            }
            AppCommand::StopCompare => self.stop_compare(),
            AppCommand::ApplyLesson(k) => {
                if let Some(lesson) = lessons::lessons().into_iter().nth(k) {
                    self.settings.config = lesson.config;
                    self.lesson = Some(k);
                    self.restart_worker();
                    self.pending_compare = lesson.compare_with;
                }
            }
            AppCommand::StartTraining => {
                if matches!(self.status, RunStatus::Paused | RunStatus::Starting) {
                    self.send(Command::Play);
                    self.status = RunStatus::Running;
                    self.rate_window = (Instant::now(), self.view.step);
                }
            }
            AppCommand::Pause => {
                if self.status == RunStatus::Running {
                    self.send(Command::Pause);
                    self.status = RunStatus::Paused;
                }
            }
            AppCommand::StepBatch => {
                if self.status == RunStatus::Paused {
                    self.send(Command::Step);
                }
            }
            AppCommand::Reset => self.restart_worker(),
            AppCommand::SetLoss(spec) => match spec.validate() {
                Ok(()) => {
                    self.settings.config.loss = spec.clone();
                    self.active_config.loss = spec.clone();
                    self.send(Command::SetLoss(spec));
                }
                Err(e) => self.notices.push(Notice {
                    text: e.to_string(),
                    is_error: true,
                }),
            },
            AppCommand::SetLearningRate(lr) => {
                self.settings.config.learning_rate = lr;
                self.active_config.learning_rate = lr;
                self.send(Command::SetLearningRate(lr));
            }
            AppCommand::SetConfig(config) => self.settings.config = config,
            AppCommand::SetTsneSettings(s) => {
                if s.on_training != self.settings.tsne.on_training {
                    self.send(Command::SetTsneOnTraining(s.on_training));
                }
                self.settings.tsne = s;
            }
        }
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
            self.on_event(event);
        }
        let results = self.eval.as_ref().map(EvalJob::drain).unwrap_or_default();
        for result in results {
            match result {
                Ok(point) => self.view.evals.push(point),
                // Reported once per run; the curve goes on without the failed points.
                Err(e) if !self.eval_failed => {
                    self.eval_failed = true;
                    self.notices.push(Notice {
                        text: format!("{e} (later failures are not shown)"),
                        is_error: true,
                    });
                }
                Err(e) => log::warn!("{e}"),
            }
        }
        if let Some(worker) = &self.worker {
            self.view.batch = worker.latest_batch();
            if !worker.is_alive() && self.status != RunStatus::Stopped {
                self.status = RunStatus::Stopped;
            }
        }
        if let Some(job) = &self.tsne
            && let Some(result) = job.take_result()
        {
            match result {
                // A layout from before the last Reset belongs to another run.
                Ok(mut layout) if self.view.tsne_pending_step.is_some() => {
                    self.view.tsne_pending_step = None;
                    // Procrustes: rotate / reflect / scale onto the previous layout of the same
                    // point set, so that clusters do not jump between refreshes.
                    if let Some(prev) = &self.view.tsne
                        && prev.on_training == layout.on_training
                    {
                        layout.xy = crate::embedding::procrustes::align_subset(
                            &prev.rows,
                            &prev.xy,
                            &layout.rows,
                            &layout.xy,
                        );
                    }
                    let layout = Arc::new(layout);
                    if self.view.tsne_history.len() >= TSNE_HISTORY {
                        self.view.tsne_history.remove(0);
                    }
                    self.view.tsne_history.push(Arc::clone(&layout));
                    self.view.tsne = Some(layout);
                }
                Ok(_) => {}
                Err(e) => self.notices.push(Notice {
                    text: e,
                    is_error: true,
                }),
            }
        }
        self.poll_compare();
        self.poll_save();
        let (since, at_step) = self.rate_window;
        let elapsed = since.elapsed().as_secs_f64();
        if self.status == RunStatus::Running && elapsed >= 1.0 {
            self.view.steps_per_second = (self.view.step.saturating_sub(at_step)) as f64 / elapsed;
            self.rate_window = (Instant::now(), self.view.step);
        }
    }

    fn poll_save(&mut self) {
        let Some((path, rx)) = &self.pending_save else {
            return;
        };
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(crossbeam_channel::TryRecvError::Empty) => return,
            Err(crossbeam_channel::TryRecvError::Disconnected) => {
                Err("the training thread stopped before it answered".into())
            }
        };
        let path = path.clone();
        self.pending_save = None;
        self.notices
            .push(match result.and_then(|c| c.write(&path).map(|()| c.step)) {
                Ok(step) => Notice {
                    text: format!("saved the model of step {step} to {}", path.display()),
                    is_error: false,
                },
                Err(e) => Notice {
                    text: format!("save model: {e}"),
                    is_error: true,
                },
            });
    }

    /// Whether a Save model is waiting for the worker.
    pub fn save_pending(&self) -> bool {
        self.pending_save.is_some()
    }

    fn poll_compare(&mut self) {
        if self.pending_compare.is_some() && self.status == RunStatus::Paused {
            if let Some(other) = self.pending_compare.take() {
                self.request_compare(other);
            }
        }
        if let Some((_, rx)) = &self.pending_fork
            && let Ok(result) = rx.try_recv()
        {
            self.pending_fork = None;
            let backend = (
                self.view.backend_name.clone(),
                self.view.backend_reason.clone(),
            );
            match result.and_then(|forks| CompareRun::start(forks, backend, &self.notify)) {
                Ok(run) => self.compare = Some(run),
                Err(e) => self.notices.push(Notice {
                    text: format!("compare: {e}"),
                    is_error: true,
                }),
            }
        }
        if let Some(c) = &mut self.compare {
            c.poll();
        }
    }

    /// Whether a comparison is being prepared (forks requested, not yet arrived).
    pub fn compare_pending(&self) -> bool {
        self.pending_fork.is_some() || self.pending_compare.is_some()
    }

    /// Start time and point count of the t-SNE layout being computed, if any.
    pub fn tsne_running(&self) -> Option<(Instant, usize)> {
        self.tsne.as_ref().and_then(TsneJob::running)
    }

    pub fn tsne_busy(&self) -> bool {
        self.tsne.as_ref().is_some_and(TsneJob::is_busy)
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Started {
                backend_name,
                backend_reason,
                raw_baseline,
                untrained,
            } => {
                self.view.backend_name = backend_name;
                self.view.backend_reason = backend_reason;
                self.view.raw_baseline = Some(raw_baseline);
                self.view.evals.push(untrained);
                // A run loaded from a checkpoint starts trained: its first point is no baseline.
                self.view.step = untrained.step;
                self.view.start_step = untrained.step;
                if untrained.step == 0 {
                    self.view.untrained = Some(untrained);
                }
                if self.status == RunStatus::Starting {
                    self.status = RunStatus::Paused;
                }
            }
            Event::BatchTrained(stats) => {
                self.view.step = stats.step;
                self.view.history.push(stats);
            }
            Event::HeldOutEmbedded(held_out) => {
                if held_out.eval {
                    self.view.held_out = Some(Arc::clone(&held_out));
                }
                // The first point (step 0, or the step a loaded model starts at) comes with
                // `Started`.
                if held_out.eval
                    && held_out.step > self.view.start_step
                    && let Some(eval) = &self.eval
                    && !eval.request(Arc::clone(&held_out), self.active_config.seed)
                {
                    log::debug!(
                        "evaluation of step {} dropped: the job is behind",
                        held_out.step
                    );
                }
                if held_out.tsne {
                    self.request_tsne(&held_out);
                }
            }
            Event::Paused { step } => {
                if step < self.view.step && self.view.history.last().is_some_and(|h| h.step > step)
                {
                    // The worker rolled a broken update back: its points are not the run's.
                    self.drop_after(step);
                }
                self.view.step = self.view.step.max(step);
                if self.status == RunStatus::Running {
                    self.status = RunStatus::Paused;
                }
            }
            Event::Resumed => self.status = RunStatus::Running,
            Event::BackendChanged {
                backend_name,
                backend_reason,
                step,
                why,
            } => {
                // The steps after the mirrored model are trained again on the new backend.
                self.drop_after(step);
                self.notices.push(Notice {
                    text: format!(
                        "{backend_reason} ({why}): training goes on with {backend_name} from step {step}."
                    ),
                    is_error: true,
                });
                self.view.backend_name = backend_name;
                self.view.backend_reason = backend_reason;
            }
            Event::Failed(text) => {
                if self.status == RunStatus::Running {
                    self.status = RunStatus::Paused;
                }
                if self.worker.as_ref().is_some_and(|w| !w.is_alive()) {
                    self.status = RunStatus::Stopped;
                }
                self.notices.push(Notice {
                    text,
                    is_error: true,
                });
            }
        }
    }

    /// Applies a session's configuration with a Reset; on an error nothing changes.
    fn open_session(&mut self, path: &std::path::Path, config: Result<TrainConfig, String>) {
        let notice = match config {
            Ok(config) => {
                self.settings.tsne = config.tsne;
                self.settings.config = config;
                self.restart_worker();
                Notice {
                    text: format!("opened {}", path.display()),
                    is_error: false,
                }
            }
            Err(e) => Notice {
                text: format!("open session: {e} (nothing was loaded)"),
                is_error: true,
            },
        };
        self.notices.push(notice);
    }

    /// Starts a run from a checkpoint once it has proven to fit; on an error nothing changes.
    fn load_model(&mut self, path: &std::path::Path, checkpoint: Result<Checkpoint, String>) {
        let checked = checkpoint.and_then(|c| {
            let data = self.check_model(path, &c)?;
            Ok((c, data))
        });
        let notice = match checked {
            Ok((checkpoint, data)) => {
                self.data = data;
                self.data_source = checkpoint.config.data.clone();
                self.settings.tsne = checkpoint.config.tsne;
                self.settings.config = checkpoint.config.clone();
                let step = checkpoint.step;
                self.restart_worker_from(Some(checkpoint));
                Notice {
                    text: format!("loaded the model of step {step} from {}", path.display()),
                    is_error: false,
                }
            }
            Err(e) => Notice {
                text: format!("load model: {e} (nothing was loaded)"),
                is_error: true,
            },
        };
        self.notices.push(notice);
    }

    /// Loads a checkpoint's data and tries its model on a CPU trainer, all before anything of
    /// the current run changes; returns the data.
    fn check_model(
        &self,
        path: &std::path::Path,
        checkpoint: &Checkpoint,
    ) -> Result<Arc<Dataset>, String> {
        let data = if checkpoint.config.data == self.data_source {
            Arc::clone(&self.data)
        } else {
            let (data, _) = checkpoint
                .config
                .data
                .load()
                .map_err(|e| format!("its data: {e}"))?;
            Arc::new(data)
        };
        let mut trial = Trainer::new(
            checkpoint.config.clone(),
            Arc::clone(&data),
            &crate::training::Backend::cpu("checking a model"),
        )
        .map_err(|e| e.to_string())?;
        trial
            .load_checkpoint(checkpoint)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(data)
    }

    /// Forgets what the run did after `step` (it is trained again): curves, queued
    /// evaluations (a fresh job) and the shown batch.
    fn drop_after(&mut self, step: u64) {
        self.view.history.retain(|h| h.step <= step);
        self.view.evals.retain(|e| e.step <= step);
        self.view.step = step;
        if self.view.batch.as_ref().is_some_and(|b| b.step > step) {
            self.view.batch = None;
        }
        self.eval = EvalJob::spawn(Arc::clone(&self.notify)).ok();
    }

    fn request_tsne(&mut self, held_out: &HeldOutEmbedding) {
        if let Some(job) = &self.tsne {
            self.view.tsne_pending_step = Some(held_out.step);
            job.request(TsneRequest {
                step: held_out.step,
                points: held_out.embeddings.clone(),
                d: held_out.d,
                labels: held_out.labels.clone(),
                rows: held_out.rows.clone(),
                settings: self.settings.tsne,
            });
        }
    }

    /// Stops the worker (on exit). Returns whether it stopped within `timeout`.
    pub fn shutdown(&mut self, timeout: Duration) -> bool {
        self.stop_compare();
        self.worker.take().is_none_or(|mut w| w.shutdown(timeout))
    }
}
