//! The [`Monitor`]: rolling windows over a run's batches, losses and evaluations, and one
//! episode per warning kind (a kind fires when its condition starts, and again only after it
//! has been clear for a while).

use std::collections::VecDeque;

use super::kind::{Warning, WarningKind};
use super::thresholds::{
    CALM_BATCHES, CALM_EVALS, COLLAPSE_BATCHES, COLLAPSE_CLEAR, COLLAPSE_SIMILARITY, DRY_CLEAR,
    DRY_FIRE, DRY_WINDOW, LOSS_WINDOW, OVERFIT_CLEAR, OVERFIT_DROP, OVERFIT_EVALS, VANISH_CLEAR,
    VANISH_FRACTION, VANISH_WINDOW,
};
use crate::training::trainer::{BatchSnapshot, EvalPoint, TrainError};

/// What [`Monitor`] reads of one trained batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchSigns {
    pub step: u64,
    pub loss: f64,
    /// Positive plus negative pairs the miner (or the loss) kept.
    pub kept_pairs: usize,
    /// Mean cosine similarity over the ordered pairs `i ≠ j` of the batch.
    pub mean_similarity: f64,
    /// `Σ_ij |G_ij|` over the batch.
    pub total_weight: f64,
}

impl BatchSigns {
    /// The numbers of a trained batch. The mean similarity comes from the unit embeddings:
    /// `Σ_ij S_ij = |Σ_i z_i|²`, so `Σ_{i≠j} S_ij = |Σ z|² − Σ |z_i|²` (O(m·d), not O(m²)).
    pub fn of(batch: &BatchSnapshot) -> Self {
        let (m, d) = (batch.m(), batch.d.max(1));
        let mut sum = vec![0.0_f64; d];
        let mut self_sim = 0.0_f64;
        for row in batch.embeddings.chunks(d) {
            for (s, &v) in sum.iter_mut().zip(row) {
                *s += f64::from(v);
            }
            self_sim += row
                .iter()
                .map(|&v| f64::from(v) * f64::from(v))
                .sum::<f64>();
        }
        let all: f64 = sum.iter().map(|s| s * s).sum();
        let pairs = (m * m.saturating_sub(1)).max(1) as f64;
        Self {
            step: batch.step,
            loss: batch.loss,
            kept_pairs: batch.positive_pairs + batch.negative_pairs,
            mean_similarity: (all - self_sim) / pairs,
            total_weight: batch.weights.iter().map(|&w| f64::from(w.abs())).sum(),
        }
    }
}

/// Whether one kind is in an episode, and how long its condition has been clear.
#[derive(Debug, Clone, Copy, Default)]
struct Episode {
    active: bool,
    calm: u32,
}

impl Episode {
    /// Advances by one observation; true when an episode starts now. `on`: the condition
    /// holds; `off`: it is clearly gone (between the two, an episode neither starts nor
    /// calms down).
    fn update(&mut self, on: bool, off: bool, calm_needed: u32) -> bool {
        if !self.active {
            self.active = on;
            self.calm = 0;
            return on;
        }
        self.calm = if off { self.calm + 1 } else { 0 };
        if self.calm >= calm_needed {
            *self = Self::default();
        }
        false
    }
}

/// The best held-out Recall@1 so far.
#[derive(Debug, Clone, Copy)]
struct Best {
    step: u64,
    recall: f64,
    /// The training loss's running mean then (`None` until [`LOSS_WINDOW`] batches exist).
    loss: Option<f64>,
}

/// Watches one run; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Monitor {
    episodes: [Episode; WarningKind::ALL.len()],
    /// Whether each of the last [`DRY_WINDOW`] batches kept no pair.
    dry: VecDeque<bool>,
    /// Mean similarity of the last [`COLLAPSE_BATCHES`] batches.
    similarity: VecDeque<f64>,
    /// `Σ|w| / kept pairs` of the last [`VANISH_WINDOW`] batches that kept pairs.
    weight: VecDeque<f64>,
    /// The largest median of `weight` in the run so far.
    peak_weight: f64,
    /// The last [`LOSS_WINDOW`] training losses.
    losses: VecDeque<f64>,
    best: Option<Best>,
    /// Evaluations in a row clearly below the best.
    below_best: usize,
}

