//! Explanations for the sampled and the unmined cases: distance-weighted sampling, N-pairs,
//! histogram and the losses without a miner.

use super::super::spec::{DistanceWeightedParams, Loss, LossSpec};
use super::facts::{Check, Explanation, PairFacts, Rel, decide, explained, flag};

/// `D = √(2 − 2S)` clamped below at `cutoff`, and the sampler's log-weight `log q(D)^{-1}`
/// (`−∞` = probability 0: `D ≥ nonzero_loss_cutoff`).
fn dw_log_weight(s: f64, p: &DistanceWeightedParams) -> (f64, f64) {
    let dim = p.embedding_dim as f64;
    let d = (2.0 - 2.0 * s).max(0.0).sqrt().max(p.cutoff);
    let lw = (2.0 - dim) * d.ln() - ((dim - 3.0) / 2.0) * (1.0 - 0.25 * d * d).ln();
    let lw = if d < p.nonzero_loss_cutoff && lw.is_finite() {
        lw
    } else {
        f64::NEG_INFINITY
    };
    (d, lw)
}

/// Distance-weighted sampling: per anchor one positive drawn uniformly and one negative drawn
/// with probability ∝ 1/q(D) (0 for `D ≥ nonzero_loss_cutoff`).
pub(super) fn distance_weighted_rule(f: &PairFacts, p: &DistanceWeightedParams) -> Explanation {
    let negs: Vec<(usize, f64, f64)> = f
        .side_of(false)
        .map(|(k, s)| {
            let (d, lw) = dw_log_weight(s, p);
            (k, d, lw)
        })
        .collect();
    let n_pos = f.side_of(true).count();
    let mx = negs.iter().map(|n| n.2).fold(f64::NEG_INFINITY, f64::max);
    if n_pos == 0 || mx == f64::NEG_INFINITY {
        let text = format!(
            "{}: anchor {} is skipped: it has no positive, or every negative has probability 0 (D ≥ {})",
            f.verdict(),
            f.i,
            p.nonzero_loss_cutoff
        );
        let drawable = if n_pos == 0 {
            0
        } else {
            negs.iter().filter(|n| n.2 > f64::NEG_INFINITY).count()
        };
        return explained(
            text,
            vec![
                Check::new(drawable as f64, Rel::Eq, 0.0),
                Check::new(flag(f.kept), Rel::Eq, 0.0),
            ],
        );
    }
    if f.positive() {
        let prob = 1.0 / n_pos as f64;
        let text = format!(
            "{}: the positive is drawn uniformly (seeded) among anchor {}'s {n_pos} positives, probability {prob:.3}",
            f.verdict(),
            f.i
        );
        // Dropped is possible only when the draw had a choice.
        let check = if f.kept {
            Check::new(prob, Rel::Gt, 0.0)
        } else {
            Check::new(prob, Rel::Lt, 1.0)
        };
        return explained(text, vec![check]);
    }
    let total: f64 = negs.iter().map(|n| (n.2 - mx).exp()).sum();
    let (_, d, lw) =
        negs.iter()
            .copied()
            .find(|n| n.0 == f.j)
            .unwrap_or((f.j, 0.0, f64::NEG_INFINITY));
    let prob = (lw - mx).exp() / total;
    let text = format!(
        "{}: D = √(2 − 2S) = {d:.3} (clamped at ≥ {}); the negative is drawn (seeded) with probability proportional to 1/q(D), 0 for D ≥ {}: here {prob:.3}",
        f.verdict(),
        p.cutoff,
        p.nonzero_loss_cutoff
    );
    let checks = if f.kept {
        vec![
            Check::new(d, Rel::Lt, p.nonzero_loss_cutoff),
            Check::new(prob, Rel::Gt, 0.0),
        ]
    } else {
        vec![Check::new(prob, Rel::Lt, 1.0)]
    };
    explained(text, checks)
}

