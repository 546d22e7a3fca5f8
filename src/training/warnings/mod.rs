//! Pathology warnings: a run that has stopped learning, or learns the wrong thing, says so.
//!
//! A [`Monitor`] watches one run — every trained batch ([`Monitor::observe_batch`]), every
//! held-out evaluation ([`Monitor::observe_eval`]) and a divergence
//! ([`Monitor::observe_divergence`]) — and returns a [`Warning`] when a pathology *starts*:
//! each kind fires once per episode, and may fire again only after its condition has cleared
//! for a while (hysteresis), so a run that hovers at a threshold does not warn every step.
//!
//! The same monitor serves `pairscope train` (metrics.json's `warnings`) and the window (the
//! worker watches the batches, the app watches its evaluations). Each warning's message names
//! the step, what was seen (with the numbers), why it happens, what to try, and ends with the
//! lesson that shows it. The thresholds are the constants of `thresholds.rs`;
//! docs/warnings.md lists them.
//!
//! The rooms: `kind` (what a warning is: [`WarningKind`], [`Warning`]), `thresholds` (the
//! documented constants), `monitor` (the [`Monitor`] and the [`BatchSigns`] it reads).

mod kind;
mod monitor;
mod thresholds;

pub use kind::{Warning, WarningKind};
pub use monitor::{BatchSigns, Monitor};
pub use thresholds::{
    CALM_BATCHES, CALM_EVALS, COLLAPSE_BATCHES, COLLAPSE_CLEAR, COLLAPSE_SIMILARITY, DRY_CLEAR,
    DRY_FIRE, DRY_WINDOW, LOSS_WINDOW, OVERFIT_CLEAR, OVERFIT_DROP, OVERFIT_EVALS, VANISH_CLEAR,
    VANISH_FRACTION, VANISH_WINDOW,
};
