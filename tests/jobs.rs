//! Slow work runs on background jobs: the window keeps drawing frames while an image folder of
//! a few thousand images loads, and the run starts on the new data when it arrives.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{harness, step_until_within};
use egui_kittest::Harness;
use pairscope::app::{AppCommand, JobKind, RunStatus};
use pairscope::data::DataSource;
use pairscope::ui::PairscopeApp;

/// Loading a few thousand images takes a while on a 2-core machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// `classes` sub-folders of `per_class` noisy 24×24 grey PNGs.
fn image_folder(dir: &Path, classes: usize, per_class: usize) {
    for c in 0..classes {
        let class_dir = dir.join(format!("class{c}"));
        std::fs::create_dir_all(&class_dir).expect("class folder");
        for i in 0..per_class {
            let img = image::GrayImage::from_fn(24, 24, |x, y| {
                let v = (x * 7 + y * 13 + (c * 31 + i * 17) as u32) % 256;
                image::Luma([v as u8])
            });
            img.save(class_dir.join(format!("{i:04}.png")))
                .expect("png");
        }
    }
}

/// The app with its first run ready.
fn started_app() -> Harness<'static, PairscopeApp> {
    let mut h = harness();
    step_until_within(&mut h, "the worker to start", PATIENCE, |a| {
        a.state().status == RunStatus::Paused
    });
    h
}

/// Points the configuration at the image folder `path` and presses Reset.
fn reset_on_image_folder(h: &mut Harness<'static, PairscopeApp>, path: &Path) {
    let mut config = h.state().state().settings.config.clone();
    config.data = DataSource::ImageFolder {
        path: path.to_path_buf(),
        size: 16,
        rgb: false,
    };
    let state = h.state_mut().state_mut();
    state.apply(AppCommand::SetConfig(config));
    state.apply(AppCommand::Reset);
}

#[test]
fn frames_keep_coming_while_an_image_folder_loads() {
    let dir = tempfile::tempdir().expect("temp dir");
    image_folder(dir.path(), 10, 300);
    let mut h = started_app();
    reset_on_image_folder(&mut h, dir.path());
    // Reset returned at once: the data loads on a job.
    assert!(
        h.state()
            .state()
            .jobs()
            .iter()
            .any(|j| j.kind == JobKind::LoadData),
        "the load runs as a background job"
    );

    // Frames are drawn while the job runs: a blocked UI thread would have drawn none before
    // the load finished.
    let mut frames_while_loading = 0;
    let mut saw_progress = false;
    let deadline = Instant::now() + PATIENCE;
    while h
        .state()
        .state()
        .jobs()
        .iter()
        .any(|j| j.kind == JobKind::LoadData)
    {
        assert!(Instant::now() < deadline, "the load never finished");
        h.step();
        frames_while_loading += 1;
        saw_progress |= h
            .state()
            .state()
            .jobs()
            .iter()
            .any(|j| j.progress.is_some_and(|p| p > 0.0 && p < 1.0));
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        frames_while_loading >= 3,
        "only {frames_while_loading} frames while 3000 images loaded"
    );
    assert!(saw_progress, "the load reported its progress");

    // The run starts on the new data.
    step_until_within(&mut h, "the run on the image folder", PATIENCE, |a| {
        a.state().status == RunStatus::Paused
    });
    assert_eq!(h.state().state().data().len(), 3000);
    assert_eq!(h.state().state().data().dim, 16 * 16);
    assert!(
        h.state().state().notices.iter().all(|n| !n.is_error),
        "{:?}",
        h.state().state().notices
    );
}

#[test]
fn a_bad_folder_is_refused_and_the_current_data_trains_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = started_app();
    reset_on_image_folder(&mut h, dir.path());
    step_until_within(&mut h, "the failed load", PATIENCE, |a| {
        a.state().jobs().is_empty() && a.state().status == RunStatus::Paused
    });
    let state = h.state().state();
    let notice = state.notices.last().expect("a notice");
    assert!(
        notice.is_error && notice.text.contains("data not loaded"),
        "{}",
        notice.text
    );
    assert_eq!(state.settings.config.data, DataSource::Digits);
    assert_eq!(state.data().len(), 1797);
}
