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

/// `plot` on the panel's own background: a filled plot area is a second pass over its pixels,
/// which on a software rasterizer (llvmpipe) cost a sixth of the frame (frame interval p50 60 →
/// 50 ms with the three plots of the default view unfilled, measured under Xvfb).
pub fn unfilled(plot: Plot<'_>) -> Plot<'_> {
    plot.show_background(false)
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
    let plot = unfilled(Plot::new("loss-curve"))
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
    unfilled(Plot::new("metrics-curve"))
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
