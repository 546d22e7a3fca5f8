//! The embedding space while it learns: the live t-SNE layout or PCA (with the layout's
//! iteration, Stop and Restart, a timeline of the layouts recorded every `tsne_every` steps,
//! hover thumbnails, the current batch highlighted) or, for 2-D and 3-D embeddings, the raw
//! unit circle / sphere.

use std::collections::HashMap;
use std::sync::Arc;

use egui::{Color32, Pos2, Sense, Stroke, TextureOptions, Vec2, pos2, vec2};
use egui_plot::{Line, Plot, PlotPoints, Points};

use super::plots::class_colour;
use crate::app::{AppCommand, AppState};
use crate::data::Dataset;
use crate::embedding::{Projection, TsneLayout};
use crate::training::BatchSnapshot;
use crate::training::worker::HeldOutEmbedding;

/// What the embedding panel remembers.
pub struct EmbeddingViewState {
    /// Shown layout of the timeline; `None` follows the newest.
    pub timeline: Option<usize>,
    /// Sphere view rotation (yaw, pitch), radians.
    rotation: (f32, f32),
    thumbs: HashMap<usize, egui::TextureHandle>,
}

impl Default for EmbeddingViewState {
    fn default() -> Self {
        Self {
            timeline: None,
            rotation: (0.6, 0.4),
            thumbs: HashMap::new(),
        }
    }
}

impl EmbeddingViewState {
    fn thumb(
        &mut self,
        ctx: &egui::Context,
        data: &Dataset,
        row: usize,
    ) -> Option<egui::TextureId> {
        let (h, w) = data.image_shape?;
        if !self.thumbs.contains_key(&row) {
            if self.thumbs.len() > 512 {
                self.thumbs.clear();
            }
            let grey = data.grey_pixels(row);
            let pixels = (0..h * w)
                .map(|k| Color32::from_gray(grey.get(k).copied().unwrap_or(0)))
                .collect();
            let img = egui::ColorImage::new([w, h], pixels);
            let tex = ctx.load_texture(format!("thumb-{row}"), img, TextureOptions::NEAREST);
            self.thumbs.insert(row, tex);
        }
        self.thumbs.get(&row).map(egui::TextureHandle::id)
    }
}

/// Title of the panel.
pub fn title(state: &AppState) -> String {
    let d = state.active_config.embedding_dim;
    if d <= 3 {
        return format!(
            "Held-out embeddings on the unit {} (raw, d = {d})",
            if d == 2 { "circle" } else { "sphere" }
        );
    }
    let what = if state.settings.tsne.on_training {
        "training"
    } else {
        "held-out"
    };
    // What is shown (a switch takes effect with the next frame).
    let method = state
        .view
        .tsne
        .as_ref()
        .map_or(state.settings.projection, |t| t.projection)
        .name();
    match &state.view.tsne {
        Some(t) => format!("{method} of {what} embeddings (step {})", t.step),
        None => format!("{method} of {what} embeddings"),
    }
}

/// The panel body.
pub fn show(
    ui: &mut egui::Ui,
    state: &AppState,
    view_state: &mut EmbeddingViewState,
    batch: Option<&BatchSnapshot>,
    height: f32,
    commands: &mut Vec<AppCommand>,
) {
    let d = state.active_config.embedding_dim;
    if d <= 3 {
        raw_view(ui, state, view_state, d, height);
        return;
    }
    live_controls(ui, state, commands);
    let history = &state.view.tsne_history;
    timeline(ui, history, view_state, state.active_config.tsne_every);
    let layout = match view_state.timeline {
        Some(k) => history.get(k).cloned(),
        None => state.view.tsne.clone(),
    };
    // The panel keeps one height whatever it shows (the stage bar below must not move): the
    // plot's space and one line of notes are always taken.
    let Some(layout) = layout else {
        ui.allocate_space(vec2(ui.available_width(), height));
        ui.small("");
        return;
    };
    scatter(ui, state.data(), &layout, view_state, batch, height);
    if layout.subsampled_from > 0 {
        ui.small(format!(
            "{} of {} points shown (evenly subsampled; raise the cap in the t-SNE settings)",
            layout.labels.len(),
            layout.subsampled_from
        ));
    }
    ui.small(if !layout.on_training && batch.is_some() {
        "Held-out points: the current batch (training rows) is not among them."
    } else {
        ""
    });
}

