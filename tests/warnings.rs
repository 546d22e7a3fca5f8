//! Pathology warnings (`training::warnings`): each kind on a run that really shows it, none on a
//! healthy run, and the metrics.json field of `pairscope train`.

mod common;

use pairscope::losses::{
    ContrastiveParams, Loss, LossSpec, Miner, MsMinerParams, TripletMarginParams,
    TripletMinerParams,
};
use pairscope::training::warnings::{
    BatchSigns, COLLAPSE_BATCHES, COLLAPSE_SIMILARITY, DRY_FIRE, DRY_WINDOW, OVERFIT_DROP,
    VANISH_FRACTION, VANISH_WINDOW,
};
use pairscope::training::{
    BatchSnapshot, EvalPoint, Monitor, TrainConfig, TrainError, Warning, WarningKind,
};

/// What a run looked like, batch by batch, with the warnings its monitor gave.
struct Trace {
    signs: Vec<BatchSigns>,
    /// The largest |w| of each batch.
    max_weight: Vec<f32>,
    /// Each batch's mean off-diagonal S, from the S matrix itself.
    mean_s: Vec<f64>,
    /// Each batch's smallest `min S⁺ − max S⁻` over its anchors.
    order_margin: Vec<f64>,
    /// Each batch's largest |w| on a negative pair.
    negative_weight: Vec<f32>,
    evals: Vec<EvalPoint>,
    warnings: Vec<Warning>,
    diverged: Option<TrainError>,
}

/// Trains `steps` batches of `config` (CPU) as `pairscope train` does: the monitor sees every
/// batch, the evaluation at step 0 and every `eval_every` steps, and a divergence.
fn trace(config: TrainConfig, steps: u64) -> Trace {
    let eval_every = config.eval_every;
    let mut trainer = common::trainer(config);
    let mut monitor = Monitor::new();
    let first = trainer.evaluate().expect("evaluates");
    let mut t = Trace {
        signs: Vec::new(),
        max_weight: Vec::new(),
        mean_s: Vec::new(),
        order_margin: Vec::new(),
        negative_weight: Vec::new(),
        warnings: monitor.observe_eval(&first).into_iter().collect(),
        evals: vec![first],
        diverged: None,
    };
    for _ in 0..steps {
        let batch = match trainer.step() {
            Ok(b) => b,
            Err(e) => {
                t.warnings.extend(monitor.observe_divergence(&e));
                t.diverged = Some(e);
                break;
            }
        };
        t.signs.push(BatchSigns::of(&batch));
        t.max_weight.push(batch.max_weight());
        let (mean_s, margin) = similarity_facts(&batch);
        t.mean_s.push(mean_s);
        t.order_margin.push(margin);
        t.negative_weight.push(negative_weight(&batch));
        t.warnings.extend(monitor.observe_batch(&batch));
        if batch.step.is_multiple_of(eval_every) {
            let e = trainer.evaluate().expect("evaluates");
            t.warnings.extend(monitor.observe_eval(&e));
            t.evals.push(e);
        }
    }
    t
}

/// The batch's mean off-diagonal S and smallest per-anchor `min S⁺ − max S⁻`, from S.
fn similarity_facts(b: &BatchSnapshot) -> (f64, f64) {
    let m = b.m();
    let (mut sum, mut margin) = (0.0, f64::INFINITY);
    for i in 0..m {
        let (mut min_pos, mut max_neg) = (f64::INFINITY, f64::NEG_INFINITY);
        for j in (0..m).filter(|&j| j != i) {
            let s = f64::from(b.similarity[i * m + j]);
            sum += s;
            if b.labels[i] == b.labels[j] {
                min_pos = min_pos.min(s);
            } else {
                max_neg = max_neg.max(s);
            }
        }
        margin = margin.min(min_pos - max_neg);
    }
    (sum / (m * (m - 1)) as f64, margin)
}

fn negative_weight(b: &BatchSnapshot) -> f32 {
    let m = b.m();
    (0..m * m)
        .filter(|&c| b.labels[c / m] != b.labels[c % m])
        .fold(0.0_f32, |a, c| a.max(b.weights[c].abs()))
}

