//! The window fits common screens (issue 19): at 1280 × 800, 1600 × 1000 and 1920 × 1080, after
//! some training, every panel's title and buttons lie inside the window, the plots' keys lie
//! outside the plots' frames (a legend never covers data), and this holds with a lesson open,
//! in the teaching mode and in compare mode. Driven by labels with egui_kittest (the layout is
//! egui's own; no renderer is needed).
//!
//! A widget's rect here is the one egui laid it out at, not clipped to the window: a button cut
//! off at the window's edge has a rect that reaches past it.

mod common;

use common::{cpu_config, step_until};
use egui::{Id, Rect};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use pairscope::app::{AppCommand, RunStatus, Settings};
use pairscope::training::TrainConfig;
use pairscope::training::config::TsneSettings;
use pairscope::ui::PairscopeApp;

/// The screens of issue 19.
const SIZES: [(f32, f32); 3] = [(1280.0, 800.0), (1600.0, 1000.0), (1920.0, 1080.0)];

/// The app at `w × h` on the CPU run, evaluated every 25 steps, with the live t-SNE moving
/// throughout the test (100 000 iterations): its row is then at its widest (spinner, iteration
/// and rate, Stop and Restart).
fn app(w: f32, h: f32) -> Harness<'static, PairscopeApp> {
    let settings = Settings {
        config: TrainConfig {
            tsne_every: 100,
            ..cpu_config(25)
        },
        tsne: TsneSettings {
            iterations: 100_000,
            ..TsneSettings::default()
        },
        speed: None,
        ..Settings::default()
    };
    Harness::builder()
        .with_size(egui::vec2(w, h))
        .build_eframe(move |cc| PairscopeApp::with_settings(cc, settings))
}

