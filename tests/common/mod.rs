//! Helpers shared by the integration tests (`mod common;` in each test file): the small CPU
//! run configuration, trainers, the app in an egui_kittest harness, waiting on the worker or
//! the app, running the `pairscope` binary, and the files under `tests/`.
//!
//! Temporary folders come from the `tempfile` crate (`tempfile::tempdir()`), removed when the
//! `TempDir` drops, even when a test fails.

// Every test file is its own crate and uses only some of these helpers; the rest would be
// reported as dead code in each of them.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use pairscope::app::Settings;
use pairscope::data::Dataset;
use pairscope::training::{Backend, BackendChoice, Event, TrainConfig, Trainer, WorkerHandle};
use pairscope::ui::PairscopeApp;

/// How long a test waits for the app or the worker before it fails.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A file under `tests/`: `test_file("golden/x.json")`, `test_file("data/two_blobs.csv")`.
pub fn test_file(rel: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rel)
}

/// The default run on the CPU backend, evaluated every `eval_every` steps, with t-SNE
/// effectively off (it would only slow the tests down).
pub fn cpu_config(eval_every: u64) -> TrainConfig {
    TrainConfig {
        backend: BackendChoice::Cpu,
        eval_every,
        tsne_every: 1_000_000,
        ..TrainConfig::default()
    }
}

/// A trainer of `config` on `data`, on the CPU backend.
pub fn trainer_on(config: TrainConfig, data: Dataset) -> Trainer {
    Trainer::new(config, Arc::new(data), &Backend::cpu("test")).expect("a valid configuration")
}

/// A trainer of `config` on the digits, on the CPU backend.
pub fn trainer(config: TrainConfig) -> Trainer {
    trainer_on(config, Dataset::digits())
}

/// The window (no renderer: egui_kittest), 1440 × 900, on the CPU run of
/// [`cpu_config`]`(1_000)`.
pub fn harness() -> Harness<'static, PairscopeApp> {
    harness_sized(1440.0, 900.0)
}

/// [`harness`] of size `width` × `height` (room for more panels).
pub fn harness_sized(width: f32, height: f32) -> Harness<'static, PairscopeApp> {
    let settings = Settings {
        config: cpu_config(1_000),
        // Full speed: the tests wait for steps, not for a pace a person can follow.
        speed: None,
        ..Settings::default()
    };
    Harness::builder()
        .with_size(egui::vec2(width, height))
        .build_eframe(move |cc| PairscopeApp::with_settings(cc, settings))
}

/// Steps frames until `pred` holds (the worker runs on its own thread), failing after
/// `patience`.
pub fn step_until_within(
    h: &mut Harness<'static, PairscopeApp>,
    what: &str,
    patience: Duration,
    mut pred: impl FnMut(&mut PairscopeApp) -> bool,
) {
    let deadline = Instant::now() + patience;
    while !pred(h.state_mut()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
        h.step();
    }
}

/// [`step_until_within`] the usual [`PATIENCE`].
pub fn step_until(
    h: &mut Harness<'static, PairscopeApp>,
    what: &str,
    pred: impl FnMut(&mut PairscopeApp) -> bool,
) {
    step_until_within(h, what, PATIENCE, pred);
}

/// Starts compare mode against contrastive loss and waits until both sides have started;
/// then one click on Step trains one batch on each side.
pub fn start_compare(h: &mut Harness<'static, PairscopeApp>) {
    use pairscope::app::AppCommand;
    use pairscope::losses::{Loss, LossSpec};
    h.state_mut()
        .state_mut()
        .apply(AppCommand::StartCompare(LossSpec::new(Loss::Contrastive(
            Default::default(),
        ))));
    step_until(h, "both sides to start", |a| {
        a.state()
            .compare
            .as_ref()
            .is_some_and(|c| c.sides.iter().all(|s| s.started()))
    });
}

/// Clicks Step in compare mode and waits until both sides are in step past `after`.
pub fn compare_step(h: &mut Harness<'static, PairscopeApp>, after: u64) {
    use egui_kittest::kittest::Queryable;
    h.get_by_label("Step").click();
    step_until(h, "both sides to train one batch", |a| {
        a.state()
            .compare
            .as_ref()
            .is_some_and(|c| c.in_sync() && c.sides[0].view.step > after)
    });
}

/// A training worker of `config` on the digits, nobody to notify.
pub fn spawn_worker(config: TrainConfig) -> WorkerHandle {
    WorkerHandle::spawn(config, Arc::new(Dataset::digits()), Box::new(|| {})).expect("spawns")
}

/// Drains the worker's events until one satisfies `pred`: `Ok` with every event drained so
/// far (including those after the hit), or `Err` with them after `timeout`.
pub fn events_until(
    handle: &WorkerHandle,
    timeout: Duration,
    mut pred: impl FnMut(&Event) -> bool,
) -> Result<Vec<Event>, Vec<Event>> {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let batch = handle.drain_events();
        let hit = batch.iter().any(&mut pred);
        seen.extend(batch);
        if hit {
            return Ok(seen);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Err(seen)
}

/// [`events_until`], failing the test (with the events seen) on a timeout.
pub fn wait_for(
    handle: &WorkerHandle,
    timeout: Duration,
    pred: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    events_until(handle, timeout, pred).unwrap_or_else(|seen| panic!("timed out; events: {seen:?}"))
}

/// Runs the `pairscope` binary with `args` and `envs` set, output captured.
pub fn pairscope_with_env<S: AsRef<OsStr>>(args: &[S], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pairscope"))
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .expect("the binary runs")
}

/// Runs the `pairscope` binary with `args`, output captured.
pub fn pairscope<S: AsRef<OsStr>>(args: &[S]) -> Output {
    pairscope_with_env(args, &[])
}
