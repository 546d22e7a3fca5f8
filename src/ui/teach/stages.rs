//! The left half of the teaching panel: what each stage shows of the batch.

use egui::{Color32, Rect, Sense, TextureOptions, Vec2, pos2, vec2};
use egui_plot::{Arrows, Line, Plot, PlotPoints, Points};

use super::state::{Stage, TeachState};
use crate::data::Dataset;
use crate::gpu::View;
use crate::gpu::colormap::{self, ColorMap};
use crate::losses::explain;
use crate::training::BatchSnapshot;
use crate::ui::heatmap;
use crate::ui::math;
use crate::ui::plot_key;

/// A heatmap stage: the batch in `view`; a clicked cell selects its pair in the inspector.
fn heatmap_stage(
    ui: &mut egui::Ui,
    batch: &BatchSnapshot,
    gpu: bool,
    teach: &mut TeachState,
    view: View,
    side: f32,
) {
    teach.heatmap.view = view;
    heatmap::show(ui, batch, gpu, &mut teach.heatmap, side);
    let range = teach.heatmap.range(view, batch, gpu);
    heatmap::legend(ui, view, range, side);
    if let Some((i, j)) = teach.heatmap.clicked.take() {
        teach.select(batch, i, j);
    }
}

/// What the current stage shows of the batch.
pub(super) fn stage_view(
    ui: &mut egui::Ui,
    data: &Dataset,
    batch: &BatchSnapshot,
    gpu: bool,
    teach: &mut TeachState,
    side: f32,
) {
    match teach.stage {
        Stage::Sample => samples(ui, data, batch, teach, side),
        Stage::Similarity => heatmap_stage(ui, batch, gpu, teach, View::Similarity, side),
        Stage::Mining => {
            heatmap_stage(ui, batch, gpu, teach, View::Mining, side * 0.85);
            ui.small(format!(
                "{} positive and {} negative pairs kept. Click a cell: the inspector says why.",
                batch.positive_pairs, batch.negative_pairs
            ));
        }
        Stage::Weighting => {
            // The heatmap above the scatter plot needs about this much height (heatmap, its
            // colour bar, the plot's title, a plot of 100 points, its key and caption). A
            // shorter column (1280 × 800 with a lesson open) sets them side by side instead.
            let stacked = side * 0.5 + 40.0 + 20.0 + 100.0 + 70.0;
            if ui.available_height() >= stacked || ui.available_width() < side * 0.5 + 240.0 {
                heatmap_stage(ui, batch, gpu, teach, View::Weights, side * 0.5);
                weight_scatter(ui, batch, side, false);
            } else {
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        heatmap_stage(ui, batch, gpu, teach, View::Weights, side * 0.5);
                    });
                    ui.vertical(|ui| weight_scatter(ui, batch, side, true));
                });
            }
        }
        Stage::Loss => loss_stage(ui, batch, teach),
        Stage::Update => update_view(ui, batch, teach, side),
    }
}

/// The loss stage's formula, typeset across the whole panel (the stage's column is too narrow
/// for it to be read), with its notation.
pub(super) fn loss_formula(ui: &mut egui::Ui, batch: &BatchSnapshot) {
    math::show(ui, &explain::formula(&batch.spec), 18.0);
    math::show(ui, NOTATION, 12.0);
}

/// This batch's numbers under the loss formula, and the anchors whose terms make up most of
/// the loss.
fn loss_stage(ui: &mut egui::Ui, batch: &BatchSnapshot, teach: &mut TeachState) {
    ui.add_space(8.0);
    ui.label(format!(
        "this batch: m = {}, {} positive and {} negative pairs kept{}",
        batch.m(),
        batch.positive_pairs,
        batch.negative_pairs,
        batch
            .pair_loss
            .as_ref()
            .map(|l| format!(
                ", Σ per-pair terms = {:.4}",
                l.iter().map(|&v| f64::from(v)).sum::<f64>()
            ))
            .unwrap_or_default()
    ));
    ui.label(egui::RichText::new(format!("L = {:.6}", batch.loss)).heading());
    ui.small(format!("parameters: {}", batch.spec.label()));
    ui.add_space(8.0);
    let shares = teach
        .cache_for(batch)
        .anchor_shares(batch)
        .map(<[f64]>::to_vec);
    match shares {
        Some(shares) => ui.label(top_anchors(&shares, &batch.labels)),
        None => ui.label(
            "This loss compares the whole distributions of positive and negative \
                     similarities: it is not a sum of per-anchor terms.",
        ),
    };
}

