//! Golden-case JSON reader and output writer for `pairscope loss --input CASE.json`.
//!
//! Input: the golden-file format (`tests/golden/README.md`): `loss`, `miner`, `params.loss`,
//! `params.miner` (PML parameter names), `embeddings` (`m` rows of `d` numbers) and `labels`.
//! Every other key (`expected`, `pml`, `seed`, …) is ignored. PML's informative extras
//! (`embedding_regularizer: null`, `embedding_reg_weight`, circle's derived `op`/`on`/`delta_p`/
//! `delta_n`, histogram's `delta`, …) are accepted; settings pairscope does not implement
//! (e.g. `swap: true`, an embedding regulariser) are rejected.

mod error;
mod params;

use serde_json::{Value, json};

pub use error::CaseError;

use super::engine::evaluate;
use super::geometry::cosine_similarity;
use super::output::PairOutput;
use super::spec::LossSpec;
use super::spec::{CASE_DIM, CASE_ROWS};
use crate::losses::error::LossError;
use params::{parse_loss, parse_miner};

/// A parsed case: what to evaluate and on which batch.
///
/// # Shapes
/// `embeddings`: `m * d` row-major (as given, not re-normalised); `labels`: `m`.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `name` field, if present.
    pub name: Option<String>,
    /// Loss and miner.
    pub spec: LossSpec,
    /// Batch size.
    pub m: usize,
    /// Embedding dimension.
    pub d: usize,
    /// Embeddings, row-major.
    pub embeddings: Vec<f64>,
    /// Class ids.
    pub labels: Vec<i64>,
}

impl Case {
    /// Cosine similarity of the embeddings (`m * m`).
    pub fn similarity(&self) -> Vec<f64> {
        cosine_similarity(&self.embeddings, self.m, self.d)
    }

    /// [`evaluate`] the case.
    ///
    /// # Errors
    /// As [`evaluate`] (cannot fail for a case accepted by [`parse_case`]).
    pub fn evaluate(&self) -> Result<PairOutput, LossError> {
        evaluate(&self.spec, &self.similarity(), &self.labels)
    }
}

/// What `pairscope loss` prints for a case's text: the loss, `dL/dS` and the mined pairs as
/// one JSON object.
///
/// # Errors
/// The first problem of the case ([`parse_case`]) or of its evaluation; each displays as one
/// line.
pub fn case_json(text: &str) -> Result<String, CaseError> {
    let case = parse_case(text)?;
    let out = case.evaluate()?;
    serde_json::to_string(&output_json(&out)).map_err(|e| CaseError::Output(e.to_string()))
}

/// Parse a golden-format case file.
///
/// # Errors
/// One [`CaseError`] naming the first problem found.
pub fn parse_case(text: &str) -> Result<Case, CaseError> {
    let root: Value = serde_json::from_str(text).map_err(|e| CaseError::Json(e.to_string()))?;
    let obj = root.as_object().ok_or(CaseError::WrongType {
        field: "(root)".into(),
        expected: "an object",
    })?;
    let name = obj.get("name").and_then(Value::as_str).map(str::to_owned);

    let (embeddings, m, d) = parse_embeddings(obj.get("embeddings"))?;
    let labels = parse_labels(obj.get("labels"), m)?;
    if m < 2 {
        return Err(CaseError::TooFew(m));
    }

    let params = match obj.get("params") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => Some(p),
        Some(_) => {
            return Err(CaseError::WrongType {
                field: "params".into(),
                expected: "an object",
            });
        }
    };
    let loss_params = params.and_then(|p| p.get("loss"));
    let miner_params = params.and_then(|p| p.get("miner"));

    let loss_name = match obj.get("loss") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(CaseError::WrongType {
                field: "loss".into(),
                expected: "a string",
            });
        }
        None => return Err(CaseError::Missing("loss")),
    };
    let loss = parse_loss(loss_name, loss_params)?;
    let miner = match obj.get("miner") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(parse_miner(s, miner_params, d)?),
        Some(_) => {
            return Err(CaseError::WrongType {
                field: "miner".into(),
                expected: "a string or null",
            });
        }
    };
    let spec = LossSpec { loss, miner };
    spec.validate()?;
    Ok(Case {
        name,
        spec,
        m,
        d,
        embeddings,
        labels,
    })
}

/// `{"loss", "weights" (m × m), "positive_pairs", "negative_pairs"}`.
pub fn output_json(out: &PairOutput) -> Value {
    let m = out.m();
    let weights: Vec<Value> = if m == 0 {
        Vec::new()
    } else {
        out.weights
            .chunks_exact(m)
            .map(|row| Value::from(row.to_vec()))
            .collect()
    };
    json!({
        "loss": out.loss,
        "weights": weights,
        "positive_pairs": out.positive_pairs,
        "negative_pairs": out.negative_pairs,
    })
}

fn parse_embeddings(v: Option<&Value>) -> Result<(Vec<f64>, usize, usize), CaseError> {
    let rows = match v {
        None => return Err(CaseError::Missing("embeddings")),
        Some(Value::Array(rows)) => rows,
        Some(_) => {
            return Err(CaseError::WrongType {
                field: "embeddings".into(),
                expected: "an array of rows",
            });
        }
    };
    // Bounded before the flat copy (and the engine's m × m matrices) are allocated.
    if rows.len() > 1 {
        CASE_ROWS.check_count(rows.len())?;
    }
    let mut d = None;
    let mut flat = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().ok_or_else(|| CaseError::WrongType {
            field: format!("embeddings[{i}]"),
            expected: "an array of numbers",
        })?;
        if d.is_none() && !row.is_empty() {
            CASE_DIM.check_count(row.len())?;
        }
        let expected = *d.get_or_insert(row.len());
        if row.len() != expected {
            return Err(CaseError::Ragged {
                row: i,
                len: row.len(),
                expected,
            });
        }
        for (j, x) in row.iter().enumerate() {
            let x = x.as_f64().ok_or_else(|| CaseError::WrongType {
                field: format!("embeddings[{i}][{j}]"),
                expected: "a number",
            })?;
            if !x.is_finite() {
                return Err(CaseError::NonFinite { row: i, col: j });
            }
            flat.push(x);
        }
    }
    match d {
        Some(d) if d > 0 => Ok((flat, rows.len(), d)),
        _ => Err(CaseError::Empty),
    }
}

fn parse_labels(v: Option<&Value>, m: usize) -> Result<Vec<i64>, CaseError> {
    let arr = match v {
        None => return Err(CaseError::Missing("labels")),
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(CaseError::WrongType {
                field: "labels".into(),
                expected: "an array of integers",
            });
        }
    };
    if arr.len() != m {
        return Err(CaseError::LabelCount {
            labels: arr.len(),
            rows: m,
        });
    }
    arr.iter()
        .enumerate()
        .map(|(i, x)| x.as_i64().ok_or(CaseError::BadLabel(i)))
        .collect()
}
