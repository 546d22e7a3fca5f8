//! The named training thread. It owns the [`Trainer`] (burn model and Adam state); the UI sends
//! imperative [`Command`]s and receives past-tense [`Event`]s through bounded channels. The
//! latest batch, which can be large (m² floats), goes through a latest-value slot instead.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{
    Receiver, RecvTimeoutError, SendTimeoutError, Sender, TryRecvError, bounded,
};
use parking_lot::Mutex;

use super::backend::{Backend, select};
use super::checkpoint::Checkpoint;
use super::config::TrainConfig;
use super::trainer::{BatchSnapshot, EvalPoint, StepStats, TrainError, Trainer};
use crate::data::Dataset;
use crate::losses::LossSpec;
use crate::metrics::Retrieval;

/// What the UI asks the worker to do.
#[derive(Clone)]
pub enum Command {
    /// Train continuously.
    Play,
    Pause,
    /// Train exactly one mini-batch, then pause.
    Step,
    SetLoss(LossSpec),
    SetLearningRate(f64),
    /// Repeat the last batch for the next `k` steps (0 unfreezes).
    Freeze(u32),
    /// While playing, train at most this many batches per second (`None`: as fast as possible).
    SetSpeed(Option<f64>),
    /// Reply with one fork of the current run per loss (same weights, same batches to come).
    Fork {
        losses: Vec<LossSpec>,
        reply: Sender<Result<Vec<Trainer>, String>>,
    },
    /// Reply with a checkpoint of the current model.
    Checkpoint {
        reply: Sender<Result<Checkpoint, String>>,
    },
    /// t-SNE of the training rows (`true`) instead of the held-out rows.
    SetTsneOnTraining(bool),
    /// Finish now; the thread exits.
    Shutdown,
    /// Test hook: the next step fails as if the wgpu device had been lost.
    #[doc(hidden)]
    SimulateDeviceLost,
    /// Test hook: the next step panics (a bug in a step on the CPU backend).
    #[doc(hidden)]
    SimulatePanic,
}

/// Embeddings of a set of data set rows (the held-out rows, or the training rows for a
/// t-SNE of the training set), for the metrics and t-SNE jobs.
#[derive(Debug, Clone)]
pub struct HeldOutEmbedding {
    pub step: u64,
    /// Whether this step is also due for a t-SNE layout of these points.
    pub tsne: bool,
    /// The held-out rows (evaluate them); `false` for training rows sent for t-SNE only.
    pub eval: bool,
    /// Data set rows, ascending.
    pub rows: Vec<usize>,
    /// `[n, d]` unit rows.
    pub embeddings: Vec<f32>,
    pub d: usize,
    pub labels: Vec<u32>,
}

/// What happened in the worker.
#[derive(Debug, Clone)]
pub enum Event {
    /// The worker is up: its backend and the held-out baselines (raw inputs, untrained network).
    Started {
        backend_name: String,
        backend_reason: String,
        raw_baseline: Retrieval,
        untrained: EvalPoint,
    },
    /// One batch trained (the batch itself is in the latest-batch slot).
    BatchTrained(StepStats),
    /// Held-out embeddings every `eval_every` steps: the app computes the metrics on a job, so
    /// that evaluation never slows training down.
    HeldOutEmbedded(Arc<HeldOutEmbedding>),
    /// Training stopped after `step` (a Pause or the end of a Step).
    Paused {
        step: u64,
    },
    Resumed,
    /// Something went wrong; training is paused and the model kept as it was.
    Failed(String),
    /// The training device failed (a lost GPU adapter) and training goes on with another
    /// backend from the model of `step` (steps after it are trained again).
    BackendChanged {
        backend_name: String,
        backend_reason: String,
        step: u64,
        why: String,
    },
}

/// The UI side of a running worker.
pub struct WorkerHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    latest_batch: Arc<Mutex<Option<Arc<BatchSnapshot>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How the worker tells the UI that something changed (e.g. `egui::Context::request_repaint`).
pub type Notify = Box<dyn Fn() + Send + 'static>;

/// What a worker starts from.
enum Start {
    Fresh(Box<TrainConfig>),
    /// A fresh run of the checkpoint's configuration that loads its model.
    Checkpoint(Box<Checkpoint>),
    Fork {
        trainer: Box<Trainer>,
        backend_name: String,
        backend_reason: String,
    },
}

struct Worker {
    start: parking_lot::Mutex<Option<Start>>,
    tsne_on_training: AtomicBool,
    config: TrainConfig,
    data: Arc<Dataset>,
    commands: Receiver<Command>,
    events: Sender<Event>,
    latest_batch: Arc<Mutex<Option<Arc<BatchSnapshot>>>>,
    stop: Arc<AtomicBool>,
    notify: Notify,
}

