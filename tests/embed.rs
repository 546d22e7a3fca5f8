//! pairscope's t-SNE engine and `pairscope embed` (issue 17): quality against linfa-tsne, the
//! independent reference, on the same data and the same P; determinism for a seed; degenerate
//! inputs; the command's contract (one JSON line, `x,y,label` rows in the input's order, one
//! stderr line and no file on bad input); PCA.

mod common;

use std::path::Path;

use pairscope::data::{Dataset, Split, SplitKind, load_csv};
use pairscope::embedding::affinity::{affinities, effective_perplexity};
use pairscope::embedding::pca::pca2;
use pairscope::embedding::quality::knn_accuracy;
use pairscope::embedding::reference::linfa_layout;
use pairscope::embedding::tsne::{self, Layout, MIN_POINTS, Optimizer, TsneError, TsneParams};

/// bhtsne's trees recurse deeply on near-duplicate points (see `reference::linfa_layout`).
const LINFA_STACK: usize = 64 << 20;

fn cold(points: &[f32], d: usize, params: &TsneParams) -> Result<Layout, TsneError> {
    tsne::layout(points, d, params, &mut |_| true)
}

fn seeded(seed: u64) -> TsneParams {
    TsneParams {
        seed,
        ..TsneParams::default()
    }
}

/// KL(P ‖ Q) of `xy` under `p`, exact.
fn kl_under(xy: &[[f64; 2]], p: &pairscope::embedding::affinity::Affinities) -> f64 {
    Optimizer::new(xy).kl_divergence(p, true)
}

fn all_finite(xy: &[[f64; 2]]) -> bool {
    xy.iter().flatten().all(|v| v.is_finite())
}

/// The app's held-out half of the digits (every class split 50/50, seed 0): 901 points.
fn held_out_digits() -> (Vec<f32>, Vec<u32>, usize) {
    let digits = Dataset::digits();
    let split = Split::new(&digits, SplitKind::Samples, 0);
    (
        digits.gather(&split.held_out),
        digits.gather_labels(&split.held_out),
        digits.dim,
    )
}

#[test]
fn as_good_as_linfa_tsne_on_the_same_data_and_p() {
    let (points, labels, d) = held_out_digits();
    let n = labels.len();
    let linfa = {
        let points = points.clone();
        std::thread::Builder::new()
            .name("linfa-tsne".into())
            .stack_size(LINFA_STACK)
            .spawn(move || linfa_layout(&points, d, 30.0, 750, 0))
            .expect("a thread")
    };
    let ours = cold(&points, d, &TsneParams::default()).expect("a layout");
    let theirs = linfa
        .join()
        .expect("linfa-tsne's thread")
        .expect("a layout");
    assert_eq!((ours.xy.len(), theirs.len()), (n, n));
    assert!(all_finite(&ours.xy) && all_finite(&theirs));
    // One P for both layouts, as the engine builds it.
    let p = affinities(
        &points,
        d,
        effective_perplexity(30.0, n),
        &mut Vec::new(),
        true,
    );
    let (kl_ours, kl_linfa) = (kl_under(&ours.xy, &p), kl_under(&theirs, &p));
    let (acc_ours, acc_linfa) = (
        knn_accuracy(&ours.xy, &labels, 5),
        knn_accuracy(&theirs, &labels, 5),
    );
    println!(
        "{n} held-out digits, perplexity 30, 750 iterations: pairscope KL {kl_ours:.4} \
         5-NN {acc_ours:.4}; linfa-tsne KL {kl_linfa:.4} 5-NN {acc_linfa:.4}"
    );
    // The layout reports the KL of the same P it optimised.
    assert!(
        (ours.kl_divergence - kl_ours).abs() <= 1e-3 * kl_ours,
        "{} vs {kl_ours}",
        ours.kl_divergence
    );
    assert!(
        kl_ours <= kl_linfa * 1.02,
        "KL {kl_ours} vs linfa-tsne's {kl_linfa}"
    );
    // linfa-tsne is not reproducible for a seed (bhtsne sums in parallel): over 11 runs its KL
    // ranged 0.625–0.638 and its 5-NN 0.9789–0.9834 (ours: 0.5910, 0.9834); 0.005 is 4 of
    // the 901 points.
    assert!(
        acc_ours >= acc_linfa - 0.005,
        "5-NN {acc_ours} vs linfa-tsne's {acc_linfa}"
    );
    assert!(acc_ours >= 0.97, "5-NN {acc_ours}");
}

