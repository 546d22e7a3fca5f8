//! The flags of `pairscope train` and the run configuration they make: the configuration file
//! (or a loaded model's configuration), then each flag on top, validated.

use std::path::PathBuf;

use super::failure::{Failure, bad};
use crate::data::SplitKind;
use crate::figures::{Format, Preset};
use crate::losses::{Loss, LossSpec, Miner};
use crate::training::config::read_config;
use crate::training::{BackendChoice, Checkpoint, TrainConfig};

/// Flags of `pairscope train` (flags override the configuration file).
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// A run configuration (TOML, as written by the app's Save session or by a previous run's
    /// config.toml). Unknown keys and out-of-range values are errors.
    #[arg(long, value_name = "RUN.toml")]
    pub config: Option<PathBuf>,
    /// Start from a saved model (a checkpoint from Save model or --save-model): its run
    /// configuration is the base (unless --config is given) and its weights are loaded; a model
    /// that does not fit the network is an error (status 2).
    #[arg(long, value_name = "MODEL.toml")]
    pub load_model: Option<PathBuf>,
    /// Write the trained model (the last good one if the run diverged) as a checkpoint.
    #[arg(long, value_name = "MODEL.toml")]
    pub save_model: Option<PathBuf>,
    /// Training steps (mini-batches).
    #[arg(long, value_name = "N")]
    pub steps: u64,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the initial weights, the split and the batch sampler.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Evaluate the held-out set every this many steps (and at step 0 and the last step).
    #[arg(long, value_name = "N")]
    pub eval_every: Option<u64>,
    /// Loss with default parameters: contrastive, triplet_margin, lifted_structure,
    /// generalized_lifted_structure, n_pairs, multi_similarity, circle, histogram,
    /// binomial_deviance.
    #[arg(long, value_name = "NAME")]
    pub loss: Option<String>,
    /// Miner with default parameters: multi_similarity, triplet_all, triplet_hard,
    /// triplet_semihard, batch_hard, pair_margin, distance_weighted, or none.
    #[arg(long, value_name = "NAME")]
    pub miner: Option<String>,
    /// Adam learning rate.
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// P: classes per batch.
    #[arg(long, value_name = "P")]
    pub batch_classes: Option<usize>,
    /// K: samples per class.
    #[arg(long, value_name = "K")]
    pub batch_samples: Option<usize>,
    /// Embedding dimension (2 or 3 draw the raw circle / sphere instead of a t-SNE).
    #[arg(long, value_name = "D")]
    pub embedding_dim: Option<usize>,
    /// Training backend: cpu (burn flex) or wgpu (burn-wgpu; falls back to cpu without an
    /// adapter, and says so).
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,
    /// Held-out split: classes (first half of the classes train, the rest are unseen) or
    /// samples (every class split 50/50).
    #[arg(long, value_enum)]
    pub split: Option<SplitArg>,
    /// A CSV file (one label column, numeric features; header optional) or an image folder
    /// (one sub-folder per class) instead of the bundled digits.
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Side of the square images of an image-folder --data (resized; default 16).
    #[arg(long, value_name = "N")]
    pub image_size: Option<usize>,
    /// Embedding network: mlp, or cnn (grey image data only).
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,
    /// The label column of --data, by header name or 0-based index (default: the column
    /// named "label", else the first).
    #[arg(long, value_name = "NAME|INDEX")]
    pub label_column: Option<String>,
    /// Also write the six step-through stage figures of the last batch (a slide series).
    #[arg(long)]
    pub stages: bool,
    /// Width of the figures in pixels (SVG: user units): 1600, or the preset's width; the
    /// height follows the figure's shape (or the preset's proportions).
    #[arg(long, value_name = "PX")]
    pub width: Option<u32>,
    /// Figure formats, comma-separated: png, svg, pdf (PDF: the SVG's vectors, text as text,
    /// the run's configuration and seed in the document information).
    #[arg(long, value_name = "LIST", default_value = "png,svg")]
    pub format: String,
    /// Figure size preset: paper (a 3.5 in × 2.625 in column figure at 300 dpi, 1050 × 788
    /// pixels, no text under 7 pt) or slide (1920 × 1080 pixels, 13.33 in × 7.5 in). --width
    /// overrides the preset's width (the proportions and the resolution stay).
    #[arg(long, value_name = "NAME")]
    pub figure_preset: Option<String>,
    /// Draw the run's configuration as a caption under every figure.
    #[arg(long)]
    pub caption: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Cpu,
    Wgpu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    Mlp,
    Cnn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SplitArg {
    Classes,
    Samples,
}

fn loss_by_name(name: &str) -> Result<Loss, Failure> {
    Loss::presets()
        .into_iter()
        .find(|l| l.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = Loss::presets().iter().map(Loss::name).collect();
            bad(format!(
                "--loss: unknown loss {name:?} (one of: {})",
                names.join(", ")
            ))
        })
}

