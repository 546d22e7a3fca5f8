//! A curve's value axis when its first steps reach far above the rest: the training loss of a
//! loss that starts high and drops within a few steps would otherwise leave most of the plot
//! an empty band over a flat line.

/// A loss axis that leaves out the first steps' values.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LossAxis {
    /// The axis: the rest of the curve with 5 % padding.
    pub(super) range: (f64, f64),
    /// The first and last step above it, whether every point between them is above it too,
    /// and the highest loss there.
    pub(super) first: f64,
    pub(super) last: f64,
    pub(super) every_one: bool,
    pub(super) peak: f64,
}

/// The loss axis when the curve's first 5 % of points reach so far above the rest that the
/// rest would fill less than half of the plot (a loss that starts high and drops within a few
/// steps): the rest's range, padded; `None` when the data's own range serves (then the axis
/// is the data's, as for every plot).
pub(super) fn loss_axis(points: &[(f64, f64)]) -> Option<LossAxis> {
    let finite: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    if finite.len() < 20 {
        return None;
    }
    let head = finite.len() / 20;
    let span = |ps: &[(f64, f64)]| {
        ps.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.1), b.max(p.1))
            })
    };
    let (lo, hi) = span(&finite[head..]);
    let (all_lo, peak) = span(&finite);
    if peak - all_lo <= 2.0 * (hi - lo) || hi <= lo {
        return None;
    }
    let pad = (hi - lo) * 0.05;
    let top = hi + pad;
    let above: Vec<f64> = finite.iter().filter(|p| p.1 > top).map(|p| p.0).collect();
    let (first, last) = (above.first().copied()?, above.last().copied()?);
    let between = finite
        .iter()
        .filter(|p| (first..=last).contains(&p.0))
        .count();
    Some(LossAxis {
        range: (all_lo.min(lo) - pad, top),
        first,
        last,
        every_one: between == above.len(),
        peak,
    })
}

/// The curve cut at `top`: the points above it run along the top edge (their steps stay
/// whole numbers, so the step axis keeps its integer ticks).
pub(super) fn cut_at(points: &[(f64, f64)], top: f64) -> Vec<(f64, f64)> {
    points.iter().map(|&(x, y)| (x, y.min(top))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loss that starts at 12 and drops to about 1 within three steps: the axis fits the
    /// rest, names the steps it cuts, and the cut curve stays inside it; a curve that falls
    /// gently keeps the data's own axis.
    #[test]
    fn a_high_start_is_cut_and_named() {
        let mut points: Vec<(f64, f64)> = (1..=100)
            .map(|k| (f64::from(k), 1.0 + 0.5 * (f64::from(k) * 0.7).sin()))
            .collect();
        points[0].1 = 12.0;
        points[1].1 = 6.0;
        let axis = loss_axis(&points).expect("a cut axis");
        assert_eq!(
            (axis.first, axis.last, axis.every_one, axis.peak),
            (1.0, 2.0, true, 12.0)
        );
        assert!(axis.range.1 < 1.6 && axis.range.0 < 0.55, "{axis:?}");
        let cut = cut_at(&points, axis.range.1);
        assert!(cut.iter().all(|p| p.1 <= axis.range.1));
        assert_eq!(cut[0], (1.0, axis.range.1));
        assert_eq!(cut[50], points[50]);
        let falling: Vec<(f64, f64)> = (1..=100)
            .map(|k| (f64::from(k), 1.0 + 1.0 / (1.0 + f64::from(k) / 30.0)))
            .collect();
        assert_eq!(loss_axis(&falling), None);
    }
}
