//! `pairscope train`: the files it promises, the metrics.json contract, determinism, exit
//! statuses 0 / 2 / 3 and no partial files.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

/// A fresh temporary folder, and in it the path of a run's output folder (not created:
/// `pairscope train` makes it). The folder goes when the `TempDir` drops.
fn out_dir() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("out");
    (tmp, dir)
}

/// `pairscope train ARGS…`.
fn train(args: &[&str]) -> Output {
    common::pairscope(&[&["train"], args].concat())
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("file")).expect("JSON")
}

#[test]
fn a_headless_run_writes_every_promised_file() {
    let (_dir_tmp, dir) = out_dir();
    let out = train(&[
        "--steps",
        "200",
        "--eval-every",
        "50",
        "--backend",
        "cpu",
        "--stages",
        "--width",
        "800",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = json(&dir.join("metrics.json"));
    for key in ["config", "backend", "steps_per_second", "train", "eval"] {
        assert!(m.get(key).is_some(), "metrics.json lacks {key}");
    }
    assert!(m["steps_per_second"].as_f64().expect("number") > 0.0);
    let train_rows = m["train"].as_array().expect("array");
    assert_eq!(train_rows.len(), 200);
    for key in ["step", "loss", "positive_pairs", "negative_pairs"] {
        assert!(train_rows[0].get(key).is_some(), "train row lacks {key}");
    }
    let steps: Vec<u64> = m["eval"]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["step"].as_u64().expect("step"))
        .collect();
    assert_eq!(steps, [0, 50, 100, 150, 200]);
    for key in [
        "recall_at_1",
        "recall_at_2",
        "recall_at_4",
        "recall_at_8",
        "map_at_r",
        "nmi",
    ] {
        assert!(m["eval"][0][key].is_f64(), "eval row lacks {key}");
    }
    for name in [
        "loss",
        "metrics",
        "tsne",
        "similarity",
        "mining",
        "weights",
        "w_vs_s",
        "stage1_sample",
        "stage2_similarity",
        "stage3_mining",
        "stage4_weighting",
        "stage5_loss",
        "stage6_update",
    ] {
        for ext in ["png", "svg"] {
            let p = dir.join(format!("{name}.{ext}"));
            assert!(p.is_file(), "{} missing", p.display());
        }
    }
    let png = image::open(dir.join("similarity.png")).expect("decodes");
    assert_eq!(png.width(), 800);
    // config.toml loads back (app and --config) and equals the run's configuration.
    let text = std::fs::read_to_string(dir.join("config.toml")).expect("config.toml");
    let config = pairscope::training::config::parse_config(&text).expect("loadable");
    assert_eq!(serde_json::to_value(&config).expect("json"), m["config"]);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn same_configuration_and_seed_give_the_same_run() {
    let run = || {
        let (_dir_tmp, dir) = out_dir();
        let cfg = dir.with_extension("toml");
        std::fs::write(
            &cfg,
            "seed = 3\nbatch_classes = 4\nbatch_samples = 8\neval_every = 20\n",
        )
        .expect("write");
        let out = train(&[
            "--config",
            cfg.to_str().expect("utf-8"),
            "--steps",
            "60",
            "--backend",
            "cpu",
            "--width",
            "400",
            "--out",
            dir.to_str().expect("utf-8"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let m = json(&dir.join("metrics.json"));
        (m["train"].clone(), m["eval"].clone())
    };
    let (a, b) = (run(), run());
    assert_eq!(a, b, "two runs of the same configuration differ");
}

#[test]
fn bad_flags_files_and_values_exit_2_with_one_line() {
    let (_dir_tmp, dir) = out_dir();
    let d = dir.to_str().expect("utf-8").to_owned();
    let bad_toml = dir.with_extension("bad.toml");
    std::fs::write(&bad_toml, "seed = 1\nlearning_rat = 0.1\n").expect("write");
    let range_toml = dir.with_extension("range.toml");
    std::fs::write(&range_toml, "batch_classes = 1\n").expect("write");
    let file_as_dir = dir.with_extension("file");
    std::fs::write(&file_as_dir, "not a folder").expect("write");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--steps".into(),
                "5".into(),
                "--out".into(),
                d.clone(),
                "--loss".into(),
                "nope".into(),
            ],
            "unknown loss",
        ),
        (
            vec!["--steps".into(), "0".into(), "--out".into(), d.clone()],
            "--steps",
        ),
        (
            vec![
                "--steps".into(),
                "5".into(),
                "--out".into(),
                d.clone(),
                "--config".into(),
                "/nonexistent/run.toml".into(),
            ],
            "run.toml",
        ),
        (
            vec![
                "--steps".into(),
                "5".into(),
                "--out".into(),
                d.clone(),
                "--config".into(),
                bad_toml.display().to_string(),
            ],
            "learning_rat",
        ),
        (
            vec![
                "--steps".into(),
                "5".into(),
                "--out".into(),
                d.clone(),
                "--config".into(),
                range_toml.display().to_string(),
            ],
            "batch_classes",
        ),
        (
            vec![
                "--steps".into(),
                "5".into(),
                "--out".into(),
                file_as_dir.display().to_string(),
            ],
            "file",
        ),
        (
            vec![
                "--steps".into(),
                "5".into(),
                "--out".into(),
                d.clone(),
                "--data".into(),
                "/nonexistent.csv".into(),
            ],
            "nonexistent.csv",
        ),
    ];
    for (args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = train(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let out = train(&["--steps", "5", "--out", &d, "--backend", "tpu"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap rejects an unknown backend"
    );
}

#[test]
fn a_diverging_run_exits_3_and_keeps_its_metrics() {
    let (_dir_tmp, dir) = out_dir();
    let out = train(&[
        "--lr",
        "1e9",
        "--steps",
        "50",
        "--backend",
        "cpu",
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("diverged"), "{err}");
    let m = json(&dir.join("metrics.json"));
    let rows = m["train"].as_array().expect("train rows");
    assert!(rows.len() < 50);
    assert!(
        rows.iter()
            .all(|r| r["loss"].as_f64().is_some_and(f64::is_finite))
    );
}

#[test]
fn a_saved_model_starts_the_next_run_and_the_wrong_network_is_refused() {
    let (_first_tmp, first) = out_dir();
    let model = first.join("model.toml");
    let out = train(&[
        "--steps",
        "5",
        "--backend",
        "cpu",
        "--save-model",
        model.to_str().expect("utf-8"),
        "--out",
        first.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let checkpoint = pairscope::training::Checkpoint::read(&model).expect("a checkpoint");
    assert_eq!(checkpoint.step, 5);

    let (_second_tmp, second) = out_dir();
    let out = train(&[
        "--load-model",
        model.to_str().expect("utf-8"),
        "--steps",
        "3",
        "--out",
        second.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = json(&second.join("metrics.json"));
    let steps: Vec<u64> = m["train"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["step"].as_u64().expect("step"))
        .collect();
    assert_eq!(steps, vec![6, 7, 8], "continues from the checkpoint's step");
    assert_eq!(m["eval"][0]["step"], 5);
    // The checkpoint's configuration was the base (its backend, cpu, kept).
    assert_eq!(m["config"]["backend"], "cpu");

    // Another network: a configuration with another hidden size.
    let config = first.join("hidden32.toml");
    let text = std::fs::read_to_string(first.join("config.toml")).expect("config.toml");
    std::fs::write(&config, text.replace("hidden_dim = 128", "hidden_dim = 32")).expect("w");
    let (_third_tmp, third) = out_dir();
    let out = train(&[
        "--load-model",
        model.to_str().expect("utf-8"),
        "--config",
        config.to_str().expect("utf-8"),
        "--steps",
        "3",
        "--out",
        third.to_str().expect("utf-8"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("does not fit") && err.contains("shape mismatch"),
        "{err}"
    );
    assert!(!third.join("metrics.json").exists());
}

#[test]
fn a_diverging_run_saves_its_last_good_model() {
    let (_dir_tmp, dir) = out_dir();
    let model = dir.join("model.toml");
    let out = train(&[
        "--lr",
        "1e9",
        "--steps",
        "50",
        "--backend",
        "cpu",
        "--save-model",
        model.to_str().expect("utf-8"),
        "--out",
        dir.to_str().expect("utf-8"),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("likely cause"), "{err}");
    let rows = json(&dir.join("metrics.json"))["train"]
        .as_array()
        .expect("rows")
        .len() as u64;
    let checkpoint = pairscope::training::Checkpoint::read(&model).expect("saved");
    assert_eq!(checkpoint.step, rows, "the model of the last good step");
    // It loads (load_checkpoint refuses non-finite weights) and trains at a sane rate.
    let mut config = checkpoint.config.clone();
    config.learning_rate = 1e-3;
    let mut trainer = common::trainer(config);
    trainer
        .load_checkpoint(&checkpoint)
        .expect("a finite model");
    assert!(trainer.step().expect("trains").loss.is_finite());
}
