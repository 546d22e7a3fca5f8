//! One training run, step by step: sample a P×K batch, embed it, let the loss engine mine and
//! weight its pairs, and train on the surrogate `Σ_ij G_ij · S_ij` with `G = ∂L/∂S` held
//! constant — the GPW identity, so the weights shown are exactly the ones that train the model.
//! Used by the worker thread, by headless runs and by tests; it never names egui.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use burn::tensor::{Device, Tensor, TensorData};
use thiserror::Error;

use super::backend::Backend;
use super::checkpoint::Checkpoint;
use super::config::TrainConfig;
use super::model::{EmbeddingNet, cosine_similarity, l2_normalize};
use crate::data::{Dataset, PkSampler, Split};
use crate::gpu::colormap::mining_codes;
use crate::losses::{self, Loss, LossError, LossSpec, Miner, MiningRule};
use crate::metrics::{Retrieval, normalize_rows};

#[derive(Debug, Error)]
pub enum TrainError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("loss: {0}")]
    Loss(#[from] LossError),
    #[error("{0}")]
    Checkpoint(String),
    #[error("tensor read-back failed: {0}")]
    Readback(String),
    /// `step` is the step that failed; the model is the one after `step - 1`.
    #[error(
        "training diverged at step {step}: {what} is not finite (likely cause: {cause}); \
         the model of step {kept} is kept",
        kept = step.saturating_sub(1)
    )]
    Diverged {
        step: u64,
        what: &'static str,
        cause: String,
    },
}

static NEXT_BATCH_ID: AtomicU64 = AtomicU64::new(1);

/// Everything the UI shows about one trained batch (taken before the update).
///
/// # Shapes
/// `embeddings`: `[m, d]` unit rows; `similarity`, `weights`, `mining`: `[m, m]` row-major.
#[derive(Debug, Clone)]
pub struct BatchSnapshot {
    /// Unique in the process (steps restart at 1 after a Reset; views key their caches on this).
    pub id: u64,
    /// Steps completed *after* this batch (1 for the first batch).
    pub step: u64,
    pub rows: Vec<usize>,
    pub labels: Vec<u32>,
    pub embeddings: Vec<f32>,
    pub d: usize,
    pub similarity: Vec<f32>,
    /// `G = ∂L/∂S` (signed).
    pub weights: Vec<f32>,
    /// [`crate::gpu::MiningCode`] of each cell, as f32 (the shader's categorical input).
    pub mining: Vec<f32>,
    pub loss: f64,
    pub positive_pairs: usize,
    pub negative_pairs: usize,
    pub loss_name: String,
    /// The loss specification that produced `weights` (the GPU pipeline re-derives them).
    pub spec: LossSpec,
    /// Unreduced per-pair loss term, for losses that have one.
    pub pair_loss: Option<Vec<f32>>,
    /// `[m, d]` embeddings of the same rows right after the update (batches up to
    /// [`AFTER_MAX_M`]).
    pub after_embeddings: Option<Vec<f32>>,
    /// This batch repeats the previous one (freeze).
    pub frozen: bool,
    /// The learning rate of the update.
    pub learning_rate: f64,
}

/// Largest batch whose after-update embeddings are recorded.
pub const AFTER_MAX_M: usize = 1024;

impl BatchSnapshot {
    pub fn m(&self) -> usize {
        self.labels.len()
    }

    /// Largest |w| in the batch (the weight colour scale).
    pub fn max_weight(&self) -> f32 {
        self.weights.iter().fold(0.0_f32, |a, w| a.max(w.abs()))
    }

    /// Largest per-pair loss (0 when the loss has no per-pair term).
    pub fn max_pair_loss(&self) -> f32 {
        self.pair_loss
            .as_ref()
            .map_or(0.0, |l| l.iter().fold(0.0_f32, |a, &v| a.max(v)))
    }
}

/// Per-step numbers for the curves.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct StepStats {
    pub step: u64,
    pub loss: f64,
    pub positive_pairs: usize,
    pub negative_pairs: usize,
}

/// Held-out metrics at one step.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EvalPoint {
    pub step: u64,
    pub metrics: Retrieval,
}

/// The state of one run.
pub struct Trainer {
    config: TrainConfig,
    data: Arc<Dataset>,
    split: Split,
    sampler: PkSampler,
    device: Device,
    model: EmbeddingNet,
    optim: ModuleOptimizer,
    step: u64,
    /// Rows of the last batch, and how many more steps repeat them (freeze).
    last_rows: Option<Vec<usize>>,
    frozen_left: u32,
    /// The model before the last accepted update and its step, for [`Trainer::roll_back`].
    previous: Option<(EmbeddingNet, u64)>,
}

