//! [`evaluate`]: mine once, then the loss value and `G = ∂L/∂S` from the same primitives.

use super::error::LossError;
use super::gram::{normalize_rows_f32, similarity_f32_wide};
use super::mining::{self, Mined};
use super::mining_code::MiningCode;
use super::output::PairOutput;
use super::par;
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

/// One batch evaluated from its embeddings: the f32 similarities and the engine's output.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedBatch {
    /// `S = X̂ X̂ᵀ` of the L2-normalised rows, `m * m` row-major: each cell the f32 sum over k
    /// ascending (as `shaders/batch.wgsl` computes it), held as f64 (exactly; `as f32` gives
    /// the f32 value back).
    pub similarity: Vec<f64>,
    /// [`evaluate`] on `similarity`.
    pub output: PairOutput,
}

/// The batch path from embeddings: L2-normalise the f32 rows, `S = X̂ X̂ᵀ` in f32 (a register-
/// blocked kernel on all cores, stored widened to f64) and [`evaluate`] it. What `pairscope doctor`
/// times and the `losses` bench compares with pytorch-metric-learning's forward + backward.
///
/// # Shapes
/// `emb`: `m * d` row-major, `m = labels.len()`.
///
/// # Errors
/// An `emb` that is not `m * d` long, and every error of [`evaluate`].
pub fn evaluate_embeddings(
    spec: &LossSpec,
    emb: &[f32],
    d: usize,
    labels: &[i64],
) -> Result<EmbeddedBatch, LossError> {
    let m = labels.len();
    if emb.len() != m * d {
        return Err(LossError::EmbeddingShape {
            len: emb.len(),
            expected: m * d,
            m,
            d,
        });
    }
    let x = normalize_rows_f32(emb, m, d);
    let similarity = similarity_f32_wide(&x, m, d);
    let output = evaluate(spec, &similarity, labels)?;
    Ok(EmbeddedBatch { similarity, output })
}

/// `S` in f64 (exact), on all cores for a large batch.
pub fn widen_similarity(sim: &[f32], m: usize) -> Vec<f64> {
    let mut out = vec![0.0; sim.len()];
    if m > 0 {
        par::rows(&mut out, m, m, |first, chunk| {
            for (o, &v) in chunk.iter_mut().zip(&sim[first * m..]) {
                *o = f64::from(v);
            }
        });
    }
    out
}

/// `m * m` similarities, all finite (the rows checked on all cores for a large batch; the
/// first non-finite cell in row-major order is reported).
fn check_input(sim: &[f64], labels: &[i64]) -> Result<(), LossError> {
    let m = labels.len();
    if sim.len() != m * m {
        return Err(LossError::Shape {
            len: sim.len(),
            expected: m * m,
            m,
        });
    }
    let bad = par::map(par::row_ranges(m, m * m), |rows| {
        let cells = rows.start * m..rows.end * m;
        sim[cells.clone()]
            .iter()
            .position(|v| !v.is_finite())
            .map(|k| cells.start + k)
    });
    match bad.into_iter().flatten().next() {
        Some(k) => Err(LossError::NonFinite {
            row: k / m,
            col: k % m,
        }),
        None => Ok(()),
    }
}

/// The kept positive and negative pairs, row-major: the mined ones when a miner (or a composed
/// rule) ran, otherwise the off-diagonal entries with a non-zero weight.
///
/// Each row chunk counts its pairs, the lists are allocated at their final length, and the
/// chunks fill their own parts (on all cores for a large batch): no reallocation, no copy.
fn pair_lists(
    mined: &Mined,
    from_miner: bool,
    w: &[f64],
    labels: &[i64],
) -> (Vec<[usize; 2]>, Vec<[usize; 2]>) {
    let m = labels.len();
    // Row `i`'s codes: the mask's row, or the non-zero weights by label.
    let row_codes = |i: usize, buf: &mut Vec<MiningCode>| {
        buf.clear();
        if from_miner {
            buf.extend_from_slice(&mined.mask[i * m..(i + 1) * m]);
        } else {
            buf.extend(w[i * m..(i + 1) * m].iter().zip(labels).map(|(&g, &y)| {
                if g != 0.0 {
                    MiningCode::kept(y == labels[i])
                } else {
                    MiningCode::SamePair
                }
            }));
            buf[i] = MiningCode::SamePair;
        }
    };
    let ranges = par::row_ranges(m, m * m);
    let counts = par::map(ranges.clone(), |rows| {
        let (mut pos, mut neg, mut buf) = (0, 0, Vec::with_capacity(m));
        for i in rows {
            row_codes(i, &mut buf);
            pos += buf
                .iter()
                .filter(|&&c| c == MiningCode::PositiveKept)
                .count();
            neg += buf
                .iter()
                .filter(|&&c| c == MiningCode::NegativeKept)
                .count();
        }
        (pos, neg)
    });
    let total = |f: fn(&(usize, usize)) -> usize| counts.iter().map(f).sum::<usize>();
    let mut positive_pairs = vec![[0, 0]; total(|c| c.0)];
    let mut negative_pairs = vec![[0, 0]; total(|c| c.1)];
    let mut jobs = Vec::with_capacity(ranges.len());
    let (mut pos_rest, mut neg_rest) = (&mut positive_pairs[..], &mut negative_pairs[..]);
    for (rows, &(np, nn)) in ranges.into_iter().zip(&counts) {
        let (pos, p_tail) = std::mem::take(&mut pos_rest).split_at_mut(np);
        let (neg, n_tail) = std::mem::take(&mut neg_rest).split_at_mut(nn);
        (pos_rest, neg_rest) = (p_tail, n_tail);
        jobs.push((rows, pos, neg));
    }
    par::map(jobs, |(rows, pos, neg)| {
        let (mut pos, mut neg, mut buf) = (pos.iter_mut(), neg.iter_mut(), Vec::with_capacity(m));
        for i in rows {
            row_codes(i, &mut buf);
            for (j, &c) in buf.iter().enumerate() {
                let slot = match c {
                    MiningCode::PositiveKept => pos.next(),
                    MiningCode::NegativeKept => neg.next(),
                    _ => continue,
                };
                *slot.expect("counted") = [i, j];
            }
        }
    });
    (positive_pairs, negative_pairs)
}
