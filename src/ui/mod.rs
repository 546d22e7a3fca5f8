//! The egui front end. It reads [`AppState`], draws, and turns clicks into [`AppCommand`]s;
//! it never calls burn and never blocks (the worker and the t-SNE job run elsewhere).

mod compare;
mod controls;
mod embedding_view;
mod export;
mod fonts;
mod frames;
pub mod gpu_heatmap;
pub mod heatmap;
mod math;
mod notices;
mod params;
mod plot_key;
pub mod plots;
pub mod teach;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::{AppCommand, AppState, RunStatus, Settings};
use crate::data::Dataset;
use crate::training::BatchSnapshot;
use gpu_heatmap::HeatmapRenderer;
use parking_lot::Mutex;

/// The shortest interval between frames on a software adapter (llvmpipe/lavapipe), where every
/// frame's pixels are shaded on the CPU that training also needs: 30 frames a second at most
/// (measured under Xvfb on 2 cores: a frame of the default run costs ≈ 25 ms of the two cores
/// once the panels are unfilled, so 33 ms leaves training most of the machine).
const SOFTWARE_FRAME_MS: u64 = 33;

/// `frame` without its fill. On a software rasterizer a full-window fill costs about as much
/// as the rest of the frame together (≈ 60 ns a pixel on llvmpipe, measured); the panels all
/// have the same colour, which is the frame's clear colour (`clear_color`), so nothing changes
/// on screen.
fn unfilled(frame: egui::Frame) -> egui::Frame {
    frame.fill(egui::Color32::TRANSPARENT)
}

/// Once the monitor's size is known: a window that opened larger than its screen (the first
/// size is 1440 × 900; without a window manager nobody shrinks it) is made to fit, so that no
/// panel lies outside the screen and no hidden pixels are drawn.
fn fit_to_monitor(ctx: &egui::Context) {
    let id = egui::Id::unique("pairscope-fitted-to-monitor");
    if ctx.data(|d| d.get_temp::<bool>(id)).is_some() {
        return;
    }
    let (monitor, inner) = ctx.input(|i| (i.viewport().monitor_size, i.viewport().inner_rect));
    let (Some(monitor), Some(inner)) = (monitor, inner) else {
        return;
    };
    if inner.width() > monitor.x || inner.height() > monitor.y {
        let size = inner.size().min(monitor);
        ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
        ctx.send_viewport_cmd(egui::ViewportCommand::OuterPosition(egui::pos2(0.0, 0.0)));
    }
    ctx.data_mut(|d| d.insert_temp(id, true));
}

