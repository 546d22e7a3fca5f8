//! Bodies of the cargo-fuzz targets in `fuzz/`, shared with the corpus regression test
//! (`tests/fuzz_corpus.rs`) so that both run the same code. Each takes arbitrary bytes and
//! must return without panicking; what the parsers accept must also hold together (the
//! assertions below are the fuzzers' oracles).

use crate::data::{LabelColumn, parse_csv};
use crate::losses::case_json;
use crate::training::config::{config_toml, parse_config};

/// The CSV loader (`--data FILE.csv`, the app's CSV source), with the default label column
/// and with column 1 named as the label.
pub fn csv_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for label in [None, Some(LabelColumn::parse("1"))] {
        if let Ok(ds) = parse_csv("fuzz.csv", text, label.as_ref()) {
            let n = ds.labels.len();
            assert!(
                n > 0 && ds.dim > 0,
                "an accepted file has rows and features"
            );
            assert_eq!(ds.features.len(), n * ds.dim, "every row has every feature");
            assert!(
                ds.features.iter().all(|v| v.is_finite()),
                "features are finite"
            );
            assert!(
                ds.labels
                    .iter()
                    .all(|&y| (y as usize) < ds.class_names.len()),
                "labels index the class names"
            );
        }
    }
}

/// The run configuration parser (`--config`, Open session): an accepted configuration
/// writes back to TOML that parses to the same configuration.
pub fn config_parser(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = parse_config(text) {
        let again = config_toml(&config).expect("an accepted configuration serialises");
        let back = parse_config(&again).expect("its TOML parses again");
        assert_eq!(back, config, "the configuration round-trips");
    }
}

/// `pairscope loss --input CASE.json`: parse, evaluate, print.
pub fn loss_case(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(json) = case_json(text) {
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "the output is JSON"
        );
    }
}
