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

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::config::TrainConfig;

/// The `format` value of every checkpoint file.
pub const FORMAT: &str = "pairscope-checkpoint";
/// The newest checkpoint version this build reads and the one it writes.
pub const VERSION: u32 = 1;

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
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string(&CheckpointFile {
            format: FORMAT.into(),
            version: VERSION,
            step: self.step,
            model: STANDARD.encode(&self.model),
            config: self.config.clone(),
        })
        .map_err(|e| e.to_string())
    }

    /// Whether a TOML text says it is a checkpoint (`format = "pairscope-checkpoint"`),
    /// whatever else it holds.
    pub fn is_checkpoint(text: &str) -> bool {
        toml::from_str::<Header>(text).is_ok_and(|h| h.format.as_deref() == Some(FORMAT))
    }

    /// Parses a checkpoint file's text; the configuration is validated like any other.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        // Say "not a checkpoint" before complaining about any other key.
        let header: Header = toml::from_str(text)
            .map_err(|e| format!("not a pairscope checkpoint: {}", e.message()))?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(format!(
                "not a pairscope checkpoint (format = \"{FORMAT}\" is missing)"
            ));
        }
        match header.version {
            Some(v) if v <= VERSION && v > 0 => {}
            Some(v) => {
                return Err(format!(
                    "checkpoint version {v} is not supported (this build reads 1..={VERSION})"
                ));
            }
            None => return Err("checkpoint without a version".into()),
        }
        let file: CheckpointFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        file.config.validate()?;
        let model = STANDARD
            .decode(file.model.trim())
            .map_err(|e| format!("the checkpoint's model is not valid base64: {e}"))?;
        Ok(Self {
            config: file.config,
            step: file.step,
            model,
        })
    }

    /// Reads a checkpoint file; the message names the file.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes the checkpoint atomically (a failed write leaves the old file intact).
    pub fn write(&self, path: &std::path::Path) -> Result<(), String> {
        let text = self.to_toml()?;
        crate::io::write_atomic(path, text.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}
