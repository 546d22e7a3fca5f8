//! The worker protocol: imperative [`Command`]s in, past-tense [`Event`]s out, through bounded
//! channels of these sizes.

use std::sync::Arc;

use crossbeam_channel::Sender;
use thiserror::Error;

use crate::losses::LossSpec;
use crate::metrics::Retrieval;
use crate::training::backend::BackendInfo;
use crate::training::checkpoint::Checkpoint;
use crate::training::trainer::{EvalPoint, StepStats, TrainError, Trainer};
use crate::training::warnings::Warning;

/// Commands that can wait in the queue; one more is refused with [`SendError::Full`].
pub const COMMAND_QUEUE: usize = 64;
/// Events that can wait for the UI; the worker then waits (never past a stop request).
pub const EVENT_QUEUE: usize = 4096;

/// How the worker tells the UI that something changed (e.g. `egui::Context::request_repaint`).
pub type Notify = Box<dyn Fn() + Send + 'static>;

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
        reply: Sender<Result<Vec<Trainer>, TrainError>>,
    },
    /// Reply with a checkpoint of the current model.
    Checkpoint {
        reply: Sender<Result<Checkpoint, TrainError>>,
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

impl Command {
    /// The command's name, for messages about it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Play => "Play",
            Self::Pause => "Pause",
            Self::Step => "Step",
            Self::SetLoss(_) => "SetLoss",
            Self::SetLearningRate(_) => "SetLearningRate",
            Self::Freeze(_) => "Freeze",
            Self::SetSpeed(_) => "SetSpeed",
            Self::Fork { .. } => "Fork",
            Self::Checkpoint { .. } => "Checkpoint",
            Self::SetTsneOnTraining(_) => "SetTsneOnTraining",
            Self::Shutdown => "Shutdown",
            Self::SimulateDeviceLost => "SimulateDeviceLost",
            Self::SimulatePanic => "SimulatePanic",
        }
    }
}

/// Why [`WorkerHandle::send`](super::WorkerHandle::send) did not queue a command: never silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SendError {
    /// [`COMMAND_QUEUE`] commands are already waiting (the worker is stuck in a long step).
    #[error(
        "the training thread is not keeping up ({queue} commands waiting): {0} was not sent; \
         try again",
        queue = COMMAND_QUEUE
    )]
    Full(&'static str),
    /// The thread has ended (after a failure or a shutdown).
    #[error("the training thread has stopped: {0} was not sent")]
    Stopped(&'static str),
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
        backend: BackendInfo,
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
    /// A pathology of the run has started (`training::warnings`; after a divergence this
    /// follows its `Failed`).
    Warning(Warning),
    /// The training device failed (a lost GPU adapter) and training goes on with `backend`
    /// from the model of `step` (steps after it are trained again).
    BackendChanged {
        backend: BackendInfo,
        step: u64,
        /// What failed (the panic's message).
        why: String,
    },
}
