//! The monkey test: a seeded random sequence of user actions over every control of the window
//! (egui_kittest, no renderer), with the app's invariants checked after every action.
//!
//! Actions: clicks on every button by its label (Train, Pause, Step, Reset, Teach, the stage
//! buttons, Stage, Freeze batch, the heatmap views, Dismiss, Stop compare, …), the keyboard
//! shortcuts, frames and short waits, every loss × miner and every composed rule with extreme
//! parameter values, learning rates and speeds (NaN, ±∞, 0, huge), Freeze k, compare start and
//! stop, data sources (bad CSVs, bad and empty image folders) through `SetConfig` + `Reset` as
//! the data dialogs do, configurations out of range, t-SNE settings, lessons, exports, sessions
//! and models saved and opened (garbage files too), and slider values set through AccessKit.
//!
//! Invariants: no panic; `Running` or `Paused` only with a live worker; a `Stopped` run has
//! shown an error; the step never goes back within one run; no NaN or ∞ in the window's text;
//! every refused request leaves an error notice (at once, or when its job ends).
//!
//! `PAIRSCOPE_MONKEY=N` runs N actions (default 5,000); `PAIRSCOPE_MONKEY_SEED=S` replays a
//! seed. A failure prints the seed, the action index and the last actions.

mod common;

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable as _, by};
use pairscope::app::{AppCommand, AppState, RunStatus};
use pairscope::data::DataSource;
use pairscope::embedding::TsneSettings;
use pairscope::figures::{ExportFile, ExportRequest, FigureId, Format, RunData};
use pairscope::losses::{LIMITS, Limit, Loss, LossSpec, Miner, MiningRule, WeightingRule};
use pairscope::training::TrainConfig;
use pairscope::ui::PairscopeApp;
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;

const DEFAULT_ACTIONS: usize = 5_000;
const DEFAULT_SEED: u64 = 20;
/// Actions printed before a failure.
const TAIL: usize = 25;

/// Buttons and toggles, by their accessibility label.
const LABELS: &[&str] = &[
    "Train",
    "Pause",
    "Step",
    "Reset",
    "Teach",
    "Stage",
    "Freeze batch",
    "1 sample",
    "2 similarity",
    "3 mining",
    "4 weighting",
    "5 loss",
    "6 update",
    "similarity",
    "mined pairs",
    "weights",
    "per-pair loss",
    "full speed",
    "?",
    "Dismiss",
    "Stop compare",
    "Close lesson",
];

/// Keyboard shortcuts.
const KEYS: &[(Modifiers, Key)] = &[
    (Modifiers::NONE, Key::Space),
    (Modifiers::NONE, Key::ArrowRight),
    (Modifiers::SHIFT, Key::ArrowRight),
    (Modifiers::NONE, Key::R),
    (Modifiers::NONE, Key::F),
    (Modifiers::NONE, Key::F1),
];

/// Numbers no slider offers.
const EXTREMES: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    -1.0,
    1e-300,
    f64::MIN_POSITIVE,
    1e300,
    f64::MAX,
    -f64::MAX,
    0.5,
    1.0,
    2.0,
    1e6,
    4097.0,
    4_294_967_295.0,
];

