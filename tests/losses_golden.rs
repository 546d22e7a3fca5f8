//! Golden tests: every case in `tests/golden/*.json` (pytorch-metric-learning 2.9.0, float64)
//! must be reproduced within the tolerances of `tests/golden/README.md`.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use pairscope::losses::{
    Case, CaseError, Loss, LossSpec, Miner, MiningRule, WeightingRule, embedding_grad_raw,
    output_json, parse_case,
};
use serde_json::Value;

fn golden_dir() -> PathBuf {
    common::test_file("golden")
}

fn read_case(name: &str) -> (Case, Value) {
    let path = golden_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let case = parse_case(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let raw: Value = serde_json::from_str(&text).unwrap();
    (case, raw)
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn pairs(v: &Value) -> BTreeSet<[usize; 2]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let p = p.as_array().unwrap();
            [
                p[0].as_u64().unwrap() as usize,
                p[1].as_u64().unwrap() as usize,
            ]
        })
        .collect()
}

fn triplets(v: &Value) -> Vec<[usize; 3]> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let t = t.as_array().unwrap();
            [0, 1, 2].map(|k| t[k].as_u64().unwrap() as usize)
        })
        .collect()
}

fn assert_close_matrix(name: &str, what: &str, got: &[f64], want: &[Vec<f64>]) {
    let flat: Vec<f64> = want.iter().flatten().copied().collect();
    assert_eq!(got.len(), flat.len(), "{name}: {what} size");
    let scale = flat.iter().fold(0.0_f64, |a, &b| a.max(b.abs()));
    let tol = 1e-6 + 1e-4 * scale;
    for (k, (&g, &w)) in got.iter().zip(&flat).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{name}: {what}[{k}] = {g}, expected {w} (tol {tol})"
        );
    }
}

fn check(name: &str) {
    let (case, raw) = read_case(name);
    let exp = &raw["expected"];
    let out = case.evaluate().unwrap();
    let m = case.m;

    let lref = exp["loss"].as_f64().unwrap();
    assert!(
        (out.loss - lref).abs() <= 1e-4 * lref.abs().max(1e-2),
        "{name}: loss {} vs {lref}",
        out.loss
    );

    let wref = matrix(&exp["weights"]);
    assert_close_matrix(name, "weights", &out.weights, &wref);
    for i in 0..m {
        assert_eq!(out.weights[i * m + i], 0.0, "{name}: diagonal");
    }

    let gref = matrix(&exp["embedding_grad"]);
    let g = embedding_grad_raw(&out.weights, &case.embeddings, m, case.d);
    assert_close_matrix(name, "embedding_grad", &g, &gref);

    let pos: BTreeSet<_> = out.positive_pairs.iter().copied().collect();
    let neg: BTreeSet<_> = out.negative_pairs.iter().copied().collect();
    assert_eq!(pos.len(), out.positive_pairs.len(), "{name}: unique");
    assert!(out.positive_pairs.is_sorted() && out.negative_pairs.is_sorted());
    let (pref, nref) = (pairs(&exp["positive_pairs"]), pairs(&exp["negative_pairs"]));
    if raw["pairs_source"] == "miner" {
        assert_eq!(pos, pref, "{name}: positive pairs");
        assert_eq!(neg, nref, "{name}: negative pairs");
    } else {
        let scale = wref.iter().flatten().fold(0.0_f64, |a, &b| a.max(b.abs()));
        let label = |i: usize| case.labels[i];
        for (i, row) in wref.iter().enumerate() {
            for (j, &w) in row.iter().enumerate() {
                let ours = if label(i) == label(j) { &pos } else { &neg };
                if w.abs() > 1e-6 * scale {
                    assert!(ours.contains(&[i, j]), "{name}: missing pair ({i},{j})");
                }
                if w == 0.0 {
                    assert!(!ours.contains(&[i, j]), "{name}: extra pair ({i},{j})");
                }
            }
        }
        // The reference lists are the non-zero entries: same subset rule.
        assert!(pref.iter().all(|p| wref[p[0]][p[1]] != 0.0));
        assert!(nref.iter().all(|p| wref[p[0]][p[1]] != 0.0));
    }

    match exp.get("triplets") {
        Some(t) => assert_eq!(
            out.triplets.as_deref(),
            Some(&triplets(t)[..]),
            "{name}: triplets"
        ),
        None => assert!(out.triplets.is_none(), "{name}: unexpected triplets"),
    }
}

