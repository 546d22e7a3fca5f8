//! The top bar (run controls) and the settings panel (data, model, loss). They only read state
//! and return commands.
//!
//! The data settings live in `controls/data.rs`, the loss editor in `controls/loss.rs`, the
//! shared labelled drag value in `controls/widgets.rs`; none of them names this file.

use crate::app::{AppCommand, AppState, DEFAULT_SPEED, RunStatus, SPEEDS};
use crate::data::SplitKind;
use crate::losses::{Loss, LossSpec};
use crate::training::{BackendChoice, limits};

mod data;
mod loss;
mod widgets;

use data::{data_source, train_classes};
use loss::loss_editor;
use widgets::labelled_drag;

/// Train / Pause / Step / Reset and the run's vital signs.
pub fn top_bar(
    ui: &mut egui::Ui,
    state: &AppState,
    teach: &mut bool,
    commands: &mut Vec<AppCommand>,
) {
    // Wraps onto a second row rather than pushing the run's vital signs past a narrow window.
    ui.horizontal_wrapped(|ui| {
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
        ui.separator();
        pace(ui, state, commands);
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
        if let Some(backend) = &state.view.backend {
            // The reason is long (the adapter's name and why it was or was not used): it would
            // push the bar past a 1280-pixel window.
            ui.label(format!("training on {backend}"))
                .on_hover_text(&backend.reason);
        }
    });
}

/// Train's pace: a number of batches per second, or full speed; remembered across launches.
fn pace(ui: &mut egui::Ui, state: &AppState, commands: &mut Vec<AppCommand>) {
    let mut full = state.settings.speed.is_none();
    let mut bps = state.settings.speed.unwrap_or(DEFAULT_SPEED);
    let slider = ui
        .add_enabled(
            !full,
            egui::Slider::new(&mut bps, SPEEDS)
                .logarithmic(true)
                .max_decimals(1)
                .suffix(" steps/s"),
        )
        .on_hover_text("how many batches Train trains per second (Step is not paced)");
    let toggled = ui
        .checkbox(&mut full, "full speed")
        .on_hover_text("train as fast as this machine can")
        .changed();
    if toggled || slider.changed() {
        commands.push(AppCommand::SetSpeed((!full).then_some(bps)));
    }
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
        let p_min = *limits::BATCH_CLASSES.offered.start();
        labelled_drag(ui, "classes per batch P", &mut config.batch_classes, p_min..=data.num_classes());
        let k_min = *limits::BATCH_SAMPLES.offered.start();
        let k_max = (limits::MAX_BATCH / config.batch_classes.max(1)).max(k_min);
        labelled_drag(ui, "samples per class K", &mut config.batch_samples, k_min..=k_max);
        ui.label(format!("batch m = P × K = {} (at most {})", config.batch_size(), limits::MAX_BATCH));
        ui.small("K beyond a class's training samples draws with replacement.");
        labelled_drag(ui, "hidden units", &mut config.hidden_dim, limits::HIDDEN_DIM.offered);
        labelled_drag(ui, "embedding dim", &mut config.embedding_dim, limits::EMBEDDING_DIM.offered);
        labelled_drag(ui, "evaluate every (steps)", &mut config.eval_every, limits::EVAL_EVERY.offered);
        labelled_drag(ui, "t-SNE every (steps)", &mut config.tsne_every, limits::TSNE_EVERY.offered);
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
            .add(egui::Slider::new(&mut lr, limits::LEARNING_RATE.offered).logarithmic(true).text("Adam learning rate"))
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
        let label = format!("{}. {}", k + 1, lesson.title);
        if ui
            .selectable_label(state.lesson == Some(k), label)
            .on_hover_text(lesson.goal)
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
    labelled_drag(
        ui,
        "perplexity",
        &mut t.perplexity,
        limits::TSNE_PERPLEXITY.offered,
    );
    labelled_drag(
        ui,
        "iterations",
        &mut t.iterations,
        limits::TSNE_ITERATIONS.offered,
    );
    labelled_drag(
        ui,
        "at most (points)",
        &mut t.max_points,
        limits::TSNE_MAX_POINTS.offered,
    );
    labelled_drag(ui, "t-SNE seed", &mut t.seed, 0..=u64::MAX);
    if t != state.settings.tsne {
        commands.push(AppCommand::SetTsneSettings(t));
    }
}
