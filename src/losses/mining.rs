//! Miners: which ordered pairs / triplets a loss sees (docs/losses.md §4, golden README).
//!
//! Pair sets are kept as an `m × m` mask of [`MiningCode`]s (one byte per cell: the diagonal,
//! kept or dropped positives and negatives) so that losses scan rows of flat slices without any
//! per-pair allocation or hashing.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::mining_code::MiningCode;
use super::par;
use super::spec::{DistanceWeightedParams, Miner};

/// The outcome of mining.
///
/// # Shapes
/// `mask`: `m * m` row-major; `triplets`: sorted `(a, p, n)` for triplet miners.
#[derive(Debug, Clone)]
pub(crate) struct Mined {
    pub(crate) mask: Vec<MiningCode>,
    pub(crate) triplets: Option<Vec<[usize; 3]>>,
}

impl Mined {
    pub(crate) fn from_mask(mask: Vec<MiningCode>) -> Self {
        Self {
            mask,
            triplets: None,
        }
    }

    pub(crate) fn from_triplets(labels: &[i64], triplets: Vec<[usize; 3]>) -> Self {
        Self {
            mask: mask_from_triplets(labels, &triplets),
            triplets: Some(triplets),
        }
    }
}

/// Every off-diagonal cell marked `same` (same label) or `other`, the diagonal `SamePair`.
///
/// Each row is filled with `other`, then its class's columns are patched: the indices are
/// sorted by label once so that a class is one run. That is an `m²`-byte fill plus
/// `O(m log m + Σ_c n_c²)` work instead of `m²` label comparisons, on all cores for a large
/// batch.
fn by_label(labels: &[i64], same: MiningCode, other: MiningCode) -> Vec<MiningCode> {
    let m = labels.len();
    let mut mask = par::filled(m * m, other);
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by_key(|&i| labels[i]);
    let mut class_of = vec![0..0; m];
    let mut start = 0;
    for class in order.chunk_by(|&a, &b| labels[a] == labels[b]) {
        for &i in class {
            class_of[i] = start..start + class.len();
        }
        start += class.len();
    }
    par::rows(&mut mask, m, m, |first, chunk| {
        for (r, row) in chunk.chunks_exact_mut(m).enumerate() {
            let i = first + r;
            for &j in &order[class_of[i].clone()] {
                row[j] = same;
            }
            row[i] = MiningCode::SamePair;
        }
    });
    mask
}

/// Every valid pair kept: `PositiveKept` for same label (`i != j`), `NegativeKept` for
/// different labels.
pub(crate) fn all_pairs(labels: &[i64]) -> Vec<MiningCode> {
    by_label(labels, MiningCode::PositiveKept, MiningCode::NegativeKept)
}

/// Every valid pair dropped (the starting point of the selective rules).
fn no_pairs(labels: &[i64]) -> Vec<MiningCode> {
    by_label(
        labels,
        MiningCode::PositiveDropped,
        MiningCode::NegativeDropped,
    )
}

/// Unique `(a, p)` / `(a, n)` pairs of a triplet list kept, every other pair dropped.
pub(crate) fn mask_from_triplets(labels: &[i64], triplets: &[[usize; 3]]) -> Vec<MiningCode> {
    let m = labels.len();
    let mut mask = no_pairs(labels);
    for &[a, p, n] in triplets {
        mask[a * m + p] = MiningCode::PositiveKept;
        mask[a * m + n] = MiningCode::NegativeKept;
    }
    mask
}

/// MS rule (PML `MultiSimilarityMiner`): for anchors with a positive and a negative keep
/// `(a, p)` iff `S_ap − ε < max_N S_an` and `(a, n)` iff `S_an + ε > min_P S_ap` (strict).
/// Rows are independent: on all cores for a large batch, every cell written once.
pub(crate) fn multi_similarity(sim: &[f64], labels: &[i64], epsilon: f64) -> Vec<MiningCode> {
    let m = labels.len();
    let mut mask = par::filled(m * m, MiningCode::SamePair);
    par::rows(&mut mask, m, m, |first, chunk| {
        for (r, mrow) in chunk.chunks_exact_mut(m).enumerate() {
            let i = first + r;
            ms_row(&sim[i * m..(i + 1) * m], labels, i, epsilon, mrow);
        }
    });
    mask
}

