//! Property tests: finite differences, docs/losses.md §9 hand values, invariances, degenerate batches.

use pairscope::losses::{
    BinomialParams, ContrastiveParams, DistanceWeightedParams, HistogramParams, Loss, LossError,
    LossSpec, Miner, MiningRule, MsMinerParams, MultiSimilarityParams, PairMarginParams,
    PairOutput, TripletMarginParams, TripletMinerParams, WeightingRule, cosine_similarity,
    describe, evaluate,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random unit embeddings' cosine similarity.
fn random_sim(rng: &mut ChaCha8Rng, m: usize, d: usize) -> Vec<f64> {
    let emb: Vec<f64> = (0..m * d).map(|_| rng.gen_range(-1.0..1.0)).collect();
    cosine_similarity(&emb, m, d)
}

fn angles(deg: &[f64]) -> Vec<f64> {
    let emb: Vec<f64> = deg
        .iter()
        .flat_map(|a: &f64| {
            let r = a.to_radians();
            [r.cos(), r.sin()]
        })
        .collect();
    cosine_similarity(&emb, deg.len(), 2)
}

fn ms(alpha: f64, beta: f64, base: f64) -> Loss {
    Loss::MultiSimilarity(MultiSimilarityParams { alpha, beta, base })
}

fn ms_miner() -> Option<Miner> {
    Some(Miner::MultiSimilarity(MsMinerParams { epsilon: 0.1 }))
}

/// Every loss whose weights are the gradient of its value (circle excluded), with parameters
/// that make most pairs active on random batches.
fn fd_losses() -> Vec<Loss> {
    vec![
        Loss::Contrastive(ContrastiveParams {
            pos_margin: 0.9,
            neg_margin: 0.0,
        }),
        Loss::TripletMargin(TripletMarginParams {
            margin: 0.3,
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
        ms(2.0, 50.0, 0.5),
        Loss::Histogram(HistogramParams { n_bins: 10 }),
        Loss::BinomialDeviance(Default::default()),
    ]
}

fn fd_miners() -> Vec<Option<Miner>> {
    let t = TripletMinerParams { margin: 0.3 };
    vec![
        None,
        ms_miner(),
        Some(Miner::TripletAll(t)),
        Some(Miner::TripletHard(t)),
        Some(Miner::TripletSemihard(t)),
        Some(Miner::BatchHard(Default::default())),
        Some(Miner::PairMargin(PairMarginParams {
            pos_margin: 0.5,
            neg_margin: 0.0,
        })),
        Some(Miner::DistanceWeighted(DistanceWeightedParams {
            embedding_dim: 4,
            nonzero_loss_cutoff: 1.9,
            ..Default::default()
        })),
    ]
}

fn composed_gradient_rules() -> Vec<Loss> {
    let minings = [
        MiningRule::All,
        MiningRule::Absolute {
            pos_below: 0.6,
            neg_above: 0.0,
        },
        MiningRule::Relative { epsilon: 0.1 },
        MiningRule::TopK { k_pos: 1, k_neg: 2 },
        MiningRule::SemiHard { margin: 0.3 },
        MiningRule::DistanceWeighted(DistanceWeightedParams {
            embedding_dim: 4,
            nonzero_loss_cutoff: 1.9,
            ..Default::default()
        }),
    ];
    let weightings = [
        WeightingRule::Uniform,
        WeightingRule::Violation {
            pos_margin: 0.8,
            neg_margin: 0.1,
        },
        WeightingRule::Binomial {
            alpha: 2.0,
            beta: 40.0,
            base: 0.5,
        },
        WeightingRule::Relative { beta: 10.0 },
        WeightingRule::Ms {
            alpha: 2.0,
            beta: 50.0,
            base: 0.5,
        },
    ];
    let mut out = Vec::new();
    for mining in &minings {
        for weighting in &weightings {
            out.push(Loss::Composed {
                mining: mining.clone(),
                weighting: weighting.clone(),
            });
        }
    }
    out
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a, &b| a.max(b.abs()))
}

fn same_decisions(a: &PairOutput, b: &PairOutput) -> bool {
    a.positive_pairs == b.positive_pairs
        && a.negative_pairs == b.negative_pairs
        && a.triplets == b.triplets
}

/// Central differences on every entry of `S`; returns (checked entries with non-zero weight,
/// skipped entries).
fn fd_check(spec: &LossSpec, sim: &[f64], labels: &[i64]) -> (usize, usize) {
    const H: f64 = 1e-6;
    let base = evaluate(spec, sim, labels).unwrap();
    let scale = max_abs(&base.weights);
    let tol = 1e-7 + 1e-5 * scale;
    let (mut checked, mut skipped) = (0, 0);
    let mut s = sim.to_vec();
    for k in 0..sim.len() {
        s[k] = sim[k] + H;
        let plus = evaluate(spec, &s, labels).unwrap();
        s[k] = sim[k] - H;
        let minus = evaluate(spec, &s, labels).unwrap();
        s[k] = sim[k];
        // A mining / hinge / bin decision crossed within ±h: weights jump, skip the entry.
        let jump = plus
            .weights
            .iter()
            .zip(&minus.weights)
            .any(|(a, b)| (a - b).abs() > 1e-3 * scale + 1e-12);
        if !same_decisions(&base, &plus) || !same_decisions(&base, &minus) || jump {
            skipped += 1;
            continue;
        }
        let fd = (plus.loss - minus.loss) / (2.0 * H);
        assert!(
            (fd - base.weights[k]).abs() <= tol,
            "{spec:?}: entry {k}: fd {fd} vs G {} (tol {tol})",
            base.weights[k]
        );
        if base.weights[k] != 0.0 {
            checked += 1;
        }
    }
    (checked, skipped)
}

fn fd_batches() -> Vec<(Vec<f64>, Vec<i64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let layouts: [&[i64]; 3] = [
        &[0, 0, 0, 1, 1, 1, 2, 2, 2],
        &[3, 7, 3, 9, 7, 3, 9, 12, 7, 5],
        &[1, 1, 2, 2, 4, 4, 4, 8],
    ];
    layouts
        .iter()
        .map(|l| (random_sim(&mut rng, l.len(), 4), l.to_vec()))
        .collect()
}

#[test]
fn finite_differences_match_weights_for_every_loss_and_miner() {
    let batches = fd_batches();
    for loss in fd_losses() {
        for miner in fd_miners() {
            let spec = LossSpec {
                loss: loss.clone(),
                miner,
            };
            assert!(spec.weights_are_gradient());
            let (mut checked, mut skipped) = (0, 0);
            for (sim, labels) in &batches {
                let (c, s) = fd_check(&spec, sim, labels);
                checked += c;
                skipped += s;
            }
            eprintln!("{spec}: {checked} non-zero weights checked, {skipped} skipped");
            assert!(
                checked >= 6 && skipped * 10 <= checked,
                "{spec:?}: too many entries near a decision ({skipped} skipped, {checked} checked)"
            );
        }
    }
}

#[test]
fn finite_differences_match_weights_for_composed_rules() {
    let batches = fd_batches();
    for loss in composed_gradient_rules() {
        let spec = LossSpec::new(loss);
        assert!(spec.weights_are_gradient());
        let (mut checked, mut skipped) = (0, 0);
        for (sim, labels) in &batches {
            let (c, s) = fd_check(&spec, sim, labels);
            checked += c;
            skipped += s;
        }
        eprintln!("{spec}: {checked} non-zero weights checked, {skipped} skipped");
        assert!(
            checked >= 6 && skipped * 10 <= checked,
            "{spec:?}: {skipped} skipped"
        );
    }
}

#[test]
fn circle_weights_are_flagged_as_not_gradients() {
    assert!(!LossSpec::new(Loss::Circle(Default::default())).weights_are_gradient());
    let composed = Loss::Composed {
        mining: MiningRule::All,
        weighting: WeightingRule::Circle {
            m: 0.25,
            gamma: 80.0,
        },
    };
    assert!(!composed.weights_are_gradient());
}

// ---------------------------------------------------------------- docs/losses.md §9.1, example A

const A_DEG: [f64; 5] = [0.0, 20.0, 40.0, 60.0, 80.0];
const A_LABELS: [i64; 5] = [0, 0, 1, 1, 2];

fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "{got} vs {want}");
}

