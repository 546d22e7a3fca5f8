//! The pair inspector (numbers and images of the selected pair) and the table of kept pairs.

use egui::{Color32, TextureOptions, vec2};

use super::state::{PairSort, TeachState};
use crate::data::Dataset;
use crate::training::BatchSnapshot;

/// The two samples of the selected pair side by side (image data sets only).
fn pair_images(
    ui: &mut egui::Ui,
    data: &Dataset,
    batch: &BatchSnapshot,
    teach: &mut TeachState,
    i: usize,
    j: usize,
) {
    let Some((h, w)) = data.image_shape else {
        return;
    };
    let key = (batch.id, i * batch.m() + j);
    if teach.pair_tex.as_ref().is_none_or(|(k, _)| *k != key) {
        let mut img = egui::ColorImage::filled([2 * w + 1, h], Color32::from_gray(40));
        for (slot, k) in [i, j].into_iter().enumerate() {
            let grey = data.grey_pixels(batch.rows[k]);
            for py in 0..h {
                for px in 0..w {
                    let v = grey.get(py * w + px).copied().unwrap_or(0);
                    img[(slot * (w + 1) + px, py)] = Color32::from_gray(v);
                }
            }
        }
        teach.pair_tex = Some((
            key,
            ui.ctx()
                .load_texture("teach-pair", img, TextureOptions::NEAREST),
        ));
    }
    if let Some((_, tex)) = &teach.pair_tex {
        ui.image((tex.id(), vec2((2 * w + 1) as f32, h as f32) * 8.0));
    }
}

/// The pair inspector and the sortable table of kept pairs.
pub(super) fn inspector(
    ui: &mut egui::Ui,
    data: &Dataset,
    batch: &BatchSnapshot,
    teach: &mut TeachState,
) {
    ui.strong("Pair inspector");
    match teach.report(batch) {
        Some(r) => {
            pair_images(ui, data, batch, teach, r.i, r.j);
            for line in r.lines() {
                ui.label(line);
            }
        }
        None => {
            ui.label("Click a heatmap cell or a pair in the table.");
        }
    }
    ui.separator();
    ui.horizontal(|ui| {
        ui.strong("Kept pairs, sorted by");
        ui.selectable_value(&mut teach.sort, PairSort::Weight, "weight");
        ui.selectable_value(&mut teach.sort, PairSort::Similarity, "S");
    });
    let m = batch.m();
    let sort = teach.sort;
    let mut pairs = teach.cache_for(batch).kept.clone();
    match sort {
        PairSort::Weight => pairs.sort_by(|a, b| {
            batch.weights[b.0 * m + b.1]
                .abs()
                .total_cmp(&batch.weights[a.0 * m + a.1].abs())
        }),
        PairSort::Similarity => pairs.sort_by(|a, b| {
            batch.similarity[b.0 * m + b.1].total_cmp(&batch.similarity[a.0 * m + a.1])
        }),
    }
    ui.small(format!("{} kept pairs (the first 200 listed)", pairs.len()));
    egui::ScrollArea::vertical()
        .max_height(ui.available_height().max(80.0))
        .show(ui, |ui| {
            egui::Grid::new("pair-table").striped(true).show(ui, |ui| {
                ui.strong("pair");
                ui.strong("classes");
                ui.strong("S");
                ui.strong("w");
                ui.end_row();
                for &(i, j) in pairs.iter().take(200) {
                    let k = i * m + j;
                    let selected = teach.selected == Some((batch.id, i, j));
                    if ui
                        .selectable_label(selected, format!("{i} -> {j}"))
                        .clicked()
                    {
                        teach.select(batch, i, j);
                    }
                    ui.label(format!("{} / {}", batch.labels[i], batch.labels[j]));
                    ui.label(format!("{:.3}", batch.similarity[k]));
                    ui.label(format!("{:.2e}", batch.weights[k].abs()));
                    ui.end_row();
                }
            });
        });
}
