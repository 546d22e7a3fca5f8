//! [`AppError`]: what can go wrong in the app's own work.

use std::path::PathBuf;

/// What can go wrong in the app's own work (files, jobs, the worker's answers); shown to the
/// user as a notice.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file that was read but is not what it should be (the message names the problem).
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    #[error(transparent)]
    Loss(#[from] crate::losses::LossError),
    #[error(transparent)]
    Figure(crate::figures::FigureError),
    #[error("its data: {0}")]
    CheckpointData(crate::data::DataError),
    /// The training thread answered a request with an error.
    #[error("{0}")]
    Worker(String),
    #[error("the training thread stopped before it answered")]
    WorkerGone,
    #[error("no run to save (Reset starts one)")]
    NoRun,
    #[error("{0}: a thread could not start: {1}")]
    Thread(String, String),
    #[error("{0} failed unexpectedly: {1}")]
    Panicked(String, String),
}
