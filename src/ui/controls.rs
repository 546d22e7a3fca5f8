//! The top bar (run controls) and the settings panel (data, model, loss). They only read state
//! and return commands.

use crate::app::{AppCommand, AppState, RunStatus};
use crate::data::SplitKind;
use crate::losses::{Loss, LossSpec, Miner, MiningRule, WeightingRule};
use crate::training::BackendChoice;

use super::params;

/// Train / Pause / Step / Reset and the run's vital signs.
pub fn top_bar(
    ui: &mut egui::Ui,
    state: &AppState,
    teach: &mut bool,
    commands: &mut Vec<AppCommand>,
) {
    ui.horizontal(|ui| {
        ui.heading("pairscope");
        ui.separator();
        // In compare mode the buttons drive both sides together.
        let status = state.compare.as_ref().map_or(state.status, |c| c.status);
        if ui
            .add_enabled(
                matches!(status, RunStatus::Paused),
                egui::Button::new("Train"),
            )
            .on_hover_text("Train continuously")
            .clicked()
        {
            commands.push(AppCommand::StartTraining);
        }
        if ui
            .add_enabled(status == RunStatus::Running, egui::Button::new("Pause"))
            .clicked()
        {
            commands.push(AppCommand::Pause);
        }
        if ui
            .add_enabled(status == RunStatus::Paused, egui::Button::new("Step"))
            .on_hover_text("Train exactly one mini-batch")
            .clicked()
        {
            commands.push(AppCommand::StepBatch);
        }
        if ui
            .button("Reset")
            .on_hover_text("A fresh model from the current settings (same seed, same run)")
            .clicked()
        {
            commands.push(AppCommand::Reset);
        }
        ui.toggle_value(teach, "Teach")
            .on_hover_text("step through one batch stage by stage, inspect any pair");
        if state.reset_pending() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "settings changed: Reset to apply",
            );
        }
        ui.separator();
        ui.label(format!("{} · step {}", status.label(), state.view.step));
        if status == RunStatus::Running {
            ui.label(format!("{:.0} steps/s", state.view.steps_per_second));
        }
        ui.separator();
        ui.label(format!("seed {}", state.active_config.seed));
        ui.separator();
        if !state.view.backend_name.is_empty() {
            ui.label(format!("training on {}", state.view.backend_name));
            ui.small(format!("({})", state.view.backend_reason));
        }
    });
}

fn labelled_drag<N: egui::emath::Numeric>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut N,
    range: std::ops::RangeInclusive<N>,
) -> bool {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(value).range(range))
            .labelled_by(l.id)
            .changed()
    })
    .inner
}

/// Settings; those that need a new model say so and apply on Reset.
pub fn settings_panel(
    ui: &mut egui::Ui,
    state: &AppState,
    export: &mut super::export::ExportSettings,
    commands: &mut Vec<AppCommand>,
) {
    let mut config = state.settings.config.clone();
    let data = state.data();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.strong("Data");
        ui.label(format!(
            "{}: {} samples × {} features, {} classes",
            data.name,
            data.len(),
            data.dim,
            data.num_classes()
        ));
        egui::ComboBox::from_label("held-out split")
            .selected_text(config.split.short())
            .show_ui(ui, |ui| {
                for kind in SplitKind::ALL {
                    ui.selectable_value(&mut config.split, kind, kind.label());
                }
            });
        if config.split == SplitKind::Classes {
            if data.image_shape == Some((8, 8)) && data.num_classes() == 10 {
                ui.small("Unseen classes: raw pixels already retrieve digits well, and training on five classes can lower it — over-fitting to the seen classes.");
            }
            train_classes(ui, data, &mut config);
        }
        data_source(ui, state, &mut config, commands);
        ui.separator();
        ui.strong("Run (applies on Reset)");
        labelled_drag(ui, "seed", &mut config.seed, 0..=u64::MAX);
        labelled_drag(ui, "classes per batch P", &mut config.batch_classes, 2..=data.num_classes());
        let k_max = (4096 / config.batch_classes.max(1)).max(2);
        labelled_drag(ui, "samples per class K", &mut config.batch_samples, 2..=k_max);
        ui.label(format!("batch m = P × K = {} (at most 4096)", config.batch_size()));
        ui.small("K beyond a class's training samples draws with replacement.");
        labelled_drag(ui, "hidden units", &mut config.hidden_dim, 1..=4096);
        labelled_drag(ui, "embedding dim", &mut config.embedding_dim, 2..=1024);
        labelled_drag(ui, "evaluate every (steps)", &mut config.eval_every, 1..=100_000);
        labelled_drag(ui, "t-SNE every (steps)", &mut config.tsne_every, 1..=100_000);
        egui::ComboBox::from_label("training backend")
            .selected_text(config.backend.label())
            .show_ui(ui, |ui| {
                for b in BackendChoice::ALL {
                    ui.selectable_value(&mut config.backend, b, b.label());
                }
            });
        ui.separator();
        ui.strong("Optimiser (applies now)");
        let mut lr = config.learning_rate;
        if ui
            .add(egui::Slider::new(&mut lr, 1e-5..=1.0).logarithmic(true).text("Adam learning rate"))
            .changed()
        {
            commands.push(AppCommand::SetLearningRate(lr));
        }
        ui.separator();
        ui.strong("Loss = mining × weighting (applies now)");
        loss_editor(ui, &config.loss, commands);
        ui.separator();
        tsne_settings(ui, state, commands);
        ui.separator();
        compare_and_lessons(ui, state, commands);
        ui.separator();
        super::export::session_controls(ui, export, commands);
    });
    if config != state.settings.config {
        // The loss and learning rate went out as their own commands above.
        config.loss = state.settings.config.loss.clone();
        config.learning_rate = state.settings.config.learning_rate;
        if config != state.settings.config {
            commands.push(AppCommand::SetConfig(config));
        }
    }
}

