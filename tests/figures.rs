//! Exported figures: PNGs decode at the requested size and carry the run's configuration;
//! SVGs parse with a real XML parser and contain their axis labels, legend and metadata.

use pairscope::figures::{Figure, FigureMeta, Format, Heatmap, Plot, Series, Stroke, render};
use pairscope::gpu::colormap::ColorMap;

fn meta() -> FigureMeta {
    FigureMeta {
        title: "Test figure".into(),
        caption: Some("seed 7 · multi-similarity".into()),
        config: "seed = 7\n".into(),
        seed: 7,
    }
}

fn curves() -> Figure {
    Figure::Plot(Plot {
        x_label: "step".into(),
        y_label: "held-out metric".into(),
        series: vec![
            Series {
                name: "Recall@1".into(),
                points: (0..20)
                    .map(|k| (f64::from(k), 0.5 + 0.02 * f64::from(k)))
                    .collect(),
                colour: (0, 114, 178),
                stroke: Stroke::Solid,
            },
            Series {
                name: "untrained Recall@1".into(),
                points: vec![(0.0, 0.5), (19.0, 0.5)],
                colour: (0, 114, 178),
                stroke: Stroke::Dashed,
            },
        ],
        equal_aspect: false,
        x_range: None,
        y_range: Some((0.0, 1.0)),
    })
}

fn heatmap() -> Figure {
    let m = 12;
    Figure::Heatmap(Heatmap {
        m,
        values: (0..m * m).map(|k| ((k % 7) as f32 / 3.0) - 1.0).collect(),
        map: ColorMap::Diverging,
        range: (-1.0, 1.0),
        labels: (0..m as u32).map(|i| i / 4).collect(),
        colour_bar: "S_ij (cosine similarity)".into(),
        categories: Vec::new(),
    })
}

#[test]
fn png_has_the_requested_size_and_the_run_in_text_chunks() {
    for (fig, w, h) in [
        (curves(), 1200, 700),
        (heatmap(), 3000, 2250),
        (heatmap(), 640, 480),
    ] {
        let bytes = render(&fig, &meta(), Format::Png, w, h).expect("renders");
        let img = image::load_from_memory(&bytes).expect("decodes");
        assert_eq!((img.width(), img.height()), (w, h));
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let reader = decoder.read_info().expect("png");
        let info = reader.info();
        let text: Vec<(String, String)> = info
            .uncompressed_latin1_text
            .iter()
            .map(|t| (t.keyword.clone(), t.text.clone()))
            .collect();
        assert!(
            text.iter().any(|(k, v)| k == "pairscope:seed" && v == "7"),
            "{text:?}"
        );
        assert!(
            info.utf8_text
                .iter()
                .any(|t| t.keyword == "pairscope:config"),
            "config chunk"
        );
    }
}

fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("valid XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect()
}

#[test]
fn svg_is_vector_with_axes_legend_and_metadata() {
    let svg =
        String::from_utf8(render(&curves(), &meta(), Format::Svg, 1200, 700).expect("renders"))
            .expect("utf-8");
    let texts = svg_texts(&svg);
    for want in [
        "step",
        "held-out metric",
        "Recall@1",
        "untrained Recall@1",
        "Test figure",
    ] {
        assert!(texts.iter().any(|t| t == want), "{want:?} not in {texts:?}");
    }
    let doc = roxmltree::Document::parse(&svg).expect("valid XML");
    let run = doc
        .descendants()
        .find(|n| n.tag_name().name() == "run")
        .expect("metadata");
    assert_eq!(run.attribute("seed"), Some("7"));
    assert!(
        doc.descendants()
            .any(|n| n.has_tag_name("path") || n.has_tag_name("polyline"))
    );
}

#[test]
fn heatmap_svg_embeds_its_raster_and_keeps_text() {
    let svg =
        String::from_utf8(render(&heatmap(), &meta(), Format::Svg, 900, 700).expect("renders"))
            .expect("utf-8");
    let texts = svg_texts(&svg);
    for want in ["j (other sample)", "i (anchor)", "S_ij (cosine similarity)"] {
        assert!(texts.iter().any(|t| t == want), "{want:?} not in {texts:?}");
    }
    let doc = roxmltree::Document::parse(&svg).expect("valid XML");
    let image = doc
        .descendants()
        .find(|n| n.has_tag_name("image"))
        .expect("raster");
    assert!(
        image
            .attribute("href")
            .is_some_and(|h| h.starts_with("data:image/png;base64,"))
    );
}

