//! Cold t-SNE layouts of held-out embeddings on a background job (thread `pairscope-tsne`),
//! seeded. The job keeps only the newest request; Cancel, a newer request's caller or exit stop
//! a running layout within one iteration.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};

use super::tsne::TsneParams;
use crate::training::config::TsneSettings;

/// Input of one layout.
#[derive(Debug, Clone)]
pub struct TsneRequest {
    pub step: u64,
    /// `[n, d]`
    pub points: Vec<f32>,
    pub d: usize,
    pub labels: Vec<u32>,
    /// Data set rows of the points, ascending (alignment between layouts, thumbnails).
    pub rows: Vec<usize>,
    pub settings: TsneSettings,
}

/// A finished layout.
#[derive(Debug, Clone)]
pub struct TsneLayout {
    pub step: u64,
    /// `[n, 2]`
    pub xy: Vec<[f64; 2]>,
    pub labels: Vec<u32>,
    /// Data set row of each point, ascending.
    pub rows: Vec<usize>,
    /// Laid out from the training rows (else the held-out rows).
    pub on_training: bool,
    /// Points left out by the cap (0 when every point is drawn).
    pub subsampled_from: usize,
    pub seconds: f64,
}

/// Runs t-SNE synchronously (pairscope's engine, [`super::tsne`]); a panic comes back as an
/// error.
pub fn run_tsne(request: &TsneRequest) -> Result<TsneLayout, String> {
    run_tsne_until(request, &|| false)
}

/// [`run_tsne`], stopped (with an error) as soon as `stop()` says so.
pub fn run_tsne_until(
    request: &TsneRequest,
    stop: &dyn Fn() -> bool,
) -> Result<TsneLayout, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_tsne_inner(request, stop)
    }))
    .unwrap_or_else(|p| {
        Err(format!(
            "t-SNE failed: {}",
            crate::training::worker::panic_message(&*p)
        ))
    })
}

fn run_tsne_inner(request: &TsneRequest, stop: &dyn Fn() -> bool) -> Result<TsneLayout, String> {
    let started = std::time::Instant::now();
    let n_all = request.labels.len();
    let d = request.d;
    let stride = n_all.div_ceil(request.settings.max_points.max(1)).max(1);
    let keep: Vec<usize> = (0..n_all).step_by(stride).collect();
    let n = keep.len();
    if n < 5 {
        return Err(format!("t-SNE needs at least 5 points, got {n}"));
    }
    let mut flat = Vec::with_capacity(n * d);
    for &i in &keep {
        flat.extend_from_slice(&request.points[i * d..(i + 1) * d]);
    }
    let params = TsneParams {
        perplexity: request.settings.perplexity,
        iterations: request.settings.iterations.max(10),
        seed: request.settings.seed,
        ..TsneParams::default()
    };
    let layout = super::tsne::layout(&flat, d, &params, &mut |_| !stop())
        .map_err(|e| format!("t-SNE failed: {e}"))?;
    Ok(TsneLayout {
        step: request.step,
        xy: layout.xy,
        labels: keep.iter().map(|&i| request.labels[i]).collect(),
        rows: keep
            .iter()
            .map(|&i| request.rows.get(i).copied().unwrap_or(i))
            .collect(),
        on_training: request.settings.on_training,
        subsampled_from: if n < n_all { n_all } else { 0 },
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[derive(Default)]
struct Shared {
    request: Mutex<Option<TsneRequest>>,
    wake: Condvar,
    result: Mutex<Option<Result<TsneLayout, String>>>,
    busy: AtomicBool,
    stop: AtomicBool,
    /// Cancel the running layout (it stops within one iteration).
    cancelled: AtomicBool,
    /// When the running layout started, and how many points it has.
    running: Mutex<Option<(std::time::Instant, usize)>>,
}

/// The background job (thread `pairscope-tsne`).
pub struct TsneJob {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl TsneJob {
    pub fn spawn(notify: Box<dyn Fn() + Send>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("pairscope-tsne".into())
            .stack_size(64 << 20)
            .spawn(move || {
                loop {
                    let request = {
                        let mut slot = worker.request.lock();
                        while slot.is_none() && !worker.stop.load(Ordering::SeqCst) {
                            worker.wake.wait(&mut slot);
                        }
                        if worker.stop.load(Ordering::SeqCst) {
                            return;
                        }
                        worker.busy.store(true, Ordering::SeqCst);
                        slot.take()
                    };
                    if let Some(request) = request {
                        *worker.running.lock() =
                            Some((std::time::Instant::now(), request.labels.len()));
                        worker.cancelled.store(false, Ordering::SeqCst);
                        let stop = || {
                            worker.stop.load(Ordering::SeqCst)
                                || worker.cancelled.load(Ordering::SeqCst)
                        };
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            run_tsne_until(&request, &stop)
                        }))
                        .unwrap_or_else(|p| {
                            Err(format!(
                                "t-SNE panicked: {}",
                                crate::training::worker::panic_message(&*p)
                            ))
                        });
                        if !stop() {
                            *worker.result.lock() = Some(result);
                        }
                    }
                    *worker.running.lock() = None;
                    worker.busy.store(false, Ordering::SeqCst);
                    notify();
                }
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Replaces any queued request with this one.
    pub fn request(&self, request: TsneRequest) {
        *self.shared.request.lock() = Some(request);
        self.shared.wake.notify_one();
    }

    /// Drops the queued request and stops the running one within an iteration.
    pub fn cancel(&self) {
        self.shared.request.lock().take();
        self.shared.cancelled.store(true, Ordering::SeqCst);
    }

    /// Start time and point count of the layout being computed, if any.
    pub fn running(&self) -> Option<(std::time::Instant, usize)> {
        *self.shared.running.lock()
    }

    pub fn is_busy(&self) -> bool {
        self.shared.busy.load(Ordering::SeqCst) || self.shared.request.lock().is_some()
    }

    /// A finished layout (or error), once.
    pub fn take_result(&self) -> Option<Result<TsneLayout, String>> {
        self.shared.result.lock().take()
    }
}

impl Drop for TsneJob {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
        // A running layout stops within one iteration; still, never block the UI on it.
        if let Some(t) = self.thread.take()
            && t.is_finished()
            && t.join().is_err()
        {
            // Its panic was already reported as the layout's error.
            log::debug!("the t-SNE thread had panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng as _;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn request(n: usize, d: usize, collapsed: bool) -> TsneRequest {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let points = (0..n * d)
            .map(|k| {
                if collapsed {
                    if (k / d) < n / 2 { 1.0 } else { -1.0 }
                } else {
                    rand::Rng::gen_range(&mut rng, -1.0..1.0)
                }
            })
            .collect();
        TsneRequest {
            step: 0,
            points,
            d,
            labels: (0..n).map(|i| u32::from(i >= n / 2)).collect(),
            rows: (0..n).collect(),
            settings: TsneSettings::default(),
        }
    }

    #[test]
    fn small_and_collapsed_sets_get_a_layout() {
        // The job thread's stack size.
        for (n, collapsed) in [
            (300, false),
            (40, false),
            (40, true),
            (7, true),
            (300, true),
        ] {
            let out = std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || run_tsne(&request(n, 64, collapsed)).map(|l| l.xy.len()))
                .expect("thread")
                .join()
                .expect("no panic");
            assert_eq!(out, Ok(n), "n = {n}, collapsed = {collapsed}");
        }
    }
}
