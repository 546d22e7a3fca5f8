//! Why the mining rule kept or dropped one pair: the sentence and the inequalities that decided,
//! as numbers a test can evaluate ([`Explanation::checks`]).

use super::super::spec::{Loss, LossSpec, Miner, MiningRule};
use super::facts::{Check, Explanation, PairFacts, Rel, decide, explained, flag};
use super::sampled::{distance_weighted_rule, no_miner_rule};

fn relative_rule(f: &PairFacts, epsilon: f64) -> Explanation {
    let s = f.s();
    let (lo, hi) = f.extremes();
    let (Some((_, min_pos)), Some((_, max_neg))) = (lo, hi) else {
        return f.lacks_side(lo.is_none(), "the MS rule");
    };
    // The checks are the engine's own comparisons (`S − ε < max_N`, `S + ε > min_P`).
    if f.positive() {
        let op = if f.kept { "<" } else { "≥" };
        explained(
            format!(
                "{}: S = {s:.3} {op} max negative {max_neg:.3} + ε ({epsilon})",
                f.verdict()
            ),
            vec![decide(f.kept, s - epsilon, Rel::Lt, max_neg)],
        )
    } else {
        let op = if f.kept { ">" } else { "≤" };
        explained(
            format!(
                "{}: S = {s:.3} {op} min positive {min_pos:.3} − ε ({epsilon})",
                f.verdict()
            ),
            vec![decide(f.kept, s + epsilon, Rel::Gt, min_pos)],
        )
    }
}

fn absolute_rule(f: &PairFacts, pos_below: f64, neg_above: f64) -> Explanation {
    let s = f.s();
    let (threshold, rel, op) = if f.positive() {
        (pos_below, Rel::Lt, if f.kept { "<" } else { "≥" })
    } else {
        (neg_above, Rel::Gt, if f.kept { ">" } else { "≤" })
    };
    explained(
        format!("{}: S = {s:.3} {op} threshold {threshold}", f.verdict()),
        vec![decide(f.kept, s, rel, threshold)],
    )
}

/// Batch-hard (`needs_both`: an anchor lacking a side is skipped) and top-1 mining.
fn hardest_rule(f: &PairFacts, needs_both: bool) -> Explanation {
    let (lo, hi) = f.extremes();
    if needs_both && (lo.is_none() || hi.is_none()) {
        return f.lacks_side(lo.is_none(), "batch-hard");
    }
    let s = f.s();
    let (best, what, rel) = if f.positive() {
        (lo, "hardest (least similar) positive", Rel::Le)
    } else {
        (hi, "hardest (most similar) negative", Rel::Ge)
    };
    let Some((k, b)) = best else {
        return f.lacks_side(f.positive(), "the rule");
    };
    let text = if k == f.j {
        format!("{}: S = {s:.3} is anchor {}'s {what}", f.verdict(), f.i)
    } else {
        format!(
            "{}: anchor {}'s {what} is {k} (S = {b:.3}, ties go to the lower index), not this pair (S = {s:.3})",
            f.verdict(),
            f.i
        )
    };
    let at_extreme = if f.kept { rel } else { flip(rel) };
    explained(
        text,
        vec![
            Check::new(s, at_extreme, b),
            decide(f.kept, f.j as f64, Rel::Eq, k as f64),
        ],
    )
}

/// `≤` ↔ `≥` (the side of the extreme every pair of the anchor lies on).
fn flip(rel: Rel) -> Rel {
    match rel {
        Rel::Le => Rel::Ge,
        Rel::Ge => Rel::Le,
        r => r,
    }
}

fn top_k_rule(f: &PairFacts, k: usize) -> Explanation {
    let s = f.s();
    let harder = |&(o, so): &(usize, f64)| {
        let before = if f.positive() { so < s } else { so > s };
        before || (so == s && o < f.j)
    };
    let rank = f.side_of(f.positive()).filter(harder).count();
    explained(
        format!(
            "{}: S = {s:.3} is anchor {}'s {} hardest {} (rank {rank} counting from 0, ties to the lower index); the rule keeps the {k} hardest",
            f.verdict(),
            f.i,
            ordinal(rank + 1),
            f.side()
        ),
        vec![decide(f.kept, rank as f64, Rel::Lt, k as f64)],
    )
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, r) if r != 11 => "st",
        (2, r) if r != 12 => "nd",
        (3, r) if r != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Which triplets a triplet miner keeps, with `t = S_ap − S_an`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `t ≤ margin`.
    All,
    /// `t ≤ margin` and `t ≤ 0` (ties count as hard).
    Hard,
    /// `0 < t ≤ margin`.
    Semihard,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::All => "all",
            Kind::Hard => "hard",
            Kind::Semihard => "semi-hard",
        }
    }

    fn conditions(self, margin: f64) -> String {
        match self {
            Kind::All => format!("S_ap − S_an ≤ margin {margin}"),
            Kind::Hard => format!("S_ap − S_an ≤ margin {margin} and ≤ 0"),
            Kind::Semihard => format!("0 < S_ap − S_an ≤ margin {margin}"),
        }
    }

    fn accepts(self, t: f64, margin: f64) -> bool {
        t <= margin
            && match self {
                Kind::All => true,
                Kind::Hard => t <= 0.0,
                Kind::Semihard => t > 0.0,
            }
    }

    /// The checks that `t` passes the rule.
    fn passes(self, t: f64, margin: f64) -> Vec<Check> {
        let mut v = vec![Check::new(t, Rel::Le, margin)];
        match self {
            Kind::All => {}
            Kind::Hard => v.push(Check::new(t, Rel::Le, 0.0)),
            Kind::Semihard => v.push(Check::new(t, Rel::Gt, 0.0)),
        }
        v
    }
}

