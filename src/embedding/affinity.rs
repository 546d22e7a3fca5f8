//! t-SNE's input affinities P: exact k-nearest neighbours (k = ⌊3·perplexity⌋, as openTSNE and
//! bhtsne), a Gaussian bandwidth per point found by bisection so that each conditional
//! distribution p_{j|i} has the requested perplexity, and the symmetrised
//! `P_ij = (p_{j|i} + p_{i|j}) / 2n` as a sparse (CSR) matrix. No egui, no burn.
//!
//! The bandwidths can be warm-started from a previous call (the live layout rebuilds P every
//! time the network's embeddings change a little).

use rayon::prelude::*;

/// Sparse symmetric affinities, row-major (CSR): row i's neighbours are
/// `indices[indptr[i]..indptr[i + 1]]` with `values` alongside; they sum to 1 over all rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Affinities {
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl Affinities {
    pub fn n(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    /// Row i: (neighbour, P_ij).
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let range = self.indptr[i]..self.indptr[i + 1];
        self.indices[range.clone()]
            .iter()
            .zip(&self.values[range])
            .map(|(&j, &p)| (j as usize, p))
    }
}

/// The perplexity actually used for `n` points: at most (n − 1)/3 (k = 3·perplexity neighbours
/// must exist), at least 1.
pub fn effective_perplexity(perplexity: f64, n: usize) -> f64 {
    perplexity.min((n.saturating_sub(1)) as f64 / 3.0).max(1.0)
}

/// Number of neighbours for `n` points at (effective) `perplexity`.
pub fn neighbours(perplexity: f64, n: usize) -> usize {
    ((3.0 * perplexity).floor() as usize).clamp(1, n.saturating_sub(1).max(1))
}

/// `|a − b|²`, with eight independent partial sums; the exact difference, not
/// |a|² + |b|² − 2ab: duplicates must come out as 0. Compiled for AVX2 / AVX-512 too.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0_f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (a, b) in ca.zip(cb) {
        for l in 0..8 {
            let t = a[l] - b[l];
            acc[l] += t * t;
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(a, b)| (a - b) * (a - b)).sum();
    acc.iter().sum::<f32>() + tail
}

/// The exact k nearest neighbours of every row of `points` (`[n, d]`, squared Euclidean
/// distances, self excluded), nearest first; ties broken by index.
pub fn knn(points: &[f32], d: usize, k: usize, parallel: bool) -> Vec<Vec<(u32, f32)>> {
    let n = points.len() / d.max(1);
    let row = |i: usize| {
        let xi = &points[i * d..(i + 1) * d];
        let mut dist: Vec<(u32, f32)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (j as u32, squared_distance(xi, &points[j * d..(j + 1) * d])))
            .collect();
        let by = |a: &(u32, f32), b: &(u32, f32)| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0));
        let k = k.min(dist.len());
        if k < dist.len() {
            dist.select_nth_unstable_by(k, by);
            dist.truncate(k);
        }
        dist.sort_unstable_by(by);
        dist
    };
    if parallel {
        (0..n).into_par_iter().map(row).collect()
    } else {
        (0..n).map(row).collect()
    }
}

/// Conditional affinities of one point from its neighbours' squared distances (nearest
/// first): `p_{j|i} ∝ exp(−β (d_j − d_1))` with β bisected until the entropy is ln(perplexity)
/// (to 1e-5). Starts from `beta` (a previous bandwidth) when given. Returns (p, β).
pub fn conditional(dist: &[f32], perplexity: f64, beta: Option<f64>) -> (Vec<f64>, f64) {
    let target = perplexity.ln();
    let d0 = dist.first().map_or(0.0, |&v| f64::from(v));
    let mut p = vec![0.0; dist.len()];
    let mut beta = beta.filter(|b| b.is_finite() && *b > 0.0).unwrap_or(1.0);
    let (mut lo, mut hi) = (0.0_f64, f64::INFINITY);
    for _ in 0..200 {
        let mut sum = 0.0;
        let mut weighted = 0.0;
        for (pj, &dj) in p.iter_mut().zip(dist) {
            let shifted = f64::from(dj) - d0;
            *pj = (-beta * shifted).exp();
            sum += *pj;
            weighted += *pj * shifted;
        }
        // H = ln Σ + β Σ p d / Σ (distances shifted by d_1 for stability).
        let entropy = sum.ln() + beta * weighted / sum;
        if (entropy - target).abs() < 1e-5 {
            break;
        }
        if entropy > target {
            lo = beta;
            beta = if hi.is_finite() {
                (beta + hi) / 2.0
            } else {
                beta * 2.0
            };
        } else {
            hi = beta;
            beta = (beta + lo) / 2.0;
        }
    }
    let sum: f64 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= sum);
    (p, beta)
}

