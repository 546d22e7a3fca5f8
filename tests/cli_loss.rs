//! `pairscope loss --input CASE.json`: the contract of the command-line door to the engine.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

fn golden(name: &str) -> PathBuf {
    common::test_file("golden").join(name)
}

/// `pairscope loss --input INPUT`.
fn run(input: &Path) -> std::process::Output {
    common::pairscope(&[OsStr::new("loss"), OsStr::new("--input"), input.as_os_str()])
}

#[test]
fn prints_loss_weights_and_pairs_of_a_golden_case() {
    let path = golden("multi_similarity_ms_miner.json");
    let out = run(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("case")).expect("json");
    let expected = &case["expected"];
    let (l, l_ref) = (
        got["loss"].as_f64().expect("loss"),
        expected["loss"].as_f64().expect("loss"),
    );
    assert!((l - l_ref).abs() <= 1e-4 * l_ref.abs().max(1e-2));
    assert_eq!(got["positive_pairs"], expected["positive_pairs"]);
    assert_eq!(got["negative_pairs"], expected["negative_pairs"]);
    let w = got["weights"].as_array().expect("weights");
    let w_ref = expected["weights"].as_array().expect("weights");
    assert_eq!(w.len(), w_ref.len());
    let max_ref = w_ref
        .iter()
        .flat_map(|r| r.as_array().expect("row"))
        .map(|v| v.as_f64().expect("num").abs())
        .fold(0.0, f64::max);
    for (row, row_ref) in w.iter().zip(w_ref) {
        for (a, b) in row
            .as_array()
            .expect("row")
            .iter()
            .zip(row_ref.as_array().expect("row"))
        {
            let (a, b) = (a.as_f64().expect("num"), b.as_f64().expect("num"));
            assert!((a - b).abs() <= 1e-5 + 1e-4 * max_ref);
        }
    }
    let keys: Vec<&str> = got
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "unknown_loss",
            r#"{"loss":"nope","miner":null,"params":{"loss":{},"miner":null},"embeddings":[[1,0],[0,1]],"labels":[0,1]}"#,
            "nope",
        ),
        (
            "unknown_param",
            r#"{"loss":"multi_similarity","miner":null,"params":{"loss":{"gamma":1},"miner":null},"embeddings":[[1,0],[0,1]],"labels":[0,1]}"#,
            "gamma",
        ),
        (
            "ragged",
            r#"{"loss":"contrastive","miner":null,"params":{"loss":{},"miner":null},"embeddings":[[1,0],[0]],"labels":[0,1]}"#,
            "row",
        ),
        (
            "labels",
            r#"{"loss":"contrastive","miner":null,"params":{"loss":{},"miner":null},"embeddings":[[1,0],[0,1]],"labels":[0]}"#,
            "label",
        ),
        (
            "tiny",
            r#"{"loss":"contrastive","miner":null,"params":{"loss":{},"miner":null},"embeddings":[[1,0]],"labels":[0]}"#,
            "2",
        ),
        ("not_json", "this is not json", "json"),
    ];
    for (name, text, needle) in cases {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, text).expect("write case");
        let out = run(&path);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(err.to_lowercase().contains(needle), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
    }
    let out = run(&dir.path().join("missing.json"));
    assert_eq!(out.status.code(), Some(2));
}
