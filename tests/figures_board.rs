//! The stage board (`pairscope train --stages` writes it), the held-out metrics figure's
//! Recall@K family, the loss figure's axis after a high start, and hatted letters in figure
//! text — each checked in the files a reader gets.

mod common;

use pairscope::figures::{Figure, FigureMeta, Format, Plot, Series, Stroke, build, render};
use pairscope::metrics::Retrieval;
use pairscope::training::{EvalPoint, LossPoint, StepStats};

/// `pairscope train` with `args` into a fresh folder, which it returns.
fn train(args: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let mut all = vec!["train", "--out", out.path().to_str().expect("a UTF-8 path")];
    all.extend_from_slice(args);
    let run = common::pairscope(&all);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn meta(title: &str) -> FigureMeta {
    FigureMeta {
        title: title.into(),
        caption: None,
        config: "seed = 7\n".into(),
        seed: 7,
    }
}

fn svg_of(fig: &Figure, width: u32, height: u32) -> String {
    let bytes = render(fig, &meta("test"), Format::Svg, width, height).expect("renders");
    String::from_utf8(bytes).expect("utf-8")
}

/// Every `<text>` of an SVG: its content, x, y and font size.
fn texts(svg: &str) -> Vec<(String, f64, f64, f64)> {
    let doc = roxmltree::Document::parse(svg).expect("valid XML");
    let num = |n: roxmltree::Node, a| n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let t = n.text().unwrap_or("").trim().to_owned();
            (t, num(n, "x"), num(n, "y"), num(n, "font-size"))
        })
        .collect()
}

/// Every `<polyline>`: its stroke colour and points.
fn polylines(svg: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    let doc = roxmltree::Document::parse(svg).expect("valid XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| {
            let points = n
                .attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            (n.attribute("stroke").unwrap_or("").to_owned(), points)
        })
        .collect()
}

/// `pairscope train --stages` writes the board as PNG and SVG: 2 : 3 at the asked width, the
/// six panel letters, the caption whose numbers are the batch's (batch.json), and no text
/// under 1.8 % of the board's width.
#[test]
fn the_stage_board_is_written_with_letters_and_a_true_caption() {
    let width = 800_u32;
    let out = train(&["--steps", "20", "--stages", "--width", &width.to_string()]);
    let png = image::open(out.path().join("stages_board.png")).expect("board PNG");
    assert_eq!((png.width(), png.height()), (width, width * 3 / 2));
    // Under the paper preset the board spans both columns (2 × 3.5 in at 300 dpi) and keeps
    // its proportions; the other figures are a column's.
    let paper = train(&["--steps", "5", "--stages", "--figure-preset", "paper"]);
    let size = |name: &str| {
        let png = image::open(paper.path().join(name)).expect("PNG");
        (png.width(), png.height())
    };
    assert_eq!(size("stages_board.png"), (2100, 3150));
    assert_eq!(size("loss.png"), (1050, 788));
    let svg = std::fs::read_to_string(out.path().join("stages_board.svg")).expect("board SVG");
    let all = texts(&svg);
    for letter in ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)"] {
        assert!(all.iter().any(|t| t.0 == letter), "{letter} missing");
    }
    let smallest = all.iter().map(|t| t.3).fold(f64::MAX, f64::min);
    assert!(
        smallest >= 0.018 * f64::from(width),
        "text of {smallest:.1} px on a {width} px board"
    );
    // The caption, wrapped over several lines, read back as one paragraph.
    let joined: Vec<&str> = all.iter().map(|t| t.0.as_str()).collect();
    let joined = joined.join(" ");
    let batch: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("batch.json")).expect("batch.json"))
            .expect("json");
    let codes: Vec<u64> = batch["mining_codes"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|c| c.as_u64().expect("code"))
        })
        .collect();
    let kept = |code| codes.iter().filter(|&&c| c == code).count();
    let m = batch["m"].as_u64().expect("m");
    for sentence in [
        format!("One training step on the batch of step {}.", batch["step"]),
        format!(
            "(c) Mining: {} positive and {} negative pairs (i, j) kept of the m(m − 1) = {}.",
            kept(1),
            kept(2),
            m * (m - 1)
        ),
        format!(
            "(e) The loss and this batch's value, L = {:.6}.",
            batch["loss"].as_f64().expect("loss")
        ),
        format!("(a) The batch: {m} samples"),
    ] {
        assert!(
            joined.contains(&sentence),
            "{sentence:?} not in the caption: {joined}"
        );
    }
}