/// Where a run can be resumed on another device: the model (host memory, burn record) and
/// the batch sequence position, taken by [`Trainer::resume_point`].
#[derive(Debug, Clone)]
pub struct ResumePoint {
    pub checkpoint: Checkpoint,
    sampler: PkSampler,
    last_rows: Option<Vec<usize>>,
    frozen_left: u32,
}

impl Trainer {
    pub fn new(
        config: TrainConfig,
        data: Arc<Dataset>,
        backend: &Backend,
    ) -> Result<Self, TrainError> {
        let mut config = config;
        config.loss = with_embedding_dim(config.loss, config.embedding_dim);
        config.validate().map_err(TrainError::Config)?;
        let split = Split::with_train_classes(
            &data,
            config.split,
            config.seed,
            config.train_classes.as_deref(),
        );
        if config.model == super::config::ModelKind::Cnn && data.image_shape.is_none() {
            return Err(TrainError::Config(
                "the CNN needs grey image data (the digits or an image folder)".into(),
            ));
        }
        if split.train.is_empty() || split.held_out.is_empty() {
            return Err(TrainError::Config(
                "the split leaves no training or no held-out data".into(),
            ));
        }
        let sampler = PkSampler::new(
            &data,
            &split.train,
            config.batch_classes,
            config.batch_samples,
            config.seed,
        );
        let device = backend.device.clone().autodiff();
        let model = match (config.model, data.image_shape) {
            (super::config::ModelKind::Cnn, Some((w, h))) => EmbeddingNet::cnn(
                (h, w),
                config.hidden_dim,
                config.embedding_dim,
                config.seed,
                &device,
            ),
            _ => EmbeddingNet::new(
                data.dim,
                config.hidden_dim,
                config.embedding_dim,
                config.seed,
                &device,
            ),
        };
        Ok(Self {
            optim: adam(),
            config,
            data,
            split,
            sampler,
            device,
            model,
            step: 0,
            last_rows: None,
            frozen_left: 0,
            previous: None,
        })
    }

    /// The next `k` steps repeat the last batch (watch one batch being pulled and pushed);
    /// before any batch, the first batch is then repeated. `0` unfreezes.
    pub fn freeze(&mut self, k: u32) {
        self.frozen_left = k;
    }

    pub fn frozen_left(&self) -> u32 {
        self.frozen_left
    }

