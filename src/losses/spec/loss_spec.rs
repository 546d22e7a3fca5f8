//! [`LossSpec`]: what the engine evaluates, a loss and an optional miner.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::loss::Loss;
use super::miner::Miner;
use crate::losses::error::LossError;

/// What to evaluate: a loss and an optional miner run before it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossSpec {
    /// The loss.
    pub loss: Loss,
    /// Optional miner; `None` = every valid pair / triplet (PML without a miner).
    #[serde(default)]
    pub miner: Option<Miner>,
}

impl LossSpec {
    /// Loss without a miner.
    pub fn new(loss: Loss) -> Self {
        Self { loss, miner: None }
    }

    /// Loss with a miner.
    pub fn with_miner(loss: Loss, miner: Miner) -> Self {
        Self {
            loss,
            miner: Some(miner),
        }
    }

    /// Check parameters of both parts and that they can be combined.
    pub fn validate(&self) -> Result<(), LossError> {
        self.loss.validate()?;
        if let Some(miner) = &self.miner {
            miner.validate()?;
            if matches!(self.loss, Loss::Composed { .. }) {
                return Err(LossError::Incompatible(
                    "a composed loss has its own mining rule; miner must be none".into(),
                ));
            }
        }
        Ok(())
    }

    /// See [`Loss::weights_are_gradient`].
    pub fn weights_are_gradient(&self) -> bool {
        self.loss.weights_are_gradient()
    }

    /// Names the configuration; for a composed loss the mining × weighting combination, e.g.
    /// `"mining: MS rule (ε = 0.1) × weighting: binomial (α = 2, β = 40, λ = 0.5)"`.
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// Human-readable label, e.g. `"multi-similarity (α = 2, β = 50, λ = 0.5) + MS miner (ε = 0.1)"`.
    pub fn label(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for LossSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.miner {
            Some(miner) => write!(f, "{} + {}", self.loss, miner),
            None => write!(f, "{}", self.loss),
        }
    }
}
