//! What can go wrong reading or generating a data set.

use thiserror::Error;

/// Every error names its source (a file, a folder, a generator) and, for a row, its line.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DataError {
    #[error("{source_name}: line {line}: {problem}")]
    Row {
        source_name: String,
        line: usize,
        problem: String,
    },
    #[error("{source_name}: {problem}")]
    File {
        source_name: String,
        problem: String,
    },
}