/// The projection, and the live layout's state with Restart / Stop.
/// The row wraps at the column's width: in a narrow column (a lesson open at 1280 × 800)
/// Restart would otherwise sit past the window's right edge.
fn live_controls(ui: &mut egui::Ui, state: &AppState, commands: &mut Vec<AppCommand>) {
    ui.horizontal_wrapped(|ui| {
        let mut projection = state.settings.projection;
        ui.selectable_value(&mut projection, Projection::Tsne, "t-SNE")
            .on_hover_text("t-SNE, optimised live: points glide as the network learns");
        ui.selectable_value(&mut projection, Projection::Pca, "PCA")
            .on_hover_text("the top two principal components: instant, distances kept up to the dropped components");
        if projection != state.settings.projection {
            commands.push(AppCommand::SetProjection(projection));
        }
        let Some(frame) = state.view.live.as_ref().filter(|f| f.projection == Projection::Tsne)
        else {
            return;
        };
        if frame.moving {
            ui.spinner();
            ui.small(format!("iteration {} · {:.0}/s", frame.iteration, frame.rate));
            if ui.small_button("Stop").on_hover_text("stop moving the points (new embeddings start it again)").clicked() {
                commands.push(AppCommand::CancelTsne);
            }
        } else {
            ui.small(format!("iteration {}", frame.iteration));
        }
        if ui
            .small_button("Restart")
            .on_hover_text("start the layout again from a PCA start, with early exaggeration")
            .clicked()
        {
            commands.push(AppCommand::RestartTsne);
        }
    });
}

/// The timeline of stored layouts: follow the newest, or replay an older one.
/// Always one row, so the panel keeps its height (the stage bar below it never moves).
fn timeline(
    ui: &mut egui::Ui,
    history: &[Arc<TsneLayout>],
    view_state: &mut EmbeddingViewState,
    every: u64,
) {
    if history.len() < 2 {
        ui.horizontal_wrapped(|ui| {
            ui.add_enabled(false, egui::Checkbox::new(&mut true, "newest"));
            ui.small(format!("timeline: one layout every {every} steps"));
        });
        return;
    }
    ui.horizontal_wrapped(|ui| {
        // The slider and its value are one widget, which a wrapping row cannot break: in a
        // narrow column (a lesson open at 1280 × 800) it narrows instead of widening the column.
        let room = ui.available_width();
        ui.spacing_mut().slider_width = (room - 160.0).clamp(40.0, 100.0);
        let mut follow = view_state.timeline.is_none();
        ui.checkbox(&mut follow, "newest");
        let mut k = view_state
            .timeline
            .unwrap_or(history.len() - 1)
            .min(history.len() - 1);
        let slider = ui.add_enabled(
            !follow,
            egui::Slider::new(&mut k, 0..=history.len() - 1)
                .custom_formatter(|v, _| format!("step {}", history[v as usize].step))
                .show_value(true),
        );
        view_state.timeline = if follow { None } else { Some(k) };
        slider.on_hover_text("replay the stored layouts of this run");
    });
}

fn scatter(
    ui: &mut egui::Ui,
    data: &Dataset,
    layout: &TsneLayout,
    view_state: &mut EmbeddingViewState,
    batch: Option<&BatchSnapshot>,
    height: f32,
) {
    let dark = ui.visuals().dark_mode;
    let mut classes = layout.labels.clone();
    classes.sort_unstable();
    classes.dedup();
    let in_batch = batch_points(layout, batch);
    let response = super::plots::panel_plot(Plot::new("tsne"))
        .height(height)
        .data_aspect(1.0)
        .show_axes(false)
        .show_grid(false)
        .show_x(false)
        .show_y(false)
        .show(ui, |plot| {
            for &c in &classes {
                let pts: Vec<[f64; 2]> = layout
                    .xy
                    .iter()
                    .zip(&layout.labels)
                    .filter(|(_, y)| **y == c)
                    .map(|(p, _)| *p)
                    .collect();
                plot.points(
                    Points::new(format!("class {c}"), PlotPoints::from(pts))
                        .color(class_colour(c, dark))
                        .radius(2.5)
                        .filled(true),
                );
            }
            if !in_batch.is_empty() {
                plot.points(
                    Points::new("current batch", PlotPoints::from(in_batch))
                        .color(if dark { Color32::WHITE } else { Color32::BLACK })
                        .radius(4.5)
                        .filled(false),
                );
            }
        });
    hover_sample(ui, data, layout, view_state, response);
}

