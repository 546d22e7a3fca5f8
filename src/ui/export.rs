//! "Export…" on every panel: the figure (PNG at the chosen width, SVG vectors, or PDF: the SVG
//! converted, text kept as text) through a native save dialog, at the chosen width or a paper
//! or slide preset's size, or the data behind it (CSV or JSON). The menu only asks where: it sends
//! [`AppCommand::Export`] with an owned [`ExportRequest`], which the app renders and writes
//! atomically away from the UI thread, reporting the outcome as a notice. A panel exports its
//! entry of `figures::catalogue` — the same figure, file name, title and caption that
//! `pairscope train` writes.

use std::path::PathBuf;
use std::sync::Arc;

use crate::app::{AppCommand, AppState};
use crate::figures::{
    CompareCurve, EmbeddingData, ExportFile, ExportRequest, FigureId, Format, Preset, RawEmbedding,
    RunData,
};
use crate::gpu::View;
use crate::training::BatchSnapshot;

/// Figure size and caption for exports.
#[derive(Debug, Clone, Copy)]
pub struct ExportSettings {
    pub width: u32,
    pub caption: bool,
    /// A paper or slide size (proportions, resolution, smallest text); `width` overrides its
    /// width.
    pub preset: Option<Preset>,
}

impl Default for ExportSettings {
    fn default() -> Self {
        Self {
            width: 2000,
            caption: false,
            preset: None,
        }
    }
}

/// Which panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Heatmap(View),
    WvsS,
    Loss,
    Metrics,
    Embedding,
    Compare,
    /// Teaching mode's six stages on one board.
    StagesBoard,
}

impl Target {
    /// The panel's figure in the catalogue.
    fn figure(self, state: &AppState) -> FigureId {
        match self {
            Self::Heatmap(View::Similarity) => FigureId::Similarity,
            Self::Heatmap(View::Mining) => FigureId::Mining,
            Self::Heatmap(View::Weights) => FigureId::Weights,
            Self::Heatmap(View::PairLoss) => FigureId::PairLoss,
            Self::WvsS => FigureId::WvsS,
            Self::Loss => FigureId::Loss,
            Self::Metrics => FigureId::Metrics,
            Self::Embedding if state.active_config.embedding_dim <= 3 => FigureId::Embedding,
            Self::Embedding => FigureId::Tsne,
            Self::Compare => FigureId::Compare,
            Self::StagesBoard => FigureId::StagesBoard,
        }
    }
}

/// An owned copy of what the figures show: the run's curves, `batch` (the batch the panel
/// shows), the embedding view's data and compare mode's curves.
fn run_data(state: &AppState, batch: Option<&Arc<BatchSnapshot>>) -> RunData {
    let view = &state.view;
    let mut config = state.active_config.clone();
    config.tsne = state.settings.tsne;
    let mut run = RunData::new(config, Arc::clone(state.data()));
    run.step = view.step;
    run.history = view.history.points().to_vec();
    run.evals = view.evals.clone();
    run.untrained = view.untrained.map(|u| u.metrics);
    run.raw_baseline = view.raw_baseline;
    run.batch = batch.cloned();
    run.embedding = if state.active_config.embedding_dim <= 3 {
        view.held_out.as_ref().map(|h| {
            EmbeddingData::Raw(Arc::new(RawEmbedding {
                step: h.step,
                d: h.d,
                rows: h.rows.clone(),
                labels: h.labels.clone(),
                embeddings: h.embeddings.clone(),
            }))
        })
    } else {
        view.tsne
            .as_ref()
            .map(|t| EmbeddingData::Tsne(Arc::clone(t)))
    };
    if let Some(compare) = &state.compare {
        run.compare = compare
            .sides
            .iter()
            .map(|side| CompareCurve {
                label: side.label.clone(),
                history: side.view.history.points().to_vec(),
            })
            .collect();
    }
    run
}

fn save_dialog(name: &str, filters: &[(&str, &str)]) -> Option<PathBuf> {
    let mut dialog = rfd::FileDialog::new().set_file_name(name);
    for (label, ext) in filters {
        dialog = dialog.add_filter(*label, &[*ext]);
    }
    dialog.save_file()
}

/// The "Export…" menu of a panel; `batch` is the batch the panel shows.
pub fn menu(
    ui: &mut egui::Ui,
    target: Target,
    state: &AppState,
    batch: Option<&Arc<BatchSnapshot>>,
    settings: &ExportSettings,
    commands: &mut Vec<AppCommand>,
) {
    labelled_menu(ui, "Export…", target, state, batch, settings, commands);
}

/// Teaching mode's "Export board…": the six stages of `batch` on one lettered board, as the
/// other figures (the same formats, sizes and background job).
pub fn board_menu(
    ui: &mut egui::Ui,
    state: &AppState,
    batch: Option<&Arc<BatchSnapshot>>,
    settings: &ExportSettings,
    commands: &mut Vec<AppCommand>,
) {
    let target = Target::StagesBoard;
    labelled_menu(
        ui,
        "Export board…",
        target,
        state,
        batch,
        settings,
        commands,
    );
}

