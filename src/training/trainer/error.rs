//! Why a training step or a change to a run was refused.

use thiserror::Error;

use crate::losses::LossError;
use crate::training::config_error::ConfigError;

#[derive(Debug, Error)]
pub enum TrainError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("loss: {0}")]
    Loss(#[from] LossError),
    #[error("{0}")]
    Checkpoint(String),
    #[error("tensor read-back failed: {0}")]
    Readback(String),
    /// `step` is the step that failed; the model is the one after `step - 1`.
    #[error(
        "training diverged at step {step}: {what} is not finite (likely cause: {cause}); \
         the model of step {kept} is kept",
        kept = step.saturating_sub(1)
    )]
    Diverged {
        step: u64,
        what: &'static str,
        cause: String,
    },
}