#[test]
fn sizes_out_of_range_are_errors() {
    assert!(render(&curves(), &meta(), Format::Png, 4, 4).is_err());
    assert!(render(&curves(), &meta(), Format::Svg, 100_000, 10).is_err());
}

/// The catalogue as the window's Export… and `pairscope train` use it: every figure the run
/// has data for is written under the path asked for, at the entry's shape, and its data file
/// too; a figure without data is refused by name.
#[test]
fn catalogue_entries_export_through_one_request_type() {
    use pairscope::figures::{ExportFile, ExportRequest, FigureError, FigureId, RunData, export};
    use std::sync::Arc;

    let data = Arc::new(pairscope::data::Dataset::digits());
    let config = pairscope::training::TrainConfig::default();
    let mut trainer = pairscope::training::Trainer::new(
        config.clone(),
        Arc::clone(&data),
        &pairscope::training::Backend::cpu("test"),
    )
    .expect("trainer");
    let batch = trainer.step().expect("a step");
    let mut run = RunData::new(config, data);
    run.step = batch.step;
    run.history = vec![batch.stats().into()];
    run.batch = Some(Arc::new(batch));
    let run = Arc::new(run);
    let dir = tempfile::tempdir().expect("temporary folder");
    let width = 320;
    for figure in FigureId::ALL {
        let entry = figure.entry();
        let path = dir.path().join(format!("{}.png", entry.name));
        let request = |file| ExportRequest {
            figure,
            file,
            run: Arc::clone(&run),
            path: path.clone(),
        };
        let file = ExportFile::Figure {
            format: Format::Png,
            width,
            caption: true,
            preset: None,
        };
        if !figure.available(&run) {
            assert!(
                matches!(export(request(file)), Err(FigureError::NotReady(name)) if name == entry.name),
                "{figure:?} has no data here"
            );
            continue;
        }
        assert_eq!(export(request(file)).expect("exports"), path);
        let img = image::open(&path).expect("decodes");
        assert_eq!(
            (img.width(), img.height()),
            (width, entry.shape.height(width)),
            "{figure:?}"
        );
        let data = export(request(ExportFile::Data)).expect("data exports");
        assert!(!std::fs::read(data).expect("data file").is_empty());
    }
    for figure in [FigureId::Loss, FigureId::Similarity, FigureId::StageUpdate] {
        assert!(figure.available(&run), "{figure:?}");
    }
}

/// Every text of every figure `pairscope train` writes (every kind: curves, heatmaps, the
/// t-SNE, image rows, the text stage; with captions) is legible at any width: an em (the SVG's
/// `font-size`) of at least 1.8 % of the figure's width — about 4.5 pt on a 3.5 in column,
/// matplotlib's proportions — at 800 and at 1600 pixels.
#[test]
fn text_scales_with_the_figure_width() {
    for width in [800_u32, 1600] {
        let out = tempfile::tempdir().expect("temp dir");
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_pairscope"))
            .args(["train", "--steps", "30", "--stages", "--caption", "--width"])
            .arg(width.to_string())
            .arg("--out")
            .arg(out.path())
            .output()
            .expect("runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let mut checked = 0;
        for file in std::fs::read_dir(out.path()).expect("out") {
            let path = file.expect("entry").path();
            if path.extension().is_none_or(|e| e != "svg") {
                continue;
            }
            let svg = std::fs::read_to_string(&path).expect("svg");
            let sizes: Vec<f64> = svg
                .split("font-size=\"")
                .skip(1)
                .map(|rest| {
                    rest.split('"')
                        .next()
                        .unwrap_or("")
                        .parse()
                        .expect("a number")
                })
                .collect();
            assert!(!sizes.is_empty(), "{}: no text", path.display());
            let smallest = sizes.iter().copied().fold(f64::MAX, f64::min);
            assert!(
                smallest >= 0.018 * f64::from(width),
                "{} at width {width}: text of {smallest:.1} px is {:.2} % of the width",
                path.display(),
                100.0 * smallest / f64::from(width)
            );
            checked += 1;
        }
        assert!(checked >= 12, "only {checked} SVGs at width {width}");
    }
}

/// A `<text>` of an SVG: its content, anchor point, anchor and font size.
struct SvgText {
    text: String,
    x: f64,
    y: f64,
    anchor: String,
    size: f64,
}

fn svg_text_boxes(svg: &str) -> Vec<SvgText> {
    let doc = roxmltree::Document::parse(svg).expect("valid XML");
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse().ok());
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| {
            Some(SvgText {
                text: n.text()?.trim().to_owned(),
                x: num(n, "x")?,
                y: num(n, "y")?,
                anchor: n.attribute("text-anchor").unwrap_or("start").to_owned(),
                size: num(n, "font-size")?,
            })
        })
        .collect()
}

