//! The user's own CSV: one label column plus numeric feature columns; header optional; the
//! label column chosen by name or index; labels may be strings. Everything is validated before
//! a [`Dataset`] exists, with a message naming the file, the line and the problem.

use std::path::Path;

use super::dataset::Dataset;
use super::error::DataError;
use super::limits::{CSV_BYTES, CSV_COLUMNS, CSV_ROWS, DATASET_VALUES};

/// Which column holds the labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelColumn {
    /// 0-based column index.
    Index(usize),
    /// Header name.
    Name(String),
}

impl LabelColumn {
    /// `"3"` → index 3, anything else → a header name.
    pub fn parse(s: &str) -> Self {
        match s.trim().parse::<usize>() {
            Ok(i) => Self::Index(i),
            Err(_) => Self::Name(s.trim().to_owned()),
        }
    }
}

fn is_number(s: &str) -> bool {
    s.trim().parse::<f64>().is_ok()
}

/// Class order: numeric labels first, by value (then by text, so "1" and "1.0" stay apart),
/// then the others alphabetically. A total order even for mixed labels (found by fuzzing:
/// comparing mixed pairs sometimes by value and sometimes by text is not one).
fn label_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering::{Greater, Less};
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Ok(_), Err(_)) => Less,
        (Err(_), Ok(_)) => Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// Reads and validates a CSV file. Without `label`, the column named `label` (any case) is
/// used when there is a header, else column 0.
pub fn load_csv(path: &Path, label: Option<&LabelColumn>) -> Result<Dataset, DataError> {
    let name = path.display().to_string();
    // Refuse a huge file before reading it into memory.
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    if let Some(problem) = (size > CSV_BYTES.max)
        .then(|| CSV_BYTES.problem(size))
        .flatten()
    {
        return Err(DataError::File {
            source_name: name,
            problem,
        });
    }
    let text = std::fs::read_to_string(path).map_err(|e| DataError::File {
        source_name: name.clone(),
        problem: e.to_string(),
    })?;
    parse_csv(&name, &text, label)
}

/// [`load_csv`] on text.
pub fn parse_csv(
    source_name: &str,
    text: &str,
    label: Option<&LabelColumn>,
) -> Result<Dataset, DataError> {
    let errors = Errors(source_name);
    let records = read_records(text, errors)?;
    let Some((_, first)) = records.first() else {
        return Err(errors.file("the file has no rows".into()));
    };
    // A header: the first row has a non-numeric field in a column that is numeric below.
    let has_header = records.len() > 1 && {
        let second = &records[1].1;
        first
            .iter()
            .zip(second.iter())
            .any(|(a, b)| !is_number(a) && is_number(b))
    };
    let header: Option<Vec<String>> =
        has_header.then(|| first.iter().map(|s| s.trim().to_owned()).collect());
    let width = first.len();
    let label_col = label_column(label, header.as_deref(), width, errors)?;
    let (features, raw_labels) = read_rows(
        &records[usize::from(has_header)..],
        width,
        label_col,
        errors,
    )?;
    let (class_names, labels) = classes(&raw_labels, errors)?;
    Ok(Dataset {
        name: Path::new(source_name).file_name().map_or_else(
            || source_name.to_owned(),
            |n| n.to_string_lossy().into_owned(),
        ),
        features,
        dim: width - 1,
        labels,
        class_names,
        image_shape: None,
    })
}

/// Builds the errors of one source, naming it.
#[derive(Clone, Copy)]
struct Errors<'a>(&'a str);

impl Errors<'_> {
    fn file(self, problem: String) -> DataError {
        DataError::File {
            source_name: self.0.to_owned(),
            problem,
        }
    }

    fn row(self, line: usize, problem: String) -> DataError {
        DataError::Row {
            source_name: self.0.to_owned(),
            line,
            problem,
        }
    }
}

/// The non-blank records with their 1-based line numbers.
fn read_records(text: &str, errors: Errors) -> Result<Vec<(usize, csv::StringRecord)>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for (k, r) in reader.records().enumerate() {
        let r = r.map_err(|e| errors.row(k + 1, e.to_string()))?;
        if r.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // Bounded before the feature matrix is allocated (rows × columns values).
        if r.len() > CSV_COLUMNS.max {
            let problem = CSV_COLUMNS.problem(r.len()).unwrap_or_default();
            return Err(errors.row(k + 1, problem));
        }
        if records.len() == CSV_ROWS.max {
            let problem = format!("{} must be {}", CSV_ROWS.field, CSV_ROWS.rule());
            return Err(errors.file(problem));
        }
        records.push((k + 1, r));
    }
    let values = records.len()
        * records
            .first()
            .map_or(0, |(_, r)| r.len().saturating_sub(1));
    if values > DATASET_VALUES.max {
        return Err(errors.file(DATASET_VALUES.problem(values).unwrap_or_default()));
    }
    Ok(records)
}

