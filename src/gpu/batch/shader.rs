//! What the Rust side mirrors of `shaders/batch.wgsl`: the `Params` uniform, the workgroup
//! and row-stats sizes, the mining and weighting rule numbers, and the views of the colour pass.

use bytemuck::{Pod, Zeroable};

/// Mirrors `Params` in `shaders/batch.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Params {
    pub m: u32,
    pub d: u32,
    pub mining: u32,
    pub weighting: u32,
    pub view: u32,
    pub from_miner: u32,
    pub _pad: [u32; 2],
    pub mp: [f32; 4],
    pub wp: [f32; 4],
}
const _: () = assert!(size_of::<Params>() == 64);

/// Bytes of one `RowStats` in the shader.
pub(super) const ROW_STATS_BYTES: usize = 64;
/// Side of the shader's 2-D workgroups (`@workgroup_size(16, 16, 1)`).
pub(super) const CELL_WG: u32 = 16;

// The shader's `params.mining` and `params.weighting` rules: the same names and values as the
// `const`s of `shaders/batch.wgsl` (checked by the test below).
pub(super) const MINING_ALL: u32 = 0;
pub(super) const MINING_RELATIVE: u32 = 1;
pub(super) const MINING_ABSOLUTE: u32 = 2;
pub(super) const MINING_BATCH_HARD: u32 = 3;
pub(super) const MINING_TOP_ONE: u32 = 4;
pub(super) const MINING_ENGINE: u32 = 255;

pub(super) const W_CONTRASTIVE: u32 = 0;
pub(super) const W_TRIPLET: u32 = 1;
pub(super) const W_LIFTED: u32 = 2;
pub(super) const W_MS: u32 = 3;
pub(super) const W_BINOMIAL: u32 = 4;
pub(super) const W_UNIFORM: u32 = 5;
pub(super) const W_VIOLATION: u32 = 6;
pub(super) const W_SOFTMAX: u32 = 7;

/// What the heatmap shows (the shader's `params.view`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Similarity = 0,
    Mining = 1,
    Weights = 2,
    PairLoss = 3,
}

impl View {
    pub const ALL: [Self; 4] = [
        Self::Similarity,
        Self::Mining,
        Self::Weights,
        Self::PairLoss,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Similarity => "similarity",
            Self::Mining => "mined pairs",
            Self::Weights => "weights",
            Self::PairLoss => "per-pair loss",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Similarity => "Similarity S_ij = cos(x_i, x_j)",
            Self::Mining => "Mined pairs",
            Self::Weights => "Pair weights w_ij = |G_ij|",
            Self::PairLoss => "Per-pair loss",
        }
    }

    /// One line for the side panel.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Similarity => {
                "Cosine similarity of every pair of the batch (red: similar, blue: opposite). \
                 Dots mark the pairs the mining rule kept (green: positive, vermilion: \
                 negative) when few enough cells are visible."
            }
            Self::Mining => {
                "Which pairs the mining rule keeps: positives (same class) and negatives \
                 (different class), kept in strong colours, dropped in pale ones."
            }
            Self::Weights => {
                "How hard the loss pulls (positive pairs) or pushes (negative pairs) each pair: \
                 w_ij = |G_ij|, G = ∂L/∂S with the reducer's factor (1/m for MS) included — for \
                 circle loss PML's detached weights instead, not ∂L/∂S. G is per ordered pair: \
                 w_ij is anchor i's share, embedding i receives G_ij + G_ji. On the GPU path the \
                 shader recomputes these weights (parity-tested against the engine that trains)."
            }
            Self::PairLoss => {
                "The loss term each kept pair contributes before reduction (losses with a \
                 per-pair term: contrastive, binomial deviance, composed uniform / violation / \
                 binomial)."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of `const NAME: u32 = Nu;` in the WGSL source.
    fn wgsl_const(name: &str) -> Option<u32> {
        let wgsl = include_str!("../../../shaders/batch.wgsl");
        let prefix = format!("const {name}: u32 = ");
        wgsl.lines()
            .find_map(|l| l.trim().strip_prefix(prefix.as_str()))
            .and_then(|v| v.trim_end_matches(';').trim_end_matches('u').parse().ok())
    }

    #[test]
    fn rule_constants_match_the_shader() {
        for (name, value) in [
            ("MINING_ALL", MINING_ALL),
            ("MINING_RELATIVE", MINING_RELATIVE),
            ("MINING_ABSOLUTE", MINING_ABSOLUTE),
            ("MINING_BATCH_HARD", MINING_BATCH_HARD),
            ("MINING_TOP_ONE", MINING_TOP_ONE),
            ("MINING_ENGINE", MINING_ENGINE),
            ("W_CONTRASTIVE", W_CONTRASTIVE),
            ("W_TRIPLET", W_TRIPLET),
            ("W_LIFTED", W_LIFTED),
            ("W_MS", W_MS),
            ("W_BINOMIAL", W_BINOMIAL),
            ("W_UNIFORM", W_UNIFORM),
            ("W_VIOLATION", W_VIOLATION),
            ("W_SOFTMAX", W_SOFTMAX),
        ] {
            assert_eq!(wgsl_const(name), Some(value), "{name}");
        }
    }
}
