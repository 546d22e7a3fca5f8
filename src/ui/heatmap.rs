//! The batch heatmap with a view switch (similarity | mined pairs | weights | per-pair loss),
//! zoom and pan. Drawn by the WGSL pipeline through a paint callback when eframe runs on wgpu
//! (hover values read back from the GPU), otherwise colour-mapped on the CPU from the engine's
//! numbers into an egui texture (same colours).

use std::sync::Arc;

use egui::{Color32, Rect, Sense, Stroke, TextureOptions, Vec2, pos2, vec2};
use parking_lot::Mutex;

use super::gpu_heatmap::{GpuFeedback, HeatmapCallback, HeatmapData, OwnedWork};
use crate::gpu::colormap::{self, ColorMap, MiningCode};
use crate::gpu::{GpuPlan, View};
use crate::training::BatchSnapshot;

/// Largest zoom: at least this many cells stay visible per side.
const MIN_VISIBLE_CELLS: f32 = 4.0;

/// What the heatmap panel remembers between frames.
pub struct HeatmapState {
    pub view: View,
    /// Top-left corner of the visible window, unit coordinates of the matrix.
    lo: Vec2,
    /// Side of the (square) visible window, in `(0, 1]`.
    span: f32,
    data: Option<Arc<HeatmapData>>,
    /// Whether the shown batch's loss has a GPU path.
    pub gpu_path: bool,
    texture: Option<((u64, View), egui::TextureHandle)>,
    feedback: Arc<Mutex<GpuFeedback>>,
    /// The pointer was on the heatmap in the last frame (the shown batch is then held).
    pub hovered: bool,
    /// The cell clicked in the last frame, until taken.
    pub clicked: Option<(usize, usize)>,
    /// Panel id in the renderer's resources (one GPU buffer set per panel).
    panel: u64,
}

impl Default for HeatmapState {
    fn default() -> Self {
        Self {
            view: View::Similarity,
            lo: Vec2::ZERO,
            span: 1.0,
            data: None,
            gpu_path: false,
            texture: None,
            feedback: Arc::default(),
            hovered: false,
            clicked: None,
            panel: 0,
        }
    }
}

/// Values of one cell for the hover read-out.
struct CellValues {
    similarity: f32,
    code: MiningCode,
    weight: f32,
    pair_loss: Option<f32>,
    source: &'static str,
}

impl HeatmapState {
    /// A heatmap with its own GPU buffers (panel ids must differ between heatmaps on screen).
    pub fn with_panel(panel: u64) -> Self {
        Self {
            panel,
            ..Self::default()
        }
    }

    pub fn reset_zoom(&mut self) {
        self.lo = Vec2::ZERO;
        self.span = 1.0;
    }

    pub fn zoomed(&self) -> bool {
        self.span < 1.0
    }

    fn data_for(&mut self, batch: &BatchSnapshot) -> Arc<HeatmapData> {
        if let Some(d) = &self.data
            && d.id == batch.id
        {
            return Arc::clone(d);
        }
        let plan = GpuPlan::for_spec(&batch.spec);
        self.gpu_path = plan.is_some();
        let work = match plan {
            Some(plan) => OwnedWork::Gpu(plan),
            None => OwnedWork::Engine {
                codes: batch.mining.iter().map(|c| c.to_gpu()).collect(),
                weights: batch.weights.clone(),
                pair_loss: batch.pair_loss.clone(),
            },
        };
        let data = Arc::new(HeatmapData {
            id: batch.id,
            m: batch.m(),
            d: batch.d,
            emb: batch.embeddings.clone(),
            labels: batch.labels.clone(),
            work,
        });
        self.data = Some(Arc::clone(&data));
        data
    }

    /// Colour-bar maximum of the weight / per-pair-loss views: from the GPU when it reported
    /// for this batch, else from the engine's numbers.
    pub fn range(&self, view: View, batch: &BatchSnapshot, gpu: bool) -> (f32, f32) {
        let gpu_ranges = self
            .feedback
            .lock()
            .ranges
            .filter(|(id, ..)| gpu && *id == batch.id);
        match view {
            View::Similarity => (-1.0, 1.0),
            View::Mining => (0.0, 4.0),
            View::Weights => (
                0.0,
                gpu_ranges.map_or_else(|| batch.max_weight(), |(_, w, _)| w),
            ),
            View::PairLoss => (
                0.0,
                gpu_ranges.map_or_else(|| batch.max_pair_loss(), |(_, _, l)| l),
            ),
        }
    }

