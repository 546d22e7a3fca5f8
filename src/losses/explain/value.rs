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

fn mean(terms: &[f64]) -> f64 {
    if terms.is_empty() {
        0.0
    } else {
        terms.iter().sum::<f64>() / terms.len() as f64
    }
}

/// The formula of `spec`, evaluated on the batch `(sim, labels)` whose engine output is `out`:
/// the sum of [`anchor_contributions`] (the histogram loss, which is no sum over anchors, on its
/// own).
///
/// # Shapes
/// `sim`: `m * m` row-major; `labels`: `m`.
pub fn formula_value(spec: &LossSpec, sim: &[f64], labels: &[i64], out: &PairOutput) -> f64 {
    if let Some(shares) = anchor_contributions(spec, sim, labels, out) {
        return shares.iter().sum();
    }
    let m = labels.len();
    let Loss::Histogram(p) = &spec.loss else {
        unreachable!("only the histogram loss has no per-anchor shares")
    };
    histogram(p.n_bins, &Sets::of(spec, labels, out), m, &|i, j| {
        sim[i * m + j]
    })
}

/// Each anchor's share of the formula's value on the batch (the shares sum to
/// [`formula_value`]): an anchor's own terms divided by whatever the formula divides their sum
/// by (m, the number of non-zero terms, |P̂|, …). `None` for the histogram loss, a property of
/// two whole distributions of similarities rather than a sum over anchors.
///
/// # Shapes
/// `sim`: `m * m` row-major; `labels`: `m`.
pub fn anchor_contributions(
    spec: &LossSpec,
    sim: &[f64],
    labels: &[i64],
    out: &PairOutput,
) -> Option<Vec<f64>> {
    let m = labels.len();
    let sets = Sets::of(spec, labels, out);
    let s = |i: usize, j: usize| sim[i * m + j];
    let mut share = vec![0.0; m];
    let per_anchor = |share: &mut [f64], f: &AnchorTerm| {
        for (i, v) in share.iter_mut().enumerate() {
            *v = f(i, &sets.pos[i], &sets.neg[i]) / m as f64;
        }
    };
    match &spec.loss {
        Loss::Contrastive(p) => {
            let pos = pair_terms(&sets.pos, &|i, j| (p.pos_margin - s(i, j)).max(0.0));
            let neg = pair_terms(&sets.neg, &|i, j| (s(i, j) - p.neg_margin).max(0.0));
            spread_mean_non_zero(&mut share, &pos);
            spread_mean_non_zero(&mut share, &neg);
        }
        Loss::TripletMargin(p) => {
            let terms: Vec<(usize, f64)> = sets
                .triplets()
                .into_iter()
                .map(|[a, pp, n]| {
                    let v = s(a, n) - s(a, pp) + p.margin;
                    (
                        a,
                        if p.smooth_loss {
                            softplus(v)
                        } else {
                            v.max(0.0)
                        },
                    )
                })
                .collect();
            spread_mean_non_zero(&mut share, &terms);
        }
        Loss::LiftedStructure(p) => lifted(&mut share, &sets, p.pos_margin, p.neg_margin, &s),
        Loss::GeneralizedLiftedStructure(p) => per_anchor(&mut share, &|i, ps, ns| {
            (log_sum_exp(ps.iter().map(|&j| p.pos_margin - s(i, j)))
                + log_sum_exp(ns.iter().map(|&j| s(i, j) - p.neg_margin)))
            .max(0.0)
        }),
        Loss::NPairs(_) => n_pairs(&mut share, &sets, labels, &s),
        Loss::MultiSimilarity(p) => per_anchor(&mut share, &|i, ps, ns| {
            ms_term(p.alpha, p.beta, p.base, i, ps, ns, &s)
        }),
        Loss::Circle(p) => {
            let anchors: Vec<usize> = (0..m)
                .filter(|&i| !sets.pos[i].is_empty() && !sets.neg[i].is_empty())
                .collect();
            for &i in &anchors {
                share[i] = circle_term(p.m, p.gamma, i, &sets.pos[i], &sets.neg[i], &s)
                    / anchors.len() as f64;
            }
        }
        Loss::Histogram(_) => return None,
        Loss::BinomialDeviance(p) => per_anchor(&mut share, &|i, ps, ns| {
            binomial_term(p.alpha, p.beta, p.base, i, ps, ns, &s)
        }),
        Loss::Composed { weighting, .. } => per_anchor(&mut share, &|i, ps, ns| {
            composed_term(weighting, i, ps, ns, &s)
        }),
    }
    Some(share)
}

/// `(anchor, term)` for every pair of `sets`.
fn pair_terms(sets: &[Vec<usize>], term: &dyn Fn(usize, usize) -> f64) -> Vec<(usize, f64)> {
    sets.iter()
        .enumerate()
        .flat_map(|(i, js)| js.iter().map(move |&j| (i, term(i, j))))
        .collect()
}

/// Adds each anchor's share of the mean of the non-zero terms.
fn spread_mean_non_zero(share: &mut [f64], terms: &[(usize, f64)]) {
    let n = terms.iter().filter(|(_, t)| *t != 0.0).count();
    if n == 0 {
        return;
    }
    for &(i, t) in terms {
        share[i] += t / n as f64;
    }
}

/// `(1/|P̂|) Σ_i Σ_(p ∈ P̂_i) ½ [log Σ_(k ∈ {i, p}) Σ_(n ∈ N̂_k) e^(S_kn − neg) + pos − S_ip]+²`,
/// each (i, p) term counted to anchor i.
fn lifted(share: &mut [f64], sets: &Sets, pos_margin: f64, neg_margin: f64, s: &Sim) {
    let n_pos: usize = sets.pos.iter().map(Vec::len).sum();
    let n_neg: usize = sets.neg.iter().map(Vec::len).sum();
    if n_pos == 0 || n_neg == 0 {
        return;
    }
    let negs = |k: usize| sets.neg[k].iter().map(move |&n| s(k, n) - neg_margin);
    for (i, ps) in sets.pos.iter().enumerate() {
        for &pp in ps {
            let z = log_sum_exp(negs(i).chain(negs(pp))) + pos_margin - s(i, pp);
            share[i] += 0.5 * z.max(0.0).powi(2) / n_pos as f64;
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
/// `(1/n) Σ_k [log Σ_l e^(S_(a_k p_l)) − S_(a_k p_k)]`, each term counted to its anchor a_k.
fn n_pairs(share: &mut [f64], sets: &Sets, labels: &[i64], s: &Sim) {
    let mut tuples: Vec<(i64, usize, usize)> = Vec::new();
    for (a, ps) in sets.pos.iter().enumerate() {
        if tuples.iter().any(|t| t.0 == labels[a]) {
            continue;
        }
        if let Some(&p) = ps.iter().min() {
            tuples.push((labels[a], a, p));
        }
    }
    for &(_, a, pk) in &tuples {
        share[a] +=
            (log_sum_exp(tuples.iter().map(|t| s(a, t.2))) - s(a, pk)) / tuples.len() as f64;
    }
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
