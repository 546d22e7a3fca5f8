//! The checks of the lessons about one batch: the decomposition, multi-similarity's three
//! similarities, MS against contrastive, semi-hard against hard triplets, binomial weights as a
//! function of S alone. Each runs the lesson's configuration (or a hand-made batch) and asks the
//! loss engine.

use super::batch::{evidence, hand_made_run, max_fd_error, snapshot, verdict};
use super::lesson::{Evidence, Lesson, LessonError, Verdict};
use super::run::{LessonRun, engine_input};
use crate::figures::build::curve_scale;
use crate::losses::explain::single_pair_weight;
use crate::losses::{
    BinomialParams, ContrastiveParams, Loss, LossSpec, Miner, MiningCode, MsMinerParams,
    MultiSimilarityParams, evaluate,
};
use crate::training::BatchSnapshot;

/// Trains `lesson.steps` steps of the lesson's run (no evaluation) and returns it with the
/// last batch.
fn last_batch(lesson: &Lesson) -> Result<(LessonRun, BatchSnapshot), LessonError> {
    let mut run = LessonRun::start(&lesson.config)?;
    for _ in 0..lesson.steps.max(1) {
        run.step()?;
    }
    let batch = run
        .last
        .clone()
        .ok_or(LessonError::Mismatch("the run trained no batch"))?;
    Ok((run, batch))
}

/// 1: weights are nonzero only on mined pairs, and equal ∂L/∂S (finite differences).
pub fn decomposition(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let (run, batch) = last_batch(lesson)?;
    let (sim, labels) = engine_input(&batch);
    let spec = &batch.spec;
    let out = evaluate(spec, &sim, &labels)?;
    let weighted = out.weights.iter().filter(|&&w| w != 0.0).count();
    let unmined_weighted = out
        .weights
        .iter()
        .zip(&batch.mining)
        .filter(|&(&w, code)| w != 0.0 && !code.is_kept())
        .count();
    let mined = batch.positive_pairs + batch.negative_pairs;
    let smallest = out
        .weights
        .iter()
        .filter(|&&w| w != 0.0)
        .fold(f64::INFINITY, |a, w| a.min(w.abs()));
    let fd = max_fd_error(spec, &sim, &labels, &out.weights)?;
    // The weights that trained are the engine's (as f32).
    let trained_differ = out
        .weights
        .iter()
        .zip(&batch.weights)
        .filter(|&(&w, &t)| w as f32 != t)
        .count();
    let held = unmined_weighted == 0 && weighted > 0 && trained_differ == 0 && fd < 1e-8;
    let e = evidence(&[
        ("step", batch.step as f64),
        ("loss", out.loss),
        ("mined_pairs", mined as f64),
        ("weighted_pairs", weighted as f64),
        ("weighted_but_not_mined", unmined_weighted as f64),
        ("smallest_nonzero_weight", smallest),
        (
            "largest_weight",
            out.weights.iter().fold(0.0_f64, |a, w| a.max(w.abs())),
        ),
        ("max_finite_difference_error", fd),
        ("trained_weights_differing", trained_differ as f64),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(false)?)))
}

/// The hand-made batch of the three-similarities lesson: unit vectors in the plane at the
/// given cosine to anchor 0 (row 0), alternating above and below its axis.
fn plane_batch(cosines: &[f64]) -> Vec<f64> {
    cosines
        .iter()
        .enumerate()
        .flat_map(|(k, &c)| {
            let angle = c.clamp(-1.0, 1.0).acos() * if k % 2 == 0 { 1.0 } else { -1.0 };
            [angle.cos(), angle.sin()]
        })
        .collect()
}

/// Rows of the hand-made batch: anchor, an easy positive, the hardest positive, the watched
/// negative, another negative, two negatives of a third class.
const ANCHOR_COSINES: [f64; 7] = [1.0, 0.9, 0.55, 0.5, 0.3, -0.5, -0.6];
const PLANE_LABELS: [u32; 7] = [0, 0, 0, 1, 1, 2, 2];
/// The watched negative pair `(0, 3)`.
const WATCHED: usize = 3;

