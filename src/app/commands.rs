//! What each [`AppCommand`] does. Anything slow (files, data, forks) is handed to a background
//! job here and applied when it arrives ([`super::files`]).

use super::command::AppCommand;
use super::lessons;
use super::shared::{Notice, RunStatus};
use super::state::AppState;
use crate::training::Command;
use crate::training::limits::LEARNING_RATE;

impl AppState {
    pub fn apply(&mut self, command: AppCommand) {
        if let AppCommand::SetSpeed(Some(bps)) = command
            && !super::shared::SPEEDS.contains(&bps)
        {
            // The worker would ignore a NaN silently (as fast as possible), and 1e-300 batches/s
            // is no pace: say so instead.
            self.notices.push(Notice::error(format!(
                "pace must be 1 to 1000 batches per second, or full speed (got {bps})"
            )));
            return;
        }
        // In compare mode the transport controls drive both sides.
        let Some(command) = self.apply_to_compare(command) else {
            return;
        };
        match command {
            AppCommand::StartTraining => self.start_training(),
            AppCommand::Pause => {
                if self.status == RunStatus::Running {
                    self.send(Command::Pause);
                    self.status = RunStatus::Paused;
                }
            }
            AppCommand::StepBatch => {
                if self.status == RunStatus::Paused {
                    self.send(Command::Step);
                }
            }
            AppCommand::Reset => self.restart_worker(None),
            AppCommand::Freeze(k) => self.send(Command::Freeze(k)),
            AppCommand::SetSpeed(s) => {
                self.settings.speed = s;
                self.send(Command::SetSpeed(s));
            }
            AppCommand::SetLoss(spec) => match spec.validate() {
                Ok(()) => {
                    self.settings.config.loss = spec.clone();
                    self.active_config.loss = spec.clone();
                    self.send(Command::SetLoss(spec));
                }
                Err(e) => self.notices.push(Notice::error(e.to_string())),
            },
            // Refused here, like an invalid loss: stored, it would show as the slider's value
            // and make the next Reset fail.
            AppCommand::SetLearningRate(lr) => match LEARNING_RATE.check(lr) {
                Ok(()) => {
                    self.settings.config.learning_rate = lr;
                    self.active_config.learning_rate = lr;
                    self.send(Command::SetLearningRate(lr));
                }
                Err(e) => self.notices.push(Notice::error(e.to_string())),
            },
            AppCommand::SetConfig(config) => self.settings.config = config,
            AppCommand::SetTsneSettings(s) => {
                if let Err(e) = s.validate() {
                    self.notices
                        .push(Notice::error(format!("t-SNE settings refused: {e}")));
                    return;
                }
                if s.on_training != self.settings.tsne.on_training {
                    self.send(Command::SetTsneOnTraining(s.on_training));
                }
                self.settings.tsne = s;
            }
            AppCommand::StartCompare(other) => self.request_compare(other),
            AppCommand::StopCompare => self.stop_compare(),
            AppCommand::ApplyLesson(k) => self.apply_lesson(k),
            AppCommand::CancelTsne => self.stop_live(),
            AppCommand::RestartTsne => self.restart_live(),
            AppCommand::SetProjection(p) => self.set_projection(p),
            AppCommand::Notice((text, is_error)) => self.notices.push(Notice::new(text, is_error)),
            AppCommand::SaveSession(path) => self.save_session(path),
            AppCommand::OpenSession(path) => self.open_file(path, false),
            AppCommand::SaveModel(path) => self.save_model(path),
            AppCommand::LoadModel(path) => self.open_file(path, true),
            AppCommand::Export(request) => self.export(request),
        }
    }

    /// Applies the transport commands to both sides of a running comparison; returns the
    /// command when it is not one of them (or no comparison runs).
    fn apply_to_compare(&mut self, command: AppCommand) -> Option<AppCommand> {
        let Some(compare) = &mut self.compare else {
            return Some(command);
        };
        match command {
            AppCommand::StartTraining => {
                compare.send(&Command::Play);
                compare.status = RunStatus::Running;
            }
            AppCommand::Pause => {
                compare.send(&Command::Pause);
                compare.status = RunStatus::Paused;
            }
            AppCommand::StepBatch => {
                if compare.status != RunStatus::Running {
                    compare.send(&Command::Step);
                }
            }
            AppCommand::Freeze(k) => compare.send(&Command::Freeze(k)),
            AppCommand::SetSpeed(s) => {
                self.settings.speed = s;
                compare.send(&Command::SetSpeed(s));
            }
            other => return Some(other),
        }
        None
    }

    fn start_training(&mut self) {
        if matches!(self.status, RunStatus::Paused | RunStatus::Starting) && self.worker.is_some() {
            self.send(Command::Play);
            self.status = RunStatus::Running;
            self.start_rate_window();
        }
    }

    fn apply_lesson(&mut self, k: usize) {
        if let Some(lesson) = lessons::lessons().into_iter().nth(k) {
            self.settings.config = lesson.config;
            self.lesson = Some(k);
            self.restart_worker(None);
            self.pending_compare = lesson.compare_with;
        }
    }
}