    /// A copy of this run — same weights, same step, the same batches to come — with a fresh
    /// Adam state and `loss`: the two sides of the compare mode start from such forks.
    pub fn fork(&self, loss: LossSpec) -> Result<Trainer, TrainError> {
        let mut config = self.config.clone();
        config.loss = with_embedding_dim(loss, config.embedding_dim);
        config.validate().map_err(TrainError::Config)?;
        Ok(Self {
            optim: adam(),
            config,
            data: Arc::clone(&self.data),
            split: self.split.clone(),
            sampler: self.sampler.clone(),
            device: self.device.clone(),
            model: self.model.clone(),
            step: self.step,
            last_rows: self.last_rows.clone(),
            frozen_left: self.frozen_left,
            previous: None,
        })
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn split(&self) -> &Split {
        &self.split
    }

    pub fn data(&self) -> &Arc<Dataset> {
        &self.data
    }

    /// Changes the loss between two batches (no reset).
    pub fn set_loss(&mut self, loss: LossSpec) -> Result<(), TrainError> {
        let loss = with_embedding_dim(loss, self.config.embedding_dim);
        loss.validate()?;
        self.config.loss = loss;
        Ok(())
    }

    pub fn set_learning_rate(&mut self, lr: f64) -> Result<(), TrainError> {
        if !super::config::valid_learning_rate(lr) {
            return Err(TrainError::Config(
                "learning rate must be a positive number".into(),
            ));
        }
        self.config.learning_rate = lr;
        Ok(())
    }

    /// Trains one mini-batch and returns what it looked like before the update. On an error
    /// nothing changes: the model, Adam, the step count and the batch to come are those from
    /// before the call (Adam restarts after a divergence), so a retry trains the same batch.
    pub fn step(&mut self) -> Result<BatchSnapshot, TrainError> {
        let sampler = self.sampler.clone();
        let last_rows = self.last_rows.clone();
        let frozen_left = self.frozen_left;
        let result = self.step_inner();
        if result.is_err() {
            self.sampler = sampler;
            self.last_rows = last_rows;
            self.frozen_left = frozen_left;
        }
        result
    }

    fn step_inner(&mut self) -> Result<BatchSnapshot, TrainError> {
        let (rows, frozen) = match (&self.last_rows, self.frozen_left) {
            (Some(rows), left) if left > 0 => {
                self.frozen_left -= 1;
                (rows.clone(), true)
            }
            _ => (self.sampler.next_batch().rows, false),
        };
        self.last_rows = Some(rows.clone());
        let labels = self.data.gather_labels(&rows);
        let m = rows.len();
        let d = self.config.embedding_dim;

        let x = rows_tensor(&self.data, &rows, &self.device);
        let raw = self.model.forward(x); // [m, d]
        // A norm that overflows f32 normalises to zeros, not NaN: catch it here.
        let sq_norms = read(raw.clone().detach().square().sum_dim(1))?;
        if sq_norms.iter().any(|v| !v.is_finite()) {
            return Err(self.diverged("an embedding's norm", None));
        }
        let z = l2_normalize(raw); // [m, d]
        let s = cosine_similarity(z.clone()); // [m, m]
        let emb = read(z.clone().detach())?;
        let sim = read(s.clone().detach())?;
        if emb.iter().any(|v| !v.is_finite()) {
            return Err(self.diverged("an embedding", None));
        }

        let sim64: Vec<f64> = sim.iter().map(|&v| f64::from(v)).collect();
        let labels64: Vec<i64> = labels.iter().map(|&y| i64::from(y)).collect();
        let out = losses::evaluate(&self.config.loss, &sim64, &labels64)?;
        // `f64::max` skips NaN: test finiteness on its own, keep the maximum for the message.
        let max_w = out.weights.iter().fold(0.0_f64, |a, w| a.max(w.abs()));
        let weights_finite = out.weights.iter().all(|w| w.is_finite());
        if !out.loss.is_finite() || !weights_finite {
            let what = if out.loss.is_finite() {
                "a pair weight"
            } else {
                "the loss"
            };
            let shown = if weights_finite { max_w } else { f64::INFINITY };
            return Err(self.diverged(what, Some(shown)));
        }
        let g: Vec<f32> = out.weights.iter().map(|&w| w as f32).collect();

        // Surrogate Σ G·S: G is a constant (no autodiff), so ∂/∂θ equals ∂L/∂θ.
        let g_const = Tensor::<2>::from_data(
            TensorData::new(g.clone(), [m, m]),
            &self.device.clone().without_autodiff(),
        );
        let surrogate = (s * g_const).sum();
        let grads = GradientsParams::from_grads(surrogate.backward(), &self.model);
        // Cloning a module only clones tensor handles; the parameter ids stay the same. The
        // model before the update is kept until the update is known to be good.
        // The updated model is only adopted once it is known to be good.
        let updated = self
            .optim
            .step(self.config.learning_rate, self.model.clone(), grads);
        // The same samples after the update: the "update" stage shows how S moved, and a
        // norm that overflows here means the update broke the model.
        let after_raw = match embed_rows(&updated, &self.data, &rows, &self.device, false) {
            Ok(v) => v,
            Err(e) => {
                self.optim = adam();
                return Err(e);
            }
        };
        let what = if !updated.params_finite() {
            Some("a model weight after the update")
        } else if after_raw
            .chunks(d)
            .any(|r| !r.iter().map(|v| v * v).sum::<f32>().is_finite())
        {
            Some("an embedding's norm after the update")
        } else {
            None
        };
        if let Some(what) = what {
            // Keep the last good model; Adam's moments may hold the blow-up, so they restart.
            self.optim = adam();
            return Err(self.diverged(what, Some(max_w)));
        }
        let before = std::mem::replace(&mut self.model, updated);
        self.previous = Some((before, self.step));
        self.step += 1;
        let after_embeddings = (m <= AFTER_MAX_M).then(|| unit_rows(after_raw, d));

        Ok(BatchSnapshot {
            after_embeddings,
            frozen,
            learning_rate: self.config.learning_rate,
            id: NEXT_BATCH_ID.fetch_add(1, Ordering::Relaxed),
            step: self.step,
            mining: mining_codes(&out, &labels),
            positive_pairs: out.positive_pairs.len(),
            negative_pairs: out.negative_pairs.len(),
            loss: out.loss,
            loss_name: self.config.loss.describe(),
            spec: self.config.loss.clone(),
            pair_loss: out
                .per_pair_loss
                .as_ref()
                .map(|l| l.iter().map(|&v| v as f32).collect()),
            rows,
            labels,
            embeddings: emb,
            d,
            similarity: sim,
            weights: g,
        })
    }

    /// The current model as a checkpoint (burn's module record, burnpack bytes).
    pub fn checkpoint(&self) -> Result<Checkpoint, TrainError> {
        let bytes =
            self.model.valid().into_record().into_bytes().map_err(|e| {
                TrainError::Checkpoint(format!("the model could not be recorded: {e}"))
            })?;
        Ok(Checkpoint {
            config: self.config.clone(),
            step: self.step,
            model: bytes.to_vec(),
        })
    }

    /// Replaces the model with a checkpoint's and continues from its step (with a fresh Adam
    /// state). A record of another network shape is refused with burn's own account of the
    /// mismatch, and the current model stays.
    pub fn load_checkpoint(&mut self, checkpoint: &Checkpoint) -> Result<(), TrainError> {
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(checkpoint.model.clone()))
            .map_err(|e| {
                TrainError::Checkpoint(format!("the checkpoint's model cannot be read: {e}"))
            })?;
        let (d_in, hidden, d_out) = self.model.dims();
        let model = self.model.clone().try_load_record(record).map_err(|e| {
            TrainError::Checkpoint(format!(
                "the checkpoint's model does not fit this run's network ({} {d_in} -> {hidden} -> \
                 {d_out}): {e}",
                match self.config.model {
                    super::config::ModelKind::Mlp => "MLP",
                    super::config::ModelKind::Cnn => "CNN",
                }
            ))
        })?;
        if !model.params_finite() {
            return Err(TrainError::Checkpoint(
                "the checkpoint's model has weights that are not finite".into(),
            ));
        }
        self.model = model;
        self.step = checkpoint.step;
        self.previous = None;
        self.optim = adam();
        Ok(())
    }

