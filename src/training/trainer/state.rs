//! The state of one run ([`Trainer`]) and of a resumable position ([`ResumePoint`]); the
//! methods live in `lifecycle.rs` (setting up, forking, saving, evaluating) and `step.rs`
//! (training one batch).

use std::sync::Arc;

use burn::optim::{AdamConfig, ModuleOptimizer};
use burn::tensor::Device;

use crate::data::{Dataset, PkSampler, Split};
use crate::training::checkpoint::Checkpoint;
use crate::training::config::TrainConfig;
use crate::training::model::EmbeddingNet;

/// The state of one run.
pub struct Trainer {
    pub(super) config: TrainConfig,
    pub(super) data: Arc<Dataset>,
    pub(super) split: Split,
    pub(super) sampler: PkSampler,
    pub(super) device: Device,
    pub(super) model: EmbeddingNet,
    pub(super) optim: ModuleOptimizer,
    pub(super) step: u64,
    /// Rows of the last batch, and how many more steps repeat them (freeze).
    pub(super) last_rows: Option<Vec<usize>>,
    pub(super) frozen_left: u32,
    /// The model before the last accepted update and its step, for [`Trainer::roll_back`].
    pub(super) previous: Option<(EmbeddingNet, u64)>,
}

/// Where a run can be resumed on another device: the model (host memory, burn record) and
/// the batch sequence position, taken by [`Trainer::resume_point`].
#[derive(Debug, Clone)]
pub struct ResumePoint {
    pub checkpoint: Checkpoint,
    pub(super) sampler: PkSampler,
    pub(super) last_rows: Option<Vec<usize>>,
    pub(super) frozen_left: u32,
}

/// The optimiser of every run (also what a divergence or a loaded model restarts with).
pub(super) fn adam() -> ModuleOptimizer {
    AdamConfig::new().with_epsilon(1e-8).init()
}
