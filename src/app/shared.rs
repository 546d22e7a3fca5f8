//! The small types every room of the app uses: the run's status, the persisted settings,
//! notices and the repaint notifier.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::embedding::TsneSettings;
use crate::training::TrainConfig;

/// Where the run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// The worker is building the model and the baselines (or the data is loading).
    Starting,
    /// Ready, not training.
    Paused,
    Running,
    /// The worker failed to start or died; Reset starts a new one.
    Stopped,
}

impl RunStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Paused => "paused",
            Self::Running => "training",
            Self::Stopped => "stopped",
        }
    }
}

/// What persists across launches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub config: TrainConfig,
    pub tsne: TsneSettings,
}

/// A message for the user, shown once in the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            is_error: false,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            is_error: true,
        }
    }
}

/// How background threads ask the UI for a frame.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// Layouts kept for the t-SNE timeline.
pub const TSNE_HISTORY: usize = 200;
