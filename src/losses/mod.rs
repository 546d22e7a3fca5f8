//! Pair-based deep-metric-learning losses as **mining × weighting** (GPW.md).
//!
//! The engine works on a cosine-similarity matrix `S` (row `i` = anchor) and integer labels.
//! [`evaluate`] mines once, then computes the loss value and `G = ∂L/∂S` from the same
//! numerically stable primitives. The classic losses follow pytorch-metric-learning 2.9.0
//! semantics exactly (checked against the golden vectors in `tests/golden/`); the
//! [`Loss::Composed`] variant combines any [`MiningRule`] with any [`WeightingRule`].
//!
//! Only `std`, `serde`, `serde_json`, `thiserror` and `rand` are used here.

pub mod case;
mod compose;
mod error;
pub mod explain;
mod geometry;
mod mining;
mod numeric;
mod params;
mod pml;

pub use case::{Case, CaseError, case_json, output_json, parse_case};
pub use compose::{MiningRule, WeightingRule, describe};
pub use error::LossError;
pub use geometry::{cosine_similarity, embedding_grad, embedding_grad_raw, normalize_rows};
pub use params::{
    BatchHardParams, BinomialParams, CircleParams, ContrastiveParams, DistanceWeightedParams,
    HistogramParams, LiftedParams, Loss, LossSpec, Miner, MsMinerParams, MultiSimilarityParams,
    NPairsParams, PairMarginParams, TripletMarginParams, TripletMinerParams,
};

use mining::{Mined, NEG, POS};
use pml::Ctx;

/// Result of [`evaluate`].
///
/// # Shapes
/// `weights` and `per_pair_loss` are `m * m` row-major (`m` = number of labels).
#[derive(Debug, Clone, PartialEq)]
pub struct PairOutput {
    /// Reduced loss value.
    pub loss: f64,
    /// `G[i][j] = ∂L/∂S[i][j]` (signed: `<= 0` on positives, `>= 0` on negatives), diagonal 0.
    /// For circle-type weighting these are PML's detached weights (see
    /// [`Loss::weights_are_gradient`]).
    pub weights: Vec<f64>,
    /// Ordered `(anchor, other)` positive pairs, sorted and unique: the mined ones when a miner
    /// (or a composed mining rule) is used — for triplet miners the unique `(a, p)` — otherwise
    /// the entries with non-zero weight.
    pub positive_pairs: Vec<[usize; 2]>,
    /// Negative pairs, same conventions.
    pub negative_pairs: Vec<[usize; 2]>,
    /// Mined triplets `(a, p, n)`, sorted, for triplet miners.
    pub triplets: Option<Vec<[usize; 3]>>,
    /// Unreduced per-pair term for losses that have one (contrastive, binomial, composed
    /// uniform / violation / binomial), `0` for pairs without a role.
    pub per_pair_loss: Option<Vec<f64>>,
}

impl PairOutput {
    /// Batch size `m` (from the length of `weights`).
    pub fn m(&self) -> usize {
        self.weights.len().isqrt()
    }
}

/// Evaluate `spec` on a similarity matrix.
///
/// # Shapes
/// `sim`: `m * m` row-major cosine similarities (row = anchor); `labels`: `m` class ids.
///
/// # Errors
/// Invalid parameters, a miner combined with a composed loss, a size mismatch or a non-finite
/// similarity.
pub fn evaluate(spec: &LossSpec, sim: &[f64], labels: &[i64]) -> Result<PairOutput, LossError> {
    spec.validate()?;
    let m = labels.len();
    if sim.len() != m * m {
        return Err(LossError::Shape {
            len: sim.len(),
            expected: m * m,
            m,
        });
    }
    if let Some(k) = sim.iter().position(|v| !v.is_finite()) {
        return Err(LossError::NonFinite {
            row: k / m,
            col: k % m,
        });
    }
    let (mined, from_miner) = match (&spec.loss, &spec.miner) {
        (Loss::Composed { mining, .. }, _) => (compose::mine(mining, sim, labels), true),
        (_, Some(miner)) => (miner.mine(sim, labels), true),
        (_, None) => (Mined::from_mask(mining::all_pairs(labels)), false),
    };
    let mut w = vec![0.0; m * m];
    let cx = Ctx {
        sim,
        labels,
        m,
        mined: &mined,
    };
    let (loss, per_pair_loss) = if m == 0 {
        (0.0, None)
    } else {
        match &spec.loss {
            Loss::Contrastive(p) => pml::contrastive(p, &cx, &mut w),
            Loss::TripletMargin(p) => pml::triplet_margin(p, &cx, &mut w),
            Loss::LiftedStructure(p) => pml::lifted_structure(p, &cx, &mut w),
            Loss::GeneralizedLiftedStructure(p) => pml::generalized_lifted(p, &cx, &mut w),
            Loss::NPairs(_) => pml::n_pairs(&cx, &mut w),
            Loss::MultiSimilarity(p) => pml::multi_similarity(p, &cx, &mut w),
            Loss::Circle(p) => pml::circle(p, &cx, &mut w),
            Loss::Histogram(p) => pml::histogram(p, &cx, &mut w),
            Loss::BinomialDeviance(p) => pml::binomial(p, &cx, &mut w),
            Loss::Composed { weighting, .. } => weighting.apply(&cx, &mut w),
        }
    };
    let (mut positive_pairs, mut negative_pairs) = (Vec::new(), Vec::new());
    for i in 0..m {
        for j in 0..m {
            let k = i * m + j;
            let kind = if from_miner {
                mined.mask[k]
            } else if w[k] != 0.0 && i != j {
                if labels[i] == labels[j] { POS } else { NEG }
            } else {
                continue;
            };
            match kind {
                POS => positive_pairs.push([i, j]),
                NEG => negative_pairs.push([i, j]),
                _ => {}
            }
        }
    }
    let triplets = if from_miner { mined.triplets } else { None };
    Ok(PairOutput {
        loss,
        weights: w,
        positive_pairs,
        negative_pairs,
        triplets,
        per_pair_loss,
    })
}