macro_rules! golden {
    ($($case:ident),* $(,)?) => {
        $( #[test] fn $case() { check(stringify!($case)); } )*
        const CASES: &[&str] = &[$(stringify!($case)),*];
    };
}

golden!(
    circle_gamma256,
    circle_gamma80,
    contrastive_irregular,
    contrastive_pk,
    generalized_lifted_structure_irregular,
    histogram_pk,
    lifted_structure_pk,
    multi_similarity_ms_miner,
    multi_similarity_ms_miner_irregular,
    multi_similarity_none,
    n_pairs_irregular,
    n_pairs_pk,
    triplet_margin_batch_hard,
    triplet_margin_none,
    triplet_margin_triplet_all,
    triplet_margin_triplet_hard,
    triplet_margin_triplet_semihard,
);

#[test]
fn every_golden_file_is_tested() {
    let mut files: Vec<String> = std::fs::read_dir(golden_dir())
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "json").then(|| p.file_stem().unwrap().to_string_lossy().into())
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[test]
fn output_json_roundtrip() {
    let (case, _) = read_case("multi_similarity_ms_miner");
    let out = case.evaluate().unwrap();
    let v = output_json(&out);
    let obj = v.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["loss", "negative_pairs", "positive_pairs", "weights"]
    );
    let text = serde_json::to_string(&v).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    let l = back["loss"].as_f64().unwrap();
    assert!((l - out.loss).abs() <= 4.0 * f64::EPSILON * out.loss.abs());
    let w = matrix(&back["weights"]);
    assert_eq!(w.len(), case.m);
    assert!(w.iter().all(|r| r.len() == case.m));
    // serde_json's default float parser may be off by one ulp (no `float_roundtrip` feature).
    let flat: Vec<f64> = w.into_iter().flatten().collect();
    for (a, b) in flat.iter().zip(&out.weights) {
        assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs(), "{a} vs {b}");
    }
    let pos: Vec<[usize; 2]> = pairs(&back["positive_pairs"]).into_iter().collect();
    assert_eq!(pos, out.positive_pairs);
    let neg: Vec<[usize; 2]> = pairs(&back["negative_pairs"]).into_iter().collect();
    assert_eq!(neg, out.negative_pairs);
}

#[test]
fn parsed_specs_match_the_files() {
    let (case, _) = read_case("triplet_margin_triplet_semihard");
    assert_eq!(case.spec.loss.name(), "triplet_margin");
    assert_eq!(
        case.spec.miner.as_ref().map(Miner::name),
        Some("triplet_semihard")
    );
    let (case, _) = read_case("circle_gamma256");
    assert_eq!(
        case.spec.loss,
        Loss::Circle(pairscope::losses::CircleParams {
            m: 0.25,
            gamma: 256.0
        })
    );
    assert!(!case.spec.weights_are_gradient());
}

