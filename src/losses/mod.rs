//! Pair-based deep-metric-learning losses as **mining × weighting** (the maths: docs/losses.md).
//!
//! The engine works on a cosine-similarity matrix `S` (row `i` = anchor) and integer labels.
//! [`evaluate`] mines once, then computes the loss value and `G = ∂L/∂S` from the same
//! numerically stable primitives. The classic losses follow pytorch-metric-learning 2.9.0
//! semantics exactly (checked against the golden vectors in `tests/golden/`); the
//! [`Loss::Composed`] variant combines any [`MiningRule`] with any [`WeightingRule`].
//!
//! Layout (dependencies point down this list, never up):
//! * `spec/`: what to evaluate, as serde data ([`LossSpec`], [`Loss`], [`Miner`], the rules,
//!   the parameter structs), names, presets, display and validation against one table of
//!   parameter limits ([`LIMITS`], [`limit`]);
//! * `mining_code`, `error`, `output`, `numeric`, `par`, `gram`, `geometry`: shared leaf types
//!   and primitives ([`MiningCode`], [`LossError`], [`PairOutput`]; `par`: row chunks on scoped
//!   threads for large batches; `gram`: `S = X Xᵀ`, [`similarity_f32`]);
//! * `mining`, `pml`, `compose`: the miners, the classic losses, the composer's maths;
//! * `engine` ([`evaluate`], [`evaluate_embeddings`]), `explain` (teaching words) and `case`
//!   (golden-case files).
//!
//! This file only declares and re-exports. Only `std`, `serde`, `serde_json`, `thiserror`,
//! `rand` and `multiversion` (the Gram kernel compiled for AVX2 / AVX-512 too) are used here.

pub mod case;
mod compose;
mod engine;
mod error;
pub mod explain;
mod geometry;
mod gram;
mod mining;
mod mining_code;
mod numeric;
mod output;
mod par;
mod pml;
#[cfg(test)]
mod reference_tests;
mod spec;

pub use case::{Case, CaseError, case_json, output_json, parse_case};
pub use engine::{EmbeddedBatch, evaluate, evaluate_embeddings, widen_similarity};
pub use error::LossError;
pub use geometry::{cosine_similarity, embedding_grad, embedding_grad_raw, normalize_rows};
pub use gram::{normalize_rows_f32, similarity_f32, similarity_f32_wide};
pub use mining_code::MiningCode;
pub use output::PairOutput;
pub use spec::{
    ANY_OWNER, BatchHardParams, BinomialParams, CASE_DIM, CASE_ROWS, CircleParams,
    ContrastiveParams, DistanceWeightedParams, FieldLimit, HistogramParams, LIMITS, LiftedParams,
    Limit, Loss, LossSpec, Miner, MiningRule, MsMinerParams, MultiSimilarityParams, NPairsParams,
    PairMarginParams, TripletMarginParams, TripletMinerParams, WeightingRule, describe, limit,
};
