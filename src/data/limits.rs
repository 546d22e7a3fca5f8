//! The largest inputs a data set may come from, written once: the loaders and the synthetic
//! generator check them before allocating, the refusal names the field and the range, and
//! `docs/limits.md` lists them (`tests/limits.rs` holds the page to this table).

/// One bounded quantity of a data source: `min..=max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataLimit<T> {
    /// The name a refusal and `docs/limits.md` use.
    pub field: &'static str,
    pub min: T,
    pub max: T,
}

impl<T: Copy + PartialOrd + std::fmt::Display> DataLimit<T> {
    pub fn accepts(&self, value: T) -> bool {
        self.min <= value && value <= self.max
    }

    /// The range in words: "in 2..=1000".
    pub fn rule(&self) -> String {
        format!("in {}..={}", self.min, self.max)
    }

    /// `None` when `value` is accepted, otherwise the problem: "classes must be in 2..=1000
    /// (got 5000)".
    pub fn problem(&self, value: T) -> Option<String> {
        (!self.accepts(value))
            .then(|| format!("{} must be {} (got {value})", self.field, self.rule()))
    }
}

/// Values of a loaded data set (rows × features): 100 million f32 are 400 MB.
pub const DATASET_VALUES: DataLimit<usize> = DataLimit {
    field: "data set values (rows × features)",
    min: 1,
    max: 100_000_000,
};
/// A CSV file's size, checked before it is read.
pub const CSV_BYTES: DataLimit<u64> = DataLimit {
    field: "CSV file size (bytes)",
    min: 1,
    max: 1 << 30,
};
/// A CSV row's columns (label included), checked row by row while reading.
pub const CSV_COLUMNS: DataLimit<usize> = DataLimit {
    field: "CSV columns",
    min: 2,
    max: 100_001,
};
/// A CSV file's rows.
pub const CSV_ROWS: DataLimit<usize> = DataLimit {
    field: "CSV rows",
    min: 1,
    max: 2_000_000,
};
/// The side images are resized to.
pub const IMAGE_SIDE: DataLimit<usize> = DataLimit {
    field: "image size",
    min: 4,
    max: 256,
};
/// Images in a folder, counted before any is decoded.
pub const IMAGE_COUNT: DataLimit<usize> = DataLimit {
    field: "images in the folder",
    min: 2,
    max: 200_000,
};
/// One image's pixels (width × height), read from its header before it is decoded.
pub const IMAGE_PIXELS: DataLimit<u64> = DataLimit {
    field: "image pixels (width × height)",
    min: 1,
    max: 64 * 1024 * 1024,
};
/// Synthetic generator: classes.
pub const SYNTH_CLASSES: DataLimit<usize> = DataLimit {
    field: "classes",
    min: 2,
    max: 1000,
};
/// Synthetic generator: samples per class.
pub const SYNTH_PER_CLASS: DataLimit<usize> = DataLimit {
    field: "per_class",
    min: 2,
    max: 100_000,
};
/// Synthetic generator: classes × per_class.
pub const SYNTH_SAMPLES: DataLimit<usize> = DataLimit {
    field: "classes × per_class",
    min: 4,
    max: 200_000,
};
/// Synthetic generator: feature dimension.
pub const SYNTH_DIM: DataLimit<usize> = DataLimit {
    field: "dim",
    min: 2,
    max: 4096,
};
/// Synthetic generator: noise σ.
pub const SYNTH_NOISE: DataLimit<f64> = DataLimit {
    field: "noise",
    min: 0.0,
    max: 1000.0,
};
/// Synthetic generator (hidden subspace): nuisance σ.
pub const SYNTH_NUISANCE: DataLimit<f64> = DataLimit {
    field: "nuisance",
    min: 0.0,
    max: 1000.0,
};

/// Every row of the table (`docs/limits.md`): the field and its range in words.
pub fn documented() -> Vec<(&'static str, String)> {
    let counts = [
        DATASET_VALUES,
        CSV_COLUMNS,
        CSV_ROWS,
        IMAGE_SIDE,
        IMAGE_COUNT,
        SYNTH_CLASSES,
        SYNTH_PER_CLASS,
        SYNTH_SAMPLES,
        SYNTH_DIM,
    ];
    let mut rows: Vec<_> = counts.iter().map(|l| (l.field, l.rule())).collect();
    rows.extend(
        [CSV_BYTES, IMAGE_PIXELS]
            .iter()
            .map(|l| (l.field, l.rule())),
    );
    rows.extend(
        [SYNTH_NOISE, SYNTH_NUISANCE]
            .iter()
            .map(|l| (l.field, l.rule())),
    );
    rows.push(("informative", "in 1..=dim − 1".into()));
    rows
}
