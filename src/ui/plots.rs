//! Curves (loss, held-out metrics) and the t-SNE scatter, with egui_plot.

use egui::Color32;
use egui_plot::{Corner, HLine, HoverPosition, Legend, Line, LineStyle, Plot, PlotPoints, Points};

use crate::app::RunView;
use crate::metrics::Retrieval;

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

pub fn metrics_curve(ui: &mut egui::Ui, view: &RunView, height: f32, link: egui::Id) {
    let series = |f: fn(&Retrieval) -> f64| -> Vec<[f64; 2]> {
        view.evals
            .iter()
            .map(|e| [e.step as f64, f(&e.metrics)])
            .collect()
    };
    let blue = Color32::from_rgb(0, 114, 178);
    let sky = Color32::from_rgb(86, 180, 233);
    let orange = Color32::from_rgb(213, 94, 0);
    let green = Color32::from_rgb(0, 158, 115);
    // (name, value, colour, width): Recall@K in blues, MAP@R green, NMI vermilion.
    let metrics: [(&str, fn(&Retrieval) -> f64, Color32, f32); 6] = [
        ("Recall@1", |m| m.recall_at_1, blue, 2.0),
        ("Recall@2", |m| m.recall_at_2, sky, 1.0),
        ("Recall@4", |m| m.recall_at_4, sky.gamma_multiply(0.7), 1.0),
        ("Recall@8", |m| m.recall_at_8, sky.gamma_multiply(0.45), 1.0),
        ("MAP@R", |m| m.map_at_r, green, 2.0),
        ("NMI", |m| m.nmi, orange, 2.0),
    ];
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
            let headline: [(&str, fn(&Retrieval) -> f64, Color32); 3] = [
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
}
