//! [`CaseError`]: why a golden-format case file was rejected.

use thiserror::Error;

use crate::losses::error::LossError;

/// Why a case file was rejected; every message is one line naming the problem.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CaseError {
    /// Not valid JSON (this includes `NaN` / `Infinity` literals and out-of-range numbers).
    #[error("invalid json: {0}")]
    Json(String),
    /// A required field is absent.
    #[error("missing field `{0}`")]
    Missing(&'static str),
    /// A field has the wrong JSON type.
    #[error("field `{field}` must be {expected}")]
    WrongType {
        /// Field path.
        field: String,
        /// Expected type.
        expected: &'static str,
    },
    /// Unknown loss name.
    #[error("unknown loss `{0}`")]
    UnknownLoss(String),
    /// Unknown miner name.
    #[error("unknown miner `{0}`")]
    UnknownMiner(String),
    /// Unknown parameter for a loss or miner.
    #[error("unknown parameter `{param}` for `{owner}`")]
    UnknownParam {
        /// Loss or miner name.
        owner: String,
        /// Parameter name.
        param: String,
    },
    /// A known parameter with an unsupported value.
    #[error("invalid parameter `{param}`: {reason}")]
    BadParam {
        /// Parameter name.
        param: String,
        /// Why.
        reason: String,
    },
    /// No embeddings.
    #[error("embeddings are empty")]
    Empty,
    /// Rows of different lengths.
    #[error("embeddings row {row} has {len} values, expected {expected}")]
    Ragged {
        /// Row index.
        row: usize,
        /// Its length.
        len: usize,
        /// Length of row 0.
        expected: usize,
    },
    /// NaN or infinite embedding value.
    #[error("embeddings[{row}][{col}] is not finite")]
    NonFinite {
        /// Row index.
        row: usize,
        /// Column index.
        col: usize,
    },
    /// `labels` length differs from the number of embedding rows.
    #[error("labels has {labels} entries but embeddings has {rows} rows")]
    LabelCount {
        /// Number of labels.
        labels: usize,
        /// Number of rows.
        rows: usize,
    },
    /// A label is not an integer.
    #[error("labels[{0}] is not an integer")]
    BadLabel(usize),
    /// Fewer than two samples.
    #[error("need at least 2 samples, got {0}")]
    TooFew(usize),
    /// The parameters parse but are out of range (or the engine refused the case).
    #[error(transparent)]
    Invalid(#[from] LossError),
    /// The result could not be written as JSON.
    #[error("cannot write the result: {0}")]
    Output(String),
}