/// The anchors with the largest shares of the loss, e.g. "anchors contributing most: i = 12
/// (class 3) 0.0213 = 21 % of L, …".
pub(super) fn top_anchors(shares: &[f64], labels: &[u32]) -> String {
    let total: f64 = shares.iter().sum();
    let mut order: Vec<usize> = (0..shares.len()).filter(|&i| shares[i] != 0.0).collect();
    if order.is_empty() || total <= 0.0 {
        return "No anchor contributes to the loss of this batch: every term is zero.".into();
    }
    order.sort_by(|&a, &b| shares[b].total_cmp(&shares[a]));
    let contributing = order.len();
    let listed: Vec<String> = order
        .iter()
        .take(5)
        .map(|&i| {
            format!(
                "i = {i} (class {}): {:.4} = {:.0} % of L",
                labels[i],
                shares[i],
                100.0 * shares[i] / total
            )
        })
        .collect();
    format!(
        "{contributing} of {} anchors contribute; the most: {}.",
        shares.len(),
        listed.join("; ")
    )
}

/// The notation of the formulas (the same in the figures and the README).
const NOTATION: &str = "P_i / N_i: all positives / negatives of anchor i; P̂_i / N̂_i: the mined ones; m: the batch size.";

/// At most this many images of one class are shown.
const PER_ROW: usize = 24;

/// The batch's images (or feature rows) grouped by class, at most 24 per class.
fn samples(
    ui: &mut egui::Ui,
    data: &Dataset,
    batch: &BatchSnapshot,
    teach: &mut TeachState,
    side: f32,
) {
    let Some((h, w)) = data.image_shape else {
        ui.label("This data set has no images: the samples are feature vectors.");
        let mut l = batch.labels.clone();
        l.dedup();
        ui.label(format!(
            "{} classes × {} samples",
            l.len(),
            batch.m() / l.len().max(1)
        ));
        return;
    };
    let mut groups: Vec<(u32, Vec<usize>)> = Vec::new();
    for (k, &y) in batch.labels.iter().enumerate() {
        match groups.last_mut() {
            Some((c, v)) if *c == y => v.push(k),
            _ => groups.push((y, vec![k])),
        }
    }
    let cols = groups
        .iter()
        .map(|g| g.1.len())
        .max()
        .unwrap_or(1)
        .min(PER_ROW);
    let (tw, th) = (w + 1, h + 1);
    if teach
        .samples_tex
        .as_ref()
        .is_none_or(|(id, _)| *id != batch.id)
    {
        let img = sample_sheet(data, batch, &groups, cols, (h, w));
        let tex = ui
            .ctx()
            .load_texture("teach-samples", img, TextureOptions::NEAREST);
        teach.samples_tex = Some((batch.id, tex));
    }
    let Some((_, tex)) = &teach.samples_tex else {
        return;
    };
    let scale = (side / (cols * tw) as f32)
        .min(side / (groups.len() * th) as f32)
        .max(1.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            for (c, members) in &groups {
                let (rect, _) =
                    ui.allocate_exact_size(vec2(70.0, th as f32 * scale), Sense::hover());
                let more = members.len().saturating_sub(PER_ROW);
                ui.painter().text(
                    rect.left_center(),
                    egui::Align2::LEFT_CENTER,
                    if more > 0 {
                        format!("class {c} (+{more})")
                    } else {
                        format!("class {c}")
                    },
                    egui::FontId::proportional(12.0),
                    crate::ui::plots::class_colour(*c, ui.visuals().dark_mode),
                );
            }
        });
        let size = vec2((cols * tw) as f32, (groups.len() * th) as f32) * scale;
        ui.image((tex.id(), size));
    });
}