/// What one action does.
#[derive(Clone)]
enum Kind {
    Click(&'static str),
    Key(Modifiers, Key),
    Frames(usize),
    Wait(u64),
    /// A command the window would send, and whether the app must refuse it with a notice.
    Command(Box<AppCommand>, Refusal),
    /// A configuration (as a data dialog or a settings change leaves it), then Reset.
    ConfigReset(Box<TrainConfig>, Refusal),
    /// Sets the value of the n-th slider or drag value through AccessKit.
    Slider(usize, f64),
    /// Selects a pair of the shown batch in the inspector.
    SelectPair(usize, usize),
}

/// Whether an action must leave an error notice.
#[derive(Clone, Copy, PartialEq)]
enum Refusal {
    No,
    /// In the same frame.
    Now,
    /// When its background job ends (unless a new run forgets the job).
    Later,
}

#[derive(Clone)]
struct Action {
    what: String,
    kind: Kind,
}

/// The files the actions use.
struct Files {
    dir: tempfile::TempDir,
    sources: Vec<(DataSource, bool)>,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let p = dir.path();
        let write = |name: &str, bytes: &[u8]| {
            let path = p.join(name);
            std::fs::write(&path, bytes).expect("write");
            path
        };
        let csv = |path: PathBuf| DataSource::Csv {
            path,
            label_column: None,
        };
        let mut sources = vec![
            (DataSource::Digits, false),
            (DataSource::Synthetic(Default::default()), false),
            (csv(common::test_file("data/two_blobs.csv")), false),
        ];
        for bad in ["non_numeric.csv", "one_class.csv", "ragged.csv"] {
            sources.push((csv(common::test_file(format!("data/{bad}"))), true));
        }
        // Copied: the job's label shows the path, and the scan for "NaN" would find its name.
        let values = std::fs::read(common::test_file("data/nan.csv")).expect("nan.csv");
        sources.push((csv(write("non_finite_values.csv", &values)), true));
        sources.push((csv(write("empty.csv", b"")), true));
        sources.push((csv(write("header.csv", b"label,x,y\n")), true));
        sources.push((
            csv(write("garbage.csv", &[0xff, 0x00, 0xfe, 0x0a, 0x2c])),
            true,
        ));
        sources.push((csv(p.join("missing.csv")), true));
        sources.push((
            DataSource::Csv {
                path: common::test_file("data/two_blobs.csv"),
                label_column: Some("no such column".into()),
            },
            true,
        ));
        let empty = p.join("empty_folder");
        std::fs::create_dir_all(&empty).expect("folder");
        let garbage = p.join("garbage_folder");
        for class in ["a", "b"] {
            std::fs::create_dir_all(garbage.join(class)).expect("folder");
            std::fs::write(garbage.join(class).join("x.png"), b"not a png").expect("write");
        }
        for (path, size) in [
            (empty, 16),
            (garbage, 16),
            (p.join("missing_folder"), 16),
            (p.join("empty.csv"), 16),
        ] {
            let source = DataSource::ImageFolder {
                path,
                size,
                rgb: false,
            };
            sources.push((source, true));
        }
        write("garbage.toml", b"\x00\x01 not = [toml");
        write("wrong.toml", b"[loss]\nname = \"no such loss\"\n");
        write("huge.toml", b"hidden_dim = 1000000000\n");
        Self { dir, sources }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Every loss and composed rule, with and without every miner.
fn specs() -> Vec<LossSpec> {
    let mut specs = Vec::new();
    for loss in Loss::presets() {
        specs.push(LossSpec::new(loss.clone()));
        for miner in Miner::presets() {
            specs.push(LossSpec::with_miner(loss.clone(), miner));
        }
    }
    for mining in MiningRule::presets() {
        for weighting in WeightingRule::presets() {
            let loss = Loss::Composed {
                mining: mining.clone(),
                weighting: weighting.clone(),
            };
            specs.push(LossSpec::new(loss.clone()));
            specs.push(LossSpec::with_miner(loss, Miner::presets()[0].clone()));
        }
    }
    specs
}

/// The ends of every parameter limit and just beyond them.
fn limit_values() -> Vec<f64> {
    let mut values = Vec::new();
    for l in LIMITS {
        let (lo, hi) = match l.limit {
            Limit::Range(lo, hi) => (lo, hi),
            Limit::AtLeast(lo) => (lo as f64, f64::MAX),
            Limit::Between(lo, hi) => (lo as f64, hi as f64),
            Limit::Finite | Limit::Positive | Limit::NonNegative => (0.0, f64::MAX),
        };
        values.extend([lo, hi, lo - 1e-9, lo - 1.0, hi + 1.0]);
    }
    values
}

/// A number for a parameter: an extreme, a limit's end, or an ordinary value.
fn odd_number(rng: &mut ChaCha8Rng, limits: &[f64]) -> f64 {
    match rng.gen_range(0..3) {
        0 => *EXTREMES.choose(rng).expect("values"),
        1 => *limits.choose(rng).expect("values"),
        _ => rng.gen_range(-2.0..3.0),
    }
}

/// `spec` with some of its numbers replaced by odd ones (through its serde form, so every
/// parameter of every loss is reachable without naming it).
fn mutate(spec: &LossSpec, rng: &mut ChaCha8Rng, limits: &[f64]) -> LossSpec {
    let Ok(mut value) = toml::Value::try_from(spec) else {
        return spec.clone();
    };
    mutate_value(&mut value, rng, limits);
    value.try_into().unwrap_or_else(|_| spec.clone())
}

fn mutate_value(value: &mut toml::Value, rng: &mut ChaCha8Rng, limits: &[f64]) {
    match value {
        toml::Value::Float(f) if rng.gen_bool(0.5) => *f = odd_number(rng, limits),
        toml::Value::Integer(i) if rng.gen_bool(0.5) => {
            *i = *[0, 1, -1, 2, 4097, 1 << 40, i64::MAX]
                .choose(rng)
                .expect("values");
        }
        toml::Value::Table(t) => t.iter_mut().for_each(|(_, v)| mutate_value(v, rng, limits)),
        toml::Value::Array(a) => a.iter_mut().for_each(|v| mutate_value(v, rng, limits)),
        _ => {}
    }
}

/// Draws the next action.
struct Monkey {
    rng: ChaCha8Rng,
    specs: Vec<LossSpec>,
    limits: Vec<f64>,
    files: Files,
    lessons: usize,
}

impl Monkey {
    fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            specs: specs(),
            limits: limit_values(),
            files: Files::new(),
            lessons: pairscope::app::lessons::lessons().len(),
        }
    }