/// The eframe application.
pub struct PairscopeApp {
    state: AppState,
    gpu_heatmaps: bool,
    heatmap: heatmap::HeatmapState,
    frames: frames::FrameStats,
    software_renderer: bool,
    teach: teach::TeachState,
    compare: compare::CompareState,
    embedding: embedding_view::EmbeddingViewState,
    export: export::ExportSettings,
    /// The batch on the heatmap and when it was taken.
    shown_batch: Option<(Arc<BatchSnapshot>, Instant)>,
    /// Set by wgpu when eframe's device is lost: the heatmaps then take the CPU path.
    device_lost: Arc<Mutex<Option<String>>>,
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
        // ~60 fps on a hardware adapter; ~30 fps on a software one (llvmpipe/lavapipe), where
        // each frame's pixels cost CPU that training needs.
        let software = cc
            .wgpu_render_state
            .as_ref()
            .is_some_and(|rs| rs.adapter.get_info().device_type == wgpu::DeviceType::Cpu);
        let interval = Duration::from_millis(if software { SOFTWARE_FRAME_MS } else { 16 });
        fonts::install(&cc.egui_ctx);
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
        let mut gpu_notice = None;
        let device_lost = Arc::new(Mutex::new(None));
        if let Some(render_state) = &cc.wgpu_render_state {
            let lost = Arc::clone(&device_lost);
            render_state
                .device
                .set_device_lost_callback(move |reason, message| {
                    *lost.lock() = Some(format!("{reason:?}: {message}"));
                });
        }
        let gpu_heatmaps = match &cc.wgpu_render_state {
            Some(render_state) => match HeatmapRenderer::install(render_state) {
                Ok(()) => true,
                Err(why) => {
                    gpu_notice = Some(format!(
                        "The GPU heatmap pipeline is unavailable ({why}): heatmaps are colour-mapped on the CPU."
                    ));
                    false
                }
            },
            None => false,
        };
        let mut state = AppState::new(settings, Arc::new(Dataset::digits()), notify);
        if let Some(text) = gpu_notice {
            state.notices.push(crate::app::Notice::info(text));
        }
        Self {
            state,
            gpu_heatmaps,
            heatmap: heatmap::HeatmapState::default(),
            frames: frames::FrameStats::default(),
            software_renderer: software,
            teach: teach::TeachState::default(),
            compare: compare::CompareState::default(),
            embedding: embedding_view::EmbeddingViewState::default(),
            export: export::ExportSettings::default(),
            shown_batch: None,
            device_lost,
        }
    }

    pub fn state_mut(&mut self) -> &mut AppState {
        &mut self.state
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The teaching mode's state (stage, selected pair, …).
    pub fn teach(&mut self) -> &mut teach::TeachState {
        &mut self.teach
    }

    /// The view the batch heatmap shows.
    pub fn heatmap_view(&self) -> crate::gpu::View {
        self.heatmap.view
    }

    /// Whether heatmaps are drawn by the WGSL pipeline (false: CPU colour map).
    pub fn gpu_heatmaps(&self) -> bool {
        self.gpu_heatmaps
    }

    /// After a lost adapter the heatmaps are colour-mapped on the CPU (said once).
    fn check_device_lost(&mut self) {
        if let Some(why) = self.device_lost.lock().take() {
            self.gpu_heatmaps = false;
            self.state.notices.push(crate::app::Notice::error(format!(
                "The GPU adapter was lost ({why}): heatmaps are colour-mapped on the CPU from now on."
            )));
        }
    }

    /// Test hook: what wgpu's device-lost callback does.
    #[doc(hidden)]
    pub fn simulate_device_lost(&self, why: &str) {
        *self.device_lost.lock() = Some(why.to_owned());
    }

    /// Stops the training thread; returns whether it stopped within `timeout`.
    pub fn shutdown(&mut self, timeout: Duration) -> bool {
        self.state.shutdown(timeout)
    }

    /// The batch the heatmap shows. It is held while the pointer is on the heatmap (so that
    /// hovered values belong to the batch on screen). On a software adapter (lavapipe,
    /// llvmpipe) every pass of the pipeline runs on the CPU inside the frame, so while training
    /// a new batch is taken at most every `max(0.25 s, 3 m² µs)` (≈ 3 s at m = 1024); on a
    /// hardware adapter, every frame.
    fn batch_to_show(&mut self, latest: Arc<BatchSnapshot>) -> Arc<BatchSnapshot> {
        let refresh = match &self.shown_batch {
            None => true,
            Some((shown, _)) if shown.id == latest.id => false,
            Some((shown, _)) if self.heatmap.hovered && shown.step <= latest.step => false,
            Some((shown, at)) => {
                let m = latest.m() as f64;
                let interval = if self.software_renderer {
                    Duration::from_secs_f64((3.0 * m * m * 1e-6).max(0.25))
                } else {
                    Duration::ZERO
                };
                at.elapsed() >= interval
                    || shown.step > latest.step
                    || self.state.status != RunStatus::Running
            }
        };
        if refresh {
            self.shown_batch = Some((Arc::clone(&latest), Instant::now()));
        }
        self.shown_batch
            .as_ref()
            .map_or(latest, |(b, _)| Arc::clone(b))
    }

    /// The central panel: the three curves on top, below them compare mode, the teaching
    /// panel or the batch heatmap.
    fn central(&mut self, ui: &mut egui::Ui, commands: &mut Vec<AppCommand>) {
        if self.state.compare.is_some() {
            // The run before the fork stands still while the two sides train (and the compare
            // panel has both sides' curves): it folds away, so that both batches and their
            // diff have the room even at 1280 × 800.
            egui::CollapsingHeader::new(format!(
                "The run before the fork (step {}): loss, held-out retrieval, embeddings",
                self.state.view.step
            ))
            .id_salt("before-the-fork")
            .default_open(false)
            .show(ui, |ui| self.curves_row(ui, 0.25, commands));
        } else {
            // The teaching panel needs more height than the batch heatmap.
            let share = if self.teach.enabled { 0.28 } else { 0.36 };
            self.curves_row(ui, share, commands);
        }
        ui.separator();
        if let Some(run) = &self.state.compare {
            export::menu(
                ui,
                export::Target::Compare,
                &self.state,
                None,
                &self.export,
                commands,
            );
            compare::panel(ui, run, self.gpu_heatmaps, &mut self.compare);
            return;
        }
        if self.teach.enabled {
            self.teach_panel(ui, commands);
            return;
        }
        let Some(latest) = self.state.view.batch.clone() else {
            self.shown_batch = None;
            ui.label("Press Train or Step: the batch's similarities, mined pairs and weights appear here.");
            return;
        };
        let batch = self.batch_to_show(latest);
        self.batch_heatmap(ui, &batch, commands);
    }

    /// Training loss, held-out retrieval and the embedding view, side by side; the plots take
    /// `share` of the panel's height. Every row of a column wraps at the column's width (a row
    /// wider than its column would widen it, pushing the embedding view and the batch panel's
    /// text past the window's right edge).
    fn curves_row(&mut self, ui: &mut egui::Ui, share: f32, commands: &mut Vec<AppCommand>) {
        let view = &self.state.view;
        let link = egui::Id::unique("step-axis");
        let avail = ui.available_size();
        let plot_height = (avail.y * share).max(140.0);
        let ex = self.export;
        let state = &self.state;
        ui.columns(3, |cols| {
            let latest = view.batch.as_ref();
            cols[0].horizontal_wrapped(|ui| {
                ui.strong("Training loss");
                export::menu(ui, export::Target::Loss, state, latest, &ex, commands);
            });
            plots::loss_curve(&mut cols[0], view, plot_height, link);
            cols[1].horizontal_wrapped(|ui| {
                ui.strong("Held-out retrieval");
                export::menu(ui, export::Target::Metrics, state, latest, &ex, commands);
            });
            plots::metrics_curve(&mut cols[1], view, plot_height, link);
            cols[2].horizontal_wrapped(|ui| {
                ui.strong(embedding_view::title(state));
                export::menu(ui, export::Target::Embedding, state, latest, &ex, commands);
            });
            embedding_view::show(
                &mut cols[2],
                &self.state,
                &mut self.embedding,
                view.batch.as_deref(),
                plot_height,
                commands,
            );
            if self.state.active_config.embedding_dim > 3 {
                let shown = view.tsne.as_ref().map_or(self.state.settings.projection, |t| t.projection);
                cols[2].small(match shown {
                    crate::embedding::Projection::Tsne => {
                        "Distances between t-SNE clusters are not meaningful."
                    }
                    crate::embedding::Projection::Pca => {
                        "PCA: the two directions of largest spread; distances are the embeddings' own except along the dropped directions."
                    }
                });
            }
        });
    }

    /// The teaching panel, with the stage board's export and the w-against-S export at the
    /// weighting stage.
    fn teach_panel(&mut self, ui: &mut egui::Ui, commands: &mut Vec<AppCommand>) {
        let batch = self.state.view.batch.clone();
        let (state, ex) = (&self.state, &self.export);
        teach::panel(
            ui,
            state,
            batch.as_ref(),
            self.gpu_heatmaps,
            &mut self.teach,
            commands,
            |ui, stage, commands| {
                // The six stages on one board, from any stage.
                export::board_menu(ui, state, batch.as_ref(), ex, commands);
                if stage == teach::Stage::Weighting {
                    export::menu(
                        ui,
                        export::Target::WvsS,
                        state,
                        batch.as_ref(),
                        ex,
                        commands,
                    );
                }
            },
        );
    }

    /// The shown batch's heatmap with its view switch and legend, and the explanation beside it.
    fn batch_heatmap(
        &mut self,
        ui: &mut egui::Ui,
        batch: &Arc<BatchSnapshot>,
        commands: &mut Vec<AppCommand>,
    ) {
        let classes = {
            let mut l = batch.labels.clone();
            l.dedup();
            l.len()
        };
        ui.label(format!(
            "Batch of step {} (S, mining and w before that step's update) — m = {} ({classes} classes, sorted by class), loss {:.4}, {} positive and {} negative pairs kept — {}",
            batch.step,
            batch.m(),
            batch.loss,
            batch.positive_pairs,
            batch.negative_pairs,
            batch.loss_name,
        ));
        let gpu = self.gpu_heatmaps;
        let side = (ui.available_height() - 60.0)
            .min(ui.available_width() * 0.6)
            .max(80.0);
        let ex = self.export;
        let app_state = &self.state;
        let state = &mut self.heatmap;
        let frames = &self.frames;
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    heatmap::view_switch(ui, state, batch);
                    export::menu(
                        ui,
                        export::Target::Heatmap(state.view),
                        app_state,
                        Some(batch),
                        &ex,
                        commands,
                    );
                });
                heatmap::show(ui, batch, gpu, state, side);
                let range = state.range(state.view, batch, gpu);
                heatmap::legend(ui, state.view, range, side);
            });
            ui.vertical(|ui| heatmap_notes(ui, state, batch, gpu, frames));
        });
    }
}