/// The Recall@K curves are one family: one colour, and each K's legend sample has a dash
/// structure of its own (solid, dashed, dotted, dash-dot), so they stay apart in greyscale.
#[test]
fn recall_at_k_differs_by_line_pattern_in_one_colour() {
    let r = |v: f64| Retrieval {
        recall_at_1: v,
        recall_at_2: v + 0.05,
        recall_at_4: v + 0.1,
        recall_at_8: v + 0.15,
        nmi: v - 0.1,
        map_at_r: v - 0.2,
    };
    let evals: Vec<EvalPoint> = (0..6)
        .map(|k| EvalPoint {
            step: k * 20,
            metrics: r(0.4 + 0.05 * k as f64),
        })
        .collect();
    let fig = build::metrics_curve(&evals, Some(&r(0.3)), Some(&r(0.2)));
    let svg = svg_of(&fig, 1600, 900);
    let lines = polylines(&svg);
    let all = texts(&svg);
    let mut samples = Vec::new();
    for name in ["Recall@1", "Recall@2", "Recall@4", "Recall@8"] {
        let (_, tx, ty, size) = all
            .iter()
            .find(|t| t.0 == name)
            .unwrap_or_else(|| panic!("{name} in the legend"))
            .clone();
        // The sample: the strokes left of the name, within its line of text.
        let strokes: Vec<&(String, Vec<(f64, f64)>)> = lines
            .iter()
            .filter(|(_, p)| {
                !p.is_empty()
                    && p.iter().all(|&(x, y)| {
                        x < tx && x > tx - 3.5 * size && y >= ty && y <= ty + 1.5 * size
                    })
            })
            .collect();
        assert!(!strokes.is_empty(), "{name}: no legend sample");
        let colours: Vec<&str> = strokes.iter().map(|s| s.0.as_str()).collect();
        let lengths: Vec<i64> = strokes
            .iter()
            .map(|(_, p)| (p[p.len() - 1].0 - p[0].0).round() as i64)
            .collect();
        samples.push((name, colours[0].to_owned(), lengths));
    }
    for (name, colour, _) in &samples {
        assert_eq!(colour, &samples[0].1, "{name} is not in Recall@1's colour");
    }
    for (i, a) in samples.iter().enumerate() {
        for b in &samples[i + 1..] {
            assert_ne!(a.2, b.2, "{} and {} are drawn alike", a.0, b.0);
        }
    }
}

/// A loss that starts at 12 and drops to about 1 in three steps: the curve after its start
/// fills most of the plot (before: an eighth of it, under an empty band), and the legend
/// says which steps are cut and how high they reach.
#[test]
fn a_high_start_leaves_no_empty_band_over_the_loss_curve() {
    let history: Vec<LossPoint> = (1..=200_u64)
        .map(|step| {
            let loss = match step {
                1 => 12.0,
                2 => 7.0,
                _ => 1.0 + 0.4 * ((step as f64) * 0.37).sin(),
            };
            LossPoint::from(StepStats {
                step,
                loss,
                positive_pairs: 1,
                negative_pairs: 1,
            })
        })
        .collect();
    let fig = build::loss_curve(&history);
    let svg = svg_of(&fig, 1600, 900);
    let curve = polylines(&svg)
        .into_iter()
        .max_by_key(|(_, p)| p.len())
        .expect("the curve")
        .1;
    assert!(curve.len() >= 200, "{} points", curve.len());
    let span = |ps: &[(f64, f64)]| {
        let (lo, hi) = ps
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        hi - lo
    };
    let rest = span(&curve[10..]) / span(&curve);
    assert!(
        rest >= 0.8,
        "the curve after its start spans {:.0} % of the axis",
        100.0 * rest
    );
    let legend: Vec<String> = texts(&svg).into_iter().map(|t| t.0).collect();
    assert!(
        legend
            .iter()
            .any(|t| t == "training loss; steps 1–2 above the plot (up to 12.000)"),
        "{legend:?}"
    );
}

/// plotters draws a combining circumflex as a glyph of its own after its letter ("Pˆ_i"):
/// figure text typesets the hat over the letter instead, every piece still text.
#[test]
fn hatted_letters_are_typeset_as_text() {
    let fig = Figure::Text {
        lines: vec!["P̂_i / N̂_i: the mined ones".into()],
    };
    let svg = svg_of(&fig, 1200, 675);
    let all: Vec<String> = texts(&svg).into_iter().map(|t| t.0).collect();
    assert!(
        all.iter().all(|t| !t.contains('\u{302}')),
        "a combining mark is drawn as a glyph: {all:?}"
    );
    assert_eq!(all.iter().filter(|t| *t == "\u{2c6}").count(), 2, "{all:?}");
    for piece in ["P", "_i / ", "N", "_i: the mined ones"] {
        assert!(
            all.iter().any(|t| t == piece.trim()),
            "{piece:?} in {all:?}"
        );
    }
    // A plain plot keeps its text unchanged.
    let plain = Figure::Plot(Plot {
        x_label: "step".into(),
        y_label: "loss".into(),
        series: vec![Series {
            name: "training loss".into(),
            points: vec![(0.0, 1.0), (1.0, 0.5)],
            colour: (0, 114, 178),
            stroke: Stroke::Solid,
        }],
        equal_aspect: false,
        x_range: None,
        y_range: None,
    });
    assert!(
        texts(&svg_of(&plain, 800, 450))
            .iter()
            .any(|t| t.0 == "training loss")
    );
}
