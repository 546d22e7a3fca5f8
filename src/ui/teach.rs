//! Teaching mode: one mini-batch walked through stage by stage (sample -> similarity -> mining ->
//! weighting -> loss -> update), the pair inspector and the batch's pair table, the keyboard
//! shortcuts and their help overlay.

use std::sync::Arc;

use egui::{Color32, Rect, Sense, TextureOptions, Vec2, pos2, vec2};
use egui_plot::{Arrows, Legend, Line, Plot, PlotPoints, Points};

use super::heatmap::{self, HeatmapState};
use crate::app::{AppCommand, AppState, RunStatus};
use crate::data::Dataset;
use crate::gpu::View;
use crate::gpu::colormap::{self, ColorMap, MiningCode};
use crate::losses::explain::{self, PairFacts};
use crate::training::BatchSnapshot;

/// The six stages of one training step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Sample,
    Similarity,
    Mining,
    Weighting,
    Loss,
    Update,
}

impl Stage {
    pub const ALL: [Self; 6] = [
        Self::Sample,
        Self::Similarity,
        Self::Mining,
        Self::Weighting,
        Self::Loss,
        Self::Update,
    ];

    /// 1-based position.
    pub fn number(self) -> usize {
        self as usize + 1
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sample => "sample",
            Self::Similarity => "similarity",
            Self::Mining => "mining",
            Self::Weighting => "weighting",
            Self::Loss => "loss",
            Self::Update => "update",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Self::Sample => {
                "P×K sampling: K samples of each of P classes, the batch grouped by class."
            }
            Self::Similarity => {
                "Each sample is embedded and L2-normalised; S_ij = x_i · x_j for every pair."
            }
            Self::Mining => {
                "The mining rule decides which pairs enter the loss, and which are dropped."
            }
            Self::Weighting => {
                "Each kept pair gets its weight w_ij = |∂L/∂S_ij|: how hard it is pulled (positive) or pushed (negative)."
            }
            Self::Loss => "The loss of the batch, from the kept pairs and their similarities.",
            Self::Update => {
                "Adam steps the network along Σ G_ij ∂S_ij/∂θ; embedded again, the same samples moved like this."
            }
        }
    }

    pub fn next(self) -> Option<Self> {
        Self::ALL.get(self.number()).copied()
    }
}

/// How the pair table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairSort {
    Weight,
    Similarity,
}

/// What the teaching panel remembers.
pub struct TeachState {
    pub enabled: bool,
    pub stage: Stage,
    /// Selected pair `(i, j)` of the batch with this id.
    pub selected: Option<(u64, usize, usize)>,
    pub sort: PairSort,
    pub freeze_k: u32,
    pub speed_limited: bool,
    pub speed: f64,
    pub help: bool,
    heatmap: HeatmapState,
    cache: Option<BatchCache>,
    samples_tex: Option<(u64, egui::TextureHandle)>,
    delta_tex: Option<(u64, egui::TextureHandle)>,
    pair_tex: Option<((u64, usize), egui::TextureHandle)>,
}

impl Default for TeachState {
    fn default() -> Self {
        Self {
            enabled: false,
            stage: Stage::Sample,
            selected: None,
            sort: PairSort::Weight,
            freeze_k: 5,
            speed_limited: false,
            speed: 2.0,
            help: false,
            heatmap: HeatmapState::with_panel(3),
            cache: None,
            samples_tex: None,
            delta_tex: None,
            pair_tex: None,
        }
    }
}

/// Per-batch numbers derived once.
struct BatchCache {
    id: u64,
    sim64: Vec<f64>,
    labels64: Vec<i64>,
    /// Kept pairs `(i, j)`.
    kept: Vec<(usize, usize)>,
    total_weight: f64,
    /// `S_after − S_before`, when the after-update embeddings were recorded.
    delta: Option<Vec<f32>>,
}

