//! What a run is made of: data split, batch, model, loss, optimiser, seeds, evaluation cadence.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::SplitKind;
use crate::losses::{Loss, LossSpec, Miner};

/// Which burn backend trains the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// burn-wgpu on a hardware adapter, otherwise the CPU backend.
    #[default]
    Auto,
    /// burn's `flex` CPU backend.
    Cpu,
    /// burn-wgpu, even on a software adapter.
    Wgpu,
}

impl BackendChoice {
    pub const ALL: [Self; 3] = [Self::Auto, Self::Cpu, Self::Wgpu];

    pub fn label(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::Wgpu => "wgpu",
        }
    }
}

/// The embedding network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// `d_in → hidden → ReLU → embedding`.
    #[default]
    Mlp,
    /// Two 3×3 conv + ReLU + 2×2 max-pool blocks (16, 32 channels), then the MLP head; for
    /// grey image data.
    Cnn,
}

/// A complete, reproducible description of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// The data set.
    pub data: crate::data::DataSource,
    /// Which classes train when `split = "classes"` (default: the first half, the rest held
    /// out, as in the metric-learning literature).
    pub train_classes: Option<Vec<usize>>,
    /// The embedding network.
    pub model: ModelKind,
    /// Seeds the model's initial weights, the batch sampler and the split.
    pub seed: u64,
    pub split: SplitKind,
    /// P: classes per batch.
    pub batch_classes: usize,
    /// K: samples per class.
    pub batch_samples: usize,
    pub hidden_dim: usize,
    pub embedding_dim: usize,
    pub learning_rate: f64,
    pub loss: LossSpec,
    /// Held-out metrics every this many steps.
    pub eval_every: u64,
    /// t-SNE of the held-out embeddings every this many steps.
    pub tsne_every: u64,
    pub backend: BackendChoice,
    /// t-SNE settings of the run (sessions and `pairscope train`).
    pub tsne: TsneSettings,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            data: crate::data::DataSource::Digits,
            train_classes: None,
            model: ModelKind::Mlp,
            seed: 0,
            split: SplitKind::Samples,
            batch_classes: 5,
            batch_samples: 16,
            hidden_dim: 128,
            embedding_dim: 64,
            learning_rate: 1e-3,
            // Multi-similarity with the MS miner (α = 2, β = 50, λ = 0.5, ε = 0.1).
            loss: LossSpec::with_miner(Loss::default(), Miner::default()),
            eval_every: 25,
            tsne_every: 250,
            backend: BackendChoice::Auto,
            tsne: TsneSettings::default(),
        }
    }
}

impl TrainConfig {
    pub fn batch_size(&self) -> usize {
        self.batch_classes * self.batch_samples
    }

    /// Checks ranges before any work starts; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let check = |ok: bool, msg: &str| if ok { Ok(()) } else { Err(msg.to_owned()) };
        check(self.batch_classes >= 2, "batch_classes must be at least 2")?;
        check(self.batch_samples >= 2, "batch_samples must be at least 2")?;
        check(
            self.batch_size() <= 4096,
            "batch_classes × batch_samples must be at most 4096",
        )?;
        check(
            (1..=4096).contains(&self.hidden_dim),
            "hidden_dim must be in 1..=4096",
        )?;
        check(
            (2..=1024).contains(&self.embedding_dim),
            "embedding_dim must be in 2..=1024",
        )?;
        check(
            valid_learning_rate(self.learning_rate),
            "learning_rate must be a positive number",
        )?;
        check(self.eval_every >= 1, "eval_every must be at least 1")?;
        check(self.tsne_every >= 1, "tsne_every must be at least 1")?;
        check(
            self.tsne.perplexity.is_finite() && self.tsne.perplexity >= 1.0,
            "tsne.perplexity must be at least 1",
        )?;
        check(
            self.tsne.iterations >= 10,
            "tsne.iterations must be at least 10",
        )?;
        check(
            self.tsne.max_points >= 5,
            "tsne.max_points must be at least 5",
        )?;
        self.loss.validate().map_err(|e| e.to_string())
    }
}

/// A learning rate Adam can use: finite and positive.
pub fn valid_learning_rate(lr: f64) -> bool {
    lr.is_finite() && lr > 0.0
}

/// Settings of one t-SNE run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TsneSettings {
    pub perplexity: f64,
    pub iterations: usize,
    pub seed: u64,
    /// At most this many points (evenly subsampled).
    pub max_points: usize,
    /// Lay out the training rows instead of the held-out rows.
    #[serde(default)]
    pub on_training: bool,
}

impl Default for TsneSettings {
    fn default() -> Self {
        Self {
            perplexity: 30.0,
            iterations: 750,
            seed: 0,
            max_points: 1000,
            on_training: false,
        }
    }
}

/// Reads a run configuration; the message names the file and the key.
pub fn read_config(path: &Path) -> Result<TrainConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_config(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses and validates a TOML configuration (unknown keys and out-of-range values rejected).
pub fn parse_config(text: &str) -> Result<TrainConfig, String> {
    let config: TrainConfig = toml::from_str(text).map_err(|e| {
        let msg = e.message().to_owned();
        match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].lines().count().max(1);
                format!("line {line}: {msg}")
            }
            None => msg,
        }
    })?;
    config.validate()?;
    Ok(config)
}

/// The configuration as TOML (what `config.toml` and Save session write).
pub fn config_toml(config: &TrainConfig) -> Result<String, String> {
    toml::to_string_pretty(config).map_err(|e| e.to_string())
}