    /// Turns scroll (zoom about the pointer), drag (pan) and double-click (reset) into the
    /// visible window.
    fn navigate(&mut self, ui: &egui::Ui, response: &egui::Response, rect: Rect, m: usize) {
        if response.double_clicked() {
            self.reset_zoom();
            return;
        }
        let min_span = (MIN_VISIBLE_CELLS / m as f32).min(1.0);
        if response.dragged() {
            let delta = response.drag_delta() / rect.width() * self.span;
            self.lo -= delta;
        }
        if response.hovered() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y + i.zoom_delta().ln() * 200.0);
            if scroll != 0.0
                && let Some(pos) = response.hover_pos()
            {
                let at = self.lo + (pos - rect.min) / rect.width() * self.span;
                let span = (self.span * (-scroll * 0.0025).exp()).clamp(min_span, 1.0);
                self.lo = at - (at - self.lo) * (span / self.span);
                self.span = span;
            }
        }
        let max_lo = 1.0 - self.span;
        self.lo = vec2(self.lo.x.clamp(0.0, max_lo), self.lo.y.clamp(0.0, max_lo));
    }

    /// Screen position of unit matrix coordinate `t` along one axis.
    fn to_screen(&self, rect: Rect, t: Vec2) -> egui::Pos2 {
        rect.min + (t - self.lo) / self.span * rect.width()
    }

    fn cell_values(
        &self,
        batch: &BatchSnapshot,
        k: usize,
        gpu: bool,
        has_pair_loss: bool,
    ) -> Option<CellValues> {
        if gpu {
            let probe = self.feedback.lock().probe;
            let (id, cell, p) = probe?;
            if id != batch.id || cell != k {
                return None;
            }
            return Some(CellValues {
                similarity: p.similarity,
                code: MiningCode::from_gpu(p.code),
                weight: p.weight,
                pair_loss: has_pair_loss.then_some(p.pair_loss),
                source: "read back from the GPU; for losses with a GPU path the shader recomputes the weights, parity-tested against the engine",
            });
        }
        Some(CellValues {
            similarity: batch.similarity[k],
            code: batch.mining[k],
            weight: batch.weights[k],
            pair_loss: batch.pair_loss.as_ref().map(|l| l[k]),
            source: "CPU engine",
        })
    }
}

/// Whether `batch`'s loss has an unreduced per-pair term.
pub fn has_pair_loss(batch: &BatchSnapshot) -> bool {
    batch.pair_loss.is_some()
}

/// The view switch above the heatmap.
pub fn view_switch(ui: &mut egui::Ui, state: &mut HeatmapState, batch: &BatchSnapshot) {
    ui.horizontal(|ui| {
        for view in View::ALL {
            let enabled = view != View::PairLoss || has_pair_loss(batch);
            let button = ui.add_enabled(
                enabled,
                egui::Button::selectable(state.view == view, view.label()),
            );
            let button = if enabled {
                button
            } else {
                button.on_disabled_hover_text(
                    "this loss has no per-pair term (its pairs interact through a log-sum-exp \
                     or a triplet)",
                )
            };
            if button.clicked() {
                state.view = view;
            }
        }
        if state.view == View::PairLoss && !has_pair_loss(batch) {
            state.view = View::Weights;
        }
        if state.zoomed() && ui.button("Reset zoom").clicked() {
            state.reset_zoom();
        }
    });
}

/// Draws the current view of `batch` in a square of side `side`; returns the hovered cell.
pub fn show(
    ui: &mut egui::Ui,
    batch: &BatchSnapshot,
    gpu: bool,
    state: &mut HeatmapState,
    side: f32,
) -> Option<(usize, usize)> {
    let m = batch.m();
    state.hovered = false;
    if m == 0 {
        return None;
    }
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::click_and_drag());
    state.hovered = response.hovered();
    state.navigate(ui, &response, rect, m);
    let hovered = response.hover_pos().map(|pos| {
        let u = state.lo + (pos - rect.min) / rect.width() * state.span;
        let j = ((u.x * m as f32) as usize).min(m - 1);
        let i = ((u.y * m as f32) as usize).min(m - 1);
        (i, j)
    });
    paint_cells(ui, batch, gpu, state, rect, hovered);
    decorate(ui, batch, state, rect);
    if response.clicked()
        && let Some(cell) = hovered
    {
        state.clicked = Some(cell);
    }
    let (i, j) = hovered?;
    let text = hover_text(ui, batch, gpu, state, i, j);
    response.on_hover_text_at_pointer(text);
    Some((i, j))
}

