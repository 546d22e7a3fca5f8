//! [`PairOutput`]: what one evaluation of the engine returns (its own file so that every module
//! of `losses` can name it without depending on `losses/mod.rs`).

/// Result of [`crate::losses::evaluate`].
///
/// # Shapes
/// `weights` and `per_pair_loss` are `m * m` row-major (`m` = number of labels).
#[derive(Debug, Clone, PartialEq)]
pub struct PairOutput {
    /// Reduced loss value.
    pub loss: f64,
    /// `G[i][j] = ∂L/∂S[i][j]` (signed: `<= 0` on positives, `>= 0` on negatives), diagonal 0.
    /// For circle-type weighting these are PML's detached weights (see
    /// [`crate::losses::Loss::weights_are_gradient`]).
    pub weights: Vec<f64>,
    /// Ordered `(anchor, other)` positive pairs, sorted and unique: the mined ones when a miner
    /// (or a composed mining rule) is used — for triplet miners the unique `(a, p)` — otherwise
    /// the entries with non-zero weight.
    pub positive_pairs: Vec<[usize; 2]>,
    /// Negative pairs, same conventions.
    pub negative_pairs: Vec<[usize; 2]>,
    /// Mined triplets `(a, p, n)`, sorted, for triplet miners.
    pub triplets: Option<Vec<[usize; 3]>>,
    /// Unreduced per-pair term for losses that have one (contrastive, binomial, composed
    /// uniform / violation / binomial), `0` for pairs without a role.
    pub per_pair_loss: Option<Vec<f64>>,
}

impl PairOutput {
    /// Batch size `m` (from the length of `weights`).
    pub fn m(&self) -> usize {
        self.weights.len().isqrt()
    }
}
