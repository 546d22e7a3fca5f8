//! Data sets, class splits and P×K batch sampling. No egui, no burn.
//!
//! A [`Dataset`] is a dense `n × dim` feature matrix (f32, row-major) with one class index per
//! row. The bundled default is the UCI handwritten digits set (assets/digits.csv, 1797 images of
//! 8×8 pixels, grey levels 0..16 scaled to 0..1).

mod csv_file;
mod images;
mod sampler;
mod source;
mod split;
pub mod synthetic;

pub use csv_file::{LabelColumn, load_csv, parse_csv};
pub use images::{LoadNotes, load_image_folder};
pub use source::DataSource;
pub use synthetic::{Generator, SyntheticSpec};

pub use sampler::{BatchIndices, PkSampler};
pub use split::{Split, SplitKind};

use thiserror::Error;

/// The digits CSV, compiled into the binary so that `cargo run` works from any directory.
const DIGITS_CSV: &str = include_str!("../../assets/digits.csv");

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DataError {
    #[error("{source_name}: line {line}: {problem}")]
    Row {
        source_name: String,
        line: usize,
        problem: String,
    },
    #[error("{source_name}: {problem}")]
    File {
        source_name: String,
        problem: String,
    },
}

/// A labelled feature matrix.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// `[n, dim]` row-major.
    pub features: Vec<f32>,
    pub dim: usize,
    /// Class index per row, in `0..class_names.len()`.
    pub labels: Vec<u32>,
    pub class_names: Vec<String>,
    /// `(width, height)` when every row is a grey image, row-major.
    pub image_shape: Option<(usize, usize)>,
}

impl Dataset {
    /// The bundled handwritten digits (1797 × 64, 10 classes).
    pub fn digits() -> Self {
        // The asset is part of the binary and checked by a test, so a parse failure here is a
        // build defect, not user input.
        parse_label_first_csv("assets/digits.csv", DIGITS_CSV, 16.0, Some((8, 8)))
            .unwrap_or_else(|e| unreachable!("bundled digits.csv is malformed: {e}"))
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Row `i` of the feature matrix.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// Gathers rows into a new `[idx.len(), dim]` matrix.
    /// Row `i` as 8-bit grey levels (values clamped to 0..=1), for drawing image rows.
    pub fn grey_pixels(&self, i: usize) -> Vec<u8> {
        self.row(i)
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8)
            .collect()
    }

    pub fn gather(&self, idx: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(idx.len() * self.dim);
        for &i in idx {
            out.extend_from_slice(self.row(i));
        }
        out
    }

    pub fn gather_labels(&self, idx: &[usize]) -> Vec<u32> {
        idx.iter().map(|&i| self.labels[i]).collect()
    }

    /// Row indices of each class.
    pub fn indices_by_class(&self) -> Vec<Vec<usize>> {
        let mut by_class = vec![Vec::new(); self.num_classes()];
        for (i, &y) in self.labels.iter().enumerate() {
            by_class[y as usize].push(i);
        }
        by_class
    }
}

/// Parses a CSV whose first column is an integer label and the rest numeric features,
/// with a header line. Features are divided by `scale`.
fn parse_label_first_csv(
    source_name: &str,
    text: &str,
    scale: f32,
    image_shape: Option<(usize, usize)>,
) -> Result<Dataset, DataError> {
    let row_err = |line: usize, problem: String| DataError::Row {
        source_name: source_name.to_owned(),
        line,
        problem,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut features = Vec::new();
    let mut raw_labels = Vec::new();
    let mut dim = None;
    for (k, record) in reader.records().enumerate() {
        let line = k + 2; // 1-based, after the header
        let record = record.map_err(|e| row_err(line, e.to_string()))?;
        let (label, rest) = record
            .iter()
            .collect::<Vec<_>>()
            .split_first()
            .map(|(l, r)| ((*l).to_owned(), r.to_vec()))
            .ok_or_else(|| row_err(line, "empty row".into()))?;
        let label: i64 = label
            .trim()
            .parse()
            .map_err(|_| row_err(line, format!("label {label:?} is not an integer")))?;
        match dim {
            None => dim = Some(rest.len()),
            Some(d) if d != rest.len() => {
                return Err(row_err(
                    line,
                    format!("{} feature columns, expected {d}", rest.len()),
                ));
            }
            Some(_) => {}
        }
        for (c, v) in rest.iter().enumerate() {
            let x: f32 = v
                .trim()
                .parse()
                .map_err(|_| row_err(line, format!("column {}: {v:?} is not a number", c + 2)))?;
            if !x.is_finite() {
                return Err(row_err(
                    line,
                    format!("column {}: value is not finite", c + 2),
                ));
            }
            features.push(x / scale);
        }
        raw_labels.push(label);
    }
    let dim = dim.ok_or_else(|| DataError::File {
        source_name: source_name.to_owned(),
        problem: "no data rows".into(),
    })?;
    let mut distinct = raw_labels.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let labels = raw_labels
        .iter()
        .map(|y| distinct.binary_search(y).unwrap_or(0) as u32)
        .collect();
    Ok(Dataset {
        name: source_name
            .rsplit('/')
            .next()
            .unwrap_or(source_name)
            .to_owned(),
        features,
        dim,
        labels,
        class_names: distinct.iter().map(ToString::to_string).collect(),
        image_shape,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_digits_match_their_readme() {
        let d = Dataset::digits();
        assert_eq!(d.len(), 1797);
        assert_eq!(d.dim, 64);
        assert_eq!(d.num_classes(), 10);
        let counts: Vec<usize> = d.indices_by_class().iter().map(Vec::len).collect();
        assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
        assert!(d.features.iter().all(|&x| (0.0..=1.0).contains(&x)));
    }

    #[test]
    fn ragged_rows_are_rejected_with_their_line() {
        let err = parse_label_first_csv("t.csv", "label,a,b\n0,1,2\n1,3\n", 1.0, None)
            .expect_err("ragged");
        assert_eq!(
            err.to_string(),
            "t.csv: line 3: 1 feature columns, expected 2"
        );
    }
}
