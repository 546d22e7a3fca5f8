//! The worker thread's state: what it starts from, its end of the channels, and the loop's
//! state struct, whose methods live in `run.rs` (start-up, one batch, mirroring, held-out
//! embeddings), `commands.rs` (commands and pacing) and `recovery.rs` (a failed step).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, SendTimeoutError, Sender};
use parking_lot::Mutex;
use thiserror::Error;

use super::pacing::{Faults, Pacing};
use super::protocol::{Command, Event, Notify};
use crate::training::backend::BackendInfo;
use crate::training::checkpoint::Checkpoint;
use crate::training::config::TrainConfig;
use crate::training::trainer::{BatchSnapshot, ResumePoint, TrainError, Trainer};
use crate::training::warnings::Monitor;

/// A copy of the model is kept this often (in steps), so that a lost GPU costs at most this
/// many steps.
pub const MIRROR_EVERY: u64 = 200;

/// What a worker starts from.
pub(super) enum Start {
    Fresh(Box<TrainConfig>),
    /// A fresh run of the checkpoint's configuration that loads its model.
    Checkpoint(Box<Checkpoint>),
    /// A fork, on the backend it was made on.
    Fork {
        trainer: Box<Trainer>,
        backend: BackendInfo,
    },
}

/// Why the worker thread ended early; reported once as [`Event::Failed`].
#[derive(Debug, Error)]
pub(super) enum WorkerError {
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error("load model: {0}")]
    LoadModel(TrainError),
    #[error("{reason} ({why}) and the CPU fallback failed: {source}")]
    Fallback {
        reason: String,
        why: String,
        source: TrainError,
    },
}

/// The worker's end of the channels.
pub(super) struct Link {
    pub(super) commands: Receiver<Command>,
    pub(super) events: Sender<Event>,
    pub(super) latest_batch: Arc<Mutex<Option<Arc<BatchSnapshot>>>>,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) notify: Notify,
}

impl Link {
    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Sends an event, waiting while the UI catches up but never past a stop request.
    /// Returns whether it was sent (not when stopping or when the UI has gone: the loop ends
    /// at its next check then).
    pub(super) fn emit(&self, event: Event) -> bool {
        let mut event = event;
        loop {
            if self.stopping() {
                return false;
            }
            match self.events.send_timeout(event, Duration::from_millis(20)) {
                Ok(()) => {
                    (self.notify)();
                    return true;
                }
                Err(SendTimeoutError::Timeout(e)) => event = e,
                Err(SendTimeoutError::Disconnected(_)) => return false,
            }
        }
    }

    /// Replaces the latest-batch slot (`None` after a fallback or a roll-back: the shown batch
    /// belongs to steps that are gone).
    pub(super) fn publish(&self, batch: Option<BatchSnapshot>) {
        *self.latest_batch.lock() = batch.map(Arc::new);
    }
}

/// The training loop's state.
pub(super) struct Loop<'a> {
    pub(super) link: &'a Link,
    pub(super) trainer: Trainer,
    pub(super) backend: BackendInfo,
    /// The model as of the last [`MIRROR_EVERY`] steps, in host memory, with the batch
    /// position: what training continues from if the GPU is lost (a lost device cannot be
    /// read).
    pub(super) mirror: ResumePoint,
    pub(super) pacing: Pacing,
    pub(super) faults: Faults,
    /// Lay out the training rows instead of the held-out rows.
    pub(super) tsne_on_training: bool,
    /// Watches the trained batches for pathologies (the app watches the evaluations).
    pub(super) monitor: Monitor,
}
