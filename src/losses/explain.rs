//! Words for the teaching mode: why the mining rule kept or dropped a pair, the formula of a
//! loss with its parameters, and the weight a single pair would receive as a function of S
//! (the analytic curve drawn under the w-vs-S scatter).

use super::compose::{MiningRule, WeightingRule};
use super::params::{Loss, LossSpec, Miner};

/// Facts about one pair `(i, j)` of a batch.
///
/// # Shapes
/// `sim`: `m * m` row-major; `labels`: `m`.
pub struct PairFacts<'a> {
    pub sim: &'a [f64],
    pub labels: &'a [i64],
    pub i: usize,
    pub j: usize,
    /// Whether the engine kept the pair (it is in the positive or negative pair list).
    pub kept: bool,
    /// `G_ij`.
    pub weight: f64,
}

impl PairFacts<'_> {
    fn m(&self) -> usize {
        self.labels.len()
    }

    fn s(&self) -> f64 {
        self.sim[self.i * self.m() + self.j]
    }

    fn positive(&self) -> bool {
        self.labels[self.i] == self.labels[self.j]
    }

    /// Lowest positive and highest negative similarity of anchor `i` (with their indices).
    fn extremes(&self) -> (Option<(usize, f64)>, Option<(usize, f64)>) {
        let m = self.m();
        let row = &self.sim[self.i * m..(self.i + 1) * m];
        let (mut lo, mut hi): (Option<(usize, f64)>, Option<(usize, f64)>) = (None, None);
        for (k, &s) in row.iter().enumerate() {
            if k == self.i {
                continue;
            }
            if self.labels[k] == self.labels[self.i] {
                if lo.is_none_or(|(_, b)| s < b) {
                    lo = Some((k, s));
                }
            } else if hi.is_none_or(|(_, b)| s > b) {
                hi = Some((k, s));
            }
        }
        (lo, hi)
    }

    fn side(&self) -> &'static str {
        if self.positive() {
            "positive"
        } else {
            "negative"
        }
    }

    fn verdict(&self) -> String {
        format!(
            "{} {}",
            self.side(),
            if self.kept { "kept" } else { "dropped" }
        )
    }
}

fn relative_rule(f: &PairFacts, epsilon: f64) -> String {
    let s = f.s();
    let (lo, hi) = f.extremes();
    match (lo, hi) {
        (Some((_, min_pos)), Some((_, max_neg))) => {
            if f.positive() {
                let op = if f.kept { "<" } else { "≥" };
                format!(
                    "{}: S = {s:.3} {op} max negative {max_neg:.3} + ε ({epsilon})",
                    f.verdict()
                )
            } else {
                let op = if f.kept { ">" } else { "≤" };
                format!(
                    "{}: S = {s:.3} {op} min positive {min_pos:.3} − ε ({epsilon})",
                    f.verdict()
                )
            }
        }
        _ => format!(
            "{}: anchor {} has no {} pair, so the MS rule keeps none of its pairs",
            f.verdict(),
            f.i,
            if lo.is_none() { "positive" } else { "negative" }
        ),
    }
}

fn absolute_rule(f: &PairFacts, pos_below: f64, neg_above: f64) -> String {
    let s = f.s();
    if f.positive() {
        let op = if f.kept { "<" } else { "≥" };
        format!("{}: S = {s:.3} {op} threshold {pos_below}", f.verdict())
    } else {
        let op = if f.kept { ">" } else { "≤" };
        format!("{}: S = {s:.3} {op} threshold {neg_above}", f.verdict())
    }
}

fn hardest_rule(f: &PairFacts) -> String {
    let (lo, hi) = f.extremes();
    let s = f.s();
    let (best, what) = if f.positive() {
        (lo, "hardest (least similar) positive")
    } else {
        (hi, "hardest (most similar) negative")
    };
    match best {
        Some((k, _)) if k == f.j => {
            format!("{}: S = {s:.3} is anchor {}'s {what}", f.verdict(), f.i)
        }
        Some((k, b)) => format!(
            "{}: anchor {}'s {what} is {k} (S = {b:.3}), not this pair (S = {s:.3})",
            f.verdict(),
            f.i
        ),
        None => format!("{}: anchor {} has no such pair", f.verdict(), f.i),
    }
}

