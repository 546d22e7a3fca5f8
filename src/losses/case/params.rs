//! The PML parameter objects of a case (`params.loss`, `params.miner`): known parameters are
//! read, PML's informative extras accepted, anything else refused.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::CaseError;
use crate::losses::spec::{
    BatchHardParams, BinomialParams, CircleParams, ContrastiveParams, DistanceWeightedParams,
    HistogramParams, LiftedParams, Loss, Miner, MiningRule, MsMinerParams, MultiSimilarityParams,
    NPairsParams, PairMarginParams, TripletMarginParams, TripletMinerParams, WeightingRule,
};

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

/// The loss `name` with the PML parameters of `params.loss`.
pub(super) fn parse_loss(name: &str, params: Option<&Value>) -> Result<Loss, CaseError> {
    Ok(match name {
        "contrastive" => Loss::Contrastive(contrastive(name, params)?),
        "triplet_margin" => Loss::TripletMargin(triplet_margin(name, params)?),
        "lifted_structure" => Loss::LiftedStructure(lifted(name, params)?),
        "generalized_lifted_structure" => Loss::GeneralizedLiftedStructure(lifted(name, params)?),
        "n_pairs" => {
            each_param(name, params, |_, _| Ok(false))?;
            Loss::NPairs(NPairsParams {})
        }
        "multi_similarity" => {
            let d = MultiSimilarityParams::default();
            let (alpha, beta, base) = alpha_beta_base(name, params, (d.alpha, d.beta, d.base))?;
            Loss::MultiSimilarity(MultiSimilarityParams { alpha, beta, base })
        }
        "binomial_deviance" => {
            let d = BinomialParams::default();
            let (alpha, beta, base) = alpha_beta_base(name, params, (d.alpha, d.beta, d.base))?;
            Loss::BinomialDeviance(BinomialParams { alpha, beta, base })
        }
        "circle" => Loss::Circle(circle(name, params)?),
        "histogram" => Loss::Histogram(histogram(name, params)?),
        "composed" => composed(params)?,
        other => return Err(CaseError::UnknownLoss(other.into())),
    })
}

fn contrastive(name: &str, params: Option<&Value>) -> Result<ContrastiveParams, CaseError> {
    let mut p = ContrastiveParams::default();
    each_param(name, params, |k, v| {
        match k {
            "pos_margin" => p.pos_margin = number(k, v)?,
            "neg_margin" => p.neg_margin = number(k, v)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(p)
}

fn triplet_margin(name: &str, params: Option<&Value>) -> Result<TripletMarginParams, CaseError> {
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
    Ok(p)
}

fn lifted(name: &str, params: Option<&Value>) -> Result<LiftedParams, CaseError> {
    let mut p = LiftedParams::default();
    each_param(name, params, |k, v| {
        match k {
            "neg_margin" => p.neg_margin = number(k, v)?,
            "pos_margin" => p.pos_margin = number(k, v)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(p)
}

/// `alpha`, `beta`, `base` (multi-similarity and binomial deviance), from `defaults`.
fn alpha_beta_base(
    name: &str,
    params: Option<&Value>,
    defaults: (f64, f64, f64),
) -> Result<(f64, f64, f64), CaseError> {
    let (mut alpha, mut beta, mut base) = defaults;
    each_param(name, params, |k, v| {
        match k {
            "alpha" => alpha = number(k, v)?,
            "beta" => beta = number(k, v)?,
            "base" => base = number(k, v)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok((alpha, beta, base))
}

fn circle(name: &str, params: Option<&Value>) -> Result<CircleParams, CaseError> {
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
    Ok(p)
}

fn histogram(name: &str, params: Option<&Value>) -> Result<HistogramParams, CaseError> {
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
    Ok(p)
}

/// pairscope's own composed loss: `params.loss` is `{"mining": …, "weighting": …}` in the
/// serde form of the rules.
fn composed(params: Option<&Value>) -> Result<Loss, CaseError> {
    let v = params.cloned().unwrap_or(Value::Null);
    let c: ComposedParams = serde_json::from_value(v).map_err(|e| CaseError::BadParam {
        param: "params.loss".into(),
        reason: e.to_string(),
    })?;
    Ok(Loss::Composed {
        mining: c.mining,
        weighting: c.weighting,
    })
}

pub(super) fn parse_miner(
    name: &str,
    params: Option<&Value>,
    d: usize,
) -> Result<Miner, CaseError> {
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
