//! CPU reference of `shaders/heatmap.wgsl`: the same similarity and colour maps, used when no
//! renderer exists, for exported figures, and by the shader-parity tests.

use rayon::prelude::*;

/// Which colour map a heatmap uses (the shader's `params.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMap {
    /// Blue (low) – white – red (high), for similarities.
    Diverging = 0,
    /// Viridis, for non-negative magnitudes such as pair weights.
    Sequential = 1,
    /// Mining codes, see [`MiningCode`].
    Categorical = 2,
}

/// The one mining-decision type lives in the loss engine; re-exported here because the
/// categorical colour map is its colour legend.
pub use crate::losses::MiningCode;

/// Colours of the mining codes (an inherent impl may live anywhere in the crate; it is here so
/// that the engine stays free of colour maps).
impl MiningCode {
    /// The code's legend colour, exactly as the shader draws it.
    pub fn rgba(self) -> [u8; 4] {
        unpack(colour_of(ColorMap::Categorical, self.to_f32(), 0.0, 1.0))
    }
}

const RDBU: [[f32; 3]; 5] = [
    [33.0, 102.0, 172.0],
    [103.0, 169.0, 207.0],
    [247.0, 247.0, 247.0],
    [239.0, 138.0, 98.0],
    [178.0, 24.0, 43.0],
];

const CATEGORIES: [[f32; 3]; 5] = [
    [64.0, 64.0, 64.0],
    [0.0, 158.0, 115.0],
    [213.0, 94.0, 0.0],
    [204.0, 236.0, 227.0],
    [246.0, 223.0, 204.0],
];

#[expect(
    clippy::excessive_precision,
    reason = "coefficients copied verbatim from the shader"
)]
const VIRIDIS: [[f32; 3]; 7] = [
    [
        0.277_727_327_223_417_7,
        0.005_407_344_544_966_578,
        0.334_099_805_335_306_1,
    ],
    [
        0.105_093_043_108_577_4,
        1.404_613_529_898_575,
        1.384_590_162_594_685,
    ],
    [
        -0.330_861_828_725_556_3,
        0.214_847_559_468_213,
        0.095_095_163_028_236_59,
    ],
    [
        -4.634_230_498_983_486,
        -5.799_100_973_351_585,
        -19.332_440_956_279_87,
    ],
    [
        6.228_269_936_347_081,
        14.179_933_366_805_09,
        56.690_552_600_681_05,
    ],
    [
        4.776_384_997_670_288,
        -13.745_145_377_746_01,
        -65.353_032_633_372_34,
    ],
    [
        -5.435_455_855_934_631,
        4.645_852_612_178_535,
        26.312_435_249_583_2,
    ],
];

// The helpers below are written as plain loops over fixed arrays and inlined: with `[_; 3]::map`
// closures the compiler left a call per channel, which made the colour map a third of the CPU
// batch path (the float operations, and so the colours, are the same).
#[inline(always)]
fn pack(c: [f32; 3]) -> u32 {
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u32;
    byte(c[0]) | (byte(c[1]) << 8) | (byte(c[2]) << 16) | (255 << 24)
}

/// RGBA bytes of a packed colour.
pub fn unpack(c: u32) -> [u8; 4] {
    c.to_le_bytes()
}

#[inline(always)]
fn unit(v: f32, lo: f32, hi: f32) -> f32 {
    let span = hi - lo;
    if span <= 0.0 {
        0.0
    } else {
        ((v - lo) / span).clamp(0.0, 1.0)
    }
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|k| (a[k] / 255.0) * (1.0 - t) + (b[k] / 255.0) * t)
}

fn diverging(t: f32) -> [f32; 3] {
    let x = t * 4.0;
    let k = (x as usize).min(3);
    mix(RDBU[k], RDBU[k + 1], x - k as f32)
}

#[inline(always)]
fn viridis(t: f32) -> [f32; 3] {
    let mut acc = [0.0_f32; 3];
    for c in VIRIDIS.iter().rev() {
        for ch in 0..3 {
            acc[ch] = c[ch] + t * acc[ch];
        }
    }
    acc
}

