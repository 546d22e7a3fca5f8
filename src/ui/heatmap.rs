//! The batch heatmaps: drawn by the WGSL pipeline through a paint callback when eframe runs on
//! wgpu, otherwise colour-mapped on the CPU into an egui texture (same colours).

use std::sync::Arc;

use egui::{Color32, Rect, Sense, Stroke, TextureOptions, Vec2, pos2};

use super::gpu_heatmap::{HeatmapCallback, HeatmapData, HeatmapSource};
use crate::gpu::colormap::{self, ColorMap, MiningCode};
use crate::training::BatchSnapshot;

/// The three views of one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Similarity,
    Mining,
    Weights,
}

impl View {
    pub const ALL: [Self; 3] = [Self::Similarity, Self::Mining, Self::Weights];

    pub fn title(self) -> &'static str {
        match self {
            Self::Similarity => "Similarity S_ij = cos(x_i, x_j), dots: kept pairs",
            Self::Mining => "Mined pairs",
            Self::Weights => "Pair weights w_ij = |∂L/∂S_ij|",
        }
    }

    fn id(self) -> u64 {
        self as u64
    }
}

/// Per-view data and CPU-path texture of the shown batch, rebuilt only when the batch changes
/// (a frame must not copy m² values three times).
#[derive(Default)]
pub struct HeatmapCache {
    data: [Option<Arc<HeatmapData>>; 3],
    textures: [Option<(u64, egui::TextureHandle)>; 3],
}

fn data_of(view: View, batch: &BatchSnapshot) -> HeatmapData {
    let m = batch.m();
    let (source, map, range) = match view {
        View::Similarity => (
            HeatmapSource::Embeddings {
                emb: batch.embeddings.clone(),
                d: batch.d,
            },
            ColorMap::Diverging,
            (-1.0, 1.0),
        ),
        View::Mining => (
            HeatmapSource::Values(batch.mining.clone()),
            ColorMap::Categorical,
            (0.0, 4.0),
        ),
        View::Weights => (
            HeatmapSource::Values(batch.weights.iter().map(|w| w.abs()).collect()),
            ColorMap::Sequential,
            (0.0, batch.max_weight().max(f32::MIN_POSITIVE)),
        ),
    };
    HeatmapData {
        version: batch.step,
        m,
        source,
        map,
        range,
    }
}

fn cpu_colours(data: &HeatmapData) -> Vec<u32> {
    match &data.source {
        HeatmapSource::Embeddings { emb, d } => colormap::colorize(
            &colormap::similarity(emb, data.m, *d),
            data.map,
            data.range.0,
            data.range.1,
        ),
        HeatmapSource::Values(v) => colormap::colorize(v, data.map, data.range.0, data.range.1),
    }
}

/// Draws one view of `batch` in a square of side `side`; returns the hovered cell.
pub fn show(
    ui: &mut egui::Ui,
    view: View,
    batch: &BatchSnapshot,
    gpu: bool,
    cache: &mut HeatmapCache,
    side: f32,
) -> Option<(usize, usize)> {
    let m = batch.m();
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
    let data_slot = &mut cache.data[view as usize];
    if data_slot.as_ref().is_none_or(|d| d.version != batch.id) {
        *data_slot = Some(Arc::new(data_of(view, batch)));
    }
    let Some(data) = data_slot.clone() else {
        return None;
    };
    if gpu {
        ui.painter().add(egui_wgpu::Callback::new_paint_callback(
            rect,
            HeatmapCallback {
                panel: view.id(),
                data: Arc::clone(&data),
            },
        ));
    } else {
        let slot = &mut cache.textures[view as usize];
        if slot.as_ref().is_none_or(|(v, _)| *v != batch.id) {
            let rgba: Vec<u8> = cpu_colours(&data)
                .iter()
                .flat_map(|c| c.to_le_bytes())
                .collect();
            let image = egui::ColorImage::from_rgba_unmultiplied([m, m], &rgba);
            let handle =
                ui.ctx()
                    .load_texture(format!("heatmap-{view:?}"), image, TextureOptions::NEAREST);
            *slot = Some((batch.id, handle));
        }
        if let Some((_, tex)) = slot {
            ui.painter().image(
                tex.id(),
                rect,
                Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
                Color32::WHITE,
            );
        }
    }
    draw_class_boundaries(ui, rect, &batch.labels);
    if view == View::Similarity {
        draw_mined_overlay(ui, rect, batch);
    }
    if view == View::Weights && batch.max_weight() == 0.0 {
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "every pair has weight 0:\nthe miner kept no pair of this batch",
            egui::FontId::proportional(14.0),
            Color32::WHITE,
        );
    }

    let pos = response.hover_pos()?;
    let cell = rect.width() / m as f32;
    let j = (((pos.x - rect.min.x) / cell) as usize).min(m - 1);
    let i = (((pos.y - rect.min.y) / cell) as usize).min(m - 1);
    let k = i * m + j;
    let code = MiningCode::from_value(batch.mining[k]);
    response.on_hover_text(format!(
        "anchor i = {i} (class {}), other j = {j} (class {})\nS = {:.4}\n{}\nw = |∂L/∂S| = {:.3e}",
        batch.labels[i],
        batch.labels[j],
        batch.similarity[k],
        code.label(),
        batch.weights[k].abs(),
    ));
    Some((i, j))
}

