//! The mining × weighting composer (docs/losses.md §5): what the rules of [`MiningRule`] and
//! [`WeightingRule`] (defined in `losses/spec/rules.rs`) compute.
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

use super::mining::{self, Mined, TripletKind};
use super::mining_code::MiningCode;
use super::numeric::lse_softmax;
use super::par;
use super::pml::{self, Ctx, Value};
use super::spec::{CircleParams, MiningRule, WeightingRule};

impl MiningRule {
    /// Mine the pairs of a validated input.
    pub(crate) fn mine(&self, sim: &[f64], labels: &[i64]) -> Mined {
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
                Mined::from_mask(mining::mask_from_triplets(labels, &ts))
            }
            MiningRule::DistanceWeighted(p) => {
                Mined::from_triplets(labels, mining::distance_weighted(sim, labels, p))
            }
        }
    }
}

impl WeightingRule {
    /// Loss value (and per-pair terms for self-only rules) of the mined sets; writes `G`.
    pub(crate) fn apply(&self, cx: &Ctx, w: &mut [f64]) -> Value {
        match self {
            WeightingRule::Uniform => per_pair_rule(cx, w, |c, s| match c {
                MiningCode::PositiveKept => Some((1.0 - s, -1.0)),
                MiningCode::NegativeKept => Some((s, 1.0)),
                _ => None,
            }),
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => per_pair_rule(cx, w, |c, s| {
                let v = match c {
                    MiningCode::PositiveKept => (pos_margin - s).max(0.0),
                    MiningCode::NegativeKept => (s - neg_margin).max(0.0),
                    _ => return None,
                };
                let g = if c == MiningCode::PositiveKept { -v } else { v };
                Some((0.5 * v * v, g))
            }),
            WeightingRule::Binomial { alpha, beta, base } => {
                pml::binomial_core(*alpha, *beta, *base, cx, w)
            }
            WeightingRule::Ms { alpha, beta, base } => pml::ms_core(*alpha, *beta, *base, cx, w),
            WeightingRule::Relative { beta } => relative_softmax(*beta, cx, w),
            WeightingRule::Circle { m: margin, gamma } => {
                let p = CircleParams {
                    m: *margin,
                    gamma: *gamma,
                };
                let inv_m = 1.0 / cx.m as f64;
                let rows = pml::circle_rows(&p, cx, w);
                w.iter_mut().for_each(|g| *g *= inv_m);
                (rows.iter().sum::<f64>() * inv_m, None)
            }
        }
    }
}

/// A rule whose every kept pair contributes on its own: `term(code, S)` gives the pair's loss
/// term `t` and `∂t/∂S` (`None` for pairs without a role); `L = (1/m) Σ t`, `G = ∂t/∂S / m`.
fn per_pair_rule(
    cx: &Ctx,
    w: &mut [f64],
    term: impl Fn(MiningCode, f64) -> Option<(f64, f64)>,
) -> Value {
    let m = cx.m;
    let inv_m = 1.0 / m as f64;
    let mut per_pair = par::filled(m * m, 0.0);
    let mut total = 0.0;
    for (((&c, &s), g), t) in cx
        .mined
        .mask
        .iter()
        .zip(cx.sim)
        .zip(w.iter_mut())
        .zip(per_pair.iter_mut())
    {
        let Some((value, slope)) = term(c, s) else {
            continue;
        };
        *t = value;
        total += value;
        *g = slope * inv_m;
    }
    (total * inv_m, Some(per_pair))
}

/// `W-relative`: `L = (1/m) Σ_i (1/β)[LSE_{N̂_i}(β S) + LSE_{P̂_i}(−β S)]`; the weights are the
/// softmax over the mined negatives and the soft-min over the mined positives, `/m`.
fn relative_softmax(beta: f64, cx: &Ctx, w: &mut [f64]) -> Value {
    let m = cx.m;
    let inv_m = 1.0 / m as f64;
    let (mut ip, mut zp, mut ineg, mut zn) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
                MiningCode::PositiveKept => {
                    ip.push(j);
                    zp.push(-beta * s);
                }
                MiningCode::NegativeKept => {
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
