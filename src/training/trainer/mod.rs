//! One training run, step by step: sample a P×K batch, embed it, let the loss engine mine and
//! weight its pairs, and train on the surrogate `Σ_ij G_ij · S_ij` with `G = ∂L/∂S` held
//! constant — the GPW identity (docs/losses.md §2.1): the weights shown are the ones that train.
//! Used by the worker thread, by headless runs and by tests; it never names egui.

mod error;
mod lifecycle;
mod snapshot;
mod state;
mod step;

pub use error::TrainError;
pub use snapshot::{AFTER_MAX_M, BatchSnapshot, EvalPoint, StepStats};
pub use state::{ResumePoint, Trainer};
