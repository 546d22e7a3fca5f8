//! Words for the teaching mode: why the mining rule kept or dropped a pair (with the
//! inequalities that decided, [`Explanation`]), the formula of a loss with its parameters (and
//! that formula evaluated on a batch, [`formula_value`]), and the weight a single pair would
//! receive as a function of S (the analytic curve drawn under the w-vs-S scatter).
//!
//! This file only declares and re-exports.

mod curve;
mod facts;
mod formula;
mod pair;
mod sampled;
#[cfg(test)]
mod tests;
mod value;

pub use curve::{CurveScale, curve_caption, single_pair_weight, weight_label};
pub use facts::{Check, Explanation, PairFacts, Rel};
pub use formula::{formula, set_symbols};
pub use pair::{explain_pair, explain_pair_checked};
pub use value::{anchor_contributions, formula_value};