fn push_bounded<T>(q: &mut VecDeque<T>, v: T, cap: usize) {
    if q.len() == cap {
        q.pop_front();
    }
    q.push_back(v);
}

fn median(values: &VecDeque<f64>) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

impl Monitor {
    pub fn new() -> Self {
        Self::default()
    }

    fn fire(&mut self, kind: WarningKind, on: bool, off: bool, calm: u32) -> bool {
        self.episodes[kind.index()].update(on, off, calm)
    }

    /// A trained batch: the warnings that start with it (at most one per kind).
    pub fn observe_batch(&mut self, batch: &BatchSnapshot) -> Vec<Warning> {
        self.observe_signs(&BatchSigns::of(batch))
    }

    /// [`Self::observe_batch`] from the numbers alone.
    pub fn observe_signs(&mut self, b: &BatchSigns) -> Vec<Warning> {
        self.observe_loss(b.loss);
        // A healthy (finite) batch calms a divergence episode down.
        self.fire(WarningKind::Divergence, false, true, CALM_BATCHES);
        [self.dry(b), self.collapse(b), self.vanishing(b)]
            .into_iter()
            .flatten()
            .collect()
    }

    /// The training loss of one batch, for the overfitting check's trend (the window's app
    /// feeds its evaluation-side monitor this way: it sees every batch's loss, not the batch).
    pub fn observe_loss(&mut self, loss: f64) {
        if loss.is_finite() {
            push_bounded(&mut self.losses, loss, LOSS_WINDOW);
        }
        if let Some(best) = &mut self.best
            && best.loss.is_none()
        {
            best.loss = Self::mean_loss(&self.losses);
        }
    }

    fn mean_loss(losses: &VecDeque<f64>) -> Option<f64> {
        (losses.len() == LOSS_WINDOW).then(|| losses.iter().sum::<f64>() / LOSS_WINDOW as f64)
    }

    fn dry(&mut self, b: &BatchSigns) -> Option<Warning> {
        push_bounded(&mut self.dry, b.kept_pairs == 0, DRY_WINDOW);
        let empty = self.dry.iter().filter(|&&e| e).count();
        let on = self.dry.len() == DRY_WINDOW && empty >= DRY_FIRE;
        let off = empty <= DRY_CLEAR;
        self.fire(WarningKind::NoPairsMined, on, off, CALM_BATCHES)
            .then(|| {
                Warning::new(
                    b.step,
                    WarningKind::NoPairsMined,
                    &format!(
                        "the miner kept no pair in {empty} of the last {DRY_WINDOW} batches \
                         (this batch: {} pairs kept, loss {:.4})",
                        b.kept_pairs, b.loss
                    ),
                    "the miner judged no pair of those batches informative (the MS miner, for \
                     one, keeps nothing once every positive of each anchor is more similar \
                     than all its negatives by at least ε), so those batches have zero loss \
                     and zero weights and do not change the network at all",
                    "a miner that keeps more pairs (a larger ε or margin) or no miner at all; \
                     or stop here: only the few batches that still keep a pair train the \
                     network",
                )
            })
    }

    fn collapse(&mut self, b: &BatchSigns) -> Option<Warning> {
        push_bounded(&mut self.similarity, b.mean_similarity, COLLAPSE_BATCHES);
        let on = self.similarity.len() == COLLAPSE_BATCHES
            && self.similarity.iter().all(|&s| s >= COLLAPSE_SIMILARITY);
        let off = b.mean_similarity < COLLAPSE_CLEAR;
        self.fire(WarningKind::Collapse, on, off, CALM_BATCHES)
            .then(|| {
                Warning::new(
                    b.step,
                    WarningKind::Collapse,
                    &format!(
                        "the batch's embeddings have (nearly) merged: the mean similarity \
                         between different samples is {:.4} (at least {COLLAPSE_SIMILARITY} in \
                         each of the last {COLLAPSE_BATCHES} batches; 1 would be a single point)",
                        b.mean_similarity
                    ),
                    "the loss pulls positives together and nothing pushes the negatives away \
                     enough to stop it (a loss without a repulsive term, or a step too large \
                     for its margin), so every input is mapped to nearly the same direction; \
                     positives and negatives then have almost the same similarity, and the \
                     heatmap of S is uniformly close to 1",
                    "a loss that also pushes negatives apart (the default multi-similarity loss \
                     does), then Reset",
                )
            })
    }

