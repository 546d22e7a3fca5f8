//! The valid range of every numeric hyper-parameter, written once.
//!
//! The validators of [`super::loss::Loss`], [`super::miner::Miner`] and the composer rules check
//! each field against its [`FieldLimit`] constant, and the serde-driven parameter editor
//! (`ui::params`) looks the same limits up by name with [`limit`] to bound its drag values, so
//! a slider cannot produce a value the validator refuses. Constraints between two fields
//! (`nonzero_loss_cutoff > cutoff`) and flags (`swap`) are checked by the validators only.

use std::ops::RangeInclusive;

use crate::losses::error::LossError;

/// The valid values of one numeric hyper-parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// Any finite number.
    Finite,
    /// Finite and `> 0`.
    Positive,
    /// Finite and `>= 0`.
    NonNegative,
    /// Finite and in `[lo, hi]` (both ends included).
    Range(f64, f64),
    /// A whole number `>= lo`.
    AtLeast(u64),
    /// A whole number in `[lo, hi]` (both ends included).
    Between(u64, u64),
}

impl Limit {
    /// Whether the number `v` is allowed.
    pub fn allows(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Limit::Finite => true,
                Limit::Positive => v > 0.0,
                Limit::NonNegative => v >= 0.0,
                Limit::Range(lo, hi) => (lo..=hi).contains(&v),
                Limit::AtLeast(lo) => v.fract() == 0.0 && v >= lo as f64,
                Limit::Between(lo, hi) => v.fract() == 0.0 && (lo as f64..=hi as f64).contains(&v),
            }
    }

    /// What the limit demands, as in the validation messages (`"must be finite and > 0"`).
    pub fn requirement(self) -> String {
        match self {
            Limit::Finite => "must be finite".into(),
            Limit::Positive => "must be finite and > 0".into(),
            Limit::NonNegative => "must be finite and >= 0".into(),
            Limit::Range(lo, hi) => format!("must be in [{lo}, {hi}]"),
            Limit::AtLeast(lo) => format!("must be >= {lo}"),
            Limit::Between(lo, hi) => format!("must be in [{lo}, {hi}]"),
        }
    }

    /// `Ok` if `v` is allowed; the error names `param`, the range and the value.
    pub(crate) fn check(self, param: &'static str, v: f64) -> Result<(), LossError> {
        if self.allows(v) {
            Ok(())
        } else {
            Err(LossError::InvalidParam {
                param,
                reason: format!("{} (got {v})", self.requirement()),
            })
        }
    }

    /// [`Limit::check`] for a whole-number field (the message shows the exact integer).
    pub(crate) fn check_count(self, param: &'static str, v: u64) -> Result<(), LossError> {
        let ok = match self {
            Limit::AtLeast(lo) => v >= lo,
            Limit::Between(lo, hi) => (lo..=hi).contains(&v),
            other => other.allows(v as f64),
        };
        if ok {
            Ok(())
        } else {
            Err(LossError::InvalidParam {
                param,
                reason: format!("{} (got {v})", self.requirement()),
            })
        }
    }

    /// The widest closed range of numbers the limit allows (open ends are moved to the nearest
    /// allowed value, infinite ones to the largest finite number), for drag values.
    pub fn float_range(self) -> RangeInclusive<f64> {
        match self {
            Limit::Finite => f64::MIN..=f64::MAX,
            Limit::Positive => f64::MIN_POSITIVE..=f64::MAX,
            Limit::NonNegative => 0.0..=f64::MAX,
            Limit::Range(lo, hi) => lo..=hi,
            Limit::AtLeast(lo) => lo as f64..=f64::MAX,
            Limit::Between(lo, hi) => lo as f64..=hi as f64,
        }
    }

    /// The widest range of whole numbers the limit allows, for integer drag values.
    pub fn count_range(self) -> RangeInclusive<u64> {
        match self {
            Limit::Finite | Limit::NonNegative => 0..=u64::MAX,
            Limit::Positive => 1..=u64::MAX,
            Limit::Range(lo, hi) => {
                let lo = lo.max(0.0).ceil() as u64;
                lo..=(hi.floor().max(lo as f64) as u64)
            }
            Limit::AtLeast(lo) => lo..=u64::MAX,
            Limit::Between(lo, hi) => lo..=hi,
        }
    }
}

/// Matches every owner in a [`FieldLimit`].
pub const ANY_OWNER: &str = "*";

/// The limit of field `field` of the loss / miner / rule whose serde tag is `owner`
/// ([`ANY_OWNER`] when the field has the same limit wherever it appears).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldLimit {
    /// Serde tag (`"name"` of a loss or miner, `"rule"` of a composer rule), or [`ANY_OWNER`].
    pub owner: &'static str,
    /// Serde field name (PML's parameter name).
    pub field: &'static str,
    /// Valid values.
    pub limit: Limit,
}

impl FieldLimit {
    const fn any(field: &'static str, limit: Limit) -> Self {
        Self {
            owner: ANY_OWNER,
            field,
            limit,
        }
    }

