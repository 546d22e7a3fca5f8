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
                   once and compare the mined pairs and the weight panels: where do they disagree?",
            config: base.clone(),
            compare_with: Some(LossSpec::new(Loss::Contrastive(
                ContrastiveParams::default(),
            ))),
        },
        Lesson {
            title: "Semi-hard vs hard triplets",
            text: "Semi-hard triplets have a negative farther than the positive but inside the margin; \
                   hard ones have a negative closer than the positive. Compare which pairs each \
                   miner keeps on the same batch, and how the two loss curves differ.",
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
            text: "Batch-hard mining with a learning rate of 0.05: the hardest pairs of each anchor pull \
                   everything together. Watch the similarity heatmap turn uniformly red and the \
                   held-out Recall@1 fall: the embedding has collapsed. Lower the learning rate and \
                   Reset to see the difference.",
            config: TrainConfig {
                loss: triplet(Miner::BatchHard(BatchHardParams {})),
                learning_rate: 0.05,
                ..base.clone()
            },
            compare_with: None,
        },
        Lesson {
            title: "Binomial deviance weights depend only on S",
            text: "In binomial deviance every pair's weight is a logistic function of its own similarity \
                   (divided by the anchor's number of pairs): step to the weighting stage and see the \
                   w-vs-S points sit on the curve. Multi-similarity's weights, by contrast, also \
                   depend on the other pairs of the anchor.",
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