    fn vanishing(&mut self, b: &BatchSigns) -> Option<Warning> {
        if b.kept_pairs == 0 || !b.total_weight.is_finite() {
            // No pair kept is `no_pairs_mined`'s case, not this one.
            return None;
        }
        let per_pair = b.total_weight / b.kept_pairs as f64;
        push_bounded(&mut self.weight, per_pair, VANISH_WINDOW);
        if self.weight.len() < VANISH_WINDOW {
            return None;
        }
        let now = median(&self.weight);
        self.peak_weight = self.peak_weight.max(now);
        if self.peak_weight <= 0.0 {
            return None;
        }
        let ratio = now / self.peak_weight;
        let on = ratio < VANISH_FRACTION;
        let off = ratio > VANISH_CLEAR;
        self.fire(WarningKind::VanishingWeights, on, off, CALM_BATCHES)
            .then(|| {
                Warning::new(
                    b.step,
                    WarningKind::VanishingWeights,
                    &format!(
                        "the batches still keep pairs ({} in this one, total weight Σ|w| \
                         {:.3e}) but those pairs have almost no weight: the median weight of a \
                         kept pair over the last {VANISH_WINDOW} batches that kept pairs is \
                         {now:.3e}, {:.2} % of its largest in this run ({:.3e})",
                        b.kept_pairs,
                        b.total_weight,
                        100.0 * ratio,
                        self.peak_weight
                    ),
                    "the kept pairs already (nearly) satisfy the loss itself, which gives them \
                     (almost) no weight: kept is not the same as informative, and a batch \
                     whose weights are near zero barely moves the network",
                    "a loss margin at least as large as the miner's, so that every pair the \
                     miner keeps still has a loss to lower",
                )
            })
    }

    /// A held-out evaluation: an `overfitting` warning when Recall@1 has fallen clearly
    /// below its best in [`OVERFIT_EVALS`] evaluations in a row while the training loss kept
    /// falling.
    pub fn observe_eval(&mut self, e: &EvalPoint) -> Option<Warning> {
        let recall = e.metrics.recall_at_1;
        if !recall.is_finite() {
            return None;
        }
        let loss_now = Self::mean_loss(&self.losses);
        let best = match self.best {
            Some(b) if recall <= b.recall => b,
            _ => {
                self.best = Some(Best {
                    step: e.step,
                    recall,
                    loss: loss_now,
                });
                self.below_best = 0;
                self.fire(WarningKind::Overfitting, false, true, CALM_EVALS);
                return None;
            }
        };
        let below = recall <= best.recall - OVERFIT_DROP;
        self.below_best = if below { self.below_best + 1 } else { 0 };
        let falling = matches!((loss_now, best.loss), (Some(now), Some(then)) if now < then);
        let on = self.below_best >= OVERFIT_EVALS && falling;
        let off = recall >= best.recall - OVERFIT_CLEAR;
        if !self.fire(WarningKind::Overfitting, on, off, CALM_EVALS) {
            return None;
        }
        let (now, then) = (loss_now.unwrap_or(0.0), best.loss.unwrap_or(0.0));
        Some(Warning::new(
            e.step,
            WarningKind::Overfitting,
            &format!(
                "held-out Recall@1 is {recall:.3}, down from its best {:.3} at step {} \
                 ({OVERFIT_EVALS} evaluations in a row at least {OVERFIT_DROP} below it), while \
                 the training loss kept falling (mean of the last {LOSS_WINDOW} batches \
                 {now:.4}, against {then:.4} around step {})",
                best.recall, best.step, best.step
            ),
            "what the network learns from the training batches keeps lowering their loss but \
             no longer carries over to the held-out data (on the classes split: to digits it \
             never saw), so the two curves part ways",
            "fewer steps (the held-out data was best at the step above) or a smaller learning \
             rate; on the classes split, compare with the raw pixels' Recall@1",
        ))
    }

