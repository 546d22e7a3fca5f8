//! The course: lessons in an order that teaches the seed paper's view (every pair-based loss is
//! samples mining × pairs weighting), each with a claim that is checked by running it —
//! `pairscope lesson ID --check` and `tests/lessons.rs` run the same checks.
//!
//! The rooms: `lesson` (the [`Lesson`] and [`Verdict`] types), `course` (the lessons, their
//! texts and runs), `run` (a lesson's headless run on the CPU backend), `batch` and
//! `batch_checks` (claims about one batch, asked of the loss engine), `run_checks` (claims
//! about whole runs), `check` (by id, and the figures of `--out`).

mod batch;
mod batch_checks;
mod check;
mod course;
mod lesson;
mod run;
mod run_checks;

pub use check::{check, write_figures};
pub use course::{attraction_only, find, lessons, position};
pub use lesson::{Evidence, Lesson, LessonError, Verdict};
pub use run_checks::{DRY_WINDOW, RECOVERY_RATE, RECOVERY_STEPS};
