//! Where a plot's legend goes, so it never hides data: the corner of the plotting area that the
//! curves and points leave empty, else outside the data, in a column to the right.

use plotters::prelude::SeriesLabelPosition;

use super::style::Sizes;
use crate::figures::figure::{Plot, Stroke};

/// The legend's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Place {
    /// No named series.
    None,
    /// Inside, in a corner no data reaches.
    Corner(CornerAt),
    /// Outside the data: a column this many pixels wide to the right of the plot.
    Right(u32),
    /// Outside the data: rows under the plot, this many pixels tall, `columns` entries to a
    /// row — when a column beside the plot would leave the plot too narrow (long names, or a
    /// board's panel, whose text has the board's sizes).
    Below { columns: u32, height: u32 },
}

/// One of the plotting area's corners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CornerAt {
    UpperRight,
    UpperLeft,
    LowerRight,
    LowerLeft,
}

impl CornerAt {
    pub(super) fn position(self) -> SeriesLabelPosition {
        match self {
            Self::UpperRight => SeriesLabelPosition::UpperRight,
            Self::UpperLeft => SeriesLabelPosition::UpperLeft,
            Self::LowerRight => SeriesLabelPosition::LowerRight,
            Self::LowerLeft => SeriesLabelPosition::LowerLeft,
        }
    }
}

/// The legend box's size in pixels for `plot`'s named series (text width estimated at 0.6 em
/// per character of DejaVu Sans, generous for its digits and lower case).
pub(super) fn box_size(plot: &Plot, z: Sizes) -> (u32, u32) {
    let named: Vec<&str> = plot
        .series
        .iter()
        .filter(|s| !s.name.is_empty())
        .map(|s| s.name.as_str())
        .collect();
    let longest = named.iter().map(|n| n.chars().count()).max().unwrap_or(0) as f64;
    let em = f64::from(z.label) / 1.24;
    let width = (longest * 0.6 * em) as u32 + 3 * z.label + 3 * z.gap;
    let height = named.len() as u32 * (z.label * 5 / 4) + 2 * z.gap;
    (width, height)
}

/// The emptiest corner of a plotting area `plot_px` pixels large for the box, or the column to
/// the right when every corner holds data, or rows under the plot when that column would take
/// more than half the plot's width.
pub(super) fn place(
    plot: &Plot,
    ((x0, x1), (y0, y1)): ((f64, f64), (f64, f64)),
    plot_px: (u32, u32),
    z: Sizes,
) -> Place {
    if plot.series.iter().all(|s| s.name.is_empty()) {
        return Place::None;
    }
    let (bw, bh) = box_size(plot, z);
    let outside = outside(plot, (bw, bh), plot_px.0, z);
    // plotters' own legend box draws every line solid: a pattern or a marked line is told
    // apart only in the column, which draws each series' look.
    let plain = |s: &crate::figures::figure::Series| {
        s.name.is_empty() || matches!(s.stroke, Stroke::Solid | Stroke::Markers)
    };
    if !plot.series.iter().all(plain) {
        return outside;
    }
    // The box's share of each axis, with the gap plotters leaves from the frame.
    let fx = f64::from(bw + z.gap) / f64::from(plot_px.0.max(1));
    let fy = f64::from(bh + z.gap) / f64::from(plot_px.1.max(1));
    if fx >= 0.6 || fy >= 0.9 {
        return outside;
    }
    let inside = |corner: CornerAt, (nx, ny): (f64, f64)| match corner {
        CornerAt::UpperRight => nx >= 1.0 - fx && ny >= 1.0 - fy,
        CornerAt::UpperLeft => nx <= fx && ny >= 1.0 - fy,
        CornerAt::LowerRight => nx >= 1.0 - fx && ny <= fy,
        CornerAt::LowerLeft => nx <= fx && ny <= fy,
    };
    let norm = |(x, y): (f64, f64)| ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0));
    let corners = [
        CornerAt::UpperRight,
        CornerAt::UpperLeft,
        CornerAt::LowerRight,
        CornerAt::LowerLeft,
    ];
    let mut hits = [0_usize; 4];
    for s in &plot.series {
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .map(norm)
            .collect();
        let mut visit = |p: (f64, f64)| {
            for (k, &c) in corners.iter().enumerate() {
                hits[k] += usize::from(inside(c, p));
            }
        };
        if s.stroke == Stroke::Markers {
            points.iter().copied().for_each(&mut visit);
        } else {
            // A curve covers its segments, not only its points: sample each at 1 % steps.
            for w in points.windows(2) {
                let steps = ((w[1].0 - w[0].0).hypot(w[1].1 - w[0].1) / 0.01)
                    .ceil()
                    .max(1.0);
                for k in 0..=steps as usize {
                    let t = k as f64 / steps;
                    visit((
                        w[0].0 + t * (w[1].0 - w[0].0),
                        w[0].1 + t * (w[1].1 - w[0].1),
                    ));
                }
            }
            if let [only] = points.as_slice() {
                visit(*only);
            }
        }
    }
    match corners.iter().zip(hits).find(|(_, h)| *h == 0) {
        Some((&corner, _)) => Place::Corner(corner),
        None => outside,
    }
}

