//! Sessions, models, data sets and forks, prepared on background jobs ([`super::jobs`]) and
//! applied when they arrive. Every job either hands back something complete and checked, or
//! an error; on an error nothing of the current run changes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::compare::CompareRun;
use super::error::AppError;
use super::job_output::JobOutput;
use super::jobs::{JobInfo, JobKind};
use super::shared::{Notice, RunStatus};
use super::state::AppState;
use crate::data::{DataSource, Dataset};
use crate::losses::LossSpec;
use crate::training::{Backend, Checkpoint, Command, Trainer};

/// How long a job waits for the training thread to answer (a fork or a checkpoint): one
/// batch at most, so this only runs out when the thread is stuck.
const WORKER_ANSWER: Duration = Duration::from_secs(60);

impl AppState {
    /// Loads `source` on a job; the run waiting in `start_after_load` starts when it arrives.
    pub(super) fn load_data(&mut self, source: DataSource) {
        let label = format!("loading {}", source.label());
        self.jobs.spawn(JobKind::LoadData, label, move |progress| {
            // Every whole per cent, not every image: each report may ask for a frame.
            let last = std::cell::Cell::new(0u32);
            let (data, notes) = source.load_with_progress(&|fraction| {
                let percent = (fraction * 100.0) as u32;
                if percent > last.get() {
                    last.set(percent);
                    progress.set(fraction);
                }
            })?;
            Ok(JobOutput::Data {
                source,
                data: Arc::new(data),
                notes: notes.0,
            })
        });
    }

    /// Writes the run configuration (with the t-SNE settings) as TOML, on a job.
    pub(super) fn save_session(&mut self, path: PathBuf) {
        let mut config = self.settings.config.clone();
        config.tsne = self.settings.tsne;
        let label = format!("saving {}", path.display());
        self.jobs.spawn(JobKind::SaveSession, label, move |_| {
            let text = crate::training::config::config_toml(&config).map_err(|message| {
                AppError::File {
                    path: path.clone(),
                    message: message.to_string(),
                }
            })?;
            write(&path, text.as_bytes())?;
            Ok(JobOutput::Written(format!("saved {}", path.display())))
        });
    }

