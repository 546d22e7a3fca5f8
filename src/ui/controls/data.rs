//! The data settings: held-out training classes, the data source (digits, synthetic generators
//! with thumbnails, CSV, image folders) and the network.

use super::widgets::labelled_drag;
use crate::app::{AppCommand, AppState};
use crate::data::{DataSource, Generator, SyntheticSpec};
use crate::training::TrainConfig;

/// Which classes train on a `classes` split (default: the first half).
pub(super) fn train_classes(
    ui: &mut egui::Ui,
    data: &crate::data::Dataset,
    config: &mut crate::training::TrainConfig,
) {
    let k = data.num_classes();
    let mut chosen: Vec<usize> = config
        .train_classes
        .clone()
        .unwrap_or_else(|| (0..k.div_ceil(2)).collect());
    ui.small("training classes (the others are held out):");
    ui.horizontal_wrapped(|ui| {
        for (c, name) in data.class_names.iter().enumerate() {
            let mut on = chosen.contains(&c);
            if ui.checkbox(&mut on, name.as_str()).changed() {
                if on {
                    chosen.push(c);
                    chosen.sort_unstable();
                } else {
                    chosen.retain(|&x| x != c);
                }
            }
        }
    });
    let default: Vec<usize> = (0..k.div_ceil(2)).collect();
    config.train_classes = (chosen != default).then_some(chosen);
}

/// The data source: digits, a synthetic generator (with thumbnails), a CSV file or an image
/// folder; and the model. Applies on Reset.
pub(super) fn data_source(
    ui: &mut egui::Ui,
    state: &AppState,
    config: &mut TrainConfig,
    commands: &mut Vec<AppCommand>,
) {
    source_choice(ui, config);
    match &mut config.data {
        DataSource::Synthetic(spec) => {
            synthetic_settings(ui, spec, &mut config.embedding_dim, commands);
        }
        DataSource::Csv { path, label_column } => {
            ui.small(format!("CSV: {}", path.display()));
            let mut text = label_column.clone().unwrap_or_default();
            ui.horizontal(|ui| {
                ui.label("label column");
                if ui.text_edit_singleline(&mut text).changed() {
                    *label_column = (!text.trim().is_empty()).then(|| text.trim().to_owned());
                }
            });
        }
        DataSource::ImageFolder { path, size, rgb } => {
            ui.small(format!("images: {}", path.display()));
            labelled_drag(ui, "image size", size, 4..=128);
            ui.checkbox(rgb, "RGB (else grey)");
        }
        DataSource::Digits => {}
    }
    if config.data != state.active_config.data {
        ui.colored_label(ui.visuals().warn_fg_color, "new data: Reset to load it");
    }
    egui::ComboBox::from_label("network")
        .selected_text(match config.model {
            crate::training::ModelKind::Mlp => "MLP",
            crate::training::ModelKind::Cnn => "CNN (images)",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut config.model, crate::training::ModelKind::Mlp, "MLP");
            ui.selectable_value(
                &mut config.model,
                crate::training::ModelKind::Cnn,
                "CNN (images)",
            );
        });
}

/// The row of sources: digits, synthetic, a CSV file or an image folder (file dialogs).
fn source_choice(ui: &mut egui::Ui, config: &mut TrainConfig) {
    ui.horizontal_wrapped(|ui| {
        if ui
            .selectable_label(config.data == DataSource::Digits, "digits")
            .clicked()
        {
            config.data = DataSource::Digits;
        }
        if ui
            .selectable_label(matches!(config.data, DataSource::Synthetic(_)), "synthetic")
            .clicked()
            && !matches!(config.data, DataSource::Synthetic(_))
        {
            config.data = DataSource::Synthetic(SyntheticSpec::default());
            config.embedding_dim = 2;
        }
        if ui.button("CSV file…").clicked()
            && let Some(path) = rfd::FileDialog::new()
                .add_filter("CSV", &["csv", "txt"])
                .pick_file()
        {
            config.data = DataSource::Csv {
                path,
                label_column: None,
            };
        }
        if ui.button("image folder…").clicked()
            && let Some(path) = rfd::FileDialog::new().pick_folder()
        {
            config.data = DataSource::ImageFolder {
                path,
                size: 16,
                rgb: false,
            };
        }
    });
}

