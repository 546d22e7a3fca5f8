//! Command-line doors to the engine. Errors are one line on stderr with exit status 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use thiserror::Error;

use crate::gpu::GpuError;
use crate::losses::{CaseError, LossError, case_json};

/// Why `pairscope loss` printed no result; the message names the file.
#[derive(Debug, Error)]
pub enum LossCliError {
    #[error("{}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", .path.display())]
    Case { path: PathBuf, source: CaseError },
}

/// `pairscope loss --input CASE.json`: one JSON object with the loss, `dL/dS` and the mined
/// pairs of a golden-format case.
pub fn loss(input: &Path) -> ExitCode {
    match loss_json(input) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("pairscope loss: {message}");
            ExitCode::from(2)
        }
    }
}

/// The JSON text `pairscope loss` prints, or the one-line error.
pub fn loss_json(input: &Path) -> Result<String, LossCliError> {
    let text = std::fs::read_to_string(input).map_err(|source| LossCliError::Read {
        path: input.to_owned(),
        source,
    })?;
    case_json(&text).map_err(|source| LossCliError::Case {
        path: input.to_owned(),
        source,
    })
}

/// What `pairscope doctor` found.
#[derive(Debug, serde::Serialize)]
pub struct DoctorReport {
    pub adapter: Option<crate::gpu::AdapterSummary>,
    pub train_backend: String,
    pub train_backend_reason: String,
    pub parity: Option<DoctorParity>,
    pub timings_ms: Option<DoctorTimings>,
    pub parity_holds: bool,
    pub error: Option<String>,
    /// No wgpu adapter (or no device on it): exit status 2.
    #[serde(skip)]
    pub no_gpu: bool,
}

/// Worst case over the covered losses, and each loss.
#[derive(Debug, serde::Serialize)]
pub struct DoctorParity {
    pub m: usize,
    pub max_abs_diff_similarity: f64,
    pub max_abs_diff_weights: f64,
    pub mask_mismatches: usize,
    pub losses: Vec<crate::gpu::parity::Parity>,
}

/// Median time per batch of the default loss, from the unit embeddings (m = 1024, d = 64):
/// GPU = upload + S + mining + weights + colours (waiting for the device); CPU =
/// `gpu::colormap::cpu_batch`: normalise + S + mining + weights + colour map (one warm-up run,
/// then the median of 5).
#[derive(Debug, serde::Serialize)]
pub struct DoctorTimings {
    pub gpu: f64,
    pub cpu: f64,
    pub loss: String,
}

/// Batch size, dimension, classes and seed of the doctor's self-test.
pub const DOCTOR_BATCH: (usize, usize, usize, u64) = (1024, 64, 16, 0);