#[test]
fn example_a_ms_mining_and_losses() {
    let s = angles(&A_DEG);
    close(s[1], 0.939693, 1e-6);
    let spec = LossSpec {
        loss: ms(2.0, 50.0, 0.5),
        miner: ms_miner(),
    };
    let out = evaluate(&spec, &s, &A_LABELS).unwrap();
    assert_eq!(out.positive_pairs, [[1, 0], [2, 3], [3, 2]]);
    assert_eq!(out.negative_pairs, [[1, 2], [2, 1], [3, 4]]);
    let table = [
        (0.5, 50.0, 0.367962, 0.543829),
        (0.5, 40.0, 0.367962, 0.543850),
        (1.0, 50.0, 0.227156, 0.302875),
        (1.0, 40.0, 0.227869, 0.303828),
    ];
    for (base, beta, mined, all) in table {
        let loss = ms(2.0, beta, base);
        let with = evaluate(
            &LossSpec {
                loss: loss.clone(),
                miner: ms_miner(),
            },
            &s,
            &A_LABELS,
        )
        .unwrap();
        close(with.loss, mined, 1e-6);
        let without = evaluate(&LossSpec::new(loss), &s, &A_LABELS).unwrap();
        close(without.loss, all, 1e-6);
    }
    // Weights of anchor 1 (λ = 0.5, β = 50); G = ±w/m with m = 5.
    let g = &out.weights;
    close(-5.0 * g[5], 0.293305, 1e-6);
    close(5.0 * g[5 + 2], 0.99999999972, 1e-10);
    let all = evaluate(&LossSpec::new(ms(2.0, 50.0, 0.5)), &s, &A_LABELS).unwrap();
    close(-5.0 * all.weights[5], 0.293305, 1e-6);
    close(5.0 * all.weights[7], 0.99983049, 1e-8);
    close(5.0 * all.weights[8], 1.6951e-4, 1e-8);
    close(5.0 * all.weights[9], 2.832e-10, 1e-13);
    // PML's own unit-test parameters.
    let pml = evaluate(&LossSpec::new(ms(0.1, 40.0, 0.5)), &s, &A_LABELS).unwrap();
    close(pml.loss, 5.776221, 1e-6);
}

