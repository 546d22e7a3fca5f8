//! Which of the shader's mining and weighting rules (and which thresholds) compute a loss.

use super::shader::{
    MINING_ABSOLUTE, MINING_ALL, MINING_BATCH_HARD, MINING_RELATIVE, MINING_TOP_ONE, W_BINOMIAL,
    W_CONTRASTIVE, W_LIFTED, W_MS, W_SOFTMAX, W_TRIPLET, W_UNIFORM, W_VIOLATION,
};
use crate::losses::{Loss, LossSpec, Miner, MiningRule, WeightingRule};

/// The smallest f32 `>= x`: for an f32 `s`, `s < x ⇔ s < f32_at_or_above(x)`.
fn f32_at_or_above(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x { f.next_up() } else { f }
}

/// The largest f32 `<= x`: for an f32 `s`, `s > x ⇔ s > f32_at_or_below(x)`.
fn f32_at_or_below(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) > x { f.next_down() } else { f }
}

/// How the shader mines and weighs the pairs of one loss specification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpuPlan {
    pub(super) mining: u32,
    pub(super) weighting: u32,
    pub(super) from_miner: bool,
    pub(super) mp: [f32; 4],
    pub(super) wp: [f32; 4],
    /// Whether the loss has an unreduced per-pair term (the per-pair loss view).
    pub has_pair_loss: bool,
}

impl GpuPlan {
    /// The GPU path of `spec`, or `None` when its mining or weighting is not per-pair
    /// expressible in the shader (triplet miners other than batch-hard, distance-weighted and
    /// top-k > 1 mining, lifted structure, N-pairs, circle, histogram): the CPU engine then fills
    /// the same buffers.
    pub fn for_spec(spec: &LossSpec) -> Option<Self> {
        match &spec.loss {
            Loss::Composed { mining, weighting } => Self::composed(mining, weighting),
            _ => Self::miner_and_loss(spec),
        }
    }

    /// A composed loss: its mining rule picks the pairs, its weighting rule weighs them.
    fn composed(mining: &MiningRule, weighting: &WeightingRule) -> Option<Self> {
        let f = |x: f64| x as f32;
        let (mining, mp) = match mining {
            MiningRule::All => (MINING_ALL, [0.0; 4]),
            MiningRule::Absolute {
                pos_below,
                neg_above,
            } => (
                MINING_ABSOLUTE,
                [
                    f32_at_or_above(*pos_below),
                    f32_at_or_below(*neg_above),
                    0.0,
                    0.0,
                ],
            ),
            MiningRule::Relative { epsilon } => {
                (MINING_RELATIVE, [f32_at_or_above(*epsilon), 0.0, 0.0, 0.0])
            }
            MiningRule::TopK { k_pos: 1, k_neg: 1 } => (MINING_TOP_ONE, [0.0; 4]),
            _ => return None,
        };
        let (weighting, wp, has_pair_loss) = match weighting {
            WeightingRule::Uniform => (W_UNIFORM, [0.0; 4], true),
            WeightingRule::Violation {
                pos_margin,
                neg_margin,
            } => (
                W_VIOLATION,
                [f(*pos_margin), f(*neg_margin), 0.0, 0.0],
                true,
            ),
            WeightingRule::Binomial { alpha, beta, base } => {
                (W_BINOMIAL, [f(*alpha), f(*beta), f(*base), 0.0], true)
            }
            WeightingRule::Ms { alpha, beta, base } => {
                (W_MS, [f(*alpha), f(*beta), f(*base), 0.0], false)
            }
            WeightingRule::Relative { beta } => (W_SOFTMAX, [f(*beta), 0.0, 0.0, 0.0], false),
            WeightingRule::Circle { .. } => return None,
        };
        Some(Self {
            mining,
            weighting,
            from_miner: true,
            mp,
            wp,
            has_pair_loss,
        })
    }

    /// A closed-form loss with an optional miner in front of it.
    fn miner_and_loss(spec: &LossSpec) -> Option<Self> {
        let above = f32_at_or_above;
        let below = f32_at_or_below;
        let f = |x: f64| x as f32;
        let (mining, mp, from_miner) = match &spec.miner {
            None => (MINING_ALL, [0.0; 4], false),
            Some(Miner::MultiSimilarity(p)) => {
                (MINING_RELATIVE, [above(p.epsilon), 0.0, 0.0, 0.0], true)
            }
            Some(Miner::PairMargin(p)) => (
                MINING_ABSOLUTE,
                [above(p.pos_margin), below(p.neg_margin), 0.0, 0.0],
                true,
            ),
            Some(Miner::BatchHard(_)) => (MINING_BATCH_HARD, [0.0; 4], true),
            Some(_) => return None,
        };
        let (weighting, wp, has_pair_loss) = match &spec.loss {
            Loss::Contrastive(p) => (
                W_CONTRASTIVE,
                [above(p.pos_margin), below(p.neg_margin), 0.0, 0.0],
                true,
            ),
            Loss::TripletMargin(p) if mining == MINING_BATCH_HARD && !p.swap => (
                W_TRIPLET,
                [f(p.margin), f32::from(u8::from(p.smooth_loss)), 0.0, 0.0],
                false,
            ),
            Loss::GeneralizedLiftedStructure(p) => (
                W_LIFTED,
                [f(p.pos_margin), f(p.neg_margin), 0.0, 0.0],
                false,
            ),
            Loss::MultiSimilarity(p) => (W_MS, [f(p.alpha), f(p.beta), f(p.base), 0.0], false),
            Loss::BinomialDeviance(p) => {
                (W_BINOMIAL, [f(p.alpha), f(p.beta), f(p.base), 0.0], true)
            }
            _ => return None,
        };
        Some(Self {
            mining,
            weighting,
            from_miner,
            mp,
            wp,
            has_pair_loss,
        })
    }
}

/// Where the mining decisions and weights of a batch come from.
#[derive(Debug, Clone, Copy)]
pub enum BatchWork<'a> {
    /// The shader computes them.
    Gpu(GpuPlan),
    /// The CPU engine computed them (`m × m` each): the shader only colours them.
    Engine {
        codes: &'a [u32],
        weights: &'a [f32],
        pair_loss: Option<&'a [f32]>,
    },
}

impl BatchWork<'_> {
    pub fn has_pair_loss(&self) -> bool {
        match self {
            Self::Gpu(plan) => plan.has_pair_loss,
            Self::Engine { pair_loss, .. } => pair_loss.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_keep_the_engine_comparisons_exact() {
        for x in [0.1, 0.2, 0.8, 0.5, -0.3, 1.0 / 3.0] {
            let above = f32_at_or_above(x);
            let below = f32_at_or_below(x);
            assert!(f64::from(above) >= x && f64::from(above.next_down()) < x);
            assert!(f64::from(below) <= x && f64::from(below.next_up()) > x);
        }
    }

    #[test]
    fn plans_cover_the_issue_losses() {
        let ms = LossSpec::with_miner(Loss::default(), Miner::default());
        assert!(GpuPlan::for_spec(&ms).is_some());
        let bh = LossSpec::with_miner(
            Loss::TripletMargin(Default::default()),
            Miner::BatchHard(Default::default()),
        );
        assert!(GpuPlan::for_spec(&bh).is_some());
        let all_triplets = LossSpec::new(Loss::TripletMargin(Default::default()));
        assert!(GpuPlan::for_spec(&all_triplets).is_none());
        let circle = LossSpec::new(Loss::Circle(Default::default()));
        assert!(GpuPlan::for_spec(&circle).is_none());
    }
}
