//! The course: every lesson in teaching order, with its texts, its run and its check. The
//! order follows the seed paper's view (Liu et al., 2019): every pair-based loss is samples
//! mining × pairs weighting — first the decomposition on one batch, then how the classic losses
//! mine and weigh, then what goes wrong in whole runs, what generalises, and composing a loss.
//!
//! Every claim is checked by `pairscope lesson ID --check` (and `tests/lessons.rs`): a number in
//! a claim is the threshold its check tests.

use super::batch_checks;
use super::lesson::Lesson;
use super::run_checks;
use crate::data::{DataSource, SplitKind, SyntheticSpec};
use crate::figures::FigureId;
use crate::losses::{
    BinomialParams, ContrastiveParams, Loss, LossSpec, Miner, MiningRule, TripletMarginParams,
    TripletMinerParams, WeightingRule,
};
use crate::training::TrainConfig;

/// The figures of a lesson about one batch.
const BATCH_FIGURES: &[FigureId] = &[
    FigureId::Similarity,
    FigureId::Mining,
    FigureId::Weights,
    FigureId::WvsS,
];

/// The figures of a lesson about a whole run.
const RUN_FIGURES: &[FigureId] = &[
    FigureId::Loss,
    FigureId::Metrics,
    FigureId::Embedding,
    FigureId::Tsne,
    FigureId::Similarity,
    FigureId::Weights,
];

fn triplet(miner: Miner) -> LossSpec {
    LossSpec::with_miner(Loss::TripletMargin(TripletMarginParams::default()), miner)
}

/// The default run (digits, `samples` split, multi-similarity + MS miner).
fn base() -> TrainConfig {
    TrainConfig {
        split: SplitKind::Samples,
        ..TrainConfig::default()
    }
}

/// Every lesson, in course order: one batch mined and weighted (1–5), whole runs that go
/// wrong (6–7), unseen classes (8–9), divergence (10) and composing a loss (11).
pub fn lessons() -> Vec<Lesson> {
    vec![
        decomposition(),
        ms_three_similarities(),
        ms_vs_contrastive(),
        hard_vs_semihard(),
        binomial_depends_on_s(),
        miner_runs_dry(),
        collapse(),
        zero_shot_overfit(),
        hidden_subspace(),
        divergence(),
        compose_your_own(),
    ]
}

/// Where the lesson named `id` is in [`lessons`].
pub fn position(id: &str) -> Option<usize> {
    lessons().iter().position(|l| l.id == id)
}

/// The lesson named `id`.
pub fn find(id: &str) -> Option<Lesson> {
    lessons().into_iter().find(|l| l.id == id)
}

/// An attraction-only loss: every positive pair is pulled together, no negative is kept.
pub fn attraction_only() -> LossSpec {
    LossSpec::new(Loss::Composed {
        // No similarity exceeds 1, even with rounding at a collapse: 2 keeps every positive
        // and no negative.
        mining: MiningRule::Absolute {
            pos_below: 2.0,
            neg_above: 2.0,
        },
        weighting: WeightingRule::Uniform,
    })
}

/// The hidden-subspace run: 20 classes, 10 trained, 10 held out.
fn hidden_subspace_config() -> TrainConfig {
    TrainConfig {
        data: DataSource::Synthetic(SyntheticSpec::hidden_subspace()),
        split: SplitKind::Classes,
        embedding_dim: 32,
        ..base()
    }
}

fn decomposition() -> Lesson {
    Lesson {
        id: "decomposition",
        title: "The decomposition on one batch",
        goal: "A pair-based loss makes two decisions on every batch: which pairs count \
               (mining) and how much each one counts (weighting). The weight of a pair is \
               exactly how fast the loss changes with that pair's similarity, |∂L/∂S_ij|, \
               and it is what moves the network.",
        todo: "Press Step three times. Open Teach and go to stage 3 (mining), then stage 4 \
               (weighting). In the batch panel, switch between \"mined pairs\" and \
               \"weights\".",
        look_for: "The weights view is coloured only where the mined-pairs view shows a kept \
                   pair: every dropped pair has weight 0.",
        question: "A mined pair with a tiny weight hardly moves the network. What decides \
                   the size of its push?",
        claim: "On the batch of step 3 (multi-similarity + MS miner), every pair with a \
                nonzero weight is a mined pair, each weight equals ∂L/∂S_ij (central finite \
                differences of the loss agree within 1e-8 on every pair) and these are the \
                weights the step trained with.",
        config: base(),
        compare_with: None,
        steps: 3,
        figures: BATCH_FIGURES,
        check: batch_checks::decomposition,
    }
}

