//! k-means (linfa-clustering) and normalised mutual information.

use linfa::DatasetBase;
use linfa::prelude::{Fit, Predict};
use linfa_clustering::KMeans;
use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Cluster ids from seeded k-means (k-means++ init, best of 3 runs) on `[n, d]` rows.
/// Degenerate inputs (k = 0, fewer rows than k) put every row in cluster 0.
pub fn kmeans_labels(x: &[f32], d: usize, k: usize, seed: u64) -> Vec<usize> {
    let n = x.len().checked_div(d).unwrap_or(0);
    if k == 0 || n < k {
        return vec![0; n];
    }
    let Ok(records) = Array2::from_shape_vec((n, d), x.iter().map(|&v| f64::from(v)).collect())
    else {
        return vec![0; n];
    };
    let dataset = DatasetBase::from(records);
    let fitted = KMeans::params_with_rng(k, ChaCha8Rng::seed_from_u64(seed))
        .n_runs(3)
        .tolerance(1e-4)
        .max_n_iterations(300)
        .fit(&dataset);
    match fitted {
        Ok(model) => model.predict(dataset.records()).to_vec(),
        Err(e) => {
            log::warn!("k-means failed ({e}); NMI uses a single cluster");
            vec![0; n]
        }
    }
}

/// Normalised mutual information `2 I(Ω; C) / (H(Ω) + H(C))` (scikit-learn's default,
/// arithmetic mean). Two single-cluster labellings give 1, as in scikit-learn.
pub fn nmi(clusters: &[usize], labels: &[u32]) -> f64 {
    let n = clusters.len().min(labels.len());
    if n == 0 {
        return 0.0;
    }
    let kc = clusters.iter().max().map_or(0, |&c| c + 1);
    let kl = labels.iter().max().map_or(0, |&l| l as usize + 1);
    let mut joint = vec![0.0_f64; kc * kl];
    let mut pc = vec![0.0_f64; kc];
    let mut pl = vec![0.0_f64; kl];
    let w = 1.0 / n as f64;
    for (&c, &l) in clusters.iter().zip(labels) {
        joint[c * kl + l as usize] += w;
        pc[c] += w;
        pl[l as usize] += w;
    }
    let entropy = |p: &[f64]| {
        -p.iter()
            .filter(|&&q| q > 0.0)
            .map(|q| q * q.ln())
            .sum::<f64>()
    };
    let (hc, hl) = (entropy(&pc), entropy(&pl));
    if hc == 0.0 && hl == 0.0 {
        return 1.0;
    }
    let mut mi = 0.0;
    for c in 0..kc {
        for l in 0..kl {
            let pj = joint[c * kl + l];
            if pj > 0.0 {
                mi += pj * (pj / (pc[c] * pl[l])).ln();
            }
        }
    }
    (2.0 * mi / (hc + hl)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from scikit-learn 1.x `normalized_mutual_info_score`.
    #[test]
    fn nmi_matches_scikit_learn() {
        assert!((nmi(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-12);
        assert!(nmi(&[0, 0, 1, 1], &[0, 1, 0, 1]).abs() < 1e-12);
        // normalized_mutual_info_score([0,0,0,1,1,1], [0,0,1,1,2,2]) = 0.5158037429793889
        assert!(
            (nmi(&[0, 0, 1, 1, 2, 2], &[0, 0, 0, 1, 1, 1]) - 0.515_803_742_979_388_9).abs() < 1e-9
        );
    }
}
