//! Every value bounded (issue 20): each numeric field of the configuration, checkpoint, data
//! sources and `pairscope loss` cases has a range in the code's tables, an over-range value
//! is refused with a message naming the field and the range, inputs that would need
//! unreasonable memory are refused before allocating, and `docs/limits.md` lists every row of
//! the tables.

use std::path::Path;

use pairscope::data::{self, Generator, SyntheticSpec, limits as data_limits};
use pairscope::losses::{self, ANY_OWNER, CASE_DIM, CASE_ROWS, LIMITS};
use pairscope::training::{Checkpoint, TrainConfig, limits as run_limits};

/// Every row `docs/limits.md` must hold, as `| field | range |`.
fn expected_rows() -> Vec<String> {
    let mut rows: Vec<(String, String)> = run_limits::documented()
        .into_iter()
        .chain(data_limits::documented())
        .map(|(f, r)| (f.to_owned(), r))
        .collect();
    for l in LIMITS.iter().chain([&CASE_ROWS, &CASE_DIM]) {
        let field = if l.owner == ANY_OWNER {
            l.field.to_owned()
        } else {
            format!("{}: {}", l.owner, l.field)
        };
        rows.push((field, l.limit.requirement()));
    }
    rows.into_iter()
        .map(|(f, r)| format!("| `{f}` | {r} |"))
        .collect()
}

#[test]
fn the_limits_page_lists_every_row_of_the_tables() {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/limits.md"))
            .expect("docs/limits.md");
    let rows = expected_rows();
    let missing: Vec<&String> = rows.iter().filter(|r| !page.contains(r.as_str())).collect();
    assert!(
        missing.is_empty(),
        "docs/limits.md lacks {missing:#?}\nall rows, as the code has them:\n{}",
        rows.join("\n")
    );
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    assert!(readme.contains("docs/limits.md"), "README links the page");
}

#[test]
fn a_config_over_range_is_refused_naming_field_and_range() {
    let e = pairscope::training::config::parse_config("[tsne]\niterations = 4000000000\n")
        .expect_err("4e9 iterations")
        .to_string();
    assert_eq!(e, "tsne.iterations must be in 10..=100000");
    let c = TrainConfig {
        batch_samples: 3000,
        ..TrainConfig::default()
    };
    assert_eq!(
        c.validate().expect_err("K").to_string(),
        "batch_samples must be in 2..=2048"
    );
}

