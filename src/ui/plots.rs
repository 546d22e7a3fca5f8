//! Curves (loss, held-out metrics) and the t-SNE scatter, with egui_plot.

use egui::Color32;
use egui_plot::{HLine, HoverPosition, Line, LineStyle, Plot, PlotPoints, Points};

use super::plot_key::{self, Entry, Mark};

use crate::app::RunView;
use crate::metrics::Retrieval;
use crate::palette;
use crate::training::LossPoint;
use crate::training::history::{bin_points, thin_evals_to};

/// `crate::palette`'s colour as egui's.
pub fn colour(rgb: palette::Rgb) -> Color32 {
    let (r, g, b) = rgb;
    Color32::from_rgb(r, g, b)
}

/// The colour of class `class` on screen: the exported figures' (`palette::class_colour`),
/// except that black turns light grey on a dark background.
pub fn class_colour(class: u32, dark: bool) -> Color32 {
    let c = palette::class_colour(class);
    if dark && c == palette::BLACK {
        Color32::from_rgb(220, 220, 220)
    } else {
        colour(c)
    }
}

/// `plot` as the app's plots are drawn: on the panel's own background (a filled plot area is a
/// second pass over its pixels, which on a software rasterizer — llvmpipe — cost a sixth of the
/// frame: frame interval p50 60 → 50 ms with the three plots of the default view unfilled,
/// measured under Xvfb), and with grid lines at 1, 2 and 5 times a power of ten.
pub fn panel_plot(plot: Plot<'_>) -> Plot<'_> {
    plot.show_background(false)
        .x_grid_spacer(one_two_five)
        .y_grid_spacer(one_two_five)
        .x_axis_formatter(|mark, _| tick_label(mark))
        .y_axis_formatter(|mark, _| tick_label(mark))
}

/// A grid mark's label with as many decimals as its step needs (0.5 → 1, 0.05 → 2): egui_plot's
/// default rounds the step's exponent, which wrote 0.5 as "0" and 0.05 as "0.1".
fn tick_label(mark: egui_plot::GridMark) -> String {
    let decimals = (-mark.step_size.log10() - 1e-9).ceil().clamp(0.0, 12.0) as usize;
    egui::emath::format_with_decimals_in_range(mark.value, decimals..=decimals)
}

/// Grid marks at 1, 2 or 5 × 10ᵏ, the finest at least `base_step_size`, and two coarser levels
/// that each divide by the finer. egui_plot's default has powers of ten only, so a loss curve
/// of 744 steps 300 points wide labelled only its 0: the 100-step lines were too close for a
/// label (60 points) and the next level, 1000, lay beyond the run.
fn one_two_five(input: egui_plot::GridInput) -> Vec<egui_plot::GridMark> {
    let base = input.base_step_size.abs();
    let (lo, hi) = input.bounds;
    if !(base.is_finite() && base > 0.0 && lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Vec::new();
    }
    let steps = one_two_five_steps(base);
    let first = (lo / steps[0]).ceil() as i64;
    let last = (hi / steps[0]).floor() as i64;
    // No more marks than a plot could hold (a degenerate input must not allocate without end).
    if last < first || last - first > 10_000 {
        return Vec::new();
    }
    (first..=last)
        .map(|k| {
            // The coarsest level that this multiple of the finest step falls on.
            let step_size = steps
                .iter()
                .rev()
                .copied()
                .find(|&s| {
                    let r = k as f64 * steps[0] / s;
                    (r - r.round()).abs() < 1e-6
                })
                .unwrap_or(steps[0]);
            egui_plot::GridMark {
                value: k as f64 * steps[0],
                step_size,
            }
        })
        .collect()
}

/// The three nested 1-2-5 step sizes from the smallest one at least `base`.
fn one_two_five_steps(base: f64) -> [f64; 3] {
    let decade = 10f64.powf(base.log10().floor());
    let mut s = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|f| f * decade)
        .find(|&s| s >= base * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade);
    let mut out = [s; 3];
    for slot in &mut out[1..] {
        // 1 → 5, 2 → 10, 5 → 10 (each a multiple of the last).
        let lead = s / 10f64.powf(s.log10().floor());
        s *= if (lead - 5.0).abs() < 1e-6 { 2.0 } else { 5.0 };
        *slot = s;
    }
    out
}

/// How a curve reads its value from an evaluation.
type MetricOf = fn(&Retrieval) -> f64;

fn step_formatter(y_name: &'static str) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    move |pos| match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => Some(format!(
            "{plot_name}\nstep {:.0}\n{y_name} {:.4}",
            position.x, position.y
        )),
        HoverPosition::Elsewhere { position } => Some(format!(
            "step {:.0}\n{y_name} {:.4}",
            position.x, position.y
        )),
    }
}

