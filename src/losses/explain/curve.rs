//! The weight a single pair would receive as a function of S (the analytic curve drawn under
//! the w-vs-S scatter), what that curve is, and what the shown weights are.

use super::super::numeric::sigmoid;
use super::super::spec::{Loss, LossSpec, WeightingRule};

/// Batch facts that scale a single pair's weight.
#[derive(Debug, Clone, Copy)]
pub struct CurveScale {
    /// Batch size `m`.
    pub m: usize,
    /// `|P̂_i|`, the kept positives of the pair's anchor (binomial's divisor; the w-vs-S figure
    /// passes the batch's mean over anchors with a kept positive).
    pub kept_pos: f64,
    /// `|N̂_i|`, the same for negatives.
    pub kept_neg: f64,
    /// Positive pairs of the batch with a non-zero contrastive hinge (contrastive's divisor).
    pub active_pos: usize,
    /// Negative pairs of the batch with a non-zero contrastive hinge.
    pub active_neg: usize,
}

/// `|w|` of a pair at similarity `s` under the batch facts `c`, or `None` when the loss has no
/// such closed form (its pairs interact: triplets, lifted structure, N-pairs, circle,
/// histogram, the relative softmax). For MS, composed MS, uniform and violation this is the
/// weight of a pair that is its anchor's only kept pair of its side; binomial divides by
/// `|P̂_i| · m` (`|N̂_i| · m`); contrastive by the batch's number of active pairs of the side.
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
            alpha * sigmoid(alpha * (base - s)) * inv_m / c.kept_pos.max(1.0)
        } else {
            beta * sigmoid(beta * (s - base)) * inv_m / c.kept_neg.max(1.0)
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

/// What the drawn curves of [`single_pair_weight`] are, in words with this batch's divisors
/// (`None` when the loss has no curve).
pub fn curve_caption(spec: &LossSpec, c: CurveScale) -> Option<String> {
    let m = c.m;
    let alone = "the weight of a pair that is its anchor's only kept pair of its side";
    let binomial = || {
        format!(
            "Curves: α·σ(α(λ − S)) / (|P̂_i|·m) for positives and β·σ(β(S − λ)) / (|N̂_i|·m) for \
             negatives, drawn with this batch's mean |P̂_i| = {:.2}, |N̂_i| = {:.2} and m = {m}. A pair \
             falls on its curve when its anchor's count equals the mean (always in a P×K batch \
             without mining).",
            c.kept_pos, c.kept_neg
        )
    };
    let text = match &spec.loss {
        Loss::MultiSimilarity(_) => format!(
            "Curves: {alone}, σ(−α(S − λ))/m and σ(β(S − λ))/m (m = {m}); more kept pairs on a side share its weight."
        ),
        Loss::BinomialDeviance(_) => binomial(),
        Loss::Contrastive(_) => format!(
            "Curves: 1 / (the batch's number of positive pairs with a non-zero hinge) = 1/{}, and \
             1 / (negative pairs with a non-zero hinge) = 1/{}; 0 once the hinge is satisfied.",
            c.active_pos.max(1),
            c.active_neg.max(1)
        ),
        Loss::Composed { weighting, .. } => match weighting {
            WeightingRule::Uniform => format!("Curves: every kept pair weighs 1/m = 1/{m}."),
            WeightingRule::Violation { .. } => format!(
                "Curves: [pos_margin − S]+/m and [S − neg_margin]+/m (m = {m}): each pair's own violation."
            ),
            WeightingRule::Binomial { .. } => binomial(),
            WeightingRule::Ms { .. } => format!(
                "Curves: {alone}, σ(−α(S − λ))/m and σ(β(S − λ))/m (m = {m}); more kept pairs on a side share its weight."
            ),
            _ => return None,
        },
        _ => return None,
    };
    Some(text)
}

/// What the shown weights are: `|∂L/∂S_ij|`, or for circle loss (built in or composed) PML's
/// detached weights, which are not the derivative of the loss value.
pub fn weight_label(spec: &LossSpec) -> &'static str {
    if spec.loss.weights_are_gradient() {
        "w_ij = |∂L/∂S_ij|"
    } else {
        "w_ij = |G_ij|, PML's detached circle weight (not ∂L/∂S_ij)"
    }
}