    fn number(&mut self) -> f64 {
        odd_number(&mut self.rng, &self.limits)
    }

    fn spec(&mut self) -> LossSpec {
        let spec = self.specs.choose(&mut self.rng).expect("specs").clone();
        if self.rng.gen_bool(0.6) {
            mutate(&spec, &mut self.rng, &self.limits)
        } else {
            spec
        }
    }

    fn next(&mut self, state: &AppState) -> Action {
        let roll = self.rng.gen_range(0..100);
        match roll {
            0..=34 => {
                let mut label = *LABELS.choose(&mut self.rng).expect("labels");
                // A Reset costs a new worker; half as often as the other buttons.
                if label == "Reset" && self.rng.gen_bool(0.5) {
                    label = "Step";
                }
                action(format!("click {label:?}"), Kind::Click(label))
            }
            35..=49 => {
                let (m, mut k) = *KEYS.choose(&mut self.rng).expect("keys");
                if k == Key::R && self.rng.gen_bool(0.5) {
                    k = Key::Space;
                }
                action(format!("key {m:?} {k:?}"), Kind::Key(m, k))
            }
            50..=61 => {
                let n = self.rng.gen_range(1..4);
                action(format!("{n} frames"), Kind::Frames(n))
            }
            62..=63 => {
                let ms = self.rng.gen_range(1..40);
                action(format!("wait {ms} ms"), Kind::Wait(ms))
            }
            64..=89 => self.command(state),
            90..=91 => self.config_reset(state),
            92..=97 => {
                let n = self.rng.gen_range(0..40);
                let v = self.number();
                action(format!("slider #{n} = {v}"), Kind::Slider(n, v))
            }
            _ => {
                let (i, j) = (self.rng.gen_range(0..90), self.rng.gen_range(0..90));
                action(format!("select pair ({i}, {j})"), Kind::SelectPair(i, j))
            }
        }
    }

