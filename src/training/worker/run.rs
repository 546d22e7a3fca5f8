//! The worker thread's loop as a state struct: start-up, then "next command, handle it, train
//! one batch when one is due" until a stop.

use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::pacing::{Faults, Pacing};
use super::protocol::{Event, HeldOutEmbedding};
use super::recovery::{failure_text, panic_message};
use super::state::{Link, Loop, MIRROR_EVERY, Start, WorkerError};
use crate::data::Dataset;
use crate::training::backend::select;
use crate::training::trainer::{TrainError, Trainer};
use crate::training::warnings::Monitor;

/// The thread's body: start, loop, and one [`Event::Failed`] if either ends in an error or
/// a panic.
pub(super) fn run(start: Start, data: Arc<Dataset>, link: &Link) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        Loop::start(start, data, link)?.map_or(Ok(()), Loop::run)
    }));
    let text = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e.to_string(),
        Err(payload) => format!("training thread panicked: {}", panic_message(&*payload)),
    };
    // Waits for room like any event; only a stop request (nobody is listening) drops it.
    if !link.emit(Event::Failed(text.clone())) {
        log::warn!("training thread ended after a stop request: {text}");
    }
}

impl<'a> Loop<'a> {
    /// Builds the trainer, reports [`Event::Started`] and the first held-out embeddings.
    /// `None` when a stop came first.
    fn start(
        start: Start,
        data: Arc<Dataset>,
        link: &'a Link,
    ) -> Result<Option<Self>, WorkerError> {
        let (trainer, backend) = match start {
            Start::Fresh(config) => {
                let backend = select(config.backend);
                (Trainer::new(*config, data, &backend)?, backend.info)
            }
            Start::Checkpoint(checkpoint) => {
                let backend = select(checkpoint.config.backend);
                let mut trainer = Trainer::new(checkpoint.config.clone(), data, &backend)?;
                trainer
                    .load_checkpoint(&checkpoint)
                    .map_err(WorkerError::LoadModel)?;
                (trainer, backend.info)
            }
            Start::Fork { trainer, backend } => (*trainer, backend),
        };
        if link.stopping() {
            return Ok(None);
        }
        let mirror = trainer.resume_point()?;
        let untrained = trainer.evaluate()?;
        link.emit(Event::Started {
            backend: backend.clone(),
            raw_baseline: trainer.raw_baseline(),
            untrained,
        });
        let this = Self {
            link,
            trainer,
            backend,
            mirror,
            pacing: Pacing::new(),
            faults: Faults::default(),
            tsne_on_training: false,
            monitor: Monitor::new(),
        };
        this.send_held_out(true)?;
        Ok(Some(this))
    }

    /// The loop: next command, handle it, train a batch when one is due.
    fn run(mut self) -> Result<(), WorkerError> {
        loop {
            if self.link.stopping() {
                return Ok(());
            }
            let ControlFlow::Continue(command) = self.next_command() else {
                return Ok(());
            };
            if let Some(command) = command
                && self.handle(command).is_break()
            {
                return Ok(());
            }
            if self.pacing.take_slot() {
                self.train_one()?;
            }
        }
    }

    /// One batch under `catch_unwind`, then what follows a trained batch: publish it, mirror
    /// the model, send held-out embeddings when due, count down a Step.
    fn train_one(&mut self) -> Result<(), WorkerError> {
        let batch = match self.step_caught() {
            Ok(Ok(batch)) => batch,
            Ok(Err(e)) => {
                self.pause_failed(failure_text(&e));
                self.warn_divergence(&e);
                return Ok(());
            }
            Err(caught) => return self.recover(caught),
        };
        let stats = batch.stats();
        let warnings = self.monitor.observe_batch(&batch);
        self.link.publish(Some(batch));
        self.link.emit(Event::BatchTrained(stats));
        for w in warnings {
            self.link.emit(Event::Warning(w));
        }
        let step = self.trainer.step_count();
        if step.is_multiple_of(MIRROR_EVERY) {
            self.mirror()?;
        }
        if let Err(e) = self.send_held_out_when_due(step) {
            // The last update broke the held-out embeddings: undo it.
            if matches!(e, TrainError::Diverged { .. }) && self.trainer.roll_back().is_some() {
                self.link.publish(None);
            }
            self.pause_failed(failure_text(&e));
            self.warn_divergence(&e);
            return Ok(());
        }
        if self.pacing.step_done() {
            self.link.emit(Event::Paused { step });
        }
        Ok(())
    }

    /// Refreshes the host-side copy the CPU fallback resumes from.
    fn mirror(&mut self) -> Result<(), WorkerError> {
        self.mirror = self.trainer.resume_point()?;
        Ok(())
    }

    /// Training stops; the failure is reported once, then that training paused (at the step
    /// now current).
    pub(super) fn pause_failed(&mut self, text: String) {
        self.pacing.stop();
        self.link.emit(Event::Failed(text));
        self.link.emit(Event::Paused {
            step: self.trainer.step_count(),
        });
    }

    /// A divergence's warning (after its failure), once per episode.
    fn warn_divergence(&mut self, e: &TrainError) {
        if let Some(w) = self.monitor.observe_divergence(e) {
            self.link.emit(Event::Warning(w));
        }
    }

    fn send_held_out_when_due(&self, step: u64) -> Result<(), TrainError> {
        let config = self.trainer.config();
        let tsne = step.is_multiple_of(config.tsne_every);
        if tsne || step.is_multiple_of(config.eval_every) {
            self.send_held_out(tsne)
        } else {
            Ok(())
        }
    }

    /// The held-out embeddings (evaluated by the app's job), and for a t-SNE of the training
    /// rows those too.
    fn send_held_out(&self, tsne: bool) -> Result<(), TrainError> {
        let trainer = &self.trainer;
        let (embeddings, labels) = trainer.embed_held_out()?;
        let on_training = self.tsne_on_training;
        self.link
            .emit(Event::HeldOutEmbedded(Arc::new(HeldOutEmbedding {
                step: trainer.step_count(),
                tsne: tsne && !on_training,
                eval: true,
                rows: trainer.split().held_out.clone(),
                embeddings,
                d: trainer.config().embedding_dim,
                labels,
            })));
        if tsne && on_training {
            let rows = trainer.split().train.clone();
            let embeddings = trainer.embed(&rows)?;
            self.link
                .emit(Event::HeldOutEmbedded(Arc::new(HeldOutEmbedding {
                    step: trainer.step_count(),
                    tsne: true,
                    eval: false,
                    labels: trainer.data().gather_labels(&rows),
                    rows,
                    embeddings,
                    d: trainer.config().embedding_dim,
                })));
        }
        Ok(())
    }
}