/// One image of the batch's samples: a row per class, at most `cols` images a row, one grey
/// pixel between images.
fn sample_sheet(
    data: &Dataset,
    batch: &BatchSnapshot,
    groups: &[(u32, Vec<usize>)],
    cols: usize,
    (h, w): (usize, usize),
) -> egui::ColorImage {
    let (tw, th) = (w + 1, h + 1);
    let (iw, ih) = (cols * tw, groups.len() * th);
    let mut img = egui::ColorImage::filled([iw, ih], Color32::from_gray(40));
    for (r, (_, members)) in groups.iter().enumerate() {
        for (c, &k) in members.iter().take(PER_ROW).enumerate() {
            let grey = data.grey_pixels(batch.rows[k]);
            for py in 0..h {
                for px in 0..w {
                    let v = grey.get(py * w + px).copied().unwrap_or(0);
                    img[(c * tw + px, r * th + py)] = Color32::from_gray(v);
                }
            }
        }
    }
    img
}

/// w against S for every kept pair, with the single-pair weight curves where the loss has them.
/// `compact` (a short column): the caption is the title's hover text, the plot takes its room.
fn weight_scatter(ui: &mut egui::Ui, batch: &BatchSnapshot, side: f32, compact: bool) {
    // The same series as the exported figure (`figures::build::w_vs_s`).
    let crate::figures::Figure::Plot(crate::figures::Plot { series, .. }) =
        crate::figures::build::w_vs_s(batch)
    else {
        return;
    };
    let has_curve = series
        .iter()
        .any(|s| s.stroke == crate::figures::Stroke::Solid);
    let caption = match (
        has_curve,
        explain::curve_caption(&batch.spec, crate::figures::build::curve_scale(batch)),
    ) {
        (true, Some(caption)) => caption,
        _ => "This loss has no single-pair weight curve: its pairs interact (triplets, log-sum-exp over pairs).".to_owned(),
    };
    let title = ui.strong("w against S for every kept pair");
    if compact {
        title.on_hover_text(&caption);
    }
    // The height left above the key and the caption, at most the usual share (at 1280 × 800
    // the heatmap above leaves less). Their height is the one they took last frame: in a
    // narrow panel (a lesson open) the key wraps and the caption runs to several lines.
    let below_id = egui::Id::unique(("teach-w-vs-s-below", compact));
    let below = ui.data(|d| d.get_temp::<f32>(below_id)).unwrap_or(60.0);
    let most = if compact { f32::INFINITY } else { side * 0.45 };
    let height = (ui.available_height() - below - 4.0).min(most).max(80.0);
    crate::ui::plots::panel_plot(Plot::new("teach-w-vs-s"))
        .id(egui::Id::unique("teach-w-vs-s"))
        .height(height)
        .x_axis_label("S_ij")
        .y_axis_label(explain::weight_label(&batch.spec))
        .show(ui, |plot| {
            for s in &series {
                let (r, g, b) = s.colour;
                let colour = Color32::from_rgb(r, g, b);
                let pts: Vec<[f64; 2]> = s.points.iter().map(|&(x, y)| [x, y]).collect();
                if s.stroke == crate::figures::Stroke::Markers {
                    plot.points(
                        Points::new(s.name.as_str(), PlotPoints::from(pts))
                            .color(colour)
                            .radius(2.0),
                    );
                } else {
                    plot.line(Line::new(s.name.as_str(), PlotPoints::from(pts)).color(colour));
                }
            }
        });
    // The key below the plot: a legend inside it would cover pairs.
    let key: Vec<plot_key::Entry<'_>> = series
        .iter()
        .map(|s| {
            let (r, g, b) = s.colour;
            let mark = if s.stroke == crate::figures::Stroke::Markers {
                plot_key::Mark::Markers
            } else {
                plot_key::Mark::Solid(1.5)
            };
            plot_key::Entry::new(&s.name, Color32::from_rgb(r, g, b), mark)
        })
        .collect();
    let top = ui.cursor().top();
    plot_key::show(ui, &key);
    if !compact {
        ui.small(caption);
    }
    let used = ui.cursor().top() - top;
    if (used - below).abs() > 0.5 {
        ui.data_mut(|d| d.insert_temp(below_id, used));
        ui.ctx().request_repaint();
    }
}