    /// An [`AppCommand`] as the panels and dialogs send them.
    fn command(&mut self, state: &AppState) -> Action {
        let (command, refusal) = match self.rng.gen_range(0..14) {
            0..=3 => {
                let spec = self.spec();
                let refusal = refused_if(spec.validate().is_err());
                (AppCommand::SetLoss(spec), refusal)
            }
            4 => {
                let lr = self.number();
                let refusal = refused_if(!(lr.is_finite() && lr > 0.0));
                (AppCommand::SetLearningRate(lr), refusal)
            }
            5 => {
                let speed = self.rng.gen_bool(0.8).then(|| self.number());
                let refusal =
                    refused_if(speed.is_some_and(|v| !pairscope::app::SPEEDS.contains(&v)));
                (AppCommand::SetSpeed(speed), refusal)
            }
            6 => {
                let k = *[0, 1, 3, 1000, u32::MAX].choose(&mut self.rng).expect("k");
                (AppCommand::Freeze(k), Refusal::No)
            }
            7 => {
                let spec = self.spec();
                let refusal = refused_if(spec.validate().is_err());
                (AppCommand::StartCompare(spec), refusal)
            }
            8 => (AppCommand::StopCompare, Refusal::No),
            9 => {
                let k = self.rng.gen_range(0..self.lessons + 2);
                (AppCommand::ApplyLesson(k), Refusal::No)
            }
            10 => (self.export(state), Refusal::No),
            11 => (AppCommand::CancelTsne, Refusal::No),
            12 => {
                let tsne = self.tsne();
                let refusal = refused_if(tsne.validate().is_err());
                (AppCommand::SetTsneSettings(tsne), refusal)
            }
            _ => self.file_command(),
        };
        action(
            describe(&command),
            Kind::Command(Box::new(command), refusal),
        )
    }

    fn tsne(&mut self) -> TsneSettings {
        let mut t = TsneSettings::default();
        match self.rng.gen_range(0..4) {
            0 => t.perplexity = self.number(),
            1 => t.iterations = *[0, 1, 10, 100_001].choose(&mut self.rng).expect("n"),
            2 => t.max_points = *[0, 1, 5, 50_001].choose(&mut self.rng).expect("n"),
            _ => t.on_training = self.rng.gen_bool(0.5),
        }
        t
    }

    /// Sessions and models, saved and opened (garbage too).
    fn file_command(&mut self) -> (AppCommand, Refusal) {
        let f = &self.files;
        match self.rng.gen_range(0..8) {
            0 => (AppCommand::SaveSession(f.path("session.toml")), Refusal::No),
            1 => (AppCommand::OpenSession(f.path("session.toml")), Refusal::No),
            2 => (AppCommand::SaveModel(f.path("model.toml")), Refusal::No),
            3 => (AppCommand::LoadModel(f.path("model.toml")), Refusal::No),
            4 => {
                let name = ["garbage.toml", "wrong.toml", "huge.toml", "missing.toml"]
                    .choose(&mut self.rng)
                    .expect("names");
                (AppCommand::OpenSession(f.path(name)), Refusal::Later)
            }
            5 => {
                let name = ["garbage.toml", "wrong.toml", "missing.toml", "empty.csv"]
                    .choose(&mut self.rng)
                    .expect("names");
                (AppCommand::LoadModel(f.path(name)), Refusal::Later)
            }
            6 => (
                AppCommand::SaveSession(f.path("no/such/dir/s.toml")),
                Refusal::Later,
            ),
            _ => (
                AppCommand::SaveModel(f.path("no/such/dir/m.toml")),
                Refusal::No,
            ),
        }
    }

    /// An export of a random figure of the run as it is.
    fn export(&mut self, state: &AppState) -> AppCommand {
        let figure = *FigureId::ALL.choose(&mut self.rng).expect("figures");
        let mut run = RunData::new(state.active_config.clone(), Arc::clone(state.data()));
        run.step = state.view.step;
        run.history = state.view.history.points().to_vec();
        run.evals = state.view.evals.clone();
        run.batch = state.view.batch.clone();
        let (file, ext) = match self.rng.gen_range(0..3) {
            0 => (ExportFile::Data, "json"),
            1 => {
                let width = *[1, 16, 640, 2000].choose(&mut self.rng).expect("w");
                let format = ExportFile::Figure {
                    format: Format::Svg,
                    width,
                    caption: self.rng.gen_bool(0.5),
                    preset: None,
                };
                (format, "svg")
            }
            _ => {
                let width = *[1, 16, 320].choose(&mut self.rng).expect("w");
                let format = ExportFile::Figure {
                    format: Format::Png,
                    width,
                    caption: self.rng.gen_bool(0.5),
                    preset: None,
                };
                (format, "png")
            }
        };
        let path = self.files.path(&format!("{}.{ext}", figure.name()));
        AppCommand::Export(ExportRequest {
            figure,
            file,
            run: Arc::new(run),
            path,
        })
    }

