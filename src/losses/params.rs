//! Loss and miner configuration: serde-(de)serialisable enums with PML parameter names.
//!
//! Defaults follow pytorch-metric-learning (PML) 2.9.0 unless PML's default only makes sense for
//! a *distance* (then the cosine-similarity value used by the golden vectors is the default; this
//! is stated on the field). All decisions are in **similarity** (cosine) form: larger is closer.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::compose::{MiningRule, WeightingRule};
use super::error::{LossError, finite, in_range, non_negative, positive};

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

/// Binomial deviance, MS-paper form (GPW.md §3.5); no PML reference.
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

/// A loss and its hyper-parameters. Serialised with an inner `"name"` tag, e.g.
/// `{"name": "multi_similarity", "alpha": 2, "beta": 50, "base": 0.5}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Loss {
    /// PML `ContrastiveLoss`.
    Contrastive(ContrastiveParams),
    /// PML `TripletMarginLoss`.
    TripletMargin(TripletMarginParams),
    /// PML `LiftedStructureLoss`.
    LiftedStructure(LiftedParams),
    /// PML `GeneralizedLiftedStructureLoss`.
    GeneralizedLiftedStructure(LiftedParams),
    /// PML `NPairsLoss`.
    NPairs(NPairsParams),
    /// PML `MultiSimilarityLoss`.
    MultiSimilarity(MultiSimilarityParams),
    /// PML `CircleLoss` (weights are PML's detached ones, not the gradient of the value).
    Circle(CircleParams),
    /// PML `HistogramLoss`.
    Histogram(HistogramParams),
    /// Binomial deviance (MS-paper form).
    BinomialDeviance(BinomialParams),
    /// Free combination of a mining rule and a weighting rule (GPW.md §3.10).
    Composed {
        /// Which pairs are kept.
        mining: MiningRule,
        /// How much each kept pair counts.
        weighting: WeightingRule,
    },
}

impl Default for Loss {
    fn default() -> Self {
        Loss::MultiSimilarity(MultiSimilarityParams::default())
    }
}

impl Loss {
    /// PML-style snake-case name (`"multi_similarity"`, …; `"composed"` for the composer).
    pub fn name(&self) -> &'static str {
        match self {
            Loss::Contrastive(_) => "contrastive",
            Loss::TripletMargin(_) => "triplet_margin",
            Loss::LiftedStructure(_) => "lifted_structure",
            Loss::GeneralizedLiftedStructure(_) => "generalized_lifted_structure",
            Loss::NPairs(_) => "n_pairs",
            Loss::MultiSimilarity(_) => "multi_similarity",
            Loss::Circle(_) => "circle",
            Loss::Histogram(_) => "histogram",
            Loss::BinomialDeviance(_) => "binomial_deviance",
            Loss::Composed { .. } => "composed",
        }
    }

    /// Default-parameter instances of every built-in loss (the composer excluded).
    pub fn presets() -> Vec<Loss> {
        vec![
            Loss::Contrastive(Default::default()),
            Loss::TripletMargin(Default::default()),
            Loss::LiftedStructure(Default::default()),
            Loss::GeneralizedLiftedStructure(Default::default()),
            Loss::NPairs(Default::default()),
            Loss::MultiSimilarity(Default::default()),
            Loss::Circle(Default::default()),
            Loss::Histogram(Default::default()),
            Loss::BinomialDeviance(Default::default()),
        ]
    }

    /// Whether [`super::PairOutput::weights`] is the exact derivative of
    /// [`super::PairOutput::loss`] w.r.t. `S` (mining held fixed). False for circle-type
    /// weighting, whose α factors are detached.
    pub fn weights_are_gradient(&self) -> bool {
        match self {
            Loss::Circle(_) => false,
            Loss::Composed { weighting, .. } => weighting.weights_are_gradient(),
            _ => true,
        }
    }

    /// Check every hyper-parameter.
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            Loss::Contrastive(p) => {
                finite("pos_margin", p.pos_margin)?;
                finite("neg_margin", p.neg_margin)
            }
            Loss::TripletMargin(p) => {
                finite("margin", p.margin)?;
                if p.swap {
                    return Err(LossError::InvalidParam {
                        param: "swap",
                        reason: "only false is supported".into(),
                    });
                }
                Ok(())
            }
            Loss::LiftedStructure(p) | Loss::GeneralizedLiftedStructure(p) => {
                finite("neg_margin", p.neg_margin)?;
                finite("pos_margin", p.pos_margin)
            }
            Loss::NPairs(_) => Ok(()),
            Loss::MultiSimilarity(p) => {
                positive("alpha", p.alpha)?;
                positive("beta", p.beta)?;
                finite("base", p.base)
            }
            Loss::Circle(p) => {
                in_range("m", p.m, 0.0, 1.0)?;
                positive("gamma", p.gamma)
            }
            Loss::Histogram(p) => {
                if (1..=100_000).contains(&p.n_bins) {
                    Ok(())
                } else {
                    Err(LossError::InvalidParam {
                        param: "n_bins",
                        reason: format!("must be in [1, 100000] (got {})", p.n_bins),
                    })
                }
            }
            Loss::BinomialDeviance(p) => {
                positive("alpha", p.alpha)?;
                positive("beta", p.beta)?;
                finite("base", p.base)
            }
            Loss::Composed { mining, weighting } => {
                mining.validate()?;
                weighting.validate()
            }
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loss::Contrastive(p) => write!(
                f,
                "contrastive (pos_margin = {}, neg_margin = {})",
                p.pos_margin, p.neg_margin
            ),
            Loss::TripletMargin(p) => write!(
                f,
                "triplet margin (margin = {}{})",
                p.margin,
                if p.smooth_loss { ", smooth" } else { "" }
            ),
            Loss::LiftedStructure(p) => write!(
                f,
                "lifted structure (neg_margin = {}, pos_margin = {})",
                p.neg_margin, p.pos_margin
            ),
            Loss::GeneralizedLiftedStructure(p) => write!(
                f,
                "generalized lifted structure (neg_margin = {}, pos_margin = {})",
                p.neg_margin, p.pos_margin
            ),
            Loss::NPairs(_) => write!(f, "N-pairs"),
            Loss::MultiSimilarity(p) => write!(
                f,
                "multi-similarity (α = {}, β = {}, λ = {})",
                p.alpha, p.beta, p.base
            ),
            Loss::Circle(p) => write!(f, "circle (m = {}, γ = {})", p.m, p.gamma),
            Loss::Histogram(p) => write!(f, "histogram ({} bins)", p.n_bins),
            Loss::BinomialDeviance(p) => write!(
                f,
                "binomial deviance (α = {}, β = {}, λ = {})",
                p.alpha, p.beta, p.base
            ),
            Loss::Composed { mining, weighting } => {
                write!(f, "{}", super::compose::describe(mining, weighting))
            }
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