fn triplet_rule(f: &PairFacts, margin: f64, kind: &str) -> String {
    let s = f.s();
    if f.kept {
        format!(
            "{}: S = {s:.3}; the pair is in a mined {kind} triplet of anchor {} (S_ap − S_an ≤ margin {margin})",
            f.verdict(),
            f.i
        )
    } else {
        format!(
            "{}: S = {s:.3}; no {kind} triplet of anchor {} with S_ap − S_an ≤ margin {margin} uses it",
            f.verdict(),
            f.i
        )
    }
}

/// Why the selected loss's mining kept or dropped the pair, with the numbers that decided.
pub fn explain_pair(spec: &LossSpec, f: &PairFacts) -> String {
    if f.i == f.j {
        return "the same sample: S = 1, never a pair".into();
    }
    if let Loss::Composed { mining, .. } = &spec.loss {
        return match mining {
            MiningRule::All => format!("{}: the rule keeps every pair", f.verdict()),
            MiningRule::Absolute {
                pos_below,
                neg_above,
            } => absolute_rule(f, *pos_below, *neg_above),
            MiningRule::Relative { epsilon } => relative_rule(f, *epsilon),
            MiningRule::TopK { k_pos: 1, k_neg: 1 } => hardest_rule(f),
            MiningRule::TopK { k_pos, k_neg } => format!(
                "{}: S = {:.3}; the rule keeps the {} hardest pairs of this side per anchor",
                f.verdict(),
                f.s(),
                if f.positive() { k_pos } else { k_neg }
            ),
            MiningRule::SemiHard { margin } => triplet_rule(f, *margin, "semi-hard"),
            MiningRule::DistanceWeighted(_) => format!(
                "{}: drawn (or not) by the distance-weighted sampler, seeded, probability proportional to 1/q(D)",
                f.verdict()
            ),
        };
    }
    match &spec.miner {
        Some(Miner::MultiSimilarity(p)) => relative_rule(f, p.epsilon),
        Some(Miner::PairMargin(p)) => absolute_rule(f, p.pos_margin, p.neg_margin),
        Some(Miner::BatchHard(_)) => hardest_rule(f),
        Some(Miner::TripletAll(p)) => triplet_rule(f, p.margin, "all"),
        Some(Miner::TripletHard(p)) => triplet_rule(f, p.margin, "hard"),
        Some(Miner::TripletSemihard(p)) => triplet_rule(f, p.margin, "semi-hard"),
        Some(Miner::DistanceWeighted(_)) => format!(
            "{}: drawn (or not) by the distance-weighted sampler, seeded, probability proportional to 1/q(D)",
            f.verdict()
        ),
        None => {
            let s = f.s();
            let why = match &spec.loss {
                Loss::Contrastive(p) if f.positive() => format!(
                    "the hinge relu(pos_margin {} − S) is {}",
                    p.pos_margin,
                    if s < p.pos_margin { "active" } else { "0" }
                ),
                Loss::Contrastive(p) => format!(
                    "the hinge relu(S − neg_margin {}) is {}",
                    p.neg_margin,
                    if s > p.neg_margin { "active" } else { "0" }
                ),
                _ => "every pair enters the loss".into(),
            };
            format!(
                "{} (no miner: kept = non-zero weight, w = {:.3e}): S = {s:.3}, {why}",
                f.verdict(),
                f.weight.abs()
            )
        }
    }
}

