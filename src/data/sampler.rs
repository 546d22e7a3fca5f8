//! Seeded P×K batch sampling: P classes, K samples of each.

use rand::SeedableRng;
use rand::seq::{IteratorRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

use super::dataset::Dataset;

/// One mini-batch, as dataset row indices grouped by class (`P` groups of `K`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchIndices {
    pub rows: Vec<usize>,
}

/// Draws P×K batches from the training rows of a data set.
#[derive(Debug, Clone)]
pub struct PkSampler {
    by_class: Vec<Vec<usize>>,
    p: usize,
    k: usize,
    rng: ChaCha8Rng,
}

impl PkSampler {
    /// `train_rows` are the dataset rows the sampler may use. Classes with no training row are
    /// skipped; `p` is clamped to the number of classes that remain.
    pub fn new(data: &Dataset, train_rows: &[usize], p: usize, k: usize, seed: u64) -> Self {
        let mut by_class = vec![Vec::new(); data.num_classes()];
        for &r in train_rows {
            by_class[data.labels[r] as usize].push(r);
        }
        by_class.retain(|rows| !rows.is_empty());
        Self {
            p: p.clamp(1, by_class.len().max(1)),
            k: k.max(1),
            by_class,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Batch size `m = P·K`.
    pub fn batch_size(&self) -> usize {
        self.p * self.k
    }

    /// The next batch: P distinct classes in random order, K rows each (without replacement when
    /// the class has at least K training rows, otherwise topped up with replacement, as in the
    /// MS-loss reference sampler).
    pub fn next_batch(&mut self) -> BatchIndices {
        let mut classes = (0..self.by_class.len()).choose_multiple(&mut self.rng, self.p);
        classes.sort_unstable();
        let mut rows = Vec::with_capacity(self.p * self.k);
        for c in classes {
            let pool = &self.by_class[c];
            if pool.len() >= self.k {
                rows.extend(pool.choose_multiple(&mut self.rng, self.k).copied());
            } else {
                rows.extend_from_slice(pool);
                for _ in pool.len()..self.k {
                    if let Some(&r) = pool.choose(&mut self.rng) {
                        rows.push(r);
                    }
                }
            }
        }
        BatchIndices { rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Split, SplitKind};

    #[test]
    fn batches_are_p_by_k_and_reproducible() {
        let data = Dataset::digits();
        let split = Split::new(&data, SplitKind::Classes, 0);
        let mut a = PkSampler::new(&data, &split.train, 5, 16, 7);
        let mut b = PkSampler::new(&data, &split.train, 5, 16, 7);
        for _ in 0..5 {
            let ba = a.next_batch();
            assert_eq!(ba, b.next_batch());
            assert_eq!(ba.rows.len(), 80);
            let labels = data.gather_labels(&ba.rows);
            for g in labels.chunks(16) {
                assert!(g.iter().all(|&y| y == g[0]));
                assert!(g[0] < 5, "classes split: only digits 0-4 train");
            }
        }
    }
}
