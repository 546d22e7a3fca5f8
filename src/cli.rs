//! Command-line doors to the engine. Errors are one line on stderr with exit status 2.

use std::path::Path;
use std::process::ExitCode;

use crate::losses::case_json;

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
pub fn loss_json(input: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(input).map_err(|e| format!("{}: {e}", input.display()))?;
    case_json(&text).map_err(|e| format!("{}: {e}", input.display()))
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

/// Median time per batch of the default loss: GPU = upload + S + mining + weights + colours
/// (waiting for the device); CPU = S + loss engine + colour map.
#[derive(Debug, serde::Serialize)]
pub struct DoctorTimings {
    pub gpu: f64,
    pub cpu: f64,
    pub loss: String,
}

/// Batch size, dimension, classes and seed of the doctor's self-test.
pub const DOCTOR_BATCH: (usize, usize, usize, u64) = (1024, 64, 16, 0);

fn median_ms(mut f: impl FnMut() -> Result<(), String>, reps: usize) -> Result<f64, String> {
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
    use crate::gpu::colormap::{self, ColorMap};
    use crate::gpu::parity::{SeededBatch, check, covered_specs};
    use crate::gpu::{BatchWork, GpuPlan, HeadlessGpu, View};

    let backend = crate::training::select(crate::training::BackendChoice::Auto);
    let mut report = DoctorReport {
        adapter: None,
        train_backend: backend.name,
        train_backend_reason: backend.reason,
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
    let mut losses = Vec::new();
    for spec in covered_specs() {
        match check(&gpu, &batch, &spec) {
            Ok(p) => losses.push(p),
            Err(e) => {
                report.error = Some(format!("{}: {e}", spec.label()));
                return report;
            }
        }
    }
    let worst =
        |f: fn(&crate::gpu::parity::Parity) -> f64| losses.iter().map(f).fold(0.0, f64::max);
    report.parity_holds = losses.iter().all(|p| p.holds());
    report.parity = Some(DoctorParity {
        m,
        max_abs_diff_similarity: worst(|p| p.max_abs_diff_similarity),
        max_abs_diff_weights: worst(|p| p.max_abs_diff_weights),
        mask_mismatches: losses.iter().map(|p| p.mask_mismatches).sum(),
        losses,
    });

    let spec = crate::losses::LossSpec::with_miner(
        crate::losses::Loss::default(),
        crate::losses::Miner::default(),
    );
    let Some(plan) = GpuPlan::for_spec(&spec) else {
        report.error = Some("the default loss has no GPU path".into());
        return report;
    };
    let mut buffers = gpu.buffers(m, d);
    let mut gpu_run = || {
        gpu.run_into(
            &mut buffers,
            &batch.emb,
            &batch.labels,
            BatchWork::Gpu(plan),
            View::Weights,
        )
        .map_err(|e| e.to_string())
    };
    let labels64: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
    let cpu_run = || {
        let s = colormap::similarity(&batch.emb, m, d);
        let s64: Vec<f64> = s.iter().map(|&v| f64::from(v)).collect();
        let out = crate::losses::evaluate(&spec, &s64, &labels64).map_err(|e| e.to_string())?;
        let w: Vec<f32> = out.weights.iter().map(|w| w.abs() as f32).collect();
        let hi = w.iter().copied().fold(0.0_f32, f32::max);
        std::hint::black_box(colormap::colorize(&w, ColorMap::Sequential, 0.0, hi));
        Ok(())
    };
    let timings =
        gpu_run().and_then(|()| Ok((median_ms(&mut gpu_run, 5)?, median_ms(cpu_run, 3)?)));
    match timings {
        Ok((g, c)) => {
            report.timings_ms = Some(DoctorTimings {
                gpu: g,
                cpu: c,
                loss: spec.label(),
            })
        }
        Err(e) => report.error = Some(format!("timing run failed: {e}")),
    }
    report
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
    use std::fmt::Write as _;
    let mut s = String::new();
    match &r.adapter {
        Some(a) => {
            let _ = writeln!(
                s,
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
            );
        }
        None => {
            let _ = writeln!(s, "wgpu adapter:   none found");
        }
    }
    let _ = writeln!(
        s,
        "training:       {} — {}",
        r.train_backend, r.train_backend_reason
    );
    if let Some(p) = &r.parity {
        let (_, d, classes, seed) = DOCTOR_BATCH;
        let _ = writeln!(
            s,
            "self-test:      GPU pipeline vs CPU engine on a seeded batch (m = {}, d = {d}, {classes} classes, seed {seed})",
            p.m
        );
        let _ = writeln!(
            s,
            "  {:<70} {:>10} {:>10} {:>8}",
            "loss", "max|ΔS|", "max|ΔG|", "masks≠"
        );
        for l in &p.losses {
            let _ = writeln!(
                s,
                "  {:<70} {:>10.2e} {:>10.2e} {:>8}",
                l.loss, l.max_abs_diff_similarity, l.max_abs_diff_weights, l.mask_mismatches
            );
        }
        let _ = writeln!(
            s,
            "  worst: max|ΔS| = {:.2e}, max|ΔG| = {:.2e}, {} mask mismatches → parity {}",
            p.max_abs_diff_similarity,
            p.max_abs_diff_weights,
            p.mask_mismatches,
            if r.parity_holds {
                "holds (S and weights within 1e-5, masks identical)"
            } else {
                "FAILS"
            }
        );
    }
    if let Some(t) = &r.timings_ms {
        let _ = writeln!(
            s,
            "timings:        {} per batch: GPU {:.2} ms (upload, S, mining, weights, colours), CPU {:.2} ms (S, engine, colour map)",
            t.loss, t.gpu, t.cpu
        );
    }
    if let Some(e) = &r.error {
        let _ = writeln!(s, "problem:        {e}");
    }
    s
}
