//! Issue 16, "every sentence true": the numbers the teaching texts state are held to the engine
//! (`losses::evaluate`), not just checked for presence.
//!
//! * the weighting stage's single-pair curves pass through the engine's weights for pairs that
//!   are alone on their side (every loss with a curve);
//! * every pair explanation's deciding inequalities hold on the numbers it quotes, for kept and
//!   dropped pairs, every miner, every composed mining rule and the no-miner case (N-pairs and
//!   histogram included);
//! * the loss-stage formula, evaluated on the batch, reproduces the engine's loss for every loss
//!   and every miner.

use pairscope::losses::explain::{
    CurveScale, PairFacts, curve_caption, explain_pair_checked, formula, formula_value,
    single_pair_weight,
};
use pairscope::losses::{
    BatchHardParams, BinomialParams, ContrastiveParams, DistanceWeightedParams, HistogramParams,
    Loss, LossSpec, Miner, MiningRule, MsMinerParams, MultiSimilarityParams, PairMarginParams,
    PairOutput, TripletMarginParams, TripletMinerParams, WeightingRule, cosine_similarity,
    evaluate,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded batch: class sizes `sizes` (sorted by class), unit embeddings of dimension 4; with
/// `ties`, the first sample of every class repeats the last one of the class before, and so does
/// every third sample, so that similarities tie exactly and `S_ap − S_an = 0` occurs.
fn batch(seed: u64, sizes: &[usize], ties: bool) -> (Vec<f64>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<i64> = sizes
        .iter()
        .enumerate()
        .flat_map(|(c, &n)| std::iter::repeat_n(c as i64, n))
        .collect();
    let d = 4;
    let m = labels.len();
    // Pull each class towards its own direction so that every miner keeps some pairs and
    // drops others.
    let centres: Vec<f64> = (0..sizes.len() * d)
        .map(|_| rng.gen_range(-1.0..1.0))
        .collect();
    let mut emb: Vec<f64> = (0..m * d)
        .map(|k| centres[labels[k / d] as usize * d + k % d] + rng.gen_range(-0.9..0.9))
        .collect();
    if ties {
        for r in (1..m).filter(|&r| labels[r] != labels[r - 1] || r % 3 == 2) {
            emb.copy_within((r - 1) * d..r * d, r * d);
        }
    }
    (cosine_similarity(&emb, m, d), labels)
}

/// Batch shapes: P×K, classes of two (one positive per anchor), a class with a single
/// negative per anchor, and uneven classes with a singleton (anchors lacking a positive).
const SHAPES: [&[usize]; 4] = [&[3, 3, 3, 3], &[2, 2, 2, 2, 2], &[4, 1], &[1, 3, 2, 4]];

fn batches() -> Vec<(Vec<f64>, Vec<i64>)> {
    (0..12u64)
        .flat_map(|seed| {
            SHAPES
                .iter()
                .flat_map(move |s| [batch(seed, s, false), batch(seed, s, true)])
        })
        .collect()
}

fn losses() -> Vec<Loss> {
    vec![
        Loss::Contrastive(ContrastiveParams {
            pos_margin: 0.8,
            neg_margin: 0.2,
        }),
        Loss::TripletMargin(TripletMarginParams {
            margin: 0.1,
            ..Default::default()
        }),
        Loss::TripletMargin(TripletMarginParams {
            margin: 0.1,
            smooth_loss: true,
            ..Default::default()
        }),
        Loss::LiftedStructure(Default::default()),
        Loss::GeneralizedLiftedStructure(Default::default()),
        Loss::NPairs(Default::default()),
        Loss::MultiSimilarity(MultiSimilarityParams::default()),
        Loss::Circle(Default::default()),
        Loss::Histogram(HistogramParams { n_bins: 10 }),
        Loss::BinomialDeviance(BinomialParams::default()),
    ]
}

fn miners() -> Vec<Option<Miner>> {
    let t = |margin| TripletMinerParams { margin };
    vec![
        None,
        Some(Miner::MultiSimilarity(MsMinerParams { epsilon: 0.1 })),
        Some(Miner::PairMargin(PairMarginParams {
            pos_margin: 0.6,
            neg_margin: 0.1,
        })),
        Some(Miner::TripletAll(t(0.2))),
        Some(Miner::TripletHard(t(0.2))),
        Some(Miner::TripletSemihard(t(0.2))),
        Some(Miner::BatchHard(BatchHardParams {})),
        Some(Miner::DistanceWeighted(DistanceWeightedParams {
            embedding_dim: 4,
            ..Default::default()
        })),
    ]
}

fn mining_rules() -> Vec<MiningRule> {
    vec![
        MiningRule::All,
        MiningRule::Absolute {
            pos_below: 0.6,
            neg_above: 0.1,
        },
        MiningRule::Relative { epsilon: 0.1 },
        MiningRule::TopK { k_pos: 1, k_neg: 1 },
        MiningRule::TopK { k_pos: 2, k_neg: 3 },
        MiningRule::SemiHard { margin: 0.2 },
        MiningRule::DistanceWeighted(DistanceWeightedParams {
            embedding_dim: 4,
            ..Default::default()
        }),
    ]
}

fn weightings() -> Vec<WeightingRule> {
    vec![
        WeightingRule::Uniform,
        WeightingRule::Violation {
            pos_margin: 0.8,
            neg_margin: 0.2,
        },
        WeightingRule::Binomial {
            alpha: 2.0,
            beta: 40.0,
            base: 0.5,
        },
        WeightingRule::Relative { beta: 10.0 },
        WeightingRule::Ms {
            alpha: 2.0,
            beta: 40.0,
            base: 0.5,
        },
        WeightingRule::Circle {
            m: 0.4,
            gamma: 80.0,
        },
    ]
}

/// Every loss with every miner, and every composed rule pair.
fn specs() -> Vec<LossSpec> {
    let mut out = Vec::new();
    for loss in losses() {
        for miner in miners() {
            out.push(match miner {
                Some(miner) => LossSpec::with_miner(loss.clone(), miner),
                None => LossSpec::new(loss.clone()),
            });
        }
    }
    for mining in mining_rules() {
        for weighting in weightings() {
            out.push(LossSpec::new(Loss::Composed {
                mining: mining.clone(),
                weighting,
            }));
        }
    }
    out
}

/// The engine's output, or `None` for a combination the engine refuses.
fn engine(spec: &LossSpec, sim: &[f64], labels: &[i64]) -> Option<PairOutput> {
    evaluate(spec, sim, labels).ok()
}

fn kept(out: &PairOutput, i: usize, j: usize) -> bool {
    out.positive_pairs.binary_search(&[i, j]).is_ok()
        || out.negative_pairs.binary_search(&[i, j]).is_ok()
}

#[test]
fn every_explanation_holds_on_the_numbers_it_quotes() {
    let (mut evaluated, mut kept_seen, mut dropped_seen) = (0, 0, 0);
    for spec in specs() {
        for (sim, labels) in batches() {
            let Some(out) = engine(&spec, &sim, &labels) else {
                continue;
            };
            evaluated += 1;
            let m = labels.len();
            for i in 0..m {
                for j in (0..m).filter(|&j| j != i) {
                    let k = kept(&out, i, j);
                    let facts = PairFacts {
                        sim: &sim,
                        labels: &labels,
                        i,
                        j,
                        kept: k,
                        weight: out.weights[i * m + j],
                    };
                    let ex = explain_pair_checked(&spec, &facts);
                    assert!(
                        !ex.checks.is_empty(),
                        "{}: no check in {:?}",
                        spec.label(),
                        ex.text
                    );
                    for c in &ex.checks {
                        assert!(
                            c.holds(),
                            "{} (labels {labels:?}), pair ({i}, {j}): {:?} is false in {:?}",
                            spec.label(),
                            c,
                            ex.text
                        );
                    }
                    if k {
                        kept_seen += 1;
                    } else {
                        dropped_seen += 1;
                    }
                }
            }
        }
    }
    // Every combination above is valid, and the batches exercise both verdicts.
    assert_eq!(evaluated, specs().len() * batches().len());
    assert!(
        kept_seen > 1000 && dropped_seen > 1000,
        "{kept_seen} / {dropped_seen}"
    );
}

#[test]
fn the_loss_formula_evaluated_on_the_batch_is_the_engines_loss() {
    for spec in specs() {
        for (sim, labels) in batches() {
            let Some(out) = engine(&spec, &sim, &labels) else {
                continue;
            };
            let shown = formula_value(&spec, &sim, &labels, &out);
            assert!(
                (shown - out.loss).abs() <= 1e-9 * out.loss.abs().max(1.0),
                "{} (labels {labels:?}): formula {shown} vs engine {} — {}",
                spec.label(),
                out.loss,
                formula(&spec)
            );
        }
    }
}

/// The losses whose weighting stage draws a single-pair curve, with and without mining.
fn curve_specs() -> Vec<LossSpec> {
    let ms_miner = Miner::MultiSimilarity(MsMinerParams { epsilon: 0.1 });
    let mut out = vec![
        LossSpec::new(Loss::MultiSimilarity(MultiSimilarityParams::default())),
        LossSpec::with_miner(
            Loss::MultiSimilarity(MultiSimilarityParams::default()),
            ms_miner.clone(),
        ),
        LossSpec::new(Loss::BinomialDeviance(BinomialParams::default())),
        LossSpec::with_miner(Loss::BinomialDeviance(BinomialParams::default()), ms_miner),
        LossSpec::new(Loss::Contrastive(ContrastiveParams {
            pos_margin: 0.8,
            neg_margin: 0.2,
        })),
    ];
    for mining in [MiningRule::All, MiningRule::Relative { epsilon: 0.1 }] {
        // The relative softmax and circle rules have no single-pair curve.
        for weighting in weightings().into_iter().filter(|w| {
            !matches!(
                w,
                WeightingRule::Relative { .. } | WeightingRule::Circle { .. }
            )
        }) {
            out.push(LossSpec::new(Loss::Composed {
                mining: mining.clone(),
                weighting,
            }));
        }
    }
    out
}

#[test]
fn single_pair_curves_pass_through_the_engines_weights() {
    for spec in curve_specs() {
        let (mut on_curve, mut with_curve) = (0, 0);
        for (sim, labels) in batches() {
            let out = engine(&spec, &sim, &labels).expect("valid");
            let m = labels.len();
            let count = |pairs: &[[usize; 2]], i| pairs.iter().filter(|p| p[0] == i).count();
            let active = |pairs: &[[usize; 2]]| {
                pairs
                    .iter()
                    .filter(|&&[i, j]| out.weights[i * m + j] != 0.0)
                    .count()
            };
            for (pairs, positive) in [(&out.positive_pairs, true), (&out.negative_pairs, false)] {
                for &[i, j] in pairs {
                    let contrastive = matches!(spec.loss, Loss::Contrastive(_));
                    // Alone on its side: its anchor's only kept pair of the side (for
                    // contrastive the divisor is the batch's active pairs of the side).
                    if !contrastive && count(pairs, i) != 1 {
                        continue;
                    }
                    let scale = CurveScale {
                        m,
                        kept_pos: 1.0,
                        kept_neg: 1.0,
                        active_pos: active(&out.positive_pairs),
                        active_neg: active(&out.negative_pairs),
                    };
                    let s = sim[i * m + j];
                    let Some(curve) = single_pair_weight(&spec, s, positive, scale) else {
                        continue;
                    };
                    with_curve += 1;
                    let w = out.weights[i * m + j].abs();
                    assert!(
                        (curve - w).abs() <= 1e-12 * w.max(1e-300) + 1e-15,
                        "{}: pair ({i}, {j}) at S = {s}: curve {curve} vs engine {w}",
                        spec.label()
                    );
                    on_curve += 1;
                }
            }
        }
        assert!(
            on_curve > 20 && on_curve == with_curve,
            "{}: {on_curve} pairs checked",
            spec.label()
        );
        assert!(
            curve_caption(
                &spec,
                CurveScale {
                    m: 12,
                    kept_pos: 2.0,
                    kept_neg: 9.0,
                    active_pos: 1,
                    active_neg: 1
                }
            )
            .is_some(),
            "{}: a curve without a caption",
            spec.label()
        );
    }
}