/// The packed RGBA colour of value `v`, exactly as the shader computes it.
#[inline]
pub fn colour_of(map: ColorMap, v: f32, lo: f32, hi: f32) -> u32 {
    match map {
        ColorMap::Diverging => pack(diverging(unit(v, lo, hi))),
        ColorMap::Sequential => pack(viridis(unit(v, lo, hi))),
        ColorMap::Categorical => {
            let k = (v.max(0.0) as usize).min(4);
            pack(CATEGORIES[k].map(|c| c / 255.0))
        }
    }
}

/// Colours every value (on rayon's pool: each cell is independent).
pub fn colorize(values: &[f32], map: ColorMap, lo: f32, hi: f32) -> Vec<u32> {
    let mut out = vec![0_u32; values.len()];
    out.par_chunks_mut(PAR_MIN_CELLS)
        .zip(values.par_chunks(PAR_MIN_CELLS))
        .for_each(|(o, v)| match map {
            ColorMap::Sequential => sequential_chunk(v, lo, hi, o),
            _ => o
                .iter_mut()
                .zip(v)
                .for_each(|(o, &v)| *o = colour_of(map, v, lo, hi)),
        });
    out
}

/// Lanes of [`sequential_chunk`]: eight cells' polynomials side by side.
const LANES: usize = 8;

/// The sequential (viridis) map on a run of cells, [`LANES`] at a time: each cell's float
/// operations are those of [`colour_of`] (so the same colours), but independent cells share
/// vector registers instead of waiting on one cell's chain of multiply-adds. Compiled for AVX2
/// and AVX-512 too.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl",
    "x86_64+avx2+fma",
    "aarch64+neon"
))]
fn sequential_chunk(values: &[f32], lo: f32, hi: f32, out: &mut [u32]) {
    let (vs, os) = (values.chunks_exact(LANES), out.chunks_exact_mut(LANES));
    let tail = vs.remainder().len();
    for (v, o) in vs.zip(os) {
        let t: [f32; LANES] = std::array::from_fn(|l| unit(v[l], lo, hi));
        let mut acc = [[0.0_f32; LANES]; 3];
        for c in VIRIDIS.iter().rev() {
            for ch in 0..3 {
                for l in 0..LANES {
                    acc[ch][l] = c[ch] + t[l] * acc[ch][l];
                }
            }
        }
        for l in 0..LANES {
            o[l] = pack([acc[0][l], acc[1][l], acc[2][l]]);
        }
    }
    let start = values.len() - tail;
    for (o, &v) in out[start..].iter_mut().zip(&values[start..]) {
        *o = colour_of(ColorMap::Sequential, v, lo, hi);
    }
}

/// Cells per rayon task: a colour costs a few nanoseconds, so small views stay on one thread.
const PAR_MIN_CELLS: usize = 16 * 1024;

/// `S = X Xᵀ` in f32, summed in the shader's order (k ascending): the engine's kernel
/// ([`crate::losses::similarity_f32`]), bit-identical to a plain double loop.
///
/// # Shapes
/// `emb`: `[m, d]` of unit rows; result `[m, m]`.
pub fn similarity(emb: &[f32], m: usize, d: usize) -> Vec<f32> {
    crate::losses::similarity_f32(emb, m, d)
}

/// The CPU batch path of a heatmap: from embeddings (the engine's
/// [`crate::losses::evaluate_embeddings`]: normalise, S, mining, weights) to the colours of the
/// weights view (`|G|` on the sequential map from 0 to the largest). What
/// `pairscope doctor` reports as `timings_ms.cpu` and `cargo bench --bench heatmap` as `cpu`.
///
/// # Errors
/// Those of [`crate::losses::evaluate_embeddings`].
pub fn cpu_batch(
    spec: &crate::losses::LossSpec,
    emb: &[f32],
    d: usize,
    labels: &[i64],
) -> Result<(crate::losses::EmbeddedBatch, Vec<u32>), crate::losses::LossError> {
    let batch = crate::losses::evaluate_embeddings(spec, emb, d, labels)?;
    let w: Vec<f32> = batch
        .output
        .weights
        .par_iter()
        .with_min_len(PAR_MIN_CELLS)
        .map(|w| w.abs() as f32)
        .collect();
    let hi = w.iter().copied().fold(0.0_f32, f32::max);
    let colours = colorize(&w, ColorMap::Sequential, 0.0, hi);
    Ok((batch, colours))
}

