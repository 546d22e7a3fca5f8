//! The displayed formula ([`super::formula::formula`]) evaluated term by term on a batch, so that
//! a test can hold the text to the engine's loss value. It reads the mined sets and triplets
//! from the engine's output and re-evaluates only what the formula writes.

use super::super::numeric::softplus;
use super::super::output::PairOutput;
use super::super::spec::{Loss, LossSpec, WeightingRule};

/// `S_ij` of the batch.
type Sim<'a> = dyn Fn(usize, usize) -> f64 + 'a;

/// One anchor's term from `(i, its positives, its negatives)`.
type AnchorTerm<'a> = dyn Fn(usize, &[usize], &[usize]) -> f64 + 'a;

/// The sets the formula's sums run over, per anchor.
struct Sets {
    pos: Vec<Vec<usize>>,
    neg: Vec<Vec<usize>>,
    /// The mined triplets, for triplet miners.
    triplets: Option<Vec<[usize; 3]>>,
}

impl Sets {
    /// `P̂_i` / `N̂_i` from the engine's pair lists when a miner or a composed rule chose the
    /// pairs, otherwise `P_i` / `N_i` from the labels.
    fn of(spec: &LossSpec, labels: &[i64], out: &PairOutput) -> Self {
        let m = labels.len();
        let (mut pos, mut neg) = (vec![Vec::new(); m], vec![Vec::new(); m]);
        if spec.miner.is_some() || matches!(spec.loss, Loss::Composed { .. }) {
            for &[i, j] in &out.positive_pairs {
                pos[i].push(j);
            }
            for &[i, j] in &out.negative_pairs {
                neg[i].push(j);
            }
            return Self {
                pos,
                neg,
                triplets: out.triplets.clone(),
            };
        }
        for i in 0..m {
            for j in (0..m).filter(|&j| j != i) {
                if labels[i] == labels[j] {
                    pos[i].push(j);
                } else {
                    neg[i].push(j);
                }
            }
        }
        Self {
            pos,
            neg,
            triplets: None,
        }
    }

    fn triplets(&self) -> Vec<[usize; 3]> {
        if let Some(t) = &self.triplets {
            return t.clone();
        }
        let mut out = Vec::new();
        for (i, (ps, ns)) in self.pos.iter().zip(&self.neg).enumerate() {
            for &p in ps {
                out.extend(ns.iter().map(|&n| [i, p, n]));
            }
        }
        out
    }
}

/// `log Σ e^z`, with the log of an empty sum taken as 0 (as the formulas say).
fn log_sum_exp(z: impl IntoIterator<Item = f64>) -> f64 {
    let z: Vec<f64> = z.into_iter().collect();
    let Some(mx) = z.iter().copied().reduce(f64::max) else {
        return 0.0;
    };
    mx + z.iter().map(|v| (v - mx).exp()).sum::<f64>().ln()
}

/// `log(1 + Σ e^z)`.
fn log1p_sum_exp(z: impl IntoIterator<Item = f64>) -> f64 {
    log_sum_exp(std::iter::once(0.0).chain(z))
}

