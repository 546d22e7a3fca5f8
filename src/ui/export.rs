//! "Export…" on every panel: the figure (PNG at the chosen width, off-screen, or SVG vectors)
//! through a native save dialog, or the data behind it (CSV or JSON). Files are written
//! atomically by `figures` / `io`; the outcome is reported as a notice.

use std::path::PathBuf;

use crate::app::{AppCommand, AppState};
use crate::figures::{self, Figure, FigureMeta, Format, build};
use crate::gpu::View;
use crate::training::BatchSnapshot;

/// Figure size and caption for exports.
#[derive(Debug, Clone, Copy)]
pub struct ExportSettings {
    pub width: u32,
    pub caption: bool,
}

impl Default for ExportSettings {
    fn default() -> Self {
        Self {
            width: 2000,
            caption: false,
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
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Self::Heatmap(View::Similarity) => "similarity",
            Self::Heatmap(View::Mining) => "mining",
            Self::Heatmap(View::Weights) => "weights",
            Self::Heatmap(View::PairLoss) => "pair_loss",
            Self::WvsS => "w_vs_s",
            Self::Loss => "loss",
            Self::Metrics => "metrics",
            Self::Embedding => "embedding",
            Self::Compare => "compare",
        }
    }
}

fn meta(state: &AppState, title: String, caption: bool) -> FigureMeta {
    let mut config = state.active_config.clone();
    config.tsne = state.settings.tsne;
    let c = &state.active_config;
    FigureMeta {
        title,
        caption: caption.then(|| {
            format!(
                "pairscope · {} · seed {} · lr {} · batch {}×{} · step {}",
                c.loss.label(),
                c.seed,
                c.learning_rate,
                c.batch_classes,
                c.batch_samples,
                state.view.step
            )
        }),
        config: crate::headless::config_toml(&config).unwrap_or_default(),
        seed: c.seed,
    }
}

/// The figure of a panel, its title and its aspect (height / width).
fn figure(
    target: Target,
    state: &AppState,
    batch: Option<&BatchSnapshot>,
) -> Option<(Figure, String, f32)> {
    let view = &state.view;
    let s = |b: &BatchSnapshot| b.step;
    Some(match target {
        Target::Heatmap(v) => {
            let b = batch?;
            let fig = match v {
                View::Similarity => build::similarity(b),
                View::Mining => build::mining(b),
                View::Weights => build::weights(b),
                View::PairLoss => {
                    let l = b.pair_loss.as_ref()?;
                    Figure::Heatmap {
                        m: b.m(),
                        values: l.clone(),
                        map: crate::gpu::ColorMap::Sequential,
                        range: (0.0, b.max_pair_loss().max(f32::MIN_POSITIVE)),
                        labels: b.labels.clone(),
                        colour_bar: "per-pair loss".into(),
                        categories: Vec::new(),
                    }
                }
            };
            (fig, format!("{}, batch of step {}", v.title(), s(b)), 0.75)
        }
        Target::WvsS => {
            let b = batch?;
            (
                build::w_vs_s(b),
                format!("w against S, batch of step {}", s(b)),
                0.5625,
            )
        }
        Target::Loss => (
            build::loss_curve(&view.history),
            "Training loss".into(),
            0.5625,
        ),
        Target::Metrics => (
            build::metrics_curve(
                &view.evals,
                view.untrained.as_ref().map(|u| &u.metrics),
                view.raw_baseline.as_ref(),
            ),
            "Held-out retrieval".into(),
            0.5625,
        ),
        Target::Embedding => {
            let names = &state.data().class_names;
            if state.active_config.embedding_dim <= 3 {
                let h = view.held_out.as_ref()?;
                (
                    build::raw_embedding(&h.embeddings, h.d, &h.labels, names),
                    format!("Held-out embeddings (raw, d = {}), step {}", h.d, h.step),
                    0.75,
                )
            } else {
                let t = view.tsne.as_ref()?;
                (
                    build::tsne(t, names),
                    format!("t-SNE, step {}", t.step),
                    0.75,
                )
            }
        }
        Target::Compare => {
            let run = state.compare.as_ref()?;
            let series = run
                .sides
                .iter()
                .zip([figures::PALETTE[0], figures::PALETTE[3]])
                .zip(["A", "B"])
                .map(|((side, colour), ab)| figures::Series {
                    name: format!("{ab}: {}", side.label),
                    points: side
                        .history
                        .iter()
                        .map(|h| (h.step as f64, h.loss))
                        .collect(),
                    colour,
                    stroke: figures::Stroke::Solid,
                })
                .collect();
            (
                Figure::Plot {
                    x_label: "step".into(),
                    y_label: "loss".into(),
                    series,
                    equal_aspect: false,
                    x_range: None,
                    y_range: None,
                },
                "Compare: training loss of both sides".into(),
                0.5625,
            )
        }
    })
}

