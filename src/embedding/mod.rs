//! t-SNE of held-out embeddings on a background job (linfa-tsne), seeded. The job keeps only
//! the newest request: a layout that is still being computed when a newer one arrives is
//! finished (linfa-tsne cannot be interrupted) and then superseded.

pub mod procrustes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use linfa::traits::Transformer;
use linfa_tsne::TSneParams;
use ndarray::Array2;
use parking_lot::{Condvar, Mutex};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use crate::training::config::TsneSettings;

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

/// Runs t-SNE synchronously; a panic inside linfa-tsne / bhtsne (degenerate input) comes back
/// as an error.
pub fn run_tsne(request: &TsneRequest) -> Result<TsneLayout, String> {
    std::panic::catch_unwind(|| run_tsne_inner(request)).unwrap_or_else(|p| {
        Err(format!(
            "t-SNE failed: {}",
            crate::training::worker::panic_message(&*p)
        ))
    })
}

fn run_tsne_inner(request: &TsneRequest) -> Result<TsneLayout, String> {
    let started = std::time::Instant::now();
    let n_all = request.labels.len();
    let d = request.d;
    let stride = n_all.div_ceil(request.settings.max_points.max(1)).max(1);
    let keep: Vec<usize> = (0..n_all).step_by(stride).collect();
    let n = keep.len();
    if n < 5 {
        return Err(format!("t-SNE needs at least 5 points, got {n}"));
    }
    // linfa-tsne rejects perplexity ≥ (n − 1)/3; clamp so small sets still get a layout.
    let perplexity = request
        .settings
        .perplexity
        .min(((n - 1) as f64 / 3.0) - 1e-6)
        .max(1.0);
    let mut flat = Vec::with_capacity(n * d);
    for &i in &keep {
        flat.extend(
            request.points[i * d..(i + 1) * d]
                .iter()
                .map(|&v| f64::from(v)),
        );
    }
    // Identical points (a collapsed class) send bhtsne's vantage-point tree into a recursion
    // deep enough to overflow the stack: a seeded jitter of 1e-4 of the data's spread keeps
    // every point distinct without moving the layout.
    let mean = flat.iter().sum::<f64>() / flat.len().max(1) as f64;
    let spread = (flat.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / flat.len().max(1) as f64)
        .sqrt()
        .max(1e-6);
    let mut jitter = ChaCha8Rng::seed_from_u64(request.settings.seed ^ 0x9e37_79b9);
    for v in &mut flat {
        *v += 1e-4 * spread * rand::Rng::gen_range(&mut jitter, -1.0..1.0);
    }
    let x = Array2::from_shape_vec((n, d), flat).map_err(|e| e.to_string())?;
    let y =
        TSneParams::embedding_size_with_rng(2, ChaCha8Rng::seed_from_u64(request.settings.seed))
            .perplexity(perplexity)
            // Barnes–Hut (θ = 0.5) for large sets; exact below 200 points, where bhtsne's trees
            // can recurse without end (seen at n = 40).
            .approx_threshold(if n < 200 { 0.0 } else { 0.5 })
            .max_iter(request.settings.iterations.max(10))
            .transform(x)
            .map_err(|e| format!("t-SNE failed: {e}"))?;
    let xy = y.outer_iter().map(|r| [r[0], r[1]]).collect();
    Ok(TsneLayout {
        step: request.step,
        xy,
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
                        let result = std::panic::catch_unwind(|| run_tsne(&request))
                            .unwrap_or_else(|p| {
                                Err(format!(
                                    "t-SNE panicked: {}",
                                    crate::training::worker::panic_message(&*p)
                                ))
                            });
                        if !worker.stop.load(Ordering::SeqCst) {
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

    /// Drops the queued request (a running one finishes and is discarded by the caller).
    pub fn cancel(&self) {
        self.shared.request.lock().take();
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
        // A running t-SNE cannot be interrupted; do not block the UI on it.
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