    /// A data source (as the data dialogs set it) or a run setting out of range, then Reset.
    fn config_reset(&mut self, state: &AppState) -> Action {
        let mut config = state.settings.config.clone();
        let mut refusal = Refusal::No;
        match self.rng.gen_range(0..5) {
            0..=2 => {
                let (source, bad) = self.files.sources.choose(&mut self.rng).expect("sources");
                config.data = source.clone();
                // A bad source fails on its loading job, unless it is the data already loaded.
                if *bad && config.data != state.settings.config.data {
                    refusal = Refusal::Later;
                }
            }
            3 => {
                let n = *[0, 1, 2, 3, 2049, 1 << 20]
                    .choose(&mut self.rng)
                    .expect("n");
                match self.rng.gen_range(0..4) {
                    0 => config.batch_classes = n,
                    1 => config.batch_samples = n,
                    2 => config.hidden_dim = n.min(5000).max(n % 5000),
                    _ => config.embedding_dim = n,
                }
            }
            _ => {
                config.eval_every = *[0, 1, 5, u64::MAX].choose(&mut self.rng).expect("n");
                config.seed = self.rng.r#gen();
            }
        }
        if config.validate().is_err() {
            refusal = Refusal::Now;
        }
        let what = format!("SetConfig({:?}) + Reset", config.data);
        action(what, Kind::ConfigReset(Box::new(config), refusal))
    }
}

fn refused_if(bad: bool) -> Refusal {
    if bad { Refusal::Now } else { Refusal::No }
}

fn action(what: String, kind: Kind) -> Action {
    Action { what, kind }
}

/// A short description (an export's run data would fill pages).
fn describe(command: &AppCommand) -> String {
    match command {
        AppCommand::Export(r) => format!("Export({:?}, {:?}, {:?})", r.figure, r.file, r.path),
        other => format!("{other:?}"),
    }
}

/// Whether an action starts a new run (the step may start again from 0); there are
/// `lessons` lessons (a lesson number beyond them does nothing).
fn starts_a_run(kind: &Kind, lessons: usize) -> bool {
    match kind {
        Kind::Click("Reset") | Kind::Key(_, Key::R) | Kind::ConfigReset(..) => true,
        Kind::Command(c, _) => match **c {
            AppCommand::Reset => true,
            AppCommand::ApplyLesson(k) => k < lessons,
            _ => false,
        },
        _ => false,
    }
}

/// What the invariants remember between actions.
#[derive(Default)]
struct Tracker {
    last_step: u64,
    notices: usize,
    /// Error notices seen since the run began (the strip's Dismiss clears the list).
    errors_in_run: usize,
    errors_total: usize,
    /// Failures that must show when their jobs end: (action index, errors seen then, whether
    /// a new run forgets the job).
    pending: Vec<(usize, usize, bool)>,
}

/// The new notices since the last check: (text, is_error).
fn new_notices(state: &AppState, tracker: &mut Tracker) -> Vec<(String, bool)> {
    let n = state.notices.len();
    let from = if n >= tracker.notices {
        tracker.notices
    } else {
        0
    };
    tracker.notices = n;
    state.notices[from..]
        .iter()
        .map(|x| (x.text.clone(), x.is_error))
        .collect()
}

/// Performs one action on the window, then draws a frame.
fn perform(h: &mut Harness<'static, PairscopeApp>, kind: &Kind) {
    match kind {
        Kind::Click(label) => {
            if let Some(node) = h.query_all_by_label(label).next() {
                node.click();
            }
        }
        Kind::Key(m, k) => h.key_press_modifiers(*m, *k),
        Kind::Frames(n) => h.run_steps(n - 1),
        Kind::Wait(ms) => std::thread::sleep(Duration::from_millis(*ms)),
        Kind::Command(c, _) => h.state_mut().state_mut().apply((**c).clone()),
        Kind::ConfigReset(config, _) => {
            let state = h.state_mut().state_mut();
            state.apply(AppCommand::SetConfig((**config).clone()));
            state.apply(AppCommand::Reset);
        }
        Kind::Slider(n, v) => {
            use egui::accesskit::Role;
            let nodes: Vec<_> = h
                .query_all(by().predicate(|n| matches!(n.role(), Role::Slider | Role::SpinButton)))
                .collect();
            if !nodes.is_empty() {
                nodes[n % nodes.len()].set_value_accesskit(*v);
                // The widget shows what was typed for the frame it was typed in; what counts
                // is what it shows after the value has been taken or refused.
                h.step();
            }
        }
        Kind::SelectPair(i, j) => {
            let batch = h.state().state().view.batch.clone();
            if let Some(b) = batch
                && *i < b.m()
                && *j < b.m()
            {
                h.state_mut().teach().select(&b, *i, *j);
            }
        }
    }
    h.step();
}

