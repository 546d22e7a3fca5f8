//! Data for teaching and the user's own data: generators, the CSV and image-folder loaders
//! (good files and every bad-file kind, with the message naming file, line or image), and
//! training on loaded data raising held-out Recall@1; the hidden-subspace preset; the CNN.

mod common;

use std::path::{Path, PathBuf};

use pairscope::data::{
    DataSource, Dataset, LabelColumn, SplitKind, SyntheticSpec, load_csv, load_image_folder,
};
use pairscope::training::config::{config_toml, parse_config};
use pairscope::training::{ModelKind, TrainConfig};

fn data_file(name: &str) -> PathBuf {
    common::test_file("data").join(name)
}

#[test]
fn csv_good_files_load() {
    let d = load_csv(&data_file("two_blobs.csv"), None).expect("valid");
    assert_eq!((d.len(), d.dim, d.num_classes()), (80, 16, 2));
    assert_eq!(d.class_names, ["left", "right"]);
    let d = load_csv(
        &data_file("no_header_index.csv"),
        Some(&LabelColumn::Index(2)),
    )
    .expect("valid");
    assert_eq!((d.len(), d.dim), (4, 2));
    assert_eq!(d.class_names, ["a", "b"]);
}

#[test]
fn csv_bad_files_name_file_line_and_problem() {
    for (file, line, problem) in [
        ("ragged.csv", "line 3", "ragged"),
        ("non_numeric.csv", "line 3", "not a number"),
        ("nan.csv", "line 3", "not finite"),
        ("one_class.csv", "", "at least 2"),
        ("singleton_class.csv", "", "at least 2"),
        ("missing.csv", "", "No such file"),
    ] {
        let e = load_csv(&data_file(file), None)
            .expect_err(file)
            .to_string();
        assert!(e.contains(file), "{e}");
        assert!(e.contains(line) && e.contains(problem), "{file}: {e}");
    }
}

/// Class "h": a bright horizontal bar; class "v": a vertical one; grey noise around; 12 each.
fn write_bars(dir: &Path, side: u32, per_class: usize, mixed: bool) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for class in ["h", "v"] {
        std::fs::create_dir_all(dir.join(class)).expect("class dir");
        for k in 0..per_class {
            let s = if mixed && k == 0 { side * 2 } else { side };
            let at = rng.gen_range(2..s - 2);
            let img = image::GrayImage::from_fn(s, s, |x, y| {
                let on = if class == "h" { y == at } else { x == at };
                let noise: u8 = rng.gen_range(0..90);
                image::Luma([if on { 200 } else { noise }])
            });
            img.save(dir.join(class).join(format!("{k}.png")))
                .expect("png");
        }
    }
}

#[test]
fn image_folders_load_and_bad_ones_are_named() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write_bars(dir, 12, 6, true);
    let (d, notes) = load_image_folder(dir, 8, false).expect("valid");
    assert_eq!((d.len(), d.dim, d.num_classes()), (12, 64, 2));
    assert_eq!(d.image_shape, Some((8, 8)));
    assert!(notes.0.iter().any(|n| n.contains("resized")), "{notes:?}");
    // A corrupt image.
    std::fs::write(dir.join("h").join("broken.png"), b"not a png").expect("write");
    let e = load_image_folder(dir, 8, false)
        .expect_err("corrupt")
        .to_string();
    assert!(e.contains("broken.png") && e.contains("corrupt"), "{e}");
    // An empty folder.
    let empty = tempfile::tempdir().expect("temp dir");
    let e = load_image_folder(empty.path(), 8, false)
        .expect_err("empty")
        .to_string();
    assert!(e.contains("no class sub-folders"), "{e}");
    // A class with one image.
    let lonely = tempfile::tempdir().expect("temp dir");
    write_bars(lonely.path(), 12, 2, false);
    std::fs::remove_file(lonely.path().join("v").join("1.png")).expect("rm");
    let e = load_image_folder(lonely.path(), 8, false)
        .expect_err("lonely")
        .to_string();
    assert!(e.contains("\"v\"") && e.contains("at least 2"), "{e}");
}

fn train_and_measure(data: Dataset, config: TrainConfig, steps: usize) -> (f64, f64, f64, f64) {
    let mut t = common::trainer_on(config, data);
    let before = t.evaluate().expect("eval").metrics;
    for _ in 0..steps {
        t.step().expect("step");
    }
    let after = t.evaluate().expect("eval").metrics;
    (before.recall_at_1, after.recall_at_1, before.nmi, after.nmi)
}

