//! Heatmap time (S + colour map) for m = 80, 256, 1024, d = 64: the CPU path vs the WGSL
//! shader on whatever adapter wgpu finds (upload, dispatch and read-back included).
//! `cargo bench --bench heatmap`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pairscope::gpu::colormap::{self, ColorMap};
use pairscope::gpu::{HeadlessGpu, HeatmapInput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn unit_rows(m: usize, d: usize) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut x: Vec<f32> = (0..m * d).map(|_| rng.gen_range(-1.0..1.0)).collect();
    for row in x.chunks_mut(d) {
        let n = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        row.iter_mut().for_each(|v| *v /= n);
    }
    x
}

fn heatmap(c: &mut Criterion) {
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
    let mut group = c.benchmark_group("heatmap");
    group.sample_size(20);
    for m in [80, 256, 1024] {
        let emb = unit_rows(m, d);
        group.bench_with_input(BenchmarkId::new("cpu", m), &m, |b, &m| {
            b.iter(|| {
                let s = colormap::similarity(&emb, m, d);
                colormap::colorize(&s, ColorMap::Diverging, -1.0, 1.0)
            });
        });
        if let Some(g) = &gpu {
            group.bench_with_input(BenchmarkId::new("shader", m), &m, |b, &m| {
                b.iter(|| {
                    g.run(
                        HeatmapInput::Embeddings { emb: &emb, d },
                        m,
                        ColorMap::Diverging,
                        (-1.0, 1.0),
                    )
                    .expect("runs")
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, heatmap);
criterion_main!(benches);
