//! The checks of the lessons about whole runs: the miner running dry, a real collapse, the
//! zero-shot protocol on the digits, the hidden subspace, divergence and recovery, and a
//! composed loss. Each trains the lesson's configuration, seeded, on the CPU backend.

use super::batch::{evidence, verdict};
use super::lesson::{Lesson, LessonError, Verdict};
use super::run::{LessonRun, engine_input, mean_off_diagonal};
use crate::losses::{Loss, LossSpec, Miner, MiningRule, MsMinerParams, WeightingRule, evaluate};
use crate::training::{TrainConfig, TrainError};

/// The held-out set is evaluated this often in the run lessons (the metrics curve's points).
const EVAL_EVERY: u64 = 100;

/// How many of the last steps [`miner_runs_dry`] counts.
pub const DRY_WINDOW: usize = 200;

/// 6: with MS + MS miner on the digits, most late batches keep no pair, and their loss is 0.
pub fn miner_runs_dry(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let mut run = LessonRun::start(&lesson.config)?;
    let end = run.train(lesson.steps, EVAL_EVERY)?;
    let empty = |s: &&crate::training::StepStats| s.positive_pairs + s.negative_pairs == 0;
    let h = &run.history;
    let late = &h[h.len().saturating_sub(DRY_WINDOW)..];
    let early = &h[..h.len().min(100)];
    let late_empty = late.iter().filter(empty).count();
    let early_empty = early.iter().filter(empty).count();
    let empty_loss = h
        .iter()
        .filter(empty)
        .fold(0.0_f64, |a, s| a.max(s.loss.abs()));
    let first_empty = h.iter().find(empty).map_or(f64::NAN, |s| s.step as f64);
    let held = late.len() == DRY_WINDOW
        && 2 * late_empty > DRY_WINDOW
        && early_empty == 0
        && empty_loss == 0.0
        && end.recall_at_1 > 0.95;
    let e = evidence(&[
        ("steps", h.len() as f64),
        ("first_step_without_pairs", first_empty),
        ("batches_without_pairs_in_first_100", early_empty as f64),
        ("batches_without_pairs_in_last_200", late_empty as f64),
        ("largest_loss_of_a_batch_without_pairs", empty_loss),
        ("recall_at_1_untrained", run.untrained().recall_at_1),
        ("recall_at_1_end", end.recall_at_1),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(true)?)))
}

/// 7: an attraction-only loss collapses the embeddings and loses the held-out structure;
/// multi-similarity at the same rate does not.
pub fn collapse(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let mut run = LessonRun::start(&lesson.config)?;
    let mut means = Vec::new();
    for k in 1..=lesson.steps {
        means.push(mean_off_diagonal(run.step()?));
        if k % EVAL_EVERY == 0 && k < lesson.steps {
            run.evaluate()?;
        }
    }
    let end = run.evaluate()?;
    let first = means.first().copied().unwrap_or(f64::NAN);
    let last = means.last().copied().unwrap_or(f64::NAN);
    let merged_at = means
        .iter()
        .position(|&s| s >= 0.99)
        .map_or(f64::NAN, |k| (k + 1) as f64);
    let untrained = run.untrained();
    // The control: multi-similarity (the loss the window switches to, no miner) with the same
    // rate, steps and seed.
    let mut control = LessonRun::start(&TrainConfig {
        loss: LossSpec::new(Loss::MultiSimilarity(Default::default())),
        ..lesson.config.clone()
    })?;
    let control_end = control.train(lesson.steps, 0)?;
    let control_last = control.last.as_ref().map_or(f64::NAN, mean_off_diagonal);
    let held = last >= 0.99
        && merged_at <= 20.0
        && first < 0.9
        && end.recall_at_1 < untrained.recall_at_1 - 0.1
        && end.map_at_r < untrained.map_at_r - 0.15
        && control_last < 0.9
        && control_end.map_at_r > 0.9;
    let e = evidence(&[
        ("mean_similarity_first_batch", first),
        ("mean_similarity_last_batch", last),
        ("first_step_with_mean_similarity_0_99", merged_at),
        ("recall_at_1_untrained", untrained.recall_at_1),
        ("recall_at_1_end", end.recall_at_1),
        ("map_at_r_untrained", untrained.map_at_r),
        ("map_at_r_end", end.map_at_r),
        ("nmi_untrained", untrained.nmi),
        ("nmi_end", end.nmi),
        ("ms_mean_similarity_last_batch", control_last),
        ("ms_map_at_r_end", control_end.map_at_r),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(true)?)))
}

/// 8: on the `classes` split, training on digits 0–4 lowers unseen-digit Recall@1 below the
/// raw pixels'.
pub fn zero_shot_overfit(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let mut run = LessonRun::start(&lesson.config)?;
    let end = run.train(lesson.steps, EVAL_EVERY)?;
    let (raw, untrained) = (run.raw, run.untrained());
    let held = end.recall_at_1 < raw.recall_at_1 - 0.01 && end.nmi < raw.nmi - 0.2;
    let e = evidence(&[
        ("recall_at_1_raw_pixels", raw.recall_at_1),
        ("recall_at_1_untrained", untrained.recall_at_1),
        ("recall_at_1_end", end.recall_at_1),
        ("nmi_raw_pixels", raw.nmi),
        ("nmi_end", end.nmi),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(true)?)))
}

