//! Mean average precision at R (MAP@R, Musgrave et al., "A Metric Learning Reality Check").

use std::cmp::Ordering;

use super::recall::gram;

/// MAP@R as pytorch-metric-learning's `AccuracyCalculator` computes
/// `mean_average_precision_at_r` on one set that is both query and reference (the query itself
/// is left out of its retrieved set) with `avg_of_avgs = false`.
///
/// Every sample is a query; `R` is the number of *other* samples of its class, and the `R`
/// most similar other samples are retrieved. `AP@R = (1/R) Σ_{k=1..R} P@k · rel_k`, where
/// `rel_k` is 1 when the k-th retrieved sample shares the query's class and `P@k` is the
/// fraction of same-class samples among the first k. The result is the mean over queries.
/// Queries without any same-class sample (`R = 0`) are skipped, as in PML; when no query is
/// left the result is 0 (PML gives NaN).
///
/// Rows must already be unit vectors, so that the dot product is the cosine similarity. Among
/// equal similarities the same-class samples rank first (ties favour the correct match, as in
/// [`recall_at_k`](super::recall_at_k)), then the lower row index, so the result is
/// deterministic.
///
/// # Shapes
/// `x`: `[n, d]` row-major; `labels`: `[n]` (mismatched shapes give 0).
pub fn map_at_r(x: &[f32], d: usize, labels: &[u32]) -> f64 {
    let n = labels.len();
    let s = gram(x, d);
    if s.len() != n * n {
        return 0.0;
    }
    let mut total = 0.0_f64;
    let mut queries = 0_usize;
    let mut others: Vec<usize> = Vec::with_capacity(n.saturating_sub(1));
    for i in 0..n {
        let r = (0..n).filter(|&j| j != i && labels[j] == labels[i]).count();
        if r == 0 {
            continue;
        }
        let row = &s[i * n..(i + 1) * n];
        // Most similar first; same class first among equals; then the lower index.
        let rank = |&a: &usize, &b: &usize| -> Ordering {
            row[b]
                .total_cmp(&row[a])
                .then_with(|| (labels[b] == labels[i]).cmp(&(labels[a] == labels[i])))
                .then_with(|| a.cmp(&b))
        };
        others.clear();
        others.extend((0..n).filter(|&j| j != i));
        if r < others.len() {
            others.select_nth_unstable_by(r - 1, rank);
        }
        let top = &mut others[..r];
        top.sort_unstable_by(rank);
        let mut hits = 0_usize;
        let mut sum = 0.0_f64;
        for (k, &j) in top.iter().enumerate() {
            if labels[j] == labels[i] {
                hits += 1;
                sum += hits as f64 / (k + 1) as f64;
            }
        }
        total += sum / r as f64;
        queries += 1;
    }
    if queries == 0 {
        0.0
    } else {
        total / queries as f64
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize_rows;
    use super::*;

    /// Unit vectors in the plane at the given angles (degrees).
    fn on_circle(degrees: &[f32]) -> Vec<f32> {
        degrees
            .iter()
            .flat_map(|a| [a.to_radians().cos(), a.to_radians().sin()])
            .collect()
    }

    /// Hand-computed. Points on the unit circle, so similarity falls with the angle between
    /// them; A = {0°, 15°, 50°}, B = {35°, 72°, 100°}, R = 2 for every query.
    ///
    /// | query | others by angular distance             | top 2 | AP@R              |
    /// |-------|----------------------------------------|-------|-------------------|
    /// | A0    | A15 15, B35 35, A50 50, B72, B100      | A B   | (1/2)(1/1) = 1/2  |
    /// | A15   | A0 15, B35 20, A50 35, B72 57, B100 85 | A B   | 1/2               |
    /// | A50   | B35 15, B72 22, A15 35, A0 50, B100 50 | B B   | 0                 |
    /// | B35   | A50 15, A15 20, A0 35, B72 37, B100 65 | A A   | 0                 |
    /// | B72   | A50 22, B100 28, B35 37, A15 57, A0 72 | A B   | (1/2)(1/2) = 1/4  |
    /// | B100  | B72 28, A50 50, B35 65, A15 85, A0 100 | B A   | 1/2               |
    ///
    /// MAP@R = (1/2 + 1/2 + 0 + 0 + 1/4 + 1/2) / 6 = 7/24 (PML 2.9.0 gives 0.2916666666666667
    /// for these points too).
    #[test]
    fn map_at_r_by_hand() {
        let x = on_circle(&[0.0, 15.0, 50.0, 35.0, 72.0, 100.0]);
        let m = map_at_r(&x, 2, &[0, 0, 0, 1, 1, 1]);
        assert!((m - 7.0 / 24.0).abs() < 1e-12, "{m}");
    }

    /// Separated classes give 1 whatever the order of the rows.
    #[test]
    fn map_at_r_of_separated_classes_is_one() {
        let x = on_circle(&[0.0, 120.0, 5.0, 125.0, 240.0, 10.0, 245.0]);
        let m = map_at_r(&x, 2, &[0, 1, 0, 1, 2, 0, 2]);
        assert!((m - 1.0).abs() < 1e-12, "{m}");
    }

    /// Ties favour the correct match. Rows 0, 1, 2 are the same point, row 3 is orthogonal;
    /// labels [0, 1, 0, 1], R = 1 for every query.
    /// - Query 0: rows 1 (other class) and 2 (same class) tie at similarity 1; the same-class
    ///   row ranks first → AP = 1 (index order alone would retrieve row 1 and give 0).
    /// - Query 1: rows 0 and 2 (other class) at 1, row 3 (same class) at 0 → AP = 0.
    /// - Query 2: row 0 (same class) and row 1 tie at 1 → AP = 1.
    /// - Query 3: every other row at similarity 0; row 1 (same class) ranks first → AP = 1.
    ///
    /// MAP@R = 3/4.
    #[test]
    fn map_at_r_ties_favour_the_correct_match() {
        let x = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let m = map_at_r(&x, 2, &[0, 1, 0, 1]);
        assert!((m - 0.75).abs() < 1e-12, "{m}");
    }

    /// A class with a single sample has R = 0: its query is skipped (it neither counts as 0
    /// nor enters the mean), while the sample still competes in the other queries' rankings.
    #[test]
    fn map_at_r_skips_lone_queries() {
        // A = {0°, 40°}, B = {20°}: A0 and A40 both retrieve B20 (20° away) before each other
        // (40°) → 0 and 0; B20 is skipped → 0.
        let x = on_circle(&[0.0, 40.0, 20.0]);
        assert_eq!(map_at_r(&x, 2, &[0, 0, 1]), 0.0);
        // A = {0°, 10°}, B = {40°}: A0 and A10 retrieve each other → 1 and 1; B40 is skipped,
        // so the mean is 1 (not 2/3).
        let x = on_circle(&[0.0, 10.0, 40.0]);
        assert!((map_at_r(&x, 2, &[0, 0, 1]) - 1.0).abs() < 1e-12);
        // Every class alone, or no samples at all: no query → 0.
        assert_eq!(map_at_r(&x, 2, &[0, 1, 2]), 0.0);
        assert_eq!(map_at_r(&[], 2, &[]), 0.0);
    }

    /// 12 fixed 3-D points in 3 classes of 4 (no two similarities within 1e-3 of each other
    /// in any query's row, so tie conventions do not matter). Expected value from
    /// pytorch-metric-learning 2.9.0 (torch 2.15.0):
    ///
    /// ```python
    /// import torch
    /// from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
    /// from pytorch_metric_learning.utils.inference import CustomKNN
    /// from pytorch_metric_learning.distances import CosineSimilarity
    /// x = torch.tensor([[0.7,-0.1,0.8],[1.4,-0.2,-0.2],[0.8,0.9,-0.3],[0.8,0.2,-0.1],
    ///                   [-0.1,0.3,0.0],[-0.3,1.7,0.4],[0.0,1.4,-0.2],[0.6,1.0,0.4],
    ///                   [-0.8,0.2,0.0],[-1.2,-0.2,0.5],[0.1,1.3,0.5],[-0.4,0.1,1.3]])
    /// y = torch.tensor([0,0,0,0,1,1,1,1,2,2,2,2])
    /// c = AccuracyCalculator(include=("mean_average_precision_at_r",),
    ///                        knn_func=CustomKNN(CosineSimilarity()), device=torch.device("cpu"))
    /// print(repr(c.get_accuracy(x, y)["mean_average_precision_at_r"]))  # 0.5185185185185185
    /// ```
    ///
    /// (`get_accuracy` without a reference set uses the queries as reference and leaves each
    /// query out of its own neighbours; `avg_of_avgs` defaults to False.) 0.5185… = 14/27.
    #[test]
    fn map_at_r_matches_pytorch_metric_learning() {
        let raw: [f32; 36] = [
            0.7, -0.1, 0.8, 1.4, -0.2, -0.2, 0.8, 0.9, -0.3, 0.8, 0.2, -0.1, //
            -0.1, 0.3, 0.0, -0.3, 1.7, 0.4, 0.0, 1.4, -0.2, 0.6, 1.0, 0.4, //
            -0.8, 0.2, 0.0, -1.2, -0.2, 0.5, 0.1, 1.3, 0.5, -0.4, 0.1, 1.3,
        ];
        let labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
        let x = normalize_rows(&raw, 3);
        let m = map_at_r(&x, 3, &labels);
        assert!((m - 0.518_518_518_518_518_5).abs() < 1e-6, "{m}");
    }
}
