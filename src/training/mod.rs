//! Training: the burn model, the custom loop and the background worker thread that owns them.
//! Nothing here names egui; the UI talks to the worker through [`worker::WorkerHandle`].

#[cfg(feature = "app")]
pub mod backend;
pub mod checkpoint;
pub mod config;
#[cfg(feature = "app")]
pub mod model;
#[cfg(feature = "app")]
pub mod trainer;
#[cfg(feature = "app")]
pub mod worker;

#[cfg(feature = "app")]
pub use backend::{Backend, select};
pub use checkpoint::Checkpoint;
pub use config::{BackendChoice, ModelKind, TrainConfig};
#[cfg(feature = "app")]
pub use trainer::{BatchSnapshot, EvalPoint, StepStats, TrainError, Trainer};
#[cfg(feature = "app")]
pub use worker::{Command, Event, WorkerHandle};
