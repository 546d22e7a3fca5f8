//! Held-out metrics on a background thread (`pairscope-eval`): k-means for NMI costs tens of
//! milliseconds, far more than a training step, so the worker only embeds the held-out set and
//! this job scores it. Requests queue in order; when the job falls behind, new requests are
//! dropped (the curve then has fewer points) rather than slowing training down.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, bounded};

use crate::metrics::Retrieval;
use crate::training::EvalPoint;
use crate::training::worker::{HeldOutEmbedding, panic_message};

/// An evaluation that failed (its panic, caught).
#[derive(Debug, thiserror::Error)]
#[error("evaluation of step {step} failed: {why}")]
pub struct EvalError {
    pub step: u64,
    pub why: String,
}

pub struct EvalJob {
    requests: Option<Sender<(Arc<HeldOutEmbedding>, u64)>>,
    results: Receiver<Result<EvalPoint, EvalError>>,
    thread: Option<JoinHandle<()>>,
}

impl EvalJob {
    pub fn spawn(notify: super::shared::Notify) -> std::io::Result<Self> {
        let (request_tx, request_rx) = bounded::<(Arc<HeldOutEmbedding>, u64)>(8);
        let (result_tx, result_rx) = bounded(1024);
        let thread = std::thread::Builder::new()
            .name("pairscope-eval".into())
            .spawn(move || {
                crate::training::yield_to_the_window();
                for (held_out, seed) in request_rx {
                    // A panic in one evaluation is reported and the job goes on.
                    let result = catch_unwind(AssertUnwindSafe(|| {
                        Retrieval::evaluate(
                            &held_out.embeddings,
                            held_out.d,
                            &held_out.labels,
                            seed,
                        )
                    }))
                    .map(|metrics| EvalPoint {
                        step: held_out.step,
                        metrics,
                    })
                    .map_err(|p| EvalError {
                        step: held_out.step,
                        why: panic_message(&*p),
                    });
                    if result_tx.send(result).is_err() {
                        return;
                    }
                    notify();
                }
            })?;
        Ok(Self {
            requests: Some(request_tx),
            results: result_rx,
            thread: Some(thread),
        })
    }

    /// Queues an evaluation; returns false when the queue is full and it was dropped.
    pub fn request(&self, held_out: Arc<HeldOutEmbedding>, seed: u64) -> bool {
        self.requests
            .as_ref()
            .is_some_and(|tx| tx.try_send((held_out, seed)).is_ok())
    }

    /// Finished evaluations (or why one failed), in step order.
    pub fn drain(&self) -> Vec<Result<EvalPoint, EvalError>> {
        self.results.try_iter().collect()
    }
}

impl Drop for EvalJob {
    fn drop(&mut self) {
        // Closing the request channel ends the loop after the evaluation in progress.
        self.requests.take();
        if let Some(thread) = self.thread.take()
            && thread.is_finished()
            && thread.join().is_err()
        {
            // Panics are caught per evaluation; this would be a panic outside one.
            log::warn!("the evaluation thread ended with a panic");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn held_out(step: u64, d: usize) -> Arc<HeldOutEmbedding> {
        let labels: Vec<u32> = (0..20).map(|i| i % 2).collect();
        let embeddings: Vec<f32> = (0..40).map(|i| (i as f32 * 0.37).sin()).collect();
        Arc::new(HeldOutEmbedding {
            step,
            tsne: false,
            eval: true,
            rows: (0..20).collect(),
            embeddings,
            d,
            labels,
        })
    }

    #[test]
    fn a_panicking_evaluation_is_reported_and_the_job_goes_on() {
        let job = EvalJob::spawn(Arc::new(|| {})).expect("spawns");
        // d = 0 makes the row normalisation panic (chunks of size 0).
        assert!(job.request(held_out(5, 0), 0));
        assert!(job.request(held_out(10, 2), 0));
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut results = Vec::new();
        while results.len() < 2 && Instant::now() < deadline {
            results.extend(job.drain());
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(results.len(), 2, "{results:?}");
        let failure = results[0].as_ref().expect_err("step 5 failed").to_string();
        assert!(failure.contains("evaluation of step 5 failed"), "{failure}");
        assert_eq!(results[1].as_ref().expect("step 10 evaluated").step, 10);
    }
}