/// PML `TripletMarginMiner(margin=0.2)`; the triplet type is the [`Miner`] variant.
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
    pub(crate) fn validate(&self) -> Result<(), LossError> {
        positive("cutoff", self.cutoff)?;
        positive("nonzero_loss_cutoff", self.nonzero_loss_cutoff)?;
        if self.nonzero_loss_cutoff <= self.cutoff {
            return Err(LossError::InvalidParam {
                param: "nonzero_loss_cutoff",
                reason: format!(
                    "must be > cutoff {} (got {})",
                    self.cutoff, self.nonzero_loss_cutoff
                ),
            });
        }
        if self.embedding_dim < 2 {
            return Err(LossError::InvalidParam {
                param: "embedding_dim",
                reason: format!("must be >= 2 (got {})", self.embedding_dim),
            });
        }
        Ok(())
    }
}

/// A miner run once on `S` before the loss. Serialised with an inner `"name"` tag, e.g.
/// `{"name": "multi_similarity", "epsilon": 0.1}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Miner {
    /// PML `MultiSimilarityMiner` (pair miner).
    MultiSimilarity(MsMinerParams),
    /// `TripletMarginMiner(type_of_triplets="all")`: `S_ap − S_an <= margin`.
    TripletAll(TripletMinerParams),
    /// `"hard"`: `S_ap − S_an <= margin` and `<= 0`.
    TripletHard(TripletMinerParams),
    /// `"semihard"`: `0 < S_ap − S_an <= margin`.
    TripletSemihard(TripletMinerParams),
    /// `BatchHardMiner()`: hardest positive and hardest negative per anchor.
    BatchHard(BatchHardParams),
    /// PML `PairMarginMiner` (pair miner).
    PairMargin(PairMarginParams),
    /// PML `DistanceWeightedMiner` (random triplet miner).
    DistanceWeighted(DistanceWeightedParams),
}

impl Default for Miner {
    fn default() -> Self {
        Miner::MultiSimilarity(MsMinerParams::default())
    }
}

