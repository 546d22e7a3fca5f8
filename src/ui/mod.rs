//! The egui front end. It reads [`AppState`], draws, and turns clicks into [`AppCommand`]s;
//! it never calls burn and never blocks (the worker and the t-SNE job run elsewhere).

mod controls;
pub mod gpu_heatmap;
pub mod heatmap;
mod params;
pub mod plots;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::{AppCommand, AppState, Settings};
use crate::data::Dataset;
use gpu_heatmap::HeatmapRenderer;

/// The eframe application.
pub struct PairscopeApp {
    state: AppState,
    gpu_heatmaps: bool,
    heatmaps: heatmap::HeatmapCache,
}

impl PairscopeApp {
    /// Works without a wgpu render state (tests, other renderers): the heatmaps then take the
    /// CPU path.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        Self::with_settings(cc, settings)
    }

    pub fn with_settings(cc: &eframe::CreationContext<'_>, settings: Settings) -> Self {
        // Workers report after every batch (thousands per second), so repaints are rate-limited:
        // ~60 fps on a hardware adapter; ~10 fps on a software one (llvmpipe/lavapipe), where
        // each frame costs whole CPU cores that training needs.
        let software = cc
            .wgpu_render_state
            .as_ref()
            .is_some_and(|rs| rs.adapter.get_info().device_type == wgpu::DeviceType::Cpu);
        let interval = Duration::from_millis(if software { 100 } else { 16 });
        let ctx = cc.egui_ctx.clone();
        // Each request wakes the event loop, so only one is made per interval: the repaint it
        // schedules drains every event that arrives before it.
        let last = parking_lot::Mutex::new(None::<Instant>);
        let notify: crate::app::Notify = Arc::new(move || {
            let mut last = last.lock();
            if last.is_none_or(|t| t.elapsed() >= interval) {
                *last = Some(Instant::now());
                ctx.request_repaint_after(interval);
            }
        });
        let gpu_heatmaps = if let Some(render_state) = &cc.wgpu_render_state {
            HeatmapRenderer::install(render_state);
            true
        } else {
            false
        };
        Self {
            state: AppState::new(settings, Arc::new(Dataset::digits()), notify),
            gpu_heatmaps,
            heatmaps: heatmap::HeatmapCache::default(),
        }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Whether heatmaps are drawn by the WGSL pipeline (false: CPU colour map).
    pub fn gpu_heatmaps(&self) -> bool {
        self.gpu_heatmaps
    }

    /// Stops the training thread; returns whether it stopped within `timeout`.
    pub fn shutdown(&mut self, timeout: Duration) -> bool {
        self.state.shutdown(timeout)
    }

    fn central(&mut self, ui: &mut egui::Ui) {
        let view = &self.state.view;
        let link = egui::Id::unique("step-axis");
        let avail = ui.available_size();
        let plot_height = (avail.y * 0.38).max(140.0);
        ui.columns(3, |cols| {
            cols[0].strong("Training loss");
            plots::loss_curve(&mut cols[0], view, plot_height, link);
            cols[1].strong("Held-out retrieval");
            plots::metrics_curve(&mut cols[1], view, plot_height, link);
            let title = match (&view.tsne, view.tsne_pending_step) {
                (Some(t), Some(p)) => format!(
                    "t-SNE of held-out embeddings (step {}; step {p} computing…)",
                    t.step
                ),
                (Some(t), None) => format!(
                    "t-SNE of held-out embeddings (step {}, {:.1} s)",
                    t.step, t.seconds
                ),
                (None, Some(p)) => format!("t-SNE of held-out embeddings (step {p} computing…)"),
                (None, None) => "t-SNE of held-out embeddings".to_owned(),
            };
            cols[2].strong(title);
            plots::tsne_scatter(
                &mut cols[2],
                view,
                &self.state.data().class_names,
                plot_height,
            );
            cols[2].small("Distances between t-SNE clusters are not meaningful.");
        });
        ui.separator();
        let Some(batch) = view.batch.clone() else {
            ui.label("Press Train or Step: the batch's similarities, mined pairs and weights appear here.");
            return;
        };
        ui.label(format!(
            "Batch after step {} — m = {} ({} classes), loss {:.4}, {} positive and {} negative pairs kept — {}",
            batch.step,
            batch.m(),
            {
                let mut l = batch.labels.clone();
                l.dedup();
                l.len()
            },
            batch.loss,
            batch.positive_pairs,
            batch.negative_pairs,
            batch.loss_name,
        ));
        let col_width = (ui.available_width() - 2.0 * ui.spacing().item_spacing.x) / 3.0;
        let side = col_width.min(ui.available_height() - 70.0).max(80.0);
        let gpu = self.gpu_heatmaps;
        let cache = &mut self.heatmaps;
        ui.columns(3, |cols| {
            for (col, view) in cols.iter_mut().zip(heatmap::View::ALL) {
                col.strong(view.title());
                heatmap::show(col, view, &batch, gpu, cache, side);
                heatmap::legend(col, view, &batch, side);
            }
        });
        if !gpu {
            ui.small("GPU rendering unavailable: heatmaps are colour-mapped on the CPU.");
        }
    }
}

impl eframe::App for PairscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.state.poll();
        let mut commands: Vec<AppCommand> = Vec::new();
        egui::Panel::top("run-controls").show(ui, |ui| {
            controls::top_bar(ui, &self.state, &mut commands);
        });
        if !self.state.notices.is_empty() {
            egui::Panel::bottom("notices").show(ui, |ui| {
                let mut dismiss = false;
                ui.horizontal_wrapped(|ui| {
                    if let Some(last) = self.state.notices.last() {
                        let colour = if last.is_error {
                            ui.visuals().error_fg_color
                        } else {
                            ui.visuals().text_color()
                        };
                        ui.colored_label(colour, &last.text);
                    }
                    dismiss = ui.button("Dismiss").clicked();
                });
                if dismiss {
                    self.state.notices.clear();
                }
            });
        }
        egui::Panel::left("settings")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                controls::settings_panel(ui, &self.state, &mut commands);
            });
        egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        for command in commands {
            self.state.apply(command);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state.settings);
    }

    fn on_exit(&mut self) {
        self.state.shutdown(Duration::from_secs(2));
    }
}