/// The loss as a formula with its parameter values (one or two lines).
pub fn formula(spec: &LossSpec) -> String {
    match &spec.loss {
        Loss::Contrastive(p) => format!(
            "L = mean over positive pairs with a loss of [{} − S]+ + mean over negative pairs with a loss of [S − {}]+",
            p.pos_margin, p.neg_margin
        ),
        Loss::TripletMargin(p) => format!(
            "L = mean over mined triplets with a loss of [S_an − S_ap + {}]+{}",
            p.margin,
            if p.smooth_loss { " (softplus)" } else { "" }
        ),
        Loss::LiftedStructure(p) => format!(
            "L = (1/|P|) Σ_(a,p) ½ [log Σ_(k,n) in N, k in {{a,p}} e^(S_kn − {}) + {} − S_ap]+²",
            p.neg_margin, p.pos_margin
        ),
        Loss::GeneralizedLiftedStructure(p) => format!(
            "L = (1/m) Σ_i [log Σ_P e^({} − S) + log Σ_N e^(S − {})]+",
            p.pos_margin, p.neg_margin
        ),
        Loss::NPairs(_) => {
            "L = mean over anchors a_k of −log softmax_k(S_(a_k, p_l) over the N positives)".into()
        }
        Loss::MultiSimilarity(p) => format!(
            "L = (1/m) Σ_i [ (1/{a}) log(1 + Σ_P e^(−{a}(S − {l}))) + (1/{b}) log(1 + Σ_N e^({b}(S − {l}))) ]",
            a = p.alpha,
            b = p.beta,
            l = p.base
        ),
        Loss::Circle(p) => format!(
            "L = mean over anchors of softplus(log Σ_N e^(γ α_n (S − {m})) + log Σ_P e^(−γ α_p (S − {})))  with γ = {}",
            1.0 - p.m,
            p.gamma,
            m = p.m
        ),
        Loss::Histogram(p) => format!(
            "L = Σ_r h_neg(r) · CDF_pos(r): overlap of the positive and negative similarity histograms ({} bins)",
            p.n_bins
        ),
        Loss::BinomialDeviance(p) => format!(
            "L = (1/m) Σ_i [ mean_P log(1 + e^({a}({l} − S))) + mean_N log(1 + e^({b}(S − {l}))) ]",
            a = p.alpha,
            b = p.beta,
            l = p.base
        ),
        Loss::Composed { weighting, .. } => match weighting {
            WeightingRule::Uniform => "L = (1/m) Σ_i [ Σ_P (1 − S) + Σ_N S ]".into(),
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => format!("L = (1/m) Σ_i [ Σ_P ½[{pos_margin} − S]+² + Σ_N ½[S − {neg_margin}]+² ]"),
            WeightingRule::Binomial { alpha, beta, base } => format!(
                "L = (1/m) Σ_i [ mean_P log(1 + e^({alpha}({base} − S))) + mean_N log(1 + e^({beta}(S − {base}))) ]"
            ),
            WeightingRule::Relative { beta } => {
                format!("L = (1/m) Σ_i (1/{beta}) [ log Σ_N e^({beta} S) + log Σ_P e^(−{beta} S) ]")
            }
            WeightingRule::Ms { alpha, beta, base } => format!(
                "L = (1/m) Σ_i [ (1/{alpha}) log(1 + Σ_P e^(−{alpha}(S − {base}))) + (1/{beta}) log(1 + Σ_N e^({beta}(S − {base}))) ]"
            ),
            WeightingRule::Circle { m, gamma } => format!(
                "L = (1/m) Σ_i softplus(log Σ_N e^({gamma} α_n (S − {m})) + log Σ_P e^(−{gamma} α_p (S − {})))",
                1.0 - m
            ),
        },
    }
}