    /// The divergence error for the step being trained, with the likely cause.
    fn diverged(&self, what: &'static str, max_weight: Option<f64>) -> TrainError {
        TrainError::Diverged {
            step: self.step + 1,
            what,
            cause: likely_cause(self.config.learning_rate, max_weight),
        }
    }

    /// Unit embeddings of dataset rows under the current model (no autodiff).
    ///
    /// # Shapes
    /// → `[rows.len(), embedding_dim]`.
    pub fn embed(&self, rows: &[usize]) -> Result<Vec<f32>, TrainError> {
        embed_rows(&self.model, &self.data, rows, &self.device, true)
    }

    /// Goes back to the model before the last update (when the held-out set shows that the
    /// update broke it): the step count goes back one and Adam restarts. Returns the step now
    /// current, or `None` when there is no earlier model (nothing changes then).
    pub fn roll_back(&mut self) -> Option<u64> {
        let (model, step) = self.previous.take()?;
        self.model = model;
        self.step = step;
        self.optim = adam();
        Some(step)
    }

    /// The model (copied to host memory) and the batch position: enough to continue this run
    /// on another device with [`Trainer::resume_on`].
    pub fn resume_point(&self) -> Result<ResumePoint, TrainError> {
        Ok(ResumePoint {
            checkpoint: self.checkpoint()?,
            sampler: self.sampler.clone(),
            last_rows: self.last_rows.clone(),
            frozen_left: self.frozen_left,
        })
    }

    /// A trainer on `backend` that continues from `point` with the current configuration
    /// (loss and learning rate as set now): the same batches follow; Adam restarts.
    pub fn resume_on(&self, backend: &Backend, point: &ResumePoint) -> Result<Trainer, TrainError> {
        let mut config = self.config.clone();
        config.backend = if backend.is_wgpu {
            super::config::BackendChoice::Wgpu
        } else {
            super::config::BackendChoice::Cpu
        };
        let mut t = Trainer::new(config, Arc::clone(&self.data), backend)?;
        t.load_checkpoint(&point.checkpoint)?;
        t.sampler = point.sampler.clone();
        t.last_rows = point.last_rows.clone();
        t.frozen_left = point.frozen_left;
        Ok(t)
    }

