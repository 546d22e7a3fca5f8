//! WGSL shaders: naga validation (no GPU needed) and parity of the batch pipeline
//! (`shaders/batch.wgsl`: S, mining, weights, per-pair loss, colours) with the CPU loss engine
//! and the CPU colour maps on a real adapter (lavapipe in CI).
//!
//! Without an adapter the parity test is skipped — unless `PAIRSCOPE_REQUIRE_GPU=1` (set by
//! `.ci/run`), which turns a missing adapter into a failure.

use pairscope::gpu::colormap::{self, ColorMap, mining_codes};
use pairscope::gpu::parity::{SeededBatch, check, compare, covered_specs};
use pairscope::gpu::{BatchWork, GpuPlan, HeadlessGpu, View};
use pairscope::losses::{self, Loss, LossSpec, Miner};

#[test]
fn every_shader_validates_with_naga() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("shaders/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_none_or(|e| e != "wgsl") {
            continue;
        }
        let src = std::fs::read_to_string(&path).expect("readable shader");
        let name = path.display().to_string();
        let module = naga::front::wgsl::parse_str(&src)
            .unwrap_or_else(|e| panic!("{}", e.emit_to_string_with_path(&src, &name)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{}", e.emit_to_string_with_path(&src, &name)));
        count += 1;
    }
    assert_eq!(
        count,
        pairscope::gpu::SHADERS.len(),
        "every shader in shaders/ is compiled into the app"
    );
}

fn gpu() -> Option<HeadlessGpu> {
    match HeadlessGpu::new() {
        Ok(gpu) => Some(gpu),
        Err(e) if std::env::var("PAIRSCOPE_REQUIRE_GPU").is_ok_and(|v| v == "1") => {
            panic!("PAIRSCOPE_REQUIRE_GPU=1 but {e}")
        }
        Err(e) => {
            eprintln!("skipping GPU parity: {e}");
            None
        }
    }
}

fn assert_colours_match(gpu: &[u32], cpu: &[u32]) {
    assert_eq!(gpu.len(), cpu.len());
    for (k, (g, c)) in gpu.iter().zip(cpu).enumerate() {
        let (g, c) = (colormap::unpack(*g), colormap::unpack(*c));
        // Rounding at x.5 may differ by one level between the two float paths.
        assert!(
            g.iter().zip(&c).all(|(a, b)| a.abs_diff(*b) <= 1),
            "cell {k}: gpu {g:?} cpu {c:?}"
        );
    }
}

/// Every loss with a GPU path, on seeded batches of m = 8, 80 and 1000: masks identical,
/// S and weights within 1e-5 of the CPU engine.
#[test]
fn batch_pipeline_matches_the_cpu_engine() {
    let Some(gpu) = gpu() else { return };
    eprintln!("adapter: {:?}", gpu.adapter);
    for (m, classes) in [(8, 2), (80, 5), (1000, 10)] {
        let batch = SeededBatch::new(m, 64, classes, m as u64);
        for spec in covered_specs() {
            let p = check(&gpu, &batch, &spec).expect("pipeline runs");
            eprintln!("{p:?}");
            assert!(p.holds(), "m = {m}, {}: {p:?}", spec.label());
        }
    }
}

/// The comparison can fail: the pipeline of one loss against the engine of another differs.
#[test]
fn parity_check_detects_a_different_loss() {
    let Some(gpu) = gpu() else { return };
    let batch = SeededBatch::new(80, 64, 5, 1);
    let ms = LossSpec::with_miner(Loss::default(), Miner::default());
    let binomial = LossSpec::new(Loss::BinomialDeviance(Default::default()));
    let plan = GpuPlan::for_spec(&binomial).expect("binomial has a GPU path");
    let p = compare(&gpu, &batch, &ms, plan).expect("runs");
    assert!(!p.holds(), "{p:?}");
    assert!(
        p.mask_mismatches > 0 && p.max_abs_diff_weights > 1e-4,
        "{p:?}"
    );
}

