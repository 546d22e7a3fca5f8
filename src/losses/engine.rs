//! [`evaluate`]: mine once, then the loss value and `G = ∂L/∂S` from the same primitives.

use super::error::LossError;
use super::mining::{self, Mined};
use super::mining_code::MiningCode;
use super::output::PairOutput;
use super::pml::{self, Ctx};
use super::spec::{Loss, LossSpec};

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
    check_input(sim, labels)?;
    let m = labels.len();
    let (mined, from_miner) = match (&spec.loss, &spec.miner) {
        (Loss::Composed { mining, .. }, _) => (mining.mine(sim, labels), true),
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
    let (positive_pairs, negative_pairs) = pair_lists(&mined, from_miner, &w, labels);
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

/// `m * m` similarities, all finite.
fn check_input(sim: &[f64], labels: &[i64]) -> Result<(), LossError> {
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
    Ok(())
}

/// The kept positive and negative pairs, row-major: the mined ones when a miner (or a composed
/// rule) ran, otherwise the off-diagonal entries with a non-zero weight.
fn pair_lists(
    mined: &Mined,
    from_miner: bool,
    w: &[f64],
    labels: &[i64],
) -> (Vec<[usize; 2]>, Vec<[usize; 2]>) {
    let m = labels.len();
    let (mut positive_pairs, mut negative_pairs) = (Vec::new(), Vec::new());
    for i in 0..m {
        for j in 0..m {
            let k = i * m + j;
            let code = if from_miner {
                mined.mask[k]
            } else if w[k] != 0.0 && i != j {
                MiningCode::kept(labels[i] == labels[j])
            } else {
                continue;
            };
            match code {
                MiningCode::PositiveKept => positive_pairs.push([i, j]),
                MiningCode::NegativeKept => negative_pairs.push([i, j]),
                _ => {}
            }
        }
    }
    (positive_pairs, negative_pairs)
}