impl BatchCache {
    fn new(batch: &BatchSnapshot) -> Self {
        let m = batch.m();
        let kept = (0..m * m)
            .filter(|&k| {
                matches!(
                    MiningCode::from_value(batch.mining[k]),
                    MiningCode::PositiveKept | MiningCode::NegativeKept
                )
            })
            .map(|k| (k / m, k % m))
            .collect();
        let delta = batch.after_embeddings.as_ref().map(|after| {
            colormap::similarity(after, m, batch.d)
                .iter()
                .zip(&batch.similarity)
                .map(|(a, b)| a - b)
                .collect()
        });
        Self {
            id: batch.id,
            sim64: batch.similarity.iter().map(|&s| f64::from(s)).collect(),
            labels64: batch.labels.iter().map(|&y| i64::from(y)).collect(),
            kept,
            total_weight: batch.weights.iter().map(|w| f64::from(w.abs())).sum(),
            delta,
        }
    }
}

/// The numbers the inspector shows for pair `(i, j)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PairReport {
    pub i: usize,
    pub j: usize,
    pub label_i: u32,
    pub label_j: u32,
    pub similarity: f64,
    /// `D = √(2 − 2S)` between unit vectors.
    pub distance: f64,
    pub code: MiningCode,
    pub why: String,
    /// `G_ij` (signed).
    pub weight: f64,
    pub share_of_anchor: f64,
    pub share_of_batch: f64,
    pub pair_loss: Option<f64>,
}

impl PairReport {
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!(
                "pair i = {} (class {}), j = {} (class {})",
                self.i, self.label_i, self.j, self.label_j
            ),
            format!("S_ij = {:.4}", self.similarity),
            format!("D_ij = {:.4}", self.distance),
            format!("{}", self.code.label()),
            format!("why: {}", self.why),
            format!("w_ij = {:.4e}", self.weight.abs()),
            format!(
                "share of anchor {}'s weight: {:.1} %, of the batch's: {:.2} %",
                self.i,
                100.0 * self.share_of_anchor,
                100.0 * self.share_of_batch
            ),
        ];
        if let Some(l) = self.pair_loss {
            lines.push(format!("per-pair loss = {l:.4}"));
        }
        lines
    }
}

impl TeachState {
    fn cache_for(&mut self, batch: &BatchSnapshot) -> &BatchCache {
        if self.cache.as_ref().is_none_or(|c| c.id != batch.id) {
            self.cache = Some(BatchCache::new(batch));
        }
        self.cache.as_ref().expect("just set")
    }

    /// Selects pair `(i, j)` of `batch` in the inspector.
    pub fn select(&mut self, batch: &BatchSnapshot, i: usize, j: usize) {
        let m = batch.m();
        if i < m && j < m {
            self.selected = Some((batch.id, i, j));
        }
    }

    /// The inspector's numbers for the selected pair of `batch` (none when the selection
    /// belongs to another batch).
    pub fn report(&mut self, batch: &BatchSnapshot) -> Option<PairReport> {
        let (id, i, j) = self.selected?;
        if id != batch.id {
            return None;
        }
        let m = batch.m();
        let k = i * m + j;
        let code = MiningCode::from_value(batch.mining[k]);
        let kept = matches!(code, MiningCode::PositiveKept | MiningCode::NegativeKept);
        let cache = self.cache_for(batch);
        let why = explain::explain_pair(
            &batch.spec,
            &PairFacts {
                sim: &cache.sim64,
                labels: &cache.labels64,
                i,
                j,
                kept,
                weight: f64::from(batch.weights[k]),
            },
        );
        let total = cache.total_weight;
        let anchor: f64 = batch.weights[i * m..(i + 1) * m]
            .iter()
            .map(|w| f64::from(w.abs()))
            .sum();
        let w = f64::from(batch.weights[k]);
        let s = f64::from(batch.similarity[k]);
        let share = |t: f64| if t > 0.0 { w.abs() / t } else { 0.0 };
        Some(PairReport {
            i,
            j,
            label_i: batch.labels[i],
            label_j: batch.labels[j],
            similarity: s,
            distance: (2.0 - 2.0 * s).max(0.0).sqrt(),
            code,
            why,
            weight: w,
            share_of_anchor: share(anchor),
            share_of_batch: share(total),
            pair_loss: batch.pair_loss.as_ref().map(|l| f64::from(l[k])),
        })
    }