#[test]
fn example_a_binomial() {
    let s = angles(&A_DEG);
    let out = evaluate(
        &LossSpec::new(Loss::BinomialDeviance(BinomialParams::default())),
        &s,
        &A_LABELS,
    )
    .unwrap();
    close(out.loss, 8.927296, 1e-6);
    // Per-anchor values from the per-pair terms.
    let pp = out.per_pair_loss.as_ref().unwrap();
    let want = [4.125473, 9.988041, 13.304259, 9.988041, 7.230664];
    for (i, w) in want.iter().enumerate() {
        let (mut lp, mut np, mut ln, mut nn) = (0.0, 0, 0.0, 0);
        for j in 0..5 {
            if j == i {
                continue;
            }
            if A_LABELS[i] == A_LABELS[j] {
                lp += pp[i * 5 + j];
                np += 1;
            } else {
                ln += pp[i * 5 + j];
                nn += 1;
            }
        }
        let l =
            if np > 0 { lp / np as f64 } else { 0.0 } + if nn > 0 { ln / nn as f64 } else { 0.0 };
        close(l, *w, 1e-6);
    }
    let b50 = evaluate(
        &LossSpec::new(Loss::BinomialDeviance(BinomialParams {
            beta: 50.0,
            ..Default::default()
        })),
        &s,
        &A_LABELS,
    )
    .unwrap();
    close(b50.loss, 11.046355, 1e-6);
}

// ---------------------------------------------------------------- docs/losses.md §9.2, example B

