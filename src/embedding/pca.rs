//! PCA to two dimensions: the top two principal axes of the centred points (the eigenvectors of
//! the d × d covariance, linfa-linalg's symmetric eigensolver). Instant and deterministic:
//! distances are the original ones up to the dropped components (the Embedding Projector's
//! other default). Each axis's sign is fixed so that its largest-magnitude loading is positive.

use linfa_linalg::eigh::Eigh as _;
use ndarray::Array2;

/// Coordinates of `points` (`[n, d]`) on the top two principal axes, and the share of the
/// variance each explains. Fewer than two informative axes (d = 1, all points equal) give zeros
/// on the missing axis.
pub fn pca2(points: &[f32], d: usize) -> (Vec<[f64; 2]>, [f64; 2]) {
    let n = points.len() / d.max(1);
    if n == 0 || d == 0 {
        return (Vec::new(), [0.0; 2]);
    }
    let mut mean = vec![0.0_f64; d];
    for row in points.chunks_exact(d) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut cov = Array2::<f64>::zeros((d, d));
    for row in points.chunks_exact(d) {
        let c: Vec<f64> = row
            .iter()
            .zip(&mean)
            .map(|(&v, m)| f64::from(v) - m)
            .collect();
        for a in 0..d {
            for b in a..d {
                cov[[a, b]] += c[a] * c[b];
            }
        }
    }
    for a in 0..d {
        for b in 0..a {
            cov[[a, b]] = cov[[b, a]];
        }
    }
    let total: f64 = (0..d).map(|a| cov[[a, a]]).sum();
    let Ok((values, vectors)) = cov.eigh() else {
        return (vec![[0.0; 2]; n], [0.0; 2]);
    };
    // Largest eigenvalues first.
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let axes: Vec<Vec<f64>> = order
        .iter()
        .take(2)
        .map(|&k| {
            let mut v: Vec<f64> = vectors.column(k).to_vec();
            let big = v
                .iter()
                .copied()
                .fold(0.0_f64, |m, x| if x.abs() > m.abs() { x } else { m });
            if big < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            v
        })
        .collect();
    let xy = points
        .chunks_exact(d)
        .map(|row| {
            let mut out = [0.0; 2];
            for (o, axis) in out.iter_mut().zip(&axes) {
                *o = row
                    .iter()
                    .zip(&mean)
                    .zip(axis)
                    .map(|((&v, m), a)| (f64::from(v) - m) * a)
                    .sum();
            }
            out
        })
        .collect();
    let mut share = [0.0; 2];
    for (s, &k) in share.iter_mut().zip(&order) {
        *s = if total > 0.0 {
            values[k].max(0.0) / total
        } else {
            0.0
        };
    }
    (xy, share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_axes_of_an_elongated_cloud() {
        // Points along (1, 1, 0) with a little spread along (0, 0, 1).
        let points: Vec<f32> = (0..50)
            .flat_map(|i| {
                let t = i as f32 - 25.0;
                [t, t, 0.1 * ((i % 5) as f32 - 2.0)]
            })
            .collect();
        let (xy, share) = pca2(&points, 3);
        assert!(share[0] > 0.99 && share[1] < 0.01, "{share:?}");
        // The first coordinate is the distance along the main axis: √2 · t.
        for (i, p) in xy.iter().enumerate() {
            let t = i as f64 - 24.5;
            assert!(
                (p[0].abs() - (2.0_f64).sqrt() * t.abs()).abs() < 1e-3,
                "{p:?} at {i}"
            );
        }
        assert_eq!(pca2(&points, 3), pca2(&points, 3), "deterministic");
        let (flat, s) = pca2(&[1.0; 12], 3);
        assert_eq!((flat.len(), s), (4, [0.0, 0.0]));
    }
}