/// Triplet miners: the pair is kept iff some triplet of anchor `i` through it passes the rule.
fn triplet_rule(f: &PairFacts, margin: f64, kind: Kind) -> Explanation {
    let s = f.s();
    let positive = f.positive();
    // `t` of the triplet through this pair and the other sample `o` of the other side.
    let t_with = |so: f64| if positive { s - so } else { so - s };
    let others: Vec<(usize, f64)> = f.side_of(!positive).collect();
    if others.is_empty() {
        return f.lacks_side(!positive, "a triplet miner");
    }
    let (other, role) = if positive {
        ("n", "S_an")
    } else {
        ("p", "S_ap")
    };
    let witness = others
        .iter()
        .find(|&&(_, so)| kind.accepts(t_with(so), margin));
    match (f.kept, witness, kind) {
        (_, Some(&(o, so)), _) => {
            let t = t_with(so);
            explained(
                format!(
                    "{}: S = {s:.3}; with {other} = {o} ({role} = {so:.3}) the triplet has S_ap − S_an = {t:.3}: {} ({} triplet of anchor {})",
                    f.verdict(),
                    kind.conditions(margin),
                    kind.name(),
                    f.i
                ),
                // A dropped pair with a passing triplet contradicts the rule: the check fails.
                [
                    kind.passes(t, margin),
                    vec![Check::new(flag(f.kept), Rel::Eq, 1.0)],
                ]
                .concat(),
            )
        }
        (_, None, Kind::All | Kind::Hard) => {
            // The triplet with the smallest t decides: the most similar negative / least
            // similar positive.
            let (o, so) = *others
                .iter()
                .min_by(|a, b| t_with(a.1).total_cmp(&t_with(b.1)))
                .unwrap_or(&others[0]);
            let t = t_with(so);
            let bound = if kind == Kind::Hard {
                margin.min(0.0)
            } else {
                margin
            };
            explained(
                format!(
                    "{}: S = {s:.3}; its closest triplet ({other} = {o}, {role} = {so:.3}) has S_ap − S_an = {t:.3} > {bound}: no {} triplet ({}) of anchor {} uses the pair",
                    f.verdict(),
                    kind.name(),
                    kind.conditions(margin),
                    f.i
                ),
                vec![
                    Check::new(t, Rel::Gt, bound),
                    Check::new(flag(f.kept), Rel::Eq, 0.0),
                ],
            )
        }
        (_, None, Kind::Semihard) => explained(
            format!(
                "{}: S = {s:.3}; no {other} of anchor {} gives {}",
                f.verdict(),
                f.i,
                kind.conditions(margin)
            ),
            vec![
                Check::new(
                    others
                        .iter()
                        .filter(|&&(_, so)| kind.accepts(t_with(so), margin))
                        .count() as f64,
                    Rel::Eq,
                    0.0,
                ),
                Check::new(flag(f.kept), Rel::Eq, 0.0),
            ],
        ),
    }
}

/// Why the selected loss's mining kept or dropped the pair, with the numbers that decided.
pub fn explain_pair(spec: &LossSpec, f: &PairFacts) -> String {
    explain_pair_checked(spec, f).text
}

/// [`explain_pair`] with the inequalities its sentence states.
pub fn explain_pair_checked(spec: &LossSpec, f: &PairFacts) -> Explanation {
    if f.i == f.j {
        return explained("the same sample: S = 1, never a pair".into(), Vec::new());
    }
    if let Loss::Composed { mining, .. } = &spec.loss {
        return match mining {
            MiningRule::All => explained(
                format!("{}: the rule keeps every pair", f.verdict()),
                vec![Check::new(flag(f.kept), Rel::Eq, 1.0)],
            ),
            MiningRule::Absolute {
                pos_below,
                neg_above,
            } => absolute_rule(f, *pos_below, *neg_above),
            MiningRule::Relative { epsilon } => relative_rule(f, *epsilon),
            MiningRule::TopK { k_pos: 1, k_neg: 1 } => hardest_rule(f, false),
            MiningRule::TopK { k_pos, k_neg } => {
                top_k_rule(f, if f.positive() { *k_pos } else { *k_neg })
            }
            MiningRule::SemiHard { margin } => triplet_rule(f, *margin, Kind::Semihard),
            MiningRule::DistanceWeighted(p) => distance_weighted_rule(f, p),
        };
    }
    match &spec.miner {
        Some(Miner::MultiSimilarity(p)) => relative_rule(f, p.epsilon),
        Some(Miner::PairMargin(p)) => absolute_rule(f, p.pos_margin, p.neg_margin),
        Some(Miner::BatchHard(_)) => hardest_rule(f, true),
        Some(Miner::TripletAll(p)) => triplet_rule(f, p.margin, Kind::All),
        Some(Miner::TripletHard(p)) => triplet_rule(f, p.margin, Kind::Hard),
        Some(Miner::TripletSemihard(p)) => triplet_rule(f, p.margin, Kind::Semihard),
        Some(Miner::DistanceWeighted(p)) => distance_weighted_rule(f, p),
        None => no_miner_rule(spec, f),
    }
}