/// The label column's index: given by index or name, else the header's `label`, else 0.
fn label_column(
    label: Option<&LabelColumn>,
    header: Option<&[String]>,
    width: usize,
    errors: Errors,
) -> Result<usize, DataError> {
    let label_col = match (label, header) {
        (Some(LabelColumn::Index(i)), _) => *i,
        (Some(LabelColumn::Name(n)), Some(h)) => h
            .iter()
            .position(|c| c == n)
            .ok_or_else(|| errors.file(format!("no column named {n:?} in the header")))?,
        (Some(LabelColumn::Name(n)), None) => {
            return Err(errors.file(format!(
                "label column {n:?} given by name, but the file has no header"
            )));
        }
        (None, Some(h)) => h
            .iter()
            .position(|c| c.eq_ignore_ascii_case("label"))
            .unwrap_or(0),
        (None, None) => 0,
    };
    if label_col >= width {
        return Err(errors.file(format!(
            "label column {label_col} does not exist (the rows have {width} columns)"
        )));
    }
    if width < 2 {
        return Err(errors.file("need a label column and at least one feature column".into()));
    }
    Ok(label_col)
}

/// The feature matrix (row-major, `width − 1` columns) and the raw label of every row.
fn read_rows(
    records: &[(usize, csv::StringRecord)],
    width: usize,
    label_col: usize,
    errors: Errors,
) -> Result<(Vec<f32>, Vec<String>), DataError> {
    let mut features = Vec::with_capacity(records.len() * (width - 1));
    let mut raw_labels = Vec::with_capacity(records.len());
    for (line, r) in records {
        if r.len() != width {
            return Err(errors.row(
                *line,
                format!("{} columns, expected {width} (ragged row)", r.len()),
            ));
        }
        for (c, field) in r.iter().enumerate() {
            if c == label_col {
                let l = field.trim();
                if l.is_empty() {
                    return Err(errors.row(*line, "empty label".into()));
                }
                raw_labels.push(l.to_owned());
                continue;
            }
            let v: f32 = field
                .trim()
                .parse()
                .map_err(|_| errors.row(*line, format!("column {c}: {field:?} is not a number")))?;
            if !v.is_finite() {
                return Err(errors.row(*line, format!("column {c}: {field} is not finite")));
            }
            features.push(v);
        }
    }
    Ok((features, raw_labels))
}

/// The class names in label order and each row's class index; at least 2 classes of at
/// least 2 samples each.
fn classes(raw_labels: &[String], errors: Errors) -> Result<(Vec<String>, Vec<u32>), DataError> {
    let mut class_names: Vec<String> = raw_labels.to_vec();
    class_names.sort_by(|a, b| label_order(a, b));
    class_names.dedup();
    if class_names.len() < 2 {
        return Err(errors.file(format!(
            "{} class(es): metric learning needs at least 2",
            class_names.len()
        )));
    }
    let labels: Vec<u32> = raw_labels
        .iter()
        .map(|l| class_names.iter().position(|c| c == l).unwrap_or(0) as u32)
        .collect();
    for (c, name) in class_names.iter().enumerate() {
        let n = labels.iter().filter(|&&y| y as usize == c).count();
        if n < 2 {
            return Err(errors.file(format!(
                "class {name:?} has {n} sample: every class needs at least 2 (P×K sampling draws K per class)"
            )));
        }
    }
    Ok((class_names, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_string_labels_and_named_column() {
        let text = "x,y,kind\n1,2,cat\n1.5,2,cat\n-1,0,dog\n-2,0.5,dog\n";
        let d = parse_csv("t.csv", text, Some(&LabelColumn::Name("kind".into()))).expect("valid");
        assert_eq!(d.dim, 2);
        assert_eq!(d.class_names, ["cat", "dog"]);
        assert_eq!(d.labels, [0, 0, 1, 1]);
        assert_eq!(&d.features[..2], &[1.0, 2.0]);
    }

    #[test]
    fn mixed_numeric_and_text_labels_sort_numbers_first() {
        let text = "label,x\nb,1\nb,2\n10,3\n10,4\n9,5\n9,6\na,7\na,8\n1.0,1\n1.0,2\n1,3\n1,4\n";
        let ds = parse_csv("t", text, None).expect("parses");
        assert_eq!(ds.class_names, ["1", "1.0", "9", "10", "a", "b"]);
        assert_eq!(ds.labels[..2], [5, 5]);
    }

    #[test]
    fn every_bad_kind_names_its_line() {
        let cases = [
            ("0,1,2\n0,1\n1,1,1\n1,2,2\n", "line 2", "ragged"),
            ("0,1,2\n0,a,2\n1,1,1\n1,2,2\n", "line 2", "not a number"),
            ("0,1,2\n0,NaN,2\n1,1,1\n1,2,2\n", "line 2", "not finite"),
            ("0,1,2\n0,1,2\n", "", "at least 2"),
            ("0,1,2\n0,1,2\n1,1,1\n", "", "at least 2"),
            ("", "", "no rows"),
        ];
        for (text, line, problem) in cases {
            let e = parse_csv("bad.csv", text, None)
                .expect_err(text)
                .to_string();
            assert!(e.starts_with("bad.csv"), "{e}");
            assert!(e.contains(line) && e.contains(problem), "{text:?}: {e}");
        }
    }
}