    /// Check a real-valued field.
    pub(crate) fn check(&self, v: f64) -> Result<(), LossError> {
        self.limit.check(self.field, v)
    }

    /// Check a whole-number field.
    pub(crate) fn check_count(&self, v: usize) -> Result<(), LossError> {
        self.limit
            .check_count(self.field, u64::try_from(v).unwrap_or(u64::MAX))
    }
}

/// Margins and thresholds compared with a similarity: any finite value.
pub const POS_MARGIN: FieldLimit = FieldLimit::any("pos_margin", Limit::Finite);
/// See [`POS_MARGIN`].
pub const NEG_MARGIN: FieldLimit = FieldLimit::any("neg_margin", Limit::Finite);
/// Triplet margins (loss and miners): any finite value.
pub const MARGIN: FieldLimit = FieldLimit::any("margin", Limit::Finite);
/// The semi-hard mining rule's margin must be positive (`0 < t <= margin` is empty otherwise).
pub const SEMI_HARD_MARGIN: FieldLimit = FieldLimit {
    owner: "semi_hard",
    field: "margin",
    limit: Limit::Positive,
};
/// Absolute mining thresholds.
pub const POS_BELOW: FieldLimit = FieldLimit::any("pos_below", Limit::Finite);
/// See [`POS_BELOW`].
pub const NEG_ABOVE: FieldLimit = FieldLimit::any("neg_above", Limit::Finite);
/// Scales of the positive / negative terms (MS, binomial, relative softmax).
pub const ALPHA: FieldLimit = FieldLimit::any("alpha", Limit::Positive);
/// See [`ALPHA`].
pub const BETA: FieldLimit = FieldLimit::any("beta", Limit::Positive);
/// Similarity threshold λ.
pub const BASE: FieldLimit = FieldLimit::any("base", Limit::Finite);
/// Circle relaxation margin.
pub const CIRCLE_M: FieldLimit = FieldLimit::any("m", Limit::Range(0.0, 1.0));
/// Circle scale γ.
pub const GAMMA: FieldLimit = FieldLimit::any("gamma", Limit::Positive);
/// Histogram bins.
pub const N_BINS: FieldLimit = FieldLimit::any("n_bins", Limit::Between(1, 100_000));
/// Relative (MS) mining margin ε.
pub const EPSILON: FieldLimit = FieldLimit::any("epsilon", Limit::NonNegative);
/// Distance-weighted sampling: distance clamp.
pub const CUTOFF: FieldLimit = FieldLimit::any("cutoff", Limit::Positive);
/// Distance-weighted sampling: zero-probability distance (also `> cutoff`).
pub const NONZERO_LOSS_CUTOFF: FieldLimit = FieldLimit::any("nonzero_loss_cutoff", Limit::Positive);
/// Distance-weighted sampling: dimension of the sphere density.
pub const EMBEDDING_DIM: FieldLimit = FieldLimit::any("embedding_dim", Limit::AtLeast(2));
/// Distance-weighted sampling: any seed.
pub const SEED: FieldLimit = FieldLimit::any("seed", Limit::AtLeast(0));
/// Top-k mining: kept positives per anchor.
pub const K_POS: FieldLimit = FieldLimit::any("k_pos", Limit::AtLeast(1));
/// Top-k mining: kept negatives per anchor.
pub const K_NEG: FieldLimit = FieldLimit::any("k_neg", Limit::AtLeast(1));

/// `pairscope loss` cases: rows of `embeddings` (the engine builds `m × m` matrices; the
/// trainer's largest batch is 4096).
pub const CASE_ROWS: FieldLimit = FieldLimit {
    owner: "case",
    field: "embeddings (rows)",
    limit: Limit::Between(2, 4096),
};
/// `pairscope loss` cases: numbers per row of `embeddings`.
pub const CASE_DIM: FieldLimit = FieldLimit {
    owner: "case",
    field: "embeddings (columns)",
    limit: Limit::Between(1, 65_536),
};

/// Every limit; owner-specific entries come before the [`ANY_OWNER`] entry of the same field.
pub const LIMITS: [FieldLimit; 19] = [
    POS_MARGIN,
    NEG_MARGIN,
    SEMI_HARD_MARGIN,
    MARGIN,
    POS_BELOW,
    NEG_ABOVE,
    ALPHA,
    BETA,
    BASE,
    CIRCLE_M,
    GAMMA,
    N_BINS,
    EPSILON,
    CUTOFF,
    NONZERO_LOSS_CUTOFF,
    EMBEDDING_DIM,
    SEED,
    K_POS,
    K_NEG,
];

/// The limit of `field` in the loss / miner / rule tagged `owner` (its serde `"name"` or
/// `"rule"`), or `None` for a field without one.
pub fn limit(owner: &str, field: &str) -> Option<Limit> {
    LIMITS
        .iter()
        .find(|l| l.field == field && (l.owner == owner || l.owner == ANY_OWNER))
        .map(|l| l.limit)
}
