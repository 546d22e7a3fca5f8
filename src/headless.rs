//! `pairscope train`: a run without a window. Reads a configuration (TOML) and flags, trains
//! on the CPU backend (or burn-wgpu when asked and available), evaluates the held-out set at
//! step 0, every `--eval-every` steps and at the last step, and writes `metrics.json`,
//! `config.toml` and every figure (PNG and SVG) to the output folder — each file atomically.
//!
//! Exit status: 0 success; 2 bad flags, files or values (one line on stderr); 3 the run
//! diverged (metrics.json still holds every step up to the last good one).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::data::SplitKind;
use crate::embedding::{TsneRequest, run_tsne};
use crate::figures::{self, Figure, FigureMeta, Format, build};
use crate::losses::{Loss, LossSpec, Miner};
use crate::metrics::Retrieval;
pub use crate::training::config::{config_toml, parse_config, read_config};
use crate::training::{
    BackendChoice, BatchSnapshot, Checkpoint, EvalPoint, StepStats, TrainConfig, TrainError,
    Trainer,
};

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
    /// Width of the PNG figures in pixels (SVG: user units); height follows the figure.
    #[arg(long, value_name = "PX", default_value_t = 1600)]
    pub width: u32,
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

/// A run's failure: its exit status and one line.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn bad(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

/// `metrics.json`.
#[derive(Debug, Serialize)]
pub struct MetricsFile {
    pub config: TrainConfig,
    pub backend: String,
    /// Training steps per second (evaluation, t-SNE and figures excluded).
    pub steps_per_second: f64,
    pub train: Vec<StepStats>,
    pub eval: Vec<EvalRow>,
    /// Set when the run stopped early (divergence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// One evaluation row of `metrics.json`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EvalRow {
    pub step: u64,
    pub recall_at_1: f64,
    pub recall_at_2: f64,
    pub recall_at_4: f64,
    pub recall_at_8: f64,
    pub map_at_r: f64,
    pub nmi: f64,
}

impl From<&EvalPoint> for EvalRow {
    fn from(e: &EvalPoint) -> Self {
        let m: &Retrieval = &e.metrics;
        Self {
            step: e.step,
            recall_at_1: m.recall_at_1,
            recall_at_2: m.recall_at_2,
            recall_at_4: m.recall_at_4,
            recall_at_8: m.recall_at_8,
            map_at_r: m.map_at_r,
            nmi: m.nmi,
        }
    }
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

fn read_checkpoint(args: &TrainArgs) -> Result<Option<Checkpoint>, Failure> {
    args.load_model
        .as_deref()
        .map(Checkpoint::read)
        .transpose()
        .map_err(|e| bad(format!("--load-model {e}")))
}

fn resolve_config_on(
    args: &TrainArgs,
    checkpoint: Option<&Checkpoint>,
) -> Result<TrainConfig, Failure> {
    let mut config = match (&args.config, checkpoint) {
        (Some(path), _) => read_config(path).map_err(bad)?,
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
    if args.steps == 0 {
        return Err(bad("--steps must be at least 1"));
    }
    config
        .validate()
        .map_err(|e| bad(format!("configuration: {e}")))?;
    Ok(config)
}

/// Runs `pairscope train`; prints the failure and returns its status. A panic anywhere in the
/// run is reported as one line too (exit status 2), never as a crash.
pub fn train(args: &TrainArgs) -> ExitCode {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| run(args)).unwrap_or_else(|p| {
        Err(bad(format!(
            "internal error: {}",
            crate::training::worker::panic_message(&*p)
        )))
    });
    std::panic::set_hook(previous);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("pairscope train: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    crate::io::write_atomic(path, bytes).map_err(|e| bad(format!("{}: {e}", path.display())))
}

/// Progress on a terminal (indicatif), plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    last_line: u64,
}

impl Progress {
    fn new(total: u64) -> Self {
        use std::io::IsTerminal as _;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} steps {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self {
            bar,
            total,
            last_line: 0,
        }
    }