fn loss_editor(ui: &mut egui::Ui, spec: &LossSpec, commands: &mut Vec<AppCommand>) {
    let mut next: Option<LossSpec> = None;
    let composed = matches!(spec.loss, Loss::Composed { .. });
    egui::ComboBox::from_label("loss")
        .selected_text(spec.loss.name())
        .show_ui(ui, |ui| {
            for preset in Loss::presets() {
                let selected = preset.name() == spec.loss.name();
                if ui.selectable_label(selected, preset.name()).clicked() && !selected {
                    next = Some(LossSpec {
                        loss: preset,
                        miner: spec.miner.clone(),
                    });
                }
            }
            if ui
                .selectable_label(composed, "composed (mining × weighting)")
                .clicked()
                && !composed
            {
                next = Some(LossSpec::new(Loss::Composed {
                    mining: MiningRule::default(),
                    weighting: WeightingRule::default(),
                }));
            }
        });
    match &spec.loss {
        Loss::Composed { mining, weighting } => {
            egui::ComboBox::from_label("mining rule")
                .selected_text(rule_name(mining))
                .show_ui(ui, |ui| {
                    for rule in MiningRule::presets() {
                        let name = rule_name(&rule);
                        if ui
                            .selectable_label(name == rule_name(mining), name)
                            .clicked()
                        {
                            next = Some(LossSpec::new(Loss::Composed {
                                mining: rule,
                                weighting: weighting.clone(),
                            }));
                        }
                    }
                });
            if let Some(r) = params::edit(ui, mining) {
                next = apply_edit(r, |m| {
                    LossSpec::new(Loss::Composed {
                        mining: m,
                        weighting: weighting.clone(),
                    })
                });
            }
            egui::ComboBox::from_label("weighting rule")
                .selected_text(rule_name(weighting))
                .show_ui(ui, |ui| {
                    for rule in WeightingRule::presets() {
                        let name = rule_name(&rule);
                        if ui
                            .selectable_label(name == rule_name(weighting), name)
                            .clicked()
                        {
                            next = Some(LossSpec::new(Loss::Composed {
                                mining: mining.clone(),
                                weighting: rule,
                            }));
                        }
                    }
                });
            if let Some(r) = params::edit(ui, weighting) {
                next = apply_edit(r, |w| {
                    LossSpec::new(Loss::Composed {
                        mining: mining.clone(),
                        weighting: w,
                    })
                });
            }
        }
        loss => {
            if let Some(r) = params::edit(ui, loss) {
                next = apply_edit(r, |l| LossSpec {
                    loss: l,
                    miner: spec.miner.clone(),
                });
            }
            let miner_name = spec.miner.as_ref().map_or("none (all pairs)", Miner::name);
            egui::ComboBox::from_label("miner")
                .selected_text(miner_name)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(spec.miner.is_none(), "none (all pairs)")
                        .clicked()
                    {
                        next = Some(LossSpec::new(loss.clone()));
                    }
                    for miner in Miner::presets() {
                        let selected = miner.name() == miner_name;
                        if ui.selectable_label(selected, miner.name()).clicked() && !selected {
                            next = Some(LossSpec::with_miner(loss.clone(), miner));
                        }
                    }
                });
            if let Some(miner) = &spec.miner
                && let Some(r) = params::edit(ui, miner)
            {
                next = apply_edit(r, |m| LossSpec::with_miner(loss.clone(), m));
            }
        }
    }
    ui.add_space(4.0);
    ui.label(egui::RichText::new(format!("In use: {}", spec.describe())).italics());
    if !spec.loss.weights_are_gradient() {
        ui.small("These weights are the loss's weighting rule (PML detaches its α factors), not the derivative of the value shown.");
    }
    if let Some(spec) = next {
        commands.push(AppCommand::SetLoss(spec));
    }
}