/// The cells of the visible window: through the GPU paint callback, or from a CPU-coloured
/// texture.
fn paint_cells(
    ui: &mut egui::Ui,
    batch: &BatchSnapshot,
    gpu: bool,
    state: &mut HeatmapState,
    rect: Rect,
    hovered: Option<(usize, usize)>,
) {
    let m = batch.m();
    let view = state.view;
    let data = state.data_for(batch);
    let window = [
        state.lo.x,
        state.lo.y,
        state.lo.x + state.span,
        state.lo.y + state.span,
    ];
    if gpu {
        ui.painter().add(egui_wgpu::Callback::new_paint_callback(
            rect,
            HeatmapCallback {
                panel: state.panel,
                data,
                view,
                window,
                probe: hovered.map(|(i, j)| i * m + j),
                feedback: Arc::clone(&state.feedback),
            },
        ));
        return;
    }
    let key = (batch.id, view);
    if state.texture.as_ref().is_none_or(|(k, _)| *k != key) {
        let rgba: Vec<u8> = cpu_colours(view, batch, state.range(view, batch, false))
            .iter()
            .flat_map(|c| c.to_le_bytes())
            .collect();
        let image = egui::ColorImage::from_rgba_unmultiplied([m, m], &rgba);
        let handle = ui
            .ctx()
            .load_texture("batch-heatmap", image, TextureOptions::NEAREST);
        state.texture = Some((key, handle));
    }
    if let Some((_, tex)) = &state.texture {
        ui.painter().image(
            tex.id(),
            rect,
            Rect::from_min_max(pos2(window[0], window[1]), pos2(window[2], window[3])),
            Color32::WHITE,
        );
    }
}

/// Class boundaries, the kept-pair dots of the similarity view, the frame, and a note when
/// every weight is zero.
fn decorate(ui: &egui::Ui, batch: &BatchSnapshot, state: &HeatmapState, rect: Rect) {
    let view = state.view;
    let painter = ui.painter_at(rect);
    draw_class_boundaries(&painter, state, rect, &batch.labels);
    if view == View::Similarity {
        draw_mined_overlay(&painter, state, rect, batch);
    }
    ui.painter().rect_stroke(
        rect,
        0.0,
        Stroke::new(1.0, Color32::GRAY),
        egui::StrokeKind::Outside,
    );
    if view == View::Weights && batch.max_weight() == 0.0 {
        draw_note_inside(ui, rect, zero_weight_note(batch));
    }
}

/// `note` centred in `rect`, wrapped to its width and, on a heatmap too small for 14-pt text,
/// set smaller (down to 8 pt) so that it stays inside; clipped to `rect` below that.
fn draw_note_inside(ui: &egui::Ui, rect: Rect, note: &str) {
    let painter = ui.painter_at(rect);
    let (top_left, galley) = note_galley(&painter, rect, note);
    painter.galley(top_left, galley, Color32::WHITE);
}

/// Where [`draw_note_inside`] puts `note`, and its laid-out text.
fn note_galley(
    painter: &egui::Painter,
    rect: Rect,
    note: &str,
) -> (egui::Pos2, std::sync::Arc<egui::Galley>) {
    const MARGIN: f32 = 6.0;
    let wrap = (rect.width() - 2.0 * MARGIN).max(1.0);
    let mut size = 14.0;
    let galley = loop {
        let font = egui::FontId::proportional(size);
        let galley = painter.layout(note.to_owned(), font, Color32::WHITE, wrap);
        if galley.size().y <= rect.height() - 2.0 * MARGIN || size <= 8.0 {
            break galley;
        }
        size -= 1.0;
    };
    (rect.center() - galley.size() / 2.0, galley)
}