/// A number shown as NaN or infinity: "NaN", "inf" or "∞" as a word of its own.
fn shows_non_finite(text: &str) -> bool {
    text.contains('∞')
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w.eq_ignore_ascii_case("nan") || w.eq_ignore_ascii_case("inf"))
}

/// The window's text with a NaN or an infinity in it, if any (the notice strip may quote a
/// refused value).
fn non_finite_text(h: &Harness<'static, PairscopeApp>, before: &[String]) -> Option<String> {
    use egui_kittest::kittest::NodeT as _;
    // The frame drew the notices it began with (Dismiss clears them at its end).
    let mut notices: Vec<String> = h
        .state()
        .state()
        .notices
        .iter()
        .map(|n| n.text.clone())
        .collect();
    notices.extend_from_slice(before);
    h.query_all(by()).find_map(|node| {
        let n = node.accesskit_node();
        [n.label(), n.value()]
            .into_iter()
            .flatten()
            .find(|t| shows_non_finite(t) && !notices.iter().any(|x| x.contains(t.as_str())))
    })
}

/// Checks the invariants after action `index`; `Err` says which one broke.
fn check(
    h: &Harness<'static, PairscopeApp>,
    index: usize,
    action: &Action,
    tracker: &mut Tracker,
    before: &[String],
) -> Result<(), String> {
    let state = h.state().state();
    let fresh = new_notices(state, tracker);
    let errors = fresh.iter().filter(|(_, e)| *e).count();
    let reloaded = fresh
        .iter()
        .any(|(t, _)| t.starts_with("opened ") || t.starts_with("loaded the model"));
    let lessons = pairscope::app::lessons::lessons().len();
    let new_run = starts_a_run(&action.kind, lessons) || reloaded;
    if new_run {
        tracker.errors_in_run = 0;
        tracker.last_step = 0;
        tracker.pending.retain(|p| !p.2);
    }
    tracker.errors_in_run += errors;
    tracker.errors_total += errors;
    check_status(state, tracker)?;
    let step = state.view.step;
    if step < tracker.last_step && errors == 0 {
        return Err(format!(
            "the step went back from {} to {step}",
            tracker.last_step
        ));
    }
    tracker.last_step = step;
    check_refusal(state, index, action, tracker, (errors, reloaded))?;
    if let Some(text) = non_finite_text(h, before) {
        return Err(format!("the window shows a non-finite number: {text:?}"));
    }
    Ok(())
}

fn check_status(state: &AppState, tracker: &Tracker) -> Result<(), String> {
    let alive = state.worker_alive();
    match state.status {
        RunStatus::Running | RunStatus::Paused if alive != Some(true) => Err(format!(
            "status {:?} without a live worker ({alive:?})",
            state.status
        )),
        RunStatus::Stopped if tracker.errors_in_run == 0 => {
            Err("the run stopped without an error notice".into())
        }
        _ => Ok(()),
    }
}

/// A refused request leaves an error notice: at once, or when its job has ended.
fn check_refusal(
    state: &AppState,
    index: usize,
    action: &Action,
    tracker: &mut Tracker,
    (errors, reloaded): (usize, bool),
) -> Result<(), String> {
    let refusal = match &action.kind {
        Kind::Command(_, r) | Kind::ConfigReset(_, r) => *r,
        _ => Refusal::No,
    };
    match refusal {
        Refusal::Now if errors == 0 => return Err("refused without an error notice".into()),
        // A session or model that opened in this frame has already forgotten the load.
        Refusal::Later if !(reloaded && matches!(action.kind, Kind::ConfigReset(..))) => {
            let forgettable = matches!(action.kind, Kind::ConfigReset(..));
            tracker
                .pending
                .push((index, tracker.errors_total - errors, forgettable));
        }
        _ => {}
    }
    if state.jobs().is_empty()
        && let Some(&(first, before, _)) = tracker.pending.first()
    {
        if tracker.errors_total - before < tracker.pending.len() {
            return Err(format!(
                "{} failed job(s) since action {first} left no error notice",
                tracker.pending.len()
            ));
        }
        tracker.pending.clear();
    }
    Ok(())
}

