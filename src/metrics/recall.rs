//! Recall@K on unit rows (strict: ties between a correct and a wrong neighbour go to the
//! correct one), and the helpers every metric shares: row normalisation and the Gram matrix.

/// Rows scaled to unit L2 norm (a zero row stays zero).
pub fn normalize_rows(x: &[f32], d: usize) -> Vec<f32> {
    let mut out = x.to_vec();
    for row in out.chunks_mut(d) {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 1e-12 {
            row.iter_mut().for_each(|v| *v /= norm);
        }
    }
    out
}

/// `X Xᵀ` for `[n, d]` row-major `x` (the cosine similarity when rows are unit vectors).
///
/// # Shapes
/// `x`: `[n, d]`; result `[n, n]`.
pub fn gram(x: &[f32], d: usize) -> Vec<f32> {
    let n = x.len().checked_div(d).unwrap_or(0);
    match ndarray::ArrayView2::from_shape((n, d), &x[..n * d]) {
        // ndarray's `dot` runs matrixmultiply's blocked sgemm.
        Ok(a) => a.dot(&a.t()).into_iter().collect(),
        Err(_) => vec![0.0; n * n],
    }
}

/// Recall@K for each `k` in `ks`: every sample is a query against all the others; a query
/// succeeds at K when fewer than K samples of another class are *strictly* more similar than
/// its most similar same-class sample (ties favour the correct match, as in PML and the MS
/// repository). Queries without any same-class sample are skipped.
pub fn recall_at_k(x: &[f32], d: usize, labels: &[u32], ks: &[usize]) -> Vec<f64> {
    let n = labels.len();
    let s = gram(x, d);
    let mut hits = vec![0_usize; ks.len()];
    let mut queries = 0_usize;
    for i in 0..n {
        let row = &s[i * n..(i + 1) * n];
        let best_pos = (0..n)
            .filter(|&j| j != i && labels[j] == labels[i])
            .map(|j| row[j])
            .fold(f32::NEG_INFINITY, f32::max);
        if best_pos == f32::NEG_INFINITY {
            continue;
        }
        queries += 1;
        let closer_negatives = (0..n)
            .filter(|&j| labels[j] != labels[i] && row[j] > best_pos)
            .count();
        for (h, &k) in hits.iter_mut().zip(ks) {
            if closer_negatives < k {
                *h += 1;
            }
        }
    }
    hits.iter()
        .map(|&h| {
            if queries == 0 {
                0.0
            } else {
                h as f64 / queries as f64
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/losses.md §9.2, example B: R@1 = 4/6, R@2 = 5/6, R@4 = 1.
    #[test]
    fn recall_of_example_b() {
        let angles = [0.0_f32, 85.0, 115.0, 150.0, 240.0, 265.0];
        let x: Vec<f32> = angles
            .iter()
            .flat_map(|a| [a.to_radians().cos(), a.to_radians().sin()])
            .collect();
        let r = recall_at_k(&x, 2, &[0, 0, 1, 1, 2, 2], &[1, 2, 4]);
        assert!((r[0] - 4.0 / 6.0).abs() < 1e-12);
        assert!((r[1] - 5.0 / 6.0).abs() < 1e-12);
        assert!((r[2] - 1.0).abs() < 1e-12);
    }
}
