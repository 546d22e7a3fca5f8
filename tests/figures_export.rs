//! Figure files as `pairscope train` writes them with `--format` and `--figure-preset`: the
//! paper preset's PNGs have its pixels and resolution, its SVGs and PDFs its inches and no text
//! under 7 pt; every PDF parses, has one page of the preset's size, holds its title as text
//! (searchable: the subset font's Unicode map works), a heatmap's raster, and the run's
//! configuration and seed in its document information; bad flags write nothing.

use std::path::{Path, PathBuf};
use std::process::Output;

use lopdf::{Document, Object};

/// `pairscope train --steps 30 ARGS --out DIR/out`; the output folder does not exist before.
fn train(args: &[&str]) -> (Output, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pairscope"))
        .args(["train", "--steps", "30"])
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    (output, dir, out)
}

fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The files of `dir` ending in `.ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("out")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort();
    found
}

fn png_size(path: &Path) -> (u32, u32) {
    let img = image::open(path).expect("decodes");
    (img.width(), img.height())
}

/// An SVG's `<title>` and the configuration in its `<metadata>`.
fn svg_title_and_config(svg: &str) -> (String, String) {
    let doc = roxmltree::Document::parse(svg).expect("svg parses");
    let text_of = |name: &str| {
        doc.descendants()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .unwrap_or_else(|| panic!("no <{name}>"))
            .to_owned()
    };
    (text_of("title"), text_of("run"))
}

/// A PDF text string (UTF-16BE with a byte-order mark, or PDFDocEncoding's ASCII).
fn pdf_text(object: &Object) -> String {
    let Object::String(bytes, _) = object else {
        panic!("not a string: {object:?}");
    };
    match bytes.strip_prefix(&[0xFE, 0xFF]) {
        Some(utf16) => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).expect("utf-16")
        }
        None => String::from_utf8(bytes.clone()).expect("ascii"),
    }
}

/// The texts an SVG draws (its `<text>` elements), trimmed.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("svg parses");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Checks one PDF against the SVG of the same figure: page size, title text, raster, metadata.
fn check_pdf(pdf_path: &Path, svg: &str, page_pt: (f32, f32)) {
    let bytes = std::fs::read(pdf_path).expect("pdf");
    let name = pdf_path.display();
    assert!(bytes.starts_with(b"%PDF-"), "{name}");
    let doc = Document::load_mem(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 1, "{name}");
    let page = doc.get_dictionary(pages[&1]).expect("page");
    let media: Vec<f32> = page
        .get(b"MediaBox")
        .and_then(Object::as_array)
        .expect("MediaBox")
        .iter()
        .map(|v| v.as_float().expect("number"))
        .collect();
    assert_eq!(media, [0.0, 0.0, page_pt.0, page_pt.1], "{name}");
    let (title, config) = svg_title_and_config(svg);
    // Every text of the SVG is text on the page (not outlines), the title too where the
    // figure draws it (a board's title is in the metadata only).
    let page_text = without_spaces(&doc.extract_text(&[1]).expect("text"));
    let drawn = svg_texts(svg);
    assert!(!drawn.is_empty(), "{name}: no text");
    for t in &drawn {
        assert!(
            page_text.contains(&without_spaces(t)),
            "{name}: {t:?} is not text on the page"
        );
    }
    if !name.to_string().ends_with("board.pdf") {
        assert!(drawn.contains(&title), "{name}: no title {title:?}");
    }
    // A heatmap's cells (the SVG's embedded PNG) are an image on the page.
    if svg.contains("<image") {
        let images = doc
            .objects
            .values()
            .filter(|o| {
                o.as_stream().is_ok_and(|s| {
                    s.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Image")
                })
            })
            .count();
        assert!(images >= 1, "{name}: the heatmap's raster is missing");
    }
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .and_then(|id| doc.get_dictionary(id))
        .expect("Info");
    assert_eq!(
        pdf_text(info.get(b"Title").expect("Title")),
        title,
        "{name}"
    );
    assert_eq!(
        pdf_text(info.get(b"pairscope:config").expect("config")),
        config,
        "{name}"
    );
    let seed = config
        .lines()
        .find_map(|l| l.strip_prefix("seed = "))
        .expect("seed in the configuration");
    assert_eq!(pdf_text(info.get(b"pairscope:seed").expect("seed")), seed);
}

/// The smallest `font-size` of an SVG, in points of its declared width.
fn smallest_text_pt(svg: &str, width_px: f64, width_pt: f64) -> f64 {
    svg.split("font-size=\"")
        .skip(1)
        .map(|rest| {
            rest.split('"')
                .next()
                .and_then(|n| n.parse::<f64>().ok())
                .expect("a number")
        })
        .fold(f64::MAX, f64::min)
        * width_pt
        / width_px
}

/// A file's pixels and inches under the paper preset: a column (3.5 in × 2.625 in at 300 dpi),
/// except the stage board, which spans both columns (7 in wide, 2:3).
fn paper_size(path: &Path) -> ((u32, u32), (f32, f32)) {
    let board = path
        .file_stem()
        .is_some_and(|s| s.to_string_lossy() == "stages_board");
    if board {
        ((2100, 3150), (7.0, 10.5))
    } else {
        ((1050, 788), (3.5, 2.625))
    }
}

#[test]
fn paper_preset_writes_column_figures_as_png_svg_and_pdf() {
    let (output, _dir, out) = train(&[
        "--stages",
        "--format",
        "png,svg,pdf",
        "--figure-preset",
        "paper",
    ]);
    succeeded(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("(PNG + SVG + PDF)"), "{stderr}");
    let pngs = files(&out, "png");
    assert!(pngs.len() >= 13, "only {} PNGs", pngs.len());
    for png in &pngs {
        assert_eq!(png_size(png), paper_size(png).0, "{}", png.display());
        // 300 dpi in pHYs, so a document places it at 3.5 in.
        let reader = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(png).expect("png"),
        ))
        .read_info()
        .expect("png");
        let dims = reader.info().pixel_dims.expect("pHYs");
        assert_eq!((dims.xppu, dims.unit), (11811, png::Unit::Meter));
        for ext in ["svg", "pdf"] {
            assert!(png.with_extension(ext).exists(), "{}", png.display());
        }
    }
    for svg_path in files(&out, "svg") {
        let svg = std::fs::read_to_string(&svg_path).expect("svg");
        let name = svg_path.display();
        let ((w, h), (w_in, h_in)) = paper_size(&svg_path);
        assert!(
            svg.contains(&format!(
                "<svg width=\"{w_in}in\" height=\"{h_in}in\" viewBox=\"0 0 {w} {h}\""
            )),
            "{name}"
        );
        // No text under 7 pt at its printed width (3.5 in = 252 pt for a figure): ≥ 2.78 % of
        // a column's width.
        let smallest = smallest_text_pt(&svg, f64::from(w), f64::from(w_in) * 72.0);
        assert!(smallest >= 7.0, "{name}: text of {smallest:.2} pt");
        check_pdf(
            &svg_path.with_extension("pdf"),
            &svg,
            (w_in * 72.0, h_in * 72.0),
        );
    }
}

#[test]
fn slide_preset_is_full_hd_and_the_default_formats_write_no_pdf() {
    let (output, _dir, out) = train(&["--figure-preset", "slide"]);
    succeeded(&output);
    let pngs = files(&out, "png");
    assert!(pngs.len() >= 7, "only {} PNGs", pngs.len());
    for png in &pngs {
        assert_eq!(png_size(png), (1920, 1080), "{}", png.display());
    }
    assert_eq!(files(&out, "svg").len(), pngs.len());
    assert!(files(&out, "pdf").is_empty(), "PDFs without --format pdf");
}

#[test]
fn width_overrides_the_presets_width_and_keeps_its_proportions() {
    let (output, _dir, out) = train(&[
        "--figure-preset",
        "paper",
        "--width",
        "1400",
        "--format",
        "png",
    ]);
    succeeded(&output);
    let pngs = files(&out, "png");
    assert!(!pngs.is_empty());
    for png in &pngs {
        assert_eq!(png_size(png), (1400, 1050), "{}", png.display());
    }
    assert!(files(&out, "svg").is_empty(), "SVGs without --format svg");
}

#[test]
fn a_bad_format_or_preset_is_one_line_and_writes_nothing() {
    for (flags, names) in [
        (["--format", "png,gif"], "--format"),
        (["--figure-preset", "poster"], "--figure-preset"),
    ] {
        let (output, _dir, out) = train(&flags);
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{flags:?}: {stderr}");
        assert!(
            lines[0].starts_with("pairscope train: ") && lines[0].contains(names),
            "{stderr}"
        );
        assert!(!out.exists(), "{flags:?} created the output folder");
    }
}
