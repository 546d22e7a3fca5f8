//! What a run is made of: data split, batch, model, loss, optimiser, seeds, evaluation cadence.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::SplitKind;
use crate::losses::{Loss, LossSpec, Miner};

pub use super::config_error::ConfigError;
pub use super::limits::{Bound, Limit};

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

    /// Checks every value against its [`Limit`] before any work starts; the message names
    /// the field and the range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        use super::limits::*;
        BATCH_CLASSES.check(self.batch_classes)?;
        BATCH_SAMPLES.check(self.batch_samples)?;
        if self.batch_size() > MAX_BATCH {
            return Err(ConfigError::OutOfRange {
                field: "batch_classes × batch_samples",
                rule: format!("at most {MAX_BATCH}"),
            });
        }
        HIDDEN_DIM.check(self.hidden_dim)?;
        EMBEDDING_DIM.check(self.embedding_dim)?;
        LEARNING_RATE.check(self.learning_rate)?;
        EVAL_EVERY.check(self.eval_every)?;
        TSNE_EVERY.check(self.tsne_every)?;
        self.tsne.validate()?;
        self.data.validate()?;
        Ok(self.loss.validate()?)
    }
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

impl TsneSettings {
    /// Every field within its documented range ([`super::limits`]).
    pub fn validate(&self) -> Result<(), ConfigError> {
        use super::limits::{TSNE_ITERATIONS, TSNE_MAX_POINTS, TSNE_PERPLEXITY};
        TSNE_PERPLEXITY.check(self.perplexity)?;
        TSNE_ITERATIONS.check(self.iterations)?;
        TSNE_MAX_POINTS.check(self.max_points)
    }
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
pub fn read_config(path: &Path) -> Result<TrainConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_config(&text).map_err(|e| ConfigError::InFile {
        path: path.to_owned(),
        source: Box::new(e),
    })
}

/// Parses and validates a TOML configuration (unknown keys and out-of-range values rejected).
pub fn parse_config(text: &str) -> Result<TrainConfig, ConfigError> {
    let config: TrainConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
        line: e
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1)),
        message: e.message().to_owned(),
    })?;
    config.validate()?;
    Ok(config)
}

/// The configuration as TOML (what `config.toml` and Save session write).
pub fn config_toml(config: &TrainConfig) -> Result<String, ConfigError> {
    Ok(toml::to_string_pretty(config)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::limits::*;

    fn within<T: Bound>(limit: &Limit<T>) -> bool {
        limit.valid.start() <= limit.offered.start() && limit.offered.end() <= limit.valid.end()
    }

    #[test]
    fn the_panel_offers_only_valid_values() {
        let usize_limits = [
            BATCH_CLASSES,
            BATCH_SAMPLES,
            HIDDEN_DIM,
            EMBEDDING_DIM,
            TSNE_ITERATIONS,
            TSNE_MAX_POINTS,
        ];
        assert!(usize_limits.iter().all(within));
        assert!([EVAL_EVERY, TSNE_EVERY].iter().all(within));
        assert!([LEARNING_RATE, TSNE_PERPLEXITY].iter().all(within));
    }

    #[test]
    fn refusals_name_the_field_and_the_range() {
        let mut c = TrainConfig {
            hidden_dim: 0,
            ..TrainConfig::default()
        };
        assert_eq!(
            c.validate().expect_err("0").to_string(),
            "hidden_dim must be in 1..=4096"
        );
        c.hidden_dim = 16;
        for lr in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            c.learning_rate = lr;
            assert_eq!(
                c.validate().expect_err("lr").to_string(),
                "learning_rate must be a positive number"
            );
        }
        c.learning_rate = 1e-300;
        assert!(c.validate().is_ok());
        c.batch_classes = 1;
        assert_eq!(
            c.validate().expect_err("P").to_string(),
            "batch_classes must be in 2..=2048"
        );
        c.batch_classes = 100;
        c.batch_samples = 100;
        assert_eq!(
            c.validate().expect_err("m").to_string(),
            "batch_classes × batch_samples must be at most 4096"
        );
    }

    #[test]
    fn every_count_has_an_upper_bound() {
        let over = [
            (
                "[tsne]\niterations = 4000000000\n",
                "tsne.iterations must be in 10..=100000",
            ),
            (
                "[tsne]\nmax_points = 1000000\n",
                "tsne.max_points must be in 5..=50000",
            ),
            (
                "[tsne]\nperplexity = 1e300\n",
                "tsne.perplexity must be in 1..=10000",
            ),
            (
                "batch_classes = 5000\n",
                "batch_classes must be in 2..=2048",
            ),
            (
                "batch_samples = 5000\n",
                "batch_samples must be in 2..=2048",
            ),
            ("hidden_dim = 100000\n", "hidden_dim must be in 1..=4096"),
            (
                "embedding_dim = 5000\n",
                "embedding_dim must be in 2..=1024",
            ),
        ];
        for (text, message) in over {
            let e = parse_config(text).expect_err(text).to_string();
            assert_eq!(e, message, "{text}");
        }
        let e = parse_config("[data]\nkind = \"synthetic\"\nclasses = 5000\n")
            .expect_err("classes")
            .to_string();
        assert!(e.ends_with("classes must be in 2..=1000 (got 5000)"), "{e}");
        let rows = documented();
        assert!(
            rows.iter()
                .any(|(f, r)| *f == "tsne.iterations" && r == "in 10..=100000")
        );
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = parse_config("seed = 1\nhidden_dim = \"x\"\n").expect_err("type");
        assert!(e.to_string().starts_with("line 2: "), "{e}");
    }
}
