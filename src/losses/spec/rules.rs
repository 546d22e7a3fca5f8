//! The composer's rules (docs/losses.md §5): [`MiningRule`] (which pairs of each anchor are kept)
//! and [`WeightingRule`] (how much each kept pair counts), with presets, validation, display and
//! [`describe`]. What each rule computes is in `losses/compose.rs`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::limits::{
    ALPHA, BASE, BETA, CIRCLE_M, EPSILON, GAMMA, K_NEG, K_POS, NEG_ABOVE, NEG_MARGIN, POS_BELOW,
    POS_MARGIN, SEMI_HARD_MARGIN,
};
use super::params::DistanceWeightedParams;
use crate::losses::error::LossError;

/// Which pairs of each anchor are kept (all decisions on cosine similarity `S`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum MiningRule {
    /// `M-all`: every positive and every negative pair.
    All,
    /// `M-abs`: positives with `S < pos_below`, negatives with `S > neg_above`.
    Absolute {
        /// Positive similarity threshold.
        pos_below: f64,
        /// Negative similarity threshold.
        neg_above: f64,
    },
    /// `M-rel`: the MS rule (docs/losses.md §4.1): for anchors with both sides, positives with
    /// `S < max S⁻ + ε`, negatives with `S > min S⁺ − ε`.
    Relative {
        /// Relative margin ε.
        epsilon: f64,
    },
    /// `M-topk`: the `k_pos` hardest (lowest-S) positives and `k_neg` hardest (highest-S)
    /// negatives per anchor (`k = 1` ⇒ batch-hard pairs).
    TopK {
        /// Positives kept per anchor.
        k_pos: usize,
        /// Negatives kept per anchor.
        k_neg: usize,
    },
    /// `M-semi`: pairs of semi-hard triplets, `0 < S_ap − S_an <= margin`.
    SemiHard {
        /// Margin in similarity.
        margin: f64,
    },
    /// `M-dw`: pairs of PML-style distance-weighted triplets (random, seeded).
    DistanceWeighted(DistanceWeightedParams),
}

impl Default for MiningRule {
    fn default() -> Self {
        MiningRule::Relative { epsilon: 0.1 }
    }
}

/// How much each kept pair counts. `λ` (`base`) is a similarity threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum WeightingRule {
    /// `W-uniform`: `L = (1/m) Σ_i [Σ_{P̂_i} (1 − S_ij) + Σ_{N̂_i} S_in]`; every kept pair has
    /// weight `1/m`.
    Uniform,
    /// `W-violation`: squared hinge,
    /// `L = (1/m) Σ_i [Σ_{P̂_i} ½[pos_margin − S]_+² + Σ_{N̂_i} ½[S − neg_margin]_+²]`; weight =
    /// size of the violation `/m`.
    Violation {
        /// Positives are pulled up to this similarity.
        pos_margin: f64,
        /// Negatives are pushed down to this similarity.
        neg_margin: f64,
    },
    /// `W-self` (binomial deviance, self-paced):
    /// `L = (1/m) Σ_i [(1/|P̂_i|) Σ softplus(α(λ − S)) + (1/|N̂_i|) Σ softplus(β(S − λ))]`;
    /// weights `α σ(α(λ − S))/(|P̂_i| m)`, `β σ(β(S − λ))/(|N̂_i| m)`.
    #[serde(alias = "self_paced")]
    Binomial {
        /// Positive scale α.
        alpha: f64,
        /// Negative scale β.
        beta: f64,
        /// Threshold λ.
        base: f64,
    },
    /// `W-relative`: `L = (1/m) Σ_i (1/β)[LSE_{N̂_i}(β S) + LSE_{P̂_i}(−β S)]`; weights are the
    /// softmax over the mined negatives and the soft-min over the mined positives (each side
    /// sums to `1/m`; Deep_Metric lifted structure without its factor 2).
    Relative {
        /// Temperature β.
        beta: f64,
    },
    /// `W-ms`: the MS loss (docs/losses.md §3.7) over the mined sets, `/m`.
    Ms {
        /// Positive scale α.
        alpha: f64,
        /// Negative scale β.
        beta: f64,
        /// Threshold λ.
        base: f64,
    },
    /// `W-circle`: circle loss `softplus(z_i)` over the mined sets for anchors with both sides,
    /// `/m`. Weights use PML's **detached** α factors, so they are *not* the derivative of the
    /// value ([`WeightingRule::weights_are_gradient`] is false).
    Circle {
        /// Relaxation margin.
        m: f64,
        /// Scale γ.
        gamma: f64,
    },
}

impl Default for WeightingRule {
    fn default() -> Self {
        WeightingRule::Binomial {
            alpha: 2.0,
            beta: 40.0,
            base: 0.5,
        }
    }
}