#[test]
fn spec_serde_roundtrip() {
    let mut specs: Vec<LossSpec> = Loss::presets().into_iter().map(LossSpec::new).collect();
    for miner in Miner::presets() {
        specs.push(LossSpec::with_miner(Loss::default(), miner));
    }
    specs.push(LossSpec::new(Loss::Composed {
        mining: MiningRule::TopK { k_pos: 1, k_neg: 3 },
        weighting: WeightingRule::Ms {
            alpha: 2.0,
            beta: 50.0,
            base: 0.5,
        },
    }));
    specs.push(LossSpec::new(Loss::Composed {
        mining: MiningRule::DistanceWeighted(Default::default()),
        weighting: WeightingRule::Circle {
            m: 0.25,
            gamma: 80.0,
        },
    }));
    specs.push(LossSpec::new(Loss::Composed {
        mining: MiningRule::All,
        weighting: WeightingRule::Uniform,
    }));
    for spec in specs {
        let text = serde_json::to_string(&spec).unwrap();
        let back: LossSpec = serde_json::from_str(&text).unwrap();
        assert_eq!(back, spec, "{text}");
        spec.validate().unwrap();
    }
    // Missing parameters take their defaults; unknown ones are rejected.
    let s: LossSpec =
        serde_json::from_str(r#"{"loss": {"name": "multi_similarity", "beta": 40}}"#).unwrap();
    assert_eq!(
        s.loss,
        Loss::MultiSimilarity(pairscope::losses::MultiSimilarityParams {
            beta: 40.0,
            ..Default::default()
        })
    );
    assert!(
        serde_json::from_str::<LossSpec>(r#"{"loss": {"name": "multi_similarity", "gamma": 1}}"#)
            .is_err()
    );
}

const SMALL: &str = r#"{"loss": "multi_similarity", "miner": null,
  "params": {"loss": {"alpha": 2.0, "beta": 50.0, "base": 0.5}, "miner": null},
  "embeddings": [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], "labels": [0, 0, 1]}"#;

fn parse_err(text: &str) -> CaseError {
    parse_case(text).expect_err("must be rejected")
}

#[test]
fn parse_small_case() {
    let case = parse_case(SMALL).unwrap();
    assert_eq!((case.m, case.d), (3, 2));
    assert_eq!(case.labels, [0, 0, 1]);
    assert!(case.evaluate().unwrap().loss > 0.0);
}

#[test]
fn parse_errors_name_the_problem() {
    let e = parse_err(&SMALL.replace(r#""loss": "multi_similarity""#, r#""loss": "magic""#));
    assert_eq!(e, CaseError::UnknownLoss("magic".into()));
    assert!(e.to_string().contains("magic"));

    let e = parse_err(&SMALL.replace(r#""miner": null,"#, r#""miner": "spooky","#));
    assert_eq!(e, CaseError::UnknownMiner("spooky".into()));

    let e = parse_err(&SMALL.replace(r#""alpha": 2.0"#, r#""alpah": 2.0"#));
    assert!(matches!(&e, CaseError::UnknownParam { param, .. } if param == "alpah"));
    assert!(e.to_string().contains("alpah"));

    let e = parse_err(&SMALL.replace(r#"[0.0, 1.0]"#, r#"[0.0, 1.0, 2.0]"#));
    assert_eq!(
        e,
        CaseError::Ragged {
            row: 1,
            len: 3,
            expected: 2
        }
    );

    let e = parse_err(&SMALL.replace(r#"[0.0, 1.0]"#, r#"[0.0, NaN]"#));
    assert!(matches!(e, CaseError::Json(_)), "{e}");
    let e = parse_err(&SMALL.replace(r#"[0.0, 1.0]"#, r#"[0.0, 1e999]"#));
    assert!(matches!(e, CaseError::Json(_)), "{e}");

    let e = parse_err(&SMALL.replace("[0, 0, 1]", "[0, 0]"));
    assert_eq!(e, CaseError::LabelCount { labels: 2, rows: 3 });
    let e = parse_err(&SMALL.replace("[0, 0, 1]", "[0, 0.5, 1]"));
    assert_eq!(e, CaseError::BadLabel(1));

    let one = r#"{"loss": "contrastive", "embeddings": [[1.0, 0.0]], "labels": [0]}"#;
    assert_eq!(parse_err(one), CaseError::TooFew(1));
    let empty = r#"{"loss": "contrastive", "embeddings": [], "labels": []}"#;
    assert_eq!(parse_err(empty), CaseError::Empty);
    let e = parse_err(&SMALL.replace(r#""beta": 50.0"#, r#""beta": -1.0"#));
    assert!(matches!(e, CaseError::Invalid(_)), "{e}");
    assert!(e.to_string().contains("beta"));
    let no_loss = r#"{"embeddings": [[1.0, 0.0], [0.0, 1.0]], "labels": [0, 1]}"#;
    assert_eq!(parse_err(no_loss), CaseError::Missing("loss"));
    for e in [
        CaseError::UnknownLoss("x".into()),
        CaseError::Ragged {
            row: 1,
            len: 3,
            expected: 2,
        },
    ] {
        assert!(!e.to_string().contains('\n'));
    }
}
