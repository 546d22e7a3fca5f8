//! A run's loss history in bounded memory. A window left training for an hour trains a million
//! batches: keeping every [`StepStats`] grew the app's memory without end and made every frame
//! draw a million points. [`LossHistory`] keeps at most [`LossHistory::CAP`] points: the newest
//! steps one point each, older steps merged in pairs, again and again as the run grows, into
//! points that keep the merged steps' mean, minimum and maximum loss. Headless runs are finite and
//! keep every step (metrics.json's `train`, and their figures' data).
//!
//! [`thin_evals`] bounds the held-out evaluations the same way, but by dropping every other old
//! evaluation instead of averaging: each kept point is a real measurement.

use super::trainer::{EvalPoint, StepStats};

/// One point of a loss history: one step, or consecutive steps merged.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LossPoint {
    /// The first step merged into this point.
    pub first_step: u64,
    /// The last step merged into this point (where it is drawn).
    pub step: u64,
    /// How many steps were merged (1 for a single step).
    pub steps: u64,
    /// The mean loss of the merged steps.
    pub loss: f64,
    pub loss_min: f64,
    pub loss_max: f64,
    /// The mean number of positive pairs kept per batch.
    pub positive_pairs: f64,
    /// The mean number of negative pairs kept per batch.
    pub negative_pairs: f64,
}

impl From<StepStats> for LossPoint {
    fn from(s: StepStats) -> Self {
        Self {
            first_step: s.step,
            step: s.step,
            steps: 1,
            loss: s.loss,
            loss_min: s.loss,
            loss_max: s.loss,
            positive_pairs: s.positive_pairs as f64,
            negative_pairs: s.negative_pairs as f64,
        }
    }
}

impl LossPoint {
    /// `self` followed by `next`, merged: means weighted by the steps each one covers.
    fn merged(self, next: Self) -> Self {
        let steps = self.steps + next.steps;
        let mean = |a: f64, b: f64| (a * self.steps as f64 + b * next.steps as f64) / steps as f64;
        Self {
            first_step: self.first_step,
            step: next.step,
            steps,
            loss: mean(self.loss, next.loss),
            loss_min: self.loss_min.min(next.loss_min),
            loss_max: self.loss_max.max(next.loss_max),
            positive_pairs: mean(self.positive_pairs, next.positive_pairs),
            negative_pairs: mean(self.negative_pairs, next.negative_pairs),
        }
    }
}

/// A run's training loss per step, in at most [`Self::CAP`] points (see the module doc).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LossHistory {
    points: Vec<LossPoint>,
}

impl LossHistory {
    /// The most points kept. A curve a few thousand pixels wide cannot show more; 8192 points
    /// are 0.5 MB.
    pub const CAP: usize = 8192;

    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the newest step. When the history is full, its older half is merged in pairs.
    pub fn push(&mut self, stats: StepStats) {
        self.points.push(stats.into());
        if self.points.len() > Self::CAP {
            self.compact();
        }
    }

    /// Merges the oldest half of the points in pairs; the newer half stays as it is, so the
    /// newest [`Self::CAP`]` / 2` steps always keep one point each.
    fn compact(&mut self) {
        let old = self.points.len() / 2;
        let mut kept = Vec::with_capacity(self.points.len());
        let mut older = self.points[..old].chunks_exact(2);
        kept.extend(older.by_ref().map(|pair| pair[0].merged(pair[1])));
        kept.extend_from_slice(older.remainder());
        kept.extend_from_slice(&self.points[old..]);
        self.points = kept;
    }

    /// Forgets the points after `step` (they are trained again). Steps are only ever rolled
    /// back by a few, so the merged points (all older) are never cut.
    pub fn drop_after(&mut self, step: u64) {
        self.points.retain(|p| p.step <= step);
    }

    pub fn points(&self) -> &[LossPoint] {
        &self.points
    }

    /// The newest step recorded.
    pub fn last_step(&self) -> Option<u64> {
        self.points.last().map(|p| p.step)
    }

