//! Issue 15, the course: `pairscope lesson --list [--json]` lists the lessons in course order,
//! and `pairscope lesson ID --check` runs every lesson headless and checks its claim — a lesson
//! whose claim does not hold fails here. Unknown ids and bad flags exit 2 with one line on
//! stderr; `--out` writes the lesson's figures.

mod common;

use std::time::Instant;

use common::pairscope;
use pairscope::lessons::lessons;

fn stdout_json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn the_list_is_the_course_in_order() {
    let out = pairscope(&["lesson", "--list", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let listed = stdout_json(&out);
    let rows = listed.as_array().expect("an array");
    let course = lessons();
    assert!(course.len() >= 10, "at least 10 lessons");
    assert_eq!(rows.len(), course.len());
    for (row, lesson) in rows.iter().zip(&course) {
        assert_eq!(row["id"], lesson.id);
        assert_eq!(row["title"], lesson.title);
        assert_eq!(row.as_object().map(serde_json::Map::len), Some(2));
    }
    let plain = pairscope(&["lesson", "--list"]);
    assert_eq!(plain.status.code(), Some(0));
    let text = String::from_utf8_lossy(&plain.stdout);
    assert_eq!(text.lines().count(), course.len());
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("decomposition"))
    );
}

/// Every lesson's claim holds on its seeded run: exit 0 and `"held": true`, with the claim
/// the course states and numbers as evidence.
#[test]
fn every_lesson_claim_holds() {
    let mut failures = Vec::new();
    for lesson in lessons() {
        let started = Instant::now();
        let out = pairscope(&["lesson", lesson.id, "--check"]);
        let verdict = stdout_json(&out);
        eprintln!(
            "{} ({:.1} s): {verdict}",
            lesson.id,
            started.elapsed().as_secs_f64()
        );
        assert_eq!(verdict["lesson"], lesson.id);
        assert_eq!(verdict["claim"], lesson.claim);
        let evidence = verdict["evidence"].as_object().expect("evidence object");
        assert!(!evidence.is_empty(), "{}: no evidence", lesson.id);
        let held = verdict["held"].as_bool().expect("held is a bool");
        assert_eq!(out.status.code(), Some(if held { 0 } else { 1 }));
        if !held {
            failures.push(format!("{}: {verdict}", lesson.id));
        }
    }
    assert!(
        failures.is_empty(),
        "claims that do not hold:\n{}",
        failures.join("\n")
    );
}

#[test]
fn unknown_ids_and_bad_flags_exit_2_with_one_line() {
    for args in [
        &["lesson", "no-such-lesson", "--check"][..],
        &["lesson", "no-such-lesson"],
        &["lesson"],
        &["lesson", "--list", "decomposition"],
        &["lesson", "decomposition", "--out", "x"],
        &["lesson", "decomposition", "--json"],
        &["lesson", "decomposition", "--check", "--bogus"],
    ] {
        let out = pairscope(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("pairscope lesson: "), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_lesson_prints_its_texts() {
    let lesson = &lessons()[0];
    let out = pairscope(&["lesson", lesson.id]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        lesson.title,
        lesson.goal,
        lesson.todo,
        lesson.look_for,
        lesson.question,
        lesson.claim,
    ] {
        assert!(text.contains(part), "{part}");
    }
}

/// `--out` writes the lesson's figures (those its run has data for) through the catalogue.
#[test]
fn check_out_writes_the_lesson_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("figures");
    let lesson = pairscope::lessons::find("ms-three-similarities").expect("the lesson");
    let out = pairscope(&[
        "lesson",
        lesson.id,
        "--check",
        "--out",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for figure in lesson.figures {
        for ext in ["png", "svg"] {
            let path = out_dir.join(format!("{}.{ext}", figure.name()));
            let len = std::fs::metadata(&path).map_or(0, |m| m.len());
            assert!(len > 100, "{} missing or empty", path.display());
        }
    }
}

/// The window's lesson panel shows every part of a lesson, the claim as "pairscope checks", and
/// the settings panel lists the course numbered in order.
#[test]
fn the_window_shows_the_course_and_a_lesson() {
    use egui_kittest::kittest::Queryable as _;
    let mut h = common::harness_sized(1600.0, 1400.0);
    let course = lessons();
    h.step();
    for (k, lesson) in course.iter().enumerate() {
        h.get_by_label(&format!("{}. {}", k + 1, lesson.title));
    }
    let k = course
        .iter()
        .position(|l| l.id == "collapse")
        .expect("the collapse lesson");
    h.state_mut()
        .state_mut()
        .apply(pairscope::app::AppCommand::ApplyLesson(k));
    h.step();
    h.step();
    let lesson = &course[k];
    h.get_by_label(&format!("Lesson {} of {}", k + 1, course.len()));
    for text in [
        lesson.title,
        "Goal",
        lesson.goal,
        "What to do",
        lesson.todo,
        "What to look for",
        lesson.look_for,
        "Question",
        lesson.question,
        "pairscope checks",
        lesson.claim,
        "Close lesson",
    ] {
        h.get_by_label(text);
    }
    assert_eq!(h.state().state().settings.config, lesson.config);
}