#[test]
fn all_1797_digits_keep_their_classes_apart() {
    let digits = Dataset::digits();
    let layout = cold(&digits.features, digits.dim, &TsneParams::default()).expect("a layout");
    let accuracy = knn_accuracy(&layout.xy, &digits.labels, 5);
    println!(
        "1797 digits: KL {:.4}, 5-NN {accuracy:.4}, perplexity {}",
        layout.kl_divergence, layout.perplexity
    );
    assert_eq!(
        (layout.xy.len(), layout.iterations, layout.perplexity),
        (1797, 750, 30.0)
    );
    assert!(accuracy >= 0.97, "5-NN {accuracy}");
    // openTSNE 1.0.4 (Barnes–Hut, the same schedule) reaches an exact KL of 0.756 under its
    // own exact P on these digits (raw grey levels; median of seeds 0–2, measured by
    // `python3 benches/tsne_opentsne.py`, which scores pairscope's layouts under that P at
    // 0.7405); issue 17 allows 5 % more.
    assert!(
        layout.kl_divergence <= 0.756 * 1.05,
        "KL {}",
        layout.kl_divergence
    );
}

#[test]
fn a_seed_fixes_the_layout_bit_for_bit() {
    let digits = Dataset::digits();
    let rows: Vec<usize> = (0..300).collect();
    let points = digits.gather(&rows);
    let bits = |l: &Layout| -> Vec<u64> { l.xy.iter().flatten().map(|v| v.to_bits()).collect() };
    let a = cold(&points, digits.dim, &seeded(7)).expect("a layout");
    let b = cold(&points, digits.dim, &seeded(7)).expect("a layout");
    assert_eq!(bits(&a), bits(&b), "same seed, different layouts");
    assert_eq!(a.kl_divergence.to_bits(), b.kl_divergence.to_bits());
    // Both cores or one: the same sums in the same order.
    let serial = TsneParams {
        parallel: false,
        ..seeded(7)
    };
    let c = cold(&points, digits.dim, &serial).expect("a layout");
    assert_eq!(bits(&a), bits(&c), "the thread pool changed the layout");
    let other = cold(&points, digits.dim, &seeded(8)).expect("a layout");
    assert_ne!(bits(&a), bits(&other), "the seed is ignored");
}

#[test]
fn too_few_points_are_refused_and_two_to_four_are_laid_out() {
    assert_eq!(MIN_POINTS, 2);
    for (points, d) in [(vec![], 3), (vec![], 0), (vec![1.0, 2.0, 3.0], 3)] {
        let got = points.len() / 3;
        assert_eq!(
            cold(&points, d, &TsneParams::default()),
            Err(TsneError::TooFew { min: 2, got })
        );
    }
    for n in 2..=4 {
        let points: Vec<f32> = (0..n * 3)
            .map(|k| ((k * 7) % 5) as f32 + k as f32)
            .collect();
        let layout = cold(&points, 3, &TsneParams::default()).expect("a layout");
        assert_eq!(layout.xy.len(), n);
        assert!(all_finite(&layout.xy), "{n} points: {:?}", layout.xy);
        assert!(layout.kl_divergence.is_finite() && layout.kl_divergence > -1e-6);
        assert_eq!(layout.perplexity, 1.0, "(n − 1)/3 < 1 is raised to 1");
        for i in 0..n {
            for j in 0..i {
                assert_ne!(
                    layout.xy[i], layout.xy[j],
                    "{n} points: {i} and {j} coincide"
                );
            }
        }
    }
}

