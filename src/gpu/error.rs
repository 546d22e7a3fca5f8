//! The error of the GPU pipeline, in a file of its own so that the pipeline's files can name it
//! without depending on `gpu/mod.rs` (which re-exports them).

use thiserror::Error;

/// Why the pipeline could not run on a device.
#[derive(Debug, Error)]
pub enum GpuError {
    /// wgpu found no adapter.
    #[error("no wgpu adapter: {0}")]
    NoAdapter(String),
    /// Requesting the device, building the pipelines, or a submission / read-back failed.
    #[error("wgpu device error: {0}")]
    Device(String),
    /// The inputs do not have the shapes the pipeline was given.
    #[error("wrong input shape: {0}")]
    Shape(String),
}
