//! Errors of the loss engine.

use thiserror::Error;

/// Everything that can go wrong when validating a [`super::LossSpec`] or evaluating it.
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

/// `Ok` if `v` is finite.
pub(crate) fn finite(param: &'static str, v: f64) -> Result<(), LossError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(LossError::InvalidParam {
            param,
            reason: format!("must be finite (got {v})"),
        })
    }
}

/// `Ok` if `v` is finite and strictly positive.
pub(crate) fn positive(param: &'static str, v: f64) -> Result<(), LossError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(LossError::InvalidParam {
            param,
            reason: format!("must be finite and > 0 (got {v})"),
        })
    }
}

/// `Ok` if `v` is finite and `>= 0`.
pub(crate) fn non_negative(param: &'static str, v: f64) -> Result<(), LossError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(LossError::InvalidParam {
            param,
            reason: format!("must be finite and >= 0 (got {v})"),
        })
    }
}

/// `Ok` if `v` lies in `[lo, hi]`.
pub(crate) fn in_range(param: &'static str, v: f64, lo: f64, hi: f64) -> Result<(), LossError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(LossError::InvalidParam {
            param,
            reason: format!("must be in [{lo}, {hi}] (got {v})"),
        })
    }
}
