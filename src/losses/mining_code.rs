//! The one encoding of a mining decision, shared by the engine's masks, batch snapshots, the
//! heatmaps, figures, compare mode and the GPU pipeline (`shaders/batch.wgsl`'s `CODE_*`
//! constants are these discriminants; a unit test in `gpu` checks them).

/// What the mining step decided for one ordered cell `(i, j)` of a batch.
///
/// One byte per cell (`#[repr(u8)]`), so an `m × m` mask costs what a `Vec<u8>` did and a
/// comparison is a byte compare. The discriminants are the values the GPU writes and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MiningCode {
    /// The diagonal `i == j`: never a pair.
    SamePair = 0,
    /// Same label, kept by the mining rule.
    PositiveKept = 1,
    /// Different labels, kept by the mining rule.
    NegativeKept = 2,
    /// Same label, dropped by the mining rule.
    PositiveDropped = 3,
    /// Different labels, dropped by the mining rule.
    NegativeDropped = 4,
}

impl MiningCode {
    /// Every code, in legend order (kept before dropped, the diagonal last).
    pub const ALL: [Self; 5] = [
        Self::PositiveKept,
        Self::NegativeKept,
        Self::PositiveDropped,
        Self::NegativeDropped,
        Self::SamePair,
    ];

    /// The code of a kept pair of the given side.
    #[inline]
    pub const fn kept(positive: bool) -> Self {
        if positive {
            Self::PositiveKept
        } else {
            Self::NegativeKept
        }
    }

    /// The code of a dropped pair of the given side.
    #[inline]
    pub const fn dropped(positive: bool) -> Self {
        if positive {
            Self::PositiveDropped
        } else {
            Self::NegativeDropped
        }
    }

    /// Whether the pair enters the loss.
    #[inline]
    pub const fn is_kept(self) -> bool {
        matches!(self, Self::PositiveKept | Self::NegativeKept)
    }

    /// Whether the pair is a positive one (same label, `i != j`), kept or not.
    #[inline]
    pub const fn is_positive(self) -> bool {
        matches!(self, Self::PositiveKept | Self::PositiveDropped)
    }

    /// The code a GPU buffer holds (`u32`, as in `shaders/batch.wgsl`).
    #[inline]
    pub const fn to_gpu(self) -> u32 {
        self as u32
    }

    /// The code read back from a GPU buffer; anything unknown reads as [`Self::SamePair`].
    #[inline]
    pub const fn from_gpu(v: u32) -> Self {
        match v {
            1 => Self::PositiveKept,
            2 => Self::NegativeKept,
            3 => Self::PositiveDropped,
            4 => Self::NegativeDropped,
            _ => Self::SamePair,
        }
    }

    /// The code as the input of the categorical colour map (`ColorMap::Categorical`).
    #[inline]
    pub fn to_f32(self) -> f32 {
        f32::from(self as u8)
    }

    /// Legend text, e.g. `"positive kept"`.
    pub fn label(self) -> &'static str {
        match self {
            Self::SamePair => "same sample",
            Self::PositiveKept => "positive kept",
            Self::NegativeKept => "negative kept",
            Self::PositiveDropped => "positive dropped",
            Self::NegativeDropped => "negative dropped",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MiningCode;

    #[test]
    fn gpu_round_trip_and_sides() {
        for c in MiningCode::ALL {
            assert_eq!(MiningCode::from_gpu(c.to_gpu()), c);
            assert_eq!(c.to_f32(), c.to_gpu() as f32);
            if c != MiningCode::SamePair {
                assert!(MiningCode::kept(c.is_positive()).is_kept());
                assert!(!MiningCode::dropped(c.is_positive()).is_kept());
            }
        }
        assert_eq!(MiningCode::from_gpu(99), MiningCode::SamePair);
        assert_eq!(std::mem::size_of::<MiningCode>(), 1);
    }
}