fn ms_spec() -> LossSpec {
    LossSpec::with_miner(
        Loss::MultiSimilarity(MultiSimilarityParams::default()),
        Miner::MultiSimilarity(MsMinerParams::default()),
    )
}

/// The weight of the watched pair when row `row` sits at cosine `cosine` to the anchor.
fn watched_weight(row: Option<(usize, f64)>) -> Result<f64, LessonError> {
    let mut cosines = ANCHOR_COSINES;
    if let Some((r, c)) = row {
        cosines[r] = c;
    }
    let (_, out) = snapshot(&ms_spec(), &plane_batch(&cosines), 2, &PLANE_LABELS)?;
    Ok(out.weights[WATCHED].abs())
}

/// 2: how one negative's MS weight moves when its own S, another negative of its anchor, or
/// the anchor's positives move.
pub fn ms_three_similarities(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let base = watched_weight(None)?;
    let own = watched_weight(Some((WATCHED, 0.52)))?;
    let other_negative = watched_weight(Some((4, 0.5)))?;
    let hardest_positive = watched_weight(Some((2, 0.7)))?;
    let easy_positive = watched_weight(Some((1, 0.95)))?;
    // The same effects on a trained batch: kept negatives of nearly equal S, different
    // weights, and none above the single-pair curve.
    let (_, batch) = last_batch(lesson)?;
    let ratio = near_equal_s_ratio(&batch, &to_f64(&batch.weights), 0.005);
    let above = above_curve(&batch);
    let held = own > 1.3 * base
        && other_negative < 0.8 * base
        && hardest_positive == 0.0
        && easy_positive == base
        && base > 0.0
        && ratio > 2.0
        && above == 0;
    let e = evidence(&[
        ("weight", base),
        ("weight_own_s_0_52", own),
        ("weight_other_negative_s_0_5", other_negative),
        ("weight_hardest_positive_s_0_7", hardest_positive),
        ("weight_easy_positive_s_0_95", easy_positive),
        ("trained_batch_step", batch.step as f64),
        ("trained_batch_max_weight_ratio_within_ds_0_005", ratio),
        ("trained_batch_pairs_above_curve", above as f64),
    ]);
    let (batch, _) = snapshot(&ms_spec(), &plane_batch(&ANCHOR_COSINES), 2, &PLANE_LABELS)?;
    let run = hand_made_run(&lesson.config, batch);
    Ok(verdict(lesson, held, e, Some(run)))
}

/// Distinct nonzero |w| values of one side (relative tolerance 1e-9), and max/min of them.
fn spread(out: &crate::losses::PairOutput, labels: &[i64], positive: bool) -> (usize, f64) {
    let m = labels.len();
    let mut w: Vec<f64> = (0..m * m)
        .filter(|&k| k / m != k % m && (labels[k / m] == labels[k % m]) == positive)
        .map(|k| out.weights[k].abs())
        .filter(|&w| w > 0.0)
        .collect();
    w.sort_by(f64::total_cmp);
    let mut distinct = 0;
    let mut last = f64::NAN;
    for &v in &w {
        let same = (v - last).abs() <= 1e-9 * v;
        if !same {
            distinct += 1;
            last = v;
        }
    }
    let ratio = match (w.first(), w.last()) {
        (Some(&lo), Some(&hi)) => hi / lo,
        _ => 0.0,
    };
    (distinct, ratio)
}