/// Training loss per step, with a moving average; a run with more points than the plot has
/// pixels is drawn binned (the grey lines are each bin's lowest and highest loss, the blue one
/// its mean), so a frame draws a few hundred points however long the run.
pub fn loss_curve(ui: &mut egui::Ui, view: &RunView, height: f32, link: egui::Id) {
    let columns = plot_columns(ui);
    let points = view.history.points();
    let grey = Color32::from_rgb(150, 150, 150);
    let blue = colour(palette::BLUE);
    let plot = panel_plot(Plot::new("loss-curve"))
        .height(height)
        .id(egui::Id::unique("loss-curve"))
        .x_axis_label("step")
        .y_axis_label("loss")
        .link_axis(link, [true, false])
        .label_formatter(step_formatter("loss"));
    if points.len() <= columns && points.iter().all(|p| p.steps == 1) {
        let raw: Vec<[f64; 2]> = points.iter().map(|p| [p.step as f64, p.loss]).collect();
        let smooth = moving_average(&raw, 25);
        plot.show(ui, |plot| {
            plot.line(
                Line::new("loss", PlotPoints::from(raw))
                    .color(grey)
                    .width(1.0),
            );
            plot.line(
                Line::new("moving average (25)", PlotPoints::from(smooth))
                    .color(blue)
                    .width(2.0),
            );
        });
        // The keys are drawn below the plots: a legend inside would cover data.
        plot_key::show(
            ui,
            &[
                Entry::new("loss", grey, Mark::Solid(1.0)),
                Entry::new("moving average (25)", blue, Mark::Solid(2.0)),
            ],
        );
        return;
    }
    let binned = bin_points(points, columns);
    let series = |f: fn(&LossPoint) -> f64| -> PlotPoints {
        binned.iter().map(|p| [p.step as f64, f(p)]).collect()
    };
    plot.show(ui, |plot| {
        // One legend entry for both extremes: egui_plot merges items of the same name.
        let range = "loss (lowest and highest per pixel)";
        plot.line(
            Line::new(range, series(|p| p.loss_min))
                .color(grey)
                .width(1.0),
        );
        plot.line(
            Line::new(range, series(|p| p.loss_max))
                .color(grey)
                .width(1.0),
        );
        plot.line(
            Line::new("mean loss per pixel", series(|p| p.loss))
                .color(blue)
                .width(2.0),
        );
    });
    plot_key::show(
        ui,
        &[
            Entry::new(
                "loss (lowest and highest per pixel)",
                grey,
                Mark::Solid(1.0),
            ),
            Entry::new("mean loss per pixel", blue, Mark::Solid(2.0)),
        ],
    );
}

/// How many points a plot as wide as `ui` can show apart: one per pixel column.
pub fn plot_columns(ui: &egui::Ui) -> usize {
    (ui.available_width() as usize).clamp(64, 4096)
}

/// The mean of each point's `window` newest values.
fn moving_average(raw: &[[f64; 2]], window: usize) -> Vec<[f64; 2]> {
    let mut smooth = Vec::with_capacity(raw.len());
    let mut acc = 0.0;
    for (k, p) in raw.iter().enumerate() {
        acc += p[1];
        if k >= window {
            acc -= raw[k - window][1];
        }
        smooth.push([p[0], acc / (k + 1).min(window) as f64]);
    }
    smooth
}