/// Fails with what is needed to replay the run.
fn report(seed: u64, index: usize, tail: &VecDeque<String>, why: &str) -> String {
    let mut text = format!(
        "monkey: seed {seed}, action {index}: {why}\nreplay: PAIRSCOPE_MONKEY_SEED={seed} \
         PAIRSCOPE_MONKEY={} cargo test --release --test monkey\nlast actions:\n",
        index + 1
    );
    for line in tail {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs `actions` actions of seed `seed` on a fresh window.
fn run_monkey(seed: u64, actions: usize) {
    let mut h = common::harness_sized(1600.0, 1000.0);
    common::step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    let mut monkey = Monkey::new(seed);
    let mut tracker = Tracker::default();
    new_notices(h.state().state(), &mut tracker);
    let mut tail = VecDeque::new();
    let started = Instant::now();
    for index in 0..actions {
        let action = monkey.next(h.state().state());
        if tail.len() == TAIL {
            tail.pop_front();
        }
        tail.push_back(format!("{index}: {}", action.what));
        let before: Vec<String> = h
            .state()
            .state()
            .notices
            .iter()
            .map(|n| n.text.clone())
            .collect();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            perform(&mut h, &action.kind);
            check(&h, index, &action, &mut tracker, &before)
        }));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => panic!("{}", report(seed, index, &tail, &why)),
            Err(panic) => {
                eprintln!("{}", report(seed, index, &tail, "panicked"));
                resume_unwind(panic);
            }
        }
    }
    let stopped = h.state_mut().shutdown(Duration::from_secs(10));
    assert!(stopped, "seed {seed}: the worker did not stop cleanly");
    eprintln!(
        "monkey: seed {seed}, {actions} actions in {:.1} s, {} error notices",
        started.elapsed().as_secs_f64(),
        tracker.errors_total
    );
}

#[test]
fn a_monkey_cannot_break_the_window() {
    let actions = env_number("PAIRSCOPE_MONKEY").map_or(DEFAULT_ACTIONS, |n| n as usize);
    let seed = env_number("PAIRSCOPE_MONKEY_SEED").unwrap_or(DEFAULT_SEED);
    run_monkey(seed, actions);
}

#[test]
fn non_finite_numbers_are_recognised_as_words() {
    for shown in ["NaN", "lr = inf", "S = -inf", "w = ∞", "x: NaN."] {
        assert!(shows_non_finite(shown), "{shown}");
    }
    for fine in ["must be finite", "information", "Nanami", "infinity of"] {
        assert!(!shows_non_finite(fine), "{fine}");
    }
}

/// Found by the monkey (seed 20): `SetLearningRate(-0.0)` was stored unchecked, so the slider
/// showed it and the next Reset failed; now it is refused with a notice, like an invalid loss.
#[test]
fn an_invalid_learning_rate_is_refused_with_a_notice() {
    let mut h = common::harness();
    common::step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    let before = h.state().state().settings.config.learning_rate;
    for lr in [f64::NAN, -0.0, 0.0, f64::INFINITY, -1.0] {
        let notices = h.state().state().notices.len();
        h.state_mut()
            .state_mut()
            .apply(AppCommand::SetLearningRate(lr));
        h.step();
        let state = h.state().state();
        assert_eq!(
            state.settings.config.learning_rate, before,
            "{lr} was stored"
        );
        assert_eq!(
            state.active_config.learning_rate, before,
            "{lr} was applied"
        );
        let notice = state.notices.get(notices).expect("a notice");
        assert!(
            notice.is_error && notice.text.contains("learning_rate"),
            "{}",
            notice.text
        );
        assert_eq!(state.status, RunStatus::Paused);
    }
}