#[test]
fn pairscope_train_refuses_the_iterations_that_hung_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("run.toml");
    std::fs::write(&config, "[tsne]\niterations = 4000000000\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pairscope"))
        .args(["train", "--steps", "2", "--backend", "cpu", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("run"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("tsne.iterations must be in 10..=100000"),
        "{err}"
    );
}

#[test]
fn a_synthetic_spec_over_range_is_refused() {
    let cases = [
        (
            SyntheticSpec {
                classes: 5000,
                ..SyntheticSpec::default()
            },
            "classes must be in 2..=1000",
        ),
        (
            SyntheticSpec {
                per_class: usize::MAX,
                ..SyntheticSpec::default()
            },
            "per_class must be in 2..=100000",
        ),
        (
            SyntheticSpec {
                classes: 1000,
                per_class: 1000,
                ..SyntheticSpec::default()
            },
            "classes × per_class must be in 4..=200000",
        ),
        (
            SyntheticSpec {
                dim: 1 << 20,
                ..SyntheticSpec::default()
            },
            "dim must be in 2..=4096",
        ),
        (
            SyntheticSpec {
                noise: 1e9,
                ..SyntheticSpec::default()
            },
            "noise must be in 0..=1000",
        ),
        (
            SyntheticSpec {
                noise: f64::NAN,
                ..SyntheticSpec::default()
            },
            "noise must be in 0..=1000",
        ),
        (
            SyntheticSpec {
                generator: Generator::HiddenSubspace,
                dim: 8,
                nuisance: 1e9,
                ..SyntheticSpec::default()
            },
            "nuisance must be in 0..=1000",
        ),
    ];
    for (spec, message) in cases {
        let e = spec.validate().expect_err(message).to_string();
        assert!(e.contains(message), "{e}");
    }
}

#[test]
fn a_csv_of_a_million_columns_is_refused_before_its_matrix_exists() {
    let mut row = String::from("0");
    row.push_str(&",1".repeat(1_000_000));
    let text = format!("{row}\n{row}\n");
    let e = data::parse_csv("wide.csv", &text, None)
        .expect_err("wide")
        .to_string();
    assert!(
        e.starts_with("wide.csv: line 1: CSV columns must be in 2..=100001"),
        "{e}"
    );
}

/// A PNG of `width × height` whose header is complete (the pixels are not: the size is read
/// from the header alone).
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit grey, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    // The decoder reads the chunks up to the first IDAT before it knows the size.
    for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &[]), (b"IEND", &[])] {
        let mut chunk = kind.to_vec();
        chunk.extend(data);
        png.extend(u32::try_from(data.len()).expect("small").to_be_bytes());
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

#[test]
fn a_huge_image_is_refused_from_its_header() {
    let dir = tempfile::tempdir().expect("temp dir");
    for class in ["a", "b"] {
        let folder = dir.path().join(class);
        std::fs::create_dir(&folder).expect("class folder");
        for i in 0..2 {
            std::fs::write(
                folder.join(format!("{i}.png")),
                png_header(100_000, 100_000),
            )
            .expect("png");
        }
    }
    let e = data::load_image_folder(dir.path(), 16, false)
        .expect_err("huge")
        .to_string();
    assert!(
        e.contains("image pixels (width × height) must be in 1..=67108864"),
        "{e}"
    );
    let e = data::load_image_folder(dir.path(), 1000, false)
        .expect_err("side")
        .to_string();
    assert!(e.contains("image size must be in 4..=256"), "{e}");
}

#[test]
fn a_checkpoint_file_larger_than_any_model_is_refused_before_reading() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.toml");
    // Sparse: no disk and no memory is used; the size alone is refused.
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(run_limits::max_checkpoint_file_bytes() + 1)
        .expect("sparse file");
    let e = Checkpoint::read(&path).expect_err("huge").to_string();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert!(
        e.contains(&format!(
            "checkpoint file (bytes) must be at most {}",
            run_limits::max_checkpoint_file_bytes()
        )),
        "{e}"
    );
}

#[test]
fn a_loss_case_over_range_is_refused_naming_the_field() {
    let rows = vec![vec![1.0]; 5000];
    let labels: Vec<i64> = (0..5000).map(|i| i % 2).collect();
    let case = serde_json::json!({"loss": "contrastive", "embeddings": rows, "labels": labels});
    let e = losses::parse_case(&case.to_string())
        .expect_err("rows")
        .to_string();
    assert!(
        e.contains("embeddings (rows)") && e.contains("[2, 4096]"),
        "{e}"
    );
    let case = serde_json::json!({
        "loss": "contrastive",
        "embeddings": [vec![1.0; 70_000], vec![1.0; 70_000]],
        "labels": [0, 1],
    });
    let e = losses::parse_case(&case.to_string())
        .expect_err("dim")
        .to_string();
    assert!(
        e.contains("embeddings (columns)") && e.contains("[1, 65536]"),
        "{e}"
    );
}

#[test]
fn a_checkpoint_whose_declared_shape_does_not_match_its_bytes_is_refused() {
    use pairscope::training::{Backend, BackendChoice, Trainer};
    let config = TrainConfig {
        backend: BackendChoice::Cpu,
        ..TrainConfig::default()
    };
    let data = std::sync::Arc::new(data::Dataset::digits());
    let mut t = Trainer::new(config, data, &Backend::cpu("test")).expect("trainer");
    let mut checkpoint = t.checkpoint().expect("checkpoint");
    // The first layer's weight is declared [64, 128] in the burnpack metadata (CBOR: an array
    // of two, then 64 and 128 as one-byte integers); declare [64, 255] for the same bytes.
    let declared = [0x82, 0x18, 0x40, 0x18, 0x80];
    let at = checkpoint
        .model
        .windows(declared.len())
        .position(|w| w == declared)
        .expect("the shape [64, 128] in the metadata");
    checkpoint.model[at + 4] = 0xff;
    let e = t
        .load_checkpoint(&checkpoint)
        .expect_err("shape")
        .to_string();
    assert!(
        e.contains("cannot be read") && e.contains("need 65280"),
        "{e}"
    );
}
