//! Keyboard shortcuts of the teaching mode and their help overlay.

use super::state::TeachState;
use crate::app::{AppCommand, AppState, RunStatus};
use egui::vec2;

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