/// Found by the monkey (seed 20): a speed of 1e-300 batches/s passed the worker's check, and
/// the next time slot (1e300 s) panicked its thread (`Duration::from_secs_f64`); a compare side
/// died the same way. Now the slot is at most an hour, and a speed that is not a positive
/// number is refused with a notice.
#[test]
fn a_tiny_speed_does_not_kill_the_worker() {
    let mut h = common::harness();
    common::step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    for bps in [1e-300, f64::MIN_POSITIVE, 1e-9] {
        h.state_mut()
            .state_mut()
            .apply(AppCommand::SetSpeed(Some(bps)));
        h.state_mut().state_mut().apply(AppCommand::StartTraining);
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(10));
            h.step();
        }
        let state = h.state().state();
        assert_eq!(state.worker_alive(), Some(true), "speed {bps}");
        assert_eq!(state.status, RunStatus::Running);
        h.state_mut().state_mut().apply(AppCommand::Pause);
        h.step();
    }
    for bps in [f64::NAN, 0.0, -1.0, f64::INFINITY] {
        let notices = h.state().state().notices.len();
        h.state_mut()
            .state_mut()
            .apply(AppCommand::SetSpeed(Some(bps)));
        let state = h.state().state();
        assert!(state.notices.len() > notices, "{bps} refused silently");
        assert_ne!(state.settings.speed, Some(bps));
    }
}

/// Found by the monkey (seed 20, 30,000 actions): the inspector's explanation of a pair under
/// the distance-weighted miner said "probability ∝ 1/q(D)", a glyph the window's fonts lack
/// (egui_kittest panics on it; the window drew a box). It says "proportional to" now.
#[test]
fn the_distance_weighted_explanation_draws_with_the_window_fonts() {
    let mut h = common::harness_sized(1600.0, 1000.0);
    common::step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    let spec = LossSpec::with_miner(
        Loss::TripletMargin(Default::default()),
        Miner::DistanceWeighted(Default::default()),
    );
    h.state_mut().state_mut().apply(AppCommand::SetLoss(spec));
    h.get_by_label("Teach").click();
    h.get_by_label("Step").click();
    common::step_until(&mut h, "one batch", |a| a.state().view.step == 1);
    let batch = h.state().state().view.batch.clone().expect("a batch");
    for (i, j) in (0..batch.m())
        .flat_map(|i| (0..batch.m()).map(move |j| (i, j)))
        .step_by(97)
    {
        h.state_mut().teach().select(&batch, i, j);
        h.step();
    }
}

/// Out-of-range t-SNE settings are refused with a notice naming the field and its range, both
/// from the panel and from saved settings (an hour-long layout is no longer possible).
#[test]
fn out_of_range_tsne_settings_are_refused() {
    let mut h = common::harness();
    common::step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    let notices = h.state().state().notices.len();
    let bad = TsneSettings {
        iterations: 4_000_000_000,
        ..TsneSettings::default()
    };
    h.state_mut()
        .state_mut()
        .apply(AppCommand::SetTsneSettings(bad));
    let state = h.state().state();
    assert_eq!(state.settings.tsne, TsneSettings::default());
    let notice = state.notices.get(notices).expect("a notice");
    assert!(
        notice.is_error
            && notice
                .text
                .contains("tsne.iterations must be in 10..=100000"),
        "{}",
        notice.text
    );

    let settings = pairscope::app::Settings {
        config: common::cpu_config(1_000),
        tsne: TsneSettings {
            perplexity: -1.0,
            ..TsneSettings::default()
        },
        speed: None,
        projection: Default::default(),
    };
    let h = Harness::builder()
        .with_size(egui::vec2(800.0, 600.0))
        .build_eframe(move |cc| PairscopeApp::with_settings(cc, settings));
    let state = h.state().state();
    assert_eq!(state.settings.tsne, TsneSettings::default());
    assert!(
        state.notices.iter().any(|n| n.is_error
            && n.text
                .contains("saved t-SNE settings ignored (tsne.perplexity")),
        "{:?}",
        state.notices
    );
}
