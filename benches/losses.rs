//! Loss-engine throughput: `evaluate` on a precomputed similarity matrix.
//!
//! m ∈ {256, 1024, 4096}, d = 64 random unit embeddings, P×K labels (K = 4).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pairscope::losses::{Loss, LossSpec, Miner, cosine_similarity, evaluate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D: usize = 64;
const K: usize = 4;

fn batch(m: usize) -> (Vec<f64>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(m as u64);
    let emb: Vec<f64> = (0..m * D).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let labels = (0..m).map(|i| (i / K) as i64).collect();
    (cosine_similarity(&emb, m, D), labels)
}

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
            "triplet_margin+batch_hard",
            LossSpec::with_miner(
                Loss::TripletMargin(Default::default()),
                Miner::BatchHard(Default::default()),
            ),
        ),
        (
            "contrastive",
            LossSpec::new(Loss::Contrastive(Default::default())),
        ),
    ]
}

fn bench_evaluate(c: &mut Criterion) {
    let mut group = c.benchmark_group("evaluate");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for m in [256, 1024, 4096] {
        let (sim, labels) = batch(m);
        for (name, spec) in specs() {
            group.bench_with_input(BenchmarkId::new(name, m), &m, |b, _| {
                b.iter(|| evaluate(black_box(&spec), black_box(&sim), black_box(&labels)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_evaluate);
criterion_main!(benches);
