//! [`AppCommand`]: everything the UI can ask of the app.

use std::path::PathBuf;

use crate::embedding::TsneSettings;
use crate::losses::LossSpec;
use crate::training::TrainConfig;

/// Imperative requests from the UI.
#[derive(Debug, Clone)]
pub enum AppCommand {
    StartTraining,
    Pause,
    /// Exactly one mini-batch.
    StepBatch,
    /// A fresh model (and worker) from the current configuration.
    Reset,
    SetLoss(LossSpec),
    SetLearningRate(f64),
    /// Replace the configuration; takes effect on the next Reset (loss and learning rate at once).
    SetConfig(TrainConfig),
    SetTsneSettings(TsneSettings),
    /// Repeat the current batch for the next `k` steps (0 unfreezes).
    Freeze(u32),
    /// Batches per second while training (`None`: as fast as possible).
    SetSpeed(Option<f64>),
    /// Fork the current run into the current loss (A) and this one (B), trained side by side.
    StartCompare(LossSpec),
    StopCompare,
    /// Load lesson `k` of [`super::lessons::lessons`] (configuration, text, maybe a comparison).
    ApplyLesson(usize),
    /// Stop the embedding view's optimisation now (the picture stays).
    CancelTsne,
    /// Start the t-SNE layout cold (PCA start, early exaggeration) from the newest embeddings.
    RestartTsne,
    /// Lay out the embeddings with t-SNE (live) or PCA.
    SetProjection(crate::embedding::Projection),
    /// Show a message (`true`: an error).
    Notice((String, bool)),
    /// Write the run configuration (with the t-SNE settings) as TOML.
    SaveSession(PathBuf),
    /// Load a run configuration; on any error nothing changes. Applies with a Reset. A model
    /// checkpoint opened here loads as [`AppCommand::LoadModel`].
    OpenSession(PathBuf),
    /// Write a checkpoint of the trained model (with its configuration).
    SaveModel(PathBuf),
    /// Start a new run from a checkpoint: its configuration and trained weights.
    LoadModel(PathBuf),
    /// Render a figure (or tabulate its data) and write it; the outcome comes back as a notice.
    Export(crate::figures::ExportRequest),
}