/// The update stage: how S changed over the kept pairs, the `ΔS` heatmap, and for d ≤ 3 the
/// points' moves.
fn update_view(ui: &mut egui::Ui, batch: &BatchSnapshot, teach: &mut TeachState, side: f32) {
    let m = batch.m();
    let cache = teach.cache_for(batch);
    let Some(delta) = cache.delta.clone() else {
        ui.label("The batch is too large to record the after-update embeddings.");
        return;
    };
    let kept = cache.kept.clone();
    let hi = delta.iter().fold(0.0_f32, |a, d| a.max(d.abs())).max(1e-6);
    let (mut pos_sum, mut pos_n, mut neg_sum, mut neg_n) = (0.0, 0, 0.0, 0);
    for &(i, j) in &kept {
        let d = f64::from(delta[i * m + j]);
        if batch.labels[i] == batch.labels[j] {
            pos_sum += d;
            pos_n += 1;
        } else {
            neg_sum += d;
            neg_n += 1;
        }
    }
    ui.label(format!(
        "ΔS = S after − S before (learning rate {}). Mean over kept positives {:+.4}, over kept negatives {:+.4}.",
        batch.learning_rate,
        if pos_n > 0 { pos_sum / f64::from(pos_n) } else { 0.0 },
        if neg_n > 0 { neg_sum / f64::from(neg_n) } else { 0.0 },
    ));
    let d = batch.d;
    let size = if d <= 3 { side * 0.55 } else { side * 0.9 };
    delta_heatmap(ui, batch, teach, &delta, hi, size);
    heatmap::legend(ui, View::Similarity, (-hi, hi), size);
    if d <= 3
        && let Some(after) = &batch.after_embeddings
    {
        update_arrows(ui, batch, after, side);
    }
}

/// `ΔS` as an `m × m` heatmap on the diverging map over `[-hi, hi]`; a click selects the pair.
fn delta_heatmap(
    ui: &mut egui::Ui,
    batch: &BatchSnapshot,
    teach: &mut TeachState,
    delta: &[f32],
    hi: f32,
    size: f32,
) {
    let m = batch.m();
    if teach
        .delta_tex
        .as_ref()
        .is_none_or(|(id, _)| *id != batch.id)
    {
        let rgba: Vec<u8> = colormap::colorize(delta, ColorMap::Diverging, -hi, hi)
            .iter()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        let img = egui::ColorImage::from_rgba_unmultiplied([m, m], &rgba);
        teach.delta_tex = Some((
            batch.id,
            ui.ctx()
                .load_texture("teach-delta", img, TextureOptions::NEAREST),
        ));
    }
    if let Some((_, tex)) = &teach.delta_tex {
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(size), Sense::click());
        ui.painter().image(
            tex.id(),
            rect,
            Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
            Color32::WHITE,
        );
        if let Some(p) = response
            .interact_pointer_pos()
            .filter(|_| response.clicked())
        {
            let j = (((p.x - rect.min.x) / rect.width() * m as f32) as usize).min(m - 1);
            let i = (((p.y - rect.min.y) / rect.height() * m as f32) as usize).min(m - 1);
            teach.select(batch, i, j);
        }
    }
}

/// For d ≤ 3: each point's move from before to after the update, as arrows.
fn update_arrows(ui: &mut egui::Ui, batch: &BatchSnapshot, after: &[f32], side: f32) {
    let d = batch.d;
    ui.strong(if d == 3 {
        "points before -> after (first two of three coordinates, orthographic)"
    } else {
        "points on the unit circle, before -> after"
    });
    let origins: Vec<[f64; 2]> = batch
        .embeddings
        .chunks(d)
        .map(|r| [f64::from(r[0]), f64::from(r[1])])
        .collect();
    let tips: Vec<[f64; 2]> = after
        .chunks(d)
        .map(|r| [f64::from(r[0]), f64::from(r[1])])
        .collect();
    crate::ui::plots::panel_plot(Plot::new("teach-arrows"))
        .height(side * 0.4)
        .data_aspect(1.0)
        .show(ui, |plot| {
            plot.arrows(Arrows::new(
                "update",
                PlotPoints::from(origins),
                PlotPoints::from(tips),
            ));
        });
}
