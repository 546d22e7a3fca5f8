//! Issue 16, the sentences that need the app: the "MS vs contrastive" lesson asks to compare
//! the weight panels, so compare mode shows both sides' weights (a switch above the two
//! heatmaps), labelled with what the weights are; and the w-vs-S figure's curves, drawn with the
//! batch's mean counts, pass through every point of a trained P×K batch, as the binomial lesson
//! and the weighting stage's caption say.

mod common;

use common::{cpu_config, harness_sized, step_until};
use egui_kittest::kittest::Queryable as _;
use pairscope::app::RunStatus;
use pairscope::figures::build::curve_scale;
use pairscope::losses::MiningCode;
use pairscope::losses::explain::{curve_caption, single_pair_weight};
use pairscope::losses::{
    BinomialParams, ContrastiveParams, Loss, LossSpec, MiningRule, MultiSimilarityParams,
    WeightingRule,
};

/// Without mining every anchor of a P×K batch has K − 1 positives and (P − 1)·K negatives, so
/// every kept pair lies on the curve drawn with the batch's mean counts.
#[test]
fn a_pxk_batch_falls_on_the_drawn_curves() {
    let specs = [
        LossSpec::new(Loss::BinomialDeviance(BinomialParams::default())),
        LossSpec::new(Loss::MultiSimilarity(MultiSimilarityParams::default())),
        LossSpec::new(Loss::Contrastive(ContrastiveParams::default())),
        LossSpec::new(Loss::Composed {
            mining: MiningRule::All,
            weighting: WeightingRule::Binomial {
                alpha: 2.0,
                beta: 40.0,
                base: 0.5,
            },
        }),
    ];
    for spec in specs {
        let mut config = cpu_config(1_000);
        config.loss = spec.clone();
        let mut t = common::trainer(config);
        let batch = t.step().expect("step");
        let scale = curve_scale(&batch);
        assert!(curve_caption(&spec, scale).is_some());
        let m = batch.m();
        let mut checked = 0;
        for k in 0..m * m {
            let positive = match batch.mining[k] {
                MiningCode::PositiveKept => true,
                MiningCode::NegativeKept => false,
                _ => continue,
            };
            let s = f64::from(batch.similarity[k]);
            let curve = single_pair_weight(&spec, s, positive, scale).expect("a curve");
            let w = f64::from(batch.weights[k].abs());
            // Multi-similarity's points lie on the curve only when a pair is alone on its
            // side; there they lie *below* it (the other pairs share the weight).
            let ok = if matches!(spec.loss, Loss::MultiSimilarity(_)) {
                w <= curve * (1.0 + 1e-5) + 1e-12
            } else {
                (w - curve).abs() <= 1e-5 * curve.max(1e-30) + 1e-12
            };
            assert!(
                ok,
                "{}: pair {k} at S = {s}: w {w} vs curve {curve}",
                spec.label()
            );
            checked += 1;
        }
        assert!(checked > 100, "{}: {checked}", spec.label());
    }
}

#[test]
fn compare_mode_switches_both_sides_to_their_weights() {
    let mut h = harness_sized(1600.0, 1000.0);
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    common::start_compare(&mut h);
    common::compare_step(&mut h, 0);
    h.step();
    h.get_by_label("A: mined pairs");
    h.get_by_label("B: mined pairs");
    // The compare switch and (possibly) the main panel's view switch are both labelled
    // "weights": clicking every one of them puts the compare heatmaps on weights.
    for node in h.get_all_by_label("weights") {
        node.click();
    }
    h.step();
    h.step();
    h.get_by_label("A: weights");
    h.get_by_label("B: weights");
    // Both losses' weights are derivatives of their values.
    assert_eq!(h.get_all_by_label("w_ij = |∂L/∂S_ij|").count(), 2);
}