fn rule_name<T: serde::Serialize>(rule: &T) -> String {
    serde_json::to_value(rule)
        .ok()
        .and_then(|v| v.get("rule").and_then(|r| r.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// An edited parameter set, or `None` (logged) when serde rejects it.
fn apply_edit<T>(result: Result<T, String>, build: impl FnOnce(T) -> LossSpec) -> Option<LossSpec> {
    result
        .map(build)
        .map_err(|e| log::warn!("parameter edit rejected: {e}"))
        .ok()
}

/// Compare two losses from the same weights, and the ready-made lessons.
fn compare_and_lessons(ui: &mut egui::Ui, state: &AppState, commands: &mut Vec<AppCommand>) {
    ui.strong("Compare");
    if state.compare.is_some() {
        if ui.button("Stop compare").clicked() {
            commands.push(AppCommand::StopCompare);
        }
    } else if state.compare_pending() {
        ui.label("forking the run…");
    } else {
        let id = egui::Id::unique("compare-with");
        let mut pick: usize = ui.data(|d| d.get_temp(id)).unwrap_or(1);
        let presets = Loss::presets();
        let name = |k: usize| presets.get(k).map_or("", |l| l.name());
        egui::ComboBox::from_label("against")
            .selected_text(name(pick))
            .show_ui(ui, |ui| {
                for k in 0..presets.len() {
                    ui.selectable_value(&mut pick, k, name(k));
                }
            });
        ui.data_mut(|d| d.insert_temp(id, pick));
        let ready = state.status == RunStatus::Paused || state.status == RunStatus::Running;
        if ui
            .add_enabled(ready, egui::Button::new("Compare"))
            .on_hover_text(
                "fork the run here: the current loss (A) and the chosen one (B) train side by side \
                 from the same weights on the same batches",
            )
            .clicked()
            && let Some(loss) = presets.get(pick)
        {
            commands.push(AppCommand::StartCompare(LossSpec::new(loss.clone())));
        }
    }
    ui.separator();
    ui.strong("Lessons");
    for (k, lesson) in crate::app::lessons::lessons().iter().enumerate() {
        if ui
            .selectable_label(state.lesson == Some(k), lesson.title)
            .clicked()
        {
            commands.push(AppCommand::ApplyLesson(k));
        }
    }
}

/// t-SNE settings (apply from the next layout).
fn tsne_settings(ui: &mut egui::Ui, state: &AppState, commands: &mut Vec<AppCommand>) {
    ui.strong("t-SNE (applies from the next layout)");
    let mut t = state.settings.tsne;
    ui.horizontal(|ui| {
        ui.selectable_value(&mut t.on_training, false, "held-out");
        ui.selectable_value(&mut t.on_training, true, "training");
        ui.label("embeddings");
    });
    labelled_drag(ui, "perplexity", &mut t.perplexity, 2.0..=100.0);
    labelled_drag(ui, "iterations", &mut t.iterations, 50..=5000);
    labelled_drag(ui, "at most (points)", &mut t.max_points, 50..=5000);
    labelled_drag(ui, "t-SNE seed", &mut t.seed, 0..=u64::MAX);
    if t != state.settings.tsne {
        commands.push(AppCommand::SetTsneSettings(t));
    }
}

/// Which classes train on a `classes` split (default: the first half).
fn train_classes(
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
fn data_source(
    ui: &mut egui::Ui,
    state: &AppState,
    config: &mut crate::training::TrainConfig,
    commands: &mut Vec<AppCommand>,
) {
    use crate::data::{DataSource, Generator, SyntheticSpec};
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
    match &mut config.data {
        DataSource::Synthetic(spec) => {
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
                && config.embedding_dim != spec.dim
                && ui
                    .small_button(format!("embed in d = {} (raw view)", spec.dim))
                    .clicked()
            {
                config.embedding_dim = spec.dim;
            }
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
        painter.circle_filled(egui::pos2(px, py), 1.2, super::plots::class_colour(c, true));
    }
}
