//! The window's embedding view, live: one optimiser that keeps its state (positions, momentum,
//! gains) and iterates on its own thread (`pairscope-tsne-live`) while the network trains, as the
//! Embedding Projector does. New embeddings ([`LiveTsne::feed`]) rebuild the affinities (exact
//! k-NN, bandwidths warm-started from the previous ones) and the optimisation **continues from
//! the current layout** — no new random start, no second early exaggeration — so points glide
//! as the network learns. A different point set, new t-SNE settings or [`LiveTsne::restart`]
//! start cold (PCA initialisation and early exaggeration). PCA ([`Projection::Pca`]) is laid
//! out at once on every feed.
//!
//! The thread is rate-capped so that training keeps its speed: at most [`MAX_RATE`] iterations
//! a second, and it sleeps at least three times as long as each iteration took (≤ 25 % of one
//! core); new embeddings are taken at most every [`FEED_EVERY`] and at most a quarter of the
//! time (rebuilding the affinities costs tens of iterations), newer ones replacing older ones
//! while they wait; it publishes a frame at most every [`PUBLISH_EVERY`] and idles once the
//! layout has had [`SETTLE`] iterations without new embeddings. [`LiveTsne::stop`] (Cancel, Reset) halts it
//! within one iteration; dropping it (exit) joins the thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::affinity::{Affinities, affinities, effective_perplexity};
use super::job::{Projection, TsneLayout, TsneRequest, layout_of, subsample};
use super::pca::pca2;
use super::tsne::{Optimizer, Phase, TsneParams, initial_layout};
use crate::training::config::TsneSettings;

/// Iterations per second, at most.
pub const MAX_RATE: f64 = 120.0;
/// The shortest time between two published frames (≥ 10 frames a second while iterating).
pub const PUBLISH_EVERY: Duration = Duration::from_millis(40);
/// The shortest time between two affinity rebuilds.
pub const FEED_EVERY: Duration = Duration::from_millis(250);
/// Iterations after the last feed before the optimiser rests (it wakes on the next feed).
pub const SETTLE: usize = 300;

/// What the view shows now.
#[derive(Debug, Clone)]
pub struct LiveFrame {
    pub layout: Arc<TsneLayout>,
    pub projection: Projection,
    /// Iterations since the last cold start (0 for PCA).
    pub iteration: usize,
    /// Iterations since the embeddings of `layout.step` arrived.
    pub since_feed: usize,
    /// Iterations per second over the last second.
    pub rate: f64,
    /// Still iterating.
    pub moving: bool,
    /// Bumped on every cold start (the view drops its zoom and the timeline knows a new run).
    pub generation: u64,
}

#[derive(Default)]
struct Inbox {
    feed: Option<(TsneRequest, Projection)>,
    restart: bool,
    stop: bool,
    /// Forget the layout (a new run): the next feed starts cold.
    forget: bool,
}

#[derive(Default)]
struct Shared {
    inbox: Mutex<Inbox>,
    wake: Condvar,
    frame: Mutex<Option<LiveFrame>>,
    exit: AtomicBool,
}