fn miner_by_name(name: &str) -> Result<Option<Miner>, Failure> {
    if name == "none" {
        return Ok(None);
    }
    Miner::presets()
        .into_iter()
        .find(|m| m.name() == name)
        .map(Some)
        .ok_or_else(|| {
            let names: Vec<&str> = Miner::presets().iter().map(Miner::name).collect();
            bad(format!(
                "--miner: unknown miner {name:?} (one of: {}, none)",
                names.join(", ")
            ))
        })
}

/// The configuration after the file and the flags.
pub fn resolve_config(args: &TrainArgs) -> Result<TrainConfig, Failure> {
    let checkpoint = read_checkpoint(args)?;
    resolve_config_on(args, checkpoint.as_ref())
}

pub(super) fn read_checkpoint(args: &TrainArgs) -> Result<Option<Checkpoint>, Failure> {
    args.load_model
        .as_deref()
        .map(Checkpoint::read)
        .transpose()
        .map_err(|e| bad(format!("--load-model {e}")))
}

pub(super) fn resolve_config_on(
    args: &TrainArgs,
    checkpoint: Option<&Checkpoint>,
) -> Result<TrainConfig, Failure> {
    let mut config = match (&args.config, checkpoint) {
        (Some(path), _) => read_config(path).map_err(|e| bad(e.to_string()))?,
        (None, Some(c)) => c.config.clone(),
        (None, None) => TrainConfig::default(),
    };
    if let Some(v) = args.seed {
        config.seed = v;
    }
    if let Some(v) = args.eval_every {
        config.eval_every = v;
    }
    if let Some(v) = args.lr {
        config.learning_rate = v;
    }
    if let Some(v) = args.batch_classes {
        config.batch_classes = v;
    }
    if let Some(v) = args.batch_samples {
        config.batch_samples = v;
    }
    if let Some(v) = args.embedding_dim {
        config.embedding_dim = v;
    }
    if let Some(b) = args.backend {
        config.backend = match b {
            BackendArg::Cpu => BackendChoice::Cpu,
            BackendArg::Wgpu => BackendChoice::Wgpu,
        };
    }
    if let Some(s) = args.split {
        config.split = match s {
            SplitArg::Classes => SplitKind::Classes,
            SplitArg::Samples => SplitKind::Samples,
        };
    }
    if let Some(m) = args.model {
        config.model = match m {
            ModelArg::Mlp => crate::training::ModelKind::Mlp,
            ModelArg::Cnn => crate::training::ModelKind::Cnn,
        };
    }
    if let Some(path) = &args.data {
        config.data = crate::data::DataSource::from_path(
            path.clone(),
            args.label_column.clone(),
            args.image_size.unwrap_or(16),
        );
    } else if args.label_column.is_some() || args.image_size.is_some() {
        return Err(bad("--label-column and --image-size need --data"));
    }
    apply_loss_flags(args, &mut config)?;
    if args.steps == 0 {
        return Err(bad("--steps must be at least 1"));
    }
    config
        .validate()
        .map_err(|e| bad(format!("configuration: {e}")))?;
    Ok(config)
}

/// `--loss` and `--miner`: a loss given alone keeps the configuration's miner.
fn apply_loss_flags(args: &TrainArgs, config: &mut TrainConfig) -> Result<(), Failure> {
    match (&args.loss, &args.miner) {
        (Some(l), Some(m)) => {
            config.loss = LossSpec {
                loss: loss_by_name(l)?,
                miner: miner_by_name(m)?,
            }
        }
        (Some(l), None) => {
            config.loss = LossSpec {
                loss: loss_by_name(l)?,
                miner: config.loss.miner.clone(),
            }
        }
        (None, Some(m)) => config.loss.miner = miner_by_name(m)?,
        (None, None) => {}
    }
    Ok(())
}

/// How `pairscope train` writes its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureFiles {
    /// Each once, in the order given.
    pub formats: Vec<Format>,
    pub width: u32,
    pub preset: Option<Preset>,
}

impl TrainArgs {
    /// `--format`, `--figure-preset` and `--width`, checked (a bad one is a one-line failure,
    /// status 2, before anything is written).
    pub fn figure_files(&self) -> Result<FigureFiles, Failure> {
        let one_of = |names: Vec<&str>| names.join(", ");
        let mut formats = Vec::new();
        for name in self.format.split(',').map(str::trim) {
            let format = Format::from_name(name).ok_or_else(|| {
                bad(format!(
                    "--format: unknown format {name:?} (a comma-separated list of: {})",
                    one_of(Format::ALL.iter().map(|f| f.extension()).collect())
                ))
            })?;
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        let preset = self
            .figure_preset
            .as_deref()
            .map(|name| {
                Preset::from_name(name).ok_or_else(|| {
                    bad(format!(
                        "--figure-preset: unknown preset {name:?} (one of: {})",
                        one_of(Preset::ALL.iter().map(|p| p.name()).collect())
                    ))
                })
            })
            .transpose()?;
        let width = self
            .width
            .unwrap_or_else(|| preset.map_or(1600, Preset::width));
        if !(64..=8192).contains(&width) {
            return Err(bad("--width must be in 64..=8192"));
        }
        Ok(FigureFiles {
            formats,
            width,
            preset,
        })
    }
}
