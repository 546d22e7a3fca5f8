//! Training: the burn model, the custom loop and the background worker thread that owns them.
//! Nothing here names egui; the UI talks to the worker through [`worker::WorkerHandle`].

pub mod backend;
pub mod config;
pub mod model;
pub mod trainer;
pub mod worker;

pub use backend::{Backend, select};
pub use config::{BackendChoice, ModelKind, TrainConfig};
pub use trainer::{BatchSnapshot, EvalPoint, StepStats, TrainError, Trainer};
pub use worker::{Command, Event, WorkerHandle};
