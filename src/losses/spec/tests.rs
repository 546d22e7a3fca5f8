//! The limit table is the validators' and the editor's one source: every numeric field of every
//! preset has a limit, the ends of its editor range validate, and values just outside are refused
//! with a message naming the field and the range.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use super::limits::{ANY_OWNER, Limit, limit};
use super::loss::Loss;
use super::miner::Miner;
use super::params::{CircleParams, HistogramParams};
use super::rules::{MiningRule, WeightingRule};
use crate::losses::error::LossError;

/// Fields whose valid range also depends on another field (`nonzero_loss_cutoff > cutoff`);
/// the editor cannot express that, the validator checks it.
const CROSS_FIELD: [&str; 2] = ["cutoff", "nonzero_loss_cutoff"];

fn owner_of(map: &serde_json::Map<String, Value>) -> &str {
    map.get("name")
        .or_else(|| map.get("rule"))
        .and_then(Value::as_str)
        .unwrap_or(ANY_OWNER)
}

/// Values just outside `l` (none where the limit has no finite edge to step over).
fn outside(l: Limit) -> Vec<f64> {
    match l {
        Limit::Finite | Limit::AtLeast(0) => Vec::new(),
        Limit::Positive => vec![0.0, -1.0],
        Limit::NonNegative => vec![-1e-9],
        Limit::Range(lo, hi) => vec![lo - 1e-9, hi + 1e-9],
        Limit::AtLeast(lo) => vec![(lo - 1) as f64],
        Limit::Between(lo, hi) => {
            let mut v = vec![(hi + 1) as f64];
            if lo > 0 {
                v.push((lo - 1) as f64);
            }
            v
        }
    }
}

fn edited<T: DeserializeOwned>(value: &Value, field: &str, v: Value) -> T {
    let mut e = value.clone();
    e[field] = v;
    serde_json::from_value(e).expect("same shape")
}

fn check_item<T: Serialize + DeserializeOwned>(
    item: &T,
    validate: impl Fn(&T) -> Result<(), LossError>,
) {
    validate(item).expect("presets are valid");
    let value = serde_json::to_value(item).expect("serialisable");
    let map = value.as_object().expect("an object");
    let owner = owner_of(map);
    for (field, v) in map {
        let Value::Number(n) = v else { continue };
        let l = limit(owner, field).unwrap_or_else(|| panic!("`{owner}.{field}` has no limit"));
        assert!(l.allows(n.as_f64().expect("a number")), "{owner}.{field}");
        if CROSS_FIELD.contains(&field.as_str()) {
            continue;
        }
        let integer = n.is_u64();
        let ends: [Value; 2] = if integer {
            let r = l.count_range();
            [json!(*r.start()), json!(*r.end())]
        } else {
            let r = l.float_range();
            [json!(*r.start()), json!(*r.end())]
        };
        for end in ends {
            let t: T = edited(&value, field, end.clone());
            assert!(
                validate(&t).is_ok(),
                "{owner}.{field} = {end} is in the editor range but refused"
            );
        }
        for bad in outside(l) {
            if integer && bad < 0.0 {
                continue;
            }
            let v = if integer {
                json!(bad as u64)
            } else {
                json!(bad)
            };
            let t: T = edited(&value, field, v.clone());
            match validate(&t) {
                Err(LossError::InvalidParam { param, reason }) => {
                    assert_eq!(param, field.as_str());
                    assert!(reason.starts_with(&l.requirement()), "{reason}");
                }
                other => panic!("{owner}.{field} = {v}: {other:?}"),
            }
        }
    }
}

#[test]
fn every_field_has_one_limit_that_drives_both_sides() {
    for loss in Loss::presets() {
        check_item(&loss, Loss::validate);
    }
    for miner in Miner::presets() {
        check_item(&miner, Miner::validate);
    }
    for rule in MiningRule::presets() {
        check_item(&rule, MiningRule::validate);
    }
    for rule in WeightingRule::presets() {
        check_item(&rule, WeightingRule::validate);
    }
}

#[test]
fn owner_specific_limits_come_first() {
    assert_eq!(limit("semi_hard", "margin"), Some(Limit::Positive));
    assert_eq!(limit("triplet_all", "margin"), Some(Limit::Finite));
    assert_eq!(limit("circle", "no_such_field"), None);
}

#[test]
fn messages_name_the_field_and_range() {
    let e = Loss::Circle(CircleParams {
        m: 1.5,
        gamma: 80.0,
    })
    .validate()
    .expect_err("m > 1");
    assert_eq!(
        e.to_string(),
        "invalid parameter `m`: must be in [0, 1] (got 1.5)"
    );
    let e = Loss::Histogram(HistogramParams { n_bins: 0 })
        .validate()
        .expect_err("no bins");
    assert_eq!(
        e.to_string(),
        "invalid parameter `n_bins`: must be in [1, 100000] (got 0)"
    );
    let e = MiningRule::TopK { k_pos: 1, k_neg: 0 }
        .validate()
        .expect_err("k_neg = 0");
    assert_eq!(
        e.to_string(),
        "invalid parameter `k_neg`: must be >= 1 (got 0)"
    );
    let e = WeightingRule::Relative { beta: 0.0 }
        .validate()
        .expect_err("beta = 0");
    assert_eq!(
        e.to_string(),
        "invalid parameter `beta`: must be finite and > 0 (got 0)"
    );
}
