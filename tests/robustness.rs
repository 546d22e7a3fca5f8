//! Faults and bad input: divergence keeps the last good model, checkpoints round-trip and
//! refuse the wrong network, a lost device or a panicking step is survived, and the app
//! reports each of them once.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{spawn_worker, trainer, wait_for};
use pairscope::app::{AppCommand, AppState, RunStatus, Settings};
use pairscope::data::Dataset;
use pairscope::training::{Checkpoint, Command, Event, TrainConfig, TrainError};

fn config() -> TrainConfig {
    common::cpu_config(50)
}

#[test]
fn divergence_keeps_the_last_good_model_and_a_lower_rate_trains_on() {
    let mut t = trainer(TrainConfig {
        learning_rate: 1e9,
        ..config()
    });
    let probe: Vec<usize> = t.split().held_out[..40].to_vec();
    let mut diverged = None;
    let mut twin = None;
    for _ in 0..30 {
        let before = t.embed(&probe).expect("embed");
        let step_before = t.step_count();
        // The same run as it is before this step (same model and batches to come).
        let fork = t.fork(t.config().loss.clone()).expect("fork");
        match t.step() {
            Ok(b) => assert!(b.loss.is_finite()),
            Err(e @ TrainError::Diverged { .. }) => {
                assert_eq!(t.step_count(), step_before, "no step is counted");
                assert_eq!(t.embed(&probe).expect("embed"), before, "the model is kept");
                diverged = Some(e);
                twin = Some(fork);
                break;
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    let e = diverged.expect("lr 1e9 diverges within 30 steps");
    let text = e.to_string();
    let TrainError::Diverged { step, .. } = e else {
        unreachable!()
    };
    assert_eq!(step, t.step_count() + 1);
    assert!(text.contains(&format!("at step {step}")), "{text}");
    assert!(text.contains("learning rate"), "{text}");
    t.set_learning_rate(1e-3).expect("lr");
    // Training on retries the very batch that failed, from the kept model.
    let mut twin = twin.expect("the run before the failed step");
    twin.set_learning_rate(1e-3).expect("lr");
    let retried = t.step().expect("trains on after a lower learning rate");
    let reference = twin.step().expect("the twin trains");
    assert_eq!(retried.rows, reference.rows, "the same batch");
    assert_eq!(retried.loss, reference.loss);
    assert_eq!(retried.step, step);
    for _ in 0..4 {
        let b = t.step().expect("trains on");
        assert!(b.loss.is_finite());
    }
}

#[test]
fn roll_back_returns_to_the_model_before_the_last_update() {
    let mut t = trainer(config());
    let rows: Vec<usize> = t.split().held_out[..32].to_vec();
    assert_eq!(t.roll_back(), None, "nothing to roll back before a step");
    t.step().expect("step");
    t.step().expect("step");
    let after_two = t.embed(&rows).expect("e");
    t.step().expect("step");
    assert_ne!(t.embed(&rows).expect("e"), after_two);
    assert_eq!(t.roll_back(), Some(2));
    assert_eq!(t.step_count(), 2);
    assert_eq!(t.embed(&rows).expect("e"), after_two);
    assert_eq!(t.roll_back(), None, "one update back only");
    assert_eq!(t.step().expect("step").step, 3);
}

#[test]
fn a_checkpoint_round_trips_through_its_file() {
    let mut t = trainer(config());
    for _ in 0..20 {
        t.step().expect("step");
    }
    let c = t.checkpoint().expect("checkpoint");
    assert_eq!(c.step, 20);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("model.toml");
    c.write(&path).expect("write");
    let back = Checkpoint::read(&path).expect("read");
    assert_eq!(back, c);
    let mut fresh = trainer(config());
    let rows: Vec<usize> = t.split().held_out[..64].to_vec();
    assert_ne!(fresh.embed(&rows).expect("e"), t.embed(&rows).expect("e"));
    fresh.load_checkpoint(&back).expect("loads");
    assert_eq!(fresh.step_count(), 20);
    assert_eq!(fresh.embed(&rows).expect("e"), t.embed(&rows).expect("e"));
    // and it trains on from there
    assert_eq!(fresh.step().expect("step").step, 21);
}

#[test]
fn a_checkpoint_of_another_shape_is_refused_and_the_model_stays() {
    let c = trainer(config()).checkpoint().expect("checkpoint");
    let mut other = trainer(TrainConfig {
        hidden_dim: 32,
        ..config()
    });
    let rows: Vec<usize> = other.split().held_out[..16].to_vec();
    let before = other.embed(&rows).expect("e");
    let e = other.load_checkpoint(&c).expect_err("wrong shape");
    let text = e.to_string();
    assert!(text.contains("does not fit"), "{text}");
    assert!(text.contains("shape mismatch"), "{text}");
    assert_eq!(other.embed(&rows).expect("e"), before);
    assert_eq!(other.step_count(), 0);
    // A CNN record in an MLP: burn names the tensors the MLP does not have.
    let cnn = trainer(TrainConfig {
        model: pairscope::training::ModelKind::Cnn,
        ..config()
    })
    .checkpoint()
    .expect("checkpoint");
    let mut mlp = trainer(config());
    let text = mlp
        .load_checkpoint(&cnn)
        .expect_err("cnn into mlp")
        .to_string();
    assert!(text.contains("does not fit"), "{text}");
}

#[test]
fn damaged_checkpoint_files_get_messages() {
    let good = trainer(config()).checkpoint().expect("checkpoint");
    let text = good.to_toml().expect("toml");
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "not a pairscope checkpoint"),
        (
            "format = 'something else'".into(),
            "not a pairscope checkpoint",
        ),
        ("[[[".into(), "not a pairscope checkpoint"),
        (text.replace("version = 1", "version = 99"), "version 99"),
        (
            text.replacen("model = \"", "model = \"!!!", 1),
            "not valid base64",
        ),
        (
            text.replace("learning_rate = ", "learning_rate = -"),
            "learning_rate",
        ),
    ];
    for (input, want) in cases {
        let e = Checkpoint::from_toml(&input).expect_err(want);
        assert!(e.to_string().contains(want), "{want:?} not in {e:?}");
    }
    // Truncated burnpack bytes parse as TOML but not as a record.
    let mut short = good.clone();
    short.model.truncate(short.model.len() / 2);
    let e = trainer(config())
        .load_checkpoint(&short)
        .expect_err("truncated");
    assert!(e.to_string().contains("cannot be read"), "{e}");
}

#[test]
fn a_lost_device_falls_back_to_the_cpu_and_training_goes_on() {
    let handle = spawn_worker(config());
    wait_for(&handle, Duration::from_secs(60), |e| {
        matches!(e, Event::Started { .. })
    });
    handle.send(Command::Play).expect("queued");
    wait_for(
        &handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::BatchTrained(s) if s.step >= 250),
    );
    handle.send(Command::SimulateDeviceLost).expect("queued");
    let events = wait_for(&handle, Duration::from_secs(30), |e| {
        matches!(e, Event::BackendChanged { .. })
    });
    let Some(Event::BackendChanged {
        backend, step, why, ..
    }) = events
        .iter()
        .find(|e| matches!(e, Event::BackendChanged { .. }))
    else {
        unreachable!()
    };
    assert!(backend.name.starts_with("cpu"), "{backend}");
    assert_eq!(backend.kind, pairscope::training::BackendKind::Flex);
    assert!(why.contains("device lost"), "{why}");
    assert_eq!(step % pairscope::training::worker::MIRROR_EVERY, 0);
    assert!(
        *step >= 200,
        "continues from the mirrored model, step {step}"
    );
    // still training, from the step after the copy, with no failure reported
    let mut after: Vec<Event> = events
        .iter()
        .skip_while(|e| !matches!(e, Event::BackendChanged { .. }))
        .cloned()
        .collect();
    after.extend(wait_for(
        &handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::BatchTrained(s) if s.step > step + 10),
    ));
    let first = after
        .iter()
        .find_map(|e| match e {
            Event::BatchTrained(s) => Some(s.step),
            _ => None,
        })
        .expect("a step after the fallback");
    assert_eq!(first, step + 1);
    assert!(
        after.iter().all(|e| !matches!(e, Event::Failed(_))),
        "{after:?}"
    );
    assert!(handle.is_alive());
}

