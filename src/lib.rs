//! pairscope: see what a pair-based deep-metric-learning loss does to a mini-batch.
//!
//! Layers point one way (see ARCHITECTURE.md):
//! `ui → app → {training, losses, gpu, embedding, metrics, data}`, with `figures` (plotters)
//! and `headless` (`pairscope train`) beside `app`; no egui outside `ui`, no
//! burn outside `training`.

pub mod app;
pub mod cli;
pub mod data;
pub mod embedding;
pub mod figures;
pub mod gpu;
pub mod headless;
pub mod io;
pub mod losses;
pub mod metrics;
pub mod training;
pub mod ui;
