//! A run's life apart from its steps: set-up, forks, checkpoints, roll-back, resuming on
//! another device, and held-out evaluation.

use std::sync::Arc;

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;

use super::error::TrainError;
use super::snapshot::EvalPoint;
use super::state::{ResumePoint, Trainer, adam};
use super::step::embed_rows;
use crate::data::{Dataset, PkSampler, Split};
use crate::losses::{Loss, LossSpec, Miner, MiningRule};
use crate::metrics::{Retrieval, normalize_rows};
use crate::training::backend::Backend;
use crate::training::checkpoint::Checkpoint;
use crate::training::config::{BackendChoice, ModelKind, TrainConfig};
use crate::training::config_error::ConfigError;
use crate::training::limits;
use crate::training::model::EmbeddingNet;

impl Trainer {
    pub fn new(
        config: TrainConfig,
        data: Arc<Dataset>,
        backend: &Backend,
    ) -> Result<Self, TrainError> {
        let mut config = config;
        config.loss = with_embedding_dim(config.loss, config.embedding_dim);
        config.validate()?;
        let split = Split::with_train_classes(
            &data,
            config.split,
            config.seed,
            config.train_classes.as_deref(),
        );
        if config.model == ModelKind::Cnn && data.image_shape.is_none() {
            return Err(ConfigError::DataMismatch(
                "the CNN needs grey image data (the digits or an image folder)",
            )
            .into());
        }
        if split.train.is_empty() || split.held_out.is_empty() {
            return Err(ConfigError::DataMismatch(
                "the split leaves no training or no held-out data",
            )
            .into());
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
            (ModelKind::Cnn, Some((w, h))) => EmbeddingNet::cnn(
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
        config.validate()?;
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
        limits::LEARNING_RATE.check(lr)?;
        self.config.learning_rate = lr;
        Ok(())
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
                    ModelKind::Mlp => "MLP",
                    ModelKind::Cnn => "CNN",
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
    pub(super) fn diverged(&self, what: &'static str, max_weight: Option<f64>) -> TrainError {
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
        config.backend = if backend.is_wgpu() {
            BackendChoice::Wgpu
        } else {
            BackendChoice::Cpu
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