fn labelled_menu(
    ui: &mut egui::Ui,
    label: &str,
    target: Target,
    state: &AppState,
    batch: Option<&Arc<BatchSnapshot>>,
    settings: &ExportSettings,
    commands: &mut Vec<AppCommand>,
) {
    ui.menu_button(label, |ui| {
        let figure = target.figure(state);
        let run = Arc::new(run_data(state, batch));
        let ready = figure.available(&run);
        let request = |file, path| {
            AppCommand::Export(ExportRequest {
                figure,
                file,
                run: Arc::clone(&run),
                path,
            })
        };
        if ui
            .add_enabled(ready, egui::Button::new("Figure (PNG, SVG or PDF)…"))
            .clicked()
        {
            ui.close();
            if let Some(path) = save_dialog(
                &format!("{}.png", figure.name()),
                &[
                    ("PNG image", "png"),
                    ("SVG vector image", "svg"),
                    ("PDF document", "pdf"),
                ],
            ) {
                // A name without .png, .svg or .pdf is saved as PNG.
                let (format, path) = match Format::from_path(&path) {
                    Some(format) => (format, path),
                    None => (Format::Png, path.with_extension("png")),
                };
                let file = ExportFile::Figure {
                    format,
                    width: settings.width,
                    caption: settings.caption,
                    preset: settings.preset,
                };
                commands.push(request(file, path));
            }
        }
        if ui
            .add_enabled(ready, egui::Button::new("Data (CSV or JSON)…"))
            .clicked()
        {
            ui.close();
            let ext = figure.entry().data.extension();
            let filter = if ext == "csv" {
                ("CSV table", "csv")
            } else {
                ("JSON", "json")
            };
            if let Some(path) = save_dialog(&format!("{}.{ext}", figure.name()), &[filter]) {
                commands.push(request(ExportFile::Data, path));
            }
        }
    });
}

/// Save / Open a run configuration (TOML), Save / Load a trained model, and the export
/// settings.
pub fn session_controls(
    ui: &mut egui::Ui,
    settings: &mut ExportSettings,
    commands: &mut Vec<AppCommand>,
) {
    ui.strong("Session and figures");
    ui.horizontal(|ui| {
        if ui.button("Save session…").clicked()
            && let Some(path) = save_dialog("run.toml", &[("Run configuration (TOML)", "toml")])
        {
            commands.push(AppCommand::SaveSession(path));
        }
        if ui.button("Open session…").clicked()
            && let Some(path) = rfd::FileDialog::new()
                .add_filter("Run configuration (TOML)", &["toml"])
                .pick_file()
        {
            commands.push(AppCommand::OpenSession(path));
        }
    })
    .response
    .on_hover_text("Open session also opens a saved model (its run starts trained).");
    ui.horizontal(|ui| {
        if ui
            .button("Save model…")
            .on_hover_text("The trained network (burn record) with its run configuration.")
            .clicked()
            && let Some(path) = save_dialog("model.toml", &[("pairscope model (TOML)", "toml")])
        {
            commands.push(AppCommand::SaveModel(path));
        }
        if ui
            .button("Load model…")
            .on_hover_text("Start a run from a saved model: its configuration and weights.")
            .clicked()
            && let Some(path) = rfd::FileDialog::new()
                .add_filter("pairscope model (TOML)", &["toml"])
                .pick_file()
        {
            commands.push(AppCommand::LoadModel(path));
        }
    });
    ui.horizontal(|ui| {
        ui.label("figure size");
        let before = settings.preset;
        egui::ComboBox::from_id_salt("figure preset")
            .selected_text(preset_label(settings.preset))
            .show_ui(ui, |ui| {
                for choice in [None, Some(Preset::Paper), Some(Preset::Slide)] {
                    ui.selectable_value(&mut settings.preset, choice, preset_label(choice));
                }
            })
            .response
            .on_hover_text(
                "paper: 3.5 in × 2.625 in at 300 dpi (1050 × 788 px), no text under 7 pt; \
                 slide: 1920 × 1080 px (13.33 in × 7.5 in). The width below overrides the \
                 preset's; its proportions and resolution stay.",
            );
        if settings.preset != before
            && let Some(preset) = settings.preset
        {
            settings.width = preset.width();
        }
        ui.add(
            egui::DragValue::new(&mut settings.width)
                .range(200..=8000)
                .suffix(" px"),
        );
    });
    ui.checkbox(
        &mut settings.caption,
        "caption with the run's configuration",
    );
}

/// The size menu's entry for `preset`.
fn preset_label(preset: Option<Preset>) -> &'static str {
    match preset {
        None => "by width",
        Some(Preset::Paper) => "paper (3.5 in)",
        Some(Preset::Slide) => "slide (1920 × 1080)",
    }
}
