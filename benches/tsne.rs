//! t-SNE time, the app's default settings (perplexity 30, 750 iterations in all), for 900
//! points (the held-out digits of the `samples` split) and for all 1797 digits, on the raw
//! 64-pixel features: pairscope's engine (`embedding::run_tsne`, exact repulsion on both cores)
//! beside linfa-tsne (bhtsne, Barnes–Hut θ = 0.5, one core), kept as the reference.
//! `cargo bench --bench tsne`; the peers on the same data: `python3 benches/tsne_opentsne.py`
//! (openTSNE, side by side with `pairscope embed`) and `python3 benches/tsne_sklearn.py`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pairscope::data::{Dataset, Split, SplitKind};
use pairscope::embedding::reference::linfa_layout;
use pairscope::embedding::{TsneRequest, TsneSettings, run_tsne};

fn tsne(c: &mut Criterion) {
    let data = Dataset::digits();
    let held_out = Split::new(&data, SplitKind::Samples, 0).held_out;
    let all: Vec<usize> = (0..data.len()).collect();
    let mut group = c.benchmark_group("tsne");
    group.sample_size(10);
    for rows in [held_out, all] {
        let n = rows.len();
        let request = TsneRequest {
            step: 0,
            points: data.gather(&rows),
            d: data.dim,
            labels: data.gather_labels(&rows),
            rows,
            settings: TsneSettings {
                max_points: 2000,
                ..TsneSettings::default()
            },
        };
        group.bench_with_input(BenchmarkId::new("pairscope", n), &n, |b, _| {
            b.iter(|| run_tsne(&request).expect("layout"));
        });
        group.bench_with_input(BenchmarkId::new("linfa", n), &n, |b, _| {
            b.iter(|| linfa_layout(&request.points, request.d, 30.0, 750, 0).expect("layout"));
        });
    }
    group.finish();
}

criterion_group!(benches, tsne);
criterion_main!(benches);
