//! Errors of the loss engine.

use thiserror::Error;

/// Everything that can go wrong when validating a [`crate::losses::LossSpec`] or evaluating it.
///
/// Messages are short, lowercase and name the offending parameter or input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum LossError {
    /// A hyper-parameter is out of its valid range.
    #[error("invalid parameter `{param}`: {reason}")]
    InvalidParam {
        /// PML-style parameter name, e.g. `alpha`.
        param: &'static str,
        /// Why it was rejected, including the offending value.
        reason: String,
    },
    /// The similarity matrix does not have `m * m` entries for `m` labels.
    #[error("similarity matrix has {len} entries, expected {expected} for {m} labels")]
    Shape {
        /// Number of entries given.
        len: usize,
        /// `m * m`.
        expected: usize,
        /// Number of labels.
        m: usize,
    },
    /// The embeddings do not have `m * d` entries for `m` labels.
    #[error("embeddings have {len} entries, expected {expected} for {m} labels of dimension {d}")]
    EmbeddingShape {
        /// Number of entries given.
        len: usize,
        /// `m * d`.
        expected: usize,
        /// Number of labels.
        m: usize,
        /// Embedding dimension.
        d: usize,
    },
    /// The similarity matrix contains NaN or an infinity.
    #[error("similarity matrix entry ({row}, {col}) is not finite")]
    NonFinite {
        /// Row (anchor) index.
        row: usize,
        /// Column index.
        col: usize,
    },
    /// The loss and the miner cannot be combined.
    #[error("incompatible configuration: {0}")]
    Incompatible(String),
}
