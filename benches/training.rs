//! Training steps per second on the CPU backend (burn flex), default MLP 64-128-64, MS loss with
//! the MS miner, batch 5 × 16 = 80. `cargo bench --bench training`.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use pairscope::data::Dataset;
use pairscope::training::{Backend, BackendChoice, TrainConfig, Trainer};

fn train_step(c: &mut Criterion) {
    let config = TrainConfig {
        backend: BackendChoice::Cpu,
        ..TrainConfig::default()
    };
    let mut trainer =
        Trainer::new(config, Arc::new(Dataset::digits()), &Backend::cpu("bench")).expect("valid");
    c.bench_function("train_step/cpu/m=80", |b| {
        b.iter(|| trainer.step().expect("trains"));
    });
}

criterion_group!(benches, train_step);
criterion_main!(benches);
