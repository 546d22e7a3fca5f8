//! pairscope: see what a pair-based deep-metric-learning loss does to a mini-batch.
//!
//! Layers point one way: `ui → app → figures → embedding → training → gpu → {losses, data,
//! metrics, io, palette}`, with `headless` (`pairscope train`) and `cli` as doors beside `app`.
//! ARCHITECTURE.md's table of allowed module edges is checked by `tests/layering.rs`, with no
//! cycle between any two files; no egui outside `ui`, no burn outside `training`.
//!
//! Without the default `app` feature only the parsers, the data loaders, the loss engine and
//! the run configuration are built: what the fuzz targets in `fuzz/` exercise.

#[cfg(feature = "app")]
pub mod app;
#[cfg(feature = "app")]
pub mod cli;
pub mod data;
#[cfg(feature = "app")]
pub mod embedding;
#[cfg(feature = "app")]
pub mod figures;
#[doc(hidden)]
pub mod fuzz;
#[cfg(feature = "app")]
pub mod gpu;
#[cfg(feature = "app")]
pub mod headless;
pub mod io;
#[cfg(feature = "app")]
pub mod lessons;
pub mod losses;
#[cfg(feature = "app")]
pub mod metrics;
pub mod palette;
pub mod training;
#[cfg(feature = "app")]
pub mod ui;