/// 9: on the hidden-subspace data, training lifts unseen-class Recall@1 well above the raw
/// inputs'.
pub fn hidden_subspace(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let mut run = LessonRun::start(&lesson.config)?;
    let end = run.train(lesson.steps, EVAL_EVERY)?;
    let (raw, untrained) = (run.raw, run.untrained());
    let held = end.recall_at_1 > raw.recall_at_1 + 0.15
        && end.recall_at_1 > untrained.recall_at_1 + 0.15
        && end.nmi > raw.nmi + 0.15;
    let e = evidence(&[
        ("recall_at_1_raw_inputs", raw.recall_at_1),
        ("recall_at_1_untrained", untrained.recall_at_1),
        ("recall_at_1_end", end.recall_at_1),
        ("nmi_raw_inputs", raw.nmi),
        ("nmi_end", end.nmi),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(true)?)))
}

/// Steps trained at the lower rate after the divergence.
pub const RECOVERY_STEPS: u64 = 50;
/// The learning rate the divergence lesson lowers to.
pub const RECOVERY_RATE: f64 = 1e-3;

/// 10: a too-large learning rate diverges, the last good model is kept, a lower rate trains on.
pub fn divergence(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let mut run = LessonRun::start(&lesson.config)?;
    let probe: Vec<usize> = run
        .trainer
        .split()
        .held_out
        .iter()
        .take(64)
        .copied()
        .collect();
    let mut diverged = None;
    let mut kept_unchanged = false;
    let mut names_steps = false;
    for _ in 0..lesson.steps {
        let before = run.trainer.embed(&probe)?;
        let result = run.step().map(|_| ());
        match result {
            Ok(()) => {}
            Err(LessonError::Train(e @ TrainError::Diverged { step, .. })) => {
                kept_unchanged = run.trainer.embed(&probe)? == before;
                diverged = Some(step);
                // The window's notice is this message.
                let text = e.to_string();
                names_steps = text.contains(&format!("diverged at step {step}:"))
                    && text.contains(&format!("the model of step {} is kept", step - 1));
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let kept_step = run.trainer.step_count();
    run.trainer.set_learning_rate(RECOVERY_RATE)?;
    let mut finite = 0u64;
    for _ in 0..RECOVERY_STEPS {
        if run.step()?.loss.is_finite() {
            finite += 1;
        }
    }
    let end = run.evaluate()?;
    let held = diverged.is_some_and(|s| s == kept_step + 1)
        && kept_unchanged
        && names_steps
        && finite == RECOVERY_STEPS
        && run.trainer.step_count() == kept_step + RECOVERY_STEPS;
    let e = evidence(&[
        ("diverged_at_step", diverged.map_or(f64::NAN, |s| s as f64)),
        ("kept_model_of_step", kept_step as f64),
        ("kept_model_unchanged", f64::from(u8::from(kept_unchanged))),
        ("message_names_both_steps", f64::from(u8::from(names_steps))),
        ("steps_after_lowering_the_rate", RECOVERY_STEPS as f64),
        ("finite_losses_after_lowering_the_rate", finite as f64),
        ("step_end", run.trainer.step_count() as f64),
        ("recall_at_1_end", end.recall_at_1),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(true)?)))
}

/// 11: the MS rule × MS weighting reproduces the MS preset exactly; the lesson's own
/// combination trains.
pub fn compose_your_own(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let mut run = LessonRun::start(&lesson.config)?;
    let first = run.step()?.clone();
    let (sim, labels) = engine_input(&first);
    let preset = LossSpec::with_miner(
        Loss::MultiSimilarity(Default::default()),
        Miner::MultiSimilarity(MsMinerParams::default()),
    );
    let composed = LossSpec::new(Loss::Composed {
        mining: MiningRule::Relative { epsilon: 0.1 },
        weighting: WeightingRule::Ms {
            alpha: 2.0,
            beta: 50.0,
            base: 0.5,
        },
    });
    let (a, b) = (
        evaluate(&preset, &sim, &labels)?,
        evaluate(&composed, &sim, &labels)?,
    );
    let weight_gap = a
        .weights
        .iter()
        .zip(&b.weights)
        .fold(0.0_f64, |g, (x, y)| g.max((x - y).abs()));
    let same_pairs = a.positive_pairs == b.positive_pairs && a.negative_pairs == b.negative_pairs;
    let end = run.train(lesson.steps - 1, EVAL_EVERY)?;
    let untrained = run.untrained();
    let held = (a.loss - b.loss).abs() <= 1e-12
        && weight_gap <= 1e-15
        && same_pairs
        && end.map_at_r > untrained.map_at_r + 0.2;
    let e = evidence(&[
        ("preset_loss", a.loss),
        ("composed_loss", b.loss),
        ("largest_weight_difference", weight_gap),
        ("same_mined_pairs", f64::from(u8::from(same_pairs))),
        ("map_at_r_untrained", untrained.map_at_r),
        ("map_at_r_end", end.map_at_r),
        ("recall_at_1_untrained", untrained.recall_at_1),
        ("recall_at_1_end", end.recall_at_1),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(true)?)))
}