/// One anchor's row of the MS rule (every cell, the diagonal included).
fn ms_row(srow: &[f64], labels: &[i64], i: usize, epsilon: f64, mrow: &mut [MiningCode]) {
    let yi = labels[i];
    let mut min_pos = f64::INFINITY;
    let mut max_neg = f64::NEG_INFINITY;
    for (j, (&s, &yj)) in srow.iter().zip(labels).enumerate() {
        if j == i {
            continue;
        }
        if yj == yi {
            min_pos = min_pos.min(s);
        } else {
            max_neg = max_neg.max(s);
        }
    }
    // An anchor without a positive or without a negative keeps nothing: with the bounds at
    // ∓∞ the rules below drop every pair (`s − ε < −∞` and `s + ε > +∞` are false).
    if !(min_pos.is_finite() && max_neg.is_finite()) {
        (min_pos, max_neg) = (f64::INFINITY, f64::NEG_INFINITY);
    }
    for ((c, &s), &yj) in mrow.iter_mut().zip(srow).zip(labels) {
        *c = if yj == yi {
            if s - epsilon < max_neg {
                MiningCode::PositiveKept
            } else {
                MiningCode::PositiveDropped
            }
        } else if s + epsilon > min_pos {
            MiningCode::NegativeKept
        } else {
            MiningCode::NegativeDropped
        };
    }
    mrow[i] = MiningCode::SamePair;
}

/// Absolute thresholds (PML `PairMarginMiner` on similarities): positives with
/// `S < pos_below`, negatives with `S > neg_above`.
pub(crate) fn absolute(
    sim: &[f64],
    labels: &[i64],
    pos_below: f64,
    neg_above: f64,
) -> Vec<MiningCode> {
    let m = labels.len();
    let mut mask = all_pairs(labels);
    for (c, &s) in mask.iter_mut().zip(sim) {
        let keep = match *c {
            MiningCode::PositiveKept => s < pos_below,
            MiningCode::NegativeKept => s > neg_above,
            _ => continue,
        };
        if !keep {
            *c = MiningCode::dropped(c.is_positive());
        }
    }
    debug_assert_eq!(mask.len(), m * m);
    mask
}

/// Which triplets `TripletMarginMiner` keeps, with `t = S_ap − S_an`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TripletKind {
    /// `t <= margin`.
    All,
    /// `t <= margin` and `t <= 0`.
    Hard,
    /// `0 < t <= margin`.
    Semihard,
}

/// Fill `pos` / `neg` with the positive / negative indices of anchor `a` among all pairs.
fn split_row(labels: &[i64], a: usize, pos: &mut Vec<usize>, neg: &mut Vec<usize>) {
    pos.clear();
    neg.clear();
    let ya = labels[a];
    for (j, &yj) in labels.iter().enumerate() {
        if j == a {
            continue;
        }
        if yj == ya {
            pos.push(j);
        } else {
            neg.push(j);
        }
    }
}

/// PML `TripletMarginMiner`: all `(a, p, n)` passing the rule, sorted lexicographically.
pub(crate) fn triplet_margin(
    sim: &[f64],
    labels: &[i64],
    margin: f64,
    kind: TripletKind,
) -> Vec<[usize; 3]> {
    let m = labels.len();
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    let mut out = Vec::new();
    for a in 0..m {
        split_row(labels, a, &mut pos, &mut neg);
        let srow = &sim[a * m..(a + 1) * m];
        for &p in &pos {
            let sap = srow[p];
            for &n in &neg {
                let t = sap - srow[n];
                let keep = t <= margin
                    && match kind {
                        TripletKind::All => true,
                        TripletKind::Hard => t <= 0.0,
                        TripletKind::Semihard => t > 0.0,
                    };
                if keep {
                    out.push([a, p, n]);
                }
            }
        }
    }
    out
}

