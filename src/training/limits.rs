//! The accepted values of every numeric setting:
//! [`TrainConfig::validate`](super::config::TrainConfig::validate) checks them and the settings
//! panel builds its sliders from them, so the two cannot drift apart.

use std::fmt::Display;
use std::ops::RangeInclusive;

use super::config_error::ConfigError;

/// Numbers a [`Limit`] can bound.
pub trait Bound: Copy + PartialOrd + Display {
    /// The largest value: a valid range that ends here has no upper limit.
    const TOP: Self;
    /// Whether this is the smallest positive value (a range from here means "positive").
    fn is_smallest_positive(self) -> bool {
        false
    }
}

impl Bound for usize {
    const TOP: Self = usize::MAX;
}

impl Bound for u64 {
    const TOP: Self = u64::MAX;
}

impl Bound for f64 {
    const TOP: Self = f64::MAX;
    fn is_smallest_positive(self) -> bool {
        self == POSITIVE
    }
}

/// The smallest positive `f64` (a subnormal): `POSITIVE..=f64::MAX` holds exactly the
/// finite positive numbers, and no NaN.
pub const POSITIVE: f64 = f64::from_bits(1);

/// One setting's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit<T> {
    /// The key in `config.toml`, which a refusal names.
    pub field: &'static str,
    /// What the validator accepts.
    pub valid: RangeInclusive<T>,
    /// What the settings panel offers, within `valid`: all of it where it is small,
    /// otherwise the values that make sense interactively (a logarithmic slider needs
    /// finite ends; config files may go further).
    pub offered: RangeInclusive<T>,
}

impl<T: Bound> Limit<T> {
    pub fn accepts(&self, value: T) -> bool {
        self.valid.contains(&value)
    }

    /// The rule in words: "in 1..=4096", "at least 2", "a positive number".
    pub fn rule(&self) -> String {
        let (lo, hi) = (*self.valid.start(), *self.valid.end());
        match (hi == T::TOP, lo.is_smallest_positive()) {
            (true, true) => "a positive number".into(),
            (true, false) => format!("at least {lo}"),
            (false, _) => format!("in {lo}..={hi}"),
        }
    }

    /// `Ok` when `value` is valid, otherwise the error naming the field and the range.
    pub fn check(&self, value: T) -> Result<(), ConfigError> {
        if self.accepts(value) {
            Ok(())
        } else {
            Err(ConfigError::OutOfRange {
                field: self.field,
                rule: self.rule(),
            })
        }
    }
}

/// Largest batch m = P × K.
pub const MAX_BATCH: usize = 4096;
/// P (the panel offers up to the data set's class count); K ≥ 2 and P × K ≤ [`MAX_BATCH`]
/// leave at most `MAX_BATCH / 2`.
pub const BATCH_CLASSES: Limit<usize> = Limit {
    field: "batch_classes",
    valid: 2..=MAX_BATCH / 2,
    offered: 2..=MAX_BATCH / 2,
};
/// K (the panel offers up to `MAX_BATCH / P`).
pub const BATCH_SAMPLES: Limit<usize> = Limit {
    field: "batch_samples",
    valid: 2..=MAX_BATCH / 2,
    offered: 2..=MAX_BATCH / 2,
};
pub const HIDDEN_DIM: Limit<usize> = Limit {
    field: "hidden_dim",
    valid: 1..=4096,
    offered: 1..=4096,
};
pub const EMBEDDING_DIM: Limit<usize> = Limit {
    field: "embedding_dim",
    valid: 2..=1024,
    offered: 2..=1024,
};
/// Adam's learning rate: any finite positive number; the slider is logarithmic.
pub const LEARNING_RATE: Limit<f64> = Limit {
    field: "learning_rate",
    valid: POSITIVE..=f64::MAX,
    offered: 1e-5..=1.0,
};
pub const EVAL_EVERY: Limit<u64> = Limit {
    field: "eval_every",
    valid: 1..=u64::MAX,
    offered: 1..=100_000,
};
pub const TSNE_EVERY: Limit<u64> = Limit {
    field: "tsne_every",
    valid: 1..=u64::MAX,
    offered: 1..=100_000,
};
/// Larger than the point count makes no sense; the cap keeps the bandwidth search finite.
pub const TSNE_PERPLEXITY: Limit<f64> = Limit {
    field: "tsne.perplexity",
    valid: 1.0..=10_000.0,
    offered: 2.0..=100.0,
};
/// linfa-tsne cannot be interrupted: 4 000 000 000 iterations hung `pairscope train`.
pub const TSNE_ITERATIONS: Limit<usize> = Limit {
    field: "tsne.iterations",
    valid: 10..=100_000,
    offered: 50..=5000,
};
/// The layout's memory and time grow with the square of the points (pairwise affinities).
pub const TSNE_MAX_POINTS: Limit<usize> = Limit {
    field: "tsne.max_points",
    valid: 5..=50_000,
    offered: 50..=5000,
};

/// A checkpoint's model blob (burnpack bytes), checked on the base64 text before it is
/// decoded; a file larger than the blob's base64 plus [`CHECKPOINT_TEXT_SLACK`] is refused
/// before it is read.
pub const CHECKPOINT_MODEL_BYTES: Limit<usize> = Limit {
    field: "checkpoint model (bytes)",
    valid: 1..=1 << 30,
    offered: 1..=1 << 30,
};
/// Room for the configuration and keys of a checkpoint file besides its model.
pub const CHECKPOINT_TEXT_SLACK: usize = 1 << 20;

/// The largest checkpoint file read: the model's base64 plus the slack.
pub fn max_checkpoint_file_bytes() -> u64 {
    (CHECKPOINT_MODEL_BYTES.valid.end().div_ceil(3) * 4 + CHECKPOINT_TEXT_SLACK) as u64
}

/// One row of the table of limits (`docs/limits.md`): the field and its rule in words.
pub fn documented() -> Vec<(&'static str, String)> {
    let counts = [
        BATCH_CLASSES,
        BATCH_SAMPLES,
        HIDDEN_DIM,
        EMBEDDING_DIM,
        TSNE_ITERATIONS,
        TSNE_MAX_POINTS,
    ];
    let mut rows: Vec<_> = counts.iter().map(|l| (l.field, l.rule())).collect();
    rows.push((
        "batch_classes × batch_samples",
        format!("at most {MAX_BATCH}"),
    ));
    rows.extend([EVAL_EVERY, TSNE_EVERY].iter().map(|l| (l.field, l.rule())));
    rows.extend(
        [LEARNING_RATE, TSNE_PERPLEXITY]
            .iter()
            .map(|l| (l.field, l.rule())),
    );
    rows.push((CHECKPOINT_MODEL_BYTES.field, CHECKPOINT_MODEL_BYTES.rule()));
    rows.push((
        "checkpoint file (bytes)",
        format!("at most {}", max_checkpoint_file_bytes()),
    ));
    rows.push((
        "seed, tsne.seed, checkpoint step",
        "any whole number in 0..=18446744073709551615".into(),
    ));
    rows
}