#[test]
fn identical_and_duplicate_points_and_one_class_lay_out() {
    // All points the same: no direction is preferred, but nothing is NaN.
    let same: Vec<f32> = [0.5_f32, -2.0, 3.0].repeat(50);
    let layout = cold(&same, 3, &TsneParams::default()).expect("a layout");
    assert_eq!(layout.xy.len(), 50);
    assert!(all_finite(&layout.xy) && layout.kl_divergence.is_finite());
    let (flat, share) = pca2(&same, 3);
    assert_eq!((flat, share), (vec![[0.0; 2]; 50], [0.0; 2]));

    // Every digit twice: each point's twin ends up nearer to it than its other neighbours.
    let digits = Dataset::digits();
    let rows: Vec<usize> = (0..200).chain(0..200).collect();
    let points = digits.gather(&rows);
    let layout = cold(&points, digits.dim, &TsneParams::default()).expect("a layout");
    assert!(all_finite(&layout.xy) && layout.kl_divergence.is_finite());
    let twin_nearest = (0..400)
        .filter(|&i| {
            let twin = (i + 200) % 400;
            let dist = |j: usize| {
                (layout.xy[i][0] - layout.xy[j][0]).hypot(layout.xy[i][1] - layout.xy[j][1])
            };
            (0..400)
                .filter(|&j| j != i && j != twin)
                .all(|j| dist(twin) <= dist(j))
        })
        .count();
    println!("{twin_nearest} of 400 points have their twin nearest");
    assert!(twin_nearest >= 390, "{twin_nearest} of 400 twins nearest");

    // One class: the layout does not care, and every neighbour votes for the only label.
    let first: Vec<usize> = digits.indices_by_class()[3].clone();
    let layout = cold(&digits.gather(&first), digits.dim, &TsneParams::default()).expect("ok");
    assert!(all_finite(&layout.xy));
    assert_eq!(knn_accuracy(&layout.xy, &vec![0; first.len()], 5), 1.0);
}

#[test]
fn non_finite_points_are_refused_and_a_cancel_stops_at_once() {
    let digits = Dataset::digits();
    let d = digits.dim;
    let mut points = digits.gather(&(0..50).collect::<Vec<_>>());
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        points[17 * d + 5] = bad;
        assert_eq!(
            cold(&points, d, &TsneParams::default()),
            Err(TsneError::NonFinite { row: 17 })
        );
    }
    points[17 * d + 5] = 0.0;
    let mut asked = Vec::new();
    let cancelled = tsne::layout(&points, d, &TsneParams::default(), &mut |it| {
        asked.push(it);
        it < 10
    });
    assert_eq!(cancelled, Err(TsneError::Cancelled));
    assert_eq!(asked, (0..=10).collect::<Vec<_>>());
}

#[test]
fn far_too_large_or_small_values_lay_out_as_ordinary_ones() {
    // Squared distances of values beyond ~1e19 once overflowed f32 (a NaN layout, exit 0).
    // A power of two scales exactly, so the layouts must be bit for bit the ordinary one.
    let digits = Dataset::digits();
    let points = digits.gather(&(0..300).collect::<Vec<_>>());
    assert_eq!(points.iter().fold(0.0_f32, |m, &v| m.max(v)), 1.0);
    let base = cold(&points, digits.dim, &TsneParams::default()).expect("a layout");
    let p_base = affinities(&points, digits.dim, 30.0, &mut Vec::new(), true);
    for exponent in [70, 120, -70, -120] {
        let factor = 2.0_f64.powi(exponent);
        let scaled: Vec<f32> = points
            .iter()
            .map(|&v| (f64::from(v) * factor) as f32)
            .collect();
        let p = affinities(&scaled, digits.dim, 30.0, &mut Vec::new(), true);
        assert_eq!(p, p_base, "P of the points × 2^{exponent}");
        let layout = cold(&scaled, digits.dim, &TsneParams::default()).expect("a layout");
        assert_eq!(layout, base, "the points × 2^{exponent}");
    }
}

