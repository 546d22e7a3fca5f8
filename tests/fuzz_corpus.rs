//! The fuzz corpora (`fuzz/corpus/<target>/`) and every crash the fuzzers found
//! (`fuzz/regressions/<target>/`) replayed through the same bodies the cargo-fuzz targets run
//! (`pairscope::fuzz`), on stable, in the normal test run.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("readable");
            let outcome = std::panic::catch_unwind(|| body(&bytes));
            assert!(outcome.is_ok(), "{} panicked", path.display());
            count += 1;
        }
    }
    assert!(
        count >= 5,
        "the {target} corpus is committed ({count} files)"
    );
}

#[test]
fn the_csv_loader_corpus_replays() {
    replay("csv_loader", pairscope::fuzz::csv_loader);
}

#[test]
fn the_config_parser_corpus_replays() {
    replay("config_parser", pairscope::fuzz::config_parser);
}

#[test]
fn the_loss_case_corpus_replays() {
    replay("loss_case", pairscope::fuzz::loss_case);
}
