//! The row-parallel engine against the straightforward single-loop code it replaced (kept here
//! verbatim in spirit: one pass over the cells in row-major order, no chunks), on batches above
//! the parallel threshold. Masks, pair lists, weights and per-pair terms must be identical bit
//! for bit; a loss value summed in another order (contrastive: per chunk, then the chunks)
//! within 1e-12 relative.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::mining_code::MiningCode;
use super::numeric::log1p_sum_exp_softmax;
use super::spec::{ContrastiveParams, Loss, LossSpec, Miner, MultiSimilarityParams};
use super::{LossError, cosine_similarity, evaluate, evaluate_embeddings, similarity_f32};

/// Cell codes by label, the diagonal `SamePair`.
fn by_label(labels: &[i64], same: MiningCode, other: MiningCode) -> Vec<MiningCode> {
    let m = labels.len();
    let mut mask = vec![MiningCode::SamePair; m * m];
    for i in 0..m {
        for j in 0..m {
            if i != j {
                mask[i * m + j] = if labels[i] == labels[j] { same } else { other };
            }
        }
    }
    mask
}

fn ms_miner(sim: &[f64], labels: &[i64], eps: f64) -> Vec<MiningCode> {
    let m = labels.len();
    let mut mask = by_label(
        labels,
        MiningCode::PositiveDropped,
        MiningCode::NegativeDropped,
    );
    for i in 0..m {
        let (mut min_pos, mut max_neg) = (f64::INFINITY, f64::NEG_INFINITY);
        for j in (0..m).filter(|&j| j != i) {
            let s = sim[i * m + j];
            if labels[j] == labels[i] {
                min_pos = min_pos.min(s);
            } else {
                max_neg = max_neg.max(s);
            }
        }
        if !(min_pos.is_finite() && max_neg.is_finite()) {
            continue;
        }
        for j in (0..m).filter(|&j| j != i) {
            let s = sim[i * m + j];
            if labels[j] == labels[i] && s - eps < max_neg {
                mask[i * m + j] = MiningCode::PositiveKept;
            } else if labels[j] != labels[i] && s + eps > min_pos {
                mask[i * m + j] = MiningCode::NegativeKept;
            }
        }
    }
    mask
}

fn ms_loss(p: &MultiSimilarityParams, sim: &[f64], mask: &[MiningCode], w: &mut [f64]) -> f64 {
    let m = mask.len().isqrt();
    let inv_m = 1.0 / m as f64;
    let mut total = 0.0;
    for i in 0..m {
        let side = |code, f: &dyn Fn(f64) -> f64| -> (Vec<usize>, Vec<f64>) {
            (0..m)
                .filter(|&j| mask[i * m + j] == code)
                .map(|j| (j, f(sim[i * m + j])))
                .unzip()
        };
        let (ip, mut zp) = side(MiningCode::PositiveKept, &|s| -p.alpha * (s - p.base));
        let (ineg, mut zn) = side(MiningCode::NegativeKept, &|s| p.beta * (s - p.base));
        total += log1p_sum_exp_softmax(&mut zp) / p.alpha + log1p_sum_exp_softmax(&mut zn) / p.beta;
        for (&j, &q) in ip.iter().zip(&zp) {
            w[i * m + j] = -q * inv_m;
        }
        for (&j, &q) in ineg.iter().zip(&zn) {
            w[i * m + j] = q * inv_m;
        }
    }
    total * inv_m
}

fn contrastive(
    p: &ContrastiveParams,
    sim: &[f64],
    mask: &[MiningCode],
) -> (f64, Vec<f64>, Vec<f64>) {
    let mut t = vec![0.0; sim.len()];
    let (mut sp, mut sn, mut cp, mut cn) = (0.0, 0.0, 0usize, 0usize);
    for k in 0..sim.len() {
        if mask[k] == MiningCode::PositiveKept {
            t[k] = (p.pos_margin - sim[k]).max(0.0);
            if t[k] > 0.0 {
                (sp, cp) = (sp + t[k], cp + 1);
            }
        } else if mask[k] == MiningCode::NegativeKept {
            t[k] = (sim[k] - p.neg_margin).max(0.0);
            if t[k] > 0.0 {
                (sn, cn) = (sn + t[k], cn + 1);
            }
        }
    }
    let (gp, gn) = (1.0 / cp.max(1) as f64, 1.0 / cn.max(1) as f64);
    let w = (0..sim.len())
        .map(|k| match (t[k] > 0.0, mask[k]) {
            (true, MiningCode::PositiveKept) => -gp,
            (true, _) => gn,
            _ => 0.0,
        })
        .collect();
    (sp * gp + sn * gn, w, t)
}