/// Batch facts that scale a single pair's weight: batch size and the mean number of kept
/// pairs per anchor on each side; the number of positive / negative pairs with a loss.
#[derive(Debug, Clone, Copy)]
pub struct CurveScale {
    pub m: usize,
    pub mean_kept_pos: f64,
    pub mean_kept_neg: f64,
    pub active_pos: usize,
    pub active_neg: usize,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `|w|` of a pair at similarity `s` when it is its anchor's only kept pair of its side (so
/// that log-sum-exp denominators reduce to one term), or `None` when the loss has no such
/// closed form (its pairs interact: triplets, lifted structure, N-pairs, circle, histogram).
pub fn single_pair_weight(spec: &LossSpec, s: f64, positive: bool, c: CurveScale) -> Option<f64> {
    let inv_m = 1.0 / c.m.max(1) as f64;
    let ms = |alpha: f64, beta: f64, base: f64| {
        if positive {
            sigmoid(-alpha * (s - base)) * inv_m
        } else {
            sigmoid(beta * (s - base)) * inv_m
        }
    };
    let binomial = |alpha: f64, beta: f64, base: f64| {
        if positive {
            alpha * sigmoid(alpha * (base - s)) * inv_m / c.mean_kept_pos.max(1.0)
        } else {
            beta * sigmoid(beta * (s - base)) * inv_m / c.mean_kept_neg.max(1.0)
        }
    };
    match &spec.loss {
        Loss::MultiSimilarity(p) => Some(ms(p.alpha, p.beta, p.base)),
        Loss::BinomialDeviance(p) => Some(binomial(p.alpha, p.beta, p.base)),
        Loss::Contrastive(p) => Some(if positive {
            if s < p.pos_margin {
                1.0 / c.active_pos.max(1) as f64
            } else {
                0.0
            }
        } else if s > p.neg_margin {
            1.0 / c.active_neg.max(1) as f64
        } else {
            0.0
        }),
        Loss::Composed { weighting, .. } => match weighting {
            WeightingRule::Uniform => Some(inv_m),
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => Some(if positive {
                (pos_margin - s).max(0.0) * inv_m
            } else {
                (s - neg_margin).max(0.0) * inv_m
            }),
            WeightingRule::Binomial { alpha, beta, base } => Some(binomial(*alpha, *beta, *base)),
            WeightingRule::Ms { alpha, beta, base } => Some(ms(*alpha, *beta, *base)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::losses::{MsMinerParams, MultiSimilarityParams};

    #[test]
    fn ms_rule_names_the_deciding_numbers() {
        // Anchor 0 (class 0): positive 1 at 0.9, negatives 2, 3 at 0.95 and 0.2.
        let sim = [
            1.0, 0.9, 0.95, 0.2, //
            0.9, 1.0, 0.1, 0.1, //
            0.95, 0.1, 1.0, 0.3, //
            0.2, 0.1, 0.3, 1.0,
        ];
        let labels = [0, 0, 1, 1];
        let spec = LossSpec::with_miner(
            Loss::MultiSimilarity(MultiSimilarityParams::default()),
            Miner::MultiSimilarity(MsMinerParams { epsilon: 0.1 }),
        );
        let f = PairFacts {
            sim: &sim,
            labels: &labels,
            i: 0,
            j: 2,
            kept: true,
            weight: 0.1,
        };
        assert_eq!(
            explain_pair(&spec, &f),
            "negative kept: S = 0.950 > min positive 0.900 − ε (0.1)"
        );
        let f = PairFacts {
            j: 3,
            kept: false,
            ..f
        };
        assert_eq!(
            explain_pair(&spec, &f),
            "negative dropped: S = 0.200 ≤ min positive 0.900 − ε (0.1)"
        );
    }

    #[test]
    fn binomial_curve_depends_only_on_s() {
        let spec = LossSpec::new(Loss::BinomialDeviance(Default::default()));
        let c = CurveScale {
            m: 10,
            mean_kept_pos: 1.0,
            mean_kept_neg: 1.0,
            active_pos: 1,
            active_neg: 1,
        };
        let w = single_pair_weight(&spec, 0.5, false, c).expect("closed form");
        // β σ(β(S − λ)) / m at S = λ: 40 · 0.5 / 10.
        assert!((w - 2.0).abs() < 1e-12);
        assert!(
            single_pair_weight(
                &LossSpec::new(Loss::NPairs(Default::default())),
                0.5,
                true,
                c
            )
            .is_none()
        );
    }
}