    fn step(&mut self, step: u64, loss: f64) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(step);
                if step % 10 == 0 || step == self.total {
                    bar.set_message(format!("loss {loss:.4}"));
                }
            }
            None => {
                let tenth = (self.total / 10).max(1);
                if step / tenth > self.last_line || step == self.total {
                    self.last_line = step / tenth;
                    eprintln!("step {step}/{} loss {loss:.4}", self.total);
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

fn run(args: &TrainArgs) -> Result<(), Failure> {
    run_observed(args, &mut |_| {})
}

/// The run of `pairscope train`, calling `after_step` with the step count after every trained
/// batch (the soak test samples resident memory there).
pub fn run_observed(args: &TrainArgs, after_step: &mut dyn FnMut(u64)) -> Result<(), Failure> {
    let checkpoint = read_checkpoint(args)?;
    let config = resolve_config_on(args, checkpoint.as_ref())?;
    let (data, notes) = config.data.load().map_err(|e| bad(e.to_string()))?;
    for note in notes.0 {
        eprintln!("pairscope train: {note}");
    }
    if !(64..=8192).contains(&args.width) {
        return Err(bad("--width must be in 64..=8192"));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| bad(format!("{}: {e}", args.out.display())))?;
    let data = Arc::new(data);
    let backend = crate::training::select(config.backend);
    let mut trainer = Trainer::new(config.clone(), Arc::clone(&data), &backend)
        .map_err(|e| bad(e.to_string()))?;
    if let Some(c) = &checkpoint {
        trainer
            .load_checkpoint(c)
            .map_err(|e| bad(format!("--load-model: {e}")))?;
    }
    let first_step = trainer.step_count();
    let last_step = first_step + args.steps;
    let untrained = trainer.evaluate().map_err(|e| bad(e.to_string()))?;
    let raw = trainer.raw_baseline();
    let mut evals = vec![untrained];
    let mut history = Vec::with_capacity(args.steps as usize);
    let mut last: Option<BatchSnapshot> = None;
    let mut train_seconds = 0.0;
    let mut stopped = None;
    let mut progress = Progress::new(args.steps);
    for _ in 0..args.steps {
        let t = Instant::now();
        let result = trainer.step();
        train_seconds += t.elapsed().as_secs_f64();
        let batch = match result {
            Ok(b) => b,
            Err(e @ TrainError::Diverged { .. }) => {
                stopped = Some(e.to_string());
                break;
            }
            Err(e) => return Err(bad(e.to_string())),
        };
        history.push(StepStats {
            step: batch.step,
            loss: batch.loss,
            positive_pairs: batch.positive_pairs,
            negative_pairs: batch.negative_pairs,
        });
        progress.step(batch.step - first_step, batch.loss);
        let step = batch.step;
        last = Some(batch);
        after_step(step);
        if step % config.eval_every == 0 || step == last_step {
            match trainer.evaluate() {
                Ok(e) => evals.push(e),
                Err(e @ TrainError::Diverged { .. }) => {
                    // The update of this step broke the model: back to the one before it, and
                    // metrics.json ends at that step.
                    if let Some(kept) = trainer.roll_back() {
                        history.retain(|h| h.step <= kept);
                    }
                    stopped = Some(e.to_string());
                    break;
                }
                Err(e) => return Err(bad(e.to_string())),
            }
        }
    }
    progress.finish();
    let metrics = MetricsFile {
        config: trainer.config().clone(),
        backend: format!("{} ({})", backend.name, backend.reason),
        steps_per_second: if train_seconds > 0.0 {
            history.len() as f64 / train_seconds
        } else {
            0.0
        },
        train: history.clone(),
        eval: evals.iter().map(EvalRow::from).collect(),
        stopped: stopped.clone(),
    };
    let json = serde_json::to_vec_pretty(&metrics).map_err(|e| bad(e.to_string()))?;
    write(&args.out.join("metrics.json"), &json)?;
    let toml_text = config_toml(trainer.config()).map_err(bad)?;
    write(&args.out.join("config.toml"), toml_text.as_bytes())?;
    if let Some(path) = &args.save_model {
        // After a divergence this is the last good model (the trainer kept it).
        let checkpoint = trainer.checkpoint().map_err(|e| bad(e.to_string()))?;
        checkpoint
            .write(path)
            .map_err(|e| bad(format!("--save-model {e}")))?;
    }
    if let Some(reason) = stopped {
        return Err(Failure {
            code: 3,
            message: format!("{reason}; metrics.json holds the run up to the last good step"),
        });
    }
    let meta = |title: &str| FigureMeta {
        title: title.to_owned(),
        caption: args.caption.then(|| {
            format!(
                "pairscope · {} · seed {} · lr {} · batch {}×{} · step {}",
                trainer.config().loss.label(),
                trainer.config().seed,
                trainer.config().learning_rate,
                trainer.config().batch_classes,
                trainer.config().batch_samples,
                trainer.step_count()
            )
        }),
        config: toml_text.clone(),
        seed: trainer.config().seed,
    };
    let mut figs: Vec<(String, Figure, String, u32)> = Vec::new();
    let w = args.width;
    let square = w * 3 / 4;
    let wide = w * 9 / 16;
    figs.push((
        "loss".into(),
        build::loss_curve(&history),
        "Training loss".into(),
        wide,
    ));
    figs.push((
        "metrics".into(),
        build::metrics_curve(
            &evals,
            (first_step == 0).then_some(&untrained.metrics),
            Some(&raw),
        ),
        "Held-out retrieval".into(),
        wide,
    ));
    let d = trainer.config().embedding_dim;
    let (emb, labels) = trainer.embed_held_out().map_err(|e| bad(e.to_string()))?;
    if d <= 3 {
        figs.push((
            "embedding".into(),
            build::raw_embedding(&emb, d, &labels, &data.class_names),
            format!("Held-out embeddings (raw, d = {d})"),
            square,
        ));
    } else {
        let request = TsneRequest {
            step: trainer.step_count(),
            points: emb,
            d,
            labels,
            rows: trainer.split().held_out.clone(),
            settings: trainer.config().tsne,
        };
        let title = format!("t-SNE of held-out embeddings (step {})", request.step);
        let fig = match run_tsne(&request) {
            Ok(layout) => build::tsne(&layout, &data.class_names),
            // Collapsed embeddings can defeat t-SNE: say so in the figure, keep the run.
            Err(e) => Figure::Text {
                lines: vec![format!("no layout: {e}")],
            },
        };
        figs.push(("tsne".into(), fig, title, square));
    }
    if let Some(batch) = &last {
        let s = batch.step;
        figs.push((
            "similarity".into(),
            build::similarity(batch),
            format!("Similarity, batch of step {s}"),
            square,
        ));
        figs.push((
            "mining".into(),
            build::mining(batch),
            format!("Mined pairs, batch of step {s}"),
            square,
        ));
        figs.push((
            "weights".into(),
            build::weights(batch),
            format!("Pair weights, batch of step {s}"),
            square,
        ));
        figs.push((
            "w_vs_s".into(),
            build::w_vs_s(batch),
            format!("w against S, batch of step {s}"),
            wide,
        ));
        let json = serde_json::to_vec(&build::batch_json(batch)).map_err(|e| bad(e.to_string()))?;
        write(&args.out.join("batch.json"), &json)?;
        if args.stages {
            if let Some(f) = build::samples(batch, &data) {
                figs.push((
                    "stage1_sample".into(),
                    f,
                    "Stage 1 of 6: sample".into(),
                    wide,
                ));
            } else {
                figs.push((
                    "stage1_sample".into(),
                    Figure::Text {
                        lines: vec![format!(
                            "{} samples of {} classes (feature vectors, no images)",
                            batch.m(),
                            data.num_classes()
                        )],
                    },
                    "Stage 1 of 6: sample".into(),
                    wide,
                ));
            }
            figs.push((
                "stage2_similarity".into(),
                build::similarity(batch),
                "Stage 2 of 6: similarity".into(),
                square,
            ));
            figs.push((
                "stage3_mining".into(),
                build::mining(batch),
                "Stage 3 of 6: mining".into(),
                square,
            ));
            figs.push((
                "stage4_weighting".into(),
                build::w_vs_s(batch),
                "Stage 4 of 6: weighting".into(),
                wide,
            ));
            figs.push((
                "stage5_loss".into(),
                build::loss_text(batch),
                "Stage 5 of 6: loss".into(),
                wide,
            ));
            if let Some(f) = build::delta_similarity(batch) {
                figs.push((
                    "stage6_update".into(),
                    f,
                    "Stage 6 of 6: update (ΔS)".into(),
                    square,
                ));
            }
        }
    }
    for (name, fig, title, height) in &figs {
        for format in [Format::Png, Format::Svg] {
            let path = args.out.join(format!("{name}.{}", format.extension()));
            figures::save(fig, &meta(title), &path, format, w, *height)
                .map_err(|e| bad(e.to_string()))?;
        }
    }
    eprintln!(
        "pairscope train: {} steps at {:.0} steps/s on {}; wrote {} figures (PNG + SVG), metrics.json, config.toml to {}",
        metrics.train.len(),
        metrics.steps_per_second,
        backend.name,
        figs.len(),
        args.out.display()
    );
    Ok(())
}
