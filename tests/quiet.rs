//! Quiet and helpful output (issue 20): on a machine without `XDG_RUNTIME_DIR` or a display,
//! the headless commands print no `error:` line (Mesa's Vulkan device-select layer used to
//! make libwayland print one per wgpu instance), and the window says in one line that no
//! display was found and what runs without one.

use std::process::{Command, Output};

/// The binary with `args`, without `XDG_RUNTIME_DIR` and any display variable.
fn without_display(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pairscope"))
        .args(args)
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .env_remove("NODEVICE_SELECT")
        .output()
        .expect("the binary runs")
}

fn error_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.to_ascii_lowercase().contains("error:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn train_without_a_runtime_dir_or_display_prints_no_error_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("run");
    let out_dir = out_dir.to_str().expect("utf-8 path");
    // The default backend choice probes the wgpu adapter, which is what printed.
    let out = without_display(&["train", "--steps", "2", "--out", out_dir]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(error_lines(&out), Vec::<String>::new());
}

#[test]
fn doctor_without_a_runtime_dir_or_display_prints_no_error_line() {
    let out = without_display(&["doctor", "--json"]);
    assert!(matches!(out.status.code(), Some(0..=2)), "{out:?}");
    assert_eq!(error_lines(&out), Vec::<String>::new());
}

#[test]
fn the_window_without_a_display_says_so_in_one_line() {
    let out = without_display(&[]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("no display found"), "{stderr}");
    assert!(
        stderr.contains("pairscope train") && stderr.contains("pairscope doctor"),
        "{stderr}"
    );
    assert!(!stderr.contains("winit"), "{stderr}");
}