const B_DEG: [f64; 6] = [0.0, 85.0, 115.0, 150.0, 240.0, 265.0];
const B_LABELS: [i64; 6] = [0, 0, 1, 1, 2, 2];

#[test]
fn example_b_batch_hard_triplets() {
    let s = angles(&B_DEG);
    let spec = LossSpec::with_miner(
        Loss::TripletMargin(Default::default()),
        Miner::BatchHard(Default::default()),
    );
    let out = evaluate(&spec, &s, &B_LABELS).unwrap();
    assert_eq!(
        out.triplets.unwrap(),
        [
            [0, 1, 5],
            [1, 0, 2],
            [2, 3, 1],
            [3, 2, 1],
            [4, 5, 3],
            [5, 4, 0]
        ]
    );
}

#[test]
fn example_b_ms_mining() {
    let s = angles(&B_DEG);
    let out = evaluate(
        &LossSpec {
            loss: ms(2.0, 50.0, 0.5),
            miner: ms_miner(),
        },
        &s,
        &B_LABELS,
    )
    .unwrap();
    assert_eq!(out.positive_pairs, [[1, 0], [2, 3]]);
    assert_eq!(out.negative_pairs, [[1, 2], [1, 3], [2, 1]]);
    close(out.loss, 0.256423, 1e-6);
    let l1 = evaluate(
        &LossSpec {
            loss: ms(2.0, 50.0, 1.0),
            miner: ms_miner(),
        },
        &s,
        &B_LABELS,
    )
    .unwrap();
    close(l1.loss, 0.238785, 1e-6);
}

#[test]
fn example_b_pair_margin_miner() {
    // PairMarginMiner(pos 0.2, neg 0.8) on distances = S < 1 − 0.2²/2, S > 1 − 0.8²/2.
    let s = angles(&B_DEG);
    let miner = Miner::PairMargin(PairMarginParams {
        pos_margin: 1.0 - 0.02,
        neg_margin: 1.0 - 0.32,
    });
    let out = evaluate(
        &LossSpec::with_miner(Loss::Contrastive(Default::default()), miner),
        &s,
        &B_LABELS,
    )
    .unwrap();
    assert_eq!(
        out.positive_pairs,
        [[0, 1], [1, 0], [2, 3], [3, 2], [4, 5], [5, 4]]
    );
    assert_eq!(out.negative_pairs, [[1, 2], [2, 1]]);
}

// ---------------------------------------------------------------- composer

#[test]
fn composer_presets_reproduce_classic_losses() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let labels = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3, 4];
    let s = random_sim(&mut rng, labels.len(), 5);
    let pairs = [
        (
            LossSpec {
                loss: ms(2.0, 50.0, 0.5),
                miner: ms_miner(),
            },
            Loss::Composed {
                mining: MiningRule::Relative { epsilon: 0.1 },
                weighting: WeightingRule::Ms {
                    alpha: 2.0,
                    beta: 50.0,
                    base: 0.5,
                },
            },
        ),
        (
            LossSpec::new(Loss::BinomialDeviance(Default::default())),
            Loss::Composed {
                mining: MiningRule::All,
                weighting: WeightingRule::default(),
            },
        ),
    ];
    for (classic, composed) in pairs {
        let a = evaluate(&classic, &s, &labels).unwrap();
        let b = evaluate(&LossSpec::new(composed), &s, &labels).unwrap();
        close(a.loss, b.loss, 1e-12);
        for (x, y) in a.weights.iter().zip(&b.weights) {
            close(*x, *y, 1e-15);
        }
    }
    // Absolute × uniform = Deep_Metric contrastive: Σ_P (1 − S) + Σ_{N, S > λ} S, / m.
    let spec = LossSpec::new(Loss::Composed {
        mining: MiningRule::Absolute {
            pos_below: 1.0,
            neg_above: 0.5,
        },
        weighting: WeightingRule::Uniform,
    });
    let out = evaluate(&spec, &s, &labels).unwrap();
    let m = labels.len();
    let mut want = 0.0;
    for i in 0..m {
        for j in 0..m {
            let v = s[i * m + j];
            if i != j && labels[i] == labels[j] {
                want += 1.0 - v;
            } else if labels[i] != labels[j] && v > 0.5 {
                want += v;
            }
        }
    }
    close(out.loss, want / m as f64, 1e-12);
}