    /// Asks the worker for a checkpoint and writes it, on a job.
    pub(super) fn save_model(&mut self, path: PathBuf) {
        if self.worker.as_ref().is_none_or(|w| !w.is_alive()) {
            self.notices
                .push(Notice::error(format!("save model: {}", AppError::NoRun)));
            return;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.send(Command::Checkpoint { reply: tx });
        let label = format!("saving the model to {}", path.display());
        self.jobs.spawn(JobKind::SaveModel, label, move |_| {
            let checkpoint = rx
                .recv_timeout(WORKER_ANSWER)
                .map_err(|_| AppError::WorkerGone)?
                .map_err(|e| AppError::Worker(e.to_string()))?;
            let text = checkpoint.to_toml().map_err(|e| AppError::File {
                path: path.clone(),
                message: e.to_string(),
            })?;
            write(&path, text.as_bytes())?;
            Ok(JobOutput::Written(format!(
                "saved the model of step {} to {}",
                checkpoint.step,
                path.display()
            )))
        });
    }

    /// Reads a session or a model file on a job (one read: a checkpoint opens as Load model).
    pub(super) fn open_file(&mut self, path: PathBuf, model_only: bool) {
        let current = (self.data_source.clone(), Arc::clone(&self.data));
        let kind = if model_only {
            JobKind::LoadModel
        } else {
            JobKind::OpenFile
        };
        let label = format!("opening {}", path.display());
        self.jobs.spawn(kind, label, move |_| {
            // A session or a checkpoint: refuse a file larger than any checkpoint unread.
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            if size > crate::training::limits::max_checkpoint_file_bytes() {
                return Err(AppError::File {
                    path: path.clone(),
                    message: crate::training::CheckpointError::TooLarge(size).to_string(),
                });
            }
            let text = std::fs::read_to_string(&path).map_err(|source| AppError::Io {
                path: path.clone(),
                source,
            })?;
            if model_only || Checkpoint::is_checkpoint(&text) {
                let checkpoint = Checkpoint::from_toml(&text).map_err(|e| AppError::File {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                let data = check_model(&path, &checkpoint, current)?;
                return Ok(JobOutput::Model {
                    path,
                    checkpoint: Box::new(checkpoint),
                    data,
                });
            }
            let config =
                crate::training::config::parse_config(&text).map_err(|e| AppError::File {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            Ok(JobOutput::Session {
                path,
                config: Box::new(config),
            })
        });
    }

    /// Renders a figure (or tabulates its data) and writes it, on a job.
    pub(super) fn export(&mut self, request: crate::figures::ExportRequest) {
        let label = format!("writing {}", request.path.display());
        self.jobs.spawn(JobKind::Export, label, move |_| {
            let path = crate::figures::export(request).map_err(AppError::Figure)?;
            Ok(JobOutput::Written(format!("wrote {}", path.display())))
        });
    }

    /// Asks the worker for two forks and starts compare mode with them, on a job.
    pub(super) fn request_compare(&mut self, other: LossSpec) {
        if let Err(e) = other.validate() {
            self.notices.push(Notice::error(e.to_string()));
            return;
        }
        self.stop_compare();
        if self.status == RunStatus::Running {
            self.send(Command::Pause);
            self.status = RunStatus::Paused;
        }
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.send(Command::Fork {
            losses: vec![self.active_config.loss.clone(), other],
            reply: tx,
        });
        // Forks stay on the device they were made on.
        let backend = self
            .view
            .backend
            .clone()
            .unwrap_or_else(|| crate::training::BackendInfo::cpu("the run's backend"));
        let notify = Arc::clone(&self.notify);
        self.jobs.spawn(JobKind::Fork, "forking the run", move |_| {
            let forks = rx
                .recv_timeout(WORKER_ANSWER)
                .map_err(|_| AppError::WorkerGone)?
                .map_err(|e| AppError::Worker(e.to_string()))?;
            let run = CompareRun::start(forks, backend, &notify)?;
            Ok(JobOutput::Compare(Box::new(run)))
        });
    }

    /// Applies what a job handed back (or says why it failed).
    pub(super) fn on_job_finished(&mut self, info: &JobInfo, result: Result<JobOutput, AppError>) {
        let output = match result {
            Ok(output) => output,
            Err(e) => return self.job_failed(info.kind, &e),
        };
        match output {
            JobOutput::Data {
                source,
                data,
                notes,
            } => {
                self.data = data;
                self.data_source = source;
                self.notices.extend(notes.into_iter().map(Notice::info));
                let checkpoint = self.start_after_load.take().flatten();
                self.start_worker(checkpoint);
            }
            JobOutput::Session { path, config } => {
                self.settings.tsne = config.tsne;
                self.settings.config = *config;
                self.restart_worker(None);
                self.notices
                    .push(Notice::info(format!("opened {}", path.display())));
            }
            JobOutput::Model {
                path,
                checkpoint,
                data,
            } => self.start_from_model(&path, *checkpoint, data),
            JobOutput::Written(text) => self.notices.push(Notice::info(text)),
            JobOutput::Compare(run) => {
                let mut run = *run;
                // Both sides train at the window's pace.
                if self.settings.speed.is_some() {
                    run.send(&crate::training::Command::SetSpeed(self.settings.speed));
                }
                self.compare = Some(run);
            }
        }
    }

    fn job_failed(&mut self, kind: JobKind, e: &AppError) {
        let text = match kind {
            JobKind::LoadData => {
                // The current data stays and the configuration points at it again; the run
                // that waited for the data starts on it.
                self.settings.config.data = self.data_source.clone();
                let checkpoint = self.start_after_load.take().flatten();
                self.start_worker(checkpoint);
                format!("data not loaded: {e}")
            }
            JobKind::OpenFile => format!("open session: {e} (nothing was loaded)"),
            JobKind::LoadModel => format!("load model: {e} (nothing was loaded)"),
            JobKind::SaveSession => format!("save session: {e}"),
            JobKind::SaveModel => format!("save model: {e}"),
            JobKind::Fork => format!("compare: {e}"),
            JobKind::Export => format!("export failed: {e}"),
        };
        self.notices.push(Notice::error(text));
    }

    /// Starts a run from a checkpoint that has proven to fit its data.
    fn start_from_model(&mut self, path: &Path, checkpoint: Checkpoint, data: Arc<Dataset>) {
        self.data = data;
        self.data_source = checkpoint.config.data.clone();
        self.settings.tsne = checkpoint.config.tsne;
        self.settings.config = checkpoint.config.clone();
        let step = checkpoint.step;
        self.restart_worker(Some(checkpoint));
        self.notices.push(Notice::info(format!(
            "loaded the model of step {step} from {}",
            path.display()
        )));
    }
}

/// Loads a checkpoint's data (unless it is the current data set) and tries its model on a CPU
/// trainer; returns the data. Runs on a job, before anything of the current run changes.
fn check_model(
    path: &Path,
    checkpoint: &Checkpoint,
    (source, current): (DataSource, Arc<Dataset>),
) -> Result<Arc<Dataset>, AppError> {
    let data = if checkpoint.config.data == source {
        current
    } else {
        let (data, _) = checkpoint
            .config
            .data
            .load()
            .map_err(AppError::CheckpointData)?;
        Arc::new(data)
    };
    let mut trial = Trainer::new(
        checkpoint.config.clone(),
        Arc::clone(&data),
        &Backend::cpu("checking a model"),
    )
    .map_err(|e| AppError::Worker(e.to_string()))?;
    trial
        .load_checkpoint(checkpoint)
        .map_err(|e| AppError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(data)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    crate::io::write_atomic(path, bytes).map_err(|source| AppError::Io {
        path: path.to_path_buf(),
        source,
    })
}