/// The data behind a panel: file extension and bytes.
fn data(
    target: Target,
    state: &AppState,
    batch: Option<&BatchSnapshot>,
) -> Option<(&'static str, Vec<u8>)> {
    let view = &state.view;
    let csv = |header: &[&str], rows: Vec<Vec<String>>| figures::csv_bytes(header, &rows).ok();
    match target {
        Target::Heatmap(_) | Target::WvsS => {
            let b = batch?;
            Some((
                "json",
                serde_json::to_vec_pretty(&build::batch_json(b)).ok()?,
            ))
        }
        Target::Loss => Some((
            "csv",
            csv(
                &["step", "loss", "positive_pairs", "negative_pairs"],
                view.history
                    .iter()
                    .map(|h| {
                        vec![
                            h.step.to_string(),
                            h.loss.to_string(),
                            h.positive_pairs.to_string(),
                            h.negative_pairs.to_string(),
                        ]
                    })
                    .collect(),
            )?,
        )),
        Target::Metrics => Some((
            "csv",
            csv(
                &[
                    "step",
                    "recall_at_1",
                    "recall_at_2",
                    "recall_at_4",
                    "recall_at_8",
                    "map_at_r",
                    "nmi",
                ],
                view.evals
                    .iter()
                    .map(|e| {
                        let m = &e.metrics;
                        [
                            e.step as f64,
                            m.recall_at_1,
                            m.recall_at_2,
                            m.recall_at_4,
                            m.recall_at_8,
                            m.map_at_r,
                            m.nmi,
                        ]
                        .iter()
                        .enumerate()
                        .map(|(k, v)| {
                            if k == 0 {
                                format!("{}", *v as u64)
                            } else {
                                v.to_string()
                            }
                        })
                        .collect()
                    })
                    .collect(),
            )?,
        )),
        Target::Embedding => {
            if state.active_config.embedding_dim <= 3 {
                let h = view.held_out.as_ref()?;
                let mut header = vec!["row".to_owned(), "label".to_owned()];
                header.extend((0..h.d).map(|k| format!("e{k}")));
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                let rows = h
                    .rows
                    .iter()
                    .zip(&h.labels)
                    .zip(h.embeddings.chunks(h.d.max(1)))
                    .map(|((r, y), e)| {
                        let mut v = vec![r.to_string(), y.to_string()];
                        v.extend(e.iter().map(f32::to_string));
                        v
                    })
                    .collect();
                Some(("csv", csv(&header, rows)?))
            } else {
                let t = view.tsne.as_ref()?;
                let rows = t
                    .rows
                    .iter()
                    .zip(&t.labels)
                    .zip(&t.xy)
                    .map(|((r, y), p)| {
                        vec![
                            r.to_string(),
                            y.to_string(),
                            p[0].to_string(),
                            p[1].to_string(),
                        ]
                    })
                    .collect();
                Some(("csv", csv(&["row", "label", "x", "y"], rows)?))
            }
        }
        Target::Compare => {
            let run = state.compare.as_ref()?;
            let rows = run
                .sides
                .iter()
                .zip(["A", "B"])
                .flat_map(|(side, ab)| {
                    side.history.iter().map(move |h| {
                        vec![
                            ab.to_owned(),
                            side.label.clone(),
                            h.step.to_string(),
                            h.loss.to_string(),
                        ]
                    })
                })
                .collect();
            Some(("csv", csv(&["side", "loss_spec", "step", "loss"], rows)?))
        }
    }
}

fn save_dialog(name: &str, filters: &[(&str, &str)]) -> Option<PathBuf> {
    let mut dialog = rfd::FileDialog::new().set_file_name(name);
    for (label, ext) in filters {
        dialog = dialog.add_filter(*label, &[*ext]);
    }
    dialog.save_file()
}

/// The "Export…" menu of a panel.
pub fn menu(
    ui: &mut egui::Ui,
    target: Target,
    state: &AppState,
    batch: Option<&BatchSnapshot>,
    settings: &ExportSettings,
    commands: &mut Vec<AppCommand>,
) {
    ui.menu_button("Export…", |ui| {
        let fig = figure(target, state, batch);
        if ui
            .add_enabled(fig.is_some(), egui::Button::new("Figure (PNG or SVG)…"))
            .clicked()
            && let Some((fig, title, aspect)) = fig
        {
            ui.close();
            if let Some(path) = save_dialog(
                &format!("{}.png", target.name()),
                &[("PNG image", "png"), ("SVG vector image", "svg")],
            ) {
                let format = Format::from_path(&path).unwrap_or(Format::Png);
                let path = if Format::from_path(&path).is_none() {
                    path.with_extension("png")
                } else {
                    path
                };
                let w = settings.width;
                let h = ((w as f32) * aspect) as u32;
                let result = figures::save(
                    &fig,
                    &meta(state, title, settings.caption),
                    &path,
                    format,
                    w,
                    h,
                );
                commands.push(AppCommand::Notice(match result {
                    Ok(()) => (format!("wrote {}", path.display()), false),
                    Err(e) => (format!("export failed: {e}"), true),
                }));
            }
        }
        let bytes = data(target, state, batch);
        if ui
            .add_enabled(bytes.is_some(), egui::Button::new("Data (CSV or JSON)…"))
            .clicked()
            && let Some((ext, bytes)) = bytes
        {
            ui.close();
            let filter = if ext == "csv" {
                ("CSV table", "csv")
            } else {
                ("JSON", "json")
            };
            if let Some(path) = save_dialog(&format!("{}.{ext}", target.name()), &[filter]) {
                commands.push(AppCommand::Notice(
                    match crate::io::write_atomic(&path, &bytes) {
                        Ok(()) => (format!("wrote {}", path.display()), false),
                        Err(e) => (format!("export failed: {}: {e}", path.display()), true),
                    },
                ));
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
        ui.label("figure width");
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
