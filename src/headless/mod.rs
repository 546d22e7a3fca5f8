//! `pairscope train`: a run without a window. Reads a configuration (TOML) and flags, trains
//! on the CPU backend (or burn-wgpu when asked and available), evaluates the held-out set at
//! step 0, every `--eval-every` steps and at the last step, and writes `metrics.json`,
//! `config.toml`, `batch.json` and every figure of the catalogue's run set (PNG and SVG, or the
//! `--format`s asked for, at `--width` or a `--figure-preset`'s size) to the
//! output folder — each file atomically.
//!
//! Exit status: 0 success; 2 bad flags, files or values (one line on stderr); 3 the run
//! diverged (metrics.json still holds every step up to the last good one).
//!
//! The run, phase by phase ([`run_observed`]):
//! 1. `prepare`: configuration (file, model, flags), data, output folder, trainer, baselines;
//! 2. `train_steps`: training, with evaluation and roll-back of a diverged update;
//! 3. `write_record`: metrics.json, config.toml and `--save-model` (also after a divergence);
//! 4. `figure_data`: the held-out embeddings (raw, or a t-SNE layout) and the last batch;
//! 5. `write_figures`: batch.json and the figures, through `figures::export` like the window's
//!    Export….
//!
//! `pairscope embed` (`embed.rs`) lays out any CSV with the window's t-SNE or PCA.
//! `pairscope lesson` (`lesson.rs`) lists the course and checks a lesson's claim by running it
//! (`crate::lessons`).

mod args;
mod embed;
mod failure;
mod lesson;
mod progress;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

pub use self::args::{BackendArg, FigureFiles, ModelArg, SplitArg, TrainArgs, resolve_config};
use self::args::{read_checkpoint, resolve_config_on};
pub use self::embed::{EmbedArgs, EmbedMethod, embed};
pub use self::failure::Failure;
use self::failure::bad;
pub use self::lesson::{LessonArgs, lesson};
use self::progress::Progress;
use crate::data::Dataset;
use crate::figures::{
    self, EmbeddingData, ExportFile, ExportRequest, FigureId, RawEmbedding, RunData, Set, build,
};
use crate::metrics::Retrieval;
use crate::training::config::config_toml;
use crate::training::{
    Backend, BatchSnapshot, EvalPoint, LossPoint, Monitor, StepStats, TrainConfig, TrainError,
    Trainer, Warning,
};

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
    /// Pathology warnings (`training::warnings`), each kind once per episode, in step order.
    pub warnings: Vec<Warning>,
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

fn run(args: &TrainArgs) -> Result<(), Failure> {
    run_observed(args, &mut |_| {})
}

/// The run of `pairscope train`, calling `after_step` with the step count after every trained
/// batch (the soak test samples resident memory there).
pub fn run_observed(args: &TrainArgs, after_step: &mut dyn FnMut(u64)) -> Result<(), Failure> {
    let mut run = prepare(args)?;
    let trained = train_steps(&mut run, args.steps, after_step)?;
    for w in &trained.warnings {
        eprintln!("pairscope train: warning: {}", w.message);
    }
    let metrics = write_record(args, &run, &trained)?;
    if let Some(reason) = &trained.stopped {
        return Err(Failure {
            code: 3,
            message: format!("{reason}; metrics.json holds the run up to the last good step"),
        });
    }
    let figures = write_figures(args, figure_data(&run, trained)?)?;
    let formats: Vec<String> = args
        .figure_files()?
        .formats
        .iter()
        .map(|f| f.extension().to_uppercase())
        .collect();
    eprintln!(
        "pairscope train: {} steps at {:.0} steps/s on {}; wrote {figures} figures ({}), metrics.json, config.toml to {}",
        metrics.train.len(),
        metrics.steps_per_second,
        run.backend.info,
        formats.join(" + "),
        args.out.display()
    );
    Ok(())
}

/// What phase 1 sets up: the run before its first step.
struct Prepared {
    /// The configuration from the file and the flags (the trainer's may come from a model).
    config: TrainConfig,
    data: Arc<Dataset>,
    backend: Backend,
    trainer: Trainer,
    /// The step the run starts at (0, or a loaded model's).
    first_step: u64,
    untrained: EvalPoint,
    raw: Retrieval,
}