/// The legend outside the data: a column beside a plot `plot_w` pixels wide, or rows under it
/// (as many entries to a row as its width holds) when the column would take over half of it
/// (over 60 % when the rows would hold one entry each).
fn outside(plot: &Plot, (bw, _): (u32, u32), plot_w: u32, z: Sizes) -> Place {
    let column = bw + 2 * z.gap;
    let named = plot.series.iter().filter(|s| !s.name.is_empty()).count() as u32;
    let columns = (plot_w / column.max(1)).clamp(1, named.max(1));
    // Rows of one entry each would take the plot's height (eight entries left the metrics
    // figure a quarter of its height at the paper preset): then a column that leaves the
    // plot 40 % of its width is the lesser loss.
    let limit = if columns == 1 && named > 3 { 0.6 } else { 0.5 };
    if f64::from(column) <= limit * f64::from(plot_w) {
        return Place::Right(column);
    }
    let rows = named.div_ceil(columns);
    Place::Below {
        columns,
        height: rows * (z.label * 5 / 4) + 2 * z.gap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::figure::Series;

    fn plot(series: Vec<(Vec<(f64, f64)>, Stroke)>) -> Plot {
        Plot {
            x_label: "step".into(),
            y_label: "loss".into(),
            series: series
                .into_iter()
                .enumerate()
                .map(|(k, (points, stroke))| Series {
                    name: format!("series {k}"),
                    points,
                    colour: (0, 0, 0),
                    stroke,
                })
                .collect(),
            equal_aspect: false,
            x_range: None,
            y_range: None,
        }
    }

    const RANGES: ((f64, f64), (f64, f64)) = ((0.0, 1.0), (0.0, 1.0));

    #[test]
    fn the_legend_avoids_the_corners_the_data_reaches() {
        let z = Sizes::for_width(1600);
        // A falling curve (a loss) passes through the upper left and lower right corners'
        // regions only near the axes it starts and ends at: the upper right is empty.
        let falling = plot(vec![(
            vec![(0.0, 1.0), (0.2, 0.1), (1.0, 0.0)],
            Stroke::Solid,
        )]);
        assert_eq!(
            place(&falling, RANGES, (1400, 700), z),
            Place::Corner(CornerAt::UpperRight)
        );
        // A rising curve reaches the upper right: the legend goes to another corner.
        let rising = plot(vec![(
            vec![(0.0, 0.0), (0.3, 0.8), (1.0, 1.0)],
            Stroke::Solid,
        )]);
        let Place::Corner(corner) = place(&rising, RANGES, (1400, 700), z) else {
            panic!("an empty corner exists");
        };
        assert_ne!(corner, CornerAt::UpperRight);
        // Points everywhere: no corner is empty, the legend goes beside the plot.
        let grid: Vec<(f64, f64)> = (0..=20)
            .flat_map(|i| (0..=20).map(move |j| (f64::from(i) / 20.0, f64::from(j) / 20.0)))
            .collect();
        let full = plot(vec![(grid, Stroke::Markers)]);
        assert!(matches!(place(&full, RANGES, (1400, 700), z), Place::Right(w) if w > 0));
        // Nothing named, nothing drawn.
        let mut unnamed = falling.clone();
        unnamed.series[0].name.clear();
        assert_eq!(place(&unnamed, RANGES, (1400, 700), z), Place::None);
        // A plot too narrow for the column: the legend goes under it.
        assert!(matches!(
            place(&full, RANGES, (300, 700), z),
            Place::Below { columns: 1, height } if height > 0
        ));
    }
}
