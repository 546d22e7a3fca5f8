//! Why a configuration was refused: the one error type of `config` and `limits` (a leaf, so
//! that both can name it without naming each other).

use std::path::PathBuf;

use thiserror::Error;

use crate::losses::LossError;

/// Why a configuration was refused; every message names the field (or file and line).
#[derive(Debug, Error)]
pub enum ConfigError {
    /// A value outside its [`Limit`](super::limits::Limit), e.g. "hidden_dim must be in 1..=4096".
    #[error("{field} must be {rule}")]
    OutOfRange { field: &'static str, rule: String },
    /// Settings that do not fit the data (the CNN without images, a split that leaves one
    /// side empty).
    #[error("{0}")]
    DataMismatch(&'static str),
    #[error(transparent)]
    Loss(#[from] LossError),
    /// A data source's number outside its range (`data::limits`), e.g. a generator's classes.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// The TOML text is not a configuration (a syntax error, an unknown key, a wrong type).
    #[error("{}{message}", .line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Parse {
        /// The line of the offending key, where the parser says.
        line: Option<usize>,
        message: String,
    },
    #[error(transparent)]
    Serialize(#[from] toml::ser::Error),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A problem in a configuration file, named with its path.
    #[error("{}: {source}", .path.display())]
    InFile {
        path: PathBuf,
        source: Box<ConfigError>,
    },
}
