//! Retrieval metrics on held-out embeddings (docs/losses.md §8). No egui, no burn.

mod cluster;
mod map_at_r;
mod recall;
mod retrieval;

pub use cluster::{kmeans_labels, nmi};
pub use map_at_r::map_at_r;
pub use recall::{gram, normalize_rows, recall_at_k};
pub use retrieval::Retrieval;
