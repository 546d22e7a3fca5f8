//! The UI side of a running worker: spawning the thread, queueing commands, draining events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use parking_lot::Mutex;

use super::protocol::{COMMAND_QUEUE, Command, EVENT_QUEUE, Event, Notify, SendError};
use super::run;
use super::state::{Link, Start};
use crate::data::Dataset;
use crate::training::backend::BackendInfo;
use crate::training::checkpoint::Checkpoint;
use crate::training::config::TrainConfig;
use crate::training::trainer::{BatchSnapshot, Trainer};

/// The UI side of a running worker.
pub struct WorkerHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    latest_batch: Arc<Mutex<Option<Arc<BatchSnapshot>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Starts a worker thread named `pairscope-train` for `config` on `data`.
    pub fn spawn(config: TrainConfig, data: Arc<Dataset>, notify: Notify) -> std::io::Result<Self> {
        Self::spawn_start(Start::Fresh(Box::new(config)), data, notify)
    }

    /// A worker that starts from a saved model (its configuration and weights), paused. A
    /// checkpoint that does not fit the data is reported as [`Event::Failed`].
    pub fn spawn_checkpoint(
        checkpoint: Checkpoint,
        data: Arc<Dataset>,
        notify: Notify,
    ) -> std::io::Result<Self> {
        Self::spawn_start(Start::Checkpoint(Box::new(checkpoint)), data, notify)
    }

    /// A worker that continues `trainer` (a [`Trainer::fork`]) on the backend it was made on,
    /// paused.
    pub fn spawn_fork(
        trainer: Trainer,
        backend: BackendInfo,
        notify: Notify,
    ) -> std::io::Result<Self> {
        let data = Arc::clone(trainer.data());
        Self::spawn_start(
            Start::Fork {
                trainer: Box::new(trainer),
                backend,
            },
            data,
            notify,
        )
    }

    fn spawn_start(start: Start, data: Arc<Dataset>, notify: Notify) -> std::io::Result<Self> {
        let (command_tx, command_rx) = bounded(COMMAND_QUEUE);
        let (event_tx, event_rx) = bounded(EVENT_QUEUE);
        let latest_batch = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let link = Link {
            commands: command_rx,
            events: event_tx,
            latest_batch: Arc::clone(&latest_batch),
            stop: Arc::clone(&stop),
            notify,
        };
        let thread = std::thread::Builder::new()
            .name("pairscope-train".into())
            .spawn(move || {
                crate::training::priority::yield_to_the_window();
                run::run(start, data, &link)
            })?;
        Ok(Self {
            commands: command_tx,
            events: event_rx,
            latest_batch,
            stop,
            thread: Some(thread),
        })
    }

    /// Queues a command without waiting. A full queue or a finished thread is an error, so
    /// that no command is lost unseen.
    pub fn send(&self, command: Command) -> Result<(), SendError> {
        let name = command.name();
        self.commands.try_send(command).map_err(|e| match e {
            TrySendError::Full(_) => SendError::Full(name),
            TrySendError::Disconnected(_) => SendError::Stopped(name),
        })
    }

    /// Events that arrived since the last call (never blocks).
    pub fn drain_events(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// The most recent trained batch, if any.
    pub fn latest_batch(&self) -> Option<Arc<BatchSnapshot>> {
        self.latest_batch.lock().clone()
    }

    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Asks the thread to stop and waits at most `timeout` for it. Returns whether it stopped.
    pub fn shutdown(&mut self, timeout: Duration) -> bool {
        self.stop.store(true, Ordering::SeqCst);
        // Only a wake-up for a worker waiting on its queue: the stop flag is what ends it, and
        // it checks the flag at least every 50 ms, so a full (or closed) queue loses nothing.
        if let Err(e) = self.commands.try_send(Command::Shutdown) {
            log::debug!("shutdown: no wake-up queued ({e}); the stop flag ends the worker");
        }
        let Some(thread) = self.thread.take() else {
            return true;
        };
        let deadline = Instant::now() + timeout;
        while !thread.is_finished() {
            if Instant::now() >= deadline {
                // Leave it detached: it exits at its next check of `stop`.
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        thread.join().is_ok()
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.shutdown(Duration::from_secs(2));
    }
}
