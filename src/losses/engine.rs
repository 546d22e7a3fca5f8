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
    Ok(evaluate_checked(spec, sim, labels))
}

/// [`evaluate`] on a valid spec and an `m × m` matrix of finite similarities.
fn evaluate_checked(spec: &LossSpec, sim: &[f64], labels: &[i64]) -> PairOutput {
    let m = labels.len();
    let (mined, from_miner) = match (&spec.loss, &spec.miner) {
        (Loss::Composed { mining, .. }, _) => (mining.mine(sim, labels), true),
        (_, Some(miner)) => (miner.mine(sim, labels), true),
        (_, None) => (Mined::from_mask(mining::all_pairs(labels)), false),
    };
    let mut w = par::filled(m * m, 0.0);
    let cx = Ctx {
        sim,
        labels,
        m,
        mined: &mined,
        nonzero: std::sync::OnceLock::new(),
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
    let (positive_pairs, negative_pairs) = match cx.nonzero.into_inner() {
        Some(cells) if !from_miner => lists_from_cells(&cells, labels),
        _ => pair_lists(&mined, from_miner, &w, labels),
    };
    let triplets = if from_miner { mined.triplets } else { None };
    PairOutput {
        loss,
        weights: w,
        positive_pairs,
        negative_pairs,
        triplets,
        per_pair_loss,
    }
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
    // Finite rows normalise to rows of norm ≤ 1 (or zeros), whose dot products are finite: S
    // needs no second look. Otherwise `evaluate` finds and reports S's first non-finite cell.
    let output = if emb.iter().all(|v| v.is_finite()) {
        spec.validate()?;
        evaluate_checked(spec, &similarity, labels)
    } else {
        evaluate(spec, &similarity, labels)?
    };
    Ok(EmbeddedBatch { similarity, output })
}

/// `S` in f64 (exact), on all cores for a large batch.
pub fn widen_similarity(sim: &[f32], m: usize) -> Vec<f64> {
    let mut out = par::filled(sim.len(), 0.0);
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

/// The pairs at the given flat cell indices (ascending, off-diagonal), split by label: what
/// [`pair_lists`] finds when these are exactly the cells with a non-zero weight.
fn lists_from_cells(cells: &[usize], labels: &[i64]) -> (Vec<[usize; 2]>, Vec<[usize; 2]>) {
    let m = labels.len();
    cells
        .iter()
        .map(|&k| [k / m, k % m])
        .partition(|&[i, j]| labels[i] == labels[j])
}

/// The kept positive and negative pairs, row-major: the mined ones when a miner (or a composed
/// rule) ran, otherwise the off-diagonal entries with a non-zero weight.
///
/// Each row chunk counts its pairs, the lists are allocated at their final length, and the
/// chunks fill their own parts (on all cores for a large batch): no reallocation, no copy.
pub(super) fn pair_lists(
    mined: &Mined,
    from_miner: bool,
    w: &[f64],
    labels: &[i64],
) -> (Vec<[usize; 2]>, Vec<[usize; 2]>) {
    let m = labels.len();
    let ranges = par::row_ranges(m, m * m);
    let counts = par::map(ranges.clone(), |rows| {
        rows.map(|i| kept_counts((mined, from_miner, w, labels), i))
            .fold((0, 0), |(p, n), (rp, rn)| (p + rp, n + rn))
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
        let (mut pos, mut neg) = (pos.iter_mut(), neg.iter_mut());
        for i in rows {
            kept_in_row((mined, from_miner, w, labels), i, |j, positive| {
                let slot = if positive { pos.next() } else { neg.next() };
                *slot.expect("counted") = [i, j];
            });
        }
    });
    (positive_pairs, negative_pairs)
}

/// The engine's inputs for the pair lists: the mining, whether a miner ran, `G`, the labels.
type ListInputs<'a> = (&'a Mined, bool, &'a [f64], &'a [i64]);

/// How many positive and negative pairs row `i` keeps (branch-free loops the compiler
/// vectorises: this scan of every cell is what the lists cost).
fn kept_counts((mined, from_miner, w, labels): ListInputs, i: usize) -> (usize, usize) {
    let m = labels.len();
    if from_miner {
        let (pos_code, neg_code) = (
            MiningCode::PositiveKept as u8,
            MiningCode::NegativeKept as u8,
        );
        // u32 lanes (a row has far fewer than 2³² cells) vectorise where usize ones barely do.
        let (mut pos, mut neg) = (0u32, 0u32);
        for &c in &mined.mask[i * m..(i + 1) * m] {
            pos += u32::from(c as u8 == pos_code);
            neg += u32::from(c as u8 == neg_code);
        }
        return (pos as usize, neg as usize);
    }
    let (yi, wrow) = (labels[i], &w[i * m..(i + 1) * m]);
    let (mut pos, mut neg) = (0, 0);
    for (&g, &y) in wrow.iter().zip(labels) {
        let (nz, same) = (usize::from(g != 0.0), usize::from(y == yi));
        pos += nz & same;
        neg += nz & (1 - same);
    }
    // The diagonal is never a pair (its weight is 0; discounted should a loss leave one).
    (pos - usize::from(wrow[i] != 0.0), neg)
}

/// Row `i`'s kept pairs in column order, `f(j, positive)` for each: the mask's row when a miner
/// ran, otherwise the non-zero off-diagonal weights by label. Blocks of 16 cells without a
/// kept pair are skipped with one vectorised test.
#[inline(always)]
fn kept_in_row(
    (mined, from_miner, w, labels): ListInputs,
    i: usize,
    mut f: impl FnMut(usize, bool),
) {
    const BLOCK: usize = 16;
    let m = labels.len();
    if from_miner {
        let mrow = &mined.mask[i * m..(i + 1) * m];
        for (b, block) in mrow.chunks(BLOCK).enumerate() {
            if !block.iter().fold(false, |any, c| any | c.is_kept()) {
                continue;
            }
            for (l, &c) in block.iter().enumerate() {
                if c.is_kept() {
                    f(b * BLOCK + l, c == MiningCode::PositiveKept);
                }
            }
        }
    } else {
        let wrow = &w[i * m..(i + 1) * m];
        for (b, block) in wrow.chunks(BLOCK).enumerate() {
            if !block.iter().fold(false, |any, &g| any | (g != 0.0)) {
                continue;
            }
            for (l, &g) in block.iter().enumerate() {
                let j = b * BLOCK + l;
                if g != 0.0 && j != i {
                    f(j, labels[j] == labels[i]);
                }
            }
        }
    }
}