impl MiningRule {
    /// One default-parameter instance of every rule.
    pub fn presets() -> Vec<MiningRule> {
        vec![
            MiningRule::All,
            MiningRule::Absolute {
                pos_below: 1.0,
                neg_above: 0.5,
            },
            MiningRule::Relative { epsilon: 0.1 },
            MiningRule::TopK { k_pos: 1, k_neg: 1 },
            MiningRule::SemiHard { margin: 0.2 },
            MiningRule::DistanceWeighted(DistanceWeightedParams::default()),
        ]
    }

    /// Check the rule's parameters against their limits ([`crate::losses::limit`]).
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            MiningRule::All => Ok(()),
            MiningRule::Absolute {
                pos_below,
                neg_above,
            } => {
                POS_BELOW.check(*pos_below)?;
                NEG_ABOVE.check(*neg_above)
            }
            MiningRule::Relative { epsilon } => EPSILON.check(*epsilon),
            MiningRule::TopK { k_pos, k_neg } => {
                K_POS.check_count(*k_pos)?;
                K_NEG.check_count(*k_neg)
            }
            MiningRule::SemiHard { margin } => SEMI_HARD_MARGIN.check(*margin),
            MiningRule::DistanceWeighted(p) => p.validate(),
        }
    }
}

impl WeightingRule {
    /// One default-parameter instance of every rule.
    pub fn presets() -> Vec<WeightingRule> {
        vec![
            WeightingRule::Uniform,
            WeightingRule::Violation {
                pos_margin: 1.0,
                neg_margin: 0.5,
            },
            WeightingRule::default(),
            WeightingRule::Relative { beta: 10.0 },
            WeightingRule::Ms {
                alpha: 2.0,
                beta: 50.0,
                base: 0.5,
            },
            WeightingRule::Circle {
                m: 0.4,
                gamma: 80.0,
            },
        ]
    }

    /// False only for [`WeightingRule::Circle`] (detached factors).
    pub fn weights_are_gradient(&self) -> bool {
        !matches!(self, WeightingRule::Circle { .. })
    }

    /// Check the rule's parameters against their limits ([`crate::losses::limit`]).
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            WeightingRule::Uniform => Ok(()),
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => {
                POS_MARGIN.check(*pos_margin)?;
                NEG_MARGIN.check(*neg_margin)
            }
            WeightingRule::Binomial { alpha, beta, base }
            | WeightingRule::Ms { alpha, beta, base } => {
                ALPHA.check(*alpha)?;
                BETA.check(*beta)?;
                BASE.check(*base)
            }
            WeightingRule::Relative { beta } => BETA.check(*beta),
            WeightingRule::Circle { m, gamma } => {
                CIRCLE_M.check(*m)?;
                GAMMA.check(*gamma)
            }
        }
    }
}

impl fmt::Display for MiningRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MiningRule::All => write!(f, "all pairs"),
            MiningRule::Absolute {
                pos_below,
                neg_above,
            } => write!(f, "absolute (pos S < {pos_below}, neg S > {neg_above})"),
            MiningRule::Relative { epsilon } => write!(f, "MS rule (ε = {epsilon})"),
            MiningRule::TopK { k_pos, k_neg } => {
                write!(f, "top-k hardest (k_pos = {k_pos}, k_neg = {k_neg})")
            }
            MiningRule::SemiHard { margin } => write!(f, "semi-hard (margin = {margin})"),
            MiningRule::DistanceWeighted(p) => write!(
                f,
                "distance-weighted (cutoff = {}, nonzero_loss_cutoff = {}, seed = {})",
                p.cutoff, p.nonzero_loss_cutoff, p.seed
            ),
        }
    }
}

impl fmt::Display for WeightingRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightingRule::Uniform => write!(f, "uniform"),
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => write!(
                f,
                "violation (pos_margin = {pos_margin}, neg_margin = {neg_margin})"
            ),
            WeightingRule::Binomial { alpha, beta, base } => {
                write!(f, "binomial (α = {alpha}, β = {beta}, λ = {base})")
            }
            WeightingRule::Relative { beta } => write!(f, "relative softmax (β = {beta})"),
            WeightingRule::Ms { alpha, beta, base } => {
                write!(f, "MS (α = {alpha}, β = {beta}, λ = {base})")
            }
            WeightingRule::Circle { m, gamma } => write!(f, "circle (m = {m}, γ = {gamma})"),
        }
    }
}

/// Names a combination, e.g.
/// `"mining: MS rule (ε = 0.1) × weighting: binomial (α = 2, β = 40, λ = 0.5)"`.
pub fn describe(mining: &MiningRule, weighting: &WeightingRule) -> String {
    format!("mining: {mining} × weighting: {weighting}")
}
