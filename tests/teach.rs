//! Teaching mode, pair inspector, freeze and compare, driven through the app by labels
//! (egui_kittest) and through the trainer.

mod common;

use std::sync::Arc;

use common::{cpu_config, harness_sized, step_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use pairscope::app::RunStatus;
use pairscope::losses::{self, Loss, LossSpec};
use pairscope::training::Trainer;
use pairscope::ui::PairscopeApp;
use pairscope::ui::teach::Stage;

/// The teaching panels need more room than the default window.
fn harness() -> Harness<'static, PairscopeApp> {
    harness_sized(1600.0, 1000.0)
}

fn trainer() -> Trainer {
    common::trainer(cpu_config(1_000))
}

#[test]
fn stepping_through_the_six_stages_of_a_batch() {
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.get_by_label("Teach").click();
    h.step();
    h.get_by_label("Step").click();
    step_until(&mut h, "one batch", |a| a.state().view.step == 1);
    h.step();
    assert_eq!(h.state_mut().teach().stage, Stage::Sample);
    h.get_by_label_contains("Stage 1 of 6: sample");
    // The stage bar stays where it is whatever the stage shows (stage 4 adds an Export…
    // button): the Stage button never jumps from under the pointer.
    let bar = |h: &Harness<'static, PairscopeApp>| {
        ["1 sample", "Stage", "Freeze batch"].map(|l| h.get_by_label(l).rect())
    };
    let first = bar(&h);
    for stage in &Stage::ALL[1..] {
        h.get_by_label("Stage").click();
        h.step();
        h.step();
        assert_eq!(h.state_mut().teach().stage, *stage);
        h.get_by_label_contains(&format!("Stage {} of 6: {}", stage.number(), stage.name()));
        assert_eq!(
            bar(&h),
            first,
            "the stage bar moved at stage {}",
            stage.number()
        );
    }
    // The last stage is the update: ΔS of the same samples after the step.
    h.get_by_label_contains("ΔS = S after − S before");
    // Past the update, Stage trains the next batch and starts again at the first stage.
    h.get_by_label("Stage").click();
    step_until(&mut h, "the next batch", |a| a.state().view.step == 2);
    assert_eq!(h.state_mut().teach().stage, Stage::Sample);
}

#[test]
fn the_inspector_shows_the_engine_numbers_of_a_pair() {
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.get_by_label("Teach").click();
    h.get_by_label("Step").click();
    step_until(&mut h, "one batch", |a| a.state().view.step == 1);
    let batch = h.state().state().view.batch.clone().expect("a batch");
    // The engine on this batch's S: pick the kept negative pair with the largest weight.
    let m = batch.m();
    let sim: Vec<f64> = batch.similarity.iter().map(|&s| f64::from(s)).collect();
    let labels: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
    let out = losses::evaluate(&batch.spec, &sim, &labels).expect("valid batch");
    let &[i, j] = out
        .negative_pairs
        .iter()
        .max_by(|a, b| {
            out.weights[a[0] * m + a[1]]
                .abs()
                .total_cmp(&out.weights[b[0] * m + b[1]].abs())
        })
        .expect("a kept negative pair");
    let b = Arc::clone(&batch);
    h.state_mut().teach().select(&b, i, j);
    h.step();
    let report = h.state_mut().teach().report(&b).expect("a report");
    let g = out.weights[i * m + j];
    assert!(
        (report.weight - g).abs() <= 1e-6 * g.abs().max(1e-6),
        "{} vs {g}",
        report.weight
    );
    assert!((report.similarity - sim[i * m + j]).abs() < 1e-12);
    assert!(
        report.why.starts_with("negative kept: S = "),
        "{}",
        report.why
    );
    // …and the panel shows them.
    h.get_by_label(&format!("S_ij = {:.4}", sim[i * m + j]));
    h.get_by_label(&format!("w_ij = {:.4e}", g.abs()));
    h.get_by_label_contains("negative kept: S = ");
}

#[test]
fn freeze_repeats_the_same_batch_indices() {
    let mut t = trainer();
    let first = t.step().expect("step").rows;
    t.freeze(2);
    let again = t.step().expect("step");
    assert!(again.frozen);
    assert_eq!(again.rows, first);
    assert_eq!(t.step().expect("step").rows, first);
    let next = t.step().expect("step");
    assert!(!next.frozen);
    assert_ne!(next.rows, first);
}

#[test]
fn compare_starts_both_runs_from_identical_weights() {
    let mut t = trainer();
    for _ in 0..3 {
        t.step().expect("step");
    }
    let contrastive = LossSpec::new(Loss::Contrastive(Default::default()));
    let mut a = t.fork(t.config().loss.clone()).expect("fork");
    let mut b = t.fork(contrastive).expect("fork");
    let (sa, sb) = (a.step().expect("step"), b.step().expect("step"));
    assert_eq!(sa.step, 4);
    assert_eq!(sa.rows, sb.rows, "the same batch");
    assert_eq!(sa.embeddings, sb.embeddings, "the same weights");
    assert_ne!(sa.weights, sb.weights, "different losses");
    // After one update with different losses, the models differ.
    assert_ne!(
        a.step().expect("step").embeddings,
        b.step().expect("step").embeddings
    );
}

