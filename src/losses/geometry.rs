//! Embedding-side helpers: cosine similarity and back-propagation of `G = ∂L/∂S`.

use super::gram::gram_f64;

/// Norms below this are treated as zero (the row is left as the zero vector).
const NORM_EPS: f64 = 1e-12;

/// L2-normalise the rows of `emb`; returns the normalised rows and the original norms.
/// Zero (or near-zero) rows stay zero.
///
/// # Shapes
/// `emb`: `m * d` row-major → (`m * d`, `m`).
pub fn normalize_rows(emb: &[f64], m: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(emb.len(), m * d, "embeddings must have m * d entries");
    let mut out = emb.to_vec();
    let mut norms = Vec::with_capacity(m);
    for row in out.chunks_exact_mut(d.max(1)).take(m) {
        let n = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        norms.push(n);
        if n > NORM_EPS {
            row.iter_mut().for_each(|v| *v /= n);
        } else {
            row.iter_mut().for_each(|v| *v = 0.0);
        }
    }
    (out, norms)
}

/// Cosine similarity `S = X̂ X̂ᵀ` of the row-normalised embeddings (zero rows give `S = 0`).
/// Each cell is summed over k ascending (`gram`: the same bits as a plain double loop, many
/// cells at a time, on all cores for a large batch).
///
/// # Shapes
/// `emb`: `m * d` row-major → `m * m` row-major, symmetric.
///
/// # Panics
/// If `emb.len() != m * d`.
pub fn cosine_similarity(emb: &[f64], m: usize, d: usize) -> Vec<f64> {
    let (x, _) = normalize_rows(emb, m, d);
    gram_f64(&x, m, d)
}

/// `∂L/∂x̂` projected onto the tangent space of the unit sphere, for **unit-norm** inputs:
/// `G = (W + Wᵀ) X̂`, `g_i = G_i − ⟨G_i, x̂_i⟩ x̂_i` (the golden `embedding_grad` for unit
/// embeddings). For raw features use [`embedding_grad_raw`], which also divides by `‖f_i‖`.
///
/// # Shapes
/// `weights`: `m * m`, `emb_normalised`: `m * d` → `m * d`.
///
/// # Panics
/// If the lengths do not match `m` and `d`.
pub fn embedding_grad(weights: &[f64], emb_normalised: &[f64], m: usize, d: usize) -> Vec<f64> {
    assert_eq!(weights.len(), m * m, "weights must have m * m entries");
    assert_eq!(
        emb_normalised.len(),
        m * d,
        "embeddings must have m * d entries"
    );
    let x = emb_normalised;
    let mut g = vec![0.0; m * d];
    for i in 0..m {
        let gi = &mut g[i * d..(i + 1) * d];
        for j in 0..m {
            let c = weights[i * m + j] + weights[j * m + i];
            if c != 0.0 {
                for (a, b) in gi.iter_mut().zip(&x[j * d..(j + 1) * d]) {
                    *a += c * b;
                }
            }
        }
        let xi = &x[i * d..(i + 1) * d];
        let dot: f64 = gi.iter().zip(xi).map(|(a, b)| a * b).sum();
        for (a, b) in gi.iter_mut().zip(xi) {
            *a -= dot * b;
        }
    }
    g
}

/// `∂L/∂f` for raw (unnormalised) features `f`: [`embedding_grad`] on `f/‖f‖`, row `i` divided
/// by `‖f_i‖` (zero rows get a zero gradient).
///
/// # Shapes
/// `weights`: `m * m`, `emb`: `m * d` → `m * d`.
pub fn embedding_grad_raw(weights: &[f64], emb: &[f64], m: usize, d: usize) -> Vec<f64> {
    let (x, norms) = normalize_rows(emb, m, d);
    let mut g = embedding_grad(weights, &x, m, d);
    for (row, &n) in g.chunks_exact_mut(d.max(1)).zip(&norms) {
        let inv = if n > NORM_EPS { 1.0 / n } else { 0.0 };
        row.iter_mut().for_each(|v| *v *= inv);
    }
    g
}
