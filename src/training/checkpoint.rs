//! Model checkpoints: the trained network in burn's own format (a burnpack record of the
//! module, [`burn::module::Module::into_record`]) together with the run configuration and the
//! step it was taken at, so that a lesson can start from a trained state.
//!
//! On disk a checkpoint is one TOML file (written atomically):
//!
//! ```toml
//! format = "pairscope-checkpoint"
//! version = 1
//! step = 500
//! model = "<burnpack bytes, base64>"
//!
//! [config]   # the run configuration, as in config.toml
//! ```

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::config::{ConfigError, TrainConfig};
use super::limits::{CHECKPOINT_MODEL_BYTES, max_checkpoint_file_bytes};

/// The `format` value of every checkpoint file.
pub const FORMAT: &str = "pairscope-checkpoint";
/// The newest checkpoint version this build reads and the one it writes.
pub const VERSION: u32 = 1;

/// Why a checkpoint could not be read or written.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// The text is not TOML at all (the parser's message).
    #[error("not a pairscope checkpoint: {0}")]
    NotToml(String),
    /// TOML without `format = "pairscope-checkpoint"`.
    #[error("not a pairscope checkpoint (format = \"{format}\" is missing)", format = FORMAT)]
    NotACheckpoint,
    #[error("checkpoint version {0} is not supported (this build reads 1..={newest})", newest = VERSION)]
    Version(u32),
    #[error("checkpoint without a version")]
    NoVersion,
    /// The file is larger than any checkpoint this build writes; refused before reading.
    #[error(
        "checkpoint file (bytes) must be at most {max} (got {0})",
        max = max_checkpoint_file_bytes()
    )]
    TooLarge(u64),
    /// A checkpoint whose keys or types are wrong.
    #[error("{0}")]
    Parse(String),
    /// Its configuration is refused, like any other.
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the checkpoint's model is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error(transparent)]
    Serialize(#[from] toml::ser::Error),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A problem in a checkpoint file, named with its path.
    #[error("{}: {source}", .path.display())]
    InFile {
        path: PathBuf,
        source: Box<CheckpointError>,
    },
}

/// A trained model and the run it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub config: TrainConfig,
    /// Steps trained when it was taken.
    pub step: u64,
    /// The module record as burnpack bytes.
    pub model: Vec<u8>,
}

/// The keys that say what a file is (the rest is ignored when reading them).
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointFile {
    format: String,
    version: u32,
    step: u64,
    model: String,
    config: TrainConfig,
}

impl Checkpoint {
    /// The checkpoint as the text of a `.toml` file.
    pub fn to_toml(&self) -> Result<String, CheckpointError> {
        Ok(toml::to_string(&CheckpointFile {
            format: FORMAT.into(),
            version: VERSION,
            step: self.step,
            model: STANDARD.encode(&self.model),
            config: self.config.clone(),
        })?)
    }

    /// Whether a TOML text says it is a checkpoint (`format = "pairscope-checkpoint"`),
    /// whatever else it holds.
    pub fn is_checkpoint(text: &str) -> bool {
        toml::from_str::<Header>(text).is_ok_and(|h| h.format.as_deref() == Some(FORMAT))
    }

    /// Parses a checkpoint file's text; the configuration is validated like any other.
    pub fn from_toml(text: &str) -> Result<Self, CheckpointError> {
        // Say "not a checkpoint" before complaining about any other key.
        let header: Header =
            toml::from_str(text).map_err(|e| CheckpointError::NotToml(e.message().to_owned()))?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(CheckpointError::NotACheckpoint);
        }
        match header.version {
            Some(v) if v <= VERSION && v > 0 => {}
            Some(v) => return Err(CheckpointError::Version(v)),
            None => return Err(CheckpointError::NoVersion),
        }
        let file: CheckpointFile =
            toml::from_str(text).map_err(|e| CheckpointError::Parse(e.message().to_owned()))?;
        file.config.validate()?;
        // The decoded size from the text's length, before anything is allocated for it.
        let encoded = file.model.trim();
        CHECKPOINT_MODEL_BYTES.check(encoded.len() / 4 * 3)?;
        let model = STANDARD.decode(encoded)?;
        Ok(Self {
            config: file.config,
            step: file.step,
            model,
        })
    }

    /// Reads a checkpoint file; the message names the file.
    pub fn read(path: &Path) -> Result<Self, CheckpointError> {
        let in_file = |source| CheckpointError::InFile {
            path: path.to_owned(),
            source: Box::new(source),
        };
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        if size > max_checkpoint_file_bytes() {
            return Err(in_file(CheckpointError::TooLarge(size)));
        }
        let text = std::fs::read_to_string(path).map_err(|source| CheckpointError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(in_file)
    }

    /// Writes the checkpoint atomically (a failed write leaves the old file intact); a model
    /// this build would refuse to read is refused here.
    pub fn write(&self, path: &Path) -> Result<(), CheckpointError> {
        CHECKPOINT_MODEL_BYTES.check(self.model.len())?;
        let text = self.to_toml()?;
        crate::io::write_atomic(path, text.as_bytes()).map_err(|source| CheckpointError::Io {
            path: path.to_owned(),
            source,
        })
    }
}