/// 3: the same batch under MS (+ MS miner) and contrastive (no miner).
pub fn ms_vs_contrastive(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let (run, batch) = last_batch(lesson)?;
    let (sim, labels) = engine_input(&batch);
    let ms = evaluate(&batch.spec, &sim, &labels)?;
    let contrastive = LossSpec::new(Loss::Contrastive(ContrastiveParams::default()));
    let co = evaluate(&contrastive, &sim, &labels)?;
    let nonzero = |o: &crate::losses::PairOutput| o.weights.iter().filter(|&&w| w != 0.0).count();
    let (ms_pos_values, ms_pos_ratio) = spread(&ms, &labels, true);
    let (ms_neg_values, ms_neg_ratio) = spread(&ms, &labels, false);
    let (co_pos_values, _) = spread(&co, &labels, true);
    let (co_neg_values, _) = spread(&co, &labels, false);
    let (ms_n, co_n) = (nonzero(&ms), nonzero(&co));
    let m = labels.len();
    let held = co_pos_values == 1
        && co_neg_values == 1
        && co_n == m * (m - 1)
        && ms_n < co_n
        && ms_neg_ratio > 1000.0;
    let e = evidence(&[
        ("step", batch.step as f64),
        ("pairs", (m * (m - 1)) as f64),
        ("ms_weighted_pairs", ms_n as f64),
        ("contrastive_weighted_pairs", co_n as f64),
        ("ms_distinct_positive_weights", ms_pos_values as f64),
        ("ms_distinct_negative_weights", ms_neg_values as f64),
        ("ms_positive_weight_max_over_min", ms_pos_ratio),
        ("ms_negative_weight_max_over_min", ms_neg_ratio),
        (
            "contrastive_distinct_positive_weights",
            co_pos_values as f64,
        ),
        (
            "contrastive_distinct_negative_weights",
            co_neg_values as f64,
        ),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(false)?)))
}

/// 4: semi-hard against hard triplets: the same trained batch under both miners, and both
/// trained side by side from the same start (as compare mode does).
pub fn hard_vs_semihard(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let hard_spec = lesson
        .compare_with
        .clone()
        .ok_or(LessonError::Mismatch("no miner to compare with"))?;
    let mut run = LessonRun::start(&lesson.config)?;
    let mut hard_run = run.trainer.fork(hard_spec.clone())?;
    let mut hard_loss = 0.0;
    for _ in 0..lesson.steps.max(1) {
        run.step()?;
        hard_loss += hard_run.step()?.loss;
    }
    let steps = run.history.len() as f64;
    let semi_loss = run.history.iter().map(|h| h.loss).sum::<f64>() / steps;
    hard_loss /= steps;
    let batch = run
        .last
        .clone()
        .ok_or(LessonError::Mismatch("the run trained no batch"))?;
    let (facts, same_batch_held) = triplet_facts(&batch, &hard_spec)?;
    let held = same_batch_held && hard_loss > semi_loss;
    let mut e = evidence(&[
        ("step", batch.step as f64),
        ("semihard_mean_loss_over_run", semi_loss),
        ("hard_mean_loss_over_run", hard_loss),
    ]);
    e.extend(facts);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(false)?)))
}

/// The semi-hard batch under both miners: no shared triplet, idle semi-hard triplets, the loss
/// as the mean over active ones, every hard triplet's loss at least the margin, the hard loss
/// larger. Returns the numbers and whether all of that held.
fn triplet_facts(
    batch: &BatchSnapshot,
    hard_spec: &LossSpec,
) -> Result<(Evidence, bool), LessonError> {
    let (sim, labels) = engine_input(batch);
    let m = labels.len();
    let Loss::TripletMargin(params) = batch.spec.loss else {
        return Err(LessonError::Mismatch("the loss is not a triplet loss"));
    };
    let margin = params.margin;
    let semi = evaluate(&batch.spec, &sim, &labels)?;
    let hard = evaluate(hard_spec, &sim, &labels)?;
    let gap = |t: &[usize; 3]| sim[t[0] * m + t[1]] - sim[t[0] * m + t[2]];
    let semi_t = semi.triplets.clone().unwrap_or_default();
    let hard_t = hard.triplets.clone().unwrap_or_default();
    let shared = semi_t
        .iter()
        .filter(|t| hard_t.binary_search(*t).is_ok())
        .count();
    let idle = semi_t.iter().filter(|t| gap(t) >= margin).count();
    let active: Vec<f64> = semi_t
        .iter()
        .map(|t| margin - gap(t))
        .filter(|&v| v > 0.0)
        .collect();
    let recomputed = active.iter().sum::<f64>() / active.len().max(1) as f64;
    let hard_min_loss = hard_t
        .iter()
        .map(|t| margin - gap(t))
        .fold(f64::INFINITY, f64::min);
    let held = shared == 0
        && idle > 0
        && (recomputed - semi.loss).abs() <= 1e-12
        && hard_min_loss >= margin
        && semi.loss < hard.loss;
    let e = evidence(&[
        ("semihard_triplets", semi_t.len() as f64),
        ("hard_triplets", hard_t.len() as f64),
        ("triplets_both_keep", shared as f64),
        ("semihard_triplets_with_zero_loss", idle as f64),
        ("semihard_loss", semi.loss),
        ("semihard_loss_over_active_triplets", recomputed),
        ("hard_loss", hard.loss),
        ("hard_smallest_triplet_loss", hard_min_loss),
    ]);
    Ok((e, held))
}