#[test]
fn pca_orders_its_axes_and_keeps_distances_of_planar_data() {
    let digits = Dataset::digits();
    let (xy, share) = pca2(&digits.features, digits.dim);
    println!("digits PCA variance shares {share:?}");
    assert_eq!(xy.len(), 1797);
    assert!(share[0] >= share[1] && share[1] > 0.0, "{share:?}");
    assert!(share[0] + share[1] <= 1.0 + 1e-12, "{share:?}");
    assert_eq!(pca2(&digits.features, digits.dim), (xy.clone(), share));
    // Centred coordinates, the first of larger spread.
    let var = |c: usize| xy.iter().map(|p| p[c] * p[c]).sum::<f64>();
    let mean = |c: usize| xy.iter().map(|p| p[c]).sum::<f64>() / 1797.0;
    assert!(mean(0).abs() < 1e-9 && mean(1).abs() < 1e-9);
    assert!(var(0) >= var(1));
    // Two-dimensional data: PCA is a rotation (and reflection) of it; every distance is kept
    // and the shares sum to one.
    let planar: Vec<f32> = (0..40)
        .flat_map(|i| {
            let t = i as f32;
            [3.0 * (t * 0.7).cos() + 0.1 * t, (t * 1.3).sin()]
        })
        .collect();
    let (flat, share) = pca2(&planar, 2);
    assert!((share[0] + share[1] - 1.0).abs() < 1e-9, "{share:?}");
    for i in 0..40 {
        for j in 0..i {
            let before = f64::from(planar[2 * i] - planar[2 * j])
                .hypot(f64::from(planar[2 * i + 1] - planar[2 * j + 1]));
            let after = (flat[i][0] - flat[j][0]).hypot(flat[i][1] - flat[j][1]);
            assert!(
                (before - after).abs() < 1e-5,
                "{i},{j}: {before} vs {after}"
            );
        }
    }
}

// ---- `pairscope embed` ----

const CLASSES: [&str; 3] = ["emu", "cat", "dog"];

/// 45 rows, 4 features, the label in column 2 (named "kind"), three classes in clumps.
fn write_small_csv(path: &Path) {
    let mut text = String::from("f0,f1,kind,f2,f3\n");
    for i in 0..45_u32 {
        let c = (i * 7) % 3;
        let v = |k: u32| f64::from(c * 10) + f64::from((i * (k + 3)) % 5) * 0.3;
        text += &format!(
            "{},{},{},{},{}\n",
            v(0),
            v(1),
            CLASSES[c as usize],
            v(2),
            v(3)
        );
    }
    std::fs::write(path, text).expect("written");
}

/// Runs `pairscope embed`; returns (status, stdout, stderr).
fn embed(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["embed"];
    all.extend_from_slice(args);
    let out = common::pairscope(&all);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The top-level keys of a flat JSON object, in their order, and the parsed object.
fn keys_in_order(line: &str) -> (Vec<String>, serde_json::Value) {
    let value: serde_json::Value = serde_json::from_str(line).expect("stdout is JSON");
    let inner = line.trim().trim_start_matches('{').trim_end_matches('}');
    let keys = inner
        .split(',')
        .map(|kv| {
            kv.split(':')
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_owned()
        })
        .collect();
    (keys, value)
}

/// The rows of a written layout: (x, y, label).
fn read_layout(path: &Path) -> Vec<(f64, f64, String)> {
    let text = std::fs::read_to_string(path).expect("the layout");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("x,y,label"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 3, "{l}");
            let num = |s: &str| s.parse::<f64>().expect("a number");
            (num(f[0]), num(f[1]), f[2].to_owned())
        })
        .collect()
}

