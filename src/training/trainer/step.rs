//! One training step, in the order it happens: pick the batch's rows, embed them and read S
//! back, let the loss engine mine and weight the pairs, update on the surrogate `Σ G·S`, and
//! record what the UI shows. Every check that can refuse the step runs before the updated
//! model is adopted.

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};

use super::error::TrainError;
use super::snapshot::{AFTER_MAX_M, BatchSnapshot, next_batch_id};
use super::state::{Trainer, adam};
use crate::data::Dataset;
use crate::gpu::colormap::mining_codes;
use crate::losses::{self, PairOutput};
use crate::training::model::{EmbeddingNet, cosine_similarity, l2_normalize};

/// The batch's forward pass: `S` on the autodiff device, and its values read back.
struct Forward {
    /// `[m, m]`, still attached to the graph.
    s: Tensor<2>,
    /// `[m, d]` unit rows.
    embeddings: Vec<f32>,
    /// `[m, m]`.
    similarity: Vec<f32>,
}

/// The loss engine's verdict on the batch, with the weights as the f32 `G` that trains.
struct Weighed {
    out: PairOutput,
    g: Vec<f32>,
    /// Largest |w| (for a divergence's likely cause).
    max_w: f64,
}

impl Trainer {
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
        let (rows, frozen) = self.next_rows();
        let labels = self.data.gather_labels(&rows);
        let d = self.config.embedding_dim;
        let forward = self.forward(&rows)?;
        let weighed = self.weigh(&forward.similarity, &labels)?;
        let after_raw = self.update(forward.s, &weighed, &rows)?;
        let Weighed { out, g, .. } = weighed;
        Ok(BatchSnapshot {
            after_embeddings: (rows.len() <= AFTER_MAX_M).then(|| unit_rows(after_raw, d)),
            frozen,
            learning_rate: self.config.learning_rate,
            id: next_batch_id(),
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
            embeddings: forward.embeddings,
            d,
            similarity: forward.similarity,
            weights: g,
        })
    }

    /// The rows of the batch to train, and whether they repeat the last batch (freeze).
    fn next_rows(&mut self) -> (Vec<usize>, bool) {
        let (rows, frozen) = match (&self.last_rows, self.frozen_left) {
            (Some(rows), left) if left > 0 => {
                self.frozen_left -= 1;
                (rows.clone(), true)
            }
            _ => (self.sampler.next_batch().rows, false),
        };
        self.last_rows = Some(rows.clone());
        (rows, frozen)
    }

    /// `z = normalize(model(x))`, `S = z zᵀ` on the autodiff device; z and S read back.
    fn forward(&self, rows: &[usize]) -> Result<Forward, TrainError> {
        let x = rows_tensor(&self.data, rows, &self.device);
        let raw = self.model.forward(x); // [m, d]
        // A norm that overflows f32 normalises to zeros, not NaN: catch it here.
        let sq_norms = read(raw.clone().detach().square().sum_dim(1))?;
        if sq_norms.iter().any(|v| !v.is_finite()) {
            return Err(self.diverged("an embedding's norm", None));
        }
        let z = l2_normalize(raw); // [m, d]
        let s = cosine_similarity(z.clone()); // [m, m]
        let embeddings = read(z.detach())?;
        let similarity = read(s.clone().detach())?;
        if embeddings.iter().any(|v| !v.is_finite()) {
            return Err(self.diverged("an embedding", None));
        }
        Ok(Forward {
            s,
            embeddings,
            similarity,
        })
    }

    /// Mines and weights the batch once (`losses::evaluate`); a loss or weight that is not
    /// finite is divergence.
    fn weigh(&self, similarity: &[f32], labels: &[u32]) -> Result<Weighed, TrainError> {
        let sim64: Vec<f64> = similarity.iter().map(|&v| f64::from(v)).collect();
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
        let g = out.weights.iter().map(|&w| w as f32).collect();
        Ok(Weighed { out, g, max_w })
    }

    /// One Adam step on the surrogate `Σ G·S` (G constant, so ∂/∂θ equals ∂L/∂θ). The updated
    /// model is adopted only when its weights and the batch's new embedding norms are finite;
    /// returns the batch's raw embeddings after the update.
    fn update(
        &mut self,
        s: Tensor<2>,
        weighed: &Weighed,
        rows: &[usize],
    ) -> Result<Vec<f32>, TrainError> {
        let m = rows.len();
        let g_const = Tensor::<2>::from_data(
            TensorData::new(weighed.g.clone(), [m, m]),
            &self.device.clone().without_autodiff(),
        );
        let surrogate = (s * g_const).sum();
        let grads = GradientsParams::from_grads(surrogate.backward(), &self.model);
        // Cloning a module only clones tensor handles; the parameter ids stay the same. The
        // model before the update is kept until the update is known to be good.
        let updated = self
            .optim
            .step(self.config.learning_rate, self.model.clone(), grads);
        // The same samples after the update: the "update" stage shows how S moved, and a
        // norm that overflows here means the update broke the model.
        let after_raw = match embed_rows(&updated, &self.data, rows, &self.device, false) {
            Ok(v) => v,
            Err(e) => {
                self.optim = adam();
                return Err(e);
            }
        };
        let d = self.config.embedding_dim;
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
            return Err(self.diverged(what, Some(weighed.max_w)));
        }
        let before = std::mem::replace(&mut self.model, updated);
        self.previous = Some((before, self.step));
        self.step += 1;
        Ok(after_raw)
    }
}

/// Dataset rows as a `[rows.len(), dim]` input tensor on `device`.
fn rows_tensor(data: &Dataset, rows: &[usize], device: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(
        TensorData::new(data.gather(rows), [rows.len(), data.dim]),
        device,
    )
}

/// Network outputs of dataset rows under `model` (no autodiff), unit rows when `unit`.
pub(super) fn embed_rows(
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

fn read(t: Tensor<2>) -> Result<Vec<f32>, TrainError> {
    t.try_into_vec_as::<f32>()
        .map_err(|e| TrainError::Readback(format!("{e:?}")))
}
