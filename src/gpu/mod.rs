//! GPU heatmaps: WGSL compute shaders (shaders/) that compute and colour-map a batch's
//! matrices on any wgpu device, with a CPU path that gives the same values. The UI draws the
//! result through egui_wgpu's paint callback (`ui::gpu_heatmap`). No egui, no burn here.

pub mod colormap;
pub mod compute;

pub use colormap::{ColorMap, MiningCode};
pub use compute::{AdapterSummary, HeadlessGpu, HeatmapInput, HeatmapReadback, probe_adapter};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum GpuError {
    #[error("no wgpu adapter: {0}")]
    NoAdapter(String),
    #[error("wgpu device error: {0}")]
    Device(String),
}

/// The WGSL sources, for validation and documentation.
pub const SHADERS: [(&str, &str); 2] = [
    ("heatmap.wgsl", include_str!("../../shaders/heatmap.wgsl")),
    (
        "heatmap_draw.wgsl",
        include_str!("../../shaders/heatmap_draw.wgsl"),
    ),
];
