//! Train / held-out splits.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::dataset::Dataset;

/// How held-out data is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SplitKind {
    /// The metric-learning protocol: the first half of the classes train, the rest are unseen.
    Classes,
    /// Every class split 50/50: held-out samples of known classes.
    #[default]
    Samples,
}

impl SplitKind {
    pub const ALL: [Self; 2] = [Self::Samples, Self::Classes];

    pub fn label(self) -> &'static str {
        match self {
            Self::Classes => "classes (unseen classes held out)",
            Self::Samples => "samples (50/50 within each class)",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Self::Classes => "classes",
            Self::Samples => "samples",
        }
    }
}

/// Row indices of the training and held-out parts.
#[derive(Debug, Clone)]
pub struct Split {
    pub kind: SplitKind,
    pub train: Vec<usize>,
    pub held_out: Vec<usize>,
}

impl Split {
    /// `seed` only matters for [`SplitKind::Samples`] (which half of each class is held out).
    pub fn new(data: &Dataset, kind: SplitKind, seed: u64) -> Self {
        Self::with_train_classes(data, kind, seed, None)
    }

    /// [`Split::new`] with the training classes of a `Classes` split chosen by the user.
    pub fn with_train_classes(
        data: &Dataset,
        kind: SplitKind,
        seed: u64,
        train_classes: Option<&[usize]>,
    ) -> Self {
        let by_class = data.indices_by_class();
        let mut train = Vec::new();
        let mut held_out = Vec::new();
        match kind {
            SplitKind::Classes => {
                let first_held_out = data.num_classes().div_ceil(2);
                for (c, rows) in by_class.iter().enumerate() {
                    let trains = match train_classes {
                        Some(list) => list.contains(&c),
                        None => c < first_held_out,
                    };
                    if trains {
                        train.extend(rows);
                    } else {
                        held_out.extend(rows);
                    }
                }
            }
            SplitKind::Samples => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                for rows in &by_class {
                    let mut rows = rows.clone();
                    rows.shuffle(&mut rng);
                    let half = rows.len() / 2;
                    train.extend_from_slice(&rows[..half]);
                    held_out.extend_from_slice(&rows[half..]);
                }
            }
        }
        train.sort_unstable();
        held_out.sort_unstable();
        Self {
            kind,
            train,
            held_out,
        }
    }
}
