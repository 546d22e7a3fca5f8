//! The thresholds of the pathology warnings, each with why it is where it is (docs/warnings.md
//! lists them with the measurements behind them).

/// `no_pairs_mined` looks at this many recent batches ("the last k batches").
pub const DRY_WINDOW: usize = 20;
/// …and fires when at least this many of them kept no pair: most of them (more than half), so
/// that the odd easy batch, which happens in any run, never warns.
pub const DRY_FIRE: usize = 11;
/// …and counts as cleared while at most this many of them are empty (20 %).
pub const DRY_CLEAR: usize = 4;

/// `collapse`: mean cosine similarity between different samples of the batch at or above this
/// means the embeddings have merged (a healthy batch of P classes has different-class pairs
/// far below 1, so its mean stays well under it).
pub const COLLAPSE_SIMILARITY: f64 = 0.99;
/// …for this many batches in a row (one batch could be an accident of the draw).
pub const COLLAPSE_BATCHES: usize = 5;
/// …and counts as cleared below this mean similarity.
pub const COLLAPSE_CLEAR: f64 = 0.95;

/// `vanishing_weights` reads the weight of a kept pair, `Σ|w| / kept pairs`, in each batch
/// that kept pairs — per pair, not per batch, so that a batch keeping few pairs (the miner
/// running dry, which `no_pairs_mined` reports) is not mistaken for one whose pairs weigh
/// nothing — and takes its median over this many recent such batches (a median, so that one
/// batch with a hard pair does not hide the trend).
pub const VANISH_WINDOW: usize = 20;
/// …and fires when that median is below this fraction of its largest value in the run so far:
/// the kept pairs then pull a hundred times less than they once did.
pub const VANISH_FRACTION: f64 = 0.01;
/// …and counts as cleared above this fraction.
pub const VANISH_CLEAR: f64 = 0.05;

/// `overfitting`: held-out Recall@1 this far (absolute) below its best…
pub const OVERFIT_DROP: f64 = 0.03;
/// …in this many evaluations in a row (one evaluation can be noise)…
pub const OVERFIT_EVALS: usize = 2;
/// …while the mean training loss of the last [`LOSS_WINDOW`] batches is below its mean when
/// the metric was at its best. Cleared when Recall@1 is back within this of its best.
pub const OVERFIT_CLEAR: f64 = 0.01;
/// Batches in the training loss's running mean (the loss of one batch is noisy).
pub const LOSS_WINDOW: usize = 25;

/// A kind may fire again only after its condition has been clear for this many observations
/// (batches; evaluations for `overfitting`): a new episode, not the same one flickering.
pub const CALM_BATCHES: u32 = 50;
/// [`CALM_BATCHES`] for `overfitting`, in evaluations.
pub const CALM_EVALS: u32 = 2;
