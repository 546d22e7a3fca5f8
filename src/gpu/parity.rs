//! The GPU pipeline against the CPU loss engine on one seeded batch: what `pairscope doctor`
//! reports and what `tests/shaders.rs` asserts.
//!
//! The engine is run on the similarity matrix the GPU computed (as f64), so that mining
//! decisions are compared on identical inputs; S itself is compared with the CPU reference
//! [`colormap::similarity`] separately.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::Serialize;

use super::batch::{BatchWork, GpuPlan, HeadlessGpu, View};
use super::colormap::{self, mining_codes};
use super::error::GpuError;
use crate::losses::{
    self, BinomialParams, ContrastiveParams, LiftedParams, Loss, LossSpec, Miner, MiningRule,
    PairMarginParams, WeightingRule,
};

/// A batch of `m` unit embeddings in `classes` clusters, sorted by class.
#[derive(Debug, Clone)]
pub struct SeededBatch {
    pub emb: Vec<f32>,
    pub d: usize,
    pub labels: Vec<u32>,
}

impl SeededBatch {
    /// Class centres N(0, 1) per dimension, each sample = centre + N(0, 1.2²) noise, normalised:
    /// clusters that overlap, so every mining rule keeps some pairs and drops others.
    pub fn new(m: usize, d: usize, classes: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let unit = Normal::new(0.0_f32, 1.0).expect("valid normal");
        let noise = Normal::new(0.0_f32, 1.2).expect("valid normal");
        let classes = classes.clamp(1, m.max(1));
        let centres: Vec<f32> = (0..classes * d).map(|_| unit.sample(&mut rng)).collect();
        let mut emb = Vec::with_capacity(m * d);
        let mut labels = Vec::with_capacity(m);
        for i in 0..m {
            let c = i * classes / m.max(1);
            labels.push(c as u32);
            let row: Vec<f32> = (0..d)
                .map(|k| centres[c * d + k] + noise.sample(&mut rng))
                .collect();
            let n = row
                .iter()
                .map(|v| v * v)
                .sum::<f32>()
                .sqrt()
                .max(f32::MIN_POSITIVE);
            emb.extend(row.iter().map(|v| v / n));
        }
        Self { emb, d, labels }
    }

    pub fn m(&self) -> usize {
        self.labels.len()
    }
}

/// The loss specifications with a GPU path that the self-test covers (the list: MS,
/// contrastive, binomial deviance, triplet batch-hard, generalized lifted structure, and the
/// composer's per-pair-expressible rules).
pub fn covered_specs() -> Vec<LossSpec> {
    let composed = |mining, weighting| LossSpec::new(Loss::Composed { mining, weighting });
    vec![
        LossSpec::with_miner(Loss::default(), Miner::default()),
        LossSpec::new(Loss::MultiSimilarity(Default::default())),
        LossSpec::new(Loss::Contrastive(ContrastiveParams::default())),
        LossSpec::with_miner(
            Loss::Contrastive(ContrastiveParams {
                pos_margin: 0.9,
                neg_margin: 0.3,
            }),
            Miner::PairMargin(PairMarginParams {
                pos_margin: 0.6,
                neg_margin: 0.1,
            }),
        ),
        LossSpec::new(Loss::BinomialDeviance(BinomialParams::default())),
        LossSpec::with_miner(
            Loss::BinomialDeviance(BinomialParams::default()),
            Miner::default(),
        ),
        LossSpec::with_miner(
            Loss::TripletMargin(Default::default()),
            Miner::BatchHard(Default::default()),
        ),
        LossSpec::new(Loss::GeneralizedLiftedStructure(LiftedParams {
            neg_margin: 0.3,
            pos_margin: 0.8,
        })),
        composed(MiningRule::All, WeightingRule::Uniform),
        composed(
            MiningRule::Absolute {
                pos_below: 0.7,
                neg_above: 0.2,
            },
            WeightingRule::Violation {
                pos_margin: 0.9,
                neg_margin: 0.3,
            },
        ),
        composed(
            MiningRule::Relative { epsilon: 0.1 },
            WeightingRule::default(),
        ),
        composed(
            MiningRule::TopK { k_pos: 1, k_neg: 1 },
            WeightingRule::Relative { beta: 10.0 },
        ),
        composed(
            MiningRule::Relative { epsilon: 0.1 },
            WeightingRule::Ms {
                alpha: 2.0,
                beta: 50.0,
                base: 0.5,
            },
        ),
    ]
}

/// Agreement of the GPU pipeline with the engine for one loss on one batch.
#[derive(Debug, Clone, Serialize)]
pub struct Parity {
    pub loss: String,
    pub m: usize,
    pub max_abs_diff_similarity: f64,
    pub max_abs_diff_weights: f64,
    pub max_abs_diff_pair_loss: f64,
    pub mask_mismatches: usize,
}

impl Parity {
    /// S and weights within `1e-5`, masks identical.
    pub fn holds(&self) -> bool {
        self.max_abs_diff_similarity <= 1e-5
            && self.max_abs_diff_weights <= 1e-5
            && self.max_abs_diff_pair_loss <= 1e-4
            && self.mask_mismatches == 0
    }
}

fn max_abs_diff(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Runs `plan` on the GPU and `spec` in the engine (on the GPU's S) and compares them.
pub fn compare(
    gpu: &HeadlessGpu,
    batch: &SeededBatch,
    spec: &LossSpec,
    plan: GpuPlan,
) -> Result<Parity, GpuError> {
    let m = batch.m();
    let out = gpu.run(
        &batch.emb,
        batch.d,
        &batch.labels,
        BatchWork::Gpu(plan),
        View::Weights,
    )?;
    let cpu_sim = colormap::similarity(&batch.emb, m, batch.d);
    let sim64: Vec<f64> = out.similarity.iter().map(|&s| f64::from(s)).collect();
    let labels64: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
    let engine = losses::evaluate(spec, &sim64, &labels64)
        .map_err(|e| GpuError::Shape(format!("the engine rejected the batch: {e}")))?;
    let codes = mining_codes(&engine, &batch.labels);
    let mask_mismatches = codes
        .iter()
        .zip(&out.codes)
        .filter(|&(c, &g)| c.to_gpu() != g)
        .count();
    let pair_loss = engine.per_pair_loss.as_ref().map_or(0.0, |l| {
        max_abs_diff(
            l.iter().copied(),
            out.pair_loss.iter().map(|&v| f64::from(v)),
        )
    });
    Ok(Parity {
        loss: spec.label(),
        m,
        max_abs_diff_similarity: max_abs_diff(
            out.similarity.iter().map(|&v| f64::from(v)),
            cpu_sim.iter().map(|&v| f64::from(v)),
        ),
        max_abs_diff_weights: max_abs_diff(
            out.weights.iter().map(|&v| f64::from(v)),
            engine.weights.iter().copied(),
        ),
        max_abs_diff_pair_loss: pair_loss,
        mask_mismatches,
    })
}

/// [`compare`] with the plan of `spec` itself.
pub fn check(gpu: &HeadlessGpu, batch: &SeededBatch, spec: &LossSpec) -> Result<Parity, GpuError> {
    let plan = GpuPlan::for_spec(spec)
        .ok_or_else(|| GpuError::Shape(format!("{} has no GPU path", spec.label())))?;
    compare(gpu, batch, spec, plan)
}