/// Why every weight of the batch is 0: nothing was kept, or every kept pair's term is
/// satisfied (a hinge at 0: triplet, contrastive, lifted structure).
fn zero_weight_note(batch: &BatchSnapshot) -> &'static str {
    let mined = batch.spec.miner.is_some()
        || matches!(batch.spec.loss, crate::losses::Loss::Composed { .. });
    if mined && batch.positive_pairs + batch.negative_pairs == 0 {
        "every pair has weight 0:\nthe miner kept no pair of this batch"
    } else {
        "every pair has weight 0: pairs enter the loss,\nbut every term is satisfied (its hinge is 0)"
    }
}

/// The hover read-out of cell `(i, j)`.
fn hover_text(
    ui: &egui::Ui,
    batch: &BatchSnapshot,
    gpu: bool,
    state: &HeatmapState,
    i: usize,
    j: usize,
) -> String {
    let k = i * batch.m() + j;
    match state.cell_values(batch, k, gpu, has_pair_loss(batch)) {
        Some(v) => {
            let mut text = format!(
                "anchor i = {i} (class {}), other j = {j} (class {})\nS_ij = {:.4}\n{}\n{} = {:.3e}",
                batch.labels[i],
                batch.labels[j],
                v.similarity,
                v.code.label(),
                crate::losses::explain::weight_label(&batch.spec),
                v.weight.abs(),
            );
            if let Some(l) = v.pair_loss {
                text.push_str(&format!("\nper-pair loss = {l:.4}"));
            }
            text.push_str(&format!("\n({})", v.source));
            text
        }
        None => {
            // The read-back lands in a frame or two.
            ui.ctx().request_repaint();
            format!("anchor i = {i}, other j = {j}\nreading the cell from the GPU…")
        }
    }
}

fn cpu_colours(view: View, batch: &BatchSnapshot, (lo, hi): (f32, f32)) -> Vec<u32> {
    match view {
        View::Similarity => colormap::colorize(&batch.similarity, ColorMap::Diverging, lo, hi),
        View::Mining => colormap::colorize_codes(&batch.mining),
        View::Weights => {
            let w: Vec<f32> = batch.weights.iter().map(|w| w.abs()).collect();
            colormap::colorize(&w, ColorMap::Sequential, lo, hi)
        }
        View::PairLoss => match &batch.pair_loss {
            Some(l) => colormap::colorize(l, ColorMap::Sequential, lo, hi),
            None => colormap::colorize(
                &vec![0.0; batch.m() * batch.m()],
                ColorMap::Sequential,
                0.0,
                1.0,
            ),
        },
    }
}

/// Kept pairs as dots over the similarity heatmap (positive: green, negative: vermilion), so
/// that S and the mining decision are read together — only when at most 128 cells per side are
/// visible (zoom in to see them in a large batch).
fn draw_mined_overlay(
    painter: &egui::Painter,
    state: &HeatmapState,
    rect: Rect,
    batch: &BatchSnapshot,
) {
    let m = batch.m();
    let visible = state.span * m as f32;
    if visible > 128.0 {
        return;
    }
    let cell = rect.width() / visible;
    let radius = (cell * 0.2).max(0.8);
    let first = (state.lo * m as f32).floor();
    let (i0, j0) = (first.y as usize, first.x as usize);
    let n = visible.ceil() as usize + 1;
    for i in i0..(i0 + n).min(m) {
        for j in j0..(j0 + n).min(m) {
            let code = batch.mining[i * m + j];
            if !code.is_kept() {
                continue;
            }
            let [r, g, b, _] = code.rgba();
            let centre = state.to_screen(
                rect,
                vec2((j as f32 + 0.5) / m as f32, (i as f32 + 0.5) / m as f32),
            );
            painter.circle_filled(centre, radius, Color32::from_rgb(r, g, b));
        }
    }
}

/// Thin lines between classes (the batch is sorted by class).
fn draw_class_boundaries(
    painter: &egui::Painter,
    state: &HeatmapState,
    rect: Rect,
    labels: &[u32],
) {
    let m = labels.len();
    let stroke = Stroke::new(1.0, Color32::from_black_alpha(160));
    for k in 1..m {
        if labels[k] != labels[k - 1] {
            let t = k as f32 / m as f32;
            let p = state.to_screen(rect, vec2(t, t));
            if rect.x_range().contains(p.x) {
                painter.vline(p.x, rect.y_range(), stroke);
            }
            if rect.y_range().contains(p.y) {
                painter.hline(rect.x_range(), p.y, stroke);
            }
        }
    }
}

