//! t-SNE time (linfa-tsne through `embedding::run_tsne`, the app's default settings:
//! perplexity 30, 750 iterations, Barnes–Hut θ = 0.5) for 900 points (the held-out digits of
//! the `samples` split) and for all 1797 digits, on the raw 64-pixel features.
//! `cargo bench --bench tsne`; scikit-learn on the same data: `python3 benches/tsne_sklearn.py`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pairscope::data::{Dataset, Split, SplitKind};
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
        group.bench_with_input(BenchmarkId::new("linfa", n), &n, |b, _| {
            b.iter(|| run_tsne(&request).expect("layout"));
        });
    }
    group.finish();
}

criterion_group!(benches, tsne);
criterion_main!(benches);
