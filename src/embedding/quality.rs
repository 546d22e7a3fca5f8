//! How well a 2-D layout keeps the classes apart: the k-nearest-neighbour label accuracy
//! (leave-one-out, majority vote, ties to the nearest neighbour's label), the number the
//! t-SNE literature quotes beside KL.

/// Share of points whose k nearest other points (Euclidean, in the layout) vote for their own
/// label.
pub fn knn_accuracy(xy: &[[f64; 2]], labels: &[u32], k: usize) -> f64 {
    let n = xy.len();
    if n < 2 || k == 0 {
        return 0.0;
    }
    let mut hits = 0;
    for i in 0..n {
        let mut dist: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| {
                (
                    (xy[i][0] - xy[j][0]).powi(2) + (xy[i][1] - xy[j][1]).powi(2),
                    j,
                )
            })
            .collect();
        let k = k.min(dist.len());
        dist.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut near = dist[..k].to_vec();
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut votes: Vec<(u32, usize, usize)> = Vec::new(); // (label, count, first rank)
        for (rank, &(_, j)) in near.iter().enumerate() {
            match votes.iter_mut().find(|v| v.0 == labels[j]) {
                Some(v) => v.1 += 1,
                None => votes.push((labels[j], 1, rank)),
            }
        }
        let best = votes
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|v| v.0);
        hits += usize::from(best == Some(labels[i]));
    }
    hits as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separated_clusters_score_one_and_mixed_ones_less() {
        let xy: Vec<[f64; 2]> = (0..20)
            .map(|i| [f64::from(i / 10) * 100.0 + f64::from(i % 10), 0.0])
            .collect();
        let labels: Vec<u32> = (0..20).map(|i| i / 10).collect();
        assert_eq!(knn_accuracy(&xy, &labels, 5), 1.0);
        let alternating: Vec<u32> = (0..20).map(|i| i % 2).collect();
        assert!(knn_accuracy(&xy, &alternating, 5) < 0.6);
    }
}