fn batch_hard(sim: &[f64], labels: &[i64]) -> Vec<[usize; 3]> {
    let m = labels.len();
    let mut out = Vec::new();
    for a in 0..m {
        let others = (0..m).filter(|&j| j != a);
        let pos = others
            .clone()
            .filter(|&j| labels[j] == labels[a])
            .min_by(|&x, &y| sim[a * m + x].total_cmp(&sim[a * m + y]).then(x.cmp(&y)));
        let neg = others
            .filter(|&j| labels[j] != labels[a])
            .min_by(|&x, &y| sim[a * m + y].total_cmp(&sim[a * m + x]).then(x.cmp(&y)));
        if let (Some(p), Some(n)) = (pos, neg) {
            out.push([a, p, n]);
        }
    }
    out
}

fn pairs(mask: &[MiningCode], code: MiningCode) -> Vec<[usize; 2]> {
    let m = mask.len().isqrt();
    (0..m * m)
        .filter(|&k| mask[k] == code)
        .map(|k| [k / m, k % m])
        .collect()
}

/// Gaussian rows, `m / k` classes of `k` (one odd class of 1: an anchor without positives).
fn batch(m: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let emb: Vec<f64> = (0..m * 16).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut labels: Vec<i64> = (0..m).map(|i| (i / k) as i64).collect();
    labels[m - 1] = 10_000;
    (cosine_similarity(&emb, m, 16), labels)
}

fn bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

