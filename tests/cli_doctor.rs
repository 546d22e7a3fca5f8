//! `pairscope doctor [--json]`: the JSON contract and the exit statuses (0 parity holds,
//! 2 no adapter). Needs a wgpu adapter for the first test (lavapipe in CI); without one it is
//! skipped unless `PAIRSCOPE_REQUIRE_GPU=1`.

mod common;

/// `pairscope doctor --json` with `envs` set.
fn doctor(envs: &[(&str, &str)]) -> std::process::Output {
    common::pairscope_with_env(&["doctor", "--json"], envs)
}

#[test]
fn doctor_json_reports_adapter_backend_parity_and_timings() {
    let out = doctor(&[]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    if json["adapter"].is_null() {
        assert_eq!(out.status.code(), Some(2));
        assert!(
            std::env::var("PAIRSCOPE_REQUIRE_GPU").as_deref() != Ok("1"),
            "PAIRSCOPE_REQUIRE_GPU=1 but no adapter: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for key in ["name", "backend", "driver"] {
        assert!(json["adapter"][key].is_string(), "adapter.{key}");
    }
    assert!(
        json["train_backend"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let parity = &json["parity"];
    assert_eq!(parity["m"], 1024);
    assert!(parity["max_abs_diff_similarity"].as_f64().expect("number") <= 1e-5);
    assert!(parity["max_abs_diff_weights"].as_f64().expect("number") <= 1e-5);
    assert_eq!(parity["mask_mismatches"], 0);
    for key in ["gpu", "cpu"] {
        assert!(
            json["timings_ms"][key].as_f64().expect("number") > 0.0,
            "timings_ms.{key}"
        );
    }
}

#[test]
fn doctor_without_an_adapter_exits_2_with_a_message() {
    // Vulkan only, with no driver to load: wgpu finds no adapter.
    let out = doctor(&[
        ("WGPU_BACKEND", "vulkan"),
        ("VK_ICD_FILENAMES", "/nonexistent/icd.json"),
        ("VK_DRIVER_FILES", "/nonexistent/icd.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert!(json["adapter"].is_null());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no wgpu adapter"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}