    /// Next stage; after the last, trains the next batch and starts again at the first.
    pub fn advance_stage(&mut self, commands: &mut Vec<AppCommand>) {
        match self.stage.next() {
            Some(next) => self.stage = next,
            None => {
                self.stage = Stage::Sample;
                commands.push(AppCommand::StepBatch);
            }
        }
    }
}

/// Keyboard shortcuts (ignored while a text field has the keyboard).
pub fn keyboard(
    ctx: &egui::Context,
    state: &AppState,
    teach: &mut TeachState,
    commands: &mut Vec<AppCommand>,
) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    use egui::{Key, Modifiers};
    let running = state.compare.as_ref().map_or(state.status, |c| c.status) == RunStatus::Running;
    ctx.input_mut(|i| {
        if i.consume_key(Modifiers::NONE, Key::Space) {
            commands.push(if running {
                AppCommand::Pause
            } else {
                AppCommand::StartTraining
            });
        }
        if i.consume_key(Modifiers::SHIFT, Key::ArrowRight) {
            commands.push(AppCommand::StepBatch);
        }
        if i.consume_key(Modifiers::NONE, Key::ArrowRight) {
            teach.enabled = true;
            teach.advance_stage(commands);
        }
        if i.consume_key(Modifiers::NONE, Key::R) {
            commands.push(AppCommand::Reset);
        }
        if i.consume_key(Modifiers::NONE, Key::F) {
            commands.push(AppCommand::Freeze(teach.freeze_k));
        }
        if i.consume_key(Modifiers::NONE, Key::F1)
            || i.consume_key(Modifiers::SHIFT, Key::Questionmark)
            || i.consume_key(Modifiers::NONE, Key::Questionmark)
        {
            teach.help = !teach.help;
        }
    });
}

/// The help overlay listing the shortcuts.
pub fn help_window(ctx: &egui::Context, teach: &mut TeachState) {
    let mut open = teach.help;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, vec2(0.0, 0.0))
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for (key, what) in [
                    ("Space", "play / pause"),
                    ("Right arrow", "next stage of this batch"),
                    ("Shift + Right arrow", "next batch"),
                    ("R", "reset (a fresh model from the settings)"),
                    ("F", "freeze: repeat this batch k times"),
                    ("F1 or ?", "this help"),
                ] {
                    ui.strong(key);
                    ui.label(what);
                    ui.end_row();
                }
            });
        });
    teach.help = open;
}

/// The controls row of the teaching panel.
fn controls(ui: &mut egui::Ui, teach: &mut TeachState, commands: &mut Vec<AppCommand>) {
    ui.horizontal_wrapped(|ui| {
        for stage in Stage::ALL {
            if ui
                .add(egui::Button::selectable(
                    teach.stage == stage,
                    format!("{} {}", stage.number(), stage.name()),
                ))
                .clicked()
            {
                teach.stage = stage;
            }
        }
        ui.separator();
        if ui
            .button("Stage")
            .on_hover_text("next stage of this batch (->); after the update, the next batch")
            .clicked()
        {
            teach.advance_stage(commands);
        }
        ui.separator();
        if ui
            .button("Freeze batch")
            .on_hover_text("repeat the current batch for the next k steps (F)")
            .clicked()
        {
            commands.push(AppCommand::Freeze(teach.freeze_k));
        }
        ui.add(
            egui::DragValue::new(&mut teach.freeze_k)
                .range(1..=1000)
                .prefix("k = "),
        );
        ui.separator();
        let mut limited = teach.speed_limited;
        ui.checkbox(&mut limited, "limit speed");
        let slider = ui.add_enabled(
            limited,
            egui::Slider::new(&mut teach.speed, 0.1..=1000.0)
                .logarithmic(true)
                .suffix(" batches/s"),
        );
        if limited != teach.speed_limited || (limited && slider.changed()) {
            teach.speed_limited = limited;
            commands.push(AppCommand::SetSpeed(limited.then_some(teach.speed)));
        }
        if ui
            .button("?")
            .on_hover_text("keyboard shortcuts (F1)")
            .clicked()
        {
            teach.help = !teach.help;
        }
    });
}