#[test]
fn embed_writes_the_input_order_and_prints_one_json_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("small.csv");
    write_small_csv(&data);
    let input = load_csv(&data, Some(&pairscope::data::LabelColumn::Index(2))).expect("valid");
    let labels: Vec<&str> = (0..45).map(|i| CLASSES[(i * 7) % 3]).collect();
    let s = |p: &Path| p.to_str().expect("a UTF-8 path").to_owned();
    for (method, label) in [("tsne", "kind"), ("tsne", "2"), ("pca", "kind")] {
        let out = dir.path().join(format!("{method}-{label}.csv"));
        let (code, stdout, stderr) = embed(&[
            "--data",
            &s(&data),
            "--label-column",
            label,
            "--method",
            method,
            "--seed",
            "3",
            "--out",
            &s(&out),
        ]);
        assert_eq!(code, Some(0), "{method} {label}: {stderr}");
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        let (keys, json) = keys_in_order(stdout.lines().next().unwrap_or(""));
        assert_eq!(
            keys,
            ["n", "method", "iterations", "seconds", "kl_divergence"]
        );
        assert_eq!(json["n"], 45);
        assert_eq!(json["method"], method);
        assert!(json["seconds"].as_f64().is_some_and(|t| t >= 0.0), "{json}");
        let rows = read_layout(&out);
        let got: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(got, labels, "labels in the input's order");
        let xy: Vec<[f64; 2]> = rows.iter().map(|r| [r.0, r.1]).collect();
        // The same engine as the library, to the bit (floats are written round-trip).
        let expected = if method == "pca" {
            assert_eq!(
                (json["iterations"].as_u64(), json["kl_divergence"].is_null()),
                (Some(0), true)
            );
            pca2(&input.features, input.dim).0
        } else {
            let layout = cold(&input.features, input.dim, &seeded(3)).expect("a layout");
            assert_eq!(json["iterations"], 750);
            assert_eq!(json["kl_divergence"].as_f64(), Some(layout.kl_divergence));
            layout.xy
        };
        assert_eq!(xy, expected, "{method}: not the library's layout");
    }
}

/// `pairscope embed` with `args` must fail with status 2, one non-empty stderr line containing
/// `needle`, nothing on stdout, and no file at `out`.
fn refused(args: &[&str], out: &Path, needle: &str) {
    let (code, stdout, stderr) = embed(args);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    assert_eq!(stdout, "", "{args:?}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
    assert!(lines[0].starts_with("pairscope embed: "), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "{args:?}: {stderr} lacks {needle:?}"
    );
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
}

#[test]
fn embed_refuses_bad_flags_and_values_in_one_line_without_writing() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let good = dir.path().join("good.csv");
    write_small_csv(&good);
    let out = dir.path().join("layout.csv");
    let (g, o) = (good.to_str().expect("UTF-8"), out.to_str().expect("UTF-8"));
    let bad = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        path.to_str().expect("UTF-8").to_owned()
    };
    let nan = bad("nan.csv", "label,a,b\nx,1,2\ny,3,NaN\nx,5,6\ny,7,8\n");
    let word = bad("word.csv", "label,a,b\nx,1,2\ny,3,4\nx,five,6\ny,7,8\n");
    // The loader (shared with training) wants two classes; one point is one class.
    let one = bad("one.csv", "label,a,b\nx,1,2\nx,3,4\nx,5,6\n");
    let missing = dir.path().join("no such file.csv");
    let missing = missing.to_str().expect("UTF-8");
    refused(&["--data", g, "--method", "foo", "--out", o], &out, "foo");
    refused(&["--data", g, "--perplexity", "-1", "--out", o], &out, "-1");
    refused(
        &["--data", g, "--perplexity=-1", "--out", o],
        &out,
        "--perplexity",
    );
    refused(
        &["--data", g, "--perplexity", "nan", "--out", o],
        &out,
        "--perplexity",
    );
    refused(
        &["--data", g, "--iterations", "0", "--out", o],
        &out,
        "--iterations",
    );
    refused(&["--data", g], &out, "--out");
    refused(&["--data", missing, "--out", o], &out, "no such file.csv");
    refused(
        &["--data", g, "--label-column", "nope", "--out", o],
        &out,
        "nope",
    );
    refused(&["--data", &nan, "--out", o], &out, "not finite");
    refused(&["--data", &word, "--out", o], &out, "five");
    refused(&["--data", &one, "--out", o], &out, "class");
    // A failure leaves an earlier layout alone.
    std::fs::write(&out, "x,y,label\n").expect("written");
    let (code, _, _) = embed(&["--data", &nan, "--out", o]);
    assert_eq!(code, Some(2));
    assert_eq!(
        std::fs::read_to_string(&out).ok().as_deref(),
        Some("x,y,label\n")
    );
}