    /// A step or an evaluation that failed: a `divergence` warning for
    /// [`TrainError::Diverged`] (once per episode), `None` for any other error.
    pub fn observe_divergence(&mut self, e: &TrainError) -> Option<Warning> {
        let TrainError::Diverged { step, what, cause } = e else {
            return None;
        };
        self.fire(WarningKind::Divergence, true, false, CALM_BATCHES)
            .then(|| {
                Warning::new(
                    *step,
                    WarningKind::Divergence,
                    &format!("training diverged: {what} is not finite (likely cause: {cause})"),
                    "an update was so large that the numbers overflowed, typically a learning \
                     rate too large for this loss's scale; the update was refused and the \
                     model of the step before is kept",
                    "lower the learning rate (ten times, say) and train on, or Reset",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Retrieval;

    fn signs(step: u64, kept: usize, similarity: f64, weight: f64) -> BatchSigns {
        BatchSigns {
            step,
            loss: if kept == 0 { 0.0 } else { 0.5 },
            kept_pairs: kept,
            mean_similarity: similarity,
            total_weight: weight,
        }
    }

    fn eval(step: u64, recall: f64) -> EvalPoint {
        EvalPoint {
            step,
            metrics: Retrieval {
                recall_at_1: recall,
                recall_at_2: recall,
                recall_at_4: recall,
                recall_at_8: recall,
                nmi: 0.5,
                map_at_r: 0.5,
            },
        }
    }

    #[test]
    fn names_and_lessons_are_the_contract() {
        let names: Vec<&str> = WarningKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "no_pairs_mined",
                "collapse",
                "vanishing_weights",
                "overfitting",
                "divergence"
            ]
        );
        for kind in WarningKind::ALL {
            let json = serde_json::to_value(kind).expect("serialises");
            assert_eq!(json, kind.as_str());
        }
        let w = Warning::new(7, WarningKind::Collapse, "seen", "why", "try");
        let json = serde_json::to_value(&w).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"step": 7, "kind": "collapse",
                "message": "Step 7: seen. Why: why. Try: try. Lesson: collapse."})
        );
    }

    #[test]
    fn a_dry_miner_warns_once_per_episode() {
        let mut m = Monitor::new();
        let mut fired = Vec::new();
        let mut step = 0;
        let mut feed = |m: &mut Monitor, kept: usize, n: usize, fired: &mut Vec<u64>| {
            for _ in 0..n {
                step += 1;
                for w in m.observe_signs(&signs(step, kept, 0.1, 1.0)) {
                    assert_eq!(w.kind, WarningKind::NoPairsMined);
                    fired.push(w.step);
                }
            }
        };
        feed(&mut m, 10, 30, &mut fired);
        assert!(fired.is_empty());
        // 11 empty batches out of the last 20: the 11th fires, the rest of the run does not.
        feed(&mut m, 0, 200, &mut fired);
        assert_eq!(fired, [41]);
        // Clear for a while (window refills with kept batches, then CALM_BATCHES more)…
        feed(&mut m, 10, 100, &mut fired);
        assert_eq!(fired, [41]);
        // …then a new episode warns again.
        feed(&mut m, 0, 11, &mut fired);
        assert_eq!(fired, [41, 341]);
    }

    #[test]
    fn a_flickering_condition_is_one_episode() {
        let mut m = Monitor::new();
        let mut n = 0;
        for step in 1..=400 {
            // 5 merged batches, then one just below the firing threshold but above the clear one.
            let s = if step % 6 == 0 { 0.97 } else { 0.995 };
            n += m.observe_signs(&signs(step, 10, s, 1.0)).len();
        }
        assert_eq!(n, 1);
    }

    #[test]
    fn weights_that_vanish_warn_but_a_dry_batch_is_not_counted() {
        let mut m = Monitor::new();
        let mut got = Vec::new();
        for step in 1..=100 {
            got.extend(m.observe_signs(&signs(step, 10, 0.1, 1.0)));
        }
        for step in 101..=200 {
            // Dry batches (weight 0) alternate with kept ones of small weight.
            let (kept, w) = if step % 2 == 0 { (0, 0.0) } else { (10, 1e-3) };
            got.extend(m.observe_signs(&signs(step, kept, 0.1, w)));
        }
        let vanishing: Vec<&Warning> = got
            .iter()
            .filter(|w| w.kind == WarningKind::VanishingWeights)
            .collect();
        assert_eq!(vanishing.len(), 1, "{got:?}");
        // The median of the last 20 kept batches drops below 1 % at the 11th small one.
        assert_eq!(vanishing[0].step, 121);
        assert!(
            vanishing[0].message.contains("0.10 %"),
            "{}",
            vanishing[0].message
        );
    }

    #[test]
    fn a_batch_that_keeps_few_pairs_of_full_weight_is_not_vanishing() {
        let mut m = Monitor::new();
        for step in 1..=300 {
            // 1000 pairs of weight 1e-3 each, then 1 pair of weight 1e-3: the total falls a
            // thousandfold, the weight of a kept pair does not.
            let (kept, w) = if step <= 100 { (1000, 1.0) } else { (1, 1e-3) };
            assert!(m.observe_signs(&signs(step, kept, 0.1, w)).is_empty());
        }
    }

    #[test]
    fn overfitting_needs_a_falling_loss_and_two_low_evaluations() {
        let mut m = Monitor::new();
        let mut loss = 1.0;
        let mut train = |m: &mut Monitor, falling: bool| {
            for _ in 0..25 {
                if falling {
                    loss *= 0.99;
                }
                m.observe_loss(loss);
            }
        };
        assert!(m.observe_eval(&eval(0, 0.9)).is_none());
        train(&mut m, true);
        assert!(
            m.observe_eval(&eval(25, 0.85)).is_none(),
            "one low evaluation"
        );
        train(&mut m, true);
        let w = m.observe_eval(&eval(50, 0.85)).expect("two in a row");
        assert_eq!((w.kind, w.step), (WarningKind::Overfitting, 50));
        assert!(
            w.message.contains("down from its best 0.900 at step 0"),
            "{}",
            w.message
        );
        train(&mut m, true);
        assert!(m.observe_eval(&eval(75, 0.8)).is_none(), "same episode");
        // A flat loss: a metric that drops is not over-fitting by this definition.
        let mut flat = Monitor::new();
        for _ in 0..25 {
            flat.observe_loss(0.5);
        }
        flat.observe_eval(&eval(25, 0.9));
        for step in [50, 75, 100] {
            for _ in 0..25 {
                flat.observe_loss(0.5);
            }
            assert!(flat.observe_eval(&eval(step, 0.8)).is_none());
        }
    }

    #[test]
    fn divergence_warns_once_until_training_is_healthy_again() {
        let mut m = Monitor::new();
        let e = TrainError::Diverged {
            step: 9,
            what: "the loss",
            cause: "the learning rate 1e9 is far too high".into(),
        };
        let w = m.observe_divergence(&e).expect("warns");
        assert_eq!((w.kind, w.step), (WarningKind::Divergence, 9));
        assert!(
            w.message.contains("the loss is not finite"),
            "{}",
            w.message
        );
        assert!(m.observe_divergence(&e).is_none());
        for step in 9..9 + u64::from(CALM_BATCHES) {
            m.observe_signs(&signs(step, 10, 0.1, 1.0));
        }
        assert!(m.observe_divergence(&e).is_some());
        assert!(
            m.observe_divergence(&TrainError::Readback("x".into()))
                .is_none()
        );
    }
}