fn ms_three_similarities() -> Lesson {
    Lesson {
        id: "ms-three-similarities",
        title: "Multi-similarity's three similarities",
        goal: "Multi-similarity looks at a negative pair three ways: its own similarity \
               (self-similarity), the other negatives of its anchor (negative-relative: the \
               weight is the pair's share of its anchor's kept negatives) and the anchor's \
               positives (positive-relative, through the MS miner: a negative is kept only \
               if it is within ε of the anchor's hardest positive).",
        todo: "Press Step once, open Teach and go to stage 4 (weighting). Click a kept \
               negative pair with a large weight, then other kept negatives of the same \
               anchor and of other anchors (the pair table can be sorted by S).",
        look_for: "Negatives with almost the same S can get very different weights: each is \
                   a share of its own anchor's negatives. On the w-vs-S plot, the MS points \
                   lie on or below the single-pair curve, never above.",
        question: "Why does raising one negative's similarity lower the weight of another \
                   negative of the same anchor? And why can a negative lose all its weight \
                   when a positive of its anchor moves?",
        claim: "On a hand-made batch (7 embeddings in the plane, MS + MS miner, the negative \
                pair (0, 3) at S = 0.5): raising S_03 to 0.52 raises its weight by more \
                than 30 %; raising another negative of anchor 0 from S = 0.3 to 0.5 lowers \
                it by more than 20 %; raising the anchor's hardest positive from S = 0.55 \
                to 0.7 drops the pair from the mining (weight 0); raising an easy positive \
                from 0.9 to 0.95 leaves the weight unchanged. On the batch of step 1 of \
                this run, two kept negatives whose S differ by at most 0.005 have weights \
                more than 2× apart, and no kept pair lies above the single-pair curve.",
        config: base(),
        compare_with: None,
        steps: 1,
        figures: BATCH_FIGURES,
        check: batch_checks::ms_three_similarities,
    }
}

fn ms_vs_contrastive() -> Lesson {
    Lesson {
        id: "ms-vs-contrastive",
        title: "MS vs contrastive on the same batch",
        goal: "Two losses, one batch: contrastive weights every pair that violates its \
               margins, all alike; multi-similarity mines the informative pairs and weights \
               each by how hard it is relative to its anchor's other pairs.",
        todo: "The lesson starts compare mode from the same weights: A is multi-similarity \
               + MS miner, B is contrastive. Press Step once and compare the mined pairs \
               of A and B, then switch both heatmaps to \"weights\".",
        look_for: "On this first batch the untrained network puts every pair at a high \
                   similarity, so B weights every cell, in one shade for positives and one \
                   for negatives; A leaves some pairs out and weights the rest in many \
                   shades.",
        question: "Contrastive treats a barely violating negative and a badly violating one \
                   alike. When could that help, and when hurt?",
        claim: "On the first batch, contrastive (pos_margin 1, neg_margin 0.5) gives a \
                weight to every pair of the batch, with exactly one weight value for the \
                positives and one for the negatives; MS + MS miner weights fewer pairs, and \
                its negative weights span more than a factor of 1000.",
        config: base(),
        compare_with: Some(LossSpec::new(Loss::Contrastive(
            ContrastiveParams::default(),
        ))),
        steps: 1,
        figures: BATCH_FIGURES,
        check: batch_checks::ms_vs_contrastive,
    }
}

