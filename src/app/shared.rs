//! The small types every room of the app uses: the run's status, the persisted settings,
//! notices and the repaint notifier.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::embedding::{Projection, TsneSettings};
use crate::training::{TrainConfig, Warning, WarningKind};

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub config: TrainConfig,
    pub tsne: TsneSettings,
    /// The pace of Train in batches per second (`None`: as fast as the machine trains).
    pub speed: Option<f64>,
    /// The embedding view's projection (t-SNE, live, or PCA).
    pub projection: Projection,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            config: TrainConfig::default(),
            tsne: TsneSettings::default(),
            speed: Some(DEFAULT_SPEED),
            projection: Projection::default(),
        }
    }
}

/// Train's default pace: slow enough to watch each batch's heatmap change and the loss curve
/// grow (at full speed the default run trains hundreds of batches a second and is over before
/// the eye can follow).
pub const DEFAULT_SPEED: f64 = 25.0;

/// The paces the window offers, in batches per second (beyond them: full speed).
pub const SPEEDS: std::ops::RangeInclusive<f64> = 1.0..=1000.0;

/// A message for the user, shown once in the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
    /// The pathology warning this notice reports (drawn as a warning, with a button that
    /// opens the lesson of [`WarningKind::lesson`]).
    pub warning: Option<WarningKind>,
}

impl Notice {
    pub fn new(text: impl Into<String>, is_error: bool) -> Self {
        Self {
            text: text.into(),
            is_error,
            warning: None,
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Self::new(text, false)
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self::new(text, true)
    }

    /// A run's pathology warning. Not an error: training goes on (a divergence has already
    /// been reported as one by the failed step).
    pub fn warning(warning: &Warning) -> Self {
        Self {
            warning: Some(warning.kind),
            ..Self::info(warning.message.clone())
        }
    }
}

/// How background threads ask the UI for a frame.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// Layouts kept for the t-SNE timeline.
pub const TSNE_HISTORY: usize = 200;
