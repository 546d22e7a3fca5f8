//! Curves (loss, held-out metrics) and the t-SNE scatter, with egui_plot.

use egui::Color32;
use egui_plot::{Corner, HLine, HoverPosition, Legend, Line, LineStyle, Plot, PlotPoints, Points};

use crate::app::RunView;

/// Okabe–Ito (8) plus two of Paul Tol's muted colours: distinguishable with colour-blindness.
pub const CLASS_COLOURS: [Color32; 10] = [
    Color32::from_rgb(230, 159, 0),
    Color32::from_rgb(86, 180, 233),
    Color32::from_rgb(0, 158, 115),
    Color32::from_rgb(240, 228, 66),
    Color32::from_rgb(0, 114, 178),
    Color32::from_rgb(213, 94, 0),
    Color32::from_rgb(204, 121, 167),
    Color32::from_rgb(0, 0, 0),
    Color32::from_rgb(136, 34, 85),
    Color32::from_rgb(153, 153, 153),
];

pub fn class_colour(class: u32, dark: bool) -> Color32 {
    let c = CLASS_COLOURS[class as usize % CLASS_COLOURS.len()];
    if dark && c == Color32::from_rgb(0, 0, 0) {
        Color32::from_rgb(220, 220, 220)
    } else {
        c
    }
}

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

/// Training loss per step, with a moving average.
pub fn loss_curve(ui: &mut egui::Ui, view: &RunView, height: f32, link: egui::Id) {
    let raw: Vec<[f64; 2]> = view
        .history
        .iter()
        .map(|s| [s.step as f64, s.loss])
        .collect();
    let window = 25;
    let mut smooth = Vec::with_capacity(raw.len());
    let mut acc = 0.0;
    for (k, p) in raw.iter().enumerate() {
        acc += p[1];
        if k >= window {
            acc -= raw[k - window][1];
        }
        smooth.push([p[0], acc / (k + 1).min(window) as f64]);
    }
    Plot::new("loss-curve")
        .height(height)
        .legend(Legend::default().position(Corner::RightTop))
        .x_axis_label("step")
        .y_axis_label("loss")
        .link_axis(link, [true, false])
        .label_formatter(step_formatter("loss"))
        .show(ui, |plot| {
            plot.line(
                Line::new("loss", PlotPoints::from(raw))
                    .color(Color32::from_rgb(150, 150, 150))
                    .width(1.0),
            );
            plot.line(
                Line::new("moving average (25)", PlotPoints::from(smooth))
                    .color(Color32::from_rgb(0, 114, 178))
                    .width(2.0),
            );
        });
}

/// Held-out Recall@1 and NMI against steps, with the raw-input and untrained baselines dashed.
pub fn metrics_curve(ui: &mut egui::Ui, view: &RunView, height: f32, link: egui::Id) {
    let r1: Vec<[f64; 2]> = view
        .evals
        .iter()
        .map(|e| [e.step as f64, e.metrics.recall_at_1])
        .collect();
    let nmi: Vec<[f64; 2]> = view
        .evals
        .iter()
        .map(|e| [e.step as f64, e.metrics.nmi])
        .collect();
    let blue = Color32::from_rgb(0, 114, 178);
    let orange = Color32::from_rgb(213, 94, 0);
    Plot::new("metrics-curve")
        .height(height)
        .legend(Legend::default().position(Corner::RightBottom))
        .x_axis_label("step")
        .y_axis_label("held-out metric")
        .include_y(0.0)
        .include_y(1.0)
        .link_axis(link, [true, false])
        .label_formatter(step_formatter("value"))
        .show(ui, |plot| {
            plot.line(
                Line::new("Recall@1", PlotPoints::from(r1.clone()))
                    .color(blue)
                    .width(2.0),
            );
            plot.points(
                Points::new("Recall@1", PlotPoints::from(r1))
                    .color(blue)
                    .radius(2.5),
            );
            plot.line(
                Line::new("NMI", PlotPoints::from(nmi.clone()))
                    .color(orange)
                    .width(2.0),
            );
            plot.points(
                Points::new("NMI", PlotPoints::from(nmi))
                    .color(orange)
                    .radius(2.5),
            );
            if let Some(raw) = view.raw_baseline {
                let dashed = LineStyle::Dashed { length: 6.0 };
                plot.hline(
                    HLine::new("raw inputs R@1", raw.recall_at_1)
                        .color(blue.gamma_multiply(0.6))
                        .style(dashed),
                );
                plot.hline(
                    HLine::new("raw inputs NMI", raw.nmi)
                        .color(orange.gamma_multiply(0.6))
                        .style(dashed),
                );
            }
            if let Some(u) = view.untrained {
                let dotted = LineStyle::Dotted { spacing: 4.0 };
                plot.hline(
                    HLine::new("untrained R@1", u.metrics.recall_at_1)
                        .color(blue.gamma_multiply(0.6))
                        .style(dotted),
                );
                plot.hline(
                    HLine::new("untrained NMI", u.metrics.nmi)
                        .color(orange.gamma_multiply(0.6))
                        .style(dotted),
                );
            }
        });
}

/// The latest t-SNE layout of the held-out embeddings, coloured by class.
pub fn tsne_scatter(ui: &mut egui::Ui, view: &RunView, class_names: &[String], height: f32) {
    let dark = ui.visuals().dark_mode;
    Plot::new("tsne")
        .height(height)
        .data_aspect(1.0)
        .show_axes(false)
        .show_grid(false)
        .label_formatter(|pos| match pos {
            HoverPosition::NearDataPoint { plot_name, .. } => Some(format!("class {plot_name}")),
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            let Some(layout) = &view.tsne else { return };
            let mut classes: Vec<u32> = layout.labels.clone();
            classes.sort_unstable();
            classes.dedup();
            for c in classes {
                let pts: Vec<[f64; 2]> = layout
                    .xy
                    .iter()
                    .zip(&layout.labels)
                    .filter(|(_, y)| **y == c)
                    .map(|(p, _)| *p)
                    .collect();
                let name = class_names
                    .get(c as usize)
                    .cloned()
                    .unwrap_or_else(|| c.to_string());
                plot.points(
                    Points::new(name, PlotPoints::from(pts))
                        .color(class_colour(c, dark))
                        .radius(2.5)
                        .filled(true),
                );
            }
        });
    // The legend sits under the plot so that it never hides points.
    ui.horizontal_wrapped(|ui| {
        ui.small("class");
        for (c, name) in class_names.iter().enumerate() {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(9.0, 9.0), egui::Sense::hover());
            ui.painter()
                .circle_filled(rect.center(), 4.0, class_colour(c as u32, dark));
            ui.small(name);
        }
    });
}
