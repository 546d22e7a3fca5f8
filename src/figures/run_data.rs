//! What a figure is built from: an owned, `Send + 'static` copy of the run's data (shared
//! parts behind `Arc`s), so that building and rendering can happen on any thread. The app
//! fills one from its state when Export… is chosen; `pairscope train` fills one at the end of
//! its run.

use std::sync::Arc;

use crate::data::Dataset;
use crate::embedding::{TsneLayout, TsneRequest, TsneSettings, run_tsne};
use crate::metrics::Retrieval;
use crate::training::{BatchSnapshot, EvalPoint, LossPoint, TrainConfig};

/// The run's data, as far as figures need it.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The run's configuration with its t-SNE settings: embedded in every file (TOML) and
    /// summarised in the caption.
    pub config: TrainConfig,
    /// The step the run has reached (the caption's).
    pub step: u64,
    /// The data set (class names; the images of the sample stage).
    pub data: Arc<Dataset>,
    /// The training loss: one point per step, or merged steps for a long run in the window.
    pub history: Vec<LossPoint>,
    pub evals: Vec<EvalPoint>,
    /// The untrained network's held-out metrics (the metrics curve's dashed baseline), when
    /// the run started untrained.
    pub untrained: Option<Retrieval>,
    /// The raw inputs' held-out metrics (the dotted baseline).
    pub raw_baseline: Option<Retrieval>,
    /// The batch the heatmaps, w against S and the stages show.
    pub batch: Option<Arc<BatchSnapshot>>,
    pub embedding: Option<EmbeddingData>,
    /// Compare mode's two sides (empty outside compare mode).
    pub compare: Vec<CompareCurve>,
}

impl RunData {
    /// A run with nothing recorded yet.
    pub fn new(config: TrainConfig, data: Arc<Dataset>) -> Self {
        Self {
            config,
            step: 0,
            data,
            history: Vec::new(),
            evals: Vec::new(),
            untrained: None,
            raw_baseline: None,
            batch: None,
            embedding: None,
            compare: Vec::new(),
        }
    }
}

/// The embedding view's data: raw 2-D / 3-D embeddings or a t-SNE layout.
#[derive(Debug, Clone)]
pub enum EmbeddingData {
    /// Held-out embeddings of dimension 2 or 3, drawn raw (circle; sphere seen from above).
    Raw(Arc<RawEmbedding>),
    Tsne(Arc<TsneLayout>),
    /// t-SNE could not lay the points out (collapsed embeddings can defeat it): the figure says
    /// so instead.
    TsneFailed {
        step: u64,
        reason: String,
    },
}

impl EmbeddingData {
    /// A trained network's held-out embeddings as the embedding figure draws them: raw for
    /// d ≤ 3, otherwise laid out by t-SNE with `settings` (on these held-out rows, whatever
    /// `settings.on_training` says). A layout t-SNE cannot make (collapsed embeddings can
    /// defeat it) is a figure that says so.
    pub fn of_held_out(raw: RawEmbedding, settings: TsneSettings) -> Self {
        if raw.d <= 3 {
            return Self::Raw(Arc::new(raw));
        }
        let step = raw.step;
        let request = TsneRequest {
            step,
            points: raw.embeddings,
            d: raw.d,
            labels: raw.labels,
            rows: raw.rows,
            settings: TsneSettings {
                on_training: false,
                ..settings
            },
        };
        match run_tsne(&request) {
            Ok(layout) => Self::Tsne(Arc::new(layout)),
            Err(reason) => Self::TsneFailed { step, reason },
        }
    }
}

/// One side of compare mode: its loss and its training history.
#[derive(Debug, Clone)]
pub struct CompareCurve {
    pub label: String,
    pub history: Vec<LossPoint>,
}

/// Unit embeddings of dimension 2 or 3 with their data-set rows and labels.
#[derive(Debug, Clone)]
pub struct RawEmbedding {
    /// The step they were embedded at.
    pub step: u64,
    pub d: usize,
    /// Data-set rows, ascending.
    pub rows: Vec<usize>,
    pub labels: Vec<u32>,
    /// `[n, d]` row-major.
    pub embeddings: Vec<f32>,
}