/// Each mining rule keeps some pairs and drops others on the seeded batch (so the parity test
/// compares real decisions, not all-kept or all-dropped masks).
#[test]
fn seeded_batches_exercise_the_mining_rules() {
    let batch = SeededBatch::new(80, 64, 5, 80);
    let s = colormap::similarity(&batch.emb, 80, 64);
    let s64: Vec<f64> = s.iter().map(|&v| f64::from(v)).collect();
    let labels: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
    for spec in covered_specs() {
        let out = losses::evaluate(&spec, &s64, &labels).expect("valid");
        let kept = out.positive_pairs.len() + out.negative_pairs.len();
        assert!(kept > 0, "{}: nothing kept", spec.label());
        if spec.miner.is_some() || matches!(spec.loss, Loss::Composed { .. }) {
            let total = 80 * 79;
            if !matches!(
                spec.loss,
                Loss::Composed {
                    mining: losses::MiningRule::All,
                    ..
                }
            ) {
                assert!(kept < total, "{}: everything kept", spec.label());
            }
        }
    }
}

#[test]
fn similarity_and_colours_match_the_cpu_path() {
    let Some(gpu) = gpu() else { return };
    for (m, d) in [(8, 3), (80, 64), (256, 64), (1024, 64)] {
        let batch = SeededBatch::new(m, d, 4, m as u64 + 7);
        let spec = LossSpec::with_miner(Loss::default(), Miner::default());
        let plan = GpuPlan::for_spec(&spec).expect("MS has a GPU path");
        let cpu = colormap::similarity(&batch.emb, m, d);
        for view in View::ALL {
            let out = gpu
                .run(&batch.emb, d, &batch.labels, BatchWork::Gpu(plan), view)
                .expect("shader runs");
            let max_diff = out
                .similarity
                .iter()
                .zip(&cpu)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0_f32, f32::max);
            assert!(
                max_diff <= 1e-5,
                "m = {m}: max |S_gpu − S_cpu| = {max_diff}"
            );
            let expected = match view {
                View::Similarity => {
                    colormap::colorize(&out.similarity, ColorMap::Diverging, -1.0, 1.0)
                }
                View::Mining => {
                    let codes: Vec<f32> = out.codes.iter().map(|&c| c as f32).collect();
                    colormap::colorize(&codes, ColorMap::Categorical, 0.0, 4.0)
                }
                View::Weights => {
                    let w: Vec<f32> = out.weights.iter().map(|w| w.abs()).collect();
                    let hi = w.iter().copied().fold(0.0_f32, f32::max);
                    assert_eq!(hi, out.max_weight, "colour-bar maximum");
                    colormap::colorize(&w, ColorMap::Sequential, 0.0, hi)
                }
                View::PairLoss => {
                    colormap::colorize(&out.pair_loss, ColorMap::Sequential, 0.0, out.max_pair_loss)
                }
            };
            assert_colours_match(&out.colours, &expected);
        }
    }
}

/// A loss without a GPU path: the engine's codes, weights and per-pair losses go through the
/// same buffers unchanged and are coloured the same way.
#[test]
fn engine_values_pass_through_the_pipeline() {
    let Some(gpu) = gpu() else { return };
    let (m, d) = (80, 64);
    let batch = SeededBatch::new(m, d, 5, 3);
    let spec = LossSpec::new(Loss::LiftedStructure(Default::default()));
    assert!(GpuPlan::for_spec(&spec).is_none());
    let s = colormap::similarity(&batch.emb, m, d);
    let s64: Vec<f64> = s.iter().map(|&v| f64::from(v)).collect();
    let labels: Vec<i64> = batch.labels.iter().map(|&y| i64::from(y)).collect();
    let out = losses::evaluate(&spec, &s64, &labels).expect("valid");
    let codes: Vec<u32> = mining_codes(&out, &batch.labels)
        .iter()
        .map(|&c| c as u32)
        .collect();
    let weights: Vec<f32> = out.weights.iter().map(|&w| w as f32).collect();
    let work = BatchWork::Engine {
        codes: &codes,
        weights: &weights,
        pair_loss: None,
    };
    let back = gpu
        .run(&batch.emb, d, &batch.labels, work, View::Weights)
        .expect("runs");
    assert_eq!(back.codes, codes);
    assert_eq!(back.weights, weights);
    assert!(back.pair_loss.iter().all(|&l| l == 0.0));
    let w: Vec<f32> = weights.iter().map(|w| w.abs()).collect();
    let hi = w.iter().copied().fold(0.0_f32, f32::max);
    assert_eq!(back.max_weight, hi);
    assert_colours_match(
        &back.colours,
        &colormap::colorize(&w, ColorMap::Sequential, 0.0, hi),
    );
}
