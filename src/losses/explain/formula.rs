//! The loss as a formula with its parameter values, in the notation of the window, figures and
//! README: `P_i` / `N_i` all positives / negatives of anchor `i`, `P̂_i` / `N̂_i` the mined ones,
//! `m` the batch size.

use super::super::spec::{Loss, LossSpec, Miner, WeightingRule};

/// The symbols of the positive and negative sets the loss's sums run over: the mined sets when
/// a miner or a composed rule chose the pairs, otherwise all of them.
pub fn set_symbols(spec: &LossSpec) -> (&'static str, &'static str) {
    if spec.miner.is_some() || matches!(spec.loss, Loss::Composed { .. }) {
        ("P̂_i", "N̂_i")
    } else {
        ("P_i", "N_i")
    }
}

/// Which triplets the triplet loss sums over, in words.
fn triplet_set(spec: &LossSpec) -> &'static str {
    match &spec.miner {
        None => "every triplet (i, p, n), p ∈ P_i, n ∈ N_i",
        Some(
            Miner::TripletAll(_)
            | Miner::TripletHard(_)
            | Miner::TripletSemihard(_)
            | Miner::BatchHard(_)
            | Miner::DistanceWeighted(_),
        ) => "the mined triplets (i, p, n)",
        Some(Miner::MultiSimilarity(_) | Miner::PairMargin(_)) => {
            "every triplet (i, p, n), p ∈ P̂_i, n ∈ N̂_i"
        }
    }
}

/// The loss as a formula with its parameter values (one or two lines).
pub fn formula(spec: &LossSpec) -> String {
    let (pp, nn) = set_symbols(spec);
    match &spec.loss {
        Loss::Contrastive(p) => format!(
            "L = mean over pairs j ∈ {pp} with a non-zero term of [{} − S_ij]+  +  mean over j ∈ {nn} with a non-zero term of [S_ij − {}]+",
            p.pos_margin, p.neg_margin
        ),
        Loss::TripletMargin(p) if p.smooth_loss => format!(
            "L = mean over {} of softplus(S_in − S_ip + {})",
            triplet_set(spec),
            p.margin
        ),
        Loss::TripletMargin(p) => format!(
            "L = mean over {} with a non-zero term of [S_in − S_ip + {}]+",
            triplet_set(spec),
            p.margin
        ),
        Loss::LiftedStructure(p) => format!(
            "L = (1/|P̂|) Σ_i Σ_(p ∈ {pp}) ½ [log Σ_(k ∈ {{i, p}}) Σ_(n ∈ N̂_k) e^(S_kn − {}) + {} − S_ip]+²   (|P̂| = Σ_i |{pp}|; a log of an empty sum counts as 0)",
            p.neg_margin, p.pos_margin
        ),
        Loss::GeneralizedLiftedStructure(p) => format!(
            "L = (1/m) Σ_i [log Σ_({pp}) e^({} − S) + log Σ_({nn}) e^(S − {})]+   (an empty side's log counts as 0)",
            p.pos_margin, p.neg_margin
        ),
        Loss::NPairs(_) => format!(
            "L = (1/n) Σ_k [log Σ_l e^(S_(a_k p_l)) − S_(a_k p_k)]: one anchor a_k per class (the first of its samples with a positive) and its first positive p_k ∈ {pp} (i = a_k), n such classes"
        ),
        Loss::MultiSimilarity(p) => format!(
            "L = (1/m) Σ_i [ (1/{a}) log(1 + Σ_({pp}) e^(−{a}(S − {l}))) + (1/{b}) log(1 + Σ_({nn}) e^({b}(S − {l}))) ]",
            a = p.alpha,
            b = p.beta,
            l = p.base
        ),
        Loss::Circle(p) => format!(
            "L = (1/|A|) Σ_(i ∈ A) softplus(log Σ_({nn}) e^({g} α_n (S − {m})) + log Σ_({pp}) e^(−{g} α_p (S − {}))),  A = anchors with a positive and a negative, α_p = [{} − S]+, α_n = [S + {m}]+ (detached)",
            1.0 - p.m,
            1.0 + p.m,
            g = p.gamma,
            m = p.m
        ),
        Loss::Histogram(p) => format!(
            "L = Σ_r h_N(r) · Σ_(r' ≤ r) h_P(r') ≈ the probability that a random negative pair is more similar than a random positive one; h_P, h_N: histograms of the unordered positive / negative pairs' S on {} knots of spacing 2/{} over [−1, 1], each pair split linearly between its two knots",
            p.n_bins + 1,
            p.n_bins
        ),
        Loss::BinomialDeviance(p) => format!(
            "L = (1/m) Σ_i [ (1/|{pp}|) Σ_({pp}) log(1 + e^({a}({l} − S))) + (1/|{nn}|) Σ_({nn}) log(1 + e^({b}(S − {l}))) ]",
            a = p.alpha,
            b = p.beta,
            l = p.base
        ),
        Loss::Composed { weighting, .. } => composed_formula(weighting),
    }
}

fn composed_formula(weighting: &WeightingRule) -> String {
    match weighting {
        WeightingRule::Uniform => "L = (1/m) Σ_i [ Σ_(P̂_i) (1 − S) + Σ_(N̂_i) S ]".into(),
        WeightingRule::Violation {
            pos_margin,
            neg_margin,
        } => format!(
            "L = (1/m) Σ_i [ Σ_(P̂_i) ½[{pos_margin} − S]+² + Σ_(N̂_i) ½[S − {neg_margin}]+² ]"
        ),
        WeightingRule::Binomial { alpha, beta, base } => format!(
            "L = (1/m) Σ_i [ (1/|P̂_i|) Σ_(P̂_i) log(1 + e^({alpha}({base} − S))) + (1/|N̂_i|) Σ_(N̂_i) log(1 + e^({beta}(S − {base}))) ]"
        ),
        WeightingRule::Relative { beta } => format!(
            "L = (1/m) Σ_i (1/{beta}) [ log Σ_(N̂_i) e^({beta} S) + log Σ_(P̂_i) e^(−{beta} S) ]   (an empty side's log counts as 0)"
        ),
        WeightingRule::Ms { alpha, beta, base } => format!(
            "L = (1/m) Σ_i [ (1/{alpha}) log(1 + Σ_(P̂_i) e^(−{alpha}(S − {base}))) + (1/{beta}) log(1 + Σ_(N̂_i) e^({beta}(S − {base}))) ]"
        ),
        WeightingRule::Circle { m, gamma } => format!(
            "L = (1/m) Σ_(i ∈ A) softplus(log Σ_(N̂_i) e^({gamma} α_n (S − {m})) + log Σ_(P̂_i) e^(−{gamma} α_p (S − {}))),  A = anchors with a mined positive and negative, α_p = [{} − S]+, α_n = [S + {m}]+ (detached)",
            1.0 - m,
            1.0 + m
        ),
    }
}