fn to_f64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// Kept pairs whose weight lies above the single-pair curve drawn for the batch (relative
/// tolerance 1e-5, for the f32 weights).
fn above_curve(batch: &BatchSnapshot) -> usize {
    let scale = curve_scale(batch);
    batch
        .mining
        .iter()
        .enumerate()
        .filter(|&(k, code)| {
            code.is_kept() && {
                let s = f64::from(batch.similarity[k]);
                let curve = single_pair_weight(&batch.spec, s, code.is_positive(), scale)
                    .unwrap_or(f64::INFINITY);
                f64::from(batch.weights[k]).abs() > curve * (1.0 + 1e-5) + 1e-12
            }
        })
        .count()
}

/// Largest ratio of the weights of two negative pairs whose S differ by at most `ds`.
fn near_equal_s_ratio(batch: &BatchSnapshot, weights: &[f64], ds: f64) -> f64 {
    let mut neg: Vec<(f64, f64)> = batch
        .mining
        .iter()
        .enumerate()
        .filter(|&(_, c)| *c == MiningCode::NegativeKept)
        .map(|(k, _)| (f64::from(batch.similarity[k]), weights[k].abs()))
        .filter(|&(_, w)| w > 0.0)
        .collect();
    neg.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut worst = 1.0_f64;
    let mut lo = 0;
    for hi in 0..neg.len() {
        while neg[hi].0 - neg[lo].0 > ds {
            lo += 1;
        }
        let window = &neg[lo..=hi];
        let max = window.iter().fold(0.0_f64, |a, p| a.max(p.1));
        let min = window.iter().fold(f64::INFINITY, |a, p| a.min(p.1));
        worst = worst.max(max / min);
    }
    worst
}

/// 5: binomial deviance's weights lie on one curve of S per side; MS's do not.
pub fn binomial_depends_on_s(lesson: &Lesson) -> Result<Verdict, LessonError> {
    let (run, batch) = last_batch(lesson)?;
    let (sim, labels) = engine_input(&batch);
    let scale = curve_scale(&batch);
    let m = batch.m();
    let mut off_curve = 0.0_f64;
    let mut on = 0usize;
    for (k, code) in batch.mining.iter().enumerate() {
        if !code.is_kept() {
            continue;
        }
        let s = sim[k];
        let curve = single_pair_weight(&batch.spec, s, code.is_positive(), scale).unwrap_or(0.0);
        let w = f64::from(batch.weights[k]).abs();
        off_curve = off_curve.max((w - curve).abs() / curve.max(1e-30));
        on += 1;
    }
    let binomial_ratio = near_equal_s_ratio(&batch, &to_f64(&batch.weights), 0.005);
    let ms = LossSpec::new(Loss::MultiSimilarity(MultiSimilarityParams::default()));
    let ms_out = evaluate(&ms, &sim, &labels)?;
    let ms_ratio = near_equal_s_ratio(&batch, &ms_out.weights, 0.005);
    let binomial = matches!(
        batch.spec.loss,
        Loss::BinomialDeviance(BinomialParams { .. })
    );
    let held = binomial && on == m * (m - 1) && off_curve < 1e-5 && ms_ratio > 2.0;
    let e = evidence(&[
        ("step", batch.step as f64),
        ("pairs_checked", on as f64),
        ("max_relative_distance_from_curve", off_curve),
        ("binomial_max_weight_ratio_within_ds_0_005", binomial_ratio),
        ("ms_max_weight_ratio_within_ds_0_005", ms_ratio),
    ]);
    Ok(verdict(lesson, held, e, Some(run.into_run_data(false)?)))
}