/// The live layout's thread.
pub struct LiveTsne {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl LiveTsne {
    /// Starts the (idle) thread; `notify` is called when a new frame is published.
    pub fn spawn(notify: Box<dyn Fn() + Send>) -> std::io::Result<Self> {
        let shared = Arc::new(Shared::default());
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("pairscope-tsne-live".into())
            .spawn(move || {
                crate::training::yield_to_the_window();
                Worker::default().run(&worker, notify.as_ref());
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// New embeddings to lay out (replaces any not yet taken).
    pub fn feed(&self, request: TsneRequest, projection: Projection) {
        let mut inbox = self.shared.inbox.lock();
        inbox.feed = Some((request, projection));
        inbox.stop = false;
        self.shared.wake.notify_one();
    }

    /// Start cold from the current embeddings: a fresh PCA start and early exaggeration.
    pub fn restart(&self) {
        let mut inbox = self.shared.inbox.lock();
        inbox.restart = true;
        inbox.stop = false;
        self.shared.wake.notify_one();
    }

    /// Stop iterating now (the current picture stays) and forget queued embeddings.
    pub fn stop(&self) {
        self.halt(false);
    }

    /// Stop and forget the layout (a new run): no frame until the next feed, which starts cold.
    pub fn clear(&self) {
        self.halt(true);
    }

    fn halt(&self, forget: bool) {
        let mut inbox = self.shared.inbox.lock();
        inbox.feed = None;
        inbox.restart = false;
        inbox.stop = true;
        inbox.forget |= forget;
        if forget {
            *self.shared.frame.lock() = None;
        }
        self.shared.wake.notify_one();
    }

    /// The newest frame.
    pub fn frame(&self) -> Option<LiveFrame> {
        self.shared.frame.lock().clone()
    }
}

impl Drop for LiveTsne {
    fn drop(&mut self) {
        self.shared.exit.store(true, Ordering::SeqCst);
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            log::debug!("the live t-SNE thread had panicked");
        }
    }
}

/// The thread's side: the layout being optimised and the pacing.
#[derive(Default)]
struct Worker {
    state: Option<State>,
    generation: u64,
    last_publish: Option<Instant>,
    /// When the last feed was taken, and how long its affinities took.
    last_feed: Option<(Instant, Duration)>,
    /// Iteration times of the last second (the rate shown).
    recent: Vec<Instant>,
}

struct State {
    request: TsneRequest,
    keep: Vec<usize>,
    points: Vec<f32>,
    p: Affinities,
    betas: Vec<f64>,
    perplexity: f64,
    opt: Optimizer,
    early_left: usize,
    remaining: usize,
    since_feed: usize,
    started: Instant,
}

impl Worker {
    fn run(&mut self, shared: &Shared, notify: &dyn Fn()) {
        loop {
            let (feed, restart) = {
                let mut inbox = shared.inbox.lock();
                loop {
                    if shared.exit.load(Ordering::SeqCst) {
                        return;
                    }
                    if inbox.stop {
                        inbox.stop = false;
                        self.halt(shared);
                        notify();
                    }
                    if std::mem::take(&mut inbox.forget) {
                        // A frame published since `clear` belongs to the old run.
                        self.state = None;
                        *shared.frame.lock() = None;
                    }
                    let busy = self.state.as_ref().is_some_and(|s| s.remaining > 0);
                    let feed_wait = self.feed_wait();
                    let feed_due = inbox.feed.is_some() && feed_wait.is_zero();
                    if busy || feed_due || inbox.restart {
                        break;
                    }
                    if inbox.feed.is_some() {
                        shared.wake.wait_for(&mut inbox, feed_wait);
                    } else {
                        shared.wake.wait(&mut inbox);
                    }
                }
                let feed = if self.feed_wait().is_zero() {
                    inbox.feed.take()
                } else {
                    None
                };
                (feed, std::mem::take(&mut inbox.restart))
            };
            if let Some((request, projection)) = feed {
                let began = Instant::now();
                self.feed(request, projection, shared, notify);
                self.last_feed = Some((began, began.elapsed()));
            }
            if restart && let Some(state) = self.state.take() {
                self.start_cold(state.request);
            }
            self.iterate(shared, notify);
        }
    }

    /// How long until the next feed may be taken: [`FEED_EVERY`] after the last one, and at
    /// least three times as long as its affinities took.
    fn feed_wait(&self) -> Duration {
        self.last_feed.map_or(Duration::ZERO, |(at, took)| {
            FEED_EVERY.max(4 * took).saturating_sub(at.elapsed())
        })
    }

    /// Stop moving; the last frame stays, marked still.
    fn halt(&mut self, shared: &Shared) {
        if let Some(state) = &mut self.state {
            state.remaining = 0;
        }
        if let Some(frame) = shared.frame.lock().as_mut() {
            frame.moving = false;
        }
    }

    fn feed(
        &mut self,
        request: TsneRequest,
        projection: Projection,
        shared: &Shared,
        notify: &dyn Fn(),
    ) {
        if projection == Projection::Pca {
            self.state = None;
            let started = Instant::now();
            let subset = subsample(&request);
            let (xy, _) = pca2(&subset.points, request.d);
            let seconds = started.elapsed().as_secs_f64();
            let layout = layout_of(&request, &subset.keep, xy, seconds, Projection::Pca);
            self.generation += 1;
            *shared.frame.lock() = Some(LiveFrame {
                layout: Arc::new(layout),
                projection,
                iteration: 0,
                since_feed: 0,
                rate: 0.0,
                moving: false,
                generation: self.generation,
            });
            notify();
            return;
        }
        let warm = self.state.take().filter(|s| {
            s.request.rows == request.rows
                && s.request.d == request.d
                && s.request.settings == request.settings
        });
        match warm {
            Some(mut state) => {
                // Same points, new embeddings: new affinities, same layout and optimiser state.
                let subset = subsample(&request);
                state.p = affinities(
                    &subset.points,
                    request.d,
                    state.perplexity,
                    &mut state.betas,
                    false,
                );
                state.points = subset.points;
                state.request = request;
                state.remaining = state.remaining.max(SETTLE);
                state.since_feed = 0;
                self.state = Some(state);
            }
            None => self.start_cold(request),
        }
    }

    fn start_cold(&mut self, request: TsneRequest) {
        let subset = subsample(&request);
        let n = subset.keep.len();
        if n < super::tsne::MIN_POINTS || subset.points.iter().any(|v| !v.is_finite()) {
            self.state = None;
            return;
        }
        let settings: TsneSettings = request.settings;
        let defaults = TsneParams::default();
        let perplexity = effective_perplexity(settings.perplexity, n);
        let mut betas = Vec::new();
        let p = affinities(&subset.points, request.d, perplexity, &mut betas, false);
        let opt = Optimizer::new(&initial_layout(&subset.points, request.d, settings.seed));
        self.generation += 1;
        self.state = Some(State {
            keep: subset.keep,
            points: subset.points,
            p,
            betas,
            perplexity,
            opt,
            early_left: defaults.early_iterations.min(settings.iterations),
            remaining: settings.iterations.max(SETTLE),
            since_feed: 0,
            started: Instant::now(),
            request,
        });
    }

    /// One rate-capped iteration (or none when resting), and a frame when due.
    fn iterate(&mut self, shared: &Shared, notify: &dyn Fn()) {
        let Some(state) = &mut self.state else {
            return;
        };
        if state.remaining == 0 {
            return;
        }
        let began = Instant::now();
        let n = state.keep.len();
        let early = (state.early_left > 0).then_some(TsneParams::default().early_exaggeration);
        state.opt.step(&state.p, Phase::for_points(n, early), false);
        state.early_left = state.early_left.saturating_sub(1);
        state.remaining -= 1;
        state.since_feed += 1;
        let took = began.elapsed();
        self.recent.retain(|t| t.elapsed() < Duration::from_secs(1));
        self.recent.push(began);
        let due = self
            .last_publish
            .is_none_or(|t| t.elapsed() >= PUBLISH_EVERY);
        if due || state.remaining == 0 {
            self.publish(shared);
            notify();
        }
        // The cap: at most MAX_RATE iterations a second, and at most a quarter of a core.
        let pause = Duration::from_secs_f64(1.0 / MAX_RATE)
            .saturating_sub(took)
            .max(3 * took);
        std::thread::sleep(pause);
    }

    fn publish(&mut self, shared: &Shared) {
        let Some(state) = &self.state else {
            return;
        };
        self.last_publish = Some(Instant::now());
        let layout = layout_of(
            &state.request,
            &state.keep,
            state.opt.positions(),
            state.started.elapsed().as_secs_f64(),
            Projection::Tsne,
        );
        *shared.frame.lock() = Some(LiveFrame {
            layout: Arc::new(layout),
            projection: Projection::Tsne,
            iteration: state.opt.iteration,
            since_feed: state.since_feed,
            rate: self.recent.len() as f64,
            moving: state.remaining > 0,
            generation: self.generation,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(step: u64, shift: f32) -> TsneRequest {
        // Three clusters in 4-D, 60 points.
        let points = (0..60 * 4)
            .map(|k| {
                let (i, c) = (k / 4, k % 4);
                let cluster = (i % 3) as f32;
                (if c == i % 3 { 5.0 + shift } else { 0.0 })
                    + 0.1 * ((k * 7919) % 13) as f32
                    + cluster * 0.01
            })
            .collect();
        TsneRequest {
            step,
            points,
            d: 4,
            labels: (0..60).map(|i| (i % 3) as u32).collect(),
            rows: (0..60).collect(),
            settings: TsneSettings {
                iterations: 300,
                ..TsneSettings::default()
            },
        }
    }

    fn wait_for(live: &LiveTsne, what: &str, done: impl Fn(&LiveFrame) -> bool) -> LiveFrame {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(f) = live.frame().filter(|f| done(f)) {
                return f;
            }
            assert!(Instant::now() < until, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn new_embeddings_continue_the_layout_and_stop_halts_it() {
        let live = LiveTsne::spawn(Box::new(|| {})).expect("thread");
        live.feed(request(0, 0.0), Projection::Tsne);
        let first = wait_for(&live, "a settled cold layout", |f| {
            !f.moving && f.iteration >= 300
        });
        let generation = first.generation;
        // Slightly different embeddings of the same points: same generation (no cold start),
        // the iteration count goes on from where it was.
        live.feed(request(25, 0.5), Projection::Tsne);
        let next = wait_for(&live, "the continued layout", |f| {
            f.layout.step == 25 && f.since_feed > 5
        });
        assert_eq!(
            next.generation, generation,
            "a feed of the same points must not restart"
        );
        assert!(next.iteration > first.iteration);
        live.stop();
        let stopped = wait_for(&live, "the halt", |f| !f.moving);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            live.frame().map(|f| f.iteration),
            Some(stopped.iteration),
            "it kept iterating"
        );
        // A restart is cold: a new generation.
        live.restart();
        let restarted = wait_for(&live, "a cold restart", |f| f.generation > generation);
        assert!(restarted.iteration < 300);
        // A new run forgets the layout: nothing shown, and the same points start cold.
        live.clear();
        assert!(live.frame().is_none());
        live.feed(request(60, 0.0), Projection::Tsne);
        let fresh = wait_for(&live, "the new run's layout", |f| f.layout.step == 60);
        assert!(
            fresh.generation > restarted.generation,
            "a cleared layout must start cold"
        );
        live.feed(request(50, 0.0), Projection::Pca);
        let pca = wait_for(&live, "PCA", |f| f.projection == Projection::Pca);
        assert_eq!(pca.layout.xy.len(), 60);
    }
}