#[test]
fn a_diverging_worker_pauses_once_and_names_the_step_and_cause() {
    let handle = spawn_worker(TrainConfig {
        learning_rate: 1e9,
        ..config()
    });
    wait_for(&handle, Duration::from_secs(60), |e| {
        matches!(e, Event::Started { .. })
    });
    handle.send(Command::Play).expect("queued");
    let events = wait_for(&handle, Duration::from_secs(30), |e| {
        matches!(e, Event::Failed(_))
    });
    let failed = events
        .iter()
        .position(|e| matches!(e, Event::Failed(_)))
        .expect("failed");
    let Event::Failed(text) = &events[failed] else {
        unreachable!()
    };
    assert!(text.contains("diverged at step"), "{text}");
    assert!(text.contains("likely cause: the learning rate"), "{text}");
    let mut rest = events[failed + 1..].to_vec();
    if !rest.iter().any(|e| matches!(e, Event::Paused { .. })) {
        rest.extend(wait_for(&handle, Duration::from_secs(5), |e| {
            matches!(e, Event::Paused { .. })
        }));
    }
    std::thread::sleep(Duration::from_millis(200));
    rest.extend(handle.drain_events());
    assert!(
        rest.iter()
            .all(|e| !matches!(e, Event::Failed(_) | Event::BatchTrained(_))),
        "reported once, and paused: {rest:?}"
    );
    // A lower learning rate trains on in the same worker.
    handle.send(Command::SetLearningRate(1e-3)).expect("queued");
    handle.send(Command::Step).expect("queued");
    wait_for(
        &handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::BatchTrained(s) if s.loss.is_finite()),
    );
}

fn app() -> AppState {
    AppState::new(
        Settings {
            config: config(),
            speed: None,
            projection: Default::default(),
            ..Settings::default()
        },
        Arc::new(Dataset::digits()),
        Arc::new(|| {}),
    )
}

