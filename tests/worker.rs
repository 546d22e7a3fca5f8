//! The training thread stops promptly on Reset and on exit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pairscope::data::Dataset;
use pairscope::training::{BackendChoice, Command, Event, TrainConfig, WorkerHandle};

fn config() -> TrainConfig {
    TrainConfig {
        backend: BackendChoice::Cpu,
        eval_every: 50,
        tsne_every: 1_000_000,
        ..TrainConfig::default()
    }
}

fn wait_for(
    handle: &WorkerHandle,
    timeout: Duration,
    mut pred: impl FnMut(&Event) -> bool,
) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if handle.drain_events().iter().any(&mut pred) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn a_training_worker_stops_within_a_second() {
    let mut handle = WorkerHandle::spawn(config(), Arc::new(Dataset::digits()), Box::new(|| {}))
        .expect("spawns");
    assert!(wait_for(&handle, Duration::from_secs(60), |e| matches!(
        e,
        Event::Started { .. }
    )));
    handle.send(Command::Play);
    assert!(wait_for(
        &handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::BatchTrained(s) if s.step >= 20)
    ));
    let started = Instant::now();
    assert!(
        handle.shutdown(Duration::from_secs(5)),
        "worker did not stop"
    );
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "stopping took {took:?}");
    assert!(!handle.is_alive());
}

/// A worker that has started and waits, paused, at step 0.
fn started_worker() -> WorkerHandle {
    let handle = WorkerHandle::spawn(config(), Arc::new(Dataset::digits()), Box::new(|| {}))
        .expect("spawns");
    assert!(wait_for(&handle, Duration::from_secs(60), |e| matches!(
        e,
        Event::Started { .. }
    )));
    handle
}

/// Sends Step and waits until the worker has paused after `step`.
fn step_to(handle: &WorkerHandle, step: u64) {
    handle.send(Command::Step);
    assert!(wait_for(
        handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::Paused { step: s } if *s == step)
    ));
}

#[test]
fn step_trains_exactly_one_batch() {
    let handle = started_worker();
    step_to(&handle, 1);
    std::thread::sleep(Duration::from_millis(200));
    let later = handle.drain_events();
    assert!(
        later.iter().all(|e| !matches!(e, Event::BatchTrained(_))),
        "{later:?}"
    );
    assert_eq!(handle.latest_batch().expect("a batch").step, 1);
}

#[test]
fn dropping_the_handle_stops_the_thread() {
    let handle = WorkerHandle::spawn(config(), Arc::new(Dataset::digits()), Box::new(|| {}))
        .expect("spawns");
    handle.send(Command::Play);
    assert!(wait_for(&handle, Duration::from_secs(60), |e| matches!(
        e,
        Event::BatchTrained(_)
    )));
    let started = Instant::now();
    drop(handle);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn the_loss_changes_between_two_batches_without_a_reset() {
    use pairscope::losses::{Loss, LossSpec, Miner};
    let handle = started_worker();
    step_to(&handle, 1);
    let first = handle.latest_batch().expect("a batch");
    assert!(
        first.loss_name.contains("multi-similarity"),
        "{}",
        first.loss_name
    );

    let triplet = LossSpec::with_miner(
        Loss::TripletMargin(Default::default()),
        Miner::BatchHard(Default::default()),
    );
    handle.send(Command::SetLoss(triplet.clone()));
    step_to(&handle, 2);
    let second = handle.latest_batch().expect("a batch");
    assert_eq!(second.loss_name, triplet.describe());
    // Batch-hard keeps exactly one positive and one negative per anchor.
    assert_eq!(second.positive_pairs, second.m());
    assert_eq!(second.negative_pairs, second.m());
}
