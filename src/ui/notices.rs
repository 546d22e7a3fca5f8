//! The bottom strip: background jobs while they run (with their progress) and the latest
//! notice for the user.

use crate::app::AppState;

/// Draws the strip when there is something to say; the notices are cleared on Dismiss.
pub fn strip(ui: &mut egui::Ui, state: &mut AppState) {
    if state.notices.is_empty() && state.jobs().is_empty() {
        return;
    }
    egui::Panel::bottom("notices").show(ui, |ui| {
        for job in state.jobs() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "{} ({:.0} s)",
                    job.label,
                    job.started.elapsed().as_secs_f64()
                ));
                if let Some(fraction) = job.progress {
                    ui.add(
                        egui::ProgressBar::new(fraction)
                            .desired_width(160.0)
                            .show_percentage(),
                    );
                }
            });
        }
        let mut dismiss = false;
        if let Some(last) = state.notices.last() {
            ui.horizontal_wrapped(|ui| {
                let colour = if last.is_error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.colored_label(colour, &last.text);
                dismiss = ui.button("Dismiss").clicked();
            });
        }
        if dismiss {
            state.notices.clear();
        }
    });
}
