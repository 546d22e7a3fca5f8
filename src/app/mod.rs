//! Application state and commands, between the UI and the domain. The UI reads [`AppState`]
//! and emits [`AppCommand`]s; each frame calls [`AppState::poll`] first (drain worker events,
//! collect finished jobs). No egui here, no burn types either.
//!
//! The rooms: `state` (what the panels read, and the frame's poll), `commands` (what each
//! command does), `files` (sessions, models and data sets, read and written on background
//! jobs), `jobs` (the one background-job mechanism), `run` (the one event reducer and the
//! evaluator, shared by the main run and compare), `compare`, `lessons`.

mod command;
mod commands;
pub mod compare;
mod error;
mod eval_job;
mod files;
mod job_output;
pub mod jobs;
pub mod lessons;
mod live_view;
pub mod run;
mod shared;
mod state;

pub use command::AppCommand;
pub use error::AppError;
pub use jobs::{JobInfo, JobKind};
pub use run::RunView;
pub use shared::{DEFAULT_SPEED, Notice, Notify, RunStatus, SPEEDS, Settings, TSNE_HISTORY};
pub use state::AppState;
