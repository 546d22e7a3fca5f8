//! Compare mode: the two sides' batches of the same step (mined pairs or weights side by side
//! and the diff of their mined sets), both loss curves on one plot, both held-out Recall@1
//! curves.

use egui::{Color32, Rect, Sense, TextureOptions, Vec2, pos2};
use egui_plot::{Line, Plot, PlotPoints};

use super::plot_key::{self, Entry, Mark};

use super::heatmap::{self, HeatmapState};
use crate::app::compare::{CompareRun, mined_diff};
use crate::gpu::View;
use crate::training::BatchSnapshot;
use crate::training::history::{bin_points, thin_evals_to};

/// What the compare panel remembers.
pub struct CompareState {
    heatmaps: [HeatmapState; 2],
    diff: Option<((u64, u64), egui::TextureHandle)>,
}

impl Default for CompareState {
    fn default() -> Self {
        let mut a = HeatmapState::with_panel(1);
        let mut b = HeatmapState::with_panel(2);
        a.view = View::Mining;
        b.view = View::Mining;
        Self {
            heatmaps: [a, b],
            diff: None,
        }
    }
}

const SIDE_COLOURS: [Color32; 2] = [
    Color32::from_rgb(0, 114, 178),
    Color32::from_rgb(230, 159, 0),
];

/// Diff colours: neither, both, only A, only B.
const DIFF_COLOURS: [Color32; 4] = [
    Color32::from_gray(235),
    Color32::from_rgb(90, 90, 90),
    SIDE_COLOURS[0],
    SIDE_COLOURS[1],
];

/// The compare panel: who is compared, both curves, and the two batches with their diff.
pub fn panel(ui: &mut egui::Ui, run: &CompareRun, gpu: bool, state: &mut CompareState) {
    let [a, b] = &run.sides;
    ui.horizontal(|ui| {
        ui.colored_label(SIDE_COLOURS[0], format!("A: {}", a.label));
        ui.label("vs");
        ui.colored_label(SIDE_COLOURS[1], format!("B: {}", b.label));
    });
    for side in &run.sides {
        if let Some(f) = &side.failed {
            ui.colored_label(ui.visuals().error_fg_color, f);
        }
    }
    curves(ui, run);
    let (Some(ba), Some(bb)) = (&a.view.batch, &b.view.batch) else {
        ui.label("Step or Train: both sides train on the same batches.");
        return;
    };
    if !run.in_sync() {
        ui.label(format!(
            "waiting for both sides to reach the same step (A at {}, B at {})",
            ba.step, bb.step
        ));
        return;
    }
    batches(ui, ba, bb, gpu, state);
}

/// Both loss curves on one plot and both held-out Recall@1 curves on another.
fn curves(ui: &mut egui::Ui, run: &CompareRun) {
    let plot_h = (ui.available_height() * 0.3).max(100.0);
    // Each plot is half as wide as the panel: a point per pixel column at most.
    let columns = super::plots::plot_columns(ui) / 2;
    ui.columns(2, |cols| {
        cols[0].strong("Training loss, both sides");
        super::plots::panel_plot(Plot::new("compare-loss"))
            .id(egui::Id::unique("compare-loss"))
            .height(plot_h)
            .x_axis_label("step")
            .show(&mut cols[0], |plot| {
                for (side, colour) in run.sides.iter().zip(SIDE_COLOURS) {
                    let pts: PlotPoints = bin_points(side.view.history.points(), columns)
                        .iter()
                        .map(|s| [s.step as f64, s.loss])
                        .collect();
                    plot.line(
                        Line::new(format!("{} loss", side_name(side, &run.sides)), pts)
                            .color(colour),
                    );
                }
            });
        // The keys are drawn below the plots: a legend inside would cover data.
        plot_key::show(&mut cols[0], &side_key(["A loss", "B loss"]));
        cols[1].strong("Held-out Recall@1, both sides");
        super::plots::panel_plot(Plot::new("compare-r1"))
            .id(egui::Id::unique("compare-r1"))
            .height(plot_h)
            .x_axis_label("step")
            .include_y(0.0)
            .include_y(1.0)
            .show(&mut cols[1], |plot| {
                for (side, colour) in run.sides.iter().zip(SIDE_COLOURS) {
                    let pts: PlotPoints = thin_evals_to(&side.view.evals, columns)
                        .iter()
                        .map(|e| [e.step as f64, e.metrics.recall_at_1])
                        .collect();
                    plot.line(
                        Line::new(format!("{} R@1", side_name(side, &run.sides)), pts)
                            .color(colour),
                    );
                }
            });
        plot_key::show(&mut cols[1], &side_key(["A R@1", "B R@1"]));
    });
}