fn hard_vs_semihard() -> Lesson {
    Lesson {
        id: "hard-vs-semihard",
        title: "Semi-hard vs hard triplets",
        goal: "Triplet miners choose which triplets (i, p, n) count. Semi-hard triplets \
               have the negative less similar than the positive but within the miner's \
               margin: 0 < S_ip − S_in ≤ 0.2; hard ones have it at least as similar: \
               S_ip − S_in ≤ 0. The miner's margin (0.2) is not the loss's (0.05).",
        todo: "The lesson starts compare mode: A mines semi-hard triplets, B hard ones, \
               same loss (triplet margin 0.05). Press Train for a few seconds, Pause, then \
               compare the mined pairs of A and B and the two loss curves.",
        look_for: "A semi-hard triplet with 0.05 ≤ S_ip − S_in ≤ 0.2 is kept by the miner \
                   yet adds nothing to the loss. The hard miner's loss curve lies higher.",
        question: "A miner that keeps triplets the loss ignores wastes nothing but time. \
                   Which setting would make the two margins agree?",
        claim: "On the batch of step 100 (triplet margin 0.05, semi-hard miner with margin \
                0.2), the semi-hard and the hard miner keep no triplet in common; some \
                semi-hard triplets have S_ip − S_in ≥ 0.05 and add nothing (the loss is \
                the mean over the others); every hard triplet's loss is at least 0.05 and \
                the hard loss is the larger; trained side by side from the same start for \
                100 steps, the hard side's mean loss is the larger.",
        config: TrainConfig {
            loss: triplet(Miner::TripletSemihard(TripletMinerParams { margin: 0.2 })),
            ..base()
        },
        compare_with: Some(triplet(Miner::TripletHard(TripletMinerParams {
            margin: 0.2,
        }))),
        steps: 100,
        figures: BATCH_FIGURES,
        check: batch_checks::hard_vs_semihard,
    }
}

fn binomial_depends_on_s() -> Lesson {
    Lesson {
        id: "binomial-depends-on-s",
        title: "Binomial deviance weights depend only on S",
        goal: "In binomial deviance a pair's weight is α·σ(α(λ − S)) / (|P_i|·m) for \
               positives and β·σ(β(S − λ)) / (|N_i|·m) for negatives: a logistic function \
               of its own similarity, divided by its anchor's count on that side and by \
               the batch size m. Multi-similarity's weights also depend on the other pairs \
               of the anchor.",
        todo: "Press Step three times, open Teach and go to stage 4 (weighting): look at \
               the w-vs-S plot. Then switch the loss to multi_similarity and Step again.",
        look_for: "With binomial deviance the points sit on one curve per side, because a \
                   P×K batch gives every anchor the same counts. With multi-similarity they \
                   scatter below the curve.",
        question: "If weights depend only on S, can a loss favour the hardest negative of \
                   each anchor?",
        claim: "On the batch of step 3 (binomial deviance, no miner), every pair's weight \
                lies within 1e-5 (relative) of its side's curve α·σ(α(λ − S))/((K − 1)·m) \
                or β·σ(β(S − λ))/((P − 1)·K·m); on the same batch, multi-similarity gives \
                two negatives whose S differ by at most 0.005 weights more than 2× apart.",
        config: TrainConfig {
            loss: LossSpec::new(Loss::BinomialDeviance(BinomialParams::default())),
            ..base()
        },
        compare_with: None,
        steps: 3,
        figures: BATCH_FIGURES,
        check: batch_checks::binomial_depends_on_s,
    }
}

fn miner_runs_dry() -> Lesson {
    Lesson {
        id: "miner-runs-dry",
        title: "The miner runs dry",
        goal: "Why the loss of MS + MS miner reaches exactly 0 on the digits: once the \
               classes are apart, no pair breaks the MS rule, the miner keeps nothing, and \
               a batch without pairs has zero loss and zero weights: nothing trains.",
        todo: "Press Train and watch the loss curve and the pair counts in the batch \
               panel's title. After about 300 steps press Pause and Step batch by batch.",
        look_for: "Batches whose mined-pairs view is empty: 0 positive and 0 negative pairs \
                   kept, loss 0, every weight 0 — while Recall@1 stays high.",
        question: "Is a zero loss good news here? What would you change (ε, the loss, the \
                   batch) to keep informative pairs coming?",
        claim: "In the last 200 of 600 steps, the MS miner keeps no pair in more than half \
                of the batches and the loss of every such batch is exactly 0; in the first \
                100 steps every batch keeps pairs; held-out Recall@1 at step 600 is above \
                0.95.",
        config: base(),
        compare_with: None,
        steps: 600,
        figures: RUN_FIGURES,
        check: run_checks::miner_runs_dry,
    }
}

