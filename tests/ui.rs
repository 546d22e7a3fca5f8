//! UI behaviour, driven by accessibility labels with egui_kittest; no renderer needed.

mod common;

use std::time::Duration;

use common::{harness, step_until};
use egui_kittest::kittest::Queryable as _;
use pairscope::app::RunStatus;

#[test]
fn the_app_starts_without_a_wgpu_render_state() {
    let mut h = harness();
    h.step();
    assert!(!h.state().gpu_heatmaps());
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    let backend = h.state().state().view.backend.clone().expect("started");
    assert!(backend.name.starts_with("cpu"), "{backend}");
    h.get_by_label("Train");
}

#[test]
fn train_then_pause_changes_state() {
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.get_by_label("Train").click();
    h.step();
    assert_eq!(h.state().state().status, RunStatus::Running);
    step_until(&mut h, "a few batches", |a| a.state().view.step >= 5);
    h.get_by_label("Pause").click();
    h.step();
    assert_eq!(h.state().state().status, RunStatus::Paused);
    // Batches already in flight when Pause arrived still report; then nothing more.
    std::thread::sleep(Duration::from_millis(300));
    h.step();
    let after = h.state().state().view.step;
    std::thread::sleep(Duration::from_millis(300));
    h.step();
    assert_eq!(
        h.state().state().view.step,
        after,
        "training continued while paused"
    );
}

#[test]
fn step_advances_exactly_one_batch() {
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    assert_eq!(h.state().state().view.step, 0);
    h.get_by_label("Step").click();
    step_until(&mut h, "one batch", |a| a.state().view.step == 1);
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        h.step();
    }
    assert_eq!(h.state().state().view.step, 1);
    assert_eq!(h.state().state().status, RunStatus::Paused);
    let batch = h
        .state()
        .state()
        .view
        .batch
        .clone()
        .expect("the batch is shown");
    assert_eq!(batch.step, 1);
    assert_eq!(batch.m(), 80);
}

#[test]
fn the_view_switch_changes_the_heatmap_view() {
    use pairscope::gpu::View;
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.get_by_label("Step").click();
    step_until(&mut h, "one batch", |a| a.state().view.step == 1);
    h.step();
    assert_eq!(h.state().heatmap_view(), View::Similarity);
    for (label, view) in [
        ("mined pairs", View::Mining),
        ("weights", View::Weights),
        ("similarity", View::Similarity),
    ] {
        h.get_by_label(label).click();
        h.step();
        h.step();
        assert_eq!(h.state().heatmap_view(), view, "after clicking {label}");
    }
    // Multi-similarity has no per-pair term: its button is disabled.
    h.get_by_label("per-pair loss").click();
    h.step();
    h.step();
    assert_eq!(h.state().heatmap_view(), View::Similarity);
}

#[test]
fn a_lost_adapter_is_reported_once_and_heatmaps_go_to_the_cpu() {
    let mut h = harness();
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    let before = h.state().state().notices.len();
    h.state()
        .simulate_device_lost("Unknown: device lost (test)");
    h.step();
    h.step();
    let notices = &h.state().state().notices;
    assert_eq!(notices.len(), before + 1, "reported once");
    let last = notices.last().expect("a notice");
    assert!(
        last.is_error && last.text.contains("GPU adapter was lost"),
        "{}",
        last.text
    );
    assert!(!h.state().gpu_heatmaps());
    // The app goes on: a batch still trains and draws.
    h.get_by_label("Step").click();
    step_until(&mut h, "a batch", |a| a.state().view.step == 1);
}

/// Train runs at a pace a person can follow by default (25 batches a second), the top bar's
/// "full speed" lifts it, and the pace is part of what the window remembers across launches.
#[test]
fn train_runs_at_a_watchable_pace_by_default() {
    use pairscope::app::{AppCommand, DEFAULT_SPEED, Settings};
    use pairscope::ui::PairscopeApp;
    use std::time::Instant;

    let settings = Settings {
        config: common::cpu_config(1_000),
        ..Settings::default()
    };
    assert_eq!(settings.speed, Some(DEFAULT_SPEED));
    assert_eq!(DEFAULT_SPEED, 25.0);
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |cc| PairscopeApp::with_settings(cc, settings));
    step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.get_by_label("Train").click();
    h.step();
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(1_000));
    h.step();
    let paced = h.state().state().view.step;
    // At most one batch per 40 ms slot (plus the one trained at once): a pace cannot be beaten
    // by a fast machine, only fallen short of by a slow one.
    let bound = (started.elapsed().as_secs_f64() * DEFAULT_SPEED).ceil() as u64 + 2;
    assert!(paced <= bound, "{paced} steps in ~1 s at 25 steps/s");
    assert!(paced >= 1, "Train trained nothing");

    h.get_by_label("full speed").click();
    h.step();
    assert_eq!(h.state().state().settings.speed, None);
    let before = h.state().state().view.step;
    step_until(&mut h, "full speed", |a| {
        a.state().view.step >= before + 200
    });
    // What the window saves on exit (eframe's storage) brings the pace back at the next launch.
    assert_eq!(saved_and_read_back(&mut h).speed, None);
    h.state_mut()
        .state_mut()
        .apply(AppCommand::SetSpeed(Some(3.0)));
    assert_eq!(saved_and_read_back(&mut h).speed, Some(3.0));
}