/// Phase 1: the configuration, the data, the output folder, the trainer (with a loaded model)
/// and the baselines (the network before training, the raw inputs). Every failure exits 2
/// before anything is written.
fn prepare(args: &TrainArgs) -> Result<Prepared, Failure> {
    let checkpoint = read_checkpoint(args)?;
    let config = resolve_config_on(args, checkpoint.as_ref())?;
    let (data, notes) = config.data.load().map_err(|e| bad(e.to_string()))?;
    for note in notes.0 {
        eprintln!("pairscope train: {note}");
    }
    // --format, --figure-preset and --width: checked before anything is written.
    args.figure_files()?;
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
    let untrained = trainer.evaluate().map_err(|e| bad(e.to_string()))?;
    Ok(Prepared {
        first_step: trainer.step_count(),
        raw: trainer.raw_baseline(),
        config,
        data,
        backend,
        trainer,
        untrained,
    })
}

/// What phase 2 records.
struct Trained {
    history: Vec<StepStats>,
    /// Every evaluation, the untrained one first.
    evals: Vec<EvalPoint>,
    last: Option<BatchSnapshot>,
    /// Time in training steps only (evaluation excluded).
    train_seconds: f64,
    /// Why the run stopped early (a divergence).
    stopped: Option<String>,
    monitor: Monitor,
    warnings: Vec<Warning>,
}

/// Phase 2: `steps` training steps, evaluating every `eval_every` steps and at the last one;
/// stops at a divergence.
fn train_steps(
    run: &mut Prepared,
    steps: u64,
    after_step: &mut dyn FnMut(u64),
) -> Result<Trained, Failure> {
    let mut trained = Trained {
        history: Vec::with_capacity(steps as usize),
        evals: vec![run.untrained],
        last: None,
        train_seconds: 0.0,
        stopped: None,
        monitor: Monitor::new(),
        warnings: Vec::new(),
    };
    // The first evaluation is the first "best" the overfitting check compares with.
    let first = trained.monitor.observe_eval(&run.untrained);
    trained.warnings.extend(first);
    let last_step = run.first_step + steps;
    let mut progress = Progress::new(steps);
    for _ in 0..steps {
        let Some(batch) = trained.step(&mut run.trainer)? else {
            break;
        };
        progress.step(batch.step - run.first_step, batch.loss);
        let step = batch.step;
        trained.last = Some(batch);
        after_step(step);
        let due = step % run.config.eval_every == 0 || step == last_step;
        if due && !trained.evaluate(&mut run.trainer)? {
            break;
        }
    }
    progress.finish();
    Ok(trained)
}

impl Trained {
    /// One timed training step; `None` when it diverged (the reason is kept in `stopped`).
    fn step(&mut self, trainer: &mut Trainer) -> Result<Option<BatchSnapshot>, Failure> {
        let t = Instant::now();
        let result = trainer.step();
        self.train_seconds += t.elapsed().as_secs_f64();
        match result {
            Ok(batch) => {
                self.history.push(StepStats {
                    step: batch.step,
                    loss: batch.loss,
                    positive_pairs: batch.positive_pairs,
                    negative_pairs: batch.negative_pairs,
                });
                let warnings = self.monitor.observe_batch(&batch);
                self.warnings.extend(warnings);
                Ok(Some(batch))
            }
            Err(e @ TrainError::Diverged { .. }) => {
                self.warnings.extend(self.monitor.observe_divergence(&e));
                self.stopped = Some(e.to_string());
                Ok(None)
            }
            Err(e) => Err(bad(e.to_string())),
        }
    }

    /// Evaluates the held-out set; `false` when the embeddings diverged.
    fn evaluate(&mut self, trainer: &mut Trainer) -> Result<bool, Failure> {
        match trainer.evaluate() {
            Ok(e) => {
                self.warnings.extend(self.monitor.observe_eval(&e));
                self.evals.push(e);
                Ok(true)
            }
            Err(e @ TrainError::Diverged { .. }) => {
                // The update of this step broke the model: back to the one before it, and
                // metrics.json ends at that step.
                if let Some(kept) = trainer.roll_back() {
                    self.history.retain(|h| h.step <= kept);
                }
                self.warnings.extend(self.monitor.observe_divergence(&e));
                self.stopped = Some(e.to_string());
                Ok(false)
            }
            Err(e) => Err(bad(e.to_string())),
        }
    }
}