fn collapse() -> Lesson {
    Lesson {
        id: "collapse",
        title: "A real collapse: attraction without repulsion",
        goal: "A loss that only pulls positive pairs together is smallest when every \
               embedding is the same point. This composed loss (absolute mining that keeps \
               every positive and no negative × uniform weighting) gets close to that: the \
               embeddings collapse, and what told the classes apart is lost.",
        todo: "Press Train (learning rate 0.1). Watch the similarity heatmap of the batch \
               and the Recall@1 and MAP@R curves. After a few hundred steps, Pause, Step \
               once and open Teach, stage 2 (similarity). Then switch the loss to \
               multi_similarity, press Reset and Train again.",
        look_for: "Within a few steps the similarity heatmap turns uniformly red: S near 1 \
                   between classes too. Recall@1 and MAP@R then fall below the dashed line of \
                   the untrained network. With multi-similarity at the same rate the classes \
                   stay apart.",
        question: "Which part of multi-similarity (or contrastive) prevents this? What does \
                   the mined-pairs view show that this loss lacks?",
        claim: "With learning rate 0.1 and the attraction-only loss, the batch's mean \
                off-diagonal similarity (below 0.9 on the first batch) reaches 0.99 within 20 \
                steps and is at least 0.99 at step 500, when held-out Recall@1 is more than \
                0.1 and MAP@R more than 0.15 below the untrained network's; multi-similarity \
                (no miner) with the same rate, seed and steps ends with a mean similarity \
                below 0.9 and MAP@R above 0.9.",
        config: TrainConfig {
            loss: attraction_only(),
            learning_rate: 0.1,
            ..base()
        },
        compare_with: None,
        steps: 500,
        figures: RUN_FIGURES,
        check: run_checks::collapse,
    }
}

fn zero_shot_overfit() -> Lesson {
    Lesson {
        id: "zero-shot-overfit",
        title: "Zero-shot: unseen digits",
        goal: "The metric-learning protocol trains on some classes and tests on classes \
               never seen. On the digits, raw pixels already retrieve the unseen digits \
               well, and training on digits 0–4 makes it worse: the network fits the seen \
               classes.",
        todo: "Press Train (classes split: digits 0–4 train, 5–9 held out). Watch the \
               metrics plot: the solid Recall@1 curve (trained network, unseen digits) \
               against the dotted line (raw pixels) and the dashed one (untrained \
               network).",
        look_for: "The solid Recall@1 curve ends below the dotted raw-pixel line.",
        question: "What does the network learn from digits 0–4 that does not carry over to \
                   5–9?",
        claim: "After 400 steps on digits 0–4, Recall@1 on the unseen digits 5–9 is more \
                than 0.01 below the raw pixels', and their NMI more than 0.2 below the raw \
                pixels'.",
        config: TrainConfig {
            split: SplitKind::Classes,
            ..base()
        },
        compare_with: None,
        steps: 400,
        figures: RUN_FIGURES,
        check: run_checks::zero_shot_overfit,
    }
}

fn hidden_subspace() -> Lesson {
    Lesson {
        id: "hidden-subspace",
        title: "Hidden subspace: where metric learning helps unseen classes",
        goal: "Synthetic data whose classes differ in only 4 of 32 dimensions, with a \
               shared nuisance (σ = 6) that dominates raw distances: a network trained on \
               half of the classes learns to ignore the nuisance, and that carries over to \
               the classes it never saw.",
        todo: "Press Train (synthetic hidden subspace, 20 classes, classes split: 10 train, \
               10 held out). Watch the metrics plot and the t-SNE of the held-out classes.",
        look_for: "Recall@1 of the unseen classes rises far above the dotted raw-input \
                   line, and so does NMI (how well k-means clusters of the embeddings match \
                   the classes).",
        question: "Why does learning what to ignore carry over to new classes, when \
                   learning what digits 0–4 look like did not?",
        claim: "After 500 steps, Recall@1 on the unseen classes is more than 0.15 above \
                both the raw inputs' and the untrained network's, and their NMI more than \
                0.15 above the raw inputs'.",
        config: hidden_subspace_config(),
        compare_with: None,
        steps: 500,
        figures: RUN_FIGURES,
        check: run_checks::hidden_subspace,
    }
}