    /// Held-out embeddings and their labels; a non-finite embedding is divergence.
    pub fn embed_held_out(&self) -> Result<(Vec<f32>, Vec<u32>), TrainError> {
        let emb = self.embed(&self.split.held_out)?;
        if emb.iter().any(|v| !v.is_finite()) {
            // The update of this step broke the model: callers `roll_back` to step − 1,
            // which the message promises.
            return Err(TrainError::Diverged {
                step: self.step,
                what: "a held-out embedding",
                cause: likely_cause(self.config.learning_rate, None),
            });
        }
        Ok((emb, self.data.gather_labels(&self.split.held_out)))
    }

    /// Held-out retrieval metrics now.
    pub fn evaluate(&self) -> Result<EvalPoint, TrainError> {
        let (emb, labels) = self.embed_held_out()?;
        Ok(EvalPoint {
            step: self.step,
            metrics: Retrieval::evaluate(
                &emb,
                self.config.embedding_dim,
                &labels,
                self.config.seed,
            ),
        })
    }

    /// Held-out metrics of the raw input features (the no-learning baseline).
    pub fn raw_baseline(&self) -> Retrieval {
        let x = normalize_rows(&self.data.gather(&self.split.held_out), self.data.dim);
        let labels = self.data.gather_labels(&self.split.held_out);
        Retrieval::evaluate(&x, self.data.dim, &labels, self.config.seed)
    }
}

/// The distance-weighted sampler's density depends on the embedding dimension, which the
/// engine cannot see in S: give it the model's.
fn with_embedding_dim(mut spec: LossSpec, d: usize) -> LossSpec {
    if let Some(Miner::DistanceWeighted(p)) = &mut spec.miner {
        p.embedding_dim = d;
    }
    if let Loss::Composed {
        mining: MiningRule::DistanceWeighted(p),
        ..
    } = &mut spec.loss
    {
        p.embedding_dim = d;
    }
    spec
}

/// The optimiser of every run (also what a divergence or a loaded model restarts with).
fn adam() -> ModuleOptimizer {
    AdamConfig::new().with_epsilon(1e-8).init()
}

/// Dataset rows as a `[rows.len(), dim]` input tensor on `device`.
fn rows_tensor(data: &Dataset, rows: &[usize], device: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(
        TensorData::new(data.gather(rows), [rows.len(), data.dim]),
        device,
    )
}

/// Network outputs of dataset rows under `model` (no autodiff), unit rows when `unit`.
fn embed_rows(
    model: &EmbeddingNet,
    data: &Dataset,
    rows: &[usize],
    device: &Device,
    unit: bool,
) -> Result<Vec<f32>, TrainError> {
    let device = device.clone().without_autodiff();
    let model = model.valid();
    let mut out = Vec::new();
    for chunk in rows.chunks(1024) {
        let z = model.forward(rows_tensor(data, chunk, &device));
        out.extend(read(if unit { l2_normalize(z) } else { z })?);
    }
    Ok(out)
}

/// Rows divided by `sqrt(|z|² + 1e-12)`, as [`l2_normalize`] does on the device.
fn unit_rows(mut z: Vec<f32>, d: usize) -> Vec<f32> {
    for row in z.chunks_mut(d) {
        let norm = (row.iter().map(|v| v * v).sum::<f32>() + 1e-12).sqrt();
        row.iter_mut().for_each(|v| *v /= norm);
    }
    z
}

/// A one-line guess at why training blew up: Adam moves every weight by about the learning
/// rate per step, so a large rate is the usual culprit; otherwise the loss's own scale.
fn likely_cause(lr: f64, max_weight: Option<f64>) -> String {
    match max_weight {
        _ if lr >= 0.1 => format!("the learning rate {lr:e} is far too high for Adam; try 1e-3"),
        Some(w) if !w.is_finite() || w > 1e3 => format!(
            "the loss scale: the largest pair weight |w| was {w:.3e}; lower the loss's scale \
             parameters (alpha, beta, gamma) or the learning rate"
        ),
        Some(w) => format!(
            "the learning rate {lr:e} with this loss scale (largest pair weight |w| {w:.3e}); \
             lower the learning rate"
        ),
        None => format!("the learning rate {lr:e}; lower it"),
    }
}

fn read(t: Tensor<2>) -> Result<Vec<f32>, TrainError> {
    t.try_into_vec_as::<f32>()
        .map_err(|e| TrainError::Readback(format!("{e:?}")))
}
