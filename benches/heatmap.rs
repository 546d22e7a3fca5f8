//! Time per batch of S + mining + weights + colour map, d = 64, multi-similarity loss with the
//! MS miner, for m = 256, 1024, 4096: the CPU path (`gpu::colormap::cpu_batch`, from the
//! embeddings: normalise, f32 S, the loss engine, the CPU colour map; what `pairscope doctor`
//! reports as `timings_ms.cpu` at m = 1024)
//! against the WGSL pipeline on whatever adapter wgpu finds (upload and waiting for the device
//! included, no read-back). `cargo bench --bench heatmap`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pairscope::gpu::colormap;
use pairscope::gpu::parity::SeededBatch;
use pairscope::gpu::{BatchWork, GpuPlan, HeadlessGpu, View};
use pairscope::losses::{Loss, LossSpec, Miner};

fn pipeline(c: &mut Criterion) {
    let d = 64;
    let gpu = HeadlessGpu::new()
        .map_err(|e| eprintln!("no GPU timings: {e}"))
        .ok();
    if let Some(g) = &gpu {
        eprintln!(
            "adapter: {} ({}, {})",
            g.adapter.name, g.adapter.backend, g.adapter.device_type
        );
    }
    let spec = LossSpec::with_miner(Loss::default(), Miner::default());
    let plan = GpuPlan::for_spec(&spec).expect("MS has a GPU path");
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    for m in [256, 1024, 4096] {
        let batch = SeededBatch::new(m, d, m / 16, 1);
        let labels: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
        group.bench_with_input(BenchmarkId::new("cpu", m), &m, |b, _| {
            b.iter(|| colormap::cpu_batch(&spec, &batch.emb, d, &labels).expect("valid"));
        });
        if let Some(g) = &gpu {
            let mut buffers = g.buffers(m, d);
            group.bench_with_input(BenchmarkId::new("shader", m), &m, |b, _| {
                b.iter(|| {
                    g.run_into(
                        &mut buffers,
                        &batch.emb,
                        &batch.labels,
                        BatchWork::Gpu(plan),
                        View::Weights,
                    )
                    .expect("runs")
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
