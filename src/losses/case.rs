//! Golden-case JSON reader and output writer for `pairscope loss --input CASE.json`.
//!
//! Input: the golden-file format (`tests/golden/README.md`): `loss`, `miner`, `params.loss`,
//! `params.miner` (PML parameter names), `embeddings` (`m` rows of `d` numbers) and `labels`.
//! Every other key (`expected`, `pml`, `seed`, …) is ignored. PML's informative extras
//! (`embedding_regularizer: null`, `embedding_reg_weight`, circle's derived `op`/`on`/`delta_p`/
//! `delta_n`, histogram's `delta`, …) are accepted; settings pairscope does not implement
//! (e.g. `swap: true`, an embedding regulariser) are rejected.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use thiserror::Error;

use super::compose::{MiningRule, WeightingRule};
use super::error::LossError;
use super::geometry::cosine_similarity;
use super::params::{
    BatchHardParams, BinomialParams, CircleParams, ContrastiveParams, DistanceWeightedParams,
    HistogramParams, LiftedParams, Loss, LossSpec, Miner, MsMinerParams, MultiSimilarityParams,
    NPairsParams, PairMarginParams, TripletMarginParams, TripletMinerParams,
};
use super::{PairOutput, evaluate};

/// Why a case file was rejected; every message is one line naming the problem.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CaseError {
    /// Not valid JSON (this includes `NaN` / `Infinity` literals and out-of-range numbers).
    #[error("invalid json: {0}")]
    Json(String),
    /// A required field is absent.
    #[error("missing field `{0}`")]
    Missing(&'static str),
    /// A field has the wrong JSON type.
    #[error("field `{field}` must be {expected}")]
    WrongType {
        /// Field path.
        field: String,
        /// Expected type.
        expected: &'static str,
    },
    /// Unknown loss name.
    #[error("unknown loss `{0}`")]
    UnknownLoss(String),
    /// Unknown miner name.
    #[error("unknown miner `{0}`")]
    UnknownMiner(String),
    /// Unknown parameter for a loss or miner.
    #[error("unknown parameter `{param}` for `{owner}`")]
    UnknownParam {
        /// Loss or miner name.
        owner: String,
        /// Parameter name.
        param: String,
    },
    /// A known parameter with an unsupported value.
    #[error("invalid parameter `{param}`: {reason}")]
    BadParam {
        /// Parameter name.
        param: String,
        /// Why.
        reason: String,
    },
    /// No embeddings.
    #[error("embeddings are empty")]
    Empty,
    /// Rows of different lengths.
    #[error("embeddings row {row} has {len} values, expected {expected}")]
    Ragged {
        /// Row index.
        row: usize,
        /// Its length.
        len: usize,
        /// Length of row 0.
        expected: usize,
    },
    /// NaN or infinite embedding value.
    #[error("embeddings[{row}][{col}] is not finite")]
    NonFinite {
        /// Row index.
        row: usize,
        /// Column index.
        col: usize,
    },
    /// `labels` length differs from the number of embedding rows.
    #[error("labels has {labels} entries but embeddings has {rows} rows")]
    LabelCount {
        /// Number of labels.
        labels: usize,
        /// Number of rows.
        rows: usize,
    },
    /// A label is not an integer.
    #[error("labels[{0}] is not an integer")]
    BadLabel(usize),
    /// Fewer than two samples.
    #[error("need at least 2 samples, got {0}")]
    TooFew(usize),
    /// The parameters parse but are out of range.
    #[error(transparent)]
    Invalid(#[from] LossError),
}

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
/// one JSON object, or the one-line error.
pub fn case_json(text: &str) -> Result<String, String> {
    let case = parse_case(text).map_err(|e| e.to_string())?;
    let out = case.evaluate().map_err(|e| e.to_string())?;
    serde_json::to_string(&output_json(&out)).map_err(|e| e.to_string())
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
    let mut d = None;
    let mut flat = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().ok_or_else(|| CaseError::WrongType {
            field: format!("embeddings[{i}]"),
            expected: "an array of numbers",
        })?;
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

fn number(param: &str, v: &Value) -> Result<f64, CaseError> {
    v.as_f64().ok_or_else(|| CaseError::BadParam {
        param: param.into(),
        reason: format!("must be a number (got {v})"),
    })
}

fn boolean(param: &str, v: &Value) -> Result<bool, CaseError> {
    v.as_bool().ok_or_else(|| CaseError::BadParam {
        param: param.into(),
        reason: format!("must be a boolean (got {v})"),
    })
}

fn unsigned(param: &str, v: &Value) -> Result<u64, CaseError> {
    v.as_u64()
        .or_else(|| {
            v.as_f64()
                .filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 1e15)
                .map(|x| x as u64)
        })
        .ok_or_else(|| CaseError::BadParam {
            param: param.into(),
            reason: format!("must be a non-negative integer (got {v})"),
        })
}

fn expect_value(param: &str, v: &Value, allowed: &[Value]) -> Result<(), CaseError> {
    if allowed.contains(v) {
        Ok(())
    } else {
        Err(CaseError::BadParam {
            param: param.into(),
            reason: format!("unsupported value {v}"),
        })
    }
}

/// Walk a params object: `f` handles a key and returns `Ok(true)`, or `Ok(false)` for keys it
/// does not know; the PML-wide extras are handled here, anything else is an unknown parameter.
fn each_param(
    owner: &str,
    params: Option<&Value>,
    mut f: impl FnMut(&str, &Value) -> Result<bool, CaseError>,
) -> Result<(), CaseError> {
    let map: &Map<String, Value> = match params {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(CaseError::WrongType {
                field: format!("params for `{owner}`"),
                expected: "an object or null",
            });
        }
    };
    for (k, v) in map {
        if f(k, v)? {
            continue;
        }
        match k.as_str() {
            "embedding_regularizer" => expect_value(k, v, &[Value::Null])?,
            "embedding_reg_weight" => {
                number(k, v)?;
            }
            _ => {
                return Err(CaseError::UnknownParam {
                    owner: owner.into(),
                    param: k.clone(),
                });
            }
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComposedParams {
    mining: MiningRule,
    weighting: WeightingRule,
}

fn parse_loss(name: &str, params: Option<&Value>) -> Result<Loss, CaseError> {
    Ok(match name {
        "contrastive" => {
            let mut p = ContrastiveParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "pos_margin" => p.pos_margin = number(k, v)?,
                    "neg_margin" => p.neg_margin = number(k, v)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Loss::Contrastive(p)
        }
        "triplet_margin" => {
            let mut p = TripletMarginParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "margin" => p.margin = number(k, v)?,
                    "swap" => p.swap = boolean(k, v)?,
                    "smooth_loss" => p.smooth_loss = boolean(k, v)?,
                    "triplets_per_anchor" => expect_value(k, v, &[json!("all")])?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Loss::TripletMargin(p)
        }
        "lifted_structure" | "generalized_lifted_structure" => {
            let mut p = LiftedParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "neg_margin" => p.neg_margin = number(k, v)?,
                    "pos_margin" => p.pos_margin = number(k, v)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            if name == "lifted_structure" {
                Loss::LiftedStructure(p)
            } else {
                Loss::GeneralizedLiftedStructure(p)
            }
        }
        "n_pairs" => {
            each_param(name, params, |_, _| Ok(false))?;
            Loss::NPairs(NPairsParams {})
        }
        "multi_similarity" => {
            let mut p = MultiSimilarityParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "alpha" => p.alpha = number(k, v)?,
                    "beta" => p.beta = number(k, v)?,
                    "base" => p.base = number(k, v)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Loss::MultiSimilarity(p)
        }
        "binomial_deviance" => {
            let mut p = BinomialParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "alpha" => p.alpha = number(k, v)?,
                    "beta" => p.beta = number(k, v)?,
                    "base" => p.base = number(k, v)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Loss::BinomialDeviance(p)
        }
        "circle" => {
            let mut p = CircleParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "m" => p.m = number(k, v)?,
                    "gamma" => p.gamma = number(k, v)?,
                    // Derived from `m` by PML; informative.
                    "op" | "on" | "delta_p" | "delta_n" => {
                        number(k, v)?;
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Loss::Circle(p)
        }
        "histogram" => {
            let mut p = HistogramParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "n_bins" => p.n_bins = unsigned(k, v)? as usize,
                    // Derived from `n_bins` by PML; informative.
                    "delta" => {
                        number(k, v)?;
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Loss::Histogram(p)
        }
        "composed" => {
            let v = params.cloned().unwrap_or(Value::Null);
            let c: ComposedParams = serde_json::from_value(v).map_err(|e| CaseError::BadParam {
                param: "params.loss".into(),
                reason: e.to_string(),
            })?;
            Loss::Composed {
                mining: c.mining,
                weighting: c.weighting,
            }
        }
        other => return Err(CaseError::UnknownLoss(other.into())),
    })
}

fn parse_miner(name: &str, params: Option<&Value>, d: usize) -> Result<Miner, CaseError> {
    Ok(match name {
        "multi_similarity" => {
            let mut p = MsMinerParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "epsilon" => p.epsilon = number(k, v)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Miner::MultiSimilarity(p)
        }
        "triplet_all" | "triplet_hard" | "triplet_semihard" => {
            let kind = &name["triplet_".len()..];
            let mut p = TripletMinerParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "margin" => p.margin = number(k, v)?,
                    "type_of_triplets" => expect_value(k, v, &[json!(kind)])?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            match kind {
                "all" => Miner::TripletAll(p),
                "hard" => Miner::TripletHard(p),
                _ => Miner::TripletSemihard(p),
            }
        }
        "batch_hard" => {
            each_param(name, params, |k, v| {
                match k {
                    "pos_strategy" | "neg_strategy" => expect_value(k, v, &[json!("hard")])?,
                    "allowed_pos_range" | "allowed_neg_range" => {
                        expect_value(k, v, &[Value::Null])?
                    }
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Miner::BatchHard(BatchHardParams {})
        }
        "pair_margin" => {
            let mut p = PairMarginParams::default();
            each_param(name, params, |k, v| {
                match k {
                    "pos_margin" => p.pos_margin = number(k, v)?,
                    "neg_margin" => p.neg_margin = number(k, v)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Miner::PairMargin(p)
        }
        "distance_weighted" => {
            let mut p = DistanceWeightedParams {
                embedding_dim: d,
                ..Default::default()
            };
            each_param(name, params, |k, v| {
                match k {
                    "cutoff" => p.cutoff = number(k, v)?,
                    "nonzero_loss_cutoff" => p.nonzero_loss_cutoff = number(k, v)?,
                    "embedding_dim" => p.embedding_dim = unsigned(k, v)? as usize,
                    "seed" => p.seed = unsigned(k, v)?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?;
            Miner::DistanceWeighted(p)
        }
        other => return Err(CaseError::UnknownMiner(other.into())),
    })
}
