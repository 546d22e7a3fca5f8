//! The bottom strip: background jobs while they run (with their progress) and the latest
//! notice for the user. A pathology warning is drawn in the warning colour, with a button that
//! opens the lesson showing it.

use crate::app::{AppCommand, AppState, Notice, lessons};

/// Draws the strip when there is something to say; the notices are cleared on Dismiss.
pub fn strip(ui: &mut egui::Ui, state: &mut AppState, commands: &mut Vec<AppCommand>) {
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
                } else if last.warning.is_some() {
                    ui.visuals().warn_fg_color
                } else {
                    ui.visuals().text_color()
                };
                if last.warning.is_some() {
                    ui.colored_label(colour, egui::RichText::new("Warning").strong());
                }
                ui.colored_label(colour, &last.text);
                lesson_button(ui, last, commands);
                dismiss = ui.button("Dismiss").clicked();
            });
        }
        if dismiss {
            state.notices.clear();
        }
    });
}

/// "Open lesson: …" for a warning whose lesson exists (none otherwise).
fn lesson_button(ui: &mut egui::Ui, notice: &Notice, commands: &mut Vec<AppCommand>) {
    let Some(kind) = notice.warning else {
        return;
    };
    let all = lessons::lessons();
    let Some((k, lesson)) = all.iter().enumerate().find(|(_, l)| l.id == kind.lesson()) else {
        return;
    };
    if ui
        .button(format!("Open lesson: {}", lesson.title))
        .on_hover_text("Loads the lesson's run in place of this one (like Reset)")
        .clicked()
    {
        commands.push(AppCommand::ApplyLesson(k));
    }
}