impl Miner {
    /// PML-style snake-case name, as in the golden files.
    pub fn name(&self) -> &'static str {
        match self {
            Miner::MultiSimilarity(_) => "multi_similarity",
            Miner::TripletAll(_) => "triplet_all",
            Miner::TripletHard(_) => "triplet_hard",
            Miner::TripletSemihard(_) => "triplet_semihard",
            Miner::BatchHard(_) => "batch_hard",
            Miner::PairMargin(_) => "pair_margin",
            Miner::DistanceWeighted(_) => "distance_weighted",
        }
    }

    /// Default-parameter instances of every miner.
    pub fn presets() -> Vec<Miner> {
        vec![
            Miner::MultiSimilarity(Default::default()),
            Miner::TripletAll(Default::default()),
            Miner::TripletHard(Default::default()),
            Miner::TripletSemihard(Default::default()),
            Miner::BatchHard(Default::default()),
            Miner::PairMargin(Default::default()),
            Miner::DistanceWeighted(Default::default()),
        ]
    }

    /// True for miners that output triplets (the pair lists are then their unique `(a, p)` /
    /// `(a, n)`).
    pub fn is_triplet_miner(&self) -> bool {
        !matches!(self, Miner::MultiSimilarity(_) | Miner::PairMargin(_))
    }

    /// Check every hyper-parameter.
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            Miner::MultiSimilarity(p) => non_negative("epsilon", p.epsilon),
            Miner::TripletAll(p) | Miner::TripletHard(p) | Miner::TripletSemihard(p) => {
                finite("margin", p.margin)
            }
            Miner::BatchHard(_) => Ok(()),
            Miner::PairMargin(p) => {
                finite("pos_margin", p.pos_margin)?;
                finite("neg_margin", p.neg_margin)
            }
            Miner::DistanceWeighted(p) => p.validate(),
        }
    }
}

impl fmt::Display for Miner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miner::MultiSimilarity(p) => write!(f, "MS miner (ε = {})", p.epsilon),
            Miner::TripletAll(p) => write!(f, "triplet miner, all (margin = {})", p.margin),
            Miner::TripletHard(p) => write!(f, "triplet miner, hard (margin = {})", p.margin),
            Miner::TripletSemihard(p) => {
                write!(f, "triplet miner, semi-hard (margin = {})", p.margin)
            }
            Miner::BatchHard(_) => write!(f, "batch-hard miner"),
            Miner::PairMargin(p) => write!(
                f,
                "pair-margin miner (pos S < {}, neg S > {})",
                p.pos_margin, p.neg_margin
            ),
            Miner::DistanceWeighted(p) => write!(
                f,
                "distance-weighted miner (cutoff = {}, nonzero_loss_cutoff = {}, seed = {})",
                p.cutoff, p.nonzero_loss_cutoff, p.seed
            ),
        }
    }
}

/// What to evaluate: a loss and an optional miner run before it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossSpec {
    /// The loss.
    pub loss: Loss,
    /// Optional miner; `None` = every valid pair / triplet (PML without a miner).
    #[serde(default)]
    pub miner: Option<Miner>,
}

impl LossSpec {
    /// Loss without a miner.
    pub fn new(loss: Loss) -> Self {
        Self { loss, miner: None }
    }

    /// Loss with a miner.
    pub fn with_miner(loss: Loss, miner: Miner) -> Self {
        Self {
            loss,
            miner: Some(miner),
        }
    }

    /// Check parameters of both parts and that they can be combined.
    pub fn validate(&self) -> Result<(), LossError> {
        self.loss.validate()?;
        if let Some(miner) = &self.miner {
            miner.validate()?;
            if matches!(self.loss, Loss::Composed { .. }) {
                return Err(LossError::Incompatible(
                    "a composed loss has its own mining rule; miner must be none".into(),
                ));
            }
        }
        Ok(())
    }

    /// See [`Loss::weights_are_gradient`].
    pub fn weights_are_gradient(&self) -> bool {
        self.loss.weights_are_gradient()
    }

    /// Names the configuration; for a composed loss the mining × weighting combination, e.g.
    /// `"mining: MS rule (ε = 0.1) × weighting: binomial (α = 2, β = 40, λ = 0.5)"`.
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// Human-readable label, e.g. `"multi-similarity (α = 2, β = 50, λ = 0.5) + MS miner (ε = 0.1)"`.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for LossSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.miner {
            Some(miner) => write!(f, "{} + {}", self.loss, miner),
            None => write!(f, "{}", self.loss),
        }
    }
}