#[test]
fn parallel_engine_equals_the_single_loop_code() {
    for (m, k, seed) in [(301, 4, 1), (333, 8, 2), (600, 3, 3)] {
        let (sim, labels) = batch(m, k, seed);
        let ms = MultiSimilarityParams::default();
        let spec = LossSpec::with_miner(
            Loss::MultiSimilarity(ms),
            Miner::MultiSimilarity(Default::default()),
        );
        let out = evaluate(&spec, &sim, &labels).expect("valid");
        let mask = ms_miner(&sim, &labels, 0.1);
        let mut w = vec![0.0; m * m];
        let loss = ms_loss(&ms, &sim, &mask, &mut w);
        assert_eq!(out.loss.to_bits(), loss.to_bits(), "MS loss, m = {m}");
        assert!(bits(&out.weights, &w), "MS weights, m = {m}");
        assert_eq!(out.positive_pairs, pairs(&mask, MiningCode::PositiveKept));
        assert_eq!(out.negative_pairs, pairs(&mask, MiningCode::NegativeKept));

        let cp = ContrastiveParams::default();
        let out = evaluate(&LossSpec::new(Loss::Contrastive(cp)), &sim, &labels).expect("valid");
        let all = by_label(&labels, MiningCode::PositiveKept, MiningCode::NegativeKept);
        let (loss, w, t) = contrastive(&cp, &sim, &all);
        assert!(
            (out.loss - loss).abs() <= 1e-12 * loss.abs(),
            "contrastive, m = {m}"
        );
        assert!(bits(&out.weights, &w), "contrastive weights, m = {m}");
        assert!(bits(out.per_pair_loss.as_deref().expect("terms"), &t));
        let nonzero = |code| {
            pairs(&all, code)
                .into_iter()
                .filter(|&[i, j]| w[i * m + j] != 0.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(out.positive_pairs, nonzero(MiningCode::PositiveKept));
        assert_eq!(out.negative_pairs, nonzero(MiningCode::NegativeKept));

        let spec = LossSpec::with_miner(
            Loss::TripletMargin(Default::default()),
            Miner::BatchHard(Default::default()),
        );
        let out = evaluate(&spec, &sim, &labels).expect("valid");
        let triplets = batch_hard(&sim, &labels);
        assert_eq!(
            out.triplets.as_ref(),
            Some(&triplets),
            "batch hard, m = {m}"
        );
        assert_eq!(out.positive_pairs.len(), triplets.len());
    }
}

/// The path from embeddings is the f32 Gram product, widened, then `evaluate`.
#[test]
fn embeddings_path_is_s_then_evaluate() {
    let (m, d) = (200, 8);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let emb: Vec<f32> = (0..m * d).map(|_| rng.gen_range(-2.0..2.0)).collect();
    let labels: Vec<i64> = (0..m).map(|i| (i % 25) as i64).collect();
    let spec = LossSpec::with_miner(Loss::default(), Miner::default());
    let got = evaluate_embeddings(&spec, &emb, d, &labels).expect("valid");
    let x = super::normalize_rows_f32(&emb, m, d);
    let s = similarity_f32(&x, m, d);
    let s64: Vec<f64> = s.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(got.similarity, s64);
    assert_eq!(got.output, evaluate(&spec, &s64, &labels).expect("valid"));
    assert!(evaluate_embeddings(&spec, &emb[1..], d, &labels).is_err());
    // A non-finite embedding is reported as S's first non-finite cell, as `evaluate` on S does;
    // huge finite rows (whose squared norm overflows) are not an error.
    // (A NaN row normalises to zeros, an infinite one to NaNs.)
    let mut bad = emb.clone();
    bad[7 * d + 3] = f32::INFINITY;
    let err = evaluate_embeddings(&spec, &bad, d, &labels).err();
    let want = LossError::NonFinite { row: 0, col: 7 }.to_string();
    assert_eq!(err.map(|e| e.to_string()), Some(want));
    bad[7 * d + 3] = f32::NAN;
    let got = evaluate_embeddings(&spec, &bad, d, &labels).expect("a zero row");
    assert!(got.similarity[7 * m..8 * m].iter().all(|&s| s == 0.0));
    assert!(got.output == evaluate(&spec, &got.similarity, &labels).expect("finite"));
    let mut huge = emb.clone();
    huge[5 * d..6 * d].fill(3e38);
    assert!(evaluate_embeddings(&spec, &huge, d, &labels).is_ok());
    let bad_spec = LossSpec::new(Loss::Contrastive(ContrastiveParams {
        pos_margin: f64::NAN,
        ..Default::default()
    }));
    assert!(evaluate_embeddings(&bad_spec, &emb, d, &labels).is_err());
}

/// Contrastive lists its pairs from the cells it weighted; they are the pairs a scan of `G`
/// finds (the non-zero weights by label), with none, some or most negatives active, on one
/// core and on all of them.
#[test]
fn contrastive_pairs_are_the_non_zero_weights() {
    use super::engine::pair_lists;
    use super::mining::{Mined, all_pairs};
    for (m, k, seed) in [(40, 4, 4), (420, 6, 5)] {
        let (sim, labels) = batch(m, k, seed);
        for (pos_margin, neg_margin) in [(1.0, 0.5), (0.2, 0.0), (-1.0, 2.0), (1.0, -1.0)] {
            let spec = LossSpec::new(Loss::Contrastive(ContrastiveParams {
                pos_margin,
                neg_margin,
            }));
            let out = evaluate(&spec, &sim, &labels).expect("valid");
            let scan = pair_lists(
                &Mined::from_mask(all_pairs(&labels)),
                false,
                &out.weights,
                &labels,
            );
            assert_eq!(
                (out.positive_pairs.clone(), out.negative_pairs.clone()),
                scan,
                "m = {m}, margins {pos_margin} / {neg_margin}"
            );
            let nonzero = out.weights.iter().filter(|&&g| g != 0.0).count();
            assert_eq!(nonzero, out.positive_pairs.len() + out.negative_pairs.len());
        }
    }
}

/// Batch-hard on a batch full of ties (similarities from a few values, `-0.0` beside `0.0`):
/// the lowest positive and highest negative, ties to the lowest column, as one left-to-right
/// scan with strict comparisons finds them (`-0.0 == 0.0` there).
#[test]
fn batch_hard_breaks_ties_to_the_lowest_column() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for m in [7, 40, 333] {
        let values = [-0.5, -0.0, 0.0, 0.5, 1.0];
        let sim: Vec<f64> = (0..m * m).map(|_| values[rng.gen_range(0..5)]).collect();
        let labels: Vec<i64> = (0..m).map(|i| (i % 3) as i64).collect();
        let mut want = Vec::new();
        for a in 0..m {
            let (mut p, mut n): (Option<usize>, Option<usize>) = (None, None);
            for j in (0..m).filter(|&j| j != a) {
                let s = sim[a * m + j];
                if labels[j] == labels[a] {
                    if p.is_none_or(|b| s < sim[a * m + b]) {
                        p = Some(j);
                    }
                } else if n.is_none_or(|b| s > sim[a * m + b]) {
                    n = Some(j);
                }
            }
            if let (Some(p), Some(n)) = (p, n) {
                want.push([a, p, n]);
            }
        }
        assert_eq!(super::mining::batch_hard(&sim, &labels), want, "m = {m}");
    }
}
