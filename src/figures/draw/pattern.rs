//! How each [`Stroke`] looks — its width, opacity and dash pattern — and the dashes of a
//! pattern walked along a polyline in pixels, so that a pattern looks the same whatever the
//! axes' scales and however densely a curve is sampled (plotters' dashed series restarts its
//! pattern at every point and has no dash-dot).

use crate::figures::figure::Stroke;

/// A stroke's look, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Look {
    pub(super) width: u32,
    pub(super) opacity: f64,
    /// On, off, on, off, … lengths; empty for a solid line.
    pub(super) dashes: Vec<i32>,
}

/// The look of `stroke` for lines `line` pixels wide. Curves get the full width; reference
/// levels (baselines) half of it, paler, with longer gaps, so they stay apart from curves of
/// the same colour and pattern family.
pub(super) fn look(stroke: Stroke, line: u32) -> Look {
    let l = line.max(1) as i32;
    let thin = (line / 2).max(1);
    let (width, opacity, dashes) = match stroke {
        Stroke::Solid | Stroke::Markers | Stroke::SolidSquares | Stroke::SolidCircles => {
            (line, 1.0, Vec::new())
        }
        Stroke::Dashed => (line, 1.0, vec![5 * l, 3 * l]),
        Stroke::Dotted => (line, 1.0, vec![l, 2 * l]),
        Stroke::DashDot => (line, 1.0, vec![5 * l, 2 * l, l, 2 * l]),
        Stroke::ReferenceDashed => (thin, 0.65, vec![9 * l, 5 * l]),
        Stroke::ReferenceDotted => (thin, 0.65, vec![thin as i32, 4 * l]),
    };
    Look {
        width,
        opacity,
        dashes,
    }
}

/// The dashes of `pattern` (on, off, …) along the polyline `points`, each a polyline of its
/// own; the whole line when the pattern is empty.
pub(super) fn dashes(points: &[(i32, i32)], pattern: &[i32]) -> Vec<Vec<(i32, i32)>> {
    if pattern.is_empty() || pattern.iter().any(|&p| p <= 0) || points.len() < 2 {
        return vec![points.to_vec()];
    }
    let round = |(x, y): (f64, f64)| (x.round() as i32, y.round() as i32);
    let mut out = Vec::new();
    let mut k = 0;
    let mut left = f64::from(pattern[0]);
    let first = (f64::from(points[0].0), f64::from(points[0].1));
    let mut current = vec![round(first)];
    for w in points.windows(2) {
        let a = (f64::from(w[0].0), f64::from(w[0].1));
        let b = (f64::from(w[1].0), f64::from(w[1].1));
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let mut t = 0.0;
        // Every change between on and off inside this segment.
        while len - t > left {
            t += left;
            let p = round((a.0 + (b.0 - a.0) * t / len, a.1 + (b.1 - a.1) * t / len));
            if k % 2 == 0 {
                current.push(p);
                out.push(std::mem::take(&mut current));
            } else {
                current = vec![p];
            }
            k = (k + 1) % pattern.len();
            left = f64::from(pattern[k]);
        }
        left -= len - t;
        if k % 2 == 0 {
            current.push(round(b));
        }
    }
    if k % 2 == 0 && current.len() >= 2 {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A horizontal line 100 px long in a 10-on 5-off pattern: dashes of 10 px every 15 px,
    /// across the segment boundaries of a densely sampled polyline too.
    #[test]
    fn dashes_follow_the_pattern_across_points() {
        let sparse = dashes(&[(0, 0), (100, 0)], &[10, 5]);
        let dense: Vec<(i32, i32)> = (0..=100).map(|x| (x, 0)).collect();
        let dense = dashes(&dense, &[10, 5]);
        for d in [&sparse, &dense] {
            let spans: Vec<(i32, i32)> = d
                .iter()
                .map(|dash| (dash[0].0, dash[dash.len() - 1].0))
                .collect();
            assert_eq!(
                spans,
                vec![
                    (0, 10),
                    (15, 25),
                    (30, 40),
                    (45, 55),
                    (60, 70),
                    (75, 85),
                    (90, 100)
                ]
            );
        }
        // Dash-dot alternates long and short dashes (the last one cut by the line's end).
        let dd = dashes(&[(0, 0), (40, 0)], &[10, 2, 2, 2]);
        let lengths: Vec<i32> = dd.iter().map(|d| d[d.len() - 1].0 - d[0].0).collect();
        assert_eq!(lengths, vec![10, 2, 10, 2, 8]);
        // No pattern: the line itself.
        assert_eq!(dashes(&[(0, 0), (5, 5)], &[]), vec![vec![(0, 0), (5, 5)]]);
    }

    #[test]
    fn every_recall_pattern_differs() {
        let looks: Vec<Look> = [
            Stroke::Solid,
            Stroke::Dashed,
            Stroke::Dotted,
            Stroke::DashDot,
            Stroke::ReferenceDashed,
            Stroke::ReferenceDotted,
        ]
        .into_iter()
        .map(|s| look(s, 4))
        .collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
