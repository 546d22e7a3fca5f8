//! What a trained step leaves behind for the UI, the curves and the figures.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::losses::{LossSpec, MiningCode};
use crate::metrics::Retrieval;

static NEXT_BATCH_ID: AtomicU64 = AtomicU64::new(1);

/// A batch id never used before in this process.
pub(super) fn next_batch_id() -> u64 {
    NEXT_BATCH_ID.fetch_add(1, Ordering::Relaxed)
}

/// Everything the UI shows about one trained batch (taken before the update).
///
/// # Shapes
/// `embeddings`: `[m, d]` unit rows; `similarity`, `weights`, `mining`: `[m, m]` row-major.
#[derive(Debug, Clone)]
pub struct BatchSnapshot {
    /// Unique in the process (steps restart at 1 after a Reset; views key their caches on this).
    pub id: u64,
    /// Steps completed *after* this batch (1 for the first batch).
    pub step: u64,
    pub rows: Vec<usize>,
    pub labels: Vec<u32>,
    pub embeddings: Vec<f32>,
    pub d: usize,
    pub similarity: Vec<f32>,
    /// `G = ∂L/∂S` (signed).
    pub weights: Vec<f32>,
    /// The mining decision of each cell (converted to `u32` only where uploaded to the GPU).
    pub mining: Vec<MiningCode>,
    pub loss: f64,
    pub positive_pairs: usize,
    pub negative_pairs: usize,
    pub loss_name: String,
    /// The loss specification that produced `weights` (the GPU pipeline re-derives them).
    pub spec: LossSpec,
    /// Unreduced per-pair loss term, for losses that have one.
    pub pair_loss: Option<Vec<f32>>,
    /// `[m, d]` embeddings of the same rows right after the update (batches up to
    /// [`AFTER_MAX_M`]).
    pub after_embeddings: Option<Vec<f32>>,
    /// This batch repeats the previous one (freeze).
    pub frozen: bool,
    /// The learning rate of the update.
    pub learning_rate: f64,
}

/// Largest batch whose after-update embeddings are recorded.
pub const AFTER_MAX_M: usize = 1024;

impl BatchSnapshot {
    pub fn m(&self) -> usize {
        self.labels.len()
    }

    /// The numbers the curves plot for this batch.
    pub fn stats(&self) -> StepStats {
        StepStats {
            step: self.step,
            loss: self.loss,
            positive_pairs: self.positive_pairs,
            negative_pairs: self.negative_pairs,
        }
    }

    /// Largest |w| in the batch (the weight colour scale).
    pub fn max_weight(&self) -> f32 {
        self.weights.iter().fold(0.0_f32, |a, w| a.max(w.abs()))
    }

    /// Largest per-pair loss (0 when the loss has no per-pair term).
    pub fn max_pair_loss(&self) -> f32 {
        self.pair_loss
            .as_ref()
            .map_or(0.0, |l| l.iter().fold(0.0_f32, |a, &v| a.max(v)))
    }
}

/// Per-step numbers for the curves.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct StepStats {
    pub step: u64,
    pub loss: f64,
    pub positive_pairs: usize,
    pub negative_pairs: usize,
}

/// Held-out metrics at one step.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EvalPoint {
    pub step: u64,
    pub metrics: Retrieval,
}