/// The two sides' mined pairs (or weights) of the same step side by side, and the diff of their
/// mined sets.
fn batches(
    ui: &mut egui::Ui,
    ba: &BatchSnapshot,
    bb: &BatchSnapshot,
    gpu: bool,
    state: &mut CompareState,
) {
    let (codes, counts) = mined_diff(ba, bb);
    ui.label(format!(
        "Batch of step {} (S, mining and weights before that step's update; identical samples: {}) — kept by both: {}, only by A: {}, only by B: {}",
        ba.step,
        if ba.rows == bb.rows { "yes" } else { "no" },
        counts.both,
        counts.only_a,
        counts.only_b
    ));
    ui.horizontal(|ui| {
        ui.label("both sides show:");
        for view in [View::Mining, View::Weights] {
            if ui
                .selectable_label(state.heatmaps[0].view == view, view.label())
                .clicked()
            {
                for h in &mut state.heatmaps {
                    h.view = view;
                }
            }
        }
    });
    // Below the heatmaps: each side's title and, for the weights, the colour bar and the
    // weight's name; the diff's key.
    let below = if state.heatmaps[0].view == View::Weights {
        90.0
    } else {
        50.0
    };
    let side = ((ui.available_width() - 40.0) / 3.0)
        .min(ui.available_height() - below)
        .max(80.0);
    ui.horizontal_top(|ui| {
        for (k, batch) in [ba, bb].into_iter().enumerate() {
            ui.vertical(|ui| {
                let view = state.heatmaps[k].view;
                ui.colored_label(
                    SIDE_COLOURS[k],
                    format!("{}: {}", if k == 0 { "A" } else { "B" }, view.label()),
                );
                heatmap::show(ui, batch, gpu, &mut state.heatmaps[k], side);
                if view == View::Weights {
                    let range = state.heatmaps[k].range(view, batch, gpu);
                    heatmap::legend(ui, view, range, side);
                    ui.small(crate::losses::explain::weight_label(&batch.spec));
                }
            });
        }
        ui.vertical(|ui| diff_view(ui, ba, bb, &codes, state, side));
    });
}

/// The diff of the two mined sets as an `m × m` image, with its legend.
fn diff_view(
    ui: &mut egui::Ui,
    ba: &BatchSnapshot,
    bb: &BatchSnapshot,
    codes: &[u8],
    state: &mut CompareState,
    side: f32,
) {
    ui.strong("Diff of the mined sets");
    let m = ba.m();
    let key = (ba.id, bb.id);
    if state.diff.as_ref().is_none_or(|(k, _)| *k != key) {
        let pixels: Vec<Color32> = codes.iter().map(|&c| DIFF_COLOURS[c as usize]).collect();
        let img = egui::ColorImage::new([m, m], pixels);
        state.diff = Some((
            key,
            ui.ctx()
                .load_texture("compare-diff", img, TextureOptions::NEAREST),
        ));
    }
    if let Some((_, tex)) = &state.diff {
        let (rect, _) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
        ui.painter().image(
            tex.id(),
            rect,
            Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
            Color32::WHITE,
        );
    }
    ui.horizontal_wrapped(|ui| {
        for (c, name) in DIFF_COLOURS
            .iter()
            .zip(["neither", "both", "only A", "only B"])
        {
            let (r, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
            ui.painter().rect_filled(r, 1.0, *c);
            ui.small(name);
        }
    });
}

/// The two sides' entries of a key, in their colours.
fn side_key(names: [&str; 2]) -> [Entry<'_>; 2] {
    let [a, b] = names;
    [
        Entry::new(a, SIDE_COLOURS[0], Mark::Solid(1.5)),
        Entry::new(b, SIDE_COLOURS[1], Mark::Solid(1.5)),
    ]
}

fn side_name(
    side: &crate::app::compare::CompareSide,
    sides: &[crate::app::compare::CompareSide; 2],
) -> &'static str {
    if std::ptr::eq(side, &sides[0]) {
        "A"
    } else {
        "B"
    }
}