/// What the heatmap beside it shows, how to use it, and which path computed it.
fn heatmap_notes(
    ui: &mut egui::Ui,
    state: &heatmap::HeatmapState,
    batch: &BatchSnapshot,
    gpu: bool,
    frames: &frames::FrameStats,
) {
    ui.strong(state.view.title());
    ui.label(state.view.explanation());
    ui.add_space(6.0);
    ui.small("Scroll to zoom about the pointer, drag to pan, double-click to reset.");
    ui.small("Hover a cell for i, j, labels, S_ij, kept or dropped, and w_ij.");
    ui.add_space(6.0);
    let pipeline = match (gpu, state.gpu_path) {
        (true, true) => "GPU pipeline (shaders/batch.wgsl): S, mining, weights and colours computed on the GPU; hover values read back from it.".to_owned(),
        (true, false) => format!(
            "This loss has no GPU path ({}): its mining and weights come from the CPU engine; S and the colours are computed on the GPU.",
            batch.spec.label()
        ),
        (false, _) => "GPU rendering unavailable: the heatmap is colour-mapped on the CPU from the engine's numbers.".to_owned(),
    };
    ui.small(pipeline);
    ui.add_space(6.0);
    egui::CollapsingHeader::new("Debug: frame times")
        .default_open(false)
        .show(ui, |ui| frames.show(ui));
}