/// N-pairs without a miner: one anchor per class (its first sample with a positive) and that
/// anchor's first positive; the pairs are the anchors × positives block.
fn n_pairs_rule(f: &PairFacts) -> Explanation {
    let m = f.m();
    let mut tuples: Vec<(i64, usize, usize)> = Vec::new();
    for a in 0..m {
        let ya = f.labels[a];
        if tuples.iter().any(|t| t.0 == ya) {
            continue;
        }
        if let Some(p) = (0..m).find(|&k| k != a && f.labels[k] == ya) {
            tuples.push((ya, a, p));
        }
    }
    if tuples.len() < 2 {
        return explained(
            format!(
                "{} (N-pairs): only {} class(es) of the batch have a positive, so the softmax has at most one term: loss and weights are 0",
                f.verdict(),
                tuples.len()
            ),
            vec![
                Check::new(tuples.len() as f64, Rel::Lt, 2.0),
                Check::new(flag(f.kept), Rel::Eq, 0.0),
            ],
        );
    }
    let anchor = tuples.iter().any(|t| t.1 == f.i);
    let positive = tuples.iter().any(|t| t.2 == f.j);
    let text = format!(
        "{} (N-pairs: one anchor per class, its first sample with a positive, against the first positive of every class): row {} is {}an anchor, column {} is {}one of the positives",
        f.verdict(),
        f.i,
        if anchor { "" } else { "not " },
        f.j,
        if positive { "" } else { "not " }
    );
    explained(
        text,
        vec![Check::new(flag(anchor && positive), Rel::Eq, flag(f.kept))],
    )
}

/// The loss has no miner: every pair is a candidate and "kept" means a non-zero weight.
pub(super) fn no_miner_rule(spec: &LossSpec, f: &PairFacts) -> Explanation {
    let s = f.s();
    let w = f.weight.abs();
    let lead = format!(
        "{} (no miner: kept = non-zero weight, w = {w:.3e}): S = {s:.3}",
        f.verdict()
    );
    match &spec.loss {
        Loss::Contrastive(p) => {
            let (text, check) = if f.positive() {
                (
                    format!(
                        "the hinge [pos_margin {} − S]+ is {}",
                        p.pos_margin,
                        if s < p.pos_margin { "active" } else { "0" }
                    ),
                    decide(f.kept, s, Rel::Lt, p.pos_margin),
                )
            } else {
                (
                    format!(
                        "the hinge [S − neg_margin {}]+ is {}",
                        p.neg_margin,
                        if s > p.neg_margin { "active" } else { "0" }
                    ),
                    decide(f.kept, s, Rel::Gt, p.neg_margin),
                )
            };
            explained(format!("{lead}, {text}"), vec![check])
        }
        Loss::NPairs(_) => n_pairs_rule(f),
        Loss::Histogram(_) if f.i > f.j => explained(
            format!(
                "{lead}; the histogram counts each unordered pair once, in the upper triangle: this cell's pair is ({}, {})",
                f.j, f.i
            ),
            vec![
                Check::new(f.i as f64, Rel::Gt, f.j as f64),
                Check::new(flag(f.kept), Rel::Eq, 0.0),
            ],
        ),
        Loss::Histogram(_) => explained(
            format!(
                "{lead}; {}",
                if f.kept {
                    "the pair's bin meets the other side's histogram"
                } else {
                    "w = 0: the other side's histogram is empty where this pair falls (or no anchor of the pair has both sides)"
                }
            ),
            vec![decide(f.kept, w, Rel::Gt, 0.0)],
        ),
        _ => explained(
            format!(
                "{lead}; every pair i ≠ j is in P_i or N_i, and {}",
                if f.kept {
                    "its weight is non-zero"
                } else {
                    "its weight is 0: every term through it is flat at this S (a satisfied hinge, or a zero α factor)"
                }
            ),
            vec![decide(f.kept, w, Rel::Gt, 0.0)],
        ),
    }
}