/// Mean of the non-zero terms (0 when there is none).
fn mean_non_zero(terms: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, n) = terms
        .into_iter()
        .filter(|&t| t != 0.0)
        .fold((0.0, 0usize), |(s, n), t| (s + t, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

fn mean(terms: &[f64]) -> f64 {
    if terms.is_empty() {
        0.0
    } else {
        terms.iter().sum::<f64>() / terms.len() as f64
    }
}

/// The formula of `spec`, evaluated on the batch `(sim, labels)` whose engine output is `out`.
///
/// # Shapes
/// `sim`: `m * m` row-major; `labels`: `m`.
pub fn formula_value(spec: &LossSpec, sim: &[f64], labels: &[i64], out: &PairOutput) -> f64 {
    let m = labels.len();
    if m == 0 {
        return 0.0;
    }
    let sets = Sets::of(spec, labels, out);
    let s = |i: usize, j: usize| sim[i * m + j];
    let per_anchor = |f: &AnchorTerm| {
        (0..m)
            .map(|i| f(i, &sets.pos[i], &sets.neg[i]))
            .sum::<f64>()
            / m as f64
    };
    match &spec.loss {
        Loss::Contrastive(p) => {
            let pos = (0..m).flat_map(|i| {
                sets.pos[i]
                    .iter()
                    .map(move |&j| (p.pos_margin - s(i, j)).max(0.0))
            });
            let neg = (0..m).flat_map(|i| {
                sets.neg[i]
                    .iter()
                    .map(move |&j| (s(i, j) - p.neg_margin).max(0.0))
            });
            mean_non_zero(pos) + mean_non_zero(neg)
        }
        Loss::TripletMargin(p) => {
            let terms = sets.triplets().into_iter().map(|[a, pp, n]| {
                let v = s(a, n) - s(a, pp) + p.margin;
                if p.smooth_loss {
                    softplus(v)
                } else {
                    v.max(0.0)
                }
            });
            mean_non_zero(terms)
        }
        Loss::LiftedStructure(p) => {
            let n_pos: usize = sets.pos.iter().map(Vec::len).sum();
            let n_neg: usize = sets.neg.iter().map(Vec::len).sum();
            if n_pos == 0 || n_neg == 0 {
                return 0.0;
            }
            let negs = |k: usize| sets.neg[k].iter().map(move |&n| s(k, n) - p.neg_margin);
            let total: f64 = (0..m)
                .flat_map(|i| sets.pos[i].iter().map(move |&pp| (i, pp)))
                .map(|(i, pp)| {
                    let z = log_sum_exp(negs(i).chain(negs(pp))) + p.pos_margin - s(i, pp);
                    0.5 * z.max(0.0).powi(2)
                })
                .sum();
            total / n_pos as f64
        }
        Loss::GeneralizedLiftedStructure(p) => per_anchor(&|i, ps, ns| {
            (log_sum_exp(ps.iter().map(|&j| p.pos_margin - s(i, j)))
                + log_sum_exp(ns.iter().map(|&j| s(i, j) - p.neg_margin)))
            .max(0.0)
        }),
        Loss::NPairs(_) => n_pairs(&sets, labels, &s),
        Loss::MultiSimilarity(p) => {
            per_anchor(&|i, ps, ns| ms_term(p.alpha, p.beta, p.base, i, ps, ns, &s))
        }
        Loss::Circle(p) => {
            let terms: Vec<f64> = (0..m)
                .filter(|&i| !sets.pos[i].is_empty() && !sets.neg[i].is_empty())
                .map(|i| circle_term(p.m, p.gamma, i, &sets.pos[i], &sets.neg[i], &s))
                .collect();
            mean(&terms)
        }
        Loss::Histogram(p) => histogram(p.n_bins, &sets, m, &s),
        Loss::BinomialDeviance(p) => {
            per_anchor(&|i, ps, ns| binomial_term(p.alpha, p.beta, p.base, i, ps, ns, &s))
        }
        Loss::Composed { weighting, .. } => {
            per_anchor(&|i, ps, ns| composed_term(weighting, i, ps, ns, &s))
        }
    }
}

fn ms_term(alpha: f64, beta: f64, base: f64, i: usize, ps: &[usize], ns: &[usize], s: &Sim) -> f64 {
    log1p_sum_exp(ps.iter().map(|&j| -alpha * (s(i, j) - base))) / alpha
        + log1p_sum_exp(ns.iter().map(|&j| beta * (s(i, j) - base))) / beta
}

fn binomial_term(
    alpha: f64,
    beta: f64,
    base: f64,
    i: usize,
    ps: &[usize],
    ns: &[usize],
    s: &Sim,
) -> f64 {
    let p: Vec<f64> = ps
        .iter()
        .map(|&j| softplus(alpha * (base - s(i, j))))
        .collect();
    let n: Vec<f64> = ns
        .iter()
        .map(|&j| softplus(beta * (s(i, j) - base)))
        .collect();
    mean(&p) + mean(&n)
}

fn circle_term(margin: f64, gamma: f64, i: usize, ps: &[usize], ns: &[usize], s: &Sim) -> f64 {
    let neg = ns.iter().map(|&j| {
        let a_n = (s(i, j) + margin).max(0.0);
        gamma * a_n * (s(i, j) - margin)
    });
    let pos = ps.iter().map(|&j| {
        let a_p = (1.0 + margin - s(i, j)).max(0.0);
        -gamma * a_p * (s(i, j) - (1.0 - margin))
    });
    softplus(log_sum_exp(neg) + log_sum_exp(pos))
}

fn composed_term(rule: &WeightingRule, i: usize, ps: &[usize], ns: &[usize], s: &Sim) -> f64 {
    let sum = |set: &[usize], f: &dyn Fn(f64) -> f64| set.iter().map(|&j| f(s(i, j))).sum::<f64>();
    match rule {
        WeightingRule::Uniform => sum(ps, &|v| 1.0 - v) + sum(ns, &|v| v),
        WeightingRule::Violation {
            pos_margin,
            neg_margin,
        } => {
            sum(ps, &|v| 0.5 * (pos_margin - v).max(0.0).powi(2))
                + sum(ns, &|v| 0.5 * (v - neg_margin).max(0.0).powi(2))
        }
        WeightingRule::Binomial { alpha, beta, base } => {
            binomial_term(*alpha, *beta, *base, i, ps, ns, s)
        }
        WeightingRule::Relative { beta } => {
            (log_sum_exp(ns.iter().map(|&j| beta * s(i, j)))
                + log_sum_exp(ps.iter().map(|&j| -beta * s(i, j))))
                / beta
        }
        WeightingRule::Ms { alpha, beta, base } => ms_term(*alpha, *beta, *base, i, ps, ns, s),
        WeightingRule::Circle { m, gamma } if !ps.is_empty() && !ns.is_empty() => {
            circle_term(*m, *gamma, i, ps, ns, s)
        }
        WeightingRule::Circle { .. } => 0.0,
    }
}

/// One anchor per class (its first sample with a positive in the set) and its first positive;
/// `(1/n) Σ_k [log Σ_l e^(S_(a_k p_l)) − S_(a_k p_k)]`.
fn n_pairs(sets: &Sets, labels: &[i64], s: &Sim) -> f64 {
    let mut tuples: Vec<(i64, usize, usize)> = Vec::new();
    for (a, ps) in sets.pos.iter().enumerate() {
        if tuples.iter().any(|t| t.0 == labels[a]) {
            continue;
        }
        if let Some(&p) = ps.iter().min() {
            tuples.push((labels[a], a, p));
        }
    }
    let terms: Vec<f64> = tuples
        .iter()
        .map(|&(_, a, pk)| log_sum_exp(tuples.iter().map(|t| s(a, t.2))) - s(a, pk))
        .collect();
    mean(&terms)
}

/// `Σ_r h_N(r) · Σ_(r' ≤ r) h_P(r')` over the unordered pairs: from the mined triplets, or from
/// the anchors that have both sides.
fn histogram(n_bins: usize, sets: &Sets, m: usize, s: &Sim) -> f64 {
    let mut roles = std::collections::BTreeMap::new();
    let key = |a: usize, b: usize| (a.min(b), a.max(b));
    if let Some(ts) = &sets.triplets {
        for &[a, p, n] in ts {
            roles.insert(key(a, p), true);
            roles.insert(key(a, n), false);
        }
    } else {
        for a in (0..m).filter(|&a| !sets.pos[a].is_empty() && !sets.neg[a].is_empty()) {
            roles.extend(sets.pos[a].iter().map(|&j| (key(a, j), true)));
            roles.extend(sets.neg[a].iter().map(|&j| (key(a, j), false)));
        }
    }
    let delta = 2.0 / n_bins as f64;
    let (mut hp, mut hn) = (vec![0.0; n_bins + 1], vec![0.0; n_bins + 1]);
    let (mut np, mut nn) = (0usize, 0usize);
    for (&(i, j), &positive) in &roles {
        let v = s(i, j).clamp(-1.0, 1.0);
        let r = (((v + 1.0) / delta).floor().max(0.0) as usize).min(n_bins - 1);
        let u = (v + 1.0 - r as f64 * delta) / delta;
        let h = if positive {
            np += 1;
            &mut hp
        } else {
            nn += 1;
            &mut hn
        };
        h[r] += 1.0 - u;
        h[r + 1] += u;
    }
    if np == 0 || nn == 0 {
        return 0.0;
    }
    let mut cdf = 0.0;
    hp.iter()
        .zip(&hn)
        .map(|(&a, &b)| {
            cdf += a / np as f64;
            b / nn as f64 * cdf
        })
        .sum()
}