impl WorkerHandle {
    /// Starts a worker thread named `pairscope-train` for `config` on `data`.
    pub fn spawn(config: TrainConfig, data: Arc<Dataset>, notify: Notify) -> std::io::Result<Self> {
        Self::spawn_start(Start::Fresh(Box::new(config.clone())), config, data, notify)
    }

    /// A worker that starts from a saved model (its configuration and weights), paused. A
    /// checkpoint that does not fit the data is reported as [`Event::Failed`].
    pub fn spawn_checkpoint(
        checkpoint: Checkpoint,
        data: Arc<Dataset>,
        notify: Notify,
    ) -> std::io::Result<Self> {
        let config = checkpoint.config.clone();
        Self::spawn_start(
            Start::Checkpoint(Box::new(checkpoint)),
            config,
            data,
            notify,
        )
    }

    /// A worker that continues `trainer` (a [`Trainer::fork`]), paused.
    pub fn spawn_fork(
        trainer: Trainer,
        backend_name: String,
        backend_reason: String,
        notify: Notify,
    ) -> std::io::Result<Self> {
        let config = trainer.config().clone();
        let data = Arc::clone(trainer.data());
        Self::spawn_start(
            Start::Fork {
                trainer: Box::new(trainer),
                backend_name,
                backend_reason,
            },
            config,
            data,
            notify,
        )
    }

