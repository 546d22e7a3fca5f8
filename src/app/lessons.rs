//! Ready-made lessons: a configuration, optionally a loss to compare with, and a short text
//! for the side panel.

use crate::data::SplitKind;
use crate::losses::{
    BatchHardParams, ContrastiveParams, Loss, LossSpec, Miner, TripletMarginParams,
    TripletMinerParams,
};
use crate::training::TrainConfig;

pub struct Lesson {
    pub title: &'static str,
    pub text: &'static str,
    pub config: TrainConfig,
    /// Start the compare mode against this loss once the run is ready.
    pub compare_with: Option<LossSpec>,
}

fn triplet(miner: Miner) -> LossSpec {
    LossSpec::with_miner(Loss::TripletMargin(TripletMarginParams::default()), miner)
}

/// Every lesson, in menu order.
pub fn lessons() -> Vec<Lesson> {
    let base = TrainConfig {
        split: SplitKind::Samples,
        ..TrainConfig::default()
    };
    vec![
        Lesson {
            title: "MS vs contrastive on the same batch",
            text: "Both losses start from the same network and see the same batches. Multi-similarity \
                   keeps only informative pairs (the MS rule) and weights each by how hard it is \
                   relative to the others; contrastive weights every violating pair equally. Step \
                   once and compare the mined pairs, then switch both heatmaps to \"weights\": \
                   where do they disagree?",
            config: base.clone(),
            compare_with: Some(LossSpec::new(Loss::Contrastive(
                ContrastiveParams::default(),
            ))),
        },
        Lesson {
            title: "Semi-hard vs hard triplets",
            text: "Semi-hard triplets (i, p, n) have the negative less similar than the positive but \
                   within the miner's margin: 0 < S_ip − S_in ≤ 0.2; hard ones have it at least as \
                   similar: S_ip − S_in ≤ 0 (ties count as hard). The miner's margin (0.2) is not \
                   the loss's (0.05): a semi-hard triplet with 0.05 ≤ S_ip − S_in ≤ 0.2 is kept yet \
                   has zero loss and zero weight. Compare which pairs each miner keeps on the same \
                   batch, and how the two loss curves differ.",
            config: TrainConfig {
                loss: triplet(Miner::TripletSemihard(TripletMinerParams { margin: 0.2 })),
                ..base.clone()
            },
            compare_with: Some(triplet(Miner::TripletHard(TripletMinerParams {
                margin: 0.2,
            }))),
        },
        Lesson {
            title: "Collapse: batch-hard with a large learning rate",
            text: "Batch-hard mining with a large learning rate (0.05): each anchor sees only its \
                   hardest positive and hardest negative. Collapse (every embedding the same) is a \
                   stationary point of this loss: every triplet's term equals the margin, but with \
                   coinciding normalised embeddings its gradient with respect to them vanishes. At \
                   exact collapse the tie rules give Recall@1 = MAP@R = 1 and only NMI drops, so \
                   watch NMI and the similarity heatmap (uniformly red), not Recall@1. This run \
                   need not collapse; lower the learning rate and Reset to compare.",
            config: TrainConfig {
                loss: triplet(Miner::BatchHard(BatchHardParams {})),
                learning_rate: 0.05,
                ..base.clone()
            },
            compare_with: None,
        },
        Lesson {
            title: "Binomial deviance weights depend only on S",
            text: "In binomial deviance a pair's weight is α·σ(α(λ − S)) / (|P_i|·m) for positives and \
                   β·σ(β(S − λ)) / (|N_i|·m) for negatives: a logistic function of its own \
                   similarity, divided by its anchor's count on that side and by the batch size m. \
                   Step to the weighting stage: the w-vs-S points sit on one curve per side because \
                   a P×K batch gives every anchor the same counts. Multi-similarity's weights, by \
                   contrast, also depend on the other pairs of the anchor.",
            config: TrainConfig {
                loss: LossSpec::new(Loss::BinomialDeviance(Default::default())),
                ..base
            },
            compare_with: None,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lesson_is_a_valid_run() {
        for lesson in lessons() {
            lesson.config.validate().expect(lesson.title);
            if let Some(spec) = &lesson.compare_with {
                spec.validate().expect(lesson.title);
            }
        }
    }
}