/// A horizontal colour bar with its end values, or the legend of the mining view.
pub fn legend(ui: &mut egui::Ui, view: View, (lo, hi): (f32, f32), width: f32) {
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
        View::Similarity | View::Weights | View::PairLoss => {
            let map = if view == View::Similarity {
                ColorMap::Diverging
            } else {
                ColorMap::Sequential
            };
            let (rect, _) = ui.allocate_exact_size(vec2(width, 10.0), Sense::hover());
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
            end_labels(ui, rect.x_range(), (lo, hi));
        }
    }
}

/// The colour bar's end values under its ends: the low one from the bar's left edge, the high
/// one ending at its right edge, whatever the bar's width.
fn end_labels(ui: &mut egui::Ui, bar: egui::Rangef, (lo, hi): (f32, f32)) {
    let fmt = |v: f32| {
        if v != 0.0 && v.abs() < 1e-2 {
            format!("{v:.2e}")
        } else {
            format!("{v:.3}")
        }
    };
    let font = egui::TextStyle::Small.resolve(ui.style());
    let colour = ui.visuals().text_color();
    let height = ui.fonts_mut(|f| f.row_height(&font));
    let (row, _) = ui.allocate_exact_size(vec2(bar.span(), height), Sense::hover());
    let painter = ui.painter();
    painter.text(
        pos2(bar.min, row.top()),
        egui::Align2::LEFT_TOP,
        fmt(lo),
        font.clone(),
        colour,
    );
    painter.text(
        pos2(bar.max, row.top()),
        egui::Align2::RIGHT_TOP,
        fmt(hi),
        font,
        colour,
    );
}

#[cfg(test)]
mod note_tests {
    use super::*;

    /// The zero-weight note stays inside the heatmap, from a large one down to a small one
    /// (where it spilled over the panel before), in 14-pt text where that fits.
    #[test]
    fn the_zero_weight_note_stays_inside_the_heatmap() {
        let ctx = egui::Context::default();
        ctx.begin_pass(egui::RawInput::default());
        let note = "every pair has weight 0: pairs enter the loss,\nbut every term is satisfied (its hinge is 0)";
        for (w, h) in [(600.0, 600.0), (240.0, 240.0), (150.0, 150.0)] {
            let rect = Rect::from_min_size(egui::pos2(10.0, 20.0), egui::vec2(w, h));
            let painter = egui::Painter::new(ctx.clone(), egui::LayerId::background(), rect);
            let (top_left, galley) = note_galley(&painter, rect, note);
            let text = Rect::from_min_size(top_left, galley.size());
            assert!(
                rect.contains_rect(text),
                "{w} × {h}: {text:?} outside {rect:?}"
            );
            if w >= 600.0 {
                assert_eq!(
                    galley.rows.len(),
                    2,
                    "one line per sentence when there is room"
                );
            }
        }
        let _ = ctx.end_pass();
    }

    /// The colour bar's end values sit under its ends at every width: the high one ended a
    /// fixed 110 points after the low one began, so on a wide bar it stood far from the end.
    #[test]
    fn the_colour_bar_labels_sit_under_its_ends() {
        for width in [150.0, 360.0, 700.0] {
            let ctx = egui::Context::default();
            let mut bar = Rect::NOTHING;
            let out = ctx.run_ui(egui::RawInput::default(), |ui| {
                legend(ui, View::Similarity, (-1.0, 1.0), width);
                bar = ui.min_rect();
            });
            let texts: Vec<(String, Rect)> = out
                .shapes
                .iter()
                .filter_map(|c| match &c.shape {
                    egui::Shape::Text(t) => {
                        Some((t.galley.text().to_owned(), t.visual_bounding_rect()))
                    }
                    _ => None,
                })
                .collect();
            let find = |label: &str| {
                texts
                    .iter()
                    .find(|(t, _)| t == label)
                    .map(|(_, r)| *r)
                    .unwrap_or_else(|| panic!("no {label} label in {texts:?}"))
            };
            let (lo, hi) = (find("-1.000"), find("1.000"));
            assert!(
                (lo.left() - bar.left()).abs() <= 2.0,
                "{width}: {lo:?} vs {bar:?}"
            );
            assert!(
                (hi.right() - bar.right()).abs() <= 2.0,
                "{width}: {hi:?} vs {bar:?}"
            );
            assert!(lo.right() < hi.left(), "{width}: the labels overlap");
        }
    }
}