/// The lesson's texts: goal, what to do, what to look for, the question and the claim that
/// `pairscope lesson ID --check` verifies. Returns whether "Close lesson" was clicked.
fn lesson_panel(ui: &mut egui::Ui, k: usize, lesson: &crate::app::lessons::Lesson) -> bool {
    let total = crate::app::lessons::lessons().len();
    ui.label(format!("Lesson {} of {total}", k + 1));
    ui.heading(lesson.title);
    let close = ui.button("Close lesson").clicked();
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (head, text) in [
            ("Goal", lesson.goal),
            ("What to do", lesson.todo),
            ("What to look for", lesson.look_for),
            ("Question", lesson.question),
        ] {
            ui.add_space(6.0);
            ui.strong(head);
            ui.label(text);
        }
        ui.add_space(6.0);
        ui.strong("pairscope checks");
        ui.label(egui::RichText::new(lesson.claim).italics());
        ui.small(format!("pairscope lesson {} --check", lesson.id));
    });
    close
}

impl eframe::App for PairscopeApp {
    /// The panels' colour: the panels themselves are drawn without a fill (`unfilled`), so the
    /// window's background is the frame's clear, not a second full-window pass.
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = Instant::now();
        fit_to_monitor(ui.ctx());
        self.state.poll();
        self.check_device_lost();
        let mut commands: Vec<AppCommand> = Vec::new();
        egui::Panel::top("run-controls")
            .frame(unfilled(egui::Frame::side_top_panel(ui.style())))
            .show(ui, |ui| {
                controls::top_bar(ui, &self.state, &mut self.teach.enabled, &mut commands);
            });
        notices::strip(ui, &mut self.state, &mut commands);
        egui::Panel::left("settings")
            .frame(unfilled(egui::Frame::side_top_panel(ui.style())))
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                controls::settings_panel(ui, &self.state, &mut self.export, &mut commands);
            });
        if let Some(k) = self.state.lesson {
            let mut close = false;
            if let Some(lesson) = crate::app::lessons::lessons().get(k) {
                egui::Panel::right("lesson")
                    .default_size(260.0)
                    .show(ui, |ui| {
                        close = lesson_panel(ui, k, lesson);
                    });
            }
            if close {
                self.state.lesson = None;
            }
        }
        let ctx = ui.ctx().clone();
        teach::keyboard(&ctx, &self.state, &mut self.teach, &mut commands);
        teach::help_window(&ctx, &mut self.teach);
        egui::CentralPanel::default()
            .frame(unfilled(egui::Frame::central_panel(ui.style())))
            .show(ui, |ui| self.central(ui, &mut commands));
        for command in commands {
            self.state.apply(command);
        }
        self.frames.record(started);
        // `PAIRSCOPE_FRAME_STATS=1` prints the frame-time read-out every 10 s (for measurements).
        if self.frames.due_report(Duration::from_secs(10))
            && std::env::var("PAIRSCOPE_FRAME_STATS").is_ok_and(|v| v == "1")
        {
            let m = self.shown_batch.as_ref().map_or(0, |(b, _)| b.m());
            let [a, b] = self.frames.lines();
            eprintln!(
                "frame stats (m = {m}, step {}): {a}; {b}",
                self.state.view.step
            );
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state.settings);
    }

    fn on_exit(&mut self) {
        self.state.shutdown(Duration::from_secs(2));
    }
}
