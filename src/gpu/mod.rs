//! The batch on the GPU: WGSL compute shaders (shaders/) that compute a batch's similarities,
//! mining decisions, weights and per-pair losses and colour-map them on any wgpu device, with a
//! CPU path that gives the same colours. The UI draws the result through egui_wgpu's paint
//! callback (`ui::gpu_heatmap`). No egui, no burn here.

pub mod batch;
pub mod colormap;
mod error;
pub mod parity;

pub use batch::{
    AdapterSummary, BatchReadback, BatchWork, CellProbe, GpuPlan, HeadlessGpu, View, probe_adapter,
};
pub use colormap::{ColorMap, MiningCode};
pub use error::GpuError;

/// The WGSL sources, for validation and documentation.
pub const SHADERS: [(&str, &str); 2] = [
    ("batch.wgsl", include_str!("../../shaders/batch.wgsl")),
    (
        "heatmap_draw.wgsl",
        include_str!("../../shaders/heatmap_draw.wgsl"),
    ),
];
