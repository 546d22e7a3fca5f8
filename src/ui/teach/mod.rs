//! Teaching mode: one mini-batch walked through stage by stage (sample -> similarity -> mining ->
//! weighting -> loss -> update), the pair inspector and the batch's pair table, the keyboard
//! shortcuts and their help overlay.
//!
//! Here: the panel and its controls row. `state` holds the stages, what the panel remembers
//! and the pair report; `stages` draws what each stage shows, `inspector` the selected pair and
//! the pair table, `keys` the shortcuts. Those files name `state` and each other, never this
//! one, so the doors run one way.

use std::sync::Arc;

use crate::app::{AppCommand, AppState};
use crate::training::BatchSnapshot;

mod inspector;
mod keys;
mod stages;
mod state;

pub use keys::{help_window, keyboard};
pub use state::{PairReport, PairSort, Stage, TeachState};

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
/// `stage_actions` draws what belongs to a stage (the w-against-S export) at the end of the
/// stage's title row: below the stage bar, so that the bar never moves when the stage changes.
pub fn panel(
    ui: &mut egui::Ui,
    state: &AppState,
    batch: Option<&Arc<BatchSnapshot>>,
    gpu: bool,
    teach: &mut TeachState,
    commands: &mut Vec<AppCommand>,
    stage_actions: impl FnOnce(&mut egui::Ui, Stage, &mut Vec<AppCommand>),
) {
    controls(ui, teach, commands);
    let stage = teach.stage;
    ui.horizontal(|ui| {
        ui.label(
            egui::RichText::new(format!("Stage {} of 6: {}", stage.number(), stage.name()))
                .strong(),
        );
        stage_actions(ui, stage, commands);
    });
    ui.label(stage.explanation());
    let Some(batch) = batch else {
        ui.label("Press Step (or Shift + ->) to draw the first batch.");
        return;
    };
    ui.small(format!(
        "batch of step {}{} (S, mining and w before its update): m = {}, loss {:.4} — {}",
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
    if stage == Stage::Loss {
        stages::loss_formula(ui, batch);
    }
    let side = (ui.available_height() - 30.0)
        .min(ui.available_width() * 0.45)
        .max(120.0);
    // The stage's column takes at least half the panel whatever the stage: its texts (the
    // loss stage's anchors, the update's ΔS means) read as lines, not as a narrow column
    // beside the inspector, and the inspector does not move when the stage changes.
    let column = (side + 20.0).max(ui.available_width() * 0.5);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.set_width(column);
            stages::stage_view(ui, state.data(), batch, gpu, teach, side);
        });
        ui.vertical(|ui| inspector::inspector(ui, state.data(), batch, teach));
    });
}