/// Kept pairs as dots over the similarity heatmap (positive: green, negative: vermilion), so
/// that S and the mining decision are read together. Skipped for large batches, where the
/// mined-pairs view shows the same at cell resolution.
fn draw_mined_overlay(ui: &egui::Ui, rect: Rect, batch: &BatchSnapshot) {
    let m = batch.m();
    if m > 256 {
        return;
    }
    let cell = rect.width() / m as f32;
    let radius = (cell * 0.2).max(0.8);
    for (k, &code) in batch.mining.iter().enumerate() {
        let code = MiningCode::from_value(code);
        if !matches!(code, MiningCode::PositiveKept | MiningCode::NegativeKept) {
            continue;
        }
        let [r, g, b, _] = code.rgba();
        let (i, j) = (k / m, k % m);
        let centre = rect.min + egui::vec2((j as f32 + 0.5) * cell, (i as f32 + 0.5) * cell);
        ui.painter()
            .circle_filled(centre, radius, Color32::from_rgb(r, g, b));
    }
}

/// Thin lines between classes (the batch is sorted by class).
fn draw_class_boundaries(ui: &egui::Ui, rect: Rect, labels: &[u32]) {
    let m = labels.len();
    let cell = rect.width() / m as f32;
    let stroke = Stroke::new(1.0, Color32::from_black_alpha(160));
    for k in 1..m {
        if labels[k] != labels[k - 1] {
            let t = k as f32 * cell;
            ui.painter().vline(rect.min.x + t, rect.y_range(), stroke);
            ui.painter().hline(rect.x_range(), rect.min.y + t, stroke);
        }
    }
    ui.painter().rect_stroke(
        rect,
        0.0,
        Stroke::new(1.0, Color32::GRAY),
        egui::StrokeKind::Outside,
    );
}

/// A horizontal colour bar with its end values, or the legend of the mining view.
pub fn legend(ui: &mut egui::Ui, view: View, batch: &BatchSnapshot, width: f32) {
    match view {
        View::Mining => {
            ui.horizontal_wrapped(|ui| {
                for code in MiningCode::ALL {
                    let [r, g, b, _] = code.rgba();
                    let (rect, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
                    ui.painter()
                        .rect_filled(rect, 1.0, Color32::from_rgb(r, g, b));
                    ui.small(code.label());
                }
            });
        }
        View::Similarity | View::Weights => {
            let (map, lo, hi) = match view {
                View::Similarity => (ColorMap::Diverging, -1.0_f32, 1.0_f32),
                _ => (ColorMap::Sequential, 0.0, batch.max_weight()),
            };
            let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 10.0), Sense::hover());
            let steps = 64;
            for s in 0..steps {
                let t = s as f32 / (steps - 1) as f32;
                let [r, g, b, _] = colormap::unpack(colormap::colour_of(map, t, 0.0, 1.0));
                let x0 = rect.min.x + rect.width() * s as f32 / steps as f32;
                let x1 = rect.min.x + rect.width() * (s + 1) as f32 / steps as f32;
                ui.painter().rect_filled(
                    Rect::from_min_max(pos2(x0, rect.min.y), pos2(x1, rect.max.y)),
                    0.0,
                    Color32::from_rgb(r, g, b),
                );
            }
            ui.horizontal(|ui| {
                ui.small(format!("{lo:.3}"));
                ui.add_space((width - 90.0).max(0.0));
                ui.small(format!("{hi:.3}"));
            });
        }
    }
}
