//! Soak test (ignored by default; about a minute in release):
//!
//! ```text
//! cargo test --release --test soak -- --ignored --nocapture
//! ```
//!
//! A headless run of 20,000 steps (the default configuration: digits, MS loss, evaluation every
//! 25 steps) must end with its resident memory within 10 % of what it was after the first
//! 1,000 steps: nothing grows per step.

use clap::Parser;
use pairscope::headless::{TrainArgs, run_observed};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: TrainArgs,
}

/// Resident set size of this process in bytes (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("resident pages");
    pages * 4096
}

#[test]
#[ignore = "soak: 20,000 steps; run with --ignored"]
fn twenty_thousand_steps_do_not_grow_resident_memory() {
    const STEPS: u64 = 20_000;
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let cli = Cli::parse_from([
        "soak",
        "--steps",
        &STEPS.to_string(),
        "--backend",
        "cpu",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let mut at_1000 = 0;
    let mut at_end = 0;
    let mut samples = Vec::new();
    let started = std::time::Instant::now();
    run_observed(&cli.args, &mut |step| {
        if step % 1000 == 0 {
            let rss = rss_bytes();
            samples.push((step, rss));
            if step == 1000 {
                at_1000 = rss;
            }
            if step == STEPS {
                at_end = rss;
            }
        }
    })
    .map_err(|f| f.message)
    .expect("the run completes");
    for (step, rss) in &samples {
        println!("step {step:>6}: RSS {:.1} MiB", *rss as f64 / 1048576.0);
    }
    let ratio = at_end as f64 / at_1000 as f64;
    println!(
        "RSS after 1,000 steps {:.1} MiB, after {STEPS} steps {:.1} MiB (ratio {ratio:.3}); {:.1} s",
        at_1000 as f64 / 1048576.0,
        at_end as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    assert!(at_1000 > 0 && at_end > 0);
    assert!(
        (ratio - 1.0).abs() <= 0.10,
        "resident memory moved by {:.1} %",
        (ratio - 1.0) * 100.0
    );
}