/// `BatchHardMiner`: per anchor with both sides, the lowest-similarity positive and the
/// highest-similarity negative (ties: lowest index). Anchors are independent: on all cores
/// for a large batch, the chunks' triplets concatenated in anchor order.
pub(crate) fn batch_hard(sim: &[f64], labels: &[i64]) -> Vec<[usize; 3]> {
    let m = labels.len();
    let chunks = par::map(par::row_ranges(m, m * m), |rows| {
        rows.filter_map(|a| batch_hard_row(&sim[a * m..(a + 1) * m], labels, a))
            .collect::<Vec<_>>()
    });
    chunks.concat()
}

/// One anchor's batch-hard triplet, if it has both sides: the lowest-similarity positive and
/// the highest-similarity negative, ties to the lowest column (as one left-to-right scan with
/// strict comparisons).
///
/// Two passes instead of one with a branch per cell: the extreme values as integer keys (a
/// min / max reduction the compiler vectorises, which it will not do for floats), then the
/// first column holding each (found a block of 16 cells at a time).
fn batch_hard_row(srow: &[f64], labels: &[i64], a: usize) -> Option<[usize; 3]> {
    let ya = labels[a];
    let (mut lo_p, mut hi_n) = (i64::MAX, i64::MIN);
    for part in [0..a, a + 1..srow.len()] {
        let (lo, hi) = row_extremes(&srow[part.clone()], &labels[part], ya);
        (lo_p, hi_n) = (lo_p.min(lo), hi_n.max(hi));
    }
    Some([
        a,
        first_with_key(srow, labels, (ya, true), lo_p, a)?,
        first_with_key(srow, labels, (ya, false), hi_n, a)?,
    ])
}

/// The first column `j ≠ skip` on the wanted side of label `y` (`positive`: the same label)
/// whose key is `want`. Blocks of 16 cells are tested branch-free first (a vectorised test per
/// block), then the one with a hit is walked.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn first_with_key(
    srow: &[f64],
    labels: &[i64],
    (y, positive): (i64, bool),
    want: i64,
    skip: usize,
) -> Option<usize> {
    const B: usize = 16;
    let n = srow.len().min(labels.len());
    let mut start = 0;
    while start < n {
        let end = (start + B).min(n);
        let mut any = false;
        for j in start..end {
            any |= ((labels[j] == y) == positive) & (order_key(srow[j]) == want);
        }
        if any {
            for j in start..end {
                if j != skip && (labels[j] == y) == positive && order_key(srow[j]) == want {
                    return Some(j);
                }
            }
        }
        start = end;
    }
    None
}

/// An integer with the order of the finite float `s` (`-0.0` and `0.0` the same key, as
/// they compare equal): the sign-magnitude bits turned into two's complement.
#[inline(always)]
fn order_key(s: f64) -> i64 {
    let bits = (s + 0.0).to_bits() as i64;
    bits ^ ((bits >> 63) & i64::MAX)
}

/// The lowest key among `labels == y` and the highest among the rest (`i64::MAX` / `i64::MIN`
/// when a side is empty; a finite S never has those keys).
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn row_extremes(srow: &[f64], labels: &[i64], y: i64) -> (i64, i64) {
    // Eight independent lanes (one vector register of keys), merged at the end.
    const L: usize = 8;
    let (mut lo, mut hi) = ([i64::MAX; L], [i64::MIN; L]);
    let n = srow.len().min(labels.len());
    let full = n - n % L;
    // One cell into lane `l`: its key to the positives' minimum or the negatives' maximum.
    let mut visit = |l: usize, s: f64, same: bool| {
        let k = order_key(s);
        lo[l] = lo[l].min(if same { k } else { i64::MAX });
        hi[l] = hi[l].max(if same { i64::MIN } else { k });
    };
    for (s8, y8) in srow[..full]
        .chunks_exact(L)
        .zip(labels[..full].chunks_exact(L))
    {
        for l in 0..L {
            visit(l, s8[l], y8[l] == y);
        }
    }
    for (&s, &yj) in srow[full..n].iter().zip(&labels[full..n]) {
        visit(0, s, yj == y);
    }
    (
        lo.into_iter().min().unwrap_or(i64::MAX),
        hi.into_iter().max().unwrap_or(i64::MIN),
    )
}

