//! [`Miner`]: the miner run once on `S` before a classic loss, with its name, presets,
//! validation and display. (The mining itself is in `losses/mining.rs`.)

use std::fmt;

use serde::{Deserialize, Serialize};

use super::limits::{EPSILON, MARGIN, NEG_MARGIN, POS_MARGIN};
use super::params::{
    BatchHardParams, DistanceWeightedParams, MsMinerParams, PairMarginParams, TripletMinerParams,
};
use crate::losses::error::LossError;

/// A miner run once on `S` before the loss. Serialised with an inner `"name"` tag, e.g.
/// `{"name": "multi_similarity", "epsilon": 0.1}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Miner {
    /// PML `MultiSimilarityMiner` (pair miner).
    MultiSimilarity(MsMinerParams),
    /// `TripletMarginMiner(type_of_triplets="all")`: `S_ap − S_an <= margin`.
    TripletAll(TripletMinerParams),
    /// `"hard"`: `S_ap − S_an <= margin` and `<= 0`.
    TripletHard(TripletMinerParams),
    /// `"semihard"`: `0 < S_ap − S_an <= margin`.
    TripletSemihard(TripletMinerParams),
    /// `BatchHardMiner()`: hardest positive and hardest negative per anchor.
    BatchHard(BatchHardParams),
    /// PML `PairMarginMiner` (pair miner).
    PairMargin(PairMarginParams),
    /// PML `DistanceWeightedMiner` (random triplet miner).
    DistanceWeighted(DistanceWeightedParams),
}

impl Default for Miner {
    fn default() -> Self {
        Miner::MultiSimilarity(MsMinerParams::default())
    }
}

impl Miner {
    /// PML-style snake-case name, as in the golden files.
    pub fn name(&self) -> &'static str {
        match self {
            Miner::MultiSimilarity(_) => "multi_similarity",
            Miner::TripletAll(_) => "triplet_all",
            Miner::TripletHard(_) => "triplet_hard",
            Miner::TripletSemihard(_) => "triplet_semihard",
            Miner::BatchHard(_) => "batch_hard",
            Miner::PairMargin(_) => "pair_margin",
            Miner::DistanceWeighted(_) => "distance_weighted",
        }
    }

    /// Default-parameter instances of every miner.
    pub fn presets() -> Vec<Miner> {
        vec![
            Miner::MultiSimilarity(Default::default()),
            Miner::TripletAll(Default::default()),
            Miner::TripletHard(Default::default()),
            Miner::TripletSemihard(Default::default()),
            Miner::BatchHard(Default::default()),
            Miner::PairMargin(Default::default()),
            Miner::DistanceWeighted(Default::default()),
        ]
    }

    /// True for miners that output triplets (the pair lists are then their unique `(a, p)` /
    /// `(a, n)`).
    pub fn is_triplet_miner(&self) -> bool {
        !matches!(self, Miner::MultiSimilarity(_) | Miner::PairMargin(_))
    }

    /// Check every hyper-parameter against its limit ([`crate::losses::limit`]).
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            Miner::MultiSimilarity(p) => EPSILON.check(p.epsilon),
            Miner::TripletAll(p) | Miner::TripletHard(p) | Miner::TripletSemihard(p) => {
                MARGIN.check(p.margin)
            }
            Miner::BatchHard(_) => Ok(()),
            Miner::PairMargin(p) => {
                POS_MARGIN.check(p.pos_margin)?;
                NEG_MARGIN.check(p.neg_margin)
            }
            Miner::DistanceWeighted(p) => p.validate(),
        }
    }
}

impl fmt::Display for Miner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Miner::MultiSimilarity(p) => write!(f, "MS miner (ε = {})", p.epsilon),
            Miner::TripletAll(p) => write!(f, "triplet miner, all (margin = {})", p.margin),
            Miner::TripletHard(p) => write!(f, "triplet miner, hard (margin = {})", p.margin),
            Miner::TripletSemihard(p) => {
                write!(f, "triplet miner, semi-hard (margin = {})", p.margin)
            }
            Miner::BatchHard(_) => write!(f, "batch-hard miner"),
            Miner::PairMargin(p) => write!(
                f,
                "pair-margin miner (pos S < {}, neg S > {})",
                p.pos_margin, p.neg_margin
            ),
            Miner::DistanceWeighted(p) => write!(
                f,
                "distance-weighted miner (cutoff = {}, nonzero_loss_cutoff = {}, seed = {})",
                p.cutoff, p.nonzero_loss_cutoff, p.seed
            ),
        }
    }
}
