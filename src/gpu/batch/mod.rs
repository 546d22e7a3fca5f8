//! The batch pipeline of `shaders/batch.wgsl` on any wgpu device: eframe's own (through the
//! paint callback, `ui::gpu_heatmap`) or a headless one (tests, benchmarks, `pairscope doctor`).
//!
//! For one batch it computes S, the mining decision of every pair, the weights `G = ∂L/∂S` and
//! per-pair losses of the selected loss where [`GpuPlan::for_spec`] finds a GPU path, and
//! colour-maps the shown [`View`]. Other losses take their codes, weights and per-pair losses
//! from the CPU engine ([`BatchWork::Engine`]) and the GPU only computes S and colours.
//!
//! Layout (this file only declares and re-exports; the files below never name it, so the
//! doors run one way): `shader` mirrors the shader's uniform, rule constants and views, `plan`
//! maps a loss to the shader's rules, `pipelines` builds the compute pipelines, `buffers` holds
//! one batch on the device and records its passes, `headless` runs them on a device of its own.

mod buffers;
mod headless;
mod pipelines;
mod plan;
mod shader;

pub use buffers::{BatchBuffers, CellProbe};
pub use headless::{AdapterSummary, BatchReadback, HeadlessGpu, probe_adapter};
pub use pipelines::{
    BatchPipelines, read_only_storage_entry, required_limits, try_pipelines, uniform_entry,
    unsupported,
};
pub use plan::{BatchWork, GpuPlan};
pub use shader::{Params, View};
