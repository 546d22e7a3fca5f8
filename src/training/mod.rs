//! Training: the burn model, the custom loop and the background worker thread that owns them.
//! Nothing here names egui; the UI talks to the worker through [`worker::WorkerHandle`].
//!
//! Depends on `data` (data sets, splits, the P×K sampler), `losses` (the engine and its specs),
//! `metrics` (held-out Recall@K / NMI), `gpu` (the adapter probe behind backend selection, and
//! the per-cell mining codes of a snapshot) and `io` (atomic checkpoint writes).

#[cfg(feature = "app")]
pub mod backend;
pub mod checkpoint;
pub mod config;
mod config_error;
#[cfg(feature = "app")]
pub mod history;
pub mod limits;
#[cfg(feature = "app")]
pub mod model;
#[cfg(feature = "app")]
pub mod priority;
#[cfg(feature = "app")]
pub mod trainer;
#[cfg(feature = "app")]
pub mod warnings;
#[cfg(feature = "app")]
pub mod worker;

#[cfg(feature = "app")]
pub use backend::{Backend, BackendInfo, BackendKind, select};
pub use checkpoint::{Checkpoint, CheckpointError};
pub use config::{BackendChoice, ModelKind, TrainConfig};
pub use config_error::ConfigError;
#[cfg(feature = "app")]
pub use history::{LossHistory, LossPoint};
#[cfg(feature = "app")]
pub use priority::yield_to_the_window;
#[cfg(feature = "app")]
pub use trainer::{BatchSnapshot, EvalPoint, StepStats, TrainError, Trainer};
#[cfg(feature = "app")]
pub use warnings::{Monitor, Warning, WarningKind};
#[cfg(feature = "app")]
pub use worker::{Command, Event, SendError, WorkerHandle};
