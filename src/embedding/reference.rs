//! linfa-tsne (bhtsne, Barnes–Hut θ = 0.5), kept as the independent reference the engine is
//! tested against (`tests/embed.rs`) and benchmarked beside (`cargo bench --bench tsne`).

use linfa::traits::Transformer as _;
use linfa_tsne::TSneParams;
use ndarray::Array2;
use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;

use super::affinity::effective_perplexity;

/// linfa-tsne's layout of `points` (`[n, d]`) with `iterations` in all (its own schedule:
/// early exaggeration, learning rate 200), seeded. Run it on a thread with a large stack
/// (bhtsne's trees recurse deeply on near-duplicate points).
pub fn linfa_layout(
    points: &[f32],
    d: usize,
    perplexity: f64,
    iterations: usize,
    seed: u64,
) -> Result<Vec<[f64; 2]>, String> {
    let n = points.len() / d.max(1);
    // linfa-tsne rejects perplexity ≥ (n − 1)/3.
    let perplexity = effective_perplexity(perplexity, n).min((n as f64 - 1.0) / 3.0 - 1e-6);
    let x = Array2::from_shape_vec((n, d), points.iter().map(|&v| f64::from(v)).collect())
        .map_err(|e| e.to_string())?;
    let y = TSneParams::embedding_size_with_rng(2, ChaCha8Rng::seed_from_u64(seed))
        .perplexity(perplexity)
        .approx_threshold(0.5)
        .max_iter(iterations)
        .transform(x)
        .map_err(|e| format!("linfa-tsne failed: {e}"))?;
    Ok(y.outer_iter().map(|r| [r[0], r[1]]).collect())
}
