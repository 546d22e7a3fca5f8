//! The mining × weighting composer (GPW.md §3.10).
//!
//! A composed loss first mines per-anchor sets `P̂_i`, `N̂_i` with a [`MiningRule`] (decisions on
//! `S`, held fixed), then applies a [`WeightingRule`]. Every composed loss is reduced as a
//! **mean over all `m` anchors**, so `G = ∂L/∂S` carries a `1/m`. Each weighting rule defines a
//! closed-form loss whose exact derivative is the weight (documented per variant), except
//! [`WeightingRule::Circle`], whose α factors are detached as in PML.
//!
//! Some combinations reproduce known losses:
//! * `Absolute{pos_below: 1, neg_above: λ}` × `Uniform` = Deep_Metric contrastive;
//! * `Relative{ε}` × `Ms{α, β, λ}` = PML multi-similarity loss with the MS miner;
//! * `All` × `Binomial{α, β, λ}` = binomial deviance (MS-paper form);
//! * `Relative{ε}` × `Binomial` ≈ Deep_Metric binomial with its hard mining.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{LossError, finite, in_range, non_negative, positive};
use super::mining::{self, Mined, NEG, POS, TripletKind};
use super::numeric::lse_softmax;
use super::params::{CircleParams, DistanceWeightedParams};
use super::pml::{self, Ctx, Value};

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
    /// `M-rel`: the MS rule (§3.8): for anchors with both sides, positives with
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
    /// `W-ms`: the MS loss (§3.8) over the mined sets, `/m`.
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

    /// Check the rule's parameters.
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            MiningRule::All => Ok(()),
            MiningRule::Absolute {
                pos_below,
                neg_above,
            } => {
                finite("pos_below", *pos_below)?;
                finite("neg_above", *neg_above)
            }
            MiningRule::Relative { epsilon } => non_negative("epsilon", *epsilon),
            MiningRule::TopK { k_pos, k_neg } => {
                for (param, k) in [("k_pos", *k_pos), ("k_neg", *k_neg)] {
                    if k == 0 {
                        return Err(LossError::InvalidParam {
                            param,
                            reason: "must be >= 1 (got 0)".into(),
                        });
                    }
                }
                Ok(())
            }
            MiningRule::SemiHard { margin } => positive("margin", *margin),
            MiningRule::DistanceWeighted(p) => p.validate(),
        }
    }

    /// Mine the pairs of a validated input.
    pub(crate) fn mine(&self, sim: &[f64], labels: &[i64]) -> Mined {
        let m = labels.len();
        match self {
            MiningRule::All => Mined::from_mask(mining::all_pairs(labels)),
            MiningRule::Absolute {
                pos_below,
                neg_above,
            } => Mined::from_mask(mining::absolute(sim, labels, *pos_below, *neg_above)),
            MiningRule::Relative { epsilon } => {
                Mined::from_mask(mining::multi_similarity(sim, labels, *epsilon))
            }
            MiningRule::TopK { k_pos, k_neg } => {
                Mined::from_mask(mining::top_k(sim, labels, *k_pos, *k_neg))
            }
            MiningRule::SemiHard { margin } => {
                let ts = mining::triplet_margin(sim, labels, *margin, TripletKind::Semihard);
                Mined::from_mask(mining::mask_from_triplets(m, &ts))
            }
            MiningRule::DistanceWeighted(p) => {
                Mined::from_triplets(m, mining::distance_weighted(sim, labels, p))
            }
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

    /// Check the rule's parameters.
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            WeightingRule::Uniform => Ok(()),
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => {
                finite("pos_margin", *pos_margin)?;
                finite("neg_margin", *neg_margin)
            }
            WeightingRule::Binomial { alpha, beta, base }
            | WeightingRule::Ms { alpha, beta, base } => {
                positive("alpha", *alpha)?;
                positive("beta", *beta)?;
                finite("base", *base)
            }
            WeightingRule::Relative { beta } => positive("beta", *beta),
            WeightingRule::Circle { m, gamma } => {
                in_range("m", *m, 0.0, 1.0)?;
                positive("gamma", *gamma)
            }
        }
    }

    /// Loss value (and per-pair terms for self-only rules) of the mined sets; writes `G`.
    pub(crate) fn apply(&self, cx: &Ctx, w: &mut [f64]) -> Value {
        let m = cx.m;
        let inv_m = 1.0 / m as f64;
        match self {
            WeightingRule::Uniform => {
                let mut per_pair = vec![0.0; m * m];
                let mut total = 0.0;
                for (((&c, &s), g), t) in cx
                    .mined
                    .mask
                    .iter()
                    .zip(cx.sim)
                    .zip(w.iter_mut())
                    .zip(per_pair.iter_mut())
                {
                    match c {
                        POS => {
                            *t = 1.0 - s;
                            *g = -inv_m;
                        }
                        NEG => {
                            *t = s;
                            *g = inv_m;
                        }
                        _ => continue,
                    }
                    total += *t;
                }
                (total * inv_m, Some(per_pair))
            }
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => {
                let mut per_pair = vec![0.0; m * m];
                let mut total = 0.0;
                for (((&c, &s), g), t) in cx
                    .mined
                    .mask
                    .iter()
                    .zip(cx.sim)
                    .zip(w.iter_mut())
                    .zip(per_pair.iter_mut())
                {
                    let v = match c {
                        POS => (pos_margin - s).max(0.0),
                        NEG => (s - neg_margin).max(0.0),
                        _ => continue,
                    };
                    *t = 0.5 * v * v;
                    total += *t;
                    *g = if c == POS { -v * inv_m } else { v * inv_m };
                }
                (total * inv_m, Some(per_pair))
            }
            WeightingRule::Binomial { alpha, beta, base } => {
                pml::binomial_core(*alpha, *beta, *base, cx, w)
            }
            WeightingRule::Ms { alpha, beta, base } => pml::ms_core(*alpha, *beta, *base, cx, w),
            WeightingRule::Relative { beta } => {
                let (mut ip, mut zp, mut ineg, mut zn) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                let mut total = 0.0;
                for i in 0..m {
                    let row = &cx.mined.mask[i * m..(i + 1) * m];
                    let srow = &cx.sim[i * m..(i + 1) * m];
                    ip.clear();
                    zp.clear();
                    ineg.clear();
                    zn.clear();
                    for (j, (&c, &s)) in row.iter().zip(srow).enumerate() {
                        match c {
                            POS => {
                                ip.push(j);
                                zp.push(-beta * s);
                            }
                            NEG => {
                                ineg.push(j);
                                zn.push(beta * s);
                            }
                            _ => {}
                        }
                    }
                    total += (lse_softmax(&mut zp) + lse_softmax(&mut zn)) / beta;
                    let wrow = &mut w[i * m..(i + 1) * m];
                    for (&j, &q) in ip.iter().zip(&zp) {
                        wrow[j] = -q * inv_m;
                    }
                    for (&j, &q) in ineg.iter().zip(&zn) {
                        wrow[j] = q * inv_m;
                    }
                }
                (total * inv_m, None)
            }
            WeightingRule::Circle { m: margin, gamma } => {
                let p = CircleParams {
                    m: *margin,
                    gamma: *gamma,
                };
                let rows = pml::circle_rows(&p, cx, w);
                w.iter_mut().for_each(|g| *g *= inv_m);
                (rows.iter().sum::<f64>() * inv_m, None)
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

/// Mined pairs of a composed loss (for [`super::evaluate`]).
pub(crate) fn mine(mining: &MiningRule, sim: &[f64], labels: &[i64]) -> Mined {
    mining.mine(sim, labels)
}