#[test]
fn training_on_a_csv_of_two_blobs_raises_recall() {
    let data = load_csv(&data_file("two_blobs.csv"), None).expect("valid");
    let config = TrainConfig {
        split: SplitKind::Samples,
        batch_classes: 2,
        batch_samples: 8,
        ..TrainConfig::default()
    };
    let (r0, r1, ..) = train_and_measure(data, config, 200);
    eprintln!("two blobs: held-out R@1 {r0:.3} → {r1:.3}");
    assert!(r1 > r0 && r1 >= 0.9, "{r0} → {r1}");
}

#[test]
fn training_on_a_tiny_image_folder_raises_recall() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_bars(dir.path(), 12, 24, false);
    let source = DataSource::ImageFolder {
        path: dir.path().to_path_buf(),
        size: 12,
        rgb: false,
    };
    let (data, _) = source.load().expect("valid");
    for model in [ModelKind::Mlp, ModelKind::Cnn] {
        let config = TrainConfig {
            split: SplitKind::Samples,
            batch_classes: 2,
            batch_samples: 8,
            model,
            ..TrainConfig::default()
        };
        let (r0, r1, n0, n1) = train_and_measure(data.clone(), config, 150);
        eprintln!("bars, {model:?}: held-out R@1 {r0:.3} → {r1:.3}, NMI {n0:.3} → {n1:.3}");
        match model {
            ModelKind::Mlp => assert!(r1 > r0, "{model:?}: {r0} → {r1}"),
            // The untrained CNN's edge filters already separate bars (R@1 ≈ 0.96 here): it
            // must keep that and tighten the clusters.
            ModelKind::Cnn => assert!(
                r1 >= r0 && n1 > n0,
                "{model:?}: R@1 {r0} → {r1}, NMI {n0} → {n1}"
            ),
        }
    }
}

/// The numbers from PyTorch + pytorch-metric-learning on the same recipe: unseen-class
/// R@1 0.09–0.12 → 0.36–0.45 and NMI 0.03 → 0.30–0.39 in 1000 steps.
#[test]
fn the_hidden_subspace_preset_generalises_to_unseen_classes() {
    let data = SyntheticSpec::hidden_subspace().generate().expect("valid");
    let raw = {
        let split = pairscope::data::Split::new(&data, SplitKind::Classes, 0);
        let x = pairscope::metrics::normalize_rows(&data.gather(&split.held_out), data.dim);
        pairscope::metrics::Retrieval::evaluate(
            &x,
            data.dim,
            &data.gather_labels(&split.held_out),
            0,
        )
    };
    let config = TrainConfig {
        split: SplitKind::Classes,
        hidden_dim: 128,
        embedding_dim: 32,
        ..TrainConfig::default()
    };
    let (_, r1, _, nmi1) = train_and_measure(data, config, 1000);
    eprintln!(
        "hidden subspace, unseen classes: raw R@1 {:.3} NMI {:.3} → trained R@1 {r1:.3} NMI {nmi1:.3}",
        raw.recall_at_1, raw.nmi
    );
    assert!(raw.recall_at_1 < 0.2 && raw.nmi < 0.15, "{raw:?}");
    assert!(r1 > 0.3 && nmi1 > 0.2, "R@1 {r1}, NMI {nmi1}");
}

#[test]
fn the_cnn_trains_on_the_digits() {
    let config = TrainConfig {
        model: ModelKind::Cnn,
        ..TrainConfig::default()
    };
    let (r0, r1, n0, n1) = train_and_measure(Dataset::digits(), config, 150);
    eprintln!("digits CNN: R@1 {r0:.3} → {r1:.3}, NMI {n0:.3} → {n1:.3}");
    assert!(n1 > n0, "NMI {n0} → {n1}");
}

#[test]
fn a_data_source_survives_a_configuration_round_trip() {
    let config = TrainConfig {
        data: DataSource::Synthetic(SyntheticSpec::hidden_subspace()),
        model: ModelKind::Mlp,
        train_classes: Some(vec![0, 2, 4]),
        ..TrainConfig::default()
    };
    let text = config_toml(&config).expect("toml");
    assert_eq!(parse_config(&text).expect("parses"), config);
}
