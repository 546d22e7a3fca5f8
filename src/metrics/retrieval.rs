//! [`Retrieval`]: every held-out metric of one evaluation.

use serde::{Deserialize, Serialize};

use super::cluster::{kmeans_labels, nmi};
use super::map_at_r::map_at_r;
use super::recall::{normalize_rows, recall_at_k};

/// Metrics of one evaluation of the held-out set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Retrieval {
    pub recall_at_1: f64,
    pub recall_at_2: f64,
    pub recall_at_4: f64,
    pub recall_at_8: f64,
    pub nmi: f64,
    /// MAP@R ([`map_at_r`]); 0 in data saved before it was measured.
    #[serde(default)]
    pub map_at_r: f64,
}

impl Retrieval {
    /// Evaluates `[n, d]` embeddings (normalised here) with their labels; k-means uses `seed`.
    pub fn evaluate(emb: &[f32], d: usize, labels: &[u32], seed: u64) -> Self {
        let x = normalize_rows(emb, d);
        let ks = recall_at_k(&x, d, labels, &[1, 2, 4, 8]);
        let n_classes = {
            let mut l = labels.to_vec();
            l.sort_unstable();
            l.dedup();
            l.len()
        };
        let clusters = kmeans_labels(&x, d, n_classes, seed);
        Self {
            recall_at_1: ks[0],
            recall_at_2: ks[1],
            recall_at_4: ks[2],
            recall_at_8: ks[3],
            nmi: nmi(&clusters, labels),
            map_at_r: map_at_r(&x, d, labels),
        }
    }
}