fn divergence() -> Lesson {
    Lesson {
        id: "divergence",
        title: "Divergence and recovery",
        goal: "A far too large learning rate blows the network up. pairscope refuses the \
               step that produces non-finite numbers, keeps the model of the last good \
               step, and trains on once the rate is lowered.",
        todo: "Press Train (learning rate 1e9). Training pauses with a notice that names \
               the step. Set the learning rate to 0.001 and press Train again.",
        look_for: "The notice: \"training diverged at step N: … is not finite …; the model \
                   of step N − 1 is kept\". After lowering the rate, the steps go on from \
                   N − 1 and the loss stays finite.",
        question: "Adam moves every weight by about the learning rate at each step. Why \
                   does a rate of 1e9 break the network within a few steps, whatever the \
                   loss?",
        claim: "With learning rate 1e9 the run diverges within 30 steps; the message names \
                the failed step N and says the model of step N − 1 is kept, and it is (its \
                held-out embeddings are unchanged); \
                after lowering the rate to 1e-3, 50 more steps train with finite losses.",
        config: TrainConfig {
            learning_rate: 1e9,
            ..base()
        },
        compare_with: None,
        steps: 30,
        figures: RUN_FIGURES,
        check: run_checks::divergence,
    }
}

fn compose_your_own() -> Lesson {
    Lesson {
        id: "compose-your-own",
        title: "Compose your own loss",
        goal: "Every loss here is a mining rule × a weighting rule, and the composer lets \
               you choose each. The MS rule × MS weighting is multi-similarity; this run's \
               MS rule × binomial weighting is a loss of its own (close to Deep_Metric's \
               binomial deviance with its hard mining).",
        todo: "This run uses the composer (loss: composed; mining rule: MS rule, ε = 0.1; \
               weighting rule: binomial). Press Train, then change the mining rule or the \
               weighting rule in the loss settings while it trains and watch stages 3 and \
               4 of Teach.",
        look_for: "Changing the mining rule changes which cells the mined-pairs view keeps; \
                   changing the weighting rule keeps the same mined pairs and changes their \
                   weights.",
        question: "Which mining rule, with uniform weighting, gives a contrastive loss \
                   (docs/losses.md §5.3)?",
        claim: "On the first batch, the composed MS rule (ε = 0.1) × MS weighting (α = 2, β \
                = 50, λ = 0.5) reproduces multi-similarity + MS miner exactly (loss within \
                1e-12, every weight within 1e-15, the same mined pairs); and this run's MS \
                rule × binomial weighting trains: held-out MAP@R rises by more than 0.2 in \
                300 steps.",
        config: TrainConfig {
            loss: LossSpec::new(Loss::Composed {
                mining: MiningRule::Relative { epsilon: 0.1 },
                weighting: WeightingRule::default(),
            }),
            ..base()
        },
        compare_with: None,
        steps: 300,
        figures: RUN_FIGURES,
        check: run_checks::compose_your_own,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lesson_is_a_valid_run_with_every_text() {
        let course = lessons();
        assert!(course.len() >= 10);
        for lesson in &course {
            lesson.config.validate().expect(lesson.id);
            if let Some(spec) = &lesson.compare_with {
                spec.validate().expect(lesson.id);
            }
            for text in [
                lesson.title,
                lesson.goal,
                lesson.todo,
                lesson.look_for,
                lesson.question,
                lesson.claim,
            ] {
                assert!(!text.trim().is_empty(), "{}", lesson.id);
            }
            assert!(lesson.question.ends_with('?'), "{}", lesson.id);
            assert_eq!(
                position(lesson.id)
                    .and_then(|k| course.get(k))
                    .map(|l| l.id),
                Some(lesson.id)
            );
        }
    }

    #[test]
    fn the_ids_are_the_course_order() {
        let ids: Vec<&str> = lessons().iter().map(|l| l.id).collect();
        assert_eq!(
            ids,
            [
                "decomposition",
                "ms-three-similarities",
                "ms-vs-contrastive",
                "hard-vs-semihard",
                "binomial-depends-on-s",
                "miner-runs-dry",
                "collapse",
                "zero-shot-overfit",
                "hidden-subspace",
                "divergence",
                "compose-your-own",
            ]
        );
    }
}
