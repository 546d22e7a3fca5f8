//! WGSL shaders: naga validation (no GPU needed) and parity of the compute pipeline with the
//! CPU path on a real adapter (lavapipe in CI).
//!
//! Without an adapter the parity test is skipped — unless `PAIRSCOPE_REQUIRE_GPU=1` (set by
//! `.ci/run`), which turns a missing adapter into a failure.

use pairscope::gpu::colormap::{self, ColorMap};
use pairscope::gpu::{HeadlessGpu, HeatmapInput};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

fn unit_rows(m: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x: Vec<f32> = (0..m * d).map(|_| rng.gen_range(-1.0..1.0)).collect();
    for row in x.chunks_mut(d) {
        let n = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        row.iter_mut().for_each(|v| *v /= n);
    }
    x
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

#[test]
fn similarity_shader_matches_the_cpu_path() {
    let Some(gpu) = gpu() else { return };
    eprintln!("adapter: {:?}", gpu.adapter);
    for (m, d) in [(8, 3), (80, 64), (256, 64), (1024, 64)] {
        let emb = unit_rows(m, d, m as u64);
        let out = gpu
            .run(
                HeatmapInput::Embeddings { emb: &emb, d },
                m,
                ColorMap::Diverging,
                (-1.0, 1.0),
            )
            .expect("shader runs");
        let cpu = colormap::similarity(&emb, m, d);
        let max_diff = out
            .values
            .iter()
            .zip(&cpu)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0_f32, f32::max);
        assert!(
            max_diff <= 1e-5,
            "m = {m}: max |S_gpu − S_cpu| = {max_diff}"
        );
        assert_colours_match(
            &out.colours,
            &colormap::colorize(&out.values, ColorMap::Diverging, -1.0, 1.0),
        );
        assert_colours_match(
            &out.colours,
            &colormap::colorize(&cpu, ColorMap::Diverging, -1.0, 1.0),
        );
    }
}

#[test]
fn colour_map_shader_matches_the_cpu_path() {
    let Some(gpu) = gpu() else { return };
    let m = 80;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let weights: Vec<f32> = (0..m * m).map(|_| rng.gen_range(0.0..0.02)).collect();
    let codes: Vec<f32> = (0..m * m).map(|k| (k % 5) as f32).collect();
    for (values, map, range) in [
        (&weights, ColorMap::Sequential, (0.0, 0.02)),
        (&codes, ColorMap::Categorical, (0.0, 4.0)),
    ] {
        let out = gpu
            .run(HeatmapInput::Values(values), m, map, range)
            .expect("shader runs");
        assert_eq!(&out.values, values, "values pass through unchanged");
        assert_colours_match(
            &out.colours,
            &colormap::colorize(values, map, range.0, range.1),
        );
    }
}