fn of_kind(t: &Trace, kind: WarningKind) -> Vec<&Warning> {
    t.warnings.iter().filter(|w| w.kind == kind).collect()
}

/// The default run (MS loss + MS miner on the digits): the first 200 steps are healthy; soon
/// after, the miner keeps no pair in most batches — and those batches really have zero loss
/// and zero weights, as the message says.
#[test]
fn the_default_run_warns_when_the_miner_runs_dry() {
    let t = trace(common::cpu_config(25), 500);
    assert!(
        t.warnings.iter().all(|w| w.step > 200),
        "the first 200 steps warn: {:?}",
        t.warnings
    );
    let dry = of_kind(&t, WarningKind::NoPairsMined);
    // One warning, and no other: the few batches that still keep pairs give them their full
    // weight (no `vanishing_weights`).
    assert_eq!(dry.len(), 1, "{:?}", t.warnings);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = dry[0];
    // The window the warning describes: at least 12 of the last 20 batches kept nothing.
    let at = t
        .signs
        .iter()
        .position(|s| s.step == w.step)
        .expect("its batch");
    let window = &t.signs[at + 1 - DRY_WINDOW..=at];
    let empty = window.iter().filter(|s| s.kept_pairs == 0).count();
    assert!(empty >= DRY_FIRE, "{empty} of {DRY_WINDOW}");
    let seen = format!(
        "Step {}: the miner kept no pair in {empty} of the last {DRY_WINDOW}",
        w.step
    );
    assert!(w.message.starts_with(&seen), "{}", w.message);
    assert!(
        w.message.ends_with("Lesson: miner-runs-dry."),
        "{}",
        w.message
    );
    // "the MS miner keeps nothing once every positive of each anchor is more similar than all
    // its negatives by at least ε (0.1), so those batches have zero loss and zero weights".
    let mut dry = 0;
    for (i, s) in t.signs.iter().enumerate() {
        if s.kept_pairs == 0 {
            dry += 1;
            assert!(t.order_margin[i] >= 0.1 - 1e-6, "step {}", s.step);
            assert_eq!(s.loss, 0.0, "step {}", s.step);
            assert_eq!(t.max_weight[i], 0.0, "step {}", s.step);
        }
    }
    assert!(dry >= DRY_FIRE);
    // "Try: a miner that keeps more pairs (a larger ε or margin) or no miner at all".
    let wider = trace(
        TrainConfig {
            loss: LossSpec::with_miner(
                Loss::default(),
                Miner::MultiSimilarity(MsMinerParams { epsilon: 0.3 }),
            ),
            ..common::cpu_config(25)
        },
        500,
    );
    let wider_dry = wider.signs.iter().filter(|s| s.kept_pairs == 0).count();
    assert!(
        wider_dry < dry,
        "ε = 0.3: {wider_dry} dry batches, ε = 0.1: {dry}"
    );
    let none = trace(
        TrainConfig {
            loss: LossSpec::new(Loss::default()),
            ..common::cpu_config(25)
        },
        500,
    );
    assert!(none.signs.iter().all(|s| s.kept_pairs > 0));
    assert!(none.warnings.is_empty(), "{:?}", none.warnings);
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("file")).expect("JSON")
}

fn sorted_keys(v: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    keys.sort();
    keys
}

/// `pairscope train --steps N` (CPU) into a fresh folder: (exit code, metrics.json, stderr).
fn train_cli(extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let args = [
        &["train", "--backend", "cpu", "--width", "320", "--out"],
        &[out.to_str().expect("utf-8")][..],
        extra,
    ]
    .concat();
    let run = common::pairscope(&args);
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    (run.status.code(), json(&out.join("metrics.json")), stderr)
}