/// Colours every cell of a mining-code matrix (the categorical map of the mined-pairs view).
pub fn colorize_codes(codes: &[MiningCode]) -> Vec<u32> {
    codes
        .iter()
        .map(|&c| colour_of(ColorMap::Categorical, c.to_f32(), 0.0, 1.0))
        .collect()
}

/// Per-cell mining codes of a batch: kept pairs from the engine, the rest by label.
pub fn mining_codes(out: &crate::losses::PairOutput, labels: &[u32]) -> Vec<MiningCode> {
    let m = labels.len();
    let mut codes = vec![MiningCode::SamePair; m * m];
    codes
        .par_chunks_mut(m.max(1))
        .with_min_len((PAR_MIN_CELLS / m.max(1)).max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (j, (c, &yj)) in row.iter_mut().zip(labels).enumerate() {
                if i != j {
                    *c = MiningCode::dropped(labels[i] == yj);
                }
            }
        });
    for &[i, j] in &out.positive_pairs {
        codes[i * m + j] = MiningCode::PositiveKept;
    }
    for &[i, j] in &out.negative_pairs {
        codes[i * m + j] = MiningCode::NegativeKept;
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `shaders/batch.wgsl` writes and reads mining codes as `u32` constants; they must be the
    /// discriminants of [`MiningCode`] (the one definition).
    #[test]
    fn wgsl_mining_codes_match_the_rust_enum() {
        let wgsl = include_str!("../../shaders/batch.wgsl");
        let mut found = Vec::new();
        for line in wgsl.lines().map(str::trim) {
            let Some(rest) = line.strip_prefix("const CODE_") else {
                continue;
            };
            let (name, value) = rest
                .split_once(": u32 =")
                .unwrap_or_else(|| panic!("unexpected CODE_ line: {line}"));
            let value: u32 = value
                .trim()
                .trim_end_matches(';')
                .trim_end_matches('u')
                .parse()
                .unwrap_or_else(|e| panic!("bad value in {line}: {e}"));
            let code = match name {
                "SELF" => MiningCode::SamePair,
                "POS_KEPT" => MiningCode::PositiveKept,
                "NEG_KEPT" => MiningCode::NegativeKept,
                "POS_DROPPED" => MiningCode::PositiveDropped,
                "NEG_DROPPED" => MiningCode::NegativeDropped,
                other => panic!("CODE_{other} has no MiningCode variant"),
            };
            assert_eq!(value, code as u32, "CODE_{name}");
            found.push(code);
        }
        for code in MiningCode::ALL {
            assert!(found.contains(&code), "{code:?} has no CODE_ constant");
        }
        assert_eq!(found.len(), MiningCode::ALL.len());
    }

    /// The lane-parallel sequential map gives every cell the colour of [`colour_of`].
    #[test]
    fn sequential_lanes_equal_the_per_cell_colour() {
        let values: Vec<f32> = (0..50_003)
            .map(|k| (k as f32 * 0.618).sin() * 1.3)
            .collect();
        let got = colorize(&values, ColorMap::Sequential, -1.0, 1.2);
        for (&v, &c) in values.iter().zip(&got) {
            assert_eq!(
                c,
                colour_of(ColorMap::Sequential, v, -1.0, 1.2),
                "value {v}"
            );
        }
    }

    #[test]
    fn maps_hit_their_end_stops() {
        assert_eq!(
            unpack(colour_of(ColorMap::Diverging, -1.0, -1.0, 1.0)),
            [33, 102, 172, 255]
        );
        assert_eq!(
            unpack(colour_of(ColorMap::Diverging, 0.0, -1.0, 1.0)),
            [247, 247, 247, 255]
        );
        assert_eq!(
            unpack(colour_of(ColorMap::Diverging, 1.0, -1.0, 1.0)),
            [178, 24, 43, 255]
        );
        // viridis(0) ≈ #440154, viridis(1) ≈ #fde725
        let v0 = unpack(colour_of(ColorMap::Sequential, 0.0, 0.0, 1.0));
        let v1 = unpack(colour_of(ColorMap::Sequential, 1.0, 0.0, 1.0));
        assert!(
            v0[0].abs_diff(0x44) <= 3 && v0[1].abs_diff(0x01) <= 3 && v0[2].abs_diff(0x54) <= 3
        );
        assert!(
            v1[0].abs_diff(0xfd) <= 3 && v1[1].abs_diff(0xe7) <= 3 && v1[2].abs_diff(0x25) <= 6
        );
    }
}