    fn spawn_start(
        start: Start,
        config: TrainConfig,
        data: Arc<Dataset>,
        notify: Notify,
    ) -> std::io::Result<Self> {
        let (command_tx, command_rx) = bounded(64);
        let (event_tx, event_rx) = bounded(4096);
        let latest_batch = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            start: parking_lot::Mutex::new(Some(start)),
            tsne_on_training: AtomicBool::new(false),
            config,
            data,
            commands: command_rx,
            events: event_tx,
            latest_batch: Arc::clone(&latest_batch),
            stop: Arc::clone(&stop),
            notify,
        };
        let thread = std::thread::Builder::new()
            .name("pairscope-train".into())
            .spawn(move || worker.run())?;
        Ok(Self {
            commands: command_tx,
            events: event_rx,
            latest_batch,
            stop,
            thread: Some(thread),
        })
    }

    /// Queues a command; a worker that has gone away is reported by [`Self::is_alive`].
    pub fn send(&self, command: Command) {
        let _ = self.commands.try_send(command);
    }

    /// Events that arrived since the last call (never blocks).
    pub fn drain_events(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// The most recent trained batch, if any.
    pub fn latest_batch(&self) -> Option<Arc<BatchSnapshot>> {
        self.latest_batch.lock().clone()
    }

    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Asks the thread to stop and waits at most `timeout` for it. Returns whether it stopped.
    pub fn shutdown(&mut self, timeout: Duration) -> bool {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.commands.try_send(Command::Shutdown);
        let Some(thread) = self.thread.take() else {
            return true;
        };
        let deadline = Instant::now() + timeout;
        while !thread.is_finished() {
            if Instant::now() >= deadline {
                // Leave it detached: it exits at its next check of `stop`.
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        thread.join().is_ok()
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.shutdown(Duration::from_secs(2));
    }
}

/// What the UI shows for a failed step; a divergence says how to go on.
fn failure_text(e: &TrainError) -> String {
    match e {
        TrainError::Diverged { .. } => {
            format!("{e}. Training paused: lower the learning rate and train on, or Reset.")
        }
        e => e.to_string(),
    }
}

/// A copy of the model is kept this often (in steps), so that a lost GPU costs at most this
/// many steps.
pub const MIRROR_EVERY: u64 = 200;

/// Turns a caught panic payload into its message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

impl Worker {
    fn run(self) {
        let events = self.events.clone();
        let notify_failed = |msg: String| {
            let _ = events.try_send(Event::Failed(msg));
        };
        match catch_unwind(AssertUnwindSafe(|| self.run_inner())) {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => notify_failed(msg),
            Err(payload) => notify_failed(format!(
                "training thread panicked: {}",
                panic_message(&*payload)
            )),
        }
    }

    /// Sends an event, waiting while the UI catches up but never past a stop request.
    fn emit(&self, event: Event) -> bool {
        let mut event = event;
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return false;
            }
            match self.events.send_timeout(event, Duration::from_millis(20)) {
                Ok(()) => {
                    (self.notify)();
                    return true;
                }
                Err(SendTimeoutError::Timeout(e)) => event = e,
                Err(SendTimeoutError::Disconnected(_)) => return false,
            }
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn run_inner(&self) -> Result<(), String> {
        let start = self
            .start
            .lock()
            .take()
            .ok_or("the worker was started twice")?;
        let (mut trainer, backend_name, backend_reason) = match start {
            Start::Fresh(config) => {
                let backend: Backend = select(config.backend);
                let trainer = Trainer::new(*config, Arc::clone(&self.data), &backend)
                    .map_err(|e| e.to_string())?;
                (trainer, backend.name, backend.reason)
            }
            Start::Checkpoint(checkpoint) => {
                let backend: Backend = select(checkpoint.config.backend);
                let mut trainer =
                    Trainer::new(checkpoint.config.clone(), Arc::clone(&self.data), &backend)
                        .map_err(|e| e.to_string())?;
                trainer
                    .load_checkpoint(&checkpoint)
                    .map_err(|e| format!("load model: {e}"))?;
                (trainer, backend.name, backend.reason)
            }
            Start::Fork {
                trainer,
                backend_name,
                backend_reason,
            } => (*trainer, backend_name, backend_reason),
        };
        if self.stopping() {
            return Ok(());
        }
        let mut on_gpu = backend_name.starts_with("wgpu");
        let mut simulate_lost = false;
        let mut simulate_panic = false;
        // The model as of the last MIRROR_EVERY steps, in host memory, with the batch
        // position: what training continues from if the GPU is lost (a lost device cannot be
        // read).
        let mut mirror = trainer.resume_point().map_err(|e| e.to_string())?;
        let untrained = trainer.evaluate().map_err(|e| e.to_string())?;
        let raw_baseline = trainer.raw_baseline();
        self.emit(Event::Started {
            backend_name: backend_name.clone(),
            backend_reason: backend_reason.clone(),
            raw_baseline,
            untrained,
        });
        self.send_held_out(&trainer, true)
            .map_err(|e| e.to_string())?;

        let mut running = false;
        let mut pending_steps = 0_u32;
        let mut speed: Option<f64> = None;
        let mut next_at = Instant::now();
        loop {
            if self.stopping() {
                return Ok(());
            }
            let busy = running || pending_steps > 0;
            // Slow motion: while playing at a set speed, wait for the next batch's time slot
            // (still answering commands).
            let wait = (running && pending_steps == 0)
                .then(|| next_at.saturating_duration_since(Instant::now()))
                .filter(|d| !d.is_zero());
            let command = if let Some(wait) = wait {
                match self
                    .commands
                    .recv_timeout(wait.min(Duration::from_millis(50)))
                {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            } else if busy {
                match self.commands.try_recv() {
                    Ok(c) => Some(c),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return Ok(()),
                }
            } else {
                match self.commands.recv_timeout(Duration::from_millis(50)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
            };
            match command {
                Some(Command::Shutdown) => return Ok(()),
                Some(Command::SimulateDeviceLost) => simulate_lost = true,
                Some(Command::SimulatePanic) => simulate_panic = true,
                Some(Command::Play) => {
                    if !running {
                        running = true;
                        self.emit(Event::Resumed);
                    }
                }
                Some(Command::Pause) => {
                    pending_steps = 0;
                    if running {
                        running = false;
                        self.emit(Event::Paused {
                            step: trainer.step_count(),
                        });
                    }
                }
                Some(Command::Step) => {
                    if !running {
                        pending_steps += 1;
                    }
                }
                Some(Command::SetLoss(spec)) => {
                    if let Err(e) = trainer.set_loss(spec) {
                        self.emit(Event::Failed(e.to_string()));
                    }
                }
                Some(Command::SetLearningRate(lr)) => {
                    if let Err(e) = trainer.set_learning_rate(lr) {
                        self.emit(Event::Failed(e.to_string()));
                    }
                }
                Some(Command::Freeze(k)) => trainer.freeze(k),
                Some(Command::SetTsneOnTraining(on)) => {
                    self.tsne_on_training.store(on, Ordering::Relaxed);
                }
                Some(Command::SetSpeed(s)) => {
                    speed = s.filter(|v| v.is_finite() && *v > 0.0);
                    next_at = Instant::now();
                }
                Some(Command::Checkpoint { reply }) => {
                    let _ = reply.try_send(trainer.checkpoint().map_err(|e| e.to_string()));
                }
                Some(Command::Fork { losses, reply }) => {
                    let forks: Result<Vec<Trainer>, String> = losses
                        .into_iter()
                        .map(|l| trainer.fork(l).map_err(|e| e.to_string()))
                        .collect();
                    let _ = reply.try_send(forks);
                }
                None => {}
            }
            if !(running || pending_steps > 0) {
                continue;
            }
            if pending_steps == 0 && Instant::now() < next_at {
                continue;
            }
            if let Some(bps) = speed {
                next_at = Instant::now() + Duration::from_secs_f64(1.0 / bps);
            }
            let simulated = std::mem::take(&mut simulate_lost);
            let simulated_panic = std::mem::take(&mut simulate_panic);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                if simulated {
                    panic!("device lost (simulated)");
                }
                if simulated_panic {
                    panic!("a bug (simulated)");
                }
                trainer.step()
            }));
            let result = match outcome {
                Ok(r) => r,
                Err(payload) if on_gpu || simulated => {
                    // A lost device surfaces as a panic in burn-wgpu; any GPU failure is met
                    // the same way: continue on the CPU from the host-side copy.
                    let why = panic_message(&*payload);
                    let failed_at = trainer.step_count() + 1;
                    let reason = format!("training on the GPU failed at step {failed_at}");
                    trainer = trainer
                        .resume_on(&Backend::cpu(reason.clone()), &mirror)
                        .map_err(|e| {
                            format!("{reason} ({why}) and the CPU fallback failed: {e}")
                        })?;
                    on_gpu = false;
                    *self.latest_batch.lock() = None;
                    self.emit(Event::BackendChanged {
                        backend_name: "cpu (burn flex)".into(),
                        backend_reason: reason,
                        step: trainer.step_count(),
                        why,
                    });
                    continue;
                }
                Err(payload) => {
                    // The trainer only replaces its model after a whole step: it is intact.
                    running = false;
                    pending_steps = 0;
                    self.fail_paused(
                        format!(
                            "training step {} panicked: {}. Training paused with the model of step {}; Reset starts afresh.",
                            trainer.step_count() + 1,
                            panic_message(&*payload),
                            trainer.step_count()
                        ),
                        trainer.step_count(),
                    );
                    continue;
                }
            };
            match result {
                Ok(batch) => {
                    let stats = StepStats {
                        step: batch.step,
                        loss: batch.loss,
                        positive_pairs: batch.positive_pairs,
                        negative_pairs: batch.negative_pairs,
                    };
                    *self.latest_batch.lock() = Some(Arc::new(batch));
                    self.emit(Event::BatchTrained(stats));
                }
                Err(e) => {
                    running = false;
                    pending_steps = 0;
                    self.fail_paused(failure_text(&e), trainer.step_count());
                    continue;
                }
            }
            let step = trainer.step_count();
            if step % MIRROR_EVERY == 0 {
                mirror = trainer.resume_point().map_err(|e| e.to_string())?;
            }
            let tsne = step % self.config.tsne_every == 0;
            if (tsne || step % self.config.eval_every == 0)
                && let Err(e) = self.send_held_out(&trainer, tsne)
            {
                running = false;
                pending_steps = 0;
                // The last update broke the held-out embeddings: undo it.
                if matches!(e, TrainError::Diverged { .. }) && trainer.roll_back().is_some() {
                    *self.latest_batch.lock() = None;
                }
                self.fail_paused(failure_text(&e), trainer.step_count());
                continue;
            }
            if pending_steps > 0 {
                pending_steps -= 1;
                if pending_steps == 0 && !running {
                    self.emit(Event::Paused { step });
                }
            }
        }
    }

    /// Reports a failure once and that training paused at `step`.
    fn fail_paused(&self, text: String, step: u64) {
        self.emit(Event::Failed(text));
        self.emit(Event::Paused { step });
    }

    fn send_held_out(&self, trainer: &Trainer, tsne: bool) -> Result<(), TrainError> {
        let (embeddings, labels) = trainer.embed_held_out()?;
        let on_training = self.tsne_on_training.load(Ordering::Relaxed);
        self.emit(Event::HeldOutEmbedded(Arc::new(HeldOutEmbedding {
            step: trainer.step_count(),
            tsne: tsne && !on_training,
            eval: true,
            rows: trainer.split().held_out.clone(),
            embeddings,
            d: trainer.config().embedding_dim,
            labels,
        })));
        if tsne && on_training {
            let rows = trainer.split().train.clone();
            let embeddings = trainer.embed(&rows)?;
            self.emit(Event::HeldOutEmbedded(Arc::new(HeldOutEmbedding {
                step: trainer.step_count(),
                tsne: true,
                eval: false,
                labels: trainer.data().gather_labels(&rows),
                rows,
                embeddings,
                d: trainer.config().embedding_dim,
            })));
        }
        Ok(())
    }
}
