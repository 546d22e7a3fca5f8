//! Hyper-parameters of the losses and miners: serde-(de)serialisable structs with PML parameter
//! names.
//!
//! Defaults follow pytorch-metric-learning (PML) 2.9.0 unless PML's default only makes sense for
//! a *distance* (then the cosine-similarity value used by the golden vectors is the default; this
//! is stated on the field). All decisions are in **similarity** (cosine) form: larger is closer.
//! The valid range of every field is in [`crate::losses::limit`].

use serde::{Deserialize, Serialize};

use super::limits::{CUTOFF, EMBEDDING_DIM, NONZERO_LOSS_CUTOFF};
use crate::losses::error::LossError;

/// PML `ContrastiveLoss` on cosine similarity:
/// `AvgNonZero_P relu(pos_margin − S) + AvgNonZero_N relu(S − neg_margin)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContrastiveParams {
    /// Positive pairs below this similarity are penalised (default 1; PML's 0 is a distance value).
    pub pos_margin: f64,
    /// Negative pairs above this similarity are penalised (default 0.5, as in the golden set).
    pub neg_margin: f64,
}

impl Default for ContrastiveParams {
    fn default() -> Self {
        Self {
            pos_margin: 1.0,
            neg_margin: 0.5,
        }
    }
}

/// PML `TripletMarginLoss`: `AvgNonZero_T relu(S_an − S_ap + margin)` (or `softplus` when
/// `smooth_loss`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TripletMarginParams {
    /// Margin (PML default 0.05).
    pub margin: f64,
    /// PML's anchor swap; only `false` is supported (validation rejects `true`).
    pub swap: bool,
    /// Replace the hinge by `softplus`.
    pub smooth_loss: bool,
}

impl Default for TripletMarginParams {
    fn default() -> Self {
        Self {
            margin: 0.05,
            swap: false,
            smooth_loss: false,
        }
    }
}

/// Margins of PML `LiftedStructureLoss` / `GeneralizedLiftedStructureLoss` (defaults 1 and 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiftedParams {
    /// Subtracted from negative similarities inside the LSE.
    pub neg_margin: f64,
    /// Positive term is `pos_margin − S`.
    pub pos_margin: f64,
}

impl Default for LiftedParams {
    fn default() -> Self {
        Self {
            neg_margin: 1.0,
            pos_margin: 0.0,
        }
    }
}

/// PML `NPairsLoss()` (no parameters, no L2 regulariser).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NPairsParams {}

/// PML `MultiSimilarityLoss(alpha=2, beta=50, base=0.5)` (also used by the binomial deviance
/// loss with its own defaults, see [`BinomialParams`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MultiSimilarityParams {
    /// Scale of the positive term.
    pub alpha: f64,
    /// Scale of the negative term.
    pub beta: f64,
    /// Similarity threshold λ.
    pub base: f64,
}

impl Default for MultiSimilarityParams {
    fn default() -> Self {
        Self {
            alpha: 2.0,
            beta: 50.0,
            base: 0.5,
        }
    }
}

/// PML `CircleLoss(m=0.4, gamma=80)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CircleParams {
    /// Relaxation margin `m` (`O_p = 1 + m`, `O_n = −m`, `Δ_p = 1 − m`, `Δ_n = m`).
    pub m: f64,
    /// Scale γ.
    pub gamma: f64,
}

impl Default for CircleParams {
    fn default() -> Self {
        Self {
            m: 0.4,
            gamma: 80.0,
        }
    }
}

/// PML `HistogramLoss(n_bins=100)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistogramParams {
    /// Number of bins on `[−1, 1]` (`n_bins + 1` nodes, `Δ = 2 / n_bins`).
    pub n_bins: usize,
}

impl Default for HistogramParams {
    fn default() -> Self {
        Self { n_bins: 100 }
    }
}

/// Binomial deviance, MS-paper form (docs/losses.md §3.5); no PML reference.
///
/// `L = (1/m) Σ_i [ (1/|P_i|) Σ_P softplus(α(λ − S)) + (1/|N_i|) Σ_N softplus(β(S − λ)) ]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BinomialParams {
    /// Positive scale α (default 2).
    pub alpha: f64,
    /// Negative scale β (default 40, Deep_Metric / MS repo).
    pub beta: f64,
    /// Threshold λ (default 0.5).
    pub base: f64,
}

impl Default for BinomialParams {
    fn default() -> Self {
        Self {
            alpha: 2.0,
            beta: 40.0,
            base: 0.5,
        }
    }
}

/// PML `MultiSimilarityMiner(epsilon=0.1)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MsMinerParams {
    /// Relative margin ε.
    pub epsilon: f64,
}

impl Default for MsMinerParams {
    fn default() -> Self {
        Self { epsilon: 0.1 }
    }
}

/// PML `TripletMarginMiner(margin=0.2)`; the triplet type is the [`crate::losses::Miner`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TripletMinerParams {
    /// Keep triplets with `S_ap − S_an <= margin`.
    pub margin: f64,
}

impl Default for TripletMinerParams {
    fn default() -> Self {
        Self { margin: 0.2 }
    }
}

/// PML `BatchHardMiner()` (no parameters).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchHardParams {}

/// PML `PairMarginMiner(pos_margin=0.2, neg_margin=0.8)` applied to cosine similarity exactly as
/// PML does: positives with `S < pos_margin`, negatives with `S > neg_margin`. (PML's defaults
/// are distance-minded; with cosine they keep few pairs — set them explicitly.)
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PairMarginParams {
    /// Keep positives with `S < pos_margin`.
    pub pos_margin: f64,
    /// Keep negatives with `S > neg_margin`.
    pub neg_margin: f64,
}

impl Default for PairMarginParams {
    fn default() -> Self {
        Self {
            pos_margin: 0.2,
            neg_margin: 0.8,
        }
    }
}

/// PML `DistanceWeightedMiner(cutoff=0.5, nonzero_loss_cutoff=1.4)` (Wu et al. 2017) on
/// `D = sqrt(2 − 2S)`; one triplet per anchor, negative drawn ∝ `q(D)^{-1}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistanceWeightedParams {
    /// Distances are clamped to `>= cutoff`.
    pub cutoff: f64,
    /// Negatives with `D >= nonzero_loss_cutoff` get probability 0.
    pub nonzero_loss_cutoff: f64,
    /// Embedding dimension `n` in the sphere density (PML reads it from the embeddings; the
    /// engine only sees `S`, so it is a parameter here; default 128).
    pub embedding_dim: usize,
    /// Seed of the ChaCha8 sampler (sampling is deterministic per seed; it cannot reproduce
    /// torch's random stream).
    pub seed: u64,
}

impl Default for DistanceWeightedParams {
    fn default() -> Self {
        Self {
            cutoff: 0.5,
            nonzero_loss_cutoff: 1.4,
            embedding_dim: 128,
            seed: 0,
        }
    }
}

impl DistanceWeightedParams {
    /// Check every field ([`crate::losses::limit`]) and that `nonzero_loss_cutoff > cutoff`.
    pub(crate) fn validate(&self) -> Result<(), LossError> {
        CUTOFF.check(self.cutoff)?;
        NONZERO_LOSS_CUTOFF.check(self.nonzero_loss_cutoff)?;
        if self.nonzero_loss_cutoff <= self.cutoff {
            return Err(LossError::InvalidParam {
                param: "nonzero_loss_cutoff",
                reason: format!(
                    "must be > cutoff {} (got {})",
                    self.cutoff, self.nonzero_loss_cutoff
                ),
            });
        }
        EMBEDDING_DIM.check_count(self.embedding_dim)
    }
}