/// Trains to at least `steps` steps with a few evaluations and a t-SNE frame, then pauses and
/// lets the layout settle (egui sizes some widgets from the previous frame).
fn train(h: &mut Harness<'static, PairscopeApp>, steps: u64) {
    step_until(h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.get_by_label("Train").click();
    step_until(h, "training with evaluations and a layout", |a| {
        let view = &a.state().view;
        view.step >= steps && view.evals.len() >= 2 && view.live.as_ref().is_some_and(|f| f.moving)
    });
    h.get_by_label("Pause").click();
    step_until(h, "the pause", |a| a.state().status == RunStatus::Paused);
    settle(h);
}

fn settle(h: &mut Harness<'static, PairscopeApp>) {
    for _ in 0..4 {
        h.step();
    }
}

/// The window's rect (a half-point of slack for rounding).
fn window(h: &Harness<'static, PairscopeApp>) -> Rect {
    h.ctx.content_rect().expand(0.5)
}

/// What the settings and central panels own: the window less the lesson panel when one is
/// open (a widget pushed past the central panel's edge is hidden under the lesson panel,
/// although it is inside the window).
fn area(h: &Harness<'static, PairscopeApp>) -> Rect {
    let mut area = window(h);
    if let Some(close) = h.query_by_label("Close lesson") {
        // The lesson panel's edge lies its inner margin (8 points) left of its button.
        area.max.x = area.max.x.min(close.rect().left() - 8.0 + 0.5);
    }
    area
}

/// Every widget labelled `label` (at least one) lies inside `bounds`.
fn within(h: &Harness<'static, PairscopeApp>, label: &str, bounds: Rect) {
    let mut seen = 0;
    for node in h.get_all_by_label(label) {
        let rect = node.rect();
        assert!(
            bounds.contains_rect(rect),
            "{label:?} at {rect:?} is not inside {bounds:?}"
        );
        seen += 1;
    }
    assert!(seen > 0, "no widget labelled {label:?}");
}

/// Every widget labelled `label` lies inside its panel ([`area`]).
fn inside(h: &Harness<'static, PairscopeApp>, label: &str) {
    within(h, label, area(h));
}

/// The widget whose label contains `part` lies inside its panel ([`area`]).
fn inside_containing(h: &Harness<'static, PairscopeApp>, part: &str) -> Rect {
    let rect = h.get_by_label_contains(part).rect();
    let bounds = area(h);
    assert!(
        bounds.contains_rect(rect),
        "the label with {part:?} at {rect:?} is not inside {bounds:?}"
    );
    rect
}

/// The data frame of the plot with id `id` (egui_plot keeps it in the plot's memory).
fn plot_frame(h: &Harness<'static, PairscopeApp>, id: &str) -> Rect {
    let memory = egui_plot::PlotMemory::load(&h.ctx, Id::unique(id))
        .unwrap_or_else(|| panic!("the plot {id:?} was drawn"));
    *memory.transform().frame()
}

/// Each entry of a plot's key (its series' names) lies inside the window and outside the
/// plot's frame, and the frame is big enough to read (at least 150 × 100 points).
fn key_outside(h: &Harness<'static, PairscopeApp>, id: &str, names: &[&str]) {
    let frame = plot_frame(h, id);
    assert!(
        frame.width() >= 150.0 && frame.height() >= 100.0,
        "the plot {id:?} is squeezed to {frame:?}"
    );
    assert!(area(h).contains_rect(frame), "{id:?} at {frame:?}");
    for name in names {
        inside(h, name);
        for node in h.get_all_by_label(name) {
            let rect = node.rect();
            assert!(
                !rect.intersects(frame),
                "{name:?} at {rect:?} covers the data of {id:?} (frame {frame:?})"
            );
        }
    }
}

/// The top bar's buttons and vital signs.
fn top_bar_fits(h: &Harness<'static, PairscopeApp>) {
    for label in ["Train", "Pause", "Step", "Reset", "Teach", "full speed"] {
        within(h, label, window(h));
    }
    let backend = h.get_by_label_contains("training on").rect();
    assert!(window(h).contains_rect(backend), "{backend:?}");
}

/// The three panels of the curves row: titles, Export… buttons, the embedding view's
/// controls, and the keys of the loss and metrics plots.
fn curves_row_fits(h: &Harness<'static, PairscopeApp>) {
    for label in [
        "Training loss",
        "Held-out retrieval",
        "t-SNE",
        "PCA",
        "Stop",
        "Restart",
        "newest",
    ] {
        inside(h, label);
    }
    inside_containing(h, "t-SNE of held-out embeddings");
    inside_containing(h, "Distances between t-SNE clusters are not meaningful");
    key_outside(
        h,
        "metrics-curve",
        &[
            "Recall@1",
            "Recall@8",
            "MAP@R",
            "NMI",
            "untrained network",
            "raw inputs",
        ],
    );
    // A run with more steps than the plot has pixel columns is drawn binned, under other names.
    let loss_key: &[&str] = if h.query_by_label("moving average (25)").is_some() {
        &["loss", "moving average (25)"]
    } else {
        &["loss (lowest and highest per pixel)", "mean loss per pixel"]
    };
    key_outside(h, "loss-curve", loss_key);
}

/// The batch panel: its caption, view switch, explanation and notes.
fn batch_panel_fits(h: &Harness<'static, PairscopeApp>) {
    inside_containing(h, "Batch of step");
    for label in ["similarity", "mined pairs", "weights", "per-pair loss"] {
        inside(h, label);
    }
    let explanation = pairscope::gpu::View::Similarity.explanation();
    inside_containing(h, &explanation[..40]);
    inside_containing(h, "Hover a cell for i, j");
    inside(h, "Debug: frame times");
}

#[test]
fn the_main_view_fits_each_screen() {
    for (w, hh) in SIZES {
        let mut h = app(w, hh);
        train(&mut h, 30);
        // The live layout's row as wide as in use: a four-digit iteration count beside Stop.
        step_until(&mut h, "a thousand t-SNE iterations", |a| {
            a.state()
                .view
                .live
                .as_ref()
                .is_some_and(|f| f.moving && f.iteration >= 1000)
        });
        settle(&mut h);
        top_bar_fits(&h);
        curves_row_fits(&h);
        batch_panel_fits(&h);
        // Export… on the loss, metrics, embedding and batch panels.
        assert_eq!(h.get_all_by_label("Export…").count(), 4, "at {w} × {hh}");
        inside(&h, "Export…");
    }
}

#[test]
fn a_lesson_keeps_every_panel_usable() {
    for (w, hh) in SIZES {
        let mut h = app(w, hh);
        step_until(&mut h, "the worker to start", |a| {
            a.state().status == RunStatus::Paused
        });
        h.state_mut().state_mut().apply(AppCommand::ApplyLesson(0));
        train(&mut h, 30);
        let lesson = &pairscope::app::lessons::lessons()[0];
        for label in ["Close lesson", lesson.title, "Goal"] {
            within(&h, label, window(&h));
        }
        top_bar_fits(&h);
        curves_row_fits(&h);
        batch_panel_fits(&h);
        inside(&h, "Export…");
    }
}

#[test]
fn the_teaching_panel_fits_and_its_texts_read_as_lines() {
    for (w, hh) in SIZES {
        let mut h = app(w, hh);
        // One step from the untrained network: its miner keeps pairs, so anchors contribute.
        step_until(&mut h, "the worker and the layout", |a| {
            a.state().status == RunStatus::Paused
                && a.state().view.live.as_ref().is_some_and(|f| f.moving)
        });
        h.get_by_label("Teach").click();
        h.get_by_label("Step").click();
        step_until(&mut h, "one batch", |a| a.state().view.step == 1);
        settle(&mut h);
        h.get_by_label("5 loss").click();
        settle(&mut h);
        for label in ["1 sample", "6 update", "Stage", "Freeze batch", "?"] {
            inside(&h, label);
        }
        inside_containing(&h, "Stage 5 of 6: loss");
        inside(&h, "Pair inspector");
        inside_containing(&h, "Kept pairs, sorted by");
        curves_row_fits(&h);
        // The anchors' shares are a paragraph across at least 45 % of the central panel (from
        // the curves row's left edge to the window's right), not a narrow column beside the
        // inspector.
        let anchors = inside_containing(&h, "anchors contribute");
        let left = h.get_by_label("Training loss").rect().left();
        let central = window(&h).right() - left;
        assert!(
            anchors.width() >= 0.45 * central,
            "at {w} × {hh} the anchors' text is {} wide of {central}",
            anchors.width()
        );
    }
}

/// The weighting stage with a lesson open (the narrowest and, at 1280 × 800, the shortest
/// teaching panel): the w-against-S plot leaves room below it for its key and caption.
#[test]
fn the_weighting_stage_keeps_its_key_with_a_lesson_open() {
    for (w, hh) in SIZES {
        let mut h = app(w, hh);
        step_until(&mut h, "the worker to start", |a| {
            a.state().status == RunStatus::Paused
        });
        h.state_mut().state_mut().apply(AppCommand::ApplyLesson(0));
        train(&mut h, 5);
        h.get_by_label("Teach").click();
        let before = h.state().state().view.step;
        h.get_by_label("Step").click();
        step_until(&mut h, "one batch", |a| a.state().view.step > before);
        settle(&mut h);
        h.get_by_label("4 weighting").click();
        settle(&mut h);
        inside_containing(&h, "Stage 4 of 6: weighting");
        inside(&h, "w against S for every kept pair");
        for key in ["kept positive pairs", "kept negative pairs"] {
            within(&h, key, area(&h));
        }
        // The plot keeps a readable frame (the stage's own share: a third of the column's
        // height at most) and its key stays off it.
        let frame = plot_frame(&h, "teach-w-vs-s");
        assert!(
            frame.width() >= 150.0 && frame.height() >= 80.0,
            "at {w} × {hh} the w-against-S plot is squeezed to {frame:?}"
        );
        for key in ["kept positive pairs", "kept negative pairs"] {
            let rect = h.get_by_label(key).rect();
            assert!(
                !rect.intersects(frame),
                "{key:?} at {rect:?} covers {frame:?}"
            );
        }
    }
}

#[test]
fn compare_mode_fits_each_screen() {
    for (w, hh) in SIZES {
        let mut h = app(w, hh);
        train(&mut h, 30);
        common::start_compare(&mut h);
        common::compare_step(&mut h, 30);
        settle(&mut h);
        top_bar_fits(&h);
        inside(&h, "Export…");
        inside_containing(&h, "A: multi-similarity");
        inside_containing(&h, "B: contrastive");
        inside_containing(&h, "kept by both:");
        for label in [
            "Training loss, both sides",
            "Held-out Recall@1, both sides",
            "both sides show:",
            "A: mined pairs",
            "B: mined pairs",
            "Diff of the mined sets",
            "neither",
            "only A",
            "only B",
        ] {
            inside(&h, label);
        }
        key_outside(&h, "compare-loss", &["A loss", "B loss"]);
        key_outside(&h, "compare-r1", &["A R@1", "B R@1"]);
    }
}

/// The keys' entries are drawn below the plots they belong to: no entry of a curve's key is
/// inside any plot (a sanity check of `key_outside` itself: the frame it reads is the plot's).
#[test]
fn the_plot_frames_are_where_the_plots_are() {
    let mut h = app(1600.0, 1000.0);
    train(&mut h, 30);
    let title = h.get_by_label("Held-out retrieval").rect();
    let key = h.get_by_label("Recall@1").rect();
    let frame = plot_frame(&h, "metrics-curve");
    assert!(frame.top() >= title.bottom(), "{frame:?} below {title:?}");
    assert!(frame.bottom() <= key.top(), "{frame:?} above {key:?}");
    assert!(
        key.right() > frame.left() && key.left() < frame.right(),
        "{key:?} under {frame:?}"
    );
}