/// Why the doctor's timing run failed.
#[derive(Debug, Error)]
enum TimingError {
    #[error(transparent)]
    Gpu(#[from] GpuError),
    #[error(transparent)]
    Engine(#[from] LossError),
}

fn median_ms<E>(mut f: impl FnMut() -> Result<(), E>, reps: usize) -> Result<f64, E> {
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t = std::time::Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// Runs the checks; the report says what failed rather than erroring.
pub fn doctor_report() -> DoctorReport {
    use crate::gpu::HeadlessGpu;
    use crate::gpu::parity::SeededBatch;

    let backend = crate::training::select(crate::training::BackendChoice::Auto);
    let mut report = DoctorReport {
        adapter: None,
        train_backend: backend.info.name,
        train_backend_reason: backend.info.reason,
        parity: None,
        timings_ms: None,
        parity_holds: false,
        error: None,
        no_gpu: false,
    };
    let gpu = match HeadlessGpu::new() {
        Ok(gpu) => gpu,
        Err(e) => {
            report.adapter = crate::gpu::probe_adapter();
            report.no_gpu = true;
            report.error = Some(format!(
                "{e}. Install a Vulkan driver (on Debian/Ubuntu: apt-get install mesa-vulkan-drivers \
                 libvulkan1) or a GPU driver; the app still runs, with heatmaps colour-mapped on the CPU"
            ));
            return report;
        }
    };
    report.adapter = Some(gpu.adapter.clone());
    let (m, d, classes, seed) = DOCTOR_BATCH;
    let batch = SeededBatch::new(m, d, classes, seed);
    match parity(&gpu, &batch) {
        Ok(p) => {
            report.parity_holds = p.losses.iter().all(|l| l.holds());
            report.parity = Some(p);
        }
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    }
    match timings(&gpu, &batch) {
        Ok(t) => report.timings_ms = Some(t),
        Err(e) => report.error = Some(e),
    }
    report
}

/// The GPU pipeline against the engine for every loss with a GPU path; the error names the
/// loss.
fn parity(
    gpu: &crate::gpu::HeadlessGpu,
    batch: &crate::gpu::parity::SeededBatch,
) -> Result<DoctorParity, String> {
    use crate::gpu::parity::{check, covered_specs};

    let mut losses = Vec::new();
    for spec in covered_specs() {
        losses.push(check(gpu, batch, &spec).map_err(|e| format!("{}: {e}", spec.label()))?);
    }
    let worst =
        |f: fn(&crate::gpu::parity::Parity) -> f64| losses.iter().map(f).fold(0.0, f64::max);
    Ok(DoctorParity {
        m: batch.labels.len(),
        max_abs_diff_similarity: worst(|p| p.max_abs_diff_similarity),
        max_abs_diff_weights: worst(|p| p.max_abs_diff_weights),
        mask_mismatches: losses.iter().map(|p| p.mask_mismatches).sum(),
        losses,
    })
}

/// Median times per batch of the default loss on the GPU pipeline and on the CPU.
fn timings(
    gpu: &crate::gpu::HeadlessGpu,
    batch: &crate::gpu::parity::SeededBatch,
) -> Result<DoctorTimings, String> {
    use crate::gpu::colormap;
    use crate::gpu::{BatchWork, GpuPlan, View};

    let (m, d, _, _) = DOCTOR_BATCH;
    let spec = crate::losses::LossSpec::with_miner(
        crate::losses::Loss::default(),
        crate::losses::Miner::default(),
    );
    let plan = GpuPlan::for_spec(&spec).ok_or("the default loss has no GPU path")?;
    let mut buffers = gpu.buffers(m, d);
    let mut gpu_run = || {
        gpu.run_into(
            &mut buffers,
            &batch.emb,
            &batch.labels,
            BatchWork::Gpu(plan),
            View::Weights,
        )
        .map_err(TimingError::from)
    };
    let labels64: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
    // From the embeddings, as the GPU run: normalise, S, mining, weights, colour map.
    let cpu_run = || {
        std::hint::black_box(colormap::cpu_batch(&spec, &batch.emb, d, &labels64)?);
        Ok::<(), TimingError>(())
    };
    let (g, c) = gpu_run()
        .and_then(|()| cpu_run())
        .and_then(|()| Ok((median_ms(&mut gpu_run, 5)?, median_ms(cpu_run, 5)?)))
        .map_err(|e| format!("timing run failed: {e}"))?;
    Ok(DoctorTimings {
        gpu: g,
        cpu: c,
        loss: spec.label(),
    })
}

/// `pairscope doctor [--json]`: exit 0 when the GPU pipeline agrees with the engine, 1 when
/// it does not, 2 when no adapter exists.
pub fn doctor(json: bool) -> ExitCode {
    let report = doctor_report();
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("pairscope doctor: {e}"),
        }
    } else {
        print!("{}", doctor_text(&report));
    }
    if report.no_gpu {
        if json {
            eprintln!(
                "pairscope doctor: {}",
                report.error.as_deref().unwrap_or("no wgpu adapter")
            );
        }
        return ExitCode::from(2);
    }
    if report.parity_holds && report.error.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The human-readable report.
pub fn doctor_text(r: &DoctorReport) -> String {
    let mut lines = vec![match &r.adapter {
        Some(a) => format!(
            "wgpu adapter:   {} ({} backend, {} device, driver {} {}){}",
            a.name,
            a.backend,
            a.device_type,
            a.driver,
            a.driver_info,
            if a.software {
                " — a software rasteriser: fine for drawing, slow for compute"
            } else {
                ""
            }
        ),
        None => "wgpu adapter:   none found".to_owned(),
    }];
    lines.push(format!(
        "training:       {} — {}",
        r.train_backend, r.train_backend_reason
    ));
    if let Some(p) = &r.parity {
        lines.extend(parity_lines(p, r.parity_holds));
    }
    if let Some(t) = &r.timings_ms {
        lines.push(format!(
            "timings:        {} per batch: GPU {:.2} ms (upload, S, mining, weights, colours), CPU {:.2} ms (from the embeddings: S, mining, weights, colours)",
            t.loss, t.gpu, t.cpu
        ));
    }
    if let Some(e) = &r.error {
        lines.push(format!("problem:        {e}"));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The self-test's table: one line per loss and the worst case.
fn parity_lines(p: &DoctorParity, holds: bool) -> Vec<String> {
    let (_, d, classes, seed) = DOCTOR_BATCH;
    let mut lines = vec![
        format!(
            "self-test:      GPU pipeline vs CPU engine on a seeded batch (m = {}, d = {d}, {classes} classes, seed {seed})",
            p.m
        ),
        format!(
            "  {:<70} {:>10} {:>10} {:>8}",
            "loss", "max|ΔS|", "max|ΔG|", "masks≠"
        ),
    ];
    for l in &p.losses {
        lines.push(format!(
            "  {:<70} {:>10.2e} {:>10.2e} {:>8}",
            l.loss, l.max_abs_diff_similarity, l.max_abs_diff_weights, l.mask_mismatches
        ));
    }
    lines.push(format!(
        "  worst: max|ΔS| = {:.2e}, max|ΔG| = {:.2e}, {} mask mismatches → parity {}",
        p.max_abs_diff_similarity,
        p.max_abs_diff_weights,
        p.mask_mismatches,
        if holds {
            "holds (S and weights within 1e-5, masks identical)"
        } else {
            "FAILS"
        }
    ));
    lines
}
