//! A lesson's run, headless: its configuration seeded on the CPU backend, trained for a number
//! of steps with the held-out set evaluated where the check needs it, and what the lesson's
//! figures are drawn from.

use std::sync::Arc;

use super::lesson::LessonError;
use crate::figures::{EmbeddingData, RawEmbedding, RunData};
use crate::metrics::Retrieval;
use crate::training::{
    Backend, BackendChoice, BatchSnapshot, EvalPoint, LossPoint, StepStats, TrainConfig, Trainer,
};

/// A lesson's run in progress.
pub struct LessonRun {
    pub trainer: Trainer,
    pub history: Vec<StepStats>,
    /// Every evaluation so far, the untrained network's first.
    pub evals: Vec<EvalPoint>,
    /// The raw inputs' held-out metrics (the no-learning baseline).
    pub raw: Retrieval,
    /// The last trained batch.
    pub last: Option<BatchSnapshot>,
}

/// The configuration as a check runs it: on the CPU backend (seeded runs are reproducible
/// there), t-SNE left to the figures.
pub fn cpu(config: &TrainConfig) -> TrainConfig {
    TrainConfig {
        backend: BackendChoice::Cpu,
        ..config.clone()
    }
}

impl LessonRun {
    /// A fresh run of `config` on the CPU backend, the untrained network evaluated.
    pub fn start(config: &TrainConfig) -> Result<Self, LessonError> {
        let (data, _notes) = config.data.load()?;
        let trainer = Trainer::new(
            cpu(config),
            Arc::new(data),
            &Backend::cpu("pairscope lesson"),
        )?;
        let untrained = trainer.evaluate()?;
        Ok(Self {
            raw: trainer.raw_baseline(),
            trainer,
            history: Vec::new(),
            evals: vec![untrained],
            last: None,
        })
    }

    /// The untrained network's held-out metrics.
    pub fn untrained(&self) -> Retrieval {
        self.evals[0].metrics
    }

    /// One training step, recorded.
    pub fn step(&mut self) -> Result<&BatchSnapshot, LessonError> {
        let batch = self.trainer.step()?;
        self.history.push(batch.stats());
        Ok(self.last.insert(batch))
    }

    /// `steps` training steps, evaluating the held-out set every `eval_every` steps (0: never)
    /// and after the last.
    pub fn train(&mut self, steps: u64, eval_every: u64) -> Result<Retrieval, LessonError> {
        for k in 1..=steps {
            self.step()?;
            if eval_every > 0 && k % eval_every == 0 && k < steps {
                self.evaluate()?;
            }
        }
        self.evaluate()
    }

    /// The held-out metrics now, recorded.
    pub fn evaluate(&mut self) -> Result<Retrieval, LessonError> {
        let e = self.trainer.evaluate()?;
        self.evals.push(e);
        Ok(e.metrics)
    }

    /// What the figures show: the curves, the last batch, both baselines and the held-out
    /// embeddings (raw for dimension 2 or 3, else a t-SNE layout; only when `embedding`).
    pub fn into_run_data(self, embedding: bool) -> Result<RunData, LessonError> {
        let mut data = RunData::new(
            self.trainer.config().clone(),
            Arc::clone(self.trainer.data()),
        );
        data.step = self.trainer.step_count();
        data.untrained = Some(self.evals[0].metrics);
        data.raw_baseline = Some(self.raw);
        if embedding {
            data.embedding = Some(held_out_embedding(&self.trainer)?);
        }
        data.batch = self.last.map(Arc::new);
        data.history = self.history.into_iter().map(LossPoint::from).collect();
        data.evals = self.evals;
        Ok(data)
    }
}

/// The held-out embeddings as the embedding figure draws them (as `pairscope train` does).
fn held_out_embedding(trainer: &Trainer) -> Result<EmbeddingData, LessonError> {
    let (embeddings, labels) = trainer.embed_held_out()?;
    let raw = RawEmbedding {
        step: trainer.step_count(),
        d: trainer.config().embedding_dim,
        rows: trainer.split().held_out.clone(),
        labels,
        embeddings,
    };
    Ok(EmbeddingData::of_held_out(raw, trainer.config().tsne))
}

/// Mean off-diagonal similarity of a batch (1 when every embedding is the same).
pub fn mean_off_diagonal(batch: &BatchSnapshot) -> f64 {
    let m = batch.m();
    if m < 2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for i in 0..m {
        for j in 0..m {
            if i != j {
                sum += f64::from(batch.similarity[i * m + j]);
            }
        }
    }
    sum / (m * (m - 1)) as f64
}

/// The batch's similarities and labels as the loss engine takes them.
pub fn engine_input(batch: &BatchSnapshot) -> (Vec<f64>, Vec<i64>) {
    (
        batch.similarity.iter().map(|&v| f64::from(v)).collect(),
        batch.labels.iter().map(|&y| i64::from(y)).collect(),
    )
}