/// The teaching panel: controls, the current stage of the shown batch, the inspector.
pub fn panel(
    ui: &mut egui::Ui,
    state: &AppState,
    batch: Option<&Arc<BatchSnapshot>>,
    gpu: bool,
    teach: &mut TeachState,
    commands: &mut Vec<AppCommand>,
) {
    controls(ui, teach, commands);
    let stage = teach.stage;
    ui.label(
        egui::RichText::new(format!(
            "Stage {} of 6: {} — {}",
            stage.number(),
            stage.name(),
            stage.explanation()
        ))
        .strong(),
    );
    let Some(batch) = batch else {
        ui.label("Press Step (or Shift + ->) to draw the first batch.");
        return;
    };
    ui.small(format!(
        "batch after step {}{}: m = {}, loss {:.4} — {}",
        batch.step,
        if batch.frozen {
            " (frozen: the same samples again)"
        } else {
            ""
        },
        batch.m(),
        batch.loss,
        batch.loss_name
    ));
    let side = (ui.available_height() - 30.0)
        .min(ui.available_width() * 0.45)
        .max(120.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(side + 20.0);
            stage_view(ui, state.data(), batch, gpu, teach, side);
        });
        ui.vertical(|ui| inspector(ui, state.data(), batch, teach));
    });
}

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

fn stage_view(
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
            heatmap_stage(ui, batch, gpu, teach, View::Weights, side * 0.5);
            weight_scatter(ui, batch, side);
        }
        Stage::Loss => {
            ui.add_space(8.0);
            ui.label(egui::RichText::new(explain::formula(&batch.spec)).monospace());
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
        }
        Stage::Update => update_view(ui, batch, teach, side),
    }
}

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
    const PER_ROW: usize = 24;
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
                    super::plots::class_colour(*c, ui.visuals().dark_mode),
                );
            }
        });
        let size = vec2((cols * tw) as f32, (groups.len() * th) as f32) * scale;
        ui.image((tex.id(), size));
    });
}

fn weight_scatter(ui: &mut egui::Ui, batch: &BatchSnapshot, side: f32) {
    // The same series as the exported figure (`figures::build::w_vs_s`).
    let crate::figures::Figure::Plot { series, .. } = crate::figures::build::w_vs_s(batch) else {
        return;
    };
    let has_curve = series
        .iter()
        .any(|s| s.stroke == crate::figures::Stroke::Solid);
    ui.strong("w against S for every kept pair");
    Plot::new("teach-w-vs-s")
        .height(side * 0.45)
        .x_axis_label("S_ij")
        .y_axis_label("w_ij")
        .legend(Legend::default())
        .show(ui, |plot| {
            for s in series {
                let (r, g, b) = s.colour;
                let colour = Color32::from_rgb(r, g, b);
                let pts: Vec<[f64; 2]> = s.points.iter().map(|&(x, y)| [x, y]).collect();
                if s.stroke == crate::figures::Stroke::Markers {
                    plot.points(
                        Points::new(s.name, PlotPoints::from(pts))
                            .color(colour)
                            .radius(2.0),
                    );
                } else {
                    plot.line(Line::new(s.name, PlotPoints::from(pts)).color(colour));
                }
            }
        });
    if has_curve {
        ui.small("Curves: the weight of a pair that is its anchor's only kept pair of its side.");
    } else {
        ui.small("This loss has no single-pair weight curve: its pairs interact (triplets, log-sum-exp over pairs).");
    }
}

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
    if teach
        .delta_tex
        .as_ref()
        .is_none_or(|(id, _)| *id != batch.id)
    {
        let rgba: Vec<u8> = colormap::colorize(&delta, ColorMap::Diverging, -hi, hi)
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
    let d = batch.d;
    let size = if d <= 3 { side * 0.55 } else { side * 0.9 };
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
    heatmap::legend(ui, View::Similarity, (-hi, hi), size);
    if d <= 3
        && let Some(after) = &batch.after_embeddings
    {
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
        Plot::new("teach-arrows")
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
}

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
fn inspector(ui: &mut egui::Ui, data: &Dataset, batch: &BatchSnapshot, teach: &mut TeachState) {
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
