//! [`Loss`]: which loss and its hyper-parameters, with its name, presets, validation and
//! display.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::limits::{ALPHA, BASE, BETA, CIRCLE_M, GAMMA, MARGIN, N_BINS, NEG_MARGIN, POS_MARGIN};
use super::params::{
    BinomialParams, CircleParams, ContrastiveParams, HistogramParams, LiftedParams,
    MultiSimilarityParams, NPairsParams, TripletMarginParams,
};
use super::rules::{MiningRule, WeightingRule, describe};
use crate::losses::error::LossError;

/// A loss and its hyper-parameters. Serialised with an inner `"name"` tag, e.g.
/// `{"name": "multi_similarity", "alpha": 2, "beta": 50, "base": 0.5}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Loss {
    /// PML `ContrastiveLoss`.
    Contrastive(ContrastiveParams),
    /// PML `TripletMarginLoss`.
    TripletMargin(TripletMarginParams),
    /// PML `LiftedStructureLoss`.
    LiftedStructure(LiftedParams),
    /// PML `GeneralizedLiftedStructureLoss`.
    GeneralizedLiftedStructure(LiftedParams),
    /// PML `NPairsLoss`.
    NPairs(NPairsParams),
    /// PML `MultiSimilarityLoss`.
    MultiSimilarity(MultiSimilarityParams),
    /// PML `CircleLoss` (weights are PML's detached ones, not the gradient of the value).
    Circle(CircleParams),
    /// PML `HistogramLoss`.
    Histogram(HistogramParams),
    /// Binomial deviance (MS-paper form).
    BinomialDeviance(BinomialParams),
    /// Free combination of a mining rule and a weighting rule (docs/losses.md §5).
    Composed {
        /// Which pairs are kept.
        mining: MiningRule,
        /// How much each kept pair counts.
        weighting: WeightingRule,
    },
}

impl Default for Loss {
    fn default() -> Self {
        Loss::MultiSimilarity(MultiSimilarityParams::default())
    }
}

impl Loss {
    /// PML-style snake-case name (`"multi_similarity"`, …; `"composed"` for the composer).
    pub fn name(&self) -> &'static str {
        match self {
            Loss::Contrastive(_) => "contrastive",
            Loss::TripletMargin(_) => "triplet_margin",
            Loss::LiftedStructure(_) => "lifted_structure",
            Loss::GeneralizedLiftedStructure(_) => "generalized_lifted_structure",
            Loss::NPairs(_) => "n_pairs",
            Loss::MultiSimilarity(_) => "multi_similarity",
            Loss::Circle(_) => "circle",
            Loss::Histogram(_) => "histogram",
            Loss::BinomialDeviance(_) => "binomial_deviance",
            Loss::Composed { .. } => "composed",
        }
    }

    /// Default-parameter instances of every built-in loss (the composer excluded).
    pub fn presets() -> Vec<Loss> {
        vec![
            Loss::Contrastive(Default::default()),
            Loss::TripletMargin(Default::default()),
            Loss::LiftedStructure(Default::default()),
            Loss::GeneralizedLiftedStructure(Default::default()),
            Loss::NPairs(Default::default()),
            Loss::MultiSimilarity(Default::default()),
            Loss::Circle(Default::default()),
            Loss::Histogram(Default::default()),
            Loss::BinomialDeviance(Default::default()),
        ]
    }

    /// Whether [`crate::losses::PairOutput::weights`] is the exact derivative of
    /// [`crate::losses::PairOutput::loss`] w.r.t. `S` (mining held fixed). False for circle-type
    /// weighting, whose α factors are detached.
    pub fn weights_are_gradient(&self) -> bool {
        match self {
            Loss::Circle(_) => false,
            Loss::Composed { weighting, .. } => weighting.weights_are_gradient(),
            _ => true,
        }
    }

    /// Check every hyper-parameter against its limit ([`crate::losses::limit`]).
    pub fn validate(&self) -> Result<(), LossError> {
        match self {
            Loss::Contrastive(p) => {
                POS_MARGIN.check(p.pos_margin)?;
                NEG_MARGIN.check(p.neg_margin)
            }
            Loss::TripletMargin(p) => {
                MARGIN.check(p.margin)?;
                if p.swap {
                    return Err(LossError::InvalidParam {
                        param: "swap",
                        reason: "only false is supported".into(),
                    });
                }
                Ok(())
            }
            Loss::LiftedStructure(p) | Loss::GeneralizedLiftedStructure(p) => {
                NEG_MARGIN.check(p.neg_margin)?;
                POS_MARGIN.check(p.pos_margin)
            }
            Loss::NPairs(_) => Ok(()),
            Loss::MultiSimilarity(MultiSimilarityParams { alpha, beta, base })
            | Loss::BinomialDeviance(BinomialParams { alpha, beta, base }) => {
                ALPHA.check(*alpha)?;
                BETA.check(*beta)?;
                BASE.check(*base)
            }
            Loss::Circle(p) => {
                CIRCLE_M.check(p.m)?;
                GAMMA.check(p.gamma)
            }
            Loss::Histogram(p) => N_BINS.check_count(p.n_bins),
            Loss::Composed { mining, weighting } => {
                mining.validate()?;
                weighting.validate()
            }
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loss::Contrastive(p) => write!(
                f,
                "contrastive (pos_margin = {}, neg_margin = {})",
                p.pos_margin, p.neg_margin
            ),
            Loss::TripletMargin(p) => write!(
                f,
                "triplet margin (margin = {}{})",
                p.margin,
                if p.smooth_loss { ", smooth" } else { "" }
            ),
            Loss::LiftedStructure(p) => write!(
                f,
                "lifted structure (neg_margin = {}, pos_margin = {})",
                p.neg_margin, p.pos_margin
            ),
            Loss::GeneralizedLiftedStructure(p) => write!(
                f,
                "generalized lifted structure (neg_margin = {}, pos_margin = {})",
                p.neg_margin, p.pos_margin
            ),
            Loss::NPairs(_) => write!(f, "N-pairs"),
            Loss::MultiSimilarity(p) => write!(
                f,
                "multi-similarity (α = {}, β = {}, λ = {})",
                p.alpha, p.beta, p.base
            ),
            Loss::Circle(p) => write!(f, "circle (m = {}, γ = {})", p.m, p.gamma),
            Loss::Histogram(p) => write!(f, "histogram ({} bins)", p.n_bins),
            Loss::BinomialDeviance(p) => write!(
                f,
                "binomial deviance (α = {}, β = {}, λ = {})",
                p.alpha, p.beta, p.base
            ),
            Loss::Composed { mining, weighting } => {
                write!(f, "{}", describe(mining, weighting))
            }
        }
    }
}