/// metrics.json's `warnings`: empty for the default run's first 200 steps, every existing
/// field unchanged.
#[test]
fn a_healthy_headless_run_writes_no_warning() {
    let (code, m, stderr) = train_cli(&["--steps", "200"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(m["warnings"], serde_json::json!([]), "{stderr}");
    let keys = sorted_keys(&m);
    assert_eq!(
        keys,
        [
            "backend",
            "config",
            "eval",
            "steps_per_second",
            "train",
            "warnings"
        ]
    );
    assert_eq!(
        sorted_keys(&m["train"][0]),
        ["loss", "negative_pairs", "positive_pairs", "step"]
    );
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// The same run, longer: one `no_pairs_mined` entry of exactly `{step, kind, message}`, the
/// step after 200, and the same line on stderr.
#[test]
fn a_headless_run_writes_each_warning_once() {
    let (code, m, stderr) = train_cli(&["--steps", "500"]);
    assert_eq!(code, Some(0), "{stderr}");
    let warnings = m["warnings"].as_array().expect("an array");
    let dry: Vec<&serde_json::Value> = warnings
        .iter()
        .filter(|w| w["kind"] == "no_pairs_mined")
        .collect();
    assert_eq!(dry.len(), 1, "{warnings:?}");
    let w = dry[0];
    assert_eq!(sorted_keys(w), ["kind", "message", "step"]);
    let step = w["step"].as_u64().expect("a step");
    assert!((201..=500).contains(&step), "{step}");
    // The message's count is the train rows' count.
    let rows = m["train"].as_array().expect("rows");
    let empty = rows[step as usize - 20..step as usize]
        .iter()
        .filter(|r| r["positive_pairs"] == 0 && r["negative_pairs"] == 0)
        .count();
    let message = w["message"].as_str().expect("text");
    assert!(
        message.contains(&format!("kept no pair in {empty} of the last 20 batches")),
        "{message}"
    );
    assert!(
        stderr.contains(&format!("pairscope train: warning: {message}")),
        "{stderr}"
    );
}

/// A diverging run (learning rate 1e9) stops with status 3, and metrics.json says so as a
/// `divergence` warning at the failed step.
#[test]
fn a_divergence_is_a_warning_in_metrics_json() {
    let (code, m, stderr) = train_cli(&["--steps", "50", "--lr", "1e9"]);
    assert_eq!(code, Some(3), "{stderr}");
    let warnings = m["warnings"].as_array().expect("an array");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(w["kind"], "divergence");
    let rows = m["train"].as_array().expect("rows").len() as u64;
    // The failed step is the one after the last good row.
    assert_eq!(w["step"].as_u64(), Some(rows + 1), "{w:?}");
    let message = w["message"].as_str().expect("text");
    assert!(message.contains("is not finite"), "{message}");
    assert!(message.contains("learning rate 1e9"), "{message}");
    assert!(message.ends_with("Lesson: divergence."), "{message}");
    assert!(m["stopped"].as_str().expect("stopped").contains("diverged"));
}

/// In the window: the worker's warning becomes a notice (a warning, not an error) with the
/// same text, and — when the lesson exists — a button that opens it.
#[test]
fn the_window_shows_a_warning_with_its_lesson() {
    use egui_kittest::kittest::Queryable as _;
    use pairscope::app::{AppCommand, RunStatus, lessons};

    let mut h = common::harness();
    common::step_until(&mut h, "the worker to start", |a| {
        a.state().status == RunStatus::Paused
    });
    h.state_mut().state_mut().apply(AppCommand::StartTraining);
    common::step_until(&mut h, "a no_pairs_mined notice", |a| {
        a.state()
            .notices
            .iter()
            .any(|n| n.warning == Some(WarningKind::NoPairsMined))
    });
    h.state_mut().state_mut().apply(AppCommand::Pause);
    h.step();
    let state = h.state().state();
    let notice = state
        .notices
        .iter()
        .find(|n| n.warning.is_some())
        .expect("the warning's notice")
        .clone();
    assert!(!notice.is_error, "{}", notice.text);
    let warning = &state.view.warnings[0];
    assert_eq!(warning.kind, WarningKind::NoPairsMined);
    assert_eq!(notice.text, warning.message);
    assert!(warning.step > 200, "{}", warning.message);
    // The strip shows the newest notice: make it this one, then look for the button.
    h.state_mut()
        .state_mut()
        .notices
        .retain(|n| n.warning.is_some());
    h.step();
    match lessons::position("miner-runs-dry") {
        Some(k) => {
            let title = lessons::lessons()[k].title;
            let label = format!("Open lesson: {title}");
            h.get_by_label(&label).click();
            h.step();
            h.step();
            assert_eq!(h.state().state().lesson, Some(k));
        }
        None => assert!(h.query_by_label_contains("Open lesson").is_none()),
    }
}

/// One warning of every kind, from a monitor fed made-up numbers.
fn one_of_each() -> Vec<Warning> {
    let signs = |step: u64, kept, mean_similarity, total_weight| BatchSigns {
        step,
        // A falling training loss, for the over-fitting check.
        loss: 1.0 / step as f64,
        kept_pairs: kept,
        mean_similarity,
        total_weight,
    };
    let eval = |step, recall_at_1| EvalPoint {
        step,
        metrics: pairscope::metrics::Retrieval {
            recall_at_1,
            recall_at_2: recall_at_1,
            recall_at_4: recall_at_1,
            recall_at_8: recall_at_1,
            nmi: 0.5,
            map_at_r: 0.5,
        },
    };
    let mut m = Monitor::new();
    let mut out: Vec<Warning> = m.observe_eval(&eval(0, 0.9)).into_iter().collect();
    for step in 1..=100 {
        // Weighty pairs, then weightless ones; then merged embeddings; then nothing kept.
        let s = match step {
            1..=30 => signs(step, 10, 0.1, 1.0),
            31..=60 => signs(step, 10, 0.1, 0.0),
            61..=80 => signs(step, 10, 0.999, 1.0),
            _ => signs(step, 0, 0.1, 0.0),
        };
        out.extend(m.observe_signs(&s));
        if step % 25 == 0 {
            out.extend(m.observe_eval(&eval(step, 0.5)));
        }
    }
    out.extend(m.observe_divergence(&TrainError::Diverged {
        step: 101,
        what: "the loss",
        cause: "the learning rate 1e9 is far too high for Adam; try 1e-3".into(),
    }));
    out
}

/// Every kind's message draws in the window (egui_kittest fails on a glyph its fonts lack),
/// in the warning colour and not as an error.
#[test]
fn every_warning_draws_in_the_window() {
    use egui_kittest::kittest::Queryable as _;

    let warnings = one_of_each();
    let mut kinds: Vec<&str> = warnings.iter().map(|w| w.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "collapse",
            "divergence",
            "no_pairs_mined",
            "overfitting",
            "vanishing_weights"
        ]
    );
    let mut h = common::harness();
    for w in &warnings {
        let notice = pairscope::app::Notice::warning(w);
        assert!(!notice.is_error && notice.warning == Some(w.kind));
        h.state_mut().state_mut().notices.push(notice);
        h.step();
        assert!(h.query_by_label(&w.message).is_some(), "{}", w.message);
    }
}

/// The window's worker reports a divergence twice over: the failure that paused training (an
/// error notice, as before) and then its warning, which says why and links the lesson.
#[test]
fn a_diverging_worker_sends_its_warning_after_the_failure() {
    use pairscope::training::{Command, Event};
    use std::time::Duration;

    let handle = common::spawn_worker(TrainConfig {
        learning_rate: 1e9,
        ..common::cpu_config(25)
    });
    common::wait_for(&handle, Duration::from_secs(60), |e| {
        matches!(e, Event::Started { .. })
    });
    handle.send(Command::Play).expect("queued");
    let events = common::wait_for(&handle, Duration::from_secs(30), |e| {
        matches!(e, Event::Warning(_))
    });
    let failed = events
        .iter()
        .position(|e| matches!(e, Event::Failed(_)))
        .expect("the failure");
    let (at, w) = events
        .iter()
        .enumerate()
        .find_map(|(i, e)| match e {
            Event::Warning(w) => Some((i, w)),
            _ => None,
        })
        .expect("the warning");
    assert!(failed < at);
    assert_eq!(w.kind, WarningKind::Divergence);
    assert_eq!(w.lesson, "divergence");
    let Event::Failed(text) = &events[failed] else {
        unreachable!()
    };
    assert!(
        text.contains(&format!("diverged at step {}", w.step)),
        "{text} / {}",
        w.message
    );
}

/// A real collapse: contrastive with `neg_margin = 1` pulls positives together and never
/// pushes a negative (a negative is penalised only above S = 1). Within a few dozen steps the
/// whole batch points one way.
#[test]
fn an_attraction_only_loss_collapses() {
    let config = TrainConfig {
        loss: LossSpec::new(Loss::Contrastive(ContrastiveParams {
            pos_margin: 1.0,
            neg_margin: 1.0,
        })),
        ..common::cpu_config(25)
    };
    let t = trace(config, 60);
    // BatchSigns reads the mean similarity off the embeddings: it is the S matrix's.
    for (s, &mean) in t.signs.iter().zip(&t.mean_s) {
        assert!((s.mean_similarity - mean).abs() < 1e-4, "step {}", s.step);
    }
    // "nothing pushes the negatives away": no negative pair has any weight.
    assert!(t.negative_weight.iter().all(|&w| w == 0.0));
    let collapse = of_kind(&t, WarningKind::Collapse);
    assert_eq!(collapse.len(), 1, "{:?}", t.warnings);
    let w = collapse[0];
    let at = t
        .signs
        .iter()
        .position(|s| s.step == w.step)
        .expect("its batch");
    let last = &t.mean_s[at + 1 - COLLAPSE_BATCHES..=at];
    assert!(last.iter().all(|&s| s >= COLLAPSE_SIMILARITY), "{last:?}");
    assert!(t.mean_s[0] < 0.9, "it starts apart: {}", t.mean_s[0]);
    let seen = format!(
        "Step {}: the batch's embeddings have (nearly) merged: the mean similarity between \
         different samples is {:.4}",
        w.step, t.signs[at].mean_similarity
    );
    assert!(w.message.starts_with(&seen), "{}", w.message);
    assert!(w.message.ends_with("Lesson: collapse."), "{}", w.message);
    // It stays collapsed: one episode. ("Try: a loss that also pushes negatives apart (the
    // default multi-similarity loss does)": the default run's test sees no collapse.)
    assert!(t.mean_s[at..].iter().all(|&s| s >= COLLAPSE_SIMILARITY));
}

/// Kept but weightless: the semi-hard miner (margin 0.2) keeps triplets with
/// `0 < S_ap − S_an ≤ 0.2`, but the triplet loss (margin 0.05) gives those with
/// `S_ap − S_an ≥ 0.05` no weight. Once training has pushed the kept triplets past 0.05, the
/// batches keep pairs whose weight is zero.
#[test]
fn a_miner_wider_than_its_loss_keeps_weightless_pairs() {
    let config = TrainConfig {
        loss: LossSpec::with_miner(
            Loss::TripletMargin(TripletMarginParams::default()),
            Miner::TripletSemihard(TripletMinerParams { margin: 0.2 }),
        ),
        ..common::cpu_config(25)
    };
    let t = trace(config, 600);
    let vanishing = of_kind(&t, WarningKind::VanishingWeights);
    assert_eq!(vanishing.len(), 1, "{:?}", t.warnings);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = vanishing[0];
    // Recompute the rule: the median weight of a kept pair over the last 20 batches that kept
    // pairs, against its largest earlier value.
    let kept: Vec<(u64, f64, &BatchSigns)> = t
        .signs
        .iter()
        .filter(|s| s.kept_pairs > 0)
        .map(|s| (s.step, s.total_weight / s.kept_pairs as f64, s))
        .collect();
    let median = |window: &[(u64, f64, &BatchSigns)]| {
        let mut v: Vec<f64> = window.iter().map(|k| k.1).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let at = kept
        .iter()
        .position(|k| k.0 == w.step)
        .expect("a batch that kept pairs");
    let peak = (VANISH_WINDOW - 1..=at)
        .map(|i| median(&kept[i + 1 - VANISH_WINDOW..=i]))
        .fold(0.0, f64::max);
    let window = &kept[at + 1 - VANISH_WINDOW..=at];
    assert!(median(window) < VANISH_FRACTION * peak);
    // "the kept pairs already satisfy the loss itself": most of those batches keep pairs yet
    // have zero loss and zero weight.
    let satisfied = window
        .iter()
        .filter(|k| k.2.loss == 0.0 && k.2.total_weight == 0.0)
        .count();
    assert!(
        satisfied > VANISH_WINDOW / 2,
        "{satisfied} of {VANISH_WINDOW}"
    );
    assert!(
        w.message.starts_with(&format!(
            "Step {}: the batches still keep pairs ({} in this one",
            w.step,
            window[VANISH_WINDOW - 1].2.kept_pairs
        )),
        "{}",
        w.message
    );
    assert!(
        w.message.ends_with("Lesson: miner-runs-dry."),
        "{}",
        w.message
    );
    // "Try: a loss margin at least as large as the miner's": the same run with a loss margin
    // of 0.2 keeps weight on its pairs.
    let strict = trace(
        TrainConfig {
            loss: LossSpec::with_miner(
                Loss::TripletMargin(TripletMarginParams {
                    margin: 0.2,
                    ..TripletMarginParams::default()
                }),
                Miner::TripletSemihard(TripletMinerParams { margin: 0.2 }),
            ),
            ..common::cpu_config(25)
        },
        600,
    );
    assert!(
        of_kind(&strict, WarningKind::VanishingWeights).is_empty(),
        "{:?}",
        strict.warnings
    );
}

/// Over-fitting to the seen classes: on the classes split (digits 0–4 train, 5–9 are held
/// out) with a learning rate of 0.01, held-out Recall@1 falls from the untrained network's
/// while the training loss falls.
#[test]
fn training_on_seen_classes_overfits() {
    let config = TrainConfig {
        split: pairscope::data::SplitKind::Classes,
        learning_rate: 1e-2,
        ..common::cpu_config(25)
    };
    let t = trace(config, 100);
    let over = of_kind(&t, WarningKind::Overfitting);
    assert_eq!(over.len(), 1, "{:?}", t.warnings);
    let w = over[0];
    let recall = |step: u64| {
        t.evals
            .iter()
            .find(|e| e.step == step)
            .expect("an evaluation")
            .metrics
            .recall_at_1
    };
    let best = t
        .evals
        .iter()
        .filter(|e| e.step < w.step)
        .max_by(|a, b| a.metrics.recall_at_1.total_cmp(&b.metrics.recall_at_1))
        .expect("an earlier evaluation");
    let best_r = best.metrics.recall_at_1;
    // Two evaluations in a row clearly below the best.
    assert!(recall(w.step) <= best_r - OVERFIT_DROP);
    assert!(recall(w.step - 25) <= best_r - OVERFIT_DROP);
    // The training loss fell: the last 25 batches against the 25 around the best.
    let mean = |from: u64, to: u64| {
        let l: Vec<f64> = t
            .signs
            .iter()
            .filter(|s| (from..=to).contains(&s.step))
            .map(|s| s.loss)
            .collect();
        l.iter().sum::<f64>() / l.len() as f64
    };
    // The monitor's mean when Recall@1 was best: the 25 batches up to it, or the first 25.
    let then = if best.step >= 25 {
        mean(best.step - 24, best.step)
    } else {
        mean(1, 25)
    };
    let now = mean(w.step - 24, w.step);
    assert!(now < then, "{now} vs {then}");
    let seen = format!(
        "Step {}: held-out Recall@1 is {:.3}, down from its best {best_r:.3} at step {}",
        w.step,
        recall(w.step),
        best.step
    );
    assert!(w.message.starts_with(&seen), "{}", w.message);
    assert!(
        w.message.contains(&format!("{now:.4}, against {then:.4}")),
        "{}",
        w.message
    );
    assert!(
        w.message.ends_with("Lesson: zero-shot-overfit."),
        "{}",
        w.message
    );
    // "Try: … a smaller learning rate": at 1e-3 Recall@1 stays within reach of its best.
    let slower = trace(
        TrainConfig {
            split: pairscope::data::SplitKind::Classes,
            ..common::cpu_config(25)
        },
        100,
    );
    assert!(slower.warnings.is_empty(), "{:?}", slower.warnings);
}
