//! The embedding space in two dimensions: pairscope's t-SNE engine ([`tsne`]: exact repulsion
//! [`repulsion`], k-NN affinities [`affinity`]), PCA ([`pca`]), layout quality ([`quality`]),
//! cold layouts ([`job`]: `pairscope train`, the lessons) and the window's live view ([`live`]:
//! a layout that keeps optimising while the network trains), Procrustes alignment of cold layouts ([`procrustes`])
//! and linfa-tsne as the independent reference ([`reference`]). No egui, no burn.

pub mod affinity;
pub mod job;
pub mod live;
pub mod pca;
pub mod procrustes;
pub mod quality;
pub mod reference;
pub mod repulsion;
pub mod tsne;

pub use crate::training::config::TsneSettings;
pub use job::{Projection, TsneLayout, TsneRequest, run_tsne, run_tsne_until};
pub use live::{LiveFrame, LiveTsne};