#[test]
fn rule_presets_are_valid_and_evaluate() {
    let s = angles(&B_DEG);
    for mining in MiningRule::presets() {
        for weighting in WeightingRule::presets() {
            let spec = LossSpec::new(Loss::Composed {
                mining: mining.clone(),
                weighting: weighting.clone(),
            });
            assert!(spec.describe().starts_with("mining: "));
            let out = evaluate(&spec, &s, &B_LABELS).unwrap();
            assert!(out.loss.is_finite());
        }
    }
}

#[test]
fn describe_names_the_combination() {
    let text = describe(
        &MiningRule::Relative { epsilon: 0.1 },
        &WeightingRule::Binomial {
            alpha: 2.0,
            beta: 40.0,
            base: 0.5,
        },
    );
    assert_eq!(
        text,
        "mining: MS rule (ε = 0.1) × weighting: binomial (α = 2, β = 40, λ = 0.5)"
    );
}

// ---------------------------------------------------------------- invariances and edge cases

fn every_spec() -> Vec<LossSpec> {
    let mut losses = Loss::presets();
    losses.extend(composed_gradient_rules());
    losses.push(Loss::Composed {
        mining: MiningRule::All,
        weighting: WeightingRule::Circle {
            m: 0.25,
            gamma: 256.0,
        },
    });
    let mut specs = Vec::new();
    for loss in losses {
        let composed = matches!(loss, Loss::Composed { .. });
        specs.push(LossSpec::new(loss.clone()));
        if !composed {
            for miner in Miner::presets() {
                specs.push(LossSpec::with_miner(loss.clone(), miner));
            }
        }
    }
    specs
}

fn permutation_invariant(spec: &LossSpec) -> bool {
    // N-pairs picks the first pair of each label in batch order and the distance-weighted
    // sampler draws anchors in batch order: both depend on the order by definition.
    let dw = |r: &MiningRule| matches!(r, MiningRule::DistanceWeighted(_));
    !matches!(spec.loss, Loss::NPairs(_))
        && !matches!(spec.miner, Some(Miner::DistanceWeighted(_)))
        && !matches!(&spec.loss, Loss::Composed { mining, .. } if dw(mining))
}

#[test]
fn permutation_invariance() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let labels: Vec<i64> = vec![5, 1, 5, 2, 1, 2, 5, 9, 1, 2, 4];
    let m = labels.len();
    let s = random_sim(&mut rng, m, 6);
    let mut perm: Vec<usize> = (0..m).collect();
    for i in (1..m).rev() {
        perm.swap(i, rng.gen_range(0..=i));
    }
    let s2: Vec<f64> = (0..m * m)
        .map(|k| s[perm[k / m] * m + perm[k % m]])
        .collect();
    let l2: Vec<i64> = perm.iter().map(|&p| labels[p]).collect();
    for spec in every_spec().into_iter().filter(permutation_invariant) {
        let a = evaluate(&spec, &s, &labels).unwrap();
        let b = evaluate(&spec, &s2, &l2).unwrap();
        close(b.loss, a.loss, 1e-12 * a.loss.abs().max(1.0));
        for x in 0..m {
            for y in 0..m {
                // Symmetrised: histogram stores its weight in the upper triangle.
                let wb = b.weights[x * m + y] + b.weights[y * m + x];
                let (px, py) = (perm[x], perm[y]);
                let wa = a.weights[px * m + py] + a.weights[py * m + px];
                close(wb, wa, 1e-12);
            }
        }
        assert_eq!(a.positive_pairs.len(), b.positive_pairs.len(), "{spec:?}");
        assert_eq!(a.negative_pairs.len(), b.negative_pairs.len(), "{spec:?}");
    }
}