/// The layout's points that belong to the current batch (only a layout of training rows has
/// them).
fn batch_points(layout: &TsneLayout, batch: Option<&BatchSnapshot>) -> Vec<[f64; 2]> {
    match batch {
        Some(b) if layout.on_training => {
            let mut rows = b.rows.clone();
            rows.sort_unstable();
            layout
                .rows
                .iter()
                .zip(&layout.xy)
                .filter(|(r, _)| rows.binary_search(r).is_ok())
                .map(|(_, p)| *p)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Hover: the nearest point within 8 px shows its sample and label.
fn hover_sample(
    ui: &egui::Ui,
    data: &Dataset,
    layout: &TsneLayout,
    view_state: &mut EmbeddingViewState,
    response: egui_plot::PlotResponse<()>,
) {
    let Some(pointer) = response.response.hover_pos() else {
        return;
    };
    let nearest = layout
        .xy
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let s = response
                .transform
                .position_from_point(&egui_plot::PlotPoint::new(p[0], p[1]));
            (k, s.distance(pointer))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((k, dist)) = nearest
        && dist < 8.0
    {
        let row = layout.rows[k];
        let label = layout.labels[k];
        let name = data
            .class_names
            .get(label as usize)
            .cloned()
            .unwrap_or_else(|| label.to_string());
        let thumb = view_state.thumb(ui.ctx(), data, row);
        response.response.on_hover_ui_at_pointer(|ui| {
            if let Some(tex) = thumb {
                ui.image((tex, vec2(64.0, 64.0)));
            }
            ui.label(format!("sample {row}, class {name}"));
        });
    }
}

/// 2-D: points on the unit circle. 3-D: an orthographic view of the unit sphere, rotated by
/// dragging (front points bright, back points faded).
fn raw_view(
    ui: &mut egui::Ui,
    state: &AppState,
    view_state: &mut EmbeddingViewState,
    d: usize,
    height: f32,
) {
    let Some(held) = &state.view.held_out else {
        ui.allocate_space(vec2(ui.available_width(), height));
        return;
    };
    if held.d != d {
        ui.label("waiting for the held-out embeddings of this run…");
        return;
    }
    if d == 2 {
        circle_view(ui, held, height);
    } else {
        sphere_view(ui, held, view_state, height);
    }
}

/// 2-D embeddings as points on the unit circle, one series per class.
fn circle_view(ui: &mut egui::Ui, held: &HeldOutEmbedding, height: f32) {
    let dark = ui.visuals().dark_mode;
    super::plots::panel_plot(Plot::new("raw-circle"))
        .height(height)
        .data_aspect(1.0)
        .show(ui, |plot| {
            let circle: PlotPoints = (0..=128)
                .map(|t| {
                    let a = f64::from(t) / 128.0 * std::f64::consts::TAU;
                    [a.cos(), a.sin()]
                })
                .collect();
            plot.line(Line::new("unit circle", circle).color(Color32::GRAY));
            let mut classes = held.labels.clone();
            classes.sort_unstable();
            classes.dedup();
            for c in classes {
                let pts: Vec<[f64; 2]> = held
                    .embeddings
                    .chunks(2)
                    .zip(&held.labels)
                    .filter(|(_, y)| **y == c)
                    .map(|(p, _)| [f64::from(p[0]), f64::from(p[1])])
                    .collect();
                plot.points(
                    Points::new(format!("class {c}"), PlotPoints::from(pts))
                        .color(class_colour(c, dark))
                        .radius(2.5),
                );
            }
        });
}

/// 3-D embeddings on an orthographic view of the unit sphere, rotated by dragging.
fn sphere_view(
    ui: &mut egui::Ui,
    held: &HeldOutEmbedding,
    view_state: &mut EmbeddingViewState,
    height: f32,
) {
    let dark = ui.visuals().dark_mode;
    let side = height.min(ui.available_width());
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::drag());
    let delta = response.drag_delta();
    view_state.rotation.0 += delta.x * 0.01;
    view_state.rotation.1 = (view_state.rotation.1 + delta.y * 0.01).clamp(-1.55, 1.55);
    let (yaw, pitch) = view_state.rotation;
    let painter = ui.painter_at(rect);
    let centre = rect.center();
    let r = side * 0.45;
    painter.circle_stroke(centre, r, Stroke::new(1.0, Color32::GRAY));
    let project = |p: &[f32]| -> (Pos2, f32) {
        let (x, y, z) = (p[0], p[1], p[2]);
        let (cy, sy) = (yaw.cos(), yaw.sin());
        let (x1, z1) = (cy * x + sy * z, -sy * x + cy * z);
        let (cp, sp) = (pitch.cos(), pitch.sin());
        let (y2, z2) = (cp * y - sp * z1, sp * y + cp * z1);
        (pos2(centre.x + r * x1, centre.y - r * y2), z2)
    };
    let mut pts: Vec<(Pos2, f32, u32)> = held
        .embeddings
        .chunks(3)
        .zip(&held.labels)
        .map(|(p, &y)| {
            let (s, z) = project(p);
            (s, z, y)
        })
        .collect();
    // Back to front.
    pts.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (s, z, y) in pts {
        let c = class_colour(y, dark);
        let c = if z < 0.0 { c.gamma_multiply(0.3) } else { c };
        painter.circle_filled(s, 2.5, c);
    }
    ui.small("Drag to rotate the sphere; faded points are on its far side.");
}
