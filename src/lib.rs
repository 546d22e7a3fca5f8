//! pairscope: see what a pair-based deep-metric-learning loss does to a mini-batch.
//!
//! Layers point one way: `ui → app → figures → embedding → training → gpu → {losses, data,
//! metrics, io, palette}`, with `headless` (`pairscope train`) and `cli` as doors beside `app`.
//! ARCHITECTURE.md's table of allowed module edges is checked by `tests/layering.rs`, with no
//! cycle between any two files; no egui outside `ui`, no burn outside `training`.
//!
//! Without the default `app` feature only the parsers, the data loaders, the loss engine and
//! the run configuration are built: what the fuzz targets in `fuzz/` exercise.

/// mimalloc keeps the memory a batch frees for the next one. With the system allocator every
/// `m × m` buffer of the loss engine came fresh from the kernel (at m = 1024 half of a batch's
/// time was page faults and heap trims; at m = 4096 a contrastive batch took 220–224 ms, with
/// mimalloc 93–97 ms: `cargo bench --bench losses`, issue 19). Every binary that links the
/// library — the app, its tests and benches — allocates through it.
#[cfg(feature = "app")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