#[test]
fn compare_mode_runs_two_sides_in_step() {
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    common::start_compare(&mut h);
    common::compare_step(&mut h, 0);
    let c = h.state().state().compare.as_ref().expect("compare");
    let (x, y) = (
        c.sides[0].view.batch.clone().expect("A"),
        c.sides[1].view.batch.clone().expect("B"),
    );
    assert_eq!(x.rows, y.rows);
    assert_eq!(x.embeddings, y.embeddings);
    h.step();
    h.get_by_label_contains("kept by both:");
}

/// The two workers train on their own threads, so a Pause can stop them on different steps;
/// the side behind is then stepped until both show the same step (here side A alone is stepped
/// once, as a Pause that caught B one batch earlier would leave them), and Step moves both on.
#[test]
fn compare_sides_meet_again_after_they_part() {
    use pairscope::training::Command;
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    common::start_compare(&mut h);
    common::compare_step(&mut h, 0);
    let steps = |a: &PairscopeApp| {
        let c = a.state().compare.as_ref().expect("compare");
        (c.sides[0].view.step, c.sides[1].view.step)
    };
    let (s, _) = steps(h.state());
    h.state_mut()
        .state_mut()
        .compare
        .as_mut()
        .expect("compare")
        .send_to(0, &Command::Step);
    step_until(&mut h, "B to catch up with A", |a| {
        steps(a) == (s + 1, s + 1) && a.state().compare.as_ref().is_some_and(|c| c.in_sync())
    });
    for _ in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(10));
        h.step();
    }
    assert_eq!(steps(h.state()), (s + 1, s + 1), "nobody overshoots");
    common::compare_step(&mut h, s + 1);
    assert_eq!(steps(h.state()), (s + 2, s + 2));
}

/// The loss stage typesets the formula (its text stays readable to screen readers) and names
/// the anchors whose terms make up most of the loss: their shares are the engine's loss split
/// by anchor, so they sum to the L the stage shows.
#[test]
fn the_loss_stage_names_the_anchors_that_contribute_most() {
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.get_by_label("Teach").click();
    h.get_by_label("Step").click();
    step_until(&mut h, "one batch", |a| a.state().view.step == 1);
    h.get_by_label("5 loss").click();
    h.step();
    h.step();
    let batch = h.state().state().view.batch.clone().expect("a batch");
    let formula = losses::explain::formula(&batch.spec);
    // The three-space parts of the formula are typeset one per line.
    let first = formula.split("   ").next().expect("a formula");
    h.get_by_label(first.trim());
    // Plain labels draw the mined sets' hats too (egui's default fonts have no combining
    // circumflex: without pairscope's rasterizer "P̂_i" was laid out as "P_i", the hat dropped).
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        let font = egui::FontId::new(14.0, family);
        let ink = |text: &str| {
            let galley = h
                .ctx
                .fonts_mut(|f| f.layout_no_wrap(text.into(), font.clone(), egui::Color32::WHITE));
            // The letter's glyph (a mark continues its cluster with an empty one).
            let glyph = &galley.rows[0].glyphs[0];
            (glyph.advance_width, glyph.uv_rect.size.y)
        };
        let ((plain_advance, plain), (hat_advance, hat)) = (ink("P"), ink("P\u{302}"));
        assert!(
            hat >= 1.2 * plain,
            "{font:?}: P̂ is {hat} tall, P {plain}: no hat drawn"
        );
        assert!(
            (hat_advance - plain_advance).abs() <= 0.5,
            "{font:?}: P̂ advances {hat_advance}, P {plain_advance}: not the same letter size"
        );
    }
    let sim: Vec<f64> = batch.similarity.iter().map(|&s| f64::from(s)).collect();
    let labels: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
    let out = losses::evaluate(&batch.spec, &sim, &labels).expect("valid batch");
    let shares = losses::explain::anchor_contributions(&batch.spec, &sim, &labels, &out)
        .expect("the default loss is a sum over anchors");
    let total: f64 = shares.iter().sum();
    assert!(
        (total - batch.loss).abs() <= 1e-5 * batch.loss.abs().max(1e-3),
        "shares sum to {total}, the batch's loss is {}",
        batch.loss
    );
    // The first of the largest (the stage lists ties in anchor order).
    let most = shares.iter().copied().fold(f64::MIN, f64::max);
    let top = shares.iter().position(|&s| s == most).expect("anchors");
    let contributing = shares.iter().filter(|&&s| s != 0.0).count();
    h.get_by_label_contains(&format!(
        "{contributing} of {} anchors contribute; the most: i = {top} (class {}): {most:.4} = {:.0} % of L",
        shares.len(),
        batch.labels[top],
        100.0 * most / total
    ));
}