/// `points` times the power of two that brings their largest magnitude into [1, 2), when it is
/// outside 1e-6..=1e6; `None` when they need no scaling. Squared distances are f32 sums:
/// magnitudes beyond ~1e19 overflow them to ∞ (P, then the whole layout, became NaN) and tiny
/// ones underflow to 0. A common factor does not change P (the bandwidths absorb it), and a
/// power of two scales exactly, so well-scaled inputs keep their bits.
pub fn rescaled(points: &[f32]) -> Option<Vec<f32>> {
    let largest = points.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
    if largest == 0.0 || !largest.is_finite() || (1e-6..=1e6).contains(&largest) {
        return None;
    }
    // In f64: the factor for a subnormal largest value (2^133 and more) overflows f32.
    let factor = (-f64::from(largest).log2().floor()).exp2();
    Some(
        points
            .iter()
            .map(|&v| (f64::from(v) * factor) as f32)
            .collect(),
    )
}

/// P of `points` (`[n, d]`) at `perplexity` (already effective, see [`effective_perplexity`]).
/// `betas`: bandwidths of a previous call on the same points (warm start); the new ones are
/// written back.
pub fn affinities(
    points: &[f32],
    d: usize,
    perplexity: f64,
    betas: &mut Vec<f64>,
    parallel: bool,
) -> Affinities {
    let n = points.len() / d.max(1);
    let k = neighbours(perplexity, n);
    let scaled = rescaled(points);
    let near = knn(scaled.as_deref().unwrap_or(points), d, k, parallel);
    let warm = betas.len() == n;
    let bandwidth = |(i, row): (usize, &Vec<(u32, f32)>)| {
        let dist: Vec<f32> = row.iter().map(|&(_, dd)| dd).collect();
        conditional(&dist, perplexity, warm.then(|| betas[i]))
    };
    let rows: Vec<(Vec<f64>, f64)> = if parallel {
        near.par_iter().enumerate().map(bandwidth).collect()
    } else {
        near.iter().enumerate().map(bandwidth).collect()
    };
    *betas = rows.iter().map(|(_, b)| *b).collect();
    // Symmetrise: every (i, j, p_{j|i}) and its mirror, summed per pair, / 2n.
    let mut triplets: Vec<(u32, u32, f64)> = Vec::with_capacity(2 * n * k);
    for (i, (row, (p, _))) in near.iter().zip(&rows).enumerate() {
        for (&(j, _), &pj) in row.iter().zip(p) {
            triplets.push((i as u32, j, pj));
            triplets.push((j, i as u32, pj));
        }
    }
    let order = |a: &(u32, u32, f64), b: &(u32, u32, f64)| (a.0, a.1).cmp(&(b.0, b.1));
    if parallel {
        triplets.par_sort_unstable_by(order);
    } else {
        triplets.sort_unstable_by(order);
    }
    let mut out = Affinities {
        indptr: vec![0; n + 1],
        indices: Vec::new(),
        values: Vec::new(),
    };
    let scale = 1.0 / (2.0 * n as f64);
    let mut t = 0;
    while t < triplets.len() {
        let (i, j, mut v) = triplets[t];
        t += 1;
        while t < triplets.len() && triplets[t].0 == i && triplets[t].1 == j {
            v += triplets[t].2;
            t += 1;
        }
        out.indices.push(j);
        out.values.push((v * scale) as f32);
        out.indptr[i as usize + 1] += 1;
    }
    for i in 0..n {
        out.indptr[i + 1] += out.indptr[i];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_conditional_distribution_has_the_requested_perplexity() {
        let dist: Vec<f32> = (0..90).map(|k| 0.5 + k as f32 * 0.1).collect();
        let (p, beta) = conditional(&dist, 30.0, None);
        let entropy: f64 = -p
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|v| v * v.ln())
            .sum::<f64>();
        assert!(
            (entropy.exp() - 30.0).abs() < 1e-3,
            "perplexity {}",
            entropy.exp()
        );
        // Warm-started from its own answer, the bisection stops at once with the same β.
        let (_, again) = conditional(&dist, 30.0, Some(beta));
        assert!((again - beta).abs() <= 1e-12 * beta);
    }

    #[test]
    fn p_is_symmetric_and_sums_to_one_even_with_duplicates() {
        let mut points: Vec<f32> = (0..40 * 3).map(|k| ((k * 37) % 11) as f32).collect();
        points.extend_from_within(..3); // a duplicate of point 0
        let perplexity = effective_perplexity(5.0, 41);
        let p = affinities(&points, 3, perplexity, &mut Vec::new(), false);
        let total: f64 = p.values.iter().map(|&v| f64::from(v)).sum();
        assert!((total - 1.0).abs() < 1e-5, "sum {total}");
        for i in 0..p.n() {
            for (j, v) in p.row(i) {
                let back = p.row(j).find(|&(k, _)| k == i).map(|(_, w)| w);
                assert_eq!(back, Some(v), "P[{i},{j}] has no equal mirror");
                assert!(v.is_finite() && v > 0.0);
            }
        }
        let near = knn(&points, 3, 1, false);
        assert_eq!(
            near[40][0],
            (0, 0.0),
            "the duplicate's nearest neighbour is its twin"
        );
    }
}
