//! The training thread stops promptly on Reset and on exit.

mod common;

use std::time::{Duration, Instant};

use common::{cpu_config, spawn_worker, wait_for};
use pairscope::training::{Command, Event, WorkerHandle};

#[test]
fn a_training_worker_stops_within_a_second() {
    let mut handle = spawn_worker(cpu_config(50));
    wait_for(&handle, Duration::from_secs(60), |e| {
        matches!(e, Event::Started { .. })
    });
    handle.send(Command::Play).expect("queued");
    wait_for(
        &handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::BatchTrained(s) if s.step >= 20),
    );
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
    let handle = spawn_worker(cpu_config(50));
    wait_for(&handle, Duration::from_secs(60), |e| {
        matches!(e, Event::Started { .. })
    });
    handle
}

/// Sends Step and waits until the worker has paused after `step`.
fn step_to(handle: &WorkerHandle, step: u64) {
    handle.send(Command::Step).expect("queued");
    wait_for(
        handle,
        Duration::from_secs(30),
        |e| matches!(e, Event::Paused { step: s } if *s == step),
    );
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
    let handle = spawn_worker(cpu_config(50));
    handle.send(Command::Play).expect("queued");
    wait_for(&handle, Duration::from_secs(60), |e| {
        matches!(e, Event::BatchTrained(_))
    });
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
    handle
        .send(Command::SetLoss(triplet.clone()))
        .expect("queued");
    step_to(&handle, 2);
    let second = handle.latest_batch().expect("a batch");
    assert_eq!(second.loss_name, triplet.describe());
    // Batch-hard keeps exactly one positive and one negative per anchor.
    assert_eq!(second.positive_pairs, second.m());
    assert_eq!(second.negative_pairs, second.m());
}

/// No command is lost unseen: a full queue and a finished thread are errors that name the
/// command.
#[test]
fn a_command_the_worker_cannot_take_is_an_error() {
    use pairscope::training::SendError;
    use pairscope::training::worker::COMMAND_QUEUE;

    // The worker reads no command while it starts (model, first evaluation: milliseconds),
    // so sending many more than the queue holds right away overflows it.
    let mut handle = spawn_worker(cpu_config(50));
    let refused: Vec<SendError> = (0..100 * COMMAND_QUEUE)
        .filter_map(|_| handle.send(Command::Freeze(0)).err())
        .collect();
    assert!(!refused.is_empty(), "the queue never filled");
    assert!(refused.iter().all(|e| *e == SendError::Full("Freeze")));
    assert!(
        refused[0].to_string().contains("Freeze was not sent"),
        "{}",
        refused[0]
    );
    assert!(handle.shutdown(Duration::from_secs(5)));
    assert_eq!(handle.send(Command::Play), Err(SendError::Stopped("Play")));
}