/// A synthetic generator: the thumbnails to pick one, its sizes, noise and seed.
fn synthetic_settings(
    ui: &mut egui::Ui,
    spec: &mut SyntheticSpec,
    embedding_dim: &mut usize,
    commands: &mut Vec<AppCommand>,
) {
    ui.horizontal_wrapped(|ui| {
        for g in Generator::ALL {
            ui.vertical(|ui| {
                let (rect, response) =
                    ui.allocate_exact_size(egui::vec2(54.0, 54.0), egui::Sense::click());
                thumbnail(ui, rect, g, spec.generator == g);
                if response.on_hover_text(g.label()).clicked() {
                    let seed = spec.seed;
                    *spec = SyntheticSpec {
                        seed,
                        ..SyntheticSpec::preset(g)
                    };
                }
            });
        }
    });
    ui.small(spec.generator.label());
    labelled_drag(ui, "classes k", &mut spec.classes, 2..=100);
    labelled_drag(ui, "dimension d", &mut spec.dim, 2..=512);
    labelled_drag(ui, "samples per class", &mut spec.per_class, 2..=5000);
    labelled_drag(ui, "noise", &mut spec.noise, 0.0..=10.0);
    if spec.generator == Generator::HiddenSubspace {
        let d = spec.dim;
        labelled_drag(
            ui,
            "informative dims",
            &mut spec.informative,
            1..=d.saturating_sub(1).max(1),
        );
        labelled_drag(ui, "nuisance σ", &mut spec.nuisance, 0.0..=50.0);
    }
    ui.horizontal(|ui| {
        labelled_drag(ui, "data seed", &mut spec.seed, 0..=u64::MAX);
        if ui
            .button("Regenerate")
            .on_hover_text("new data with the next seed, every other setting kept (Reset)")
            .clicked()
        {
            spec.seed = spec.seed.wrapping_add(1);
            commands.push(AppCommand::Reset);
        }
    });
    if spec.dim <= 3
        && *embedding_dim != spec.dim
        && ui
            .small_button(format!("embed in d = {} (raw view)", spec.dim))
            .clicked()
    {
        *embedding_dim = spec.dim;
    }
}

/// A small preview of a generator: its first two coordinates, coloured by class.
fn thumbnail(ui: &egui::Ui, rect: egui::Rect, g: crate::data::Generator, selected: bool) {
    let id = egui::Id::unique(("generator-thumbnail", g as u8));
    let pts: std::sync::Arc<Vec<(f32, f32, u32)>> = ui.data_mut(|d| {
        d.get_temp_mut_or_insert_with(id, || {
            let spec = crate::data::SyntheticSpec {
                per_class: 40,
                dim: 2,
                classes: 4,
                ..crate::data::SyntheticSpec::preset(g)
            };
            let spec = if g == crate::data::Generator::HiddenSubspace {
                crate::data::SyntheticSpec {
                    dim: 8,
                    informative: 2,
                    per_class: 30,
                    ..spec
                }
            } else {
                spec
            };
            std::sync::Arc::new(spec.generate().map_or_else(
                |_| Vec::new(),
                |d| {
                    d.features
                        .chunks(d.dim)
                        .zip(&d.labels)
                        .map(|(r, &y)| (r[0], r[1], y))
                        .collect()
                },
            ))
        })
        .clone()
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, ui.visuals().extreme_bg_color);
    if selected {
        painter.rect_stroke(
            rect,
            3.0,
            egui::Stroke::new(2.0, ui.visuals().selection.bg_fill),
            egui::StrokeKind::Inside,
        );
    }
    let (mut lo, mut hi) = ((f32::MAX, f32::MAX), (f32::MIN, f32::MIN));
    for &(x, y, _) in pts.iter() {
        lo = (lo.0.min(x), lo.1.min(y));
        hi = (hi.0.max(x), hi.1.max(y));
    }
    let inner = rect.shrink(4.0);
    for &(x, y, c) in pts.iter() {
        let px = inner.min.x + (x - lo.0) / (hi.0 - lo.0).max(1e-6) * inner.width();
        let py = inner.max.y - (y - lo.1) / (hi.1 - lo.1).max(1e-6) * inner.height();
        painter.circle_filled(
            egui::pos2(px, py),
            1.2,
            crate::ui::plots::class_colour(c, true),
        );
    }
}