/// An in-memory `eframe::Storage`.
#[derive(Default)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

/// What the app saves on exit, read back as `PairscopeApp::new` reads it at launch.
fn saved_and_read_back(
    h: &mut egui_kittest::Harness<'static, pairscope::ui::PairscopeApp>,
) -> pairscope::app::Settings {
    use eframe::App as _;
    let mut storage = MemoryStorage::default();
    h.state_mut().save(&mut storage);
    eframe::get_value(&storage, eframe::APP_KEY).expect("settings saved")
}

/// The embedding view moves with the network: while training, new held-out embeddings keep
/// arriving (every evaluation) and the live t-SNE continues from its layout — the same cold
/// start (generation) throughout, the iteration count growing — a layout is recorded every
/// `tsne_every` steps for the timeline, PCA is one click away, Stop halts the points and Reset
/// clears them.
#[test]
fn the_embedding_view_moves_with_the_network() {
    use pairscope::app::Settings;
    use pairscope::embedding::Projection;
    use pairscope::training::TrainConfig;

    let settings = Settings {
        config: TrainConfig {
            tsne_every: 100,
            ..common::cpu_config(25)
        },
        speed: None,
        ..Settings::default()
    };
    let mut h = egui_kittest::Harness::builder()
        .with_size(egui::vec2(1440.0, 900.0))
        .build_eframe(move |cc| pairscope::ui::PairscopeApp::with_settings(cc, settings));
    step_until(&mut h, "the first frame of the layout", |a| {
        a.state().view.live.is_some()
    });
    let first = h.state().state().view.live.clone().expect("a frame");
    assert_eq!(first.projection, Projection::Tsne);
    h.get_by_label("Train").click();
    step_until(&mut h, "step 150's embeddings in the view", |a| {
        a.state().view.tsne.as_ref().is_some_and(|t| t.step >= 150)
    });
    let later = h.state().state().view.live.clone().expect("a frame");
    assert_eq!(
        later.generation, first.generation,
        "new embeddings must continue the layout, not start it again"
    );
    assert!(later.iteration > first.iteration);
    step_until(&mut h, "two recorded layouts", |a| {
        a.state().view.tsne_history.len() >= 2
    });
    h.get_by_label("Pause").click();
    let steps: Vec<u64> = h
        .state()
        .state()
        .view
        .tsne_history
        .iter()
        .map(|l| l.step)
        .collect();
    assert!(
        steps.windows(2).all(|w| w[0] < w[1]),
        "timeline steps {steps:?}"
    );
    // Stop: the points stop within an iteration.
    step_until(&mut h, "a moving layout", |a| {
        a.state().view.live.as_ref().is_some_and(|f| f.moving)
    });
    h.get_by_label("Stop").click();
    step_until(&mut h, "the layout to stop", |a| {
        a.state().view.live.as_ref().is_some_and(|f| !f.moving)
    });
    // PCA at once, on the newest embeddings.
    h.get_by_label("PCA").click();
    step_until(&mut h, "the PCA view", |a| {
        a.state()
            .view
            .live
            .as_ref()
            .is_some_and(|f| f.projection == Projection::Pca)
    });
    h.get_by_label_contains("PCA: the two directions of largest spread");
    // What the panel shows (and Export… writes) says it is a PCA, not a t-SNE.
    let shown = h.state().state().view.tsne.clone().expect("a layout");
    assert_eq!(shown.projection, Projection::Pca);
    h.get_by_label_contains("PCA of held-out embeddings");
    h.get_by_label("Reset").click();
    step_until(&mut h, "a new run", |a| a.state().view.step == 0);
}