/// Phase 3: metrics.json, config.toml and the model (`--save-model`) — after a divergence
/// too: then they hold the run up to the last good step.
fn write_record(
    args: &TrainArgs,
    run: &Prepared,
    trained: &Trained,
) -> Result<MetricsFile, Failure> {
    let metrics = MetricsFile {
        config: run.trainer.config().clone(),
        backend: format!("{} ({})", run.backend.info.name, run.backend.info.reason),
        steps_per_second: if trained.train_seconds > 0.0 {
            trained.history.len() as f64 / trained.train_seconds
        } else {
            0.0
        },
        train: trained.history.clone(),
        eval: trained.evals.iter().map(EvalRow::from).collect(),
        stopped: trained.stopped.clone(),
        warnings: trained.warnings.clone(),
    };
    let json = serde_json::to_vec_pretty(&metrics).map_err(|e| bad(e.to_string()))?;
    write(&args.out.join("metrics.json"), &json)?;
    let toml_text = config_toml(run.trainer.config()).map_err(|e| bad(e.to_string()))?;
    write(&args.out.join("config.toml"), toml_text.as_bytes())?;
    if let Some(path) = &args.save_model {
        // After a divergence this is the last good model (the trainer kept it).
        let checkpoint = run.trainer.checkpoint().map_err(|e| bad(e.to_string()))?;
        checkpoint
            .write(path)
            .map_err(|e| bad(format!("--save-model {e}")))?;
    }
    Ok(metrics)
}

/// Phase 4: what the figures show — the curves, the last batch, and the held-out embeddings
/// of the trained network (raw for dimension 2 or 3, else a t-SNE layout).
fn figure_data(run: &Prepared, trained: Trained) -> Result<RunData, Failure> {
    let trainer = &run.trainer;
    let mut data = RunData::new(trainer.config().clone(), Arc::clone(&run.data));
    data.step = trainer.step_count();
    data.untrained = (run.first_step == 0).then_some(run.untrained.metrics);
    data.raw_baseline = Some(run.raw);
    data.embedding = Some(held_out_embedding(trainer)?);
    data.batch = trained.last.map(Arc::new);
    // Every step as its own point: a headless run is finite and its CSV has every step.
    data.history = trained.history.into_iter().map(LossPoint::from).collect();
    data.evals = trained.evals;
    Ok(data)
}

/// The held-out embeddings as the embedding figure draws them (as `pairscope train` does).
fn held_out_embedding(trainer: &Trainer) -> Result<EmbeddingData, Failure> {
    let (embeddings, labels) = trainer.embed_held_out().map_err(|e| bad(e.to_string()))?;
    let raw = RawEmbedding {
        step: trainer.step_count(),
        d: trainer.config().embedding_dim,
        rows: trainer.split().held_out.clone(),
        labels,
        embeddings,
    };
    Ok(EmbeddingData::of_held_out(raw, trainer.config().tsne))
}

/// Phase 5: batch.json, then every figure of the catalogue's run set (and the stages with
/// `--stages`) that the run has data for, in each `--format`. Returns the number of figures.
fn write_figures(args: &TrainArgs, run: RunData) -> Result<usize, Failure> {
    let files = args.figure_files()?;
    if let Some(batch) = &run.batch {
        let json = serde_json::to_vec(&build::batch_json(batch)).map_err(|e| bad(e.to_string()))?;
        write(&args.out.join("batch.json"), &json)?;
    }
    let run = Arc::new(run);
    let wanted = |set: Set| set == Set::Run || (args.stages && set == Set::Stages);
    let ids: Vec<FigureId> = FigureId::ALL
        .into_iter()
        .filter(|id| wanted(id.entry().set) && id.available(&run))
        .collect();
    for &figure in &ids {
        for &format in &files.formats {
            let path = args
                .out
                .join(format!("{}.{}", figure.name(), format.extension()));
            let file = ExportFile::Figure {
                format,
                width: files.width,
                caption: args.caption,
                preset: files.preset,
            };
            figures::export(ExportRequest {
                figure,
                file,
                run: Arc::clone(&run),
                path,
            })
            .map_err(|e| bad(e.to_string()))?;
        }
    }
    Ok(ids.len())
}
