//! The CPU batch path against pytorch-metric-learning: `cargo bench --bench losses`, then
//! `python3 benches/pml_reference.py` in the same minute (the peer's forward + backward).
//!
//! `from_embeddings/<case>/<m>`: `losses::evaluate_embeddings` (normalise the f32 rows,
//! S = X̂ X̂ᵀ, mining, loss value, `G = ∂L/∂S`, the pair lists) for m ∈ {256, 1024, 4096},
//! d = 64, Gaussian rows, labels `i / 4` (K = 4 per class) — the cases, names and parameters
//! of pml_reference.py. `from_similarity/<case>/<m>`: `losses::evaluate` alone on the same
//! batch's S (f64), the engine without the Gram product. `gram/f32_wide/<m>`: the Gram product
//! alone.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pairscope::losses::{
    Loss, LossSpec, Miner, TripletMarginParams, evaluate, evaluate_embeddings, similarity_f32,
    similarity_f32_wide, widen_similarity,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const D: usize = 64;
const K: usize = 4;

/// Gaussian rows (normalised by the path itself, as PML does) and labels `i / K`.
fn batch(m: usize) -> (Vec<f32>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(m as u64);
    let emb: Vec<f32> = (0..m * D)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    let labels = (0..m).map(|i| (i / K) as i64).collect();
    (emb, labels)
}

/// The three cases of pml_reference.py, pairscope's defaults (triplet margin 0.05).
fn specs() -> Vec<(&'static str, LossSpec)> {
    vec![
        (
            "multi_similarity+ms_miner",
            LossSpec::with_miner(
                Loss::MultiSimilarity(Default::default()),
                Miner::MultiSimilarity(Default::default()),
            ),
        ),
        (
            "contrastive",
            LossSpec::new(Loss::Contrastive(Default::default())),
        ),
        (
            "triplet_margin+batch_hard",
            LossSpec::with_miner(
                Loss::TripletMargin(TripletMarginParams::default()),
                Miner::BatchHard(Default::default()),
            ),
        ),
    ]
}

fn bench_evaluate(c: &mut Criterion) {
    let sizes: Vec<usize> = std::env::var("PAIRSCOPE_BENCH_M")
        .ok()
        .and_then(|v| v.split(',').map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![256, 1024, 4096]);
    for (group_name, from_embeddings) in [("from_embeddings", true), ("from_similarity", false)] {
        let mut group = c.benchmark_group(group_name);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));
        for &m in &sizes {
            let (emb, labels) = batch(m);
            let unit = pairscope::losses::normalize_rows_f32(&emb, m, D);
            let sim = widen_similarity(&similarity_f32(&unit, m, D), m);
            for (name, spec) in specs() {
                group.bench_with_input(BenchmarkId::new(name, m), &m, |b, _| {
                    if from_embeddings {
                        b.iter(|| evaluate_embeddings(&spec, black_box(&emb), D, &labels))
                    } else {
                        b.iter(|| evaluate(&spec, black_box(&sim), &labels))
                    }
                });
            }
        }
        group.finish();
    }
    // The Gram product alone (`S = X̂ X̂ᵀ` from unit rows, stored widened): its share of the path.
    let mut group = c.benchmark_group("gram");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for &m in &sizes {
        let unit = pairscope::losses::normalize_rows_f32(&batch(m).0, m, D);
        group.bench_with_input(BenchmarkId::new("f32_wide", m), &m, |b, _| {
            b.iter(|| similarity_f32_wide(black_box(&unit), m, D))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_evaluate);
criterion_main!(benches);
