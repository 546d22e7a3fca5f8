//! [`JobOutput`]: what the app's background jobs hand back.

use std::path::PathBuf;
use std::sync::Arc;

use super::compare::CompareRun;
use crate::data::{DataSource, Dataset};
use crate::training::{Checkpoint, TrainConfig};

/// What a finished job hands back.
pub enum JobOutput {
    /// A data set for the next run.
    Data {
        source: DataSource,
        data: Arc<Dataset>,
        notes: Vec<String>,
    },
    /// A session file's configuration.
    Session {
        path: PathBuf,
        config: Box<TrainConfig>,
    },
    /// A checkpoint whose model has been tried on its data.
    Model {
        path: PathBuf,
        checkpoint: Box<Checkpoint>,
        data: Arc<Dataset>,
    },
    /// Something was written; the text says what.
    Written(String),
    /// Compare mode, running.
    Compare(Box<CompareRun>),
}
