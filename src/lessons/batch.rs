//! Helpers of the checks that look at one batch: evidence maps, finite differences of the loss
//! engine, and a hand-made batch as a [`BatchSnapshot`] (so its figures can be drawn).

use std::sync::Arc;

use super::lesson::{Evidence, Lesson, Verdict};
use crate::data::Dataset;
use crate::figures::RunData;
use crate::gpu::colormap::mining_codes;
use crate::losses::{LossError, LossSpec, PairOutput, cosine_similarity, evaluate};
use crate::training::{BatchSnapshot, TrainConfig};

/// An evidence map from `(name, value)` pairs.
pub fn evidence(pairs: &[(&str, f64)]) -> Evidence {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
}

/// The verdict of `lesson`.
pub fn verdict(lesson: &Lesson, held: bool, evidence: Evidence, run: Option<RunData>) -> Verdict {
    Verdict {
        lesson: lesson.id,
        claim: lesson.claim,
        held,
        evidence,
        run,
    }
}

/// The largest gap between `G` and central finite differences of the loss, over every
/// off-diagonal cell: `|(L(S + h e_k) − L(S − h e_k)) / 2h − G_k|`.
pub fn max_fd_error(
    spec: &LossSpec,
    sim: &[f64],
    labels: &[i64],
    g: &[f64],
) -> Result<f64, LossError> {
    // Small enough that no mining decision flips on a seeded batch, large enough that the
    // loss's rounding (≈1e-16) divided by 2h stays far below the weights (≈1e-4).
    const H: f64 = 1e-6;
    let m = labels.len();
    let mut s = sim.to_vec();
    let mut worst = 0.0_f64;
    for k in (0..m * m).filter(|k| k / m != k % m) {
        let v = s[k];
        s[k] = v + H;
        let up = evaluate(spec, &s, labels)?.loss;
        s[k] = v - H;
        let down = evaluate(spec, &s, labels)?.loss;
        s[k] = v;
        worst = worst.max(((up - down) / (2.0 * H) - g[k]).abs());
    }
    Ok(worst)
}

/// A hand-made batch of unit embeddings (`[m, d]`, labels sorted by class) evaluated by the
/// engine, as a trained batch would be recorded.
pub fn snapshot(
    spec: &LossSpec,
    embeddings: &[f64],
    d: usize,
    labels: &[u32],
) -> Result<(BatchSnapshot, PairOutput), LossError> {
    let m = labels.len();
    let sim = cosine_similarity(embeddings, m, d);
    let labels64: Vec<i64> = labels.iter().map(|&y| i64::from(y)).collect();
    let out = evaluate(spec, &sim, &labels64)?;
    let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    let batch = BatchSnapshot {
        id: 0,
        step: 0,
        rows: (0..m).collect(),
        labels: labels.to_vec(),
        embeddings: f32s(embeddings),
        d,
        similarity: f32s(&sim),
        weights: f32s(&out.weights),
        mining: mining_codes(&out, labels),
        loss: out.loss,
        positive_pairs: out.positive_pairs.len(),
        negative_pairs: out.negative_pairs.len(),
        loss_name: spec.describe(),
        spec: spec.clone(),
        pair_loss: out.per_pair_loss.as_deref().map(f32s),
        after_embeddings: None,
        frozen: false,
        learning_rate: 0.0,
    };
    Ok((batch, out))
}

/// What the figures of a hand-made batch are drawn from: the batch, its embeddings as the
/// data set (named by class), no curves.
pub fn hand_made_run(config: &TrainConfig, batch: BatchSnapshot) -> RunData {
    let classes = batch.labels.iter().max().map_or(0, |&y| y as usize + 1);
    let data = Dataset {
        name: "a hand-made batch".into(),
        features: batch.embeddings.clone(),
        dim: batch.d,
        labels: batch.labels.clone(),
        class_names: (0..classes).map(|c| format!("class {c}")).collect(),
        image_shape: None,
    };
    let mut run = RunData::new(config.clone(), Arc::new(data));
    run.batch = Some(Arc::new(batch));
    run
}