fn poll_until(app: &mut AppState, what: &str, pred: impl Fn(&AppState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pred(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
        app.poll();
    }
}

#[test]
fn the_app_saves_a_model_and_a_new_run_starts_from_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app-model.toml");
    let mut a = app();
    poll_until(&mut a, "start", |a| a.status == RunStatus::Paused);
    for _ in 0..3 {
        a.apply(AppCommand::StepBatch);
    }
    poll_until(&mut a, "three steps", |a| {
        a.view.step == 3 && a.status == RunStatus::Paused
    });
    a.apply(AppCommand::SaveModel(path.clone()));
    poll_until(&mut a, "the save", |a| !a.save_pending());
    let note = a.notices.last().expect("a notice").clone();
    assert!(!note.is_error, "{}", note.text);
    assert!(note.text.contains("step 3"), "{}", note.text);
    assert_eq!(Checkpoint::read(&path).expect("readable").step, 3);

    // Opening it (as a session or a model) starts a run at step 3, without an "untrained" line.
    // Files are read on a background job: wait for it, then for the new run.
    a.apply(AppCommand::OpenSession(path.clone()));
    poll_until(&mut a, "the file", |a| a.jobs().is_empty());
    poll_until(&mut a, "the loaded run", |a| a.status == RunStatus::Paused);
    assert_eq!(a.view.step, 3);
    assert!(a.view.untrained.is_none());
    a.apply(AppCommand::StepBatch);
    poll_until(&mut a, "step 4", |a| a.view.step == 4);
    std::thread::sleep(Duration::from_millis(500));
    a.poll();
    assert_eq!(
        a.view.evals.iter().filter(|e| e.step == 3).count(),
        1,
        "one point for the starting step"
    );

    // A checkpoint of another data dimension is refused before anything changes.
    let mut c = Checkpoint::read(&path).expect("readable");
    c.config.data = pairscope::data::DataSource::Synthetic(Default::default());
    let wrong = dir.path().join("wrong-data-model.toml");
    c.write(&wrong).expect("write");
    let config_before = a.settings.config.clone();
    a.apply(AppCommand::LoadModel(wrong.clone()));
    poll_until(&mut a, "the check", |a| a.jobs().is_empty());
    let note = a.notices.last().expect("a notice");
    assert!(
        note.is_error && note.text.contains("does not fit"),
        "{}",
        note.text
    );
    assert!(note.text.contains("nothing was loaded"), "{}", note.text);
    assert_eq!(a.settings.config, config_before);
    assert_eq!(a.data().dim, 64);
    a.poll();
    assert_eq!(a.status, RunStatus::Paused);
    assert_eq!(a.view.step, 4);

    // A missing file changes nothing.
    let step = a.view.step;
    a.apply(AppCommand::LoadModel(dir.path().join("no-such-model.toml")));
    poll_until(&mut a, "the read", |a| a.jobs().is_empty());
    let note = a.notices.last().expect("a notice");
    assert!(
        note.is_error && note.text.contains("nothing was loaded"),
        "{}",
        note.text
    );
    assert_eq!(a.status, RunStatus::Paused);
    assert_eq!(a.view.step, step);
}

#[test]
fn an_overflowing_loss_scale_stops_before_the_update() {
    use pairscope::losses::{CircleParams, Loss, LossSpec};
    let mut t = trainer(TrainConfig {
        loss: LossSpec {
            loss: Loss::Circle(CircleParams {
                m: 0.4,
                gamma: 1e308,
            }),
            miner: None,
        },
        ..config()
    });
    let rows: Vec<usize> = t.split().held_out[..16].to_vec();
    let before = t.embed(&rows).expect("e");
    let e = t.step().expect_err("γ = 1e308 overflows");
    let text = e.to_string();
    assert!(matches!(e, TrainError::Diverged { step: 1, .. }), "{text}");
    assert!(text.contains("loss scale"), "{text}");
    assert_eq!(t.embed(&rows).expect("e"), before);
    assert_eq!(t.step_count(), 0);
}

#[test]
fn a_panicking_step_pauses_with_the_model_kept_and_training_resumes() {
    let handle = spawn_worker(config());
    wait_for(&handle, Duration::from_secs(60), |e| {
        matches!(e, Event::Started { .. })
    });
    handle.send(Command::Step).expect("queued");
    wait_for(&handle, Duration::from_secs(30), |e| {
        matches!(e, Event::Paused { step: 1 })
    });
    handle.send(Command::SimulatePanic).expect("queued");
    handle.send(Command::Step).expect("queued");
    let events = wait_for(&handle, Duration::from_secs(30), |e| {
        matches!(e, Event::Failed(_))
    });
    let text = events
        .iter()
        .find_map(|e| match e {
            Event::Failed(t) => Some(t.clone()),
            _ => None,
        })
        .expect("failed");
    assert!(
        text.contains("training step 2 panicked: a bug (simulated)"),
        "{text}"
    );
    assert!(text.contains("model of step 1"), "{text}");
    assert!(handle.is_alive(), "the thread survives");
    handle.send(Command::Step).expect("queued");
    wait_for(
        &handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::BatchTrained(s) if s.step == 2),
    );
}