pub fn metrics_curve(ui: &mut egui::Ui, view: &RunView, height: f32, link: egui::Id) {
    // At most one evaluation per pixel column is drawn (a long run has thousands).
    let evals = thin_evals_to(&view.evals, plot_columns(ui) / 2);
    let series = |f: fn(&Retrieval) -> f64| -> Vec<[f64; 2]> {
        evals
            .iter()
            .map(|e| [e.step as f64, f(&e.metrics)])
            .collect()
    };
    let blue = colour(palette::BLUE);
    let sky = colour(palette::SKY_BLUE);
    let orange = colour(palette::VERMILION);
    let green = colour(palette::BLUISH_GREEN);
    // (name, value, colour, width): Recall@K in blues, MAP@R green, NMI vermilion.
    let metrics: [(&str, MetricOf, Color32, f32); 6] = [
        ("Recall@1", |m| m.recall_at_1, blue, 2.0),
        ("Recall@2", |m| m.recall_at_2, sky, 1.0),
        ("Recall@4", |m| m.recall_at_4, sky.gamma_multiply(0.7), 1.0),
        ("Recall@8", |m| m.recall_at_8, sky.gamma_multiply(0.45), 1.0),
        ("MAP@R", |m| m.map_at_r, green, 2.0),
        ("NMI", |m| m.nmi, orange, 2.0),
    ];
    panel_plot(Plot::new("metrics-curve"))
        .height(height)
        .id(egui::Id::unique("metrics-curve"))
        .x_axis_label("step")
        .y_axis_label("held-out metric")
        .include_y(0.0)
        .include_y(1.0)
        .link_axis(link, [true, false])
        .label_formatter(step_formatter("value"))
        .show(ui, |plot| {
            for (name, f, colour, width) in metrics {
                let pts = series(f);
                plot.line(
                    Line::new(name, PlotPoints::from(pts.clone()))
                        .color(colour)
                        .width(width),
                );
                plot.points(
                    Points::new(name, PlotPoints::from(pts))
                        .color(colour)
                        .radius(2.0),
                );
            }
            // Baselines for the three headline metrics: the untrained network dashed, the raw
            // input features dotted.
            let headline: [(&str, MetricOf, Color32); 3] = [
                ("R@1", |m| m.recall_at_1, blue),
                ("MAP@R", |m| m.map_at_r, green),
                ("NMI", |m| m.nmi, orange),
            ];
            if let Some(u) = view.untrained {
                let dashed = LineStyle::Dashed { length: 6.0 };
                for (name, f, colour) in headline {
                    plot.hline(
                        HLine::new(format!("untrained {name}"), f(&u.metrics))
                            .color(colour.gamma_multiply(0.6))
                            .style(dashed),
                    );
                }
            }
            if let Some(raw) = view.raw_baseline {
                let dotted = LineStyle::Dotted { spacing: 4.0 };
                for (name, f, colour) in headline {
                    plot.hline(
                        HLine::new(format!("raw inputs {name}"), f(&raw))
                            .color(colour.gamma_multiply(0.6))
                            .style(dotted),
                    );
                }
            }
        });
    let mut key: Vec<Entry<'_>> = metrics
        .iter()
        .map(|&(name, _, colour, width)| Entry::new(name, colour, Mark::Solid(width)))
        .collect();
    // One entry per kind of baseline (each headline metric's in its colour).
    if view.untrained.is_some() {
        key.push(Entry::new("untrained network", Color32::GRAY, Mark::Dashed));
    }
    if view.raw_baseline.is_some() {
        key.push(Entry::new("raw inputs", Color32::GRAY, Mark::Dotted));
    }
    plot_key::show(ui, &key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedding::TsneLayout;
    use crate::figures::{Figure, Plot, build};

    #[test]
    fn grid_steps_are_one_two_five_and_nested() {
        let close =
            |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9 * y);
        for (base, want) in [
            (20.0, [20.0, 100.0, 500.0]),
            (1.0, [1.0, 5.0, 10.0]),
            (7.0, [10.0, 50.0, 100.0]),
            (0.03, [0.05, 0.1, 0.5]),
            (400.0, [500.0, 1000.0, 5000.0]),
        ] {
            let got = one_two_five_steps(base);
            assert!(close(got, want), "{base}: {got:?}");
        }
    }

    /// A run of 744 steps gets a labelled mark at 500 (a level of its own, not only 0's).
    #[test]
    fn a_short_run_gets_a_mark_between_zero_and_its_end() {
        let marks = one_two_five(egui_plot::GridInput {
            bounds: (-10.0, 760.0),
            base_step_size: 20.0,
        });
        let at = |v: f64| {
            marks
                .iter()
                .find(|m| (m.value - v).abs() < 1e-9)
                .map(|m| m.step_size)
        };
        assert_eq!(at(500.0), Some(500.0));
        assert_eq!(at(0.0), Some(500.0));
        assert_eq!(at(100.0), Some(100.0));
        assert_eq!(at(120.0), Some(20.0));
        assert_eq!(marks.len(), 39, "0, 20, …, 760");
        assert!(
            one_two_five(egui_plot::GridInput {
                bounds: (0.0, 1.0),
                base_step_size: 0.0
            })
            .is_empty()
        );
    }

    /// An exported t-SNE shows every class in the colour the window gives it.
    #[test]
    fn screen_and_file_class_colours_are_the_same() {
        let classes = 20_u32;
        let layout = TsneLayout {
            step: 1,
            xy: (0..classes).map(|k| [f64::from(k), 0.0]).collect(),
            labels: (0..classes).collect(),
            rows: (0..classes as usize).collect(),
            on_training: false,
            subsampled_from: 0,
            seconds: 0.0,
            projection: Default::default(),
        };
        let names: Vec<String> = (0..classes).map(|k| k.to_string()).collect();
        let Figure::Plot(Plot { series, .. }) = build::tsne(&layout, &names) else {
            panic!("a t-SNE is a plot");
        };
        assert_eq!(series.len(), classes as usize);
        for (k, s) in (0..classes).zip(&series) {
            assert_eq!(s.name, format!("class {k}"));
            assert_eq!(colour(s.colour), class_colour(k, false), "class {k}");
        }
    }
}