/// Per anchor, the `k_pos` lowest-similarity positives and the `k_neg` highest-similarity
/// negatives (ties: lowest index).
pub(crate) fn top_k(sim: &[f64], labels: &[i64], k_pos: usize, k_neg: usize) -> Vec<MiningCode> {
    let m = labels.len();
    let mut mask = no_pairs(labels);
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for a in 0..m {
        split_row(labels, a, &mut pos, &mut neg);
        let srow = &sim[a * m..(a + 1) * m];
        pos.sort_by(|&x, &y| srow[x].total_cmp(&srow[y]).then(x.cmp(&y)));
        neg.sort_by(|&x, &y| srow[y].total_cmp(&srow[x]).then(x.cmp(&y)));
        let mrow = &mut mask[a * m..(a + 1) * m];
        for &p in pos.iter().take(k_pos) {
            mrow[p] = MiningCode::PositiveKept;
        }
        for &n in neg.iter().take(k_neg) {
            mrow[n] = MiningCode::NegativeKept;
        }
    }
    mask
}

/// PML `DistanceWeightedMiner` with `get_random_triplet_indices(t_per_anchor=1)`: for every
/// anchor with a positive, one uniformly drawn positive and one negative drawn with probability
/// ∝ `q(D)^{-1}` (zero for `D >= nonzero_loss_cutoff`); anchors whose negatives all have weight 0
/// are skipped. The max is subtracted per anchor row (PML: globally), which only avoids
/// underflow. Deterministic for a given seed.
pub(crate) fn distance_weighted(
    sim: &[f64],
    labels: &[i64],
    params: &DistanceWeightedParams,
) -> Vec<[usize; 3]> {
    let m = labels.len();
    let dim = params.embedding_dim as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    let mut logw: Vec<f64> = Vec::new();
    let mut out = Vec::new();
    for a in 0..m {
        split_row(labels, a, &mut pos, &mut neg);
        if pos.is_empty() || neg.is_empty() {
            continue;
        }
        let srow = &sim[a * m..(a + 1) * m];
        logw.clear();
        for &n in &neg {
            let d = (2.0 - 2.0 * srow[n]).max(0.0).sqrt().max(params.cutoff);
            let lw = (2.0 - dim) * d.ln() - ((dim - 3.0) / 2.0) * (1.0 - 0.25 * d * d).ln();
            logw.push(if d < params.nonzero_loss_cutoff && lw.is_finite() {
                lw
            } else {
                f64::NEG_INFINITY
            });
        }
        let mx = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if mx == f64::NEG_INFINITY {
            continue;
        }
        let mut total = 0.0;
        for v in logw.iter_mut() {
            *v = (*v - mx).exp();
            total += *v;
        }
        let p = pos[rng.gen_range(0..pos.len())];
        let mut u = rng.gen_range(0.0..total);
        let mut pick = neg.len() - 1;
        for (k, &w) in logw.iter().enumerate() {
            if w > 0.0 {
                if u < w {
                    pick = k;
                    break;
                }
                u -= w;
            }
        }
        // Guard against rounding leaving `pick` on a zero-weight negative.
        if logw[pick] == 0.0
            && let Some(k) = logw.iter().rposition(|&w| w > 0.0)
        {
            pick = k;
        }
        out.push([a, p, neg[pick]]);
    }
    out
}

impl Miner {
    /// Run the miner on a validated input.
    pub(crate) fn mine(&self, sim: &[f64], labels: &[i64]) -> Mined {
        let triplets =
            |margin, kind| Mined::from_triplets(labels, triplet_margin(sim, labels, margin, kind));
        match self {
            Miner::MultiSimilarity(p) => Mined::from_mask(multi_similarity(sim, labels, p.epsilon)),
            Miner::PairMargin(p) => {
                Mined::from_mask(absolute(sim, labels, p.pos_margin, p.neg_margin))
            }
            Miner::TripletAll(p) => triplets(p.margin, TripletKind::All),
            Miner::TripletHard(p) => triplets(p.margin, TripletKind::Hard),
            Miner::TripletSemihard(p) => triplets(p.margin, TripletKind::Semihard),
            Miner::BatchHard(_) => Mined::from_triplets(labels, batch_hard(sim, labels)),
            Miner::DistanceWeighted(p) => {
                Mined::from_triplets(labels, distance_weighted(sim, labels, p))
            }
        }
    }
}