#[test]
fn ms_miner_keeps_both_sides_or_neither() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for trial in 0..50 {
        let m = 4 + trial % 12;
        let labels: Vec<i64> = (0..m).map(|_| rng.gen_range(0..4)).collect();
        let s = random_sim(&mut rng, m, 3);
        let out = evaluate(
            &LossSpec {
                loss: ms(2.0, 50.0, 0.5),
                miner: Some(Miner::MultiSimilarity(MsMinerParams {
                    epsilon: rng.gen_range(0.0..0.5),
                })),
            },
            &s,
            &labels,
        )
        .unwrap();
        for a in 0..m {
            let has_p = out.positive_pairs.iter().any(|p| p[0] == a);
            let has_n = out.negative_pairs.iter().any(|p| p[0] == a);
            assert_eq!(has_p, has_n, "anchor {a}");
        }
        for w in &out.weights {
            assert!(w.abs() < 1.0 / m as f64);
        }
    }
}

#[test]
fn degenerate_batches_are_finite_for_every_loss_and_miner() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let layouts: Vec<Vec<i64>> = vec![
        vec![],
        vec![4],
        vec![1, 1],
        vec![1, 2],
        vec![3, 3, 3, 3, 3],
        vec![0, 1, 2, 3, 4],
        vec![0, 0, 1, 2, 3],
    ];
    for labels in &layouts {
        let s = random_sim(&mut rng, labels.len(), 3);
        for spec in every_spec() {
            let out = evaluate(&spec, &s, labels).unwrap();
            assert!(out.loss.is_finite(), "{spec:?} {labels:?}");
            assert!(out.weights.iter().all(|w| w.is_finite()));
            if labels.len() < 2 {
                assert_eq!(out.loss, 0.0, "{spec:?} {labels:?}");
            }
        }
    }
    // Collapsed embeddings (every S = 1) and extreme scales.
    let labels = [0, 0, 1, 1];
    let s = vec![1.0; 16];
    for spec in every_spec() {
        let out = evaluate(&spec, &s, &labels).unwrap();
        assert!(out.loss.is_finite() && out.weights.iter().all(|w| w.is_finite()));
    }
}

#[test]
fn validation_and_input_errors() {
    let s = angles(&A_DEG);
    let bad = LossSpec::new(ms(-1.0, 50.0, 0.5));
    let e = evaluate(&bad, &s, &A_LABELS).unwrap_err();
    assert!(matches!(e, LossError::InvalidParam { param: "alpha", .. }));
    assert!(e.to_string().contains("alpha"));
    let swap = LossSpec::new(Loss::TripletMargin(TripletMarginParams {
        swap: true,
        ..Default::default()
    }));
    assert!(evaluate(&swap, &s, &A_LABELS).is_err());
    let hist = LossSpec::new(Loss::Histogram(HistogramParams { n_bins: 0 }));
    assert!(
        evaluate(&hist, &s, &A_LABELS)
            .unwrap_err()
            .to_string()
            .contains("n_bins")
    );
    let composed_with_miner = LossSpec {
        loss: Loss::Composed {
            mining: MiningRule::All,
            weighting: WeightingRule::Uniform,
        },
        miner: ms_miner(),
    };
    assert!(matches!(
        evaluate(&composed_with_miner, &s, &A_LABELS),
        Err(LossError::Incompatible(_))
    ));
    let topk = LossSpec::new(Loss::Composed {
        mining: MiningRule::TopK { k_pos: 0, k_neg: 1 },
        weighting: WeightingRule::Uniform,
    });
    assert!(
        evaluate(&topk, &s, &A_LABELS)
            .unwrap_err()
            .to_string()
            .contains("k_pos")
    );
    let ok = LossSpec::new(ms(2.0, 50.0, 0.5));
    assert!(matches!(
        evaluate(&ok, &s[..24], &A_LABELS),
        Err(LossError::Shape { .. })
    ));
    let mut nan = s.clone();
    nan[7] = f64::NAN;
    assert_eq!(
        evaluate(&ok, &nan, &A_LABELS).unwrap_err(),
        LossError::NonFinite { row: 1, col: 2 }
    );
}
