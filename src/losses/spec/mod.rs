//! What the engine evaluates, as data: the serde spec types ([`LossSpec`], [`Loss`], [`Miner`],
//! the composer's [`MiningRule`] and [`WeightingRule`], every parameter struct), their names,
//! presets, display, and validation against one table of parameter limits ([`LIMITS`],
//! looked up by the UI with [`limit`]).
//!
//! The maths (`mining`, `compose`, `pml`, `engine`, `explain`) depends on this module, never
//! the reverse: nothing here names a maths module.

mod limits;
mod loss;
mod loss_spec;
mod miner;
mod params;
mod rules;
#[cfg(test)]
mod tests;

pub use limits::{ANY_OWNER, CASE_DIM, CASE_ROWS, FieldLimit, LIMITS, Limit, limit};
pub use loss::Loss;
pub use loss_spec::LossSpec;
pub use miner::Miner;
pub use params::{
    BatchHardParams, BinomialParams, CircleParams, ContrastiveParams, DistanceWeightedParams,
    HistogramParams, LiftedParams, MsMinerParams, MultiSimilarityParams, NPairsParams,
    PairMarginParams, TripletMarginParams, TripletMinerParams,
};
pub use rules::{MiningRule, WeightingRule, describe};
