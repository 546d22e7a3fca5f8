//! Background jobs: the one way the app runs slow work — reading and writing files, loading
//! data sets, trying a checkpoint's model, forking the run for compare, rendering figures —
//! off the UI thread. A job is a closure on a named thread (`pairscope-job`); it reports
//! progress and its result as [`JobEvent`]s through one bounded channel that
//! [`super::AppState::poll`] drains every frame, so the UI thread never opens a file or builds
//! a model.
//!
//! The long-lived services (the training worker, the evaluation job, the t-SNE job) keep their
//! own protocols: they stream many results per run, while a job here answers exactly once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::error::AppError;
use super::shared::Notify;
use crate::training::worker::panic_message;

/// A job's number (unique within an [`super::AppState`]).
pub type JobId = u64;

/// What a job is for; the app applies its result by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A data set for the next run (Reset with another data source).
    LoadData,
    /// A session or model file chosen in Open session….
    OpenFile,
    /// A checkpoint chosen in Load model….
    LoadModel,
    SaveSession,
    SaveModel,
    /// Two forks of the run for compare mode.
    Fork,
    /// A figure or the data behind it, written to a file.
    Export,
}

/// A running job, as the UI shows it.
#[derive(Debug, Clone)]
pub struct JobInfo {
    pub id: JobId,
    pub kind: JobKind,
    /// What the job does, for people ("loading data: digits.csv").
    pub label: String,
    pub started: Instant,
    /// Fraction done, when the job reports it.
    pub progress: Option<f32>,
}

/// What a job reports.
pub enum JobEvent<T> {
    Progress {
        id: JobId,
        fraction: f32,
    },
    Finished {
        id: JobId,
        result: Result<T, AppError>,
    },
}

/// Handed to a job so it can report how far it is.
pub struct Progress<T> {
    id: JobId,
    tx: Sender<JobEvent<T>>,
    notify: Notify,
}

impl<T> Progress<T> {
    /// Reports the fraction done (0–1).
    pub fn set(&self, fraction: f32) {
        // A progress report may be skipped when the channel is full: the next one supersedes
        // it, and the result itself is sent with a blocking send.
        match self.tx.try_send(JobEvent::Progress {
            id: self.id,
            fraction,
        }) {
            Ok(()) | Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
        }
        (self.notify)();
    }
}

/// The running jobs and the channel their events come through.
pub struct Jobs<T> {
    tx: Sender<JobEvent<T>>,
    rx: Receiver<JobEvent<T>>,
    running: Vec<JobInfo>,
    next: JobId,
    notify: Notify,
}

/// Room for results and progress reports between two frames.
const CHANNEL: usize = 256;

impl<T: Send + 'static> Jobs<T> {
    pub fn new(notify: Notify) -> Self {
        let (tx, rx) = bounded(CHANNEL);
        Self {
            tx,
            rx,
            running: Vec::new(),
            next: 1,
            notify,
        }
    }

    /// Runs `work` on its own named thread and returns its id at once. A panic in the job is
    /// caught and reported as its result.
    pub fn spawn(
        &mut self,
        kind: JobKind,
        label: impl Into<String>,
        work: impl FnOnce(&Progress<T>) -> Result<T, AppError> + Send + 'static,
    ) -> JobId {
        let id = self.next;
        self.next += 1;
        let label = label.into();
        let progress = Progress {
            id,
            tx: self.tx.clone(),
            notify: Arc::clone(&self.notify),
        };
        let what = label.clone();
        let label_for_error = label.clone();
        let spawned = std::thread::Builder::new()
            .name("pairscope-job".into())
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| work(&progress)))
                    .unwrap_or_else(|p| Err(AppError::Panicked(what, panic_message(&*p))));
                // Blocking: the UI drains the channel every frame; it only fails once the app
                // is gone, and then nobody waits for the result.
                if progress.tx.send(JobEvent::Finished { id, result }).is_ok() {
                    (progress.notify)();
                }
            });
        self.running.push(JobInfo {
            id,
            kind,
            label,
            started: Instant::now(),
            progress: None,
        });
        if let Err(e) = spawned {
            // No thread: the job ends at once with the reason, through the same channel.
            let result = Err(AppError::Thread(label_for_error, e.to_string()));
            if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
                self.tx.try_send(JobEvent::Finished { id, result })
            {
                log::error!("job {id} could not start and its failure could not be queued");
            }
        }
        id
    }

    /// Progress and finished jobs since the last call; finished jobs leave [`Self::running`].
    pub fn drain(&mut self) -> Vec<(JobInfo, Result<T, AppError>)> {
        let mut finished = Vec::new();
        for event in self.rx.try_iter() {
            match event {
                JobEvent::Progress { id, fraction } => {
                    if let Some(job) = self.running.iter_mut().find(|j| j.id == id) {
                        job.progress = Some(fraction.clamp(0.0, 1.0));
                    }
                }
                JobEvent::Finished { id, result } => {
                    let Some(pos) = self.running.iter().position(|j| j.id == id) else {
                        continue;
                    };
                    finished.push((self.running.remove(pos), result));
                }
            }
        }
        finished
    }

    pub fn running(&self) -> &[JobInfo] {
        &self.running
    }

    pub fn is_running(&self, kind: JobKind) -> bool {
        self.running.iter().any(|j| j.kind == kind)
    }

    /// Forgets running jobs of `kind`: their results will be ignored when they arrive.
    pub fn forget(&mut self, kind: JobKind) {
        self.running.retain(|j| j.kind != kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn wait<T: Send + 'static>(jobs: &mut Jobs<T>) -> Vec<(JobInfo, Result<T, AppError>)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        while !jobs.running().is_empty() && Instant::now() < deadline {
            out.extend(jobs.drain());
            std::thread::sleep(Duration::from_millis(2));
        }
        out
    }

    #[test]
    fn a_job_reports_progress_and_its_result_once() {
        let mut jobs: Jobs<u32> = Jobs::new(Arc::new(|| {}));
        let (go_tx, go_rx) = bounded::<()>(1);
        let id = jobs.spawn(JobKind::LoadData, "counting", move |p| {
            p.set(0.5);
            go_rx.recv().ok();
            Ok(7)
        });
        assert!(jobs.is_running(JobKind::LoadData));
        std::thread::sleep(Duration::from_millis(50));
        assert!(jobs.drain().is_empty(), "not finished yet");
        assert_eq!(jobs.running()[0].progress, Some(0.5));
        go_tx.send(()).unwrap();
        let done = wait(&mut jobs);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].0.id, id);
        assert_eq!(*done[0].1.as_ref().unwrap(), 7);
        assert!(!jobs.is_running(JobKind::LoadData));
    }

    #[test]
    fn a_panicking_job_reports_the_panic_as_its_result() {
        let mut jobs: Jobs<u32> = Jobs::new(Arc::new(|| {}));
        jobs.spawn(JobKind::Export, "drawing", |_| panic!("no ink"));
        let done = wait(&mut jobs);
        let err = done[0].1.as_ref().expect_err("panicked").to_string();
        assert!(err.contains("drawing") && err.contains("no ink"), "{err}");
    }

    #[test]
    fn a_forgotten_job_is_ignored() {
        let mut jobs: Jobs<u32> = Jobs::new(Arc::new(|| {}));
        jobs.spawn(JobKind::Fork, "forking", |_| Ok(1));
        jobs.forget(JobKind::Fork);
        std::thread::sleep(Duration::from_millis(100));
        assert!(jobs.drain().is_empty());
    }
}