/// At a paper column's size the colour bar's tick labels stand right of the bar (they ran into
/// it from the left), and the title clears the top row's tick label (they touched).
#[test]
fn colour_bar_ticks_clear_the_bar_and_the_title_clears_the_top_tick() {
    let (w, h) = (1050, 788);
    // A title as long as the app's, so that it spans the y axis's ticks.
    let meta = FigureMeta {
        title: "Pair weights w_ij = |dL/dS_ij|, batch of step 300".into(),
        ..meta()
    };
    let svg = String::from_utf8(render(&heatmap(), &meta, Format::Svg, w, h).expect("renders"))
        .expect("utf-8");
    let doc = roxmltree::Document::parse(&svg).expect("valid XML");
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse::<f64>().ok());
    // The bar: the filled cells in the right third.
    let bar_right = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| Some((num(n, "x")?, num(n, "width")?)))
        .filter(|&(x, _)| x > f64::from(w) * 2.0 / 3.0)
        .map(|(x, width)| x + width)
        .fold(f64::NAN, f64::max);
    assert!(bar_right.is_finite(), "no colour bar in the SVG");
    let texts = svg_text_boxes(&svg);
    // A digit is at most 0.6 em wide in the bundled face.
    let left_edge = |t: &SvgText| match t.anchor.as_str() {
        "end" => t.x - 0.6 * t.size * t.text.chars().count() as f64,
        _ => t.x,
    };
    let ticks: Vec<&SvgText> = texts
        .iter()
        .filter(|t| t.text.parse::<f64>().is_ok() && t.x > f64::from(w) * 2.0 / 3.0)
        // (not the cells' x-axis ticks, centred under their columns)
        .filter(|t| t.anchor != "middle")
        .collect();
    assert!(ticks.len() >= 3, "colour bar ticks: {}", ticks.len());
    for t in &ticks {
        assert!(
            left_edge(t) >= bar_right,
            "tick {:?} starts at {:.0}, left of the bar's edge {bar_right:.0}",
            t.text,
            left_edge(t)
        );
    }
    // The title (the largest text) ends above the top tick label of the cells' y axis: its
    // baseline is 0.76 em under its y and a descender 0.22 em more; the tick's digits rise
    // about 0.47 em above its y (centred with dy = 0.5 ex).
    let title = texts
        .iter()
        .max_by(|a, b| a.size.total_cmp(&b.size))
        .expect("a title");
    let top_tick = texts
        .iter()
        .filter(|t| t.text == "0" && t.x < f64::from(w) / 3.0 && t.anchor == "end")
        .min_by(|a, b| a.y.total_cmp(&b.y))
        .expect("the y axis's 0");
    let title_left = title.x - 0.3 * title.size * title.text.chars().count() as f64;
    assert!(
        title_left < top_tick.x,
        "the title does not span the tick: no test"
    );
    let title_bottom = title.y + 0.98 * title.size;
    let tick_top = top_tick.y - 0.47 * top_tick.size;
    assert!(
        title_bottom <= tick_top,
        "title bottom {title_bottom:.0} below the top tick's top {tick_top:.0}"
    );
}
