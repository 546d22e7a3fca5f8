//! The named training thread. It owns the [`Trainer`](super::Trainer) (burn model and Adam
//! state); the UI sends imperative [`Command`]s and receives past-tense [`Event`]s through
//! bounded channels. The latest batch, which can be large (m² floats), goes through a
//! latest-value slot instead.
//!
//! The UI holds a [`WorkerHandle`] (`handle.rs`); both ends speak the types of
//! `protocol.rs`. The thread's loop is a state struct (`state::Loop`: the trainer, the
//! backend, the model mirror, the pacing of Play / Step / slow motion from `pacing.rs`) with
//! one method per thing it does: `handle` a command (`commands.rs`), `train_one` batch,
//! `mirror` the model, `send_held_out` embeddings (`run.rs`), `recover` from a panicking step
//! (`recovery.rs`). This file only declares the modules and re-exports the public names.

mod commands;
mod handle;
mod pacing;
mod protocol;
mod recovery;
mod run;
mod state;

pub use handle::WorkerHandle;
pub use protocol::{
    COMMAND_QUEUE, Command, EVENT_QUEUE, Event, HeldOutEmbedding, Notify, SendError,
};
pub use recovery::panic_message;
pub use state::MIRROR_EVERY;
