//! Unit tests of the teaching words.

use super::*;
use crate::losses::spec::{Loss, LossSpec, Miner};
use crate::losses::spec::{MsMinerParams, MultiSimilarityParams};

#[test]
fn ms_rule_names_the_deciding_numbers() {
    // Anchor 0 (class 0): positive 1 at 0.9, negatives 2, 3 at 0.95 and 0.2.
    let sim = [
        1.0, 0.9, 0.95, 0.2, //
        0.9, 1.0, 0.1, 0.1, //
        0.95, 0.1, 1.0, 0.3, //
        0.2, 0.1, 0.3, 1.0,
    ];
    let labels = [0, 0, 1, 1];
    let spec = LossSpec::with_miner(
        Loss::MultiSimilarity(MultiSimilarityParams::default()),
        Miner::MultiSimilarity(MsMinerParams { epsilon: 0.1 }),
    );
    let f = PairFacts {
        sim: &sim,
        labels: &labels,
        i: 0,
        j: 2,
        kept: true,
        weight: 0.1,
    };
    assert_eq!(
        explain_pair(&spec, &f),
        "negative kept: S = 0.950 > min positive 0.900 − ε (0.1)"
    );
    let f = PairFacts {
        j: 3,
        kept: false,
        ..f
    };
    assert_eq!(
        explain_pair(&spec, &f),
        "negative dropped: S = 0.200 ≤ min positive 0.900 − ε (0.1)"
    );
}

#[test]
fn binomial_curve_depends_only_on_s() {
    let spec = LossSpec::new(Loss::BinomialDeviance(Default::default()));
    let c = CurveScale {
        m: 10,
        kept_pos: 1.0,
        kept_neg: 1.0,
        active_pos: 1,
        active_neg: 1,
    };
    let w = single_pair_weight(&spec, 0.5, false, c).expect("closed form");
    // β σ(β(S − λ)) / m at S = λ: 40 · 0.5 / 10.
    assert!((w - 2.0).abs() < 1e-12);
    assert!(
        single_pair_weight(
            &LossSpec::new(Loss::NPairs(Default::default())),
            0.5,
            true,
            c
        )
        .is_none()
    );
}