    /// The newest step's numbers.
    pub fn last(&self) -> Option<&LossPoint> {
        self.points.last()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// `points` merged into at most `bins` points of equal step span (a curve drawn `bins` pixels
/// wide needs no more): each bin's mean, extremes and step range, as [`LossHistory`] merges.
/// Empty bins are skipped.
pub fn bin_points(points: &[LossPoint], bins: usize) -> Vec<LossPoint> {
    let origin = points.first().map_or(0, |p| p.first_step);
    bin_by_step(points, bins, origin, |p| p.step, LossPoint::merged)
}

/// At most `bins` of `evals`, the last of each equal step span (a real measurement each).
pub fn thin_evals_to(evals: &[EvalPoint], bins: usize) -> Vec<EvalPoint> {
    let origin = evals.first().map_or(0, |e| e.step);
    bin_by_step(evals, bins, origin, |e| e.step, |_, newer| newer)
}

/// `items` (in step order, the first step being `origin`) in at most `bins` groups of equal step
/// span, each group folded with `merge`; as they are when there are no more than `bins`.
fn bin_by_step<T: Copy>(
    items: &[T],
    bins: usize,
    origin: u64,
    step: impl Fn(&T) -> u64,
    merge: impl Fn(T, T) -> T,
) -> Vec<T> {
    let Some(last) = items.last() else {
        return Vec::new();
    };
    if items.len() <= bins.max(1) {
        return items.to_vec();
    }
    let span = (step(last) - origin + 1).div_ceil(bins.max(1) as u64);
    let mut binned: Vec<T> = Vec::with_capacity(bins);
    let mut current_bin = u64::MAX;
    for &item in items {
        let bin = (step(&item) - origin) / span;
        match binned.last_mut() {
            Some(b) if bin == current_bin => *b = merge(*b, item),
            _ => {
                binned.push(item);
                current_bin = bin;
            }
        }
    }
    binned
}

/// The most held-out evaluations a run keeps (see [`thin_evals`]).
pub const EVALS_CAP: usize = 4096;

/// Keeps `evals` at most [`EVALS_CAP`] long: when it is longer, every second evaluation of its
/// older half is dropped (the first one, the untrained baseline, is always kept).
pub fn thin_evals(evals: &mut Vec<EvalPoint>) {
    if evals.len() <= EVALS_CAP {
        return;
    }
    let old = evals.len() / 2;
    let mut k = 0;
    evals.retain(|_| {
        k += 1;
        let index = k - 1;
        index == 0 || index >= old || index % 2 == 0
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Retrieval;

    fn step(step: u64, loss: f64) -> StepStats {
        StepStats {
            step,
            loss,
            positive_pairs: (step % 7) as usize,
            negative_pairs: 3,
        }
    }

    impl LossHistory {
        fn from_steps(steps: &[StepStats]) -> Self {
            let mut history = Self::new();
            for &s in steps {
                history.push(s);
            }
            history
        }
    }

    fn retrieval(r: f64) -> Retrieval {
        Retrieval {
            recall_at_1: r,
            recall_at_2: r,
            recall_at_4: r,
            recall_at_8: r,
            nmi: r,
            map_at_r: r,
        }
    }

    #[test]
    fn a_short_history_keeps_every_step() {
        let steps: Vec<StepStats> = (1..=100).map(|s| step(s, s as f64)).collect();
        let history = LossHistory::from_steps(&steps);
        assert_eq!(history.len(), 100);
        assert!(history.points().iter().all(|p| p.steps == 1));
        assert_eq!(history.points()[41], LossPoint::from(steps[41]));
    }

    #[test]
    fn a_long_history_stays_bounded_and_keeps_every_step_counted() {
        let mut history = LossHistory::new();
        let n = 1_000_000_u64;
        let mut sum = 0.0;
        for s in 1..=n {
            let loss = ((s * 7919) % 1000) as f64 / 1000.0;
            sum += loss;
            history.push(step(s, loss));
            assert!(history.len() <= LossHistory::CAP);
        }
        let points = history.points();
        assert_eq!(points.iter().map(|p| p.steps).sum::<u64>(), n);
        // Consecutive, in order, without gaps or overlaps.
        assert_eq!(points[0].first_step, 1);
        assert_eq!(points.last().unwrap().step, n);
        for w in points.windows(2) {
            assert_eq!(w[1].first_step, w[0].step + 1);
        }
        for p in points {
            assert_eq!(p.steps, p.step - p.first_step + 1);
            assert!(p.loss_min <= p.loss && p.loss <= p.loss_max);
        }
        // The means are the steps' means: the total is kept.
        let total: f64 = points.iter().map(|p| p.loss * p.steps as f64).sum();
        assert!((total - sum).abs() < 1e-6 * sum);
        // The newest half of the cap is still one point per step.
        let recent = &points[points.len() - LossHistory::CAP / 2..];
        assert!(recent.iter().all(|p| p.steps == 1));
    }

    #[test]
    fn merged_points_keep_the_extremes() {
        let mut history = LossHistory::new();
        for s in 1..=(LossHistory::CAP as u64 + 1) {
            history.push(step(s, if s == 2 { 9.0 } else { 1.0 }));
        }
        let first = history.points()[0];
        assert_eq!((first.first_step, first.step, first.steps), (1, 2, 2));
        assert_eq!(
            (first.loss, first.loss_min, first.loss_max),
            (5.0, 1.0, 9.0)
        );
        assert_eq!(
            history.len(),
            LossHistory::CAP / 4 + LossHistory::CAP / 2 + 1
        );
    }

    #[test]
    fn drop_after_forgets_the_newer_steps() {
        let steps: Vec<StepStats> = (1..=10).map(|s| step(s, 1.0)).collect();
        let mut history = LossHistory::from_steps(&steps);
        history.drop_after(7);
        assert_eq!(history.last_step(), Some(7));
        assert_eq!(history.len(), 7);
    }

    #[test]
    fn thinning_keeps_the_baseline_and_the_newest_evaluations() {
        let point = |step| EvalPoint {
            step,
            metrics: retrieval(0.5),
        };
        let mut evals: Vec<EvalPoint> = (0..=EVALS_CAP as u64).map(point).collect();
        thin_evals(&mut evals);
        assert!(evals.len() <= EVALS_CAP);
        assert_eq!(evals[0].step, 0);
        assert_eq!(evals.last().unwrap().step, EVALS_CAP as u64);
        assert!(evals.windows(2).all(|w| w[0].step < w[1].step));
        let mut evals: Vec<EvalPoint> = (0..100).map(point).collect();
        thin_evals(&mut evals);
        assert_eq!(evals.len(), 100);
    }

    #[test]
    fn binning_keeps_the_totals_and_the_extremes() {
        let steps: Vec<StepStats> = (1..=10_000).map(|s| step(s, (s % 100) as f64)).collect();
        let history = LossHistory::from_steps(&steps);
        let binned = bin_points(history.points(), 300);
        assert!(
            binned.len() <= 300 && binned.len() >= 290,
            "{}",
            binned.len()
        );
        assert_eq!(binned.iter().map(|p| p.steps).sum::<u64>(), 10_000);
        let total: f64 = binned.iter().map(|p| p.loss * p.steps as f64).sum();
        let expected: f64 = steps.iter().map(|s| s.loss).sum();
        assert!((total - expected).abs() < 1e-6 * expected);
        assert_eq!(binned.iter().map(|p| p.loss_max).fold(0.0, f64::max), 99.0);
        assert_eq!(binned.iter().map(|p| p.loss_min).fold(99.0, f64::min), 0.0);
        // Few points are drawn as they are.
        assert_eq!(
            bin_points(&history.points()[..50], 300),
            history.points()[..50]
        );
    }

    #[test]
    fn thinning_to_bins_keeps_real_evaluations() {
        let evals: Vec<EvalPoint> = (0..1000)
            .map(|k| EvalPoint {
                step: k * 25,
                metrics: retrieval(k as f64 / 1000.0),
            })
            .collect();
        let kept = thin_evals_to(&evals, 100);
        assert!(kept.len() <= 100);
        assert!(kept.iter().all(|e| evals.contains(e)));
        assert_eq!(kept.last(), evals.last());
    }
}
