//! Layers point one way: no egui outside `ui` (and the thin `main.rs`), no burn outside
//! `training`, and the loss engine free of both (ARCHITECTURE.md).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn violations(forbidden: &[&str], allowed_under: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if allowed_under.iter().any(|a| rel.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in forbidden {
                if code.contains(&format!("{word}::")) || code.contains(&format!("use {word}")) {
                    found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn egui_stays_in_the_ui() {
    let v = violations(
        &["egui", "eframe", "egui_wgpu", "egui_plot"],
        &["ui/", "main.rs"],
    );
    assert!(v.is_empty(), "egui named outside src/ui:\n{}", v.join("\n"));
}

#[test]
fn burn_stays_in_training() {
    let v = violations(&["burn"], &["training/"]);
    assert!(
        v.is_empty(),
        "burn named outside src/training:\n{}",
        v.join("\n")
    );
}
