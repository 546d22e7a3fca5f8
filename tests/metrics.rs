//! Retrieval metrics on small cases with known values: docs/losses.md §9.2 example B (hand-computed
//! Recall@K), pytorch-metric-learning 2.9.0 (MAP@R), scikit-learn (NMI).

use pairscope::metrics::{Retrieval, map_at_r, nmi, recall_at_k};

/// Example B: six points on the unit circle at these angles, labels [0, 0, 1, 1, 2, 2].
fn example_b() -> (Vec<f32>, Vec<u32>) {
    let angles = [0.0_f64, 85.0, 115.0, 150.0, 240.0, 265.0];
    let x = angles
        .iter()
        .flat_map(|a| {
            let r = a.to_radians();
            [r.cos() as f32, r.sin() as f32]
        })
        .collect();
    (x, vec![0, 0, 1, 1, 2, 2])
}

#[test]
fn recall_at_k_of_gpw_example_b() {
    // docs/losses.md §9.2: R@1 = 4/6 (anchors 1 and 2 retrieve each other, wrong class), R@2 = 5/6,
    // R@4 = 1.
    let (x, y) = example_b();
    let r = recall_at_k(&x, 2, &y, &[1, 2, 4, 8]);
    let want = [4.0 / 6.0, 5.0 / 6.0, 1.0, 1.0];
    for (got, want) in r.iter().zip(want) {
        assert!((got - want).abs() < 1e-12, "{r:?}");
    }
}

#[test]
fn map_at_r_of_gpw_example_b() {
    // pytorch-metric-learning 2.9.0, AccuracyCalculator(include=("mean_average_precision_at_r",),
    // knn_func=CustomKNN(CosineSimilarity())) on the same points: 0.6666666666666666.
    let (x, y) = example_b();
    assert!((map_at_r(&x, 2, &y) - 0.666_666_666_666_666_6).abs() < 1e-9);
}

#[test]
fn nmi_matches_scikit_learn() {
    // sklearn.metrics.normalized_mutual_info_score([0,0,1,1,2,2], [0,0,0,1,2,2])
    // = 0.7396673768007592 (arithmetic mean normalisation, sklearn 1.x).
    let got = nmi(&[0, 0, 0, 1, 2, 2], &[0, 0, 1, 1, 2, 2]);
    assert!((got - 0.739_667_376_800_759_2).abs() < 1e-9, "{got}");
}

#[test]
fn retrieval_reports_every_metric() {
    let (x, y) = example_b();
    let r = Retrieval::evaluate(&x, 2, &y, 0);
    assert!((r.recall_at_1 - 4.0 / 6.0).abs() < 1e-12);
    assert!((r.map_at_r - 2.0 / 3.0).abs() < 1e-9);
    assert!((0.0..=1.0).contains(&r.nmi));
}
